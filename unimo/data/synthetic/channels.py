"""Anatomical pose channels (degrees) -> SMPL-X body pose, with documented per-joint limits.

Motion primitives are written in anatomical terms ("left hip flexion 30 deg") and turned into SMPL-X local
joint rotations here. Each joint rotation is the intrinsic Euler product ``R = Rx(a) Ry(b) Rz(c)`` (the
elbows: ``Ry(b) Rx(a) Rz(c)``, see ``EULER_ORDER``) in the
joint's SMPL-X rest frame (the T-pose: y up, z forward, x towards the body's left). Sign conventions
derived from that frame (checked in tests/data/test_synthetic_motion.py):

- legs hang along -y: hip/knee flexion rotate about x (hip flexion is -x, knee flexion +x);
- the trunk points along +y: forward bending is +x, a twist to the left is +y, a lean to the left is -z;
- the left arm points along +x in the T-pose: raising it is +z, so "arm down" is z = -80 deg; with the arm
  down, x swings it forward (-x) or back; the elbow bends towards the front about -y (left side).

Right-side joints mirror the left through the x = 0 plane: the same x angle, negated y and z.

Limits (``LIMITS_DEG``, left side; right side mirrored) are active ranges of motion from clinical
goniometry tables (hip flexion ~125 deg, knee 145, ankle dorsi 30 / plantar 50, shoulder flexion ~140 in
this parameterisation, elbow 145), narrowed where the Euler parameterisation would reach gimbal lock. The
small "off-axis" rotations that mocap fits put on every joint (knee and toe twist, ankle abduction,
clavicle protraction and twist, elbow carrying angle, per-segment spine curvature, a few degrees of knee
and elbow hyperextension) are allowed up to what SMPL-X fits of real mocap show (AMASS, measured by
``benchmarks/motion_stats.py``), so the synthetic data can cover them. The middle angle stays inside
(-90, 90) deg so the Euler decomposition is unique and tests can recover and check every angle.
``soft_clip`` saturates smoothly so clamping adds no kinks.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from unimo.render.body_mesh import JOINT_NAMES

BODY_JOINTS = JOINT_NAMES[1:]  # the 21 joints of body_pose, SMPL-X order

# Anatomical channels, degrees; "_L"/"_R" pairs are expanded below. Zero is the neutral standing pose.
CENTRAL = (
    "pelvis_pitch",
    "pelvis_roll",
    "pelvis_yaw",
    "spine_flex",
    "spine_bend",
    "spine_twist",
    "neck_flex",
    "neck_turn",
    "neck_tilt",
    "head_flex",
    "head_turn",
    "head_tilt",
    "spine_curve",
)
SIDED = (
    "hip_flex",
    "hip_abd",
    "hip_rot",
    "knee",
    "knee_rot",
    "knee_var",
    "ankle",
    "ankle_inv",
    "ankle_rot",
    "toe",
    "toe_rot",
    "toe_dev",
    "collar",
    "collar_prot",
    "collar_twist",
    "sh_abd",
    "sh_flex",
    "sh_rot",
    "elbow",
    "elbow_carry",
    "forearm",
    "wrist_flex",
    "wrist_dev",
    "wrist_twist",
)
CHANNELS = CENTRAL + tuple(f"{name}_{side}" for name in SIDED for side in "LR")

# (joint, axis) <- [(channel, gain)], left/central side; see the module docstring for the signs.
_SPINE = {"Spine1": 0.3, "Spine2": 0.3, "Spine3": 0.4}
_NECK = {"Neck": 0.5, "Head": 0.5}
_MAP: dict[tuple[str, int], list[tuple[str, float]]] = {
    **{(j, 0): [("spine_flex", g)] for j, g in _SPINE.items()},
    **{(j, 1): [("spine_twist", g)] for j, g in _SPINE.items()},
    **{(j, 2): [("spine_bend", -g)] for j, g in _SPINE.items()},
    **{(j, 0): [("neck_flex", g)] for j, g in _NECK.items()},
    **{(j, 1): [("neck_turn", g)] for j, g in _NECK.items()},
    **{(j, 2): [("neck_tilt", -g)] for j, g in _NECK.items()},
    # head-on-neck and spine-shape channels move one segment against its neighbours (posture, gaze)
    ("Head", 0): [("neck_flex", 0.5), ("head_flex", 1.0)],
    ("Head", 1): [("neck_turn", 0.5), ("head_turn", 1.0)],
    ("Head", 2): [("neck_tilt", -0.5), ("head_tilt", -1.0)],
    ("Spine1", 0): [("spine_flex", 0.3), ("spine_curve", 0.5)],
    ("Spine2", 0): [("spine_flex", 0.3), ("spine_curve", -1.0)],
    ("Spine3", 0): [("spine_flex", 0.4), ("spine_curve", 0.5)],
    # hip_flex is the thigh's angle in the world: a forward-pitched pelvis already flexes the hip.
    ("L_Hip", 0): [("hip_flex_L", -1.0), ("pelvis_pitch", -1.0)],
    ("L_Hip", 1): [("hip_rot_L", 1.0)],
    ("L_Hip", 2): [("hip_abd_L", 1.0)],
    ("L_Knee", 0): [("knee_L", 1.0)],
    ("L_Knee", 1): [("knee_rot_L", 1.0)],
    ("L_Knee", 2): [("knee_var_L", 1.0)],
    ("L_Ankle", 0): [("ankle_L", -1.0)],
    ("L_Ankle", 1): [("ankle_rot_L", 1.0)],
    ("L_Ankle", 2): [("ankle_inv_L", 1.0)],
    ("L_Foot", 0): [("toe_L", -1.0)],
    ("L_Foot", 1): [("toe_rot_L", 1.0)],
    ("L_Foot", 2): [("toe_dev_L", 1.0)],
    ("L_Collar", 0): [("collar_twist_L", 1.0)],
    ("L_Collar", 1): [("collar_prot_L", 1.0)],
    ("L_Collar", 2): [("collar_L", 1.0)],
    ("L_Shoulder", 0): [("sh_flex_L", -1.0)],
    ("L_Shoulder", 1): [("sh_rot_L", 1.0)],
    ("L_Shoulder", 2): [("sh_abd_L", 1.0)],
    ("L_Elbow", 0): [("forearm_L", 1.0)],
    ("L_Elbow", 1): [("elbow_L", -1.0)],
    ("L_Elbow", 2): [("elbow_carry_L", 1.0)],
    ("L_Wrist", 0): [("wrist_twist_L", 1.0)],
    ("L_Wrist", 1): [("wrist_dev_L", 1.0)],
    ("L_Wrist", 2): [("wrist_flex_L", -1.0)],
}
_OFFSET_DEG = {("L_Shoulder", 2): -80.0}  # arms hang down (not the T-pose) at zero channels

LIMITS_DEG: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "Spine1": ((-30, 40), (-25, 25), (-20, 20)),
    "Spine2": ((-35, 40), (-25, 25), (-20, 20)),
    "Spine3": ((-30, 40), (-25, 25), (-20, 20)),
    "Neck": ((-25, 35), (-40, 40), (-25, 25)),
    "Head": ((-30, 40), (-40, 40), (-25, 25)),
    "L_Hip": ((-130, 35), (-35, 40), (-25, 60)),
    "L_Knee": ((-10, 145), (-20, 20), (-12, 12)),
    "L_Ankle": ((-30, 50), (-20, 35), (-35, 25)),
    "L_Foot": ((-45, 20), (-30, 30), (-15, 35)),
    "L_Collar": ((-20, 20), (-35, 35), (-10, 45)),
    "L_Shoulder": ((-140, 60), (-80, 80), (-90, 85)),
    "L_Elbow": ((-60, 60), (-145, 20), (-10, 30)),
    "L_Wrist": ((-60, 60), (-30, 30), (-70, 70)),
}


# Intrinsic Euler sequence per joint: the elbow flexes about y up to 145 deg, so its flexion goes first
# (R = Ry Rx Rz) and the small forearm twist is the middle angle; every other joint uses R = Rx Ry Rz.
EULER_ORDER = {name: ("YXZ" if name.endswith("Elbow") else "XYZ") for name in BODY_JOINTS}
_AXIS = {"x": 0, "y": 1, "z": 2}
_ORDER_GROUPS = {o: [j for j, n in enumerate(BODY_JOINTS) if EULER_ORDER[n] == o] for o in ("XYZ", "YXZ")}


def joint_limits_rad() -> np.ndarray:
    """Return ``(21, 3, 2)`` lower/upper Euler limits in radians for every body joint, right side mirrored."""
    limits = np.zeros((21, 3, 2))
    for j, name in enumerate(BODY_JOINTS):
        if name.startswith("R_"):
            x, y, z = LIMITS_DEG["L_" + name[2:]]
            y, z = (-y[1], -y[0]), (-z[1], -z[0])  # mirror: negate y and z, bounds swap
        else:
            x, y, z = LIMITS_DEG[name]
        limits[j] = np.radians([x, y, z])
    return limits


def _mapping() -> tuple[np.ndarray, np.ndarray]:
    """Build the linear map channels (C,) -> Euler degrees (21 * 3,): a matrix and an offset."""
    matrix = np.zeros((21 * 3, len(CHANNELS)))
    offset = np.zeros(21 * 3)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        for (joint, axis), terms in _MAP.items():
            mirrored = joint.startswith("L_")
            if side == "R" and not mirrored:
                continue  # central joints are mapped once
            name = joint.replace("L_", "R_") if side == "R" else joint
            row = BODY_JOINTS.index(name) * 3 + axis
            gain = sign if (mirrored and axis > 0) else 1.0
            for channel, weight in terms:
                col = CHANNELS.index(channel.replace("_L", f"_{side}") if mirrored else channel)
                matrix[row, col] += gain * weight
            offset[row] = gain * _OFFSET_DEG.get((joint, axis), 0.0)
    return matrix, offset


_MATRIX, _OFFSET = _mapping()


def soft_clip(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Clamp ``x`` into (lo, hi) smoothly: identity inside [lo + margin, hi - margin], exponential tails.

    The map is C1 (value and slope continuous), so a smooth curve stays smooth after clamping.
    """
    upper, lower = hi - margin, lo + margin
    over = upper + margin * (1 - np.exp(-(x - upper) / margin))
    under = lower - margin * (1 - np.exp((x - lower) / margin))
    return np.where(x > upper, over, np.where(x < lower, under, x))


