"""Pictures for people: skeleton overlays, motion-only videos and video grids.

Used by ``unimo data preview``, ``unimo generate``, ``unimo capture`` and test reports. Lines are drawn
with exact pixel coverage (distance to the segment), so they are anti-aliased without supersampling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unimo.body.motion import Motion
from unimo.render.appearance import Appearance
from unimo.render.background import Background
from unimo.render.body_mesh import JOINT_NAMES, PARENTS, BodyMesh
from unimo.render.camera import Camera, intrinsics, look_at
from unimo.render.scene import motion_arrays, render_person

_LEFT, _RIGHT, _CENTRE = (60, 140, 255), (255, 80, 60), (255, 220, 40)
_PLAIN_LOOK = Appearance(
    skin=(0.8, 0.65, 0.55),
    hair=(0.2, 0.15, 0.1),
    top=(0.55, 0.6, 0.7),
    bottom=(0.3, 0.32, 0.4),
    shoes=(0.15, 0.15, 0.15),
    long_sleeves=False,
    long_legs=True,
    hair_style="short",
    light_dir=(0.36, 0.8, 0.48),
    ambient=0.4,
)
_PLAIN_SCENE = Background(
    ground="checker",
    ground_colours=((0.62, 0.62, 0.6), (0.5, 0.5, 0.48)),
    ground_scale=0.5,
    wall="",
    wall_colours=((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    wall_scale=1.0,
    wall_distance=3.0,
    sky_top=(0.75, 0.82, 0.9),
    horizon=(0.88, 0.9, 0.92),
    fog=30.0,
    noise_seed=0,
)


def project(joints_world: np.ndarray, camera: Camera) -> np.ndarray:
    """Project world joints ``(T, J, 3)`` to pixel coordinates ``(T, J, 2)`` of ``camera``'s image."""
    return camera.project(np.asarray(joints_world, dtype=np.float64))[0]


def bone_colours(parents: Sequence[int], names: Sequence[str] | None = None) -> np.ndarray:
    """Colour joints ``(J, 3)`` uint8: left side blue, right side red, spine/head yellow."""
    names = names or [""] * len(parents)
    return np.array(
        [_LEFT if n.startswith("L_") else _RIGHT if n.startswith("R_") else _CENTRE for n in names],
        dtype=np.uint8,
    )


