"""Pinhole ``Camera`` with per-frame extrinsics, world <-> camera conversion and JSON storage.

Conventions (fixed across unimo):
- World: SMPL-X's y-up, right-handed, metres; the ground is the plane y = 0.
- Camera: OpenCV's right-handed frame, x right, y down, z forward (the viewing direction).
- ``R`` (T, 3, 3) and ``t`` (T, 3) map world points to camera points: ``p_cam = R @ p_world + t``.
- Pixels: the centre of pixel (row i, column j) is at continuous coordinates (j + 0.5, i + 0.5); ``K`` maps
  camera points to these continuous coordinates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from unimo.body.motion import Motion

_UP = np.array([0.0, 1.0, 0.0])


@dataclass
class Camera:
    """A pinhole camera seen over T frames.

    Attributes:
        K: ``(3, 3)`` intrinsics in pixels for an image of ``width`` x ``height``.
        R: ``(T, 3, 3)`` world -> camera rotations.
        t: ``(T, 3)`` world -> camera translations (metres).
        width: Image width in pixels.
        height: Image height in pixels.
    """

    K: np.ndarray
    R: np.ndarray
    t: np.ndarray
    width: int
    height: int

    def __post_init__(self) -> None:
        self.K = np.asarray(self.K, dtype=np.float64)
        self.R = np.asarray(self.R, dtype=np.float64)
        self.t = np.asarray(self.t, dtype=np.float64)
        num_frames = self.R.shape[0] if self.R.ndim == 3 else -1
        if self.K.shape != (3, 3):
            raise ValueError(f"Camera.K: expected shape (3, 3), got {self.K.shape}")
        if self.R.ndim != 3 or self.R.shape[1:] != (3, 3):
            raise ValueError(f"Camera.R: expected shape (T, 3, 3), got {self.R.shape}")
        if self.t.shape != (num_frames, 3):
            raise ValueError(f"Camera.t: expected shape ({num_frames}, 3) to match R, got {self.t.shape}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"Camera size: expected positive width/height, got {self.width}x{self.height}")

    @property
    def num_frames(self) -> int:
        return self.R.shape[0]

    @property
    def centers(self) -> np.ndarray:
        """Camera positions in the world, ``(T, 3)``."""
        return -np.einsum("tji,tj->ti", self.R, self.t)  # -R^T t

    def resized(self, width: int, height: int) -> Camera:
        """Return the same camera for another image size (scales ``K``; the field of view is kept)."""
        scale = np.diag([width / self.width, height / self.height, 1.0])
        return Camera(scale @ self.K, self.R.copy(), self.t.copy(), width, height)

    def world_to_camera(self, points: np.ndarray) -> np.ndarray:
        """Map world points ``(T, N, 3)`` to camera points ``(T, N, 3)``."""
        return np.einsum("tij,tnj->tni", self.R, points) + self.t[:, None]

    def camera_to_world(self, points: np.ndarray) -> np.ndarray:
        """Map camera points ``(T, N, 3)`` to world points ``(T, N, 3)``."""
        return np.einsum("tji,tnj->tni", self.R, points - self.t[:, None])

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project world points ``(T, N, 3)`` to pixels ``(T, N, 2)``; also return camera depth ``(T, N)``."""
        cam = self.world_to_camera(points)
        depth = cam[..., 2]
        uvw = cam @ self.K.T  # (T, N, 3)
        return uvw[..., :2] / np.maximum(uvw[..., 2:], 1e-9), depth

    def motion_to_camera(self, motion: Motion) -> Motion:
        """Return a world ``Motion`` in this camera's coordinates (see ``unimo.render.camera_motion``)."""
        from unimo.render.camera_motion import motion_to_camera  # lazy: camera_motion imports this module

        return motion_to_camera(motion, self)

    def motion_to_world(self, motion: Motion) -> Motion:
        """Return a camera-coordinate ``Motion`` in world coordinates."""
        from unimo.render.camera_motion import motion_to_world

        return motion_to_world(motion, self)

    def to_dict(self) -> dict:
        """Return plain lists, for JSON and manifests."""
        return {
            "K": self.K.tolist(),
            "R": self.R.tolist(),
            "t": self.t.tolist(),
            "width": int(self.width),
            "height": int(self.height),
        }

    def to_json(self) -> str:
        """Serialise to a JSON string (round-trips exactly through ``from_json``)."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> Camera:
        """Build from ``to_dict`` output; the error names a missing field."""
        missing = {"K", "R", "t", "width", "height"} - set(data)
        if missing:
            raise KeyError(f"camera JSON: missing fields {sorted(missing)}")
        return cls(
            np.array(data["K"]),
            np.array(data["R"]),
            np.array(data["t"]),
            int(data["width"]),
            int(data["height"]),
        )

    @classmethod
    def from_json(cls, text: str) -> Camera:
        """Parse a string written by ``to_json``."""
        return cls.from_dict(json.loads(text))


def intrinsics(fov_y_deg: float, width: int, height: int) -> np.ndarray:
    """Return ``K`` (3, 3) for a vertical field of view, square pixels and a centred principal point."""
    focal = 0.5 * height / np.tan(np.radians(fov_y_deg) / 2)
    return np.array([[focal, 0.0, width / 2], [0.0, focal, height / 2], [0.0, 0.0, 1.0]])


def look_at(eye: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return world -> camera ``R`` (T, 3, 3), ``t`` (T, 3) for cameras at ``eye`` looking at ``target``.

    Both inputs are ``(T, 3)``; the image is kept upright (world +y projects upwards).
    """
    forward = target - eye
    forward = forward / np.linalg.norm(forward, axis=-1, keepdims=True)  # camera z, (T, 3)
    right = np.cross(forward, _UP)  # camera x = y_cam x z_cam with y_cam = -up
    norm = np.linalg.norm(right, axis=-1, keepdims=True)
    if np.any(norm < 1e-6):
        raise ValueError("look_at: the camera looks straight up or down; the image orientation is undefined")
    right = right / norm
    down = np.cross(forward, right)  # camera y
    rot = np.stack([right, down, forward], axis=1)  # rows are the camera axes in world coordinates
    return rot, -np.einsum("tij,tj->ti", rot, eye)
