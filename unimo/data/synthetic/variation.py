"""Every-joint variation on top of the authored action: per-person posture, coupled secondary motion, noise.

Motion primitives author the few channels that define an action (legs and arm swing for a walk); real
people also hold and move every other joint: toes turned out, a curved spine, the head tilted, clavicles
that rise when the arms go up, wrists that trail a swinging arm, and small never-still drift everywhere.
A tokenizer trained without them sees real mocap (AMASS) far outside its training range on those joints
(``benchmarks/motion_stats.py`` measures it). ``vary`` adds, in this order:

1. a posture drawn once per motion (per side with some asymmetry) for most channels, and straighter or
   softer knees where the person stands still;
2. secondary motion coupled to the authored channels (scapulohumeral rhythm, wrist follow-through,
   gaze stabilisation of the head);
3. band-limited noise on every channel that keeps planted feet still (leg flexion/abduction and pelvis
   roll are left to the primitives), with a per-motion "liveliness" and feature length;
4. a hip abduction correction so turned-out legs still bend in place (``keep_feet_in_line``).

Everything stays in degrees; joint limits are applied afterwards by ``channels.channels_to_euler``.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from unimo.data.synthetic.curves import smooth_noise
from unimo.data.synthetic.track import Track

_THIGH, _SHANK = 0.38, 0.40  # metres, mean SMPL-X body (as in ``gait_timing``)
# Per-person posture offsets (degrees, left-side sign convention; the right side mirrors): (low, high).
POSTURE: dict[str, tuple[float, float]] = {
    "pelvis_pitch": (-3, 8), "spine_flex": (-4, 6), "spine_bend": (-5, 5),
    "spine_twist": (-5, 5), "spine_curve": (-5, 25), "neck_flex": (-12, 12), "neck_turn": (-5, 5),
    "neck_tilt": (-5, 5), "head_flex": (-12, 12), "head_turn": (-8, 8), "head_tilt": (-12, 12),
}
POSTURE_SIDED: dict[str, tuple[float, float]] = {
    "hip_rot": (-8, 15), "knee_rot": (-8, 10), "knee_var": (-3, 3), "ankle_rot": (-8, 20),
    "toe": (0, 12), "toe_rot": (-10, 10), "toe_dev": (-5, 15), "collar": (-5, 15),
    "collar_prot": (-12, 12), "collar_twist": (-8, 8), "sh_abd": (3, 15), "sh_flex": (-5, 10),
    "sh_rot": (-25, 10), "elbow": (-15, 20), "elbow_carry": (0, 15), "forearm": (-30, 15),
    "wrist_flex": (-10, 15), "wrist_dev": (-10, 10), "wrist_twist": (-20, 15),
}
# Noise standard deviation (degrees) per channel at liveliness 1; sided entries apply to both sides.
NOISE: dict[str, float] = {
    "pelvis_pitch": 1.0, "pelvis_yaw": 1.5, "spine_flex": 2.0, "spine_bend": 3.5,
    "spine_twist": 3.5, "spine_curve": 1.5, "neck_flex": 5.0, "neck_turn": 5.0, "neck_tilt": 3.0,
    "head_flex": 3.0, "head_turn": 4.0, "head_tilt": 2.5,
}
NOISE_SIDED: dict[str, float] = {
    "hip_rot": 2.0, "knee_rot": 3.0, "knee_var": 2.0, "ankle_rot": 2.0, "ankle_inv": 1.0, "toe": 3.0,
    "toe_rot": 2.0, "toe_dev": 2.0, "collar": 3.0, "collar_prot": 5.0, "collar_twist": 2.0, "sh_abd": 3.0,
    "sh_flex": 3.0, "sh_rot": 7.0, "elbow": 4.0, "elbow_carry": 2.0, "forearm": 6.0, "wrist_flex": 6.0,
    "wrist_dev": 4.0, "wrist_twist": 5.0,
}


def vary(rng: np.random.Generator, track: Track, fps: float) -> Track:
    """Add posture, coupled secondary motion and noise to a finalized ``track`` (in place); return it."""
    ch = track.channels
    var = {side: ch[f"knee_var_{side}"].copy() for side in "LR"}
    for name, (lo, hi) in POSTURE.items():
        ch[name] = ch[name] + rng.uniform(lo, hi)
    for name, (lo, hi) in POSTURE_SIDED.items():
        base, spread = rng.uniform(lo, hi), 0.2 * (hi - lo)  # a shared habit, plus a little asymmetry
        for side in "LR":
            ch[f"{name}_{side}"] = ch[f"{name}_{side}"] + base + rng.uniform(-spread, spread)
    _knee_habit(rng, track, fps)
    couple(rng, track, fps)
    add_noise(rng, track, fps)
    for side in "LR":  # soles stay level (as ``Track.finalize`` keeps them): undo the added knee varus
        ch[f"ankle_inv_{side}"] = ch[f"ankle_inv_{side}"] - (ch[f"knee_var_{side}"] - var[side])
    keep_feet_in_line(track)
    return track


def _knee_habit(rng: np.random.Generator, track: Track, fps: float) -> None:
    """Straighter (slightly hyperextended) or softer knees while standing still.

    Only where a knee is nearly straight and nearly still: a walking knee keeps its keyframed curve (the
    gait's re-timing depends on it) and a swinging foot its ground clearance. The ankle follows the
    offset so a standing sole stays flat.
    """
    base = rng.uniform(-5, 3)
    for side in "LR":
        knee = track.channels[f"knee_{side}"]
        speed = np.abs(np.gradient(knee)) * fps  # (T,) deg/s
        if 0.2 * fps >= 0.5:
            speed = gaussian_filter1d(speed, 0.2 * fps)
        still = np.clip(1 - knee / 10, 0, 1) * np.clip(1 - speed / 30, 0, 1)  # (T,) in [0, 1]
        offset = (base + rng.uniform(-1, 1)) * still
        track.channels[f"knee_{side}"] = knee + offset
        track.channels[f"ankle_{side}"] = track.channels[f"ankle_{side}"] + offset


def couple(rng: np.random.Generator, track: Track, fps: float) -> None:
    """Secondary motion driven by the authored channels (gains drawn per motion)."""
    ch = track.channels
    rhythm, follow, gaze = rng.uniform(0.25, 0.45), rng.uniform(0.02, 0.1), rng.uniform(0.0, 0.5)
    for side in "LR":
        abd, flex = ch[f"sh_abd_{side}"], ch[f"sh_flex_{side}"]
        # scapulohumeral rhythm: above ~40 deg of elevation the clavicle rises with the arm
        elevation = abd + 0.5 * np.maximum(flex, 0)
        ch[f"collar_{side}"] = ch[f"collar_{side}"] + rhythm * np.maximum(elevation - 40, 0)
        ch[f"collar_prot_{side}"] = ch[f"collar_prot_{side}"] + 0.12 * flex  # reaching forward protracts
        # a relaxed hand trails the arm's swing: wrist flexion against the shoulder's angular velocity
        swing = np.gradient(flex) * fps  # (T,) deg/s
        if fps * 0.05 >= 0.5:
            swing = gaussian_filter1d(swing, 0.05 * fps)
        ch[f"wrist_flex_{side}"] = ch[f"wrist_flex_{side}"] - follow * swing
    # people keep looking ahead while the trunk pitches (partly: when bending to pick up they look down)
    ch["head_flex"] = ch["head_flex"] - gaze * (ch["pelvis_pitch"] + ch["spine_flex"])


def add_noise(rng: np.random.Generator, track: Track, fps: float) -> None:
    """Add band-limited noise to every channel in ``NOISE``/``NOISE_SIDED`` (one draw for all channels)."""
    names = list(NOISE) + [f"{n}_{s}" for n in NOISE_SIDED for s in "LR"]
    stds = np.array(list(NOISE.values()) + [v for v in NOISE_SIDED.values() for _ in "LR"])
    liveliness, period = rng.uniform(0.4, 1.8), rng.uniform(0.6, 2.5)
    noise = smooth_noise(rng, track.num_frames, fps, 1.0, period, len(names)) * stds * liveliness  # (T, C)
    for c, name in enumerate(names):
        track.channels[name] = track.channels[name] + noise[:, c]


def keep_feet_in_line(track: Track) -> None:
    """Correct hip abduction so a bent knee moves the foot as it would with the thigh not rotated.

    The hip applies abduction ``a``, then rotation ``r`` (about the vertical thigh), then flexion (about
    the pelvis' x axis, which leaves sideways positions alone). The knee bends ``k`` inside the rotated
    thigh, so a turned-out leg swings its foot sideways by ``sin(r) * shank * sin(k)``: a crouch would
    slide planted feet. The foot's sideways offset is ``cos(r) sin(a) (thigh + shank cos k) -
    sin(r) shank sin(k)``; we solve for the ``a`` that keeps it at its straight-leg value, then re-level the
    sole (``ankle_inv``) by the added abduction.
    """
    ch = track.channels
    for side in "LR":
        a0, r = np.radians(ch[f"hip_abd_{side}"]), np.radians(ch[f"hip_rot_{side}"])
        k = np.radians(ch[f"knee_{side}"])
        target = np.sin(a0) * (_THIGH + _SHANK) + np.tan(r) * _SHANK * np.sin(k)
        a = np.arcsin(np.clip(target / (_THIGH + _SHANK * np.cos(k)), -0.99, 0.99))
        added = np.degrees(a - a0)
        ch[f"hip_abd_{side}"] = ch[f"hip_abd_{side}"] + added
        ch[f"ankle_inv_{side}"] = ch[f"ankle_inv_{side}"] - added
