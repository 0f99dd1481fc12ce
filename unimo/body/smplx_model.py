"""``SMPLXBodyModel``: the official SMPL-X model (``smplx`` package) for users who have its model files.

The model files are licensed (https://smpl-x.is.tue.mpg.de) and never downloaded by unimo: point
``model_dir`` at a folder holding ``SMPLX_NEUTRAL.npz`` (or ``SMPLX_MALE``/``SMPLX_FEMALE``, ``.npz``
or ``.pkl``). Hands use SMPL-X's relaxed mean pose; face and eyes stay neutral.
"""

from __future__ import annotations

from pathlib import Path

import torch

from unimo.body.base import BodyModel, flatten_motion
from unimo.body.motion import BETAS_SLICE, NUM_BETAS, ORIENT_SLICE, POSE_SLICE, TRANSL_SLICE
from unimo.body.rotations import axis_angle_to_matrix
from unimo.body.skeleton import NUM_BODY_MODEL_JOINTS, SMPLX_BODY_JOINT_NAMES, SMPLX_BODY_PARENTS

GENDERS = ("neutral", "male", "female")


def find_smplx_file(model_dir: str | Path, gender: str = "neutral") -> Path:
    """Return the SMPL-X model file for ``gender`` in ``model_dir``; the error names the expected files."""
    if gender not in GENDERS:
        raise ValueError(f"SMPL-X gender must be one of {GENDERS}, got {gender!r}")
    folder = Path(model_dir).expanduser()
    names = [f"SMPLX_{gender.upper()}.{ext}" for ext in ("npz", "pkl")]
    # Accept the folder itself or the usual "smplx/" subfolder of a body_models directory.
    for base in (folder, folder / "smplx"):
        for name in names:
            if (base / name).is_file():
                return base / name
    raise FileNotFoundError(
        f"SMPL-X model files not found: expected {names[0]} (or {names[1]}) "
        f"in {folder} or {folder / 'smplx'}. "
        "Download them (licence required) from https://smpl-x.is.tue.mpg.de, or use the default "
        "MannequinBodyModel, which needs no model files."
    )


class SMPLXBodyModel(BodyModel):
    """Official SMPL-X body: 22 body joints (pelvis..wrists) and the 10475-vertex mesh, via ``smplx``.

    Args:
        model_dir: Folder with ``SMPLX_{GENDER}.npz`` (or ``.pkl``), e.g. ``body_models/smplx``.
        gender: ``"neutral"``, ``"male"`` or ``"female"``.
    """

    joint_names = SMPLX_BODY_JOINT_NAMES
    parents = SMPLX_BODY_PARENTS
    has_vertices = True

    def __init__(self, model_dir: str, gender: str = "neutral") -> None:
        super().__init__()
        path = find_smplx_file(model_dir, gender)
        import smplx  # heavy; only needed when the user has model files

        self.model_dir, self.gender = str(model_dir), gender
        # SMPLXLayer takes rotation matrices for every part and batches properly; hands come from the file's
        # mean hand pose so meshes match SMPLX(flat_hand_mean=False), the SMPL-X default.
        self.layer = smplx.SMPLXLayer(
            model_path=str(path), gender=gender, ext=path.suffix[1:], num_betas=NUM_BETAS, use_pca=False,
            flat_hand_mean=False,
        )
        for buffer in self.layer.buffers():
            buffer.requires_grad_(False)

    def _output(self, flat: torch.Tensor, return_verts: bool):  # noqa: ANN202 - smplx output object
        n = flat.shape[0]
        dtype = self.layer.shapedirs.dtype
        flat = flat.to(dtype)
        left = axis_angle_to_matrix(self.layer.left_hand_mean.reshape(15, 3)).expand(n, 15, 3, 3)
        right = axis_angle_to_matrix(self.layer.right_hand_mean.reshape(15, 3)).expand(n, 15, 3, 3)
        return self.layer(
            betas=flat[:, BETAS_SLICE],
            global_orient=axis_angle_to_matrix(flat[:, ORIENT_SLICE])[:, None],  # (N, 1, 3, 3)
            body_pose=axis_angle_to_matrix(flat[:, POSE_SLICE].reshape(n, 21, 3)),  # (N, 21, 3, 3)
            left_hand_pose=left, right_hand_pose=right, transl=flat[:, TRANSL_SLICE],
            return_verts=return_verts,
        )

    def joints(self, motion: torch.Tensor) -> torch.Tensor:
        """Return joint positions ``(..., T, 22, 3)`` in metres for motion channels ``(..., T, 79)``."""
        flat, lead = flatten_motion(motion)  # (N, 79)
        joints = self._output(flat, return_verts=False).joints[:, :NUM_BODY_MODEL_JOINTS]  # (N, 22, 3)
        return joints.to(motion.dtype).reshape(*lead, NUM_BODY_MODEL_JOINTS, 3)

    def vertices(self, motion: torch.Tensor) -> torch.Tensor:
        """Return SMPL-X mesh vertices ``(..., T, 10475, 3)``."""
        flat, lead = flatten_motion(motion)
        verts = self._output(flat, return_verts=True).vertices  # (N, V, 3)
        return verts.to(motion.dtype).reshape(*lead, *verts.shape[1:])

    @property
    def faces(self) -> torch.Tensor:
        """SMPL-X triangles ``(F, 3)``, LongTensor."""
        return self.layer.faces_tensor
