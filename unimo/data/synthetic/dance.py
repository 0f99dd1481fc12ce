"""Dance-like sequences: layers of rhythmic movement locked to one beat (90-130 bpm).

Every dance bounces on the knees; on top of that it picks leg, arm, torso and head layers at random
(step-touch, arm pumps, raised swaying arms, torso twists, hip sway, nods, an occasional spin), each with
its own amplitude, so two seeds rarely dance alike.
"""

from __future__ import annotations

import numpy as np

from unimo.data.synthetic.track import Track


def dance(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Dance on the spot to a random tempo."""
    beat_hz = rng.uniform(90, 130) / 60
    beat = beat_hz * np.arange(num_frames) / fps + rng.uniform(0, 2)  # (T,) in beats
    track = Track.neutral(num_frames, "dance")
    ch = track.channels

    def amp(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    bounce = amp(6, 14) * (0.5 - 0.5 * np.cos(2 * np.pi * beat))
    for side in "LR":
        ch[f"knee_{side}"], ch[f"hip_flex_{side}"] = 5 + bounce, 2.5 + 0.5 * bounce
    if rng.random() < 0.5:
        _step_touch(ch, beat, amp(20, 35))
    _arms(rng, ch, beat)
    if rng.random() < 0.5:
        twist = amp(10, 20) * np.sin(np.pi * beat)
        ch["spine_twist"] = twist  # the torso twists; turning the pelvis would twist the planted feet
    if rng.random() < 0.5:
        ch["pelvis_roll"] = amp(3, 7) * np.sin(np.pi * beat + 0.5)
    ch["neck_flex"] = amp(0, 10) * np.sin(2 * np.pi * beat)
    if rng.random() < 0.15 and num_frames / fps > 2.0:  # one spin over two to four beats
        spin_s = rng.uniform(2, 4) / beat_hz
        begin = rng.uniform(0, max(num_frames / fps - spin_s, 0.0))  # the spin may outlast the clip
        u = (np.arange(num_frames) / fps - begin) / spin_s
        inside = (u >= 0) & (u <= 1)
        track.yaw_rate = np.where(inside, rng.choice([-360, 360]) * 6 * u * (1 - u) / spin_s, 0.0)
    return track


def _step_touch(ch: dict[str, np.ndarray], beat: np.ndarray, lift: float) -> None:
    """Lift the left foot on even beats and the right on odd ones, stepping out sideways and back."""
    for side, offset in (("L", 0.0), ("R", 1.0)):
        cycle = np.mod(beat - offset, 2.0)  # (T,) position in a two-beat bar
        up = np.where(cycle < 1.0, np.sin(np.pi * cycle) ** 2, 0.0)
        ch[f"knee_{side}"] = ch[f"knee_{side}"] + lift * up
        ch[f"hip_flex_{side}"] = ch[f"hip_flex_{side}"] + 0.6 * lift * up
        ch[f"hip_abd_{side}"] = 3 + 8 * up  # the leg opens only while lifted: planted feet never slide


def _arms(rng: np.random.Generator, ch: dict[str, np.ndarray], beat: np.ndarray) -> None:
    """Pick one arm layer: pumps, raised swaying arms, side waves, or relaxed swinging."""
    style = rng.choice(["pump", "raised", "side", "swing"])
    wave = np.sin(2 * np.pi * beat)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        if style == "pump":
            ch[f"sh_flex_{side}"], ch[f"elbow_{side}"] = 45 + 35 * sign * wave, np.full_like(beat, 95.0)
        elif style == "raised":
            ch[f"sh_abd_{side}"] = 125 + 15 * np.sin(np.pi * beat)
            ch[f"elbow_{side}"], ch["spine_bend"] = 20 + 10 * wave, 6 * np.sin(np.pi * beat)
        elif style == "side":
            ch[f"sh_abd_{side}"] = 55 + 30 * np.sin(2 * np.pi * beat + (0 if sign > 0 else np.pi))
            ch[f"elbow_{side}"] = 45 + 30 * wave
        else:
            ch[f"sh_flex_{side}"], ch[f"elbow_{side}"] = 20 * sign * wave, 30 + 10 * wave
