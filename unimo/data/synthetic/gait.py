"""Walking, running and turning on the spot: cyclic gaits from keyframed joint-angle curves.

The per-leg curves (degrees over one gait cycle, 0 = heel strike of that leg) follow the shape of
normative sagittal-plane gait kinematics (e.g. Winter, "Biomechanics and Motor Control of Human
Movement", walking at ~1.3 m/s; Novacheck 1998 for running): hip flexion peaks before heel strike, the
knee has a small loading bump in stance and a large swing bump, the ankle plantarflexes at push-off.
The other leg runs half a cycle later. Root translation is not authored: ``root_motion`` derives it from
the planted foot, so stride length always matches leg swing (no foot sliding).
"""

from __future__ import annotations

import numpy as np

from unimo.data.synthetic.curves import periodic, phase_from_frequency, smooth_noise, smoothstep
from unimo.data.synthetic.gait_timing import warp
from unimo.data.synthetic.track import Track

_WALK = {
    "hip": [
        (0.0, 24),
        (0.1, 18),
        (0.2, 11),
        (0.3, 4),
        (0.4, -4),
        (0.5, -11),
        (0.6, -6),
        (0.72, 12),
        (0.8, 22),
        (0.9, 26),
    ],
    "knee": [
        (0.0, 4),
        (0.12, 14),
        (0.3, 6),
        (0.45, 6),
        (0.58, 35),
        (0.7, 62),
        (0.8, 52),
        (0.9, 14),
        (0.97, 4),
    ],
    "ankle": [(0.0, 0), (0.08, -5), (0.3, 2), (0.47, 8), (0.6, -15), (0.7, 3), (0.78, 8), (0.9, 3)],
}
_RUN = {
    "hip": [(0.0, 30), (0.15, 15), (0.35, -12), (0.5, 5), (0.7, 45), (0.85, 50)],
    "knee": [(0.0, 20), (0.12, 40), (0.35, 20), (0.55, 90), (0.7, 105), (0.85, 60), (0.95, 25)],
    "ankle": [(0.0, 0), (0.15, 20), (0.36, -20), (0.5, -10), (0.7, 5), (0.9, 5)],
}
_RUN_FLIGHT = (0.36, 0.14)  # start and length (cycles) of the flight after each toe-off


