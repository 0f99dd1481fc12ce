"""Procedural, world-anchored backgrounds: a textured ground plane (y = 0), an optional back wall, a sky.

Each pixel's viewing ray is intersected with the planes, so textures stay fixed in the world when the
camera orbits or dollies (the parallax a real video has). Textures: checker, stripes, smooth value noise,
plain; distance fog blends them into the horizon colour, which also hides far-away aliasing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from unimo.render.camera import Camera

TEXTURES = ("checker", "stripes", "noise", "plain")
_NOISE_RES = 16  # noise lattice cells per texture tile


@dataclass
class Background:
    """A scene around the person.

    Attributes:
        ground: Ground texture name (one of ``TEXTURES``).
        ground_colours: Two colours mixed by the ground texture.
        ground_scale: Texture period in metres.
        wall: Wall texture name, or "" for no wall.
        wall_colours: Two colours mixed by the wall texture.
        wall_scale: Wall texture period in metres.
        wall_distance: Distance of the wall behind the person, along the first camera's view (metres).
        sky_top: Sky colour overhead.
        horizon: Sky colour at the horizon; also the fog colour.
        fog: Fog distance in metres (visibility falls to 1/e).
        noise_seed: Seed of the noise lattice.
    """

    ground: str
    ground_colours: tuple[tuple[float, float, float], tuple[float, float, float]]
    ground_scale: float
    wall: str
    wall_colours: tuple[tuple[float, float, float], tuple[float, float, float]]
    wall_scale: float
    wall_distance: float
    sky_top: tuple[float, float, float]
    horizon: tuple[float, float, float]
    fog: float
    noise_seed: int

    def to_dict(self) -> dict:
        """Return plain values for manifests."""
        return asdict(self)


def sample_background(rng: np.random.Generator) -> Background:
    """Draw a random scene: any texture, muted colours, a wall half of the time."""

    def colour() -> tuple[float, float, float]:
        return tuple(float(c) for c in rng.uniform(0.1, 0.9) * rng.uniform(0.6, 1.0, 3))  # type: ignore[return-value]

    return Background(
        ground=str(rng.choice(TEXTURES)),
        ground_colours=(colour(), colour()),
        ground_scale=float(rng.uniform(0.3, 2.0)),
        wall=str(rng.choice(("",) + TEXTURES)),
        wall_colours=(colour(), colour()),
        wall_scale=float(rng.uniform(0.3, 2.0)),
        wall_distance=float(rng.uniform(1.5, 5.0)),
        sky_top=colour(),
        horizon=colour(),
        fog=float(rng.uniform(8, 40)),
        noise_seed=int(rng.integers(2**31)),
    )


def render_background(
    scene: Background, camera: Camera, subject: np.ndarray, shadow_xz: np.ndarray | None = None
) -> torch.Tensor:
    """Render the scene alone, ``(T, H, W, 3)`` float in [0, 1].

    Args:
        scene: What to draw.
        camera: Camera (its size sets the output size); a static camera is rendered once and repeated.
        subject: ``(3,)`` world point at the person; the wall stands ``wall_distance`` behind it.
        shadow_xz: ``(T, 2)`` ground points under the person; a soft contact shadow darkens them.
    """
    static = np.allclose(camera.R, camera.R[:1]) and np.allclose(camera.t, camera.t[:1])
    frames = 1 if static and shadow_xz is None else camera.num_frames
    origin, dirs = _rays(camera, frames)  # (T', 1, 1, 3), (T', H, W, 3)
    image = _sky(scene, dirs)
    t_ground = torch.where(dirs[..., 1] < -1e-6, -origin[..., 1] / dirs[..., 1].clamp(max=-1e-6), torch.inf)
    t_wall, wall_uv = _wall_hits(scene, camera, subject, origin, dirs)
    hit_ground = t_ground < t_wall
    ground_pts = origin + t_ground.clamp(max=1e4).unsqueeze(-1) * dirs  # (T', H, W, 3)
    ground = _texture(
        scene.ground, scene.ground_colours, scene.ground_scale, ground_pts[..., [0, 2]], scene, 0
    )
    if shadow_xz is not None:
        ground = ground * _shadow(ground_pts[..., [0, 2]], torch.as_tensor(shadow_xz, dtype=dirs.dtype))
    if scene.wall:
        wall = _texture(scene.wall, scene.wall_colours, scene.wall_scale, wall_uv, scene, 1)
        image = torch.where((~hit_ground & t_wall.isfinite()).unsqueeze(-1), _fog(wall, t_wall, scene), image)
    image = torch.where(hit_ground.unsqueeze(-1), _fog(ground, t_ground, scene), image)
    return image.expand(camera.num_frames, -1, -1, -1) if frames == 1 else image


def _rays(camera: Camera, frames: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return camera centres ``(T, 1, 1, 3)`` and unit world ray directions ``(T, H, W, 3)`` per pixel."""
    cols = torch.arange(camera.width, dtype=torch.float32) + 0.5
    rows = torch.arange(camera.height, dtype=torch.float32) + 0.5
    pix = torch.stack(
        [
            cols.expand(camera.height, -1),
            rows[:, None].expand(-1, camera.width),
            torch.ones(camera.height, camera.width),
        ],
        dim=-1,
    )  # (H, W, 3)
    cam_dirs = pix @ torch.as_tensor(np.linalg.inv(camera.K).T, dtype=torch.float32)  # (H, W, 3)
    cam_dirs = cam_dirs / (cam_dirs * cam_dirs).sum(-1, keepdim=True).sqrt()  # unit; rotations keep it unit
    rot = torch.as_tensor(camera.R[:frames], dtype=torch.float32)  # (T, 3, 3); world = R^T cam
    dirs = (cam_dirs.reshape(-1, 3) @ rot).reshape(frames, camera.height, camera.width, 3)  # (T, H, W, 3)
    origin = torch.as_tensor(camera.centers[:frames], dtype=torch.float32)[:, None, None]
    return origin, dirs


