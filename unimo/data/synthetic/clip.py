"""``generate_clip``: one paired synthetic sample (rendered video + exact SMPL-X motion + camera).

In the spirit of BEDLAM (Black et al., CVPR 2023): bodies with random shapes and procedural motions are
rendered with random clothing colours, lights, backgrounds and camera paths, so every pixel comes with
exact ground truth. Everything is drawn from the seed (the motion from ``seed`` alone, so
``generate_motion(seed, ...)`` reproduces it; the scene from an independent stream), and the functions
are module-level and picklable, so a process pool can map ``generate_clip`` over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from unimo.body.motion import Motion
from unimo.data.synthetic.camera_rig import sample_camera
from unimo.data.synthetic.config import GENERATOR_VERSION, SynthConfig
from unimo.data.synthetic.motion_generator import generate_motion_with_plan
from unimo.render.appearance import sample_appearance
from unimo.render.background import sample_background
from unimo.render.body_mesh import BodyMesh
from unimo.render.camera import Camera
from unimo.render.scene import motion_arrays, render_person

_SCENE_STREAM = 1  # second seed word: the scene's random stream, independent of the motion's


@dataclass
class SyntheticClip:
    """One generated sample.

    Attributes:
        frames: ``(T, H, W, 3)`` uint8 video.
        motion: The person's SMPL-X motion in world coordinates (y up, ground y = 0).
        camera: The camera that filmed it (per-frame extrinsics).
        meta: Seed, motion plan, appearance, background, camera path, generator version and config.
        alpha: ``(T, H, W)`` uint8 coverage of the person (255: body), when asked for (``with_alpha``).
    """

    frames: np.ndarray
    motion: Motion
    camera: Camera
    meta: dict
    alpha: np.ndarray | None = None


def generate_clip(
    seed: int,
    num_frames: int,
    size: int,
    fps: float,
    camera_motion: bool = True,
    config: SynthConfig | None = None,
    kind: str | None = None,
    with_alpha: bool = False,
) -> SyntheticClip:
    """Generate one synthetic clip.

    Args:
        seed: Seed of all randomness (same seed and config, same clip).
        num_frames: Number of frames.
        size: Image width and height in pixels (64-256 is the intended range).
        fps: Frames per second.
        camera_motion: Allow orbiting/dollying/tracking cameras; False keeps every camera static.
        config: Generator settings; the defaults when None.
        kind: Motion kind(s) as in ``generate_motion``; a random plan when None.
        with_alpha: Also return the person's per-pixel coverage (``SyntheticClip.alpha``).
    """
    config = config or SynthConfig()
    motion, plan = generate_motion_with_plan(seed, num_frames, fps, kind, config.motion)
    rng = np.random.default_rng([seed, _SCENE_STREAM])
    look, scene = sample_appearance(rng), sample_background(rng)
    orient, pose, transl, betas = motion_arrays(motion)
    mesh = BodyMesh.of(betas, lod=config.lod)
    verts, joints = mesh.pose(orient, pose, transl)  # (T, V, 3), (T, 22, 3)
    hips = joints[0, 1] - joints[0, 2]  # left minus right hip: the body's left
    facing = float(np.degrees(np.arctan2(-hips[2], hips[0])))  # forward = left turned by -90 degrees
    camera, shot = sample_camera(rng, verts[:, ::3], facing, size, fps, config, camera_motion)
    supersample = config.supersample or (2 if size < 192 else 1)
    rendered = render_person(motion, camera, look, scene, supersample=supersample, mesh=mesh,
                             background_scale=config.background_scale, return_alpha=with_alpha)
    frames, alpha = rendered if with_alpha else (rendered, None)
    meta = {"seed": int(seed), "generator_version": GENERATOR_VERSION, "num_frames": int(num_frames),
            "size": int(size), "fps": float(fps), "supersample": int(supersample),
            "kinds": [p["kind"] for p in plan], "plan": plan, "betas": betas.tolist(),
            "appearance": look.to_dict(), "background": scene.to_dict(), "camera": shot,
            "config": config.to_dict()}  # fmt: skip
    return SyntheticClip(frames=frames, motion=motion, camera=camera, meta=meta, alpha=alpha)
