"""Exercise-like primitives on the spot: hopping (and jumping jacks), bending, arm exercises.

Common in real mocap collections (warm-ups, calisthenics, "pick something up") and missing from the other
primitives: fast repeated flights with the limbs opening and closing, a trunk pitched far from upright
with straight legs, arms swinging high and across the body. Like ``actions``, each primitive places its
movement at a random time inside the segment; ankles are left to ``Track.finalize`` (flat feet) unless
the heels lift.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from unimo.data.synthetic.actions import GRAVITY, _clock, _place, stand_wide
from unimo.data.synthetic.curves import envelope, keyframes
from unimo.data.synthetic.track import Track


def hop(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Hop in place 2-10 times; half the time as jumping jacks (legs and arms open and close)."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "hop")
    period = 1 / rng.uniform(1.3, 2.3)  # seconds per hop
    flight = rng.uniform(0.25, 0.42) * period  # airborne less than half of the time
    jacks = rng.random() < 0.5
    count = max(2, min(int(rng.integers(2, 11)), int((num_frames / fps - 0.8) // period)))
    count -= count % 2 if jacks else 0  # jacks end closed: an even number of hops
    start = _place(rng, num_frames, fps, count * period + 0.8)
    offs = start + 0.4 + period * np.arange(count)  # (K,) take-off times
    lands = offs + flight  # (K,) touch-down times
    crouch = _crouch(t, start, offs, lands, rng.uniform(0.15, 0.35 if jacks else 0.5))
    flights = list(zip(offs, lands, strict=True))
    # toes point only while airborne: a foot rotating on the ground would push the body along
    point = sum(keyframes(t, [a, a + 0.3 * flight, b - 0.3 * flight, b], [0, 1, 1, 0]) for a, b in flights)
    ch = track.channels
    for side in "LR":
        ch[f"knee_{side}"], ch[f"hip_flex_{side}"] = 90 * crouch, 45 * crouch
        ch[f"ankle_{side}"] = ch[f"knee_{side}"] - ch[f"hip_flex_{side}"] - rng.uniform(20, 40) * point
    ch["pelvis_pitch"], ch["spine_flex"] = 10 * crouch, 5 * crouch
    if jacks:
        _jacks(rng, ch, t, flights, period - flight)
    else:  # the arms swing up with every hop
        busy = envelope(t, start, 0.4, count * period, 0.4)
        swing = busy * (0.5 - 0.5 * np.cos(2 * np.pi * (t - offs[0] + 0.1) / period))
        for side in "LR":
            ch[f"sh_flex_{side}"] = rng.uniform(0, 45) * swing
            ch[f"elbow_{side}"] = np.full_like(t, rng.uniform(20, 90))
    arcs = [np.where((t >= a) & (t < b), GRAVITY / 2 * (t - a) * (b - t), 0.0) for a, b in flights]
    lift = np.sum(arcs, axis=0)
    track.lift = gaussian_filter1d(lift, 0.03 * fps) if 0.03 * fps >= 0.5 else lift  # soften take-off
    return track


def _crouch(t: np.ndarray, start: float, offs: np.ndarray, lands: np.ndarray, depth: float) -> np.ndarray:
    """Return ``(T,)`` in [0, depth]: a dip before every take-off (after landing), straight legs in flight."""
    times, values = [start], [0.0]
    for k, (off, land) in enumerate(zip(offs, lands, strict=True)):
        dip = 0.5 * ((start if k == 0 else lands[k - 1]) + off)
        times += [dip, off, land]
        values += [depth, 0.0, 0.0]
    return keyframes(t, times + [lands[-1] + 0.2, lands[-1] + 0.6], values + [depth, 0.0])


def _jacks(rng: np.random.Generator, ch: dict[str, np.ndarray], t: np.ndarray,
           flights: list[tuple[float, float]], stance: float) -> None:
    """Open the legs during odd flights and close them during even ones; the arms rise and fall with them."""
    after = [float(k % 2 == 0) for k in range(len(flights))]  # state after hop k: open, closed, open, ...
    values = [v for k in after for v in (1.0 - k, k)]
    legs = keyframes(t, [x for a, b in flights for x in (a, b)], values)
    arms = keyframes(t, [x for a, b in flights for x in (a - 0.3 * stance, b + 0.3 * stance)], values)
    width, raise_deg, sideways = rng.uniform(10, 25), rng.uniform(100, 155), rng.uniform(0.6, 1.0)
    turn = rng.uniform(0, 40)
    for side in "LR":
        ch[f"hip_abd_{side}"] = 2 + width * legs  # changes only in flight: planted feet never slide
        ch[f"sh_abd_{side}"] = sideways * raise_deg * arms
        ch[f"sh_flex_{side}"] = (1 - sideways) * raise_deg * arms
        ch[f"elbow_{side}"] = 10 + 20 * arms
        ch[f"sh_rot_{side}"] = -turn * arms  # the humerus turns as the arm goes overhead


def bend(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Bend and come back up 1-2 times: forwards (toe touch, pick up), sideways, or backwards."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "bend")
    down, hold = rng.uniform(0.7, 1.4), rng.uniform(0.2, 1.2)
    rep = 2 * down + hold
    reps = max(1, min(int(rng.integers(1, 3)), int(num_frames / fps // rep)))
    start = _place(rng, num_frames, fps, reps * rep)
    e = sum(envelope(t, start + k * rep, down, hold, down) for k in range(reps))
    style, ch = str(rng.choice(["forward", "forward", "side", "back"])), track.channels
    if style == "forward":
        depth, knee = rng.uniform(0.4, 1.0), rng.uniform(0, 35)
        ch["pelvis_pitch"], ch["spine_flex"] = 70 * depth * e, 35 * depth * e
        ch["neck_flex"] = rng.uniform(-20, 15) * e
        hang = rng.uniform(0.7, 1.1) * (ch["pelvis_pitch"] + ch["spine_flex"])  # arms hang or reach down
        for side in "LR":
            ch[f"knee_{side}"], ch[f"hip_flex_{side}"] = knee * e, 0.5 * knee * e
            ch[f"sh_flex_{side}"] = hang * rng.uniform(0.8, 1.0)
    elif style == "side":
        lean = str(rng.choice(["L", "R"]))
        over = "R" if lean == "L" else "L"  # the far arm goes over the head
        ch["spine_bend"] = (1 if lean == "L" else -1) * rng.uniform(20, 35) * e
        ch["neck_tilt"] = 0.4 * ch["spine_bend"]
        ch[f"sh_abd_{over}"], ch[f"elbow_{over}"] = rng.uniform(120, 160) * e, rng.uniform(10, 40) * e
    else:
        ch["spine_flex"], ch["pelvis_pitch"] = -rng.uniform(20, 40) * e, -rng.uniform(3, 8) * e
        ch["neck_flex"] = -rng.uniform(10, 25) * e
        for side in "LR":  # hands on the hips, or arms stretched overhead
            up = rng.random() < 0.5
            ch[f"sh_flex_{side}"] = (150 if up else -15) * e
            ch[f"sh_abd_{side}"], ch[f"elbow_{side}"] = (10 if up else 35) * e, (15 if up else 100) * e
    return track


def exercise(rng: np.random.Generator, num_frames: int, fps: float) -> Track:
    """Arm exercises on the spot: arm circles, alternating overhead swings, chest flies, or punches."""
    t, track = _clock(num_frames, fps), Track.neutral(num_frames, "exercise")
    duration = min(rng.uniform(2.0, 5.0), num_frames / fps)
    e = envelope(t, _place(rng, num_frames, fps, duration), 0.4, max(duration - 0.8, 0.0), 0.4)
    phase = 2 * np.pi * rng.uniform(0.5, 1.5) * t + rng.uniform(0, 2 * np.pi)  # (T,) radians
    style, ch = str(rng.choice(["circles", "overhead", "fly", "punch"])), track.channels
    radius, together = rng.uniform(15, 35), rng.random() < 0.5
    for side, sign in (("L", 1.0), ("R", -1.0)):
        ph = phase if (together or side == "L") else phase + np.pi
        if style == "circles":  # arms out sideways, hands drawing circles
            ch[f"sh_abd_{side}"] = e * (85 + radius * np.sin(ph))
            ch[f"sh_flex_{side}"] = e * radius * np.cos(ph)
        elif style == "overhead":  # straight arms swing between the thigh and overhead
            ch[f"sh_flex_{side}"], ch[f"elbow_{side}"] = e * (75 + 70 * np.sin(ph)), e * 15
        elif style == "fly":  # horizontal arms swing from the side to crossing in front
            ch[f"sh_abd_{side}"], ch[f"sh_rot_{side}"] = e * 85, e * (-45 + 45 * np.sin(ph))
            ch[f"collar_prot_{side}"] = e * (5 - 8 * np.sin(ph))
        else:  # from a guard, punch forwards with each arm in turn
            punch = np.maximum(np.sin(ph if side == "L" else ph + np.pi), 0) ** 2
            ch[f"sh_flex_{side}"] = e * (35 + 50 * punch)
            ch[f"sh_abd_{side}"], ch[f"elbow_{side}"] = e * (20 - 15 * punch), e * (110 - 100 * punch)
            ch["spine_twist"] = ch["spine_twist"] - sign * 8 * e * punch
    for side in "LR":
        ch[f"knee_{side}"], ch[f"hip_flex_{side}"] = rng.uniform(0, 10) * e, rng.uniform(0, 5) * e
    stand_wide(rng, ch)
    return track
