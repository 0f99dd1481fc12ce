"""``MannequinBodyModel``: the default, licence-free SMPL-X-compatible body, in differentiable torch.

The ``mannequin-x`` package (Apache-2.0) ships a baked SMPL-X shape calibration: rest joint positions are
exactly linear in the first ten SMPL-X betas (``joint_rest + joint_dirs @ betas``), so SMPL-X skeleton
lengths are reproduced without the SMPL-X model files. Its runtime is numpy-only; this module re-implements
its forward kinematics in torch (batched, differentiable w.r.t. pose, betas, orientation and translation)
and its wooden mesh by linear blend skinning. ``tests/body/test_mannequin.py`` checks both against
``Mannequin.joint_transforms`` / ``Mannequin.vertices``.

``global_orient`` rotates the body about the pelvis joint and ``transl`` moves it, as in SMPL-X (this is
mannequin's ``pelvis_rotation``, not its ``global_rotation``, which turns about the origin).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from unimo.body.base import BodyModel, flatten_motion
from unimo.body.motion import BETAS_SLICE, ORIENT_SLICE, POSE_SLICE, TRANSL_SLICE
from unimo.body.rotations import axis_angle_to_matrix
from unimo.body.skeleton import (
    NUM_BODY_MODEL_JOINTS,
    SMPLX_BODY_JOINT_NAMES,
    SMPLX_BODY_PARENTS,
    forward_kinematics,
    kinematic_levels,
)


@functools.lru_cache(maxsize=1)
def _mannequin():  # noqa: ANN202 - mannequin.Mannequin, imported lazily
    from mannequin import Mannequin

    return Mannequin("wooden")


@functools.lru_cache(maxsize=1)
def _skeleton_assets() -> dict[str, np.ndarray]:
    """Return mannequin's calibration and 54-joint skeleton (22 body joints + 2 hand roots + 30 fingers)."""
    model = _mannequin()
    calibration = model._calibration  # private: the only way to the baked SMPL-X shape response
    return {
        "joint_rest": calibration.joint_rest,  # (54, 3) metres at betas = 0
        "joint_dirs": calibration.joint_dirs,  # (54, 3, 10) metres per unit beta
        "hand_mean": calibration.hand_mean,  # (30, 3) SMPL-X relaxed hand pose, axis-angle
        "parents": np.asarray(model.parents),
    }


@functools.lru_cache(maxsize=1)
def _skin_assets() -> dict[str, np.ndarray]:
    """Return dense skinning weights ``(V, 54)`` and faces ``(F, 3)`` of the wooden mannequin."""
    model = _mannequin()
    # Private: mannequin keeps the 4 strongest influences per vertex after its own rigid-part fix-up.
    indices, weights = model._skin_joint_indices, model._skin_weights  # (V, 4) each
    dense = np.zeros((indices.shape[0], len(model.parents)), np.float32)
    np.add.at(dense, (np.arange(indices.shape[0])[:, None], indices), weights)
    return {"weights": dense, "faces": np.asarray(model.faces, np.int64)}


@functools.lru_cache(maxsize=16)
def _rest_skin(betas: tuple[float, ...]) -> np.ndarray:
    """Return the wooden mesh ``(V, 3)`` fitted to one body shape (mannequin's numpy fitting)."""
    model = _mannequin()
    model.reshape(np.asarray(betas, np.float32))
    return model._identity["skin_vertices"].astype(np.float32)  # private: shaped rest mesh


