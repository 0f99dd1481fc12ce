"""``generate_motion``: varied, plausible, grounded SMPL-X motions from a seed.

Pipeline: plan segments of motion kinds -> author each with a primitive (anatomical channels, yaw rate,
flight) -> crossfade segments -> add a per-person posture, secondary motion and band-limited noise on
every joint (``variation``) -> clamp to joint limits and convert to axis-angle -> solve root translation
from the feet (``root_motion``). All randomness comes from one ``numpy.random.Generator`` seeded by
``seed``, so a seed always gives the same motion.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from unimo.body.motion import Motion
from unimo.data.synthetic.actions import idle, jump, kick, reach, squat, wave
from unimo.data.synthetic.channels import channels_to_euler, euler_to_axis_angle
from unimo.data.synthetic.config import MotionConfig
from unimo.data.synthetic.dance import dance
from unimo.data.synthetic.exercises import bend, exercise, hop
from unimo.data.synthetic.gait import run, turn, walk
from unimo.data.synthetic.root_motion import solve_root
from unimo.data.synthetic.track import Track, crossfade
from unimo.data.synthetic.variation import vary
from unimo.render.body_mesh import BodyMesh

Primitive = Callable[[np.random.Generator, int, float], Track]
KINDS: dict[str, Primitive] = {
    "walk": walk,
    "run": run,
    "turn": turn,
    "idle": idle,
    "squat": squat,
    "jump": jump,
    "wave": wave,
    "reach": reach,
    "kick": kick,
    "dance": dance,
    "hop": hop,
    "bend": bend,
    "exercise": exercise,
}


def generate_motion(
    seed: int, num_frames: int, fps: float, kind: str | None = None, config: MotionConfig | None = None
) -> Motion:
    """Generate a motion of ``num_frames`` frames at ``fps`` (world coordinates, y up, on the ground y = 0).

    Args:
        seed: Seed of all randomness (same seed, same motion).
        num_frames: Number of frames.
        fps: Frames per second (the motion's timing is in seconds, so any fps samples the same movement).
        kind: One of ``KINDS``, several joined by "+" ("walk+jump"), or None for a random plan.
        config: Planning settings; the defaults when None.
    """
    return generate_motion_with_plan(seed, num_frames, fps, kind, config)[0]


def generate_motion_with_plan(
    seed: int, num_frames: int, fps: float, kind: str | None = None, config: MotionConfig | None = None
) -> tuple[Motion, list[dict]]:
    """Like ``generate_motion``; also return the plan as ``[{"kind", "start", "stop"}]`` (frames)."""
    if num_frames < 2 or not fps > 0:
        raise ValueError(f"generate_motion: need num_frames >= 2 and fps > 0, got {num_frames}, {fps}")
    config = config or MotionConfig()
    rng = np.random.default_rng(seed)
    plan = plan_segments(rng, num_frames, fps, kind, config)
    track = _assemble(rng, plan, fps, config)
    betas = np.clip(rng.normal(0, config.betas_std, 10), -config.betas_clip, config.betas_clip)
    motion = _to_motion(rng, track, betas, fps)
    starts = np.cumsum([0] + [n for _, n in plan])
    return motion, [
        {"kind": k, "start": int(s), "stop": int(s + n)} for (k, n), s in zip(plan, starts, strict=False)
    ]


def plan_segments(
    rng: np.random.Generator, num_frames: int, fps: float, kind: str | None, config: MotionConfig
) -> list[tuple[str, int]]:
    """Split ``num_frames`` into ``(kind, frames)`` segments (random kinds and lengths unless given)."""
    if kind is not None:
        kinds = kind.split("+")
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"generate_motion: unknown kind(s) {unknown}; known: {sorted(KINDS)}")
        cuts = np.linspace(0, num_frames, len(kinds) + 1).round().astype(int)
        return [(k, int(b - a)) for k, a, b in zip(kinds, cuts[:-1], cuts[1:], strict=True)]
    names = sorted(config.kind_weights)
    probs = np.array([config.kind_weights[n] for n in names], dtype=float)
    plan: list[tuple[str, int]] = []
    left = num_frames
    while left > 0:
        frames = int(round(rng.uniform(*config.segment_seconds) * fps))
        if left - frames < 0.5 * config.segment_seconds[0] * fps:
            frames = left  # too short a remainder for its own segment: absorb it
        plan.append((str(rng.choice(names, p=probs / probs.sum())), frames))
        left -= frames
    return plan


def _assemble(
    rng: np.random.Generator, plan: list[tuple[str, int]], fps: float, config: MotionConfig
) -> Track:
    """Author every segment (each overlapping the next by the blend length) and crossfade them."""
    blend = max(1, min(int(round(config.blend_seconds * fps)), min(frames for _, frames in plan)))
    track: Track | None = None
    for i, (kind, frames) in enumerate(plan):
        extra = blend if i < len(plan) - 1 else 0
        segment = KINDS[kind](rng, frames + extra, fps).finalize()
        track = segment if track is None else crossfade(track, segment, blend)
    assert track is not None
    vary(rng, track, fps)
    return track


def _to_motion(rng: np.random.Generator, track: Track, betas: np.ndarray, fps: float) -> Motion:
    """Convert a track to SMPL-X parameters, solving the root translation from the feet."""
    ch = track.channels
    body_pose = euler_to_axis_angle(channels_to_euler(ch)).reshape(track.num_frames, 63)
    heading = rng.uniform(0, 2 * np.pi) + np.radians(
        np.concatenate([[0.0], np.cumsum(track.yaw_rate[:-1]) / fps])
    )
    angles = np.stack(
        [
            heading + np.radians(ch["pelvis_yaw"]),
            np.radians(ch["pelvis_pitch"]),
            np.radians(ch["pelvis_roll"]),
        ],
        -1,
    )
    orient = Rotation.from_euler("YXZ", angles).as_rotvec()  # R = Ry(yaw) Rx(pitch) Rz(roll)
    transl = solve_root(
        BodyMesh.of(betas, lod=2), orient, body_pose, heading, track.lift, track.air_velocity, fps
    )

    def tensor(x: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(x, dtype=torch.float32)

    return Motion(
        global_orient=tensor(orient),
        body_pose=tensor(body_pose),
        betas=tensor(betas),
        transl=tensor(transl),
        fps=float(fps),
    )
