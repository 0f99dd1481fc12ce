"""The SMPL-X body skeleton (22 joints, pelvis to wrists) and batched forward kinematics in torch.

Joint order and parents are those of SMPL-X (Pavlakos et al., CVPR 2019): joint 0 is the pelvis, which
carries ``global_orient``; joints 1..21 carry the 21 rotations of ``body_pose`` in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

SMPLX_BODY_JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle",
    "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
)
SMPLX_BODY_PARENTS: tuple[int, ...] = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19,
)
NUM_BODY_MODEL_JOINTS = len(SMPLX_BODY_PARENTS)  # 22
# Handy indices for metrics and losses.
FOOT_JOINTS: tuple[int, ...] = (7, 8, 10, 11)  # ankles and feet (toe bases)
HIP_JOINTS: tuple[int, ...] = (1, 2)


def kinematic_levels(parents: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """Group joints by depth so every joint of one level only depends on earlier levels.

    Args:
        parents: Parent index per joint, ``-1`` for the single root at index 0; parents precede children.

    Returns:
        For each depth >= 1, ``(joint indices, their parent indices)``.
    """
    if parents[0] != -1 or any(p < 0 or p >= j for j, p in enumerate(parents) if j > 0):
        raise ValueError(f"parents must start with -1 and list each parent before its child, got {parents}")
    depth = [0] * len(parents)
    for joint in range(1, len(parents)):
        depth[joint] = depth[parents[joint]] + 1
    levels = []
    for d in range(1, max(depth) + 1):
        joints = [j for j in range(len(parents)) if depth[j] == d]
        levels.append((joints, [parents[j] for j in joints]))
    return levels


def forward_kinematics(
    local_rotations: torch.Tensor,
    rest_joints: torch.Tensor,
    parents: Sequence[int],
    root_translation: torch.Tensor,
    levels: list[tuple[list[int], list[int]]] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pose a skeleton: world rotations and positions of every joint.

    The root rotates about its own rest position (SMPL-X ``global_orient`` semantics), then the whole body
    is moved by ``root_translation``. Joints of one depth are computed together, so a 22-joint body
    takes 7 batched matrix products instead of 21 sequential ones.

    Args:
        local_rotations: ``(N, J, 3, 3)`` rotation of each joint relative to its parent; index 0 is the
            root's world rotation.
        rest_joints: ``(N, J, 3)`` or ``(J, 3)`` joint positions in the rest pose (shape applied).
        parents: Parent index per joint, ``-1`` for the root.
        root_translation: ``(N, 3)`` added to every joint.
        levels: Precomputed ``kinematic_levels(parents)`` (saves Python work in hot loops).

    Returns:
        ``(rotations (N, J, 3, 3), positions (N, J, 3))`` in world coordinates.
    """
    levels = kinematic_levels(parents) if levels is None else levels
    n, j = local_rotations.shape[:2]
    rest_joints = rest_joints.expand(n, j, 3)
    parent_index = torch.tensor([0, *parents[1:]], device=rest_joints.device)
    offsets = rest_joints - rest_joints[:, parent_index]  # (N, J, 3) bone vectors in the rest pose
    rotations = local_rotations.new_empty(n, j, 3, 3)
    positions = rest_joints.new_empty(n, j, 3)
    rotations[:, 0] = local_rotations[:, 0]
    positions[:, 0] = rest_joints[:, 0] + root_translation
    for joints, parent_joints in levels:
        parent_rot = rotations[:, parent_joints]  # (N, L, 3, 3)
        rotations[:, joints] = parent_rot @ local_rotations[:, joints]
        bones = (parent_rot @ offsets[:, joints, :, None])[..., 0]  # (N, L, 3) rest bones, posed
        positions[:, joints] = positions[:, parent_joints] + bones
    return rotations, positions
