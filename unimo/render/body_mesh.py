"""``BodyMesh``: a posable low-poly SMPL-X-shaped body (mannequin-x's convex mannequin) for rendering.

mannequin-x (Apache-2.0) ships rigid convex pieces on a skeleton calibrated to SMPL-X's joint positions and
shape space, so any SMPL-X body pose and betas can be drawn without the SMPL-X model files (which cannot be
redistributed). Each convex piece follows one joint, so per-part clothing colours come for free.

SMPL-X semantics of the root: the global orientation rotates the body about the rest pelvis joint ``J0``
(depending on betas) and ``transl`` is added afterwards, so the posed pelvis is ``J0 + transl``.
mannequin-x rotates about the origin instead (pelvis at ``R @ J0 + transl``); ``BodyMesh.pose`` converts.
"""

from __future__ import annotations

import functools

import numpy as np
from mannequin import Mannequin
from scipy.spatial.transform import Rotation

NUM_JOINTS = 22  # pelvis + 21 SMPL-X body joints; hand joints are not modelled
# SMPL-X kinematic tree of the 22 body joints (parent of each joint; -1 for the pelvis).
PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)
JOINT_NAMES = (
    "Pelvis",
    "L_Hip",
    "R_Hip",
    "Spine1",
    "L_Knee",
    "R_Knee",
    "Spine2",
    "L_Ankle",
    "R_Ankle",
    "Spine3",
    "L_Foot",
    "R_Foot",
    "Neck",
    "L_Collar",
    "R_Collar",
    "Head",
    "L_Shoulder",
    "R_Shoulder",
    "L_Elbow",
    "R_Elbow",
    "L_Wrist",
    "R_Wrist",
)
FOOT_JOINTS = (7, 8, 10, 11)  # ankles and toes: the pieces that touch the ground


class BodyMesh:
    """The convex mannequin reshaped to one set of SMPL-X betas.

    Args:
        betas: ``(10,)`` SMPL-X shape coefficients.
        lod: mannequin-x level of detail: 2 (1.3 k faces, fastest), 1 (4.6 k, with fingers), 0 (10.6 k).
    """

    def __init__(self, betas: np.ndarray, lod: int = 2) -> None:
        self._model = Mannequin("convex", lod=lod, shape=np.asarray(betas, dtype=np.float32))
        self.faces = np.asarray(self._model.faces, dtype=np.int64)  # (F, 3), outward CCW
        self.vertex_joint = _vertex_joints(self._model)  # (V,) body joint (0..21) moving each vertex
        rest = self._model.joint_transforms(self._model.rest_pose())  # (54, 4, 4)
        self.rest_joints = rest[:NUM_JOINTS, :3, 3].astype(np.float64)  # (22, 3)
        self.rest_vertices = np.asarray(self._model.vertices(self._model.rest_pose()), dtype=np.float64)
        self.foot_vertices = np.flatnonzero(np.isin(self.vertex_joint, FOOT_JOINTS))  # (K,)

    @classmethod
    def of(cls, betas: np.ndarray, lod: int = 2) -> BodyMesh:
        """The ``BodyMesh`` of these betas and lod, shared: a clip builds one body for its motion's foot
        contacts, its render and its preview, and building one costs ~16 ms (mannequin-x reads its model
        file). Treat it as read-only."""
        betas = np.ascontiguousarray(betas, dtype=np.float32)
        return _shared_mesh(betas.tobytes(), betas.shape, lod)

    @property
    def pelvis_rest(self) -> np.ndarray:
        """Rest pelvis ``J0`` (3,): SMPL-X's pivot of the global orientation."""
        return self.rest_joints[0]

    def pose(
        self, global_orient: np.ndarray, body_pose: np.ndarray, transl: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pose the mesh with SMPL-X parameters.

        Args:
            global_orient: ``(T, 3)`` axis-angle.
            body_pose: ``(T, 63)`` axis-angle of the 21 body joints, SMPL-X order.
            transl: ``(T, 3)`` SMPL-X translation (pelvis = ``J0 + transl``).

        Returns:
            Vertices ``(T, V, 3)`` and joints ``(T, 22, 3)`` in world coordinates.
        """
        params = self._params(global_orient, body_pose, transl)
        joints = self._model.joint_transforms(params)[:, :NUM_JOINTS, :3, 3]
        return np.asarray(self._model.vertices(params)), np.asarray(joints)

    def joints(self, global_orient: np.ndarray, body_pose: np.ndarray, transl: np.ndarray) -> np.ndarray:
        """Return posed joints ``(T, 22, 3)`` only (cheaper than ``pose``)."""
        params = self._params(global_orient, body_pose, transl)
        return np.asarray(self._model.joint_transforms(params)[:, :NUM_JOINTS, :3, 3])

    def _params(self, global_orient: np.ndarray, body_pose: np.ndarray, transl: np.ndarray) -> dict:
        num_frames = len(global_orient)
        params = self._model.rest_pose(batch_dims=(num_frames,), dtype=np.float64)
        rot = Rotation.from_rotvec(np.asarray(global_orient, dtype=np.float64)).as_matrix()  # (T, 3, 3)
        params["global_rotation"] = np.asarray(global_orient, dtype=np.float64)
        params["body_pose"] = np.asarray(body_pose, dtype=np.float64).reshape(num_frames, 21, 3)
        # SMPL-X pivots about J0: pelvis = J0 + transl; mannequin-x's pelvis = R J0 + translation.
        params["global_translation"] = (
            np.asarray(transl, dtype=np.float64) + self.pelvis_rest - rot @ self.pelvis_rest
        )
        return params


@functools.lru_cache(maxsize=16)
def _shared_mesh(betas: bytes, shape: tuple[int, ...], lod: int) -> BodyMesh:
    return BodyMesh(np.frombuffer(betas, dtype=np.float32).reshape(shape), lod=lod)


def _vertex_joints(model: Mannequin) -> np.ndarray:
    """Map every vertex to the body joint whose convex piece it belongs to (hand pieces -> their wrist).

    Uses mannequin-x's link tables (``_weights``: present in 0.3, the pinned version); the error says so if a
    future release renames them.
    """
    try:
        weights = model._weights
        starts, counts = np.asarray(weights.link_vertex_starts), np.asarray(weights.link_vertex_counts)
        link_joint = np.asarray(weights.link_joint_indices)
    except AttributeError as err:  # pragma: no cover - depends on the installed mannequin-x
        raise RuntimeError(
            "mannequin-x changed its link tables; unimo.render.body_mesh needs mannequin-x 0.3"
        ) from err
    order = np.argsort(starts)  # links own consecutive vertex ranges
    joint = np.repeat(link_joint[order], counts[order])  # (V,) owning joint among all 54 mannequin joints
    parents = np.asarray(model.parents)
    while (joint >= NUM_JOINTS).any():  # finger joints -> their parents, until the wrist
        deep = joint >= NUM_JOINTS
        joint[deep] = parents[joint[deep]]
    return joint