def channels_to_euler(channels: dict[str, np.ndarray]) -> np.ndarray:
    """Map anatomical channels (degrees, each ``(T,)``) to clamped Euler angles ``(T, 21, 3)`` in radians.

    Missing channels count as zero (neutral). Unknown names raise, naming the valid ones.
    """
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise KeyError(f"unknown pose channels {sorted(unknown)}; valid: {CHANNELS}")
    if not channels:
        raise ValueError("channels_to_euler: give at least one channel (it sets the number of frames)")
    num_frames = len(next(iter(channels.values())))
    values = np.stack([channels.get(c, np.zeros(num_frames)) for c in CHANNELS], axis=-1)  # (T, C)
    euler = np.radians(values @ _MATRIX.T + _OFFSET).reshape(num_frames, 21, 3)
    limits = joint_limits_rad()
    margin = np.minimum(np.radians(5.0), (limits[..., 1] - limits[..., 0]) / 4)
    return soft_clip(euler, limits[..., 0], limits[..., 1], margin)


def euler_to_axis_angle(euler: np.ndarray) -> np.ndarray:
    """Convert per-joint Euler angles ``(T, 21, 3)`` (x, y, z; radians) to axis-angle ``(T, 21, 3)``."""
    out = np.empty_like(euler, dtype=np.float64)
    for order, joints in _ORDER_GROUPS.items():
        angles = euler[:, joints][..., [_AXIS[c] for c in order.lower()]].reshape(-1, 3)  # sequence order
        out[:, joints] = Rotation.from_euler(order, angles).as_rotvec().reshape(len(euler), len(joints), 3)
    return out


def axis_angle_to_euler(rotvec: np.ndarray) -> np.ndarray:
    """Inverse of ``euler_to_axis_angle``: ``(T, 21, 3)`` axis-angle -> (x, y, z) angles.

    Unique because every joint's middle angle stays inside (-90, 90) degrees (see ``EULER_ORDER``).
    """
    out = np.empty_like(rotvec, dtype=np.float64)
    for order, joints in _ORDER_GROUPS.items():
        seq = Rotation.from_rotvec(rotvec[:, joints].reshape(-1, 3)).as_euler(order)  # sequence order
        xyz = np.empty_like(seq)
        xyz[:, [_AXIS[c] for c in order.lower()]] = seq
        out[:, joints] = xyz.reshape(len(rotvec), len(joints), 3)
    return out
