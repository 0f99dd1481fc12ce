"""Place a (possibly moving) camera that keeps the whole person in frame for the whole clip.

Modes: ``static``; ``orbit`` (the azimuth drifts 15-45 degrees over the clip); ``dolly`` (distance changes
by 15-30 %); ``track`` (the camera follows the smoothed pelvis path at a fixed offset, like a handheld
follow shot). The distance is solved so that the body's farthest point from the image centre sits at a
random fraction of the half-image (``SynthConfig.fill``); a person who would shrink too much in a static
shot (walking away) is tracked instead when camera motion is allowed; otherwise the static camera simply
stands farther back.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from unimo.data.synthetic.config import SynthConfig
from unimo.render.camera import Camera, intrinsics, look_at

TRACK_TRAVEL = 2.0  # metres; a person travelling farther is usually followed by a tracking camera
MAX_STATIC_DISTANCE = 6.0  # metres; beyond this a static shot of a travelling person becomes a track


def sample_camera(
    rng: np.random.Generator,
    points: np.ndarray,
    facing_deg: float,
    size: int,
    fps: float,
    config: SynthConfig,
    moving: bool = True,
) -> tuple[Camera, dict]:
    """Draw a camera for a person whose surface points over time are ``points`` ``(T, P, 3)`` (world).

    Args:
        rng: Source of randomness.
        points: ``(T, P, 3)`` body surface points (world).
        facing_deg: Azimuth the person faces at the first frame (0 = +z, 90 = +x).
        size: Image width and height in pixels.
        fps: Frames per second (sets the smoothing of tracking shots).
        config: Generator settings (field of view, heights, fill, modes).
        moving: Whether the camera may move; False forces a static shot.

    Returns:
        The camera (``size`` x ``size``) and a dict describing it for the clip's metadata.
    """
    fov = rng.uniform(*config.fov_deg)
    height = rng.uniform(*config.camera_height)
    fill = rng.uniform(*config.fill)
    mode = str(rng.choice(config.camera_modes)) if moving else "static"
    travel = np.linalg.norm(points[-1, :, [0, 2]].mean(-1) - points[0, :, [0, 2]].mean(-1))  # metres
    if moving and "track" in config.camera_modes and travel > TRACK_TRAVEL and rng.random() < 0.7:
        mode = "track"  # follow most walkers and runners rather than shooting them small from afar
    azimuth = facing_deg + (rng.uniform(-70, 70) if rng.random() < config.front_bias else rng.uniform(0, 360))
    motion = {
        "orbit": rng.choice([-1, 1]) * rng.uniform(15, 45),
        "dolly": rng.choice([-1, 1]) * rng.uniform(0.15, 0.3),
    }
    k = intrinsics(fov, size, size)
    rig = _Rig(points, fps, height, azimuth, mode, motion.get(mode, 0.0))
    distance = rig.fit(k, fill)
    if moving and mode != "track" and distance > MAX_STATIC_DISTANCE:  # without motion: stay, farther
        rig = _Rig(points, fps, height, azimuth, "track", 0.0)
        distance = rig.fit(k, fill)
    rot, trans = rig.extrinsics(distance)
    meta = {
        "mode": rig.mode,
        "fov_deg": float(fov),
        "height_m": float(height),
        "distance_m": float(distance),
        "azimuth_deg": float(np.mod(azimuth, 360)),
        "fill": float(fill),
        "amount": float(rig.amount),
    }
    return Camera(k, rot, trans, size, size), meta


class _Rig:
    """Camera path of one mode, parameterised by a base distance."""

    def __init__(
        self, points: np.ndarray, fps: float, height: float, azimuth: float, mode: str, amount: float
    ) -> None:
        self.points, self.mode, self.amount, self.height = points, mode, amount, height
        num_frames = len(points)
        u = np.linspace(0, 1, num_frames)
        centres = (points.min(1) + points.max(1)) / 2  # (T, 3) per-frame body box centre
        if mode == "track":
            self.target = gaussian_filter1d(centres, max(0.5 * fps, 1.0), axis=0, mode="nearest")
        else:
            self.target = np.tile((points.min((0, 1)) + points.max((0, 1))) / 2, (num_frames, 1))
        self.azimuth = np.radians(azimuth + (amount * u if mode == "orbit" else 0.0))  # (T,)
        self.scale = 1 + amount * u if mode == "dolly" else np.ones(num_frames)  # (T,)

    def extrinsics(self, distance: float) -> tuple[np.ndarray, np.ndarray]:
        """World -> camera rotation ``(T, 3, 3)`` and translation ``(T, 3)`` at base ``distance``."""
        d = distance * self.scale
        eye = self.target + np.stack(
            [d * np.sin(self.azimuth), np.zeros_like(d), d * np.cos(self.azimuth)], -1
        )
        eye[:, 1] = self.height
        return look_at(eye, self.target)

    def fit(self, k: np.ndarray, fill: float, iterations: int = 6) -> float:
        """Find the distance at which the farthest body point sits at ``fill`` of the half-image."""
        distance = 3.0
        half = k[0, 2]
        for _ in range(iterations):
            rot, trans = self.extrinsics(distance)
            cam = np.einsum("tij,tpj->tpi", rot, self.points) + trans[:, None]  # (T, P, 3)
            depth = np.maximum(cam[..., 2], 0.05)
            offset = np.abs(cam[..., :2] / depth[..., None]) * k[0, 0]  # pixels from the centre
            reach = float(offset.max()) / half
            distance = float(np.clip(distance * reach / fill, 1.0, 40.0))
        return distance
