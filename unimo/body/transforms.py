"""Rigid changes of the world frame for SMPL-X motion (e.g. AMASS's z-up world to SMPL-X's y-up).

SMPL-X turns the body about the pelvis joint ``J0(betas)``, not the origin, so rotating the world by ``Q``
is not just ``orient' = Q orient, transl' = Q transl``: the pelvis must end where ``Q`` sends it,
``J0 + transl' = Q (J0 + transl)``. ``J0(betas)`` is taken from the SMPL-X shape calibration of the
default mannequin body (exact for SMPL-X skeletons).
"""

from __future__ import annotations

import torch

from unimo.body.mannequin import MannequinBodyModel
from unimo.body.motion import Motion
from unimo.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle

# x stays, z-up becomes y-up (AMASS, many mocap exports -> SMPL-X canonical / GVHMR global / unimo renders).
Z_UP_TO_Y_UP = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


def rotate_world(motion: Motion, rotation: torch.Tensor, body: MannequinBodyModel | None = None) -> Motion:
    """Return the motion seen in a world rotated by ``rotation`` ``(3, 3)``: every joint ``p -> R p``.

    Args:
        motion: The motion to move.
        rotation: A rotation matrix (e.g. ``Z_UP_TO_Y_UP``).
        body: Supplies the rest pelvis ``J0(betas)``; the default mannequin body when omitted.
    """
    rotation = rotation.to(motion.transl)
    if not torch.allclose(rotation @ rotation.T, torch.eye(3, dtype=rotation.dtype), atol=1e-5) or \
            torch.linalg.det(rotation) < 0:
        raise ValueError(f"rotate_world: expected a rotation matrix, got {rotation.tolist()}")
    body = MannequinBodyModel() if body is None else body
    pelvis = body.rest_joints(motion.per_frame_betas(), num_joints=1)[:, 0]  # (T, 3) rest pelvis J0
    orient = matrix_to_axis_angle(rotation @ axis_angle_to_matrix(motion.global_orient))  # (T, 3)
    transl = (pelvis + motion.transl) @ rotation.T - pelvis
    return Motion(global_orient=orient, body_pose=motion.body_pose.clone(), betas=motion.betas.clone(),
                  transl=transl, fps=motion.fps)