def draw_skeleton(
    frames: np.ndarray,
    joints_2d: np.ndarray,
    parents: Sequence[int] = PARENTS,
    colours: np.ndarray | None = None,
    width: float | None = None,
) -> np.ndarray:
    """Draw bones and joint dots over ``frames``.

    Args:
        frames: ``(T, H, W, 3)`` uint8 (not modified).
        joints_2d: ``(T, J, 2)`` pixel coordinates (x right, y down); NaN joints are skipped.
        parents: Parent index of each joint (-1 for roots); defaults to the 22 SMPL-X body joints.
        colours: ``(J, 3)`` uint8 colour of each joint and of the bone to its parent; left/right by default.
        width: Line width in pixels; scales with the image by default.

    Returns:
        New ``(T, H, W, 3)`` uint8 frames.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or joints_2d.shape[0] != frames.shape[0]:
        raise ValueError(
            f"draw_skeleton: expected frames (T, H, W, 3) and joints (T, J, 2) with the same T, "
            f"got {frames.shape} and {joints_2d.shape}"
        )
    if colours is None:
        colours = bone_colours(parents, JOINT_NAMES if len(parents) == len(JOINT_NAMES) else None)
    width = width or max(1.0, frames.shape[1] / 96)
    out = frames.astype(np.float32)
    ys, xs = np.mgrid[0 : frames.shape[1], 0 : frames.shape[2]] + 0.5  # pixel centres
    for t in range(len(frames)):
        for j, parent in enumerate(parents):
            a = joints_2d[t, j]
            b = joints_2d[t, parent] if parent >= 0 else a
            if np.isfinite(a).all() and np.isfinite(b).all():
                _blend(out[t], xs, ys, a, b, width / 2, colours[j])
        for j in range(len(parents)):
            a = joints_2d[t, j]
            if np.isfinite(a).all():
                _blend(out[t], xs, ys, a, a, width, colours[j] // 2 + 127)
    return out.round().astype(np.uint8)


def _blend(
    image: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    radius: float,
    colour: np.ndarray,
) -> None:
    """Alpha-blend a capsule of ``radius`` around segment a-b into ``image`` ``(H, W, 3)`` in place."""
    lo = np.floor(np.minimum(a, b) - radius - 1).astype(int).clip(0)
    hi = np.ceil(np.maximum(a, b) + radius + 1).astype(int)
    win = (slice(lo[1], min(hi[1], image.shape[0])), slice(lo[0], min(hi[0], image.shape[1])))
    px, py = xs[win] - a[0], ys[win] - a[1]
    seg = b - a
    u = np.clip((px * seg[0] + py * seg[1]) / max(float(seg @ seg), 1e-9), 0, 1)
    dist = np.hypot(px - u * seg[0], py - u * seg[1])
    alpha = np.clip(radius + 0.5 - dist, 0, 1)[..., None]  # exact-ish pixel coverage
    image[win] = image[win] * (1 - alpha) + alpha * colour.astype(np.float32)


def default_camera(motion: Motion, size: int, fov_deg: float = 45.0) -> Camera:
    """A static camera in front of the motion's first frame that keeps the whole motion in view."""
    orient, pose, transl, betas = motion_arrays(motion)
    joints = BodyMesh.of(betas).joints(orient, pose, transl)  # (T, 22, 3)
    centre = (joints.min((0, 1)) + joints.max((0, 1))) / 2
    spread = float(np.max(joints.max((0, 1)) - joints.min((0, 1)))) + 0.5
    facing = joints[0, 1] - joints[0, 2]  # left hip - right hip, then turn 90 degrees to face forward
    forward = np.array([-facing[2], 0.0, facing[0]]) / max(np.hypot(facing[0], facing[2]), 1e-9)
    distance = spread / (2 * np.tan(np.radians(fov_deg) / 2) * 0.8)
    eye = centre + forward * distance + np.array([0.0, 0.3, 0.0])
    rot, trans = look_at(np.tile(eye, (motion.num_frames, 1)), np.tile(centre, (motion.num_frames, 1)))
    return Camera(intrinsics(fov_deg, size, size), rot, trans, size, size)


def render_motion_video(
    motion: Motion, camera: Camera | None = None, size: int = 128, skeleton: bool = True
) -> np.ndarray:
    """Render a motion alone (plain mannequin on a checker floor), optionally with its skeleton on top.

    Args:
        motion: World-coordinate motion.
        camera: Camera to look through (resized to ``size``); a framing static camera when None.
        size: Output height and width in pixels.
        skeleton: Draw the projected joints over the body.

    Returns:
        ``(T, size, size, 3)`` uint8 frames.
    """
    camera = default_camera(motion, size) if camera is None else camera.resized(size, size)
    frames = render_person(motion, camera, _PLAIN_LOOK, _PLAIN_SCENE, supersample=2)
    if skeleton:
        orient, pose, transl, betas = motion_arrays(motion)
        frames = draw_skeleton(frames, project(BodyMesh.of(betas).joints(orient, pose, transl), camera))
    return frames


def grid(videos: Sequence[np.ndarray], cols: int, gap: int = 2) -> np.ndarray:
    """Tile videos ``(T_i, H, W, 3)`` row by row into one video; shorter ones hold their last frame."""
    if not videos:
        raise ValueError("grid: no videos given")
    height, width = videos[0].shape[1:3]
    if any(v.shape[1:] != (height, width, 3) for v in videos):
        raise ValueError(
            f"grid: all videos must be (T, {height}, {width}, 3); got {[v.shape for v in videos]}"
        )
    length = max(len(v) for v in videos)
    rows = -(-len(videos) // cols)
    out = np.zeros((length, rows * (height + gap) - gap, cols * (width + gap) - gap, 3), dtype=np.uint8)
    for i, video in enumerate(videos):
        r, c = divmod(i, cols)
        padded = np.concatenate([video, np.repeat(video[-1:], length - len(video), 0)])
        out[
            :, r * (height + gap) : r * (height + gap) + height, c * (width + gap) : c * (width + gap) + width
        ] = padded
    return out
