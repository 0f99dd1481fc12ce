"""Solve the root translation from the feet: grounded, and with no foot sliding.

Authoring root translation by hand makes feet slide ("ice skating") whenever stride and speed disagree.
Instead, the pelvis height puts the lowest sole vertex exactly on the ground (plus any flight ``lift``),
and the horizontal motion moves the pelvis so that the sole points touching the ground stay where they
are: the body walks *because* its planted foot pushes it. While airborne the pelvis keeps its momentum
(the last grounded velocity) plus the track's ``air_velocity``.

Feet are compared in the body's heading frame (yaw removed), and the step is turned into the world by
the current heading: a change of heading turns the body about its own vertical axis (the planted foot
pivots, as people do when they turn on the spot) instead of swinging the pelvis around the foot; on a
gently curving walk the pivot is a few millimetres per frame.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from unimo.render.body_mesh import BodyMesh

CONTACT_HEIGHT = 0.012  # metres: a sole point lower than this counts as (partly) touching the ground


def solve_root(
    mesh: BodyMesh,
    global_orient: np.ndarray,
    body_pose: np.ndarray,
    heading: np.ndarray,
    lift: np.ndarray,
    air_velocity: np.ndarray,
    fps: float,
) -> np.ndarray:
    """Return SMPL-X ``transl`` ``(T, 3)`` that grounds the body and keeps planted feet still.

    Args:
        mesh: The body (its betas set the leg lengths and the rest pelvis).
        global_orient: ``(T, 3)`` root axis-angle.
        body_pose: ``(T, 63)`` body axis-angle.
        heading: ``(T,)`` body yaw in radians (rotates ``air_velocity`` into the world).
        lift: ``(T,)`` metres above the ground (0 = a foot touches it).
        air_velocity: ``(T, 2)`` body-frame (forward, left) velocity in m/s used while airborne.
        fps: Frames per second.
    """
    num_frames = len(global_orient)
    at_origin = np.tile(-mesh.pelvis_rest, (num_frames, 1))  # pelvis = J0 + transl = 0
    unturned = (Rotation.from_euler("y", -heading[:, None]) * Rotation.from_rotvec(global_orient)).as_rotvec()
    verts, _ = mesh.pose(unturned, body_pose, at_origin)
    feet = verts[:, mesh.foot_vertices]  # (T, K, 3) sole points relative to the pelvis, heading frame
    pelvis_y = -feet[..., 1].min(1) + lift  # (T,)
    heights = feet[..., 1] + pelvis_y[:, None]  # (T, K) above the ground
    contact = np.clip(1 - heights / CONTACT_HEIGHT, 0, 1) ** 2  # (T, K) in [0, 1]
    forward = np.stack([np.sin(heading), np.cos(heading)], -1)  # (T, 2) world (x, z) of body forward
    left = np.stack([np.cos(heading), -np.sin(heading)], -1)
    air = air_velocity[:, :1] * forward + air_velocity[:, 1:] * left  # (T, 2) m/s
    pelvis_xz = _integrate(feet[..., [0, 2]], contact, air, heading, fps)
    pelvis = np.stack([pelvis_xz[:, 0], pelvis_y, pelvis_xz[:, 1]], -1)
    return pelvis - mesh.pelvis_rest


def _integrate(
    feet_xz: np.ndarray, contact: np.ndarray, air: np.ndarray, heading: np.ndarray, fps: float
) -> np.ndarray:
    """Step the pelvis ``(T, 2)``: planted points pull it along, airborne frames coast on momentum.

    ``feet_xz`` ``(T, K, 2)`` are in the heading frame; ``air`` ``(T, 2)`` is already in the world.
    """
    num_frames = len(feet_xz)
    cos, sin = np.cos(heading), np.sin(heading)
    pelvis = np.zeros((num_frames, 2))
    momentum = np.zeros(2)
    for t in range(1, num_frames):
        weight = contact[t - 1]  # (K,) which points were planted before this step
        grounded = float(weight.max())
        step = air[t] / fps + momentum / fps
        if grounded > 0:
            local = -(weight[:, None] * (feet_xz[t] - feet_xz[t - 1])).sum(0) / weight.sum()  # (x, z)
            drive = np.array([cos[t] * local[0] + sin[t] * local[1], -sin[t] * local[0] + cos[t] * local[1]])
            step = grounded * drive + (1 - grounded) * step
            momentum = 0.7 * momentum + 0.3 * drive * fps if grounded > 0.5 else momentum
        pelvis[t] = pelvis[t - 1] + step
    return pelvis