def _wall_hits(
    scene: Background, camera: Camera, subject: np.ndarray, origin: torch.Tensor, dirs: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Intersect rays with the vertical wall; return distances ``(T, H, W)`` (inf: miss) and wall uv."""
    if not scene.wall:
        return torch.full(dirs.shape[:-1], torch.inf), torch.zeros(*dirs.shape[:-1], 2)
    view = torch.as_tensor(camera.R[0, 2], dtype=torch.float32) * torch.tensor([1.0, 0.0, 1.0])
    normal = torch.nn.functional.normalize(view, dim=0)  # horizontal, pointing away from the camera
    plane = float(normal @ torch.as_tensor(subject, dtype=torch.float32)) + scene.wall_distance
    denom = dirs @ normal  # (T, H, W)
    dist = (plane - origin @ normal) / denom.clamp(min=1e-6)
    dist = torch.where(denom > 1e-6, dist, torch.inf)
    pts = origin + dist.clamp(max=1e4).unsqueeze(-1) * dirs
    side = torch.stack([-normal[2], normal[0]])  # horizontal axis along the wall
    return dist, torch.stack([pts[..., [0, 2]] @ side, pts[..., 1]], dim=-1)


def _texture(
    name: str, colours: tuple, scale: float, uv: torch.Tensor, scene: Background, salt: int
) -> torch.Tensor:
    """Evaluate a two-colour texture at world coordinates ``uv`` ``(..., 2)``; return ``(..., 3)``."""
    cell = uv / scale
    if name == "checker":
        mix = (cell.floor().sum(-1) % 2).float()
    elif name == "stripes":
        mix = (cell[..., 0].floor() % 2).float()
    elif name == "noise":
        mix = _value_noise(cell / _NOISE_RES, scene.noise_seed + salt)  # one lattice cell per period
    else:  # plain: a faint gradient with distance keeps it from being a flat fill
        mix = (0.5 + 0.5 * torch.tanh(cell[..., 1] / 20)).float()
    c0, c1 = (torch.tensor(c, dtype=torch.float32) for c in colours)
    return c0 + mix.unsqueeze(-1) * (c1 - c0)


def _value_noise(uv: torch.Tensor, seed: int) -> torch.Tensor:
    """Tileable smooth noise in [0, 1] (smoothstep-bilinear lattice), ``(...)`` from uv ``(..., 2)``."""
    lattice = torch.as_tensor(
        np.random.default_rng(seed).random((_NOISE_RES, _NOISE_RES)), dtype=torch.float32
    )
    pos = uv * _NOISE_RES
    base = pos.floor()
    frac = pos - base
    frac = frac * frac * (3 - 2 * frac)  # smoothstep: no visible lattice creases
    i0 = base.long() % _NOISE_RES
    i1 = (i0 + 1) % _NOISE_RES
    fx, fy = frac[..., 0], frac[..., 1]
    top = lattice[i0[..., 0], i0[..., 1]] * (1 - fx) + lattice[i1[..., 0], i0[..., 1]] * fx
    bottom = lattice[i0[..., 0], i1[..., 1]] * (1 - fx) + lattice[i1[..., 0], i1[..., 1]] * fx
    return top * (1 - fy) + bottom * fy


def _sky(scene: Background, dirs: torch.Tensor) -> torch.Tensor:
    """Vertical gradient from the horizon colour to the sky colour."""
    up = dirs[..., 1:2].clamp(0, 1) ** 0.5  # (T, H, W, 1)
    top, horizon = torch.tensor(scene.sky_top), torch.tensor(scene.horizon)
    return horizon + up * (top - horizon)


def _fog(colour: torch.Tensor, dist: torch.Tensor, scene: Background) -> torch.Tensor:
    keep = torch.exp(-dist / scene.fog).unsqueeze(-1)
    return colour * keep + torch.tensor(scene.horizon) * (1 - keep)


def _shadow(ground_xz: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Soft round contact shadow (factor in [0.45, 1]) around ``centres`` ``(T, 2)``; ``(T, H, W, 1)``."""
    d2 = ((ground_xz - centres[:, None, None]) ** 2).sum(-1)
    return (1 - 0.55 * torch.exp(-d2 / 0.09)).unsqueeze(-1)
