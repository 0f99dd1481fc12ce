"""Non-cyclic actions on the spot: idle, squat, jump, wave, reach, kick.

Each primitive fills a segment of ``num_frames`` frames: the action is placed at a random time inside it
and the person stands (with small idle movements from the generator's noise) before and after.
Ankles are left to ``Track.finalize`` (flat feet) unless the action lifts the heels.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from unimo.data.synthetic.curves import envelope, keyframes, smooth_noise
from unimo.data.synthetic.track import Track

GRAVITY = 9.81


def _clock(num_frames: int, fps: float) -> np.ndarray:
    return np.arange(num_frames) / fps


def _place(rng: np.random.Generator, num_frames: int, fps: float, duration: float) -> float:
    """Pick a start time so an action of ``duration`` s fits in the segment (or starts at 0 if it cannot)."""
    return float(rng.uniform(0, max(num_frames / fps - duration, 0.0)))


def stand_wide(rng: np.random.Generator, ch: dict[str, np.ndarray]) -> None:
    """Give a standing primitive a stance width: feet together to well apart, as people stand.

    The primitives alone stand hip-width (ankles ~22 cm apart); the real AMASS clip in ../shared/data/real
    stands with them ~50 cm apart (hip abduction ~13 deg a side), which the tokenizer trained without wide
    stances could not reconstruct (it narrowed them by ~13 cm a foot). A constant per segment, so planted feet
    do not slide (crossfades into another segment move them sideways, as a step would); ``Track.finalize``
    keeps the soles level.
    """
    width = 0.0 if rng.random() < 0.4 else rng.uniform(3, 15)
    for side in "LR":
        ch[f"hip_abd_{side}"] = ch[f"hip_abd_{side}"] + width


def idle(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Stand: slow weight shifts, breathing, looking around, relaxed arms or hands on hips."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "idle")
    ch = track.channels
    shift = rng.uniform(1.5, 4) * np.sin(2 * np.pi * rng.uniform(0.1, 0.3) * t + rng.uniform(0, 2 * np.pi))
    ch["hip_abd_L"], ch["hip_abd_R"] = shift, -shift  # both legs tilt: the pelvis moves over one foot
    ch["pelvis_roll"] = 0.5 * shift
    ch["knee_L"], ch["knee_R"] = 3 + 2 * np.maximum(-shift, 0), 3 + 2 * np.maximum(shift, 0)
    ch["hip_flex_L"], ch["hip_flex_R"] = 0.5 * ch["knee_L"], 0.5 * ch["knee_R"]
    ch["spine_flex"] = 1.5 * np.sin(2 * np.pi * 0.25 * t)  # breathing
    ch["neck_turn"] = smooth_noise(rng, num_frames, fps, 15, 2.5)[:, 0]
    ch["neck_flex"] = smooth_noise(rng, num_frames, fps, 6, 2.5)[:, 0]
    if rng.random() < 0.25:  # hands on hips
        for side in "LR":
            ch[f"sh_abd_{side}"], ch[f"sh_flex_{side}"] = (
                np.full(num_frames, 35.0),
                np.full(num_frames, -15.0),
            )
            ch[f"elbow_{side}"] = np.full(num_frames, 100.0)
    stand_wide(rng, ch)
    return track


def squat(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Squat down and up 1-3 times, arms forward for balance, heels down."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "squat")
    reps, rep_s, depth = int(rng.integers(1, 4)), rng.uniform(1.6, 2.6), rng.uniform(0.45, 1.0)
    reps = max(1, min(reps, int(num_frames / fps // rep_s)))
    start = _place(rng, num_frames, fps, reps * rep_s)
    s = (
        sum(envelope(t, start + k * rep_s, 0.4 * rep_s, 0.15 * rep_s, 0.4 * rep_s) for k in range(reps))
        * depth
    )
    ch, width = track.channels, rng.uniform(1, 4)
    for side in "LR":
        ch[f"hip_flex_{side}"], ch[f"knee_{side}"] = 90 * s, 115 * s
        # a fixed, narrow stance and no toe-out: with hip flexion applied about the pelvis' x axis (the Euler
        # order), abducted or rotated thighs would fold the legs sideways and slide the planted feet
        ch[f"hip_abd_{side}"] = np.full_like(t, width)
        ch[f"sh_flex_{side}"], ch[f"elbow_{side}"] = 75 * s, 10 + 10 * s
    ch["pelvis_pitch"], ch["spine_flex"], ch["neck_flex"] = 25 * s, 10 * s, -20 * s
    return track


def jump(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Countermovement jump (in place or forwards): crouch, push off, ballistic flight, absorb the landing."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "jump")
    height = rng.uniform(0.08, 0.35)
    flight = 2 * np.sqrt(2 * height / GRAVITY)
    start = _place(rng, num_frames, fps, 0.5 + flight + 0.7)
    off, land = start + 0.5, start + 0.5 + flight  # take-off and touch-down times
    crouch = keyframes(t, [start, start + 0.35, off, land, land + 0.15, land + 0.6], [0, 0.5, 0, 0, 0.4, 0])
    airborne = (t >= off) & (t < land)
    tuck = np.where(airborne, np.sin(np.pi * np.clip((t - off) / flight, 0, 1)), 0.0)
    point = keyframes(t, [off - 0.1, off, land - 0.05, land + 0.05], [0, 1, 1, 0])  # toes pointed
    ch = track.channels
    for side in "LR":
        ch[f"hip_flex_{side}"] = 80 * crouch + 25 * tuck
        ch[f"knee_{side}"] = 115 * crouch + 40 * tuck
        ch[f"ankle_{side}"] = ch[f"knee_{side}"] - ch[f"hip_flex_{side}"] - 35 * point
        ch[f"sh_flex_{side}"] = keyframes(
            t, [start, start + 0.35, off + 0.15, land + 0.15, land + 0.6], [0, -35, 100, 60, 0]
        )  # arm swing drives the jump
        ch[f"elbow_{side}"] = 15 + 15 * crouch
    ch["pelvis_pitch"], ch["spine_flex"] = 30 * crouch, 10 * crouch
    lift = np.where(airborne, GRAVITY / 2 * (t - off) * (land - t), 0.0)
    track.lift = gaussian_filter1d(lift, 0.03 * fps) if 0.03 * fps >= 0.5 else lift  # soften take-off
    forward = rng.uniform(0.3, 1.2) if rng.random() < 0.5 else 0.0
    track.air_velocity[:, 0] = np.where(airborne, forward, 0.0)
    return track


def wave(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Raise one or both hands and wave (forearm swinging in the frontal plane)."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "wave")
    duration = min(rng.uniform(1.5, 3.5), num_frames / fps)
    e = envelope(t, _place(rng, num_frames, fps, duration), 0.5, max(duration - 1.0, 0.0), 0.5)
    sides = ["L", "R"] if rng.random() < 0.2 else [str(rng.choice(["L", "R"]))]
    swing = 25 * np.sin(2 * np.pi * rng.uniform(1.5, 2.5) * t)
    ch = track.channels
    for side in sides:
        # arm out sideways and twisted so the elbow bends upwards; then the forearm swings
        ch[f"sh_abd_{side}"], ch[f"sh_flex_{side}"] = 85 * e, 90 * e
        ch[f"elbow_{side}"], ch[f"collar_{side}"] = e * (90 + swing), 10 * e
        ch["neck_turn"] = ch["neck_turn"] + (15 if side == "L" else -15) * e
    stand_wide(rng, ch)
    return track


def reach(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Reach forwards, upwards, sideways or down to the floor with one arm, then return."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "reach")
    out, hold = rng.uniform(0.6, 1.0), rng.uniform(0.3, 1.0)
    e = envelope(t, _place(rng, num_frames, fps, 2 * out + hold), out, hold, out)
    side, target = str(rng.choice(["L", "R"])), str(rng.choice(["forward", "up", "side", "low"]))
    toward = 1.0 if side == "L" else -1.0  # channels that turn/lean towards the reaching side
    ch = track.channels
    ch[f"elbow_{side}"] = rng.uniform(5, 15) * e
    if target == "forward":
        ch[f"sh_flex_{side}"], ch["spine_twist"] = rng.uniform(80, 100) * e, -10 * toward * e
        ch["spine_flex"] = rng.uniform(5, 15) * e
    elif target == "up":
        ch[f"sh_flex_{side}"], ch["neck_flex"] = rng.uniform(115, 130) * e, -15 * e
    elif target == "side":
        ch[f"sh_abd_{side}"], ch["spine_bend"] = rng.uniform(70, 90) * e, 8 * toward * e
    else:  # low: bend at the hips and knees to reach the floor in front
        ch[f"sh_flex_{side}"], ch["spine_flex"], ch["pelvis_pitch"] = 60 * e, 30 * e, 25 * e
        for leg in "LR":
            ch[f"knee_{leg}"], ch[f"hip_flex_{leg}"] = 35 * e, 10 * e
    stand_wide(rng, ch)
    return track


def kick(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Front-kick 1-3 times with one leg from a guard stance."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "kick")
    kick_s = rng.uniform(0.9, 1.3)
    count = max(1, min(int(rng.integers(1, 4)), int((num_frames / fps - 0.6) // kick_s)))
    start = _place(rng, num_frames, fps, count * kick_s + 0.6)
    leg, stance = ("L", "R") if rng.random() < 0.5 else ("R", "L")
    guard = envelope(t, start, 0.3, count * kick_s, 0.3)
    hip, knee, ext = np.zeros_like(t), np.zeros_like(t), np.zeros_like(t)
    high = rng.uniform(60, 95)
    for k in range(count):
        times = [start + 0.3 + (k + f) * kick_s for f in (0.0, 0.3, 0.5, 0.7, 1.0)]
        hip += keyframes(t, times, [0, 60, high, 60, 0])
        knee += keyframes(t, times, [0, 100, 10, 90, 0])
        ext += keyframes(t, times, [0, 0, 1, 0, 0])
    ch = track.channels
    ch[f"hip_flex_{leg}"], ch[f"knee_{leg}"], ch[f"ankle_{leg}"] = hip, knee, -20 * ext
    ch[f"knee_{stance}"], ch[f"hip_flex_{stance}"] = 12 * guard, 6 * guard
    ch["pelvis_pitch"], ch["spine_flex"] = -10 * ext, 8 * ext + 5 * guard
    for side in "LR":
        ch[f"sh_flex_{side}"], ch[f"sh_abd_{side}"] = 35 * guard, 20 * guard
        ch[f"elbow_{side}"] = 110 * guard
    return track