class MannequinBodyModel(BodyModel):
    """SMPL-X body skeleton (22 joints, pelvis..wrists) and wooden mesh from ``mannequin-x``; no model files.

    ``joints`` is differentiable w.r.t. every motion channel. ``vertices`` is differentiable w.r.t. pose,
    orientation and translation; its rest mesh comes from mannequin's numpy shape fitting (cached per
    distinct betas), so gradients do not flow into betas through the mesh (they do through joints).
    """

    joint_names = SMPLX_BODY_JOINT_NAMES
    parents = SMPLX_BODY_PARENTS
    has_vertices = True

    def __init__(self) -> None:
        super().__init__()
        assets = _skeleton_assets()
        # Non-persistent: constants of an installed package, not learned state; keeps checkpoints small.
        for name in ("joint_rest", "joint_dirs"):
            self.register_buffer(name, torch.tensor(assets[name], dtype=torch.float32), persistent=False)
        hand = axis_angle_to_matrix(torch.tensor(assets["hand_mean"], dtype=torch.float64)).float()
        self.register_buffer("hand_rotations", hand, persistent=False)  # (30, 3, 3)
        self._full_parents = tuple(int(p) for p in assets["parents"])
        self._levels = kinematic_levels(self.parents)
        self._full_levels = kinematic_levels(self._full_parents)
        self._skin_weights: dict[tuple, torch.Tensor] = {}  # (device, dtype) -> (V, 54), built on first use

    def rest_joints(self, betas: torch.Tensor, num_joints: int = NUM_BODY_MODEL_JOINTS) -> torch.Tensor:
        """Return rest-pose joints ``(N, num_joints, 3)`` for betas ``(N, 10)`` (linear in betas)."""
        rest = self.joint_rest[:num_joints].to(betas.dtype)  # (J, 3)
        dirs = self.joint_dirs[:num_joints].to(betas.dtype)  # (J, 3, 10)
        return rest + torch.einsum("jck,nk->njc", dirs, betas)

    def joint_transforms(self, motion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return world rotations ``(..., T, 22, 3, 3)`` and positions ``(..., T, 22, 3)`` of body joints."""
        flat, lead = flatten_motion(motion)  # (N, 79)
        rotations, positions = self._pose(flat, self.parents, self._levels, hands=False)
        return rotations.reshape(*lead, 22, 3, 3), positions.reshape(*lead, 22, 3)

    def joints(self, motion: torch.Tensor) -> torch.Tensor:
        """Return joint positions ``(..., T, 22, 3)`` in metres for motion channels ``(..., T, 79)``."""
        return self.joint_transforms(motion)[1]

    def vertices(self, motion: torch.Tensor) -> torch.Tensor:
        """Return wooden-mannequin vertices ``(..., T, V, 3)`` (V = 24256) by linear blend skinning."""
        flat, lead = flatten_motion(motion)  # (N, 79)
        betas = flat[:, BETAS_SLICE]
        rotations, positions = self._pose(flat, self._full_parents, self._full_levels, hands=True)
        bind = self.rest_joints(betas, len(self._full_parents))  # (N, 54, 3) skin bind positions
        # Per-joint affine map rest -> posed: x -> R x + (p - R b).
        shift = positions - (rotations @ bind[..., None])[..., 0]
        affine = torch.cat([rotations, shift[..., None]], dim=-1).flatten(-2)  # (N, 54, 12)
        weights = self._dense_skin_weights(flat.device, flat.dtype)  # (V, 54)
        blended = (weights @ affine).unflatten(-1, (3, 4))  # (N, V, 3, 4)
        rest = self._rest_meshes(betas)  # (N, V, 3)
        verts = (blended[..., :3] @ rest[..., None])[..., 0] + blended[..., 3]
        return verts.reshape(*lead, *verts.shape[1:])

    @property
    def faces(self) -> torch.Tensor:
        """Wooden mannequin triangles ``(F, 3)`` (F = 48396), LongTensor on CPU."""
        return torch.from_numpy(_skin_assets()["faces"])

    def _pose(self, flat: torch.Tensor, parents: tuple[int, ...], levels: list, hands: bool) -> tuple:
        n = flat.shape[0]
        axis_angle = torch.cat([flat[:, ORIENT_SLICE], flat[:, POSE_SLICE]], dim=-1).reshape(n, -1, 3)
        local = axis_angle_to_matrix(axis_angle)  # (N, 22, 3, 3)
        if hands:  # hand roots carry no rotation; fingers hold SMPL-X's relaxed mean hand pose
            eye = torch.eye(3, dtype=flat.dtype, device=flat.device).expand(n, 2, 3, 3)
            fingers = self.hand_rotations.to(flat.dtype).expand(n, -1, 3, 3)
            local = torch.cat([local, eye, fingers], dim=1)  # (N, 54, 3, 3)
        rest = self.rest_joints(flat[:, BETAS_SLICE], len(parents))
        return forward_kinematics(local, rest, parents, flat[:, TRANSL_SLICE], levels)

    def _dense_skin_weights(self, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        key = (device, dtype)
        if key not in self._skin_weights:  # 5 MB: copied to a device once, not every call
            self._skin_weights[key] = torch.as_tensor(_skin_assets()["weights"], device=device, dtype=dtype)
        return self._skin_weights[key]

    def _rest_meshes(self, betas: torch.Tensor) -> torch.Tensor:
        unique, inverse = torch.unique(betas.detach().float().cpu(), dim=0, return_inverse=True)
        meshes = [torch.from_numpy(_rest_skin(tuple(row.tolist()))) for row in unique]
        return torch.stack(meshes).to(device=betas.device, dtype=betas.dtype)[inverse.to(betas.device)]
