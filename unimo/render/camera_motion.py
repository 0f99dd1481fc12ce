"""Express an SMPL-X ``Motion`` in a ``Camera``'s frame and back (per-frame extrinsics).

SMPL-X rotates the body about its rest pelvis ``J0`` (which depends on betas) before adding ``transl``, so
a rigid change of frame ``p' = R p + t`` maps ``global_orient`` to ``R @ orient`` and ``transl`` to
``R @ (J0 + transl) + t - J0`` (not simply ``R @ transl + t``).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from unimo.body.motion import Motion
from unimo.render.body_mesh import BodyMesh
from unimo.render.camera import Camera


def motion_to_camera(motion: Motion, camera: Camera) -> Motion:
    """Return ``motion`` (world) in camera coordinates (OpenCV: x right, y down, z forward)."""
    return _transform(motion, camera.R, camera.t)


def motion_to_world(motion: Motion, camera: Camera) -> Motion:
    """Return a camera-coordinate ``motion`` in world coordinates (inverse of ``motion_to_camera``)."""
    rot_inv = np.transpose(camera.R, (0, 2, 1))  # (T, 3, 3)
    return _transform(motion, rot_inv, -np.einsum("tij,tj->ti", rot_inv, camera.t))


def _transform(motion: Motion, rot: np.ndarray, trans: np.ndarray) -> Motion:
    """Apply ``p' = rot @ p + trans`` (``(T, 3, 3)``, ``(T, 3)``) to the body, respecting the J0 pivot."""
    if len(rot) != motion.num_frames:
        raise ValueError(f"camera has {len(rot)} frames but the motion has {motion.num_frames}")
    betas = motion.betas.detach().cpu().double().numpy()
    pelvis_rest = BodyMesh.of(betas.mean(0) if betas.ndim == 2 else betas).pelvis_rest  # (3,)
    orient = Rotation.from_rotvec(motion.global_orient.detach().cpu().double().numpy()).as_matrix()
    new_orient = Rotation.from_matrix(rot @ orient).as_rotvec()  # (T, 3)
    pelvis = motion.transl.detach().cpu().double().numpy() + pelvis_rest  # (T, 3)
    new_transl = np.einsum("tij,tj->ti", rot, pelvis) + trans - pelvis_rest
    dtype = motion.transl.dtype
    return Motion(
        global_orient=torch.as_tensor(new_orient, dtype=dtype),
        body_pose=motion.body_pose.clone(),
        betas=motion.betas.clone(),
        transl=torch.as_tensor(new_transl, dtype=dtype),
        fps=motion.fps,
    )
