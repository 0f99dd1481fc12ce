"""Randomised looks of a rendered person: skin, hair, clothing colours per body part, key light.

Colours are sRGB triples in [0, 1]. Body parts follow the mannequin's convex pieces (one per joint), so a
"long sleeve" simply colours the forearm pieces like the shirt.
"""

from __future__ import annotations

import colorsys
from dataclasses import asdict, dataclass

import numpy as np

from unimo.render.body_mesh import BodyMesh

# Body joints (SMPL-X indices) grouped into garments.
_TORSO = (3, 6, 9, 13, 14, 16, 17)  # spine, collars, upper arms
_FOREARMS = (18, 19)
_HIPS = (0, 1, 2)  # pelvis and thighs
_SHINS = (4, 5)
_SHOES = (7, 8, 10, 11)
_HEAD = 15
_SKIN_TONES = np.array(
    [
        [0.96, 0.80, 0.69],
        [0.89, 0.67, 0.53],
        [0.78, 0.57, 0.44],
        [0.60, 0.42, 0.31],
        [0.44, 0.30, 0.22],
        [0.33, 0.22, 0.16],
    ]
)
_HAIR = np.array(
    [
        [0.08, 0.06, 0.05],
        [0.28, 0.18, 0.10],
        [0.55, 0.40, 0.22],
        [0.85, 0.72, 0.45],
        [0.55, 0.22, 0.10],
        [0.65, 0.65, 0.65],
    ]
)


@dataclass
class Appearance:
    """One person's look and the key light of the scene.

    Attributes:
        skin: Skin colour.
        hair: Hair colour.
        top: Shirt colour.
        bottom: Trousers/shorts colour.
        shoes: Shoe colour.
        long_sleeves: Whether the forearms wear the shirt colour.
        long_legs: Whether the shins wear the trousers colour.
        hair_style: "short", "long" or "none".
        light_dir: Unit vector (world) from the body towards the key light.
        ambient: Ambient light fraction.
    """

    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    top: tuple[float, float, float]
    bottom: tuple[float, float, float]
    shoes: tuple[float, float, float]
    long_sleeves: bool
    long_legs: bool
    hair_style: str
    light_dir: tuple[float, float, float]
    ambient: float

    def to_dict(self) -> dict:
        """Return plain values for manifests."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def sample_appearance(rng: np.random.Generator) -> Appearance:
    """Draw a random look: realistic skin and hair tones, free clothing colours, a light from above."""
    skin = _SKIN_TONES[rng.integers(len(_SKIN_TONES))] * rng.uniform(0.92, 1.05, 3)
    hair = _HAIR[rng.integers(len(_HAIR))] * rng.uniform(0.85, 1.1)
    elevation, azimuth = np.radians(rng.uniform(30, 75)), rng.uniform(0, 2 * np.pi)
    light = (np.cos(elevation) * np.sin(azimuth), np.sin(elevation), np.cos(elevation) * np.cos(azimuth))
    return Appearance(
        skin=_triple(skin),
        hair=_triple(hair),
        top=_cloth(rng),
        bottom=_cloth(rng),
        shoes=_cloth(rng) if rng.random() < 0.5 else _triple(np.full(3, rng.choice([0.1, 0.9]))),
        long_sleeves=bool(rng.random() < 0.5),
        long_legs=bool(rng.random() < 0.7),
        hair_style=str(rng.choice(["short", "long", "none"], p=[0.55, 0.35, 0.10])),
        light_dir=_triple(np.array(light)),
        ambient=float(rng.uniform(0.3, 0.5)),
    )


def vertex_colours(mesh: BodyMesh, look: Appearance) -> np.ndarray:
    """Return per-vertex albedo ``(V, 3)`` for ``mesh`` dressed as ``look``."""
    joint = mesh.vertex_joint
    colours = np.tile(np.asarray(look.skin), (len(joint), 1))
    colours[np.isin(joint, _TORSO + (_FOREARMS if look.long_sleeves else ()))] = look.top
    colours[np.isin(joint, _HIPS + (_SHINS if look.long_legs else ()))] = look.bottom
    colours[np.isin(joint, _SHOES)] = look.shoes
    colours[_hair_mask(mesh, look.hair_style)] = look.hair
    return colours


def _hair_mask(mesh: BodyMesh, style: str) -> np.ndarray:
    """Select head vertices above the forehead (and down the back of the head for long hair)."""
    if style == "none":
        return np.zeros(len(mesh.vertex_joint), dtype=bool)
    rel = mesh.rest_vertices - mesh.rest_joints[_HEAD]  # (V, 3), head joint at the skull base
    top = rel[:, 1] > 0.085
    back = (rel[:, 2] < -0.03) & (rel[:, 1] > (-0.02 if style == "long" else 0.03))
    return (mesh.vertex_joint == _HEAD) & (top | back)


def _cloth(rng: np.random.Generator) -> tuple[float, float, float]:
    """Draw a clothing colour: any hue, from greys to saturated."""
    sat = rng.choice([rng.uniform(0.0, 0.15), rng.uniform(0.3, 0.9)])
    return _triple(np.array(colorsys.hsv_to_rgb(rng.uniform(), sat, rng.uniform(0.15, 0.95))))


def _triple(values: np.ndarray) -> tuple[float, float, float]:
    v = np.clip(values, 0, 1)
    return (float(v[0]), float(v[1]), float(v[2]))