def walk(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Walk along a gently curving path at a random pace and step length."""
    freq = rng.uniform(0.72, 1.05)  # strides per second (two steps each)
    yaw = rng.uniform(-20, 20) + smooth_noise(rng, num_frames, fps, rng.uniform(0, 25), 2.0)[:, 0]
    return _gait(
        rng,
        num_frames,
        fps,
        _WALK,
        freq,
        rng.uniform(0.75, 1.15),
        yaw,
        "walk",
        lean=rng.uniform(-2, 8),
        arm_gain=rng.uniform(0.15, 1.3),
        elbow=rng.uniform(5, 40),
    )[0]


def run(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Run (with a flight phase) along a gently curving path."""
    freq = rng.uniform(1.25, 1.6)
    yaw = rng.uniform(-12, 12) + smooth_noise(rng, num_frames, fps, rng.uniform(0, 15), 2.0)[:, 0]
    track, phase = _gait(
        rng,
        num_frames,
        fps,
        _RUN,
        freq,
        rng.uniform(0.8, 1.1),
        yaw,
        "run",
        lean=rng.uniform(4, 14),
        arm_gain=rng.uniform(0.4, 1.1),
        elbow=rng.uniform(60, 110),
    )
    cycle = np.mod(phase, 0.5)  # flights come twice per stride
    start, length = _RUN_FLIGHT
    inside = (cycle >= start) & (cycle < start + length)
    track.lift = np.where(
        inside, rng.uniform(0.03, 0.07) * np.sin(np.pi * (cycle - start) / length) ** 2, 0.0
    )
    return track


def turn(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Turn on the spot by 90-200 degrees, marching in place (feet lift flat, then pivot), then stand.

    A walking cycle would push off the toes and shove the pelvis forward; marching does not.
    """
    t = np.arange(num_frames) / fps
    duration = min(rng.uniform(1.2, 2.2), t[-1] + 1 / fps)
    start = rng.uniform(0, max(t[-1] + 1 / fps - duration, 0))
    angle = rng.choice([-1, 1]) * rng.uniform(90, 200)
    u = np.clip((t - start) / duration, 0, 1)
    track = Track.neutral(num_frames, "turn")
    track.yaw_rate = angle * 6 * u * (1 - u) / duration  # derivative of angle * smoothstep(u)
    stepping = smoothstep(np.minimum(u * 4, (1 - u) * 4))  # steps fade in and out with the turn
    phase = rng.uniform(0, 1) + rng.uniform(0.9, 1.3) * t  # (T,) strides
    lift = rng.uniform(15, 25) * stepping
    ch = track.channels
    for side, offset in (("L", 0.0), ("R", 0.5)):
        cycle = np.mod(phase + offset, 1.0)
        up = np.where(cycle < 0.5, np.sin(2 * np.pi * cycle) ** 2, 0.0)  # each leg lifts half the time
        ch[f"hip_flex_{side}"], ch[f"knee_{side}"] = lift * up, 2 * lift * up  # ankle: flat (finalize)
        ch[f"elbow_{side}"] = np.full(num_frames, rng.uniform(10, 30))
    ch["neck_turn"] = 0.15 * np.sign(angle) * np.minimum(np.abs(track.yaw_rate), 60)  # look into the turn
    return track


def _gait(
    rng: np.random.Generator,
    num_frames: int,
    fps: float,
    keys: dict,
    freq: float,
    step: float,
    yaw_rate: np.ndarray,
    kind: str,
    lean: float,
    arm_gain: float,
    elbow: float,
    retime: float = 0.6,
) -> tuple[Track, np.ndarray]:
    """Build a gait track and its left-leg phase ``(T,)``; ``step`` scales the leg swing (1: as keyed).

    ``retime`` is the ``alpha`` of ``gait_timing.warp`` (0 keeps the keyframed timing).
    """
    freq_t = freq * (1 + smooth_noise(rng, num_frames, fps, 0.03, 3.0)[:, 0])
    tau = phase_from_frequency(freq_t, fps, rng.uniform(0, 1))  # (T,) uniform time, in cycles
    phase = warp(keys, step, tau, retime)  # (T,) gait phase of the left leg, re-timed for a steady speed
    track = Track.neutral(num_frames, kind)
    ch = track.channels
    swing_scale = 0.5 + 0.5 * min(step, 1.0)  # short steps still lift the foot
    busy = str(rng.choice(["L", "R"])) if rng.random() < 0.15 else ""  # one hand holds something
    for side, offset in (("L", 0.0), ("R", 0.5)):
        hip = periodic(keys["hip"], phase + offset)
        ch[f"hip_flex_{side}"] = hip.mean() + step * (hip - hip.mean())
        knee = periodic(keys["knee"], phase + offset)
        ch[f"knee_{side}"] = knee.min() + swing_scale * (knee - knee.min())
        ch[f"ankle_{side}"] = step * periodic(keys["ankle"], phase + offset)
    _swing_arms(rng, ch, arm_gain, elbow, busy)
    twist = 4 * step * np.cos(2 * np.pi * phase)  # the pelvis turns with the forward leg
    ch["pelvis_yaw"], ch["spine_twist"] = -twist, 0.8 * twist
    ch["pelvis_roll"] = step * np.sin(4 * np.pi * phase)
    ch["pelvis_pitch"] = np.full(num_frames, lean)
    ch["spine_flex"] = np.full(num_frames, 0.3 * lean)
    ch["neck_flex"] = -0.8 * lean + smooth_noise(rng, num_frames, fps, 4, 2.0)[:, 0]
    ch["neck_turn"] = smooth_noise(rng, num_frames, fps, 10, 2.0)[:, 0]
    track.yaw_rate = np.asarray(yaw_rate, dtype=float) * np.ones(num_frames)
    return track, phase


def _swing_arms(
    rng: np.random.Generator, ch: dict[str, np.ndarray], gain: float, elbow: float, busy: str
) -> None:
    """Swing each arm against the leg of its own side; the ``busy`` side ("L", "R" or "") holds something."""
    for side in "LR":
        side_gain = 0.1 if side == busy else gain * rng.uniform(0.7, 1.3)  # arms rarely swing alike
        ch[f"sh_flex_{side}"] = -side_gain * (ch[f"hip_flex_{side}"] - ch[f"hip_flex_{side}"].mean())
        ch[f"elbow_{side}"] = elbow + 0.3 * np.maximum(ch[f"sh_flex_{side}"], 0)
        if side == busy:
            ch[f"sh_flex_{side}"] = ch[f"sh_flex_{side}"] + rng.uniform(5, 25)
            ch[f"elbow_{side}"] = ch[f"elbow_{side}"] + rng.uniform(40, 80)
