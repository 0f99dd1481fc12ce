"""``Track``: what a motion primitive produces (pose channels plus root cues), and crossfading tracks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unimo.data.synthetic.channels import CHANNELS
from unimo.data.synthetic.curves import smoothstep


@dataclass
class Track:
    """A stretch of procedural motion, before root translation is solved.

    Attributes:
        channels: Anatomical angles in degrees, each ``(T,)`` (see ``channels.CHANNELS``).
        yaw_rate: ``(T,)`` heading change in degrees per second (turning, curved paths).
        lift: ``(T,)`` metres of flight above the ground (jumps, running); 0 when a foot is on the ground.
        air_velocity: ``(T, 2)`` body-frame (forward, left) velocity in m/s added while airborne.
        kinds: Names of the primitives in this track, in order.
    """

    channels: dict[str, np.ndarray]
    yaw_rate: np.ndarray
    lift: np.ndarray
    air_velocity: np.ndarray
    kinds: list[str] = field(default_factory=list)

    @property
    def num_frames(self) -> int:
        return len(self.yaw_rate)

    @classmethod
    def neutral(cls, num_frames: int, kind: str) -> Track:
        """Standing still: every channel zero except the ankles (left to ``finalize``), on the ground."""
        channels = {c: np.zeros(num_frames) for c in CHANNELS if not c.startswith("ankle")}
        return cls(channels, np.zeros(num_frames), np.zeros(num_frames), np.zeros((num_frames, 2)), [kind])

    def finalize(self) -> Track:
        """Fill missing channels with zeros and missing ankle angles with flat-foot angles; return self.

        A foot is flat on the ground when hip flexion (thigh angle in the world) + ankle dorsiflexion equals
        knee flexion, and level sideways when inversion cancels hip abduction and pelvis roll, so primitives
        that keep feet planted need not author ankles. Call it before filling other defaults.
        """
        n = self.num_frames
        ch, zero = self.channels, np.zeros(n)
        roll = ch.get("pelvis_roll", zero)
        for side, sign in (("L", -1.0), ("R", 1.0)):
            if f"ankle_{side}" not in ch:
                ch[f"ankle_{side}"] = ch.get(f"knee_{side}", zero) - ch.get(f"hip_flex_{side}", zero)
            if f"ankle_inv_{side}" not in ch:  # soles stay level when the legs tilt sideways
                ch[f"ankle_inv_{side}"] = sign * roll - ch.get(f"hip_abd_{side}", zero)
        for name in CHANNELS:
            self.channels.setdefault(name, np.zeros(n))
        return self

    def slice(self, start: int, stop: int) -> Track:
        """Return frames ``start:stop``."""
        return Track(
            {k: v[start:stop] for k, v in self.channels.items()},
            self.yaw_rate[start:stop],
            self.lift[start:stop],
            self.air_velocity[start:stop],
            list(self.kinds),
        )


def crossfade(first: Track, second: Track, overlap: int) -> Track:
    """Join two tracks whose last/first ``overlap`` frames coincide, blending them with a smoothstep."""
    overlap = min(overlap, first.num_frames, second.num_frames)
    w = smoothstep((np.arange(overlap) + 0.5) / max(overlap, 1))  # (O,) weight of the second track

    def join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        wb = w.reshape(-1, *([1] * (a.ndim - 1)))
        mixed = a[len(a) - overlap :] * (1 - wb) + b[:overlap] * wb
        return np.concatenate([a[: len(a) - overlap], mixed, b[overlap:]])

    channels = {k: join(first.channels[k], second.channels[k]) for k in CHANNELS}
    return Track(
        channels,
        join(first.yaw_rate, second.yaw_rate),
        join(first.lift, second.lift),
        join(first.air_velocity, second.air_velocity),
        first.kinds + second.kinds,
    )
