"""``SynthConfig``: every knob of the synthetic generator, explicit so it can be written to a manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

GENERATOR_VERSION = "2.0"  # bump when the same seed and config would produce different clips

# Relative frequency of each motion kind in random plans.
DEFAULT_KIND_WEIGHTS = {
    "walk": 0.2,
    "run": 0.08,
    "turn": 0.08,
    "idle": 0.1,
    "squat": 0.08,
    "jump": 0.08,
    "wave": 0.09,
    "reach": 0.09,
    "kick": 0.07,
    "dance": 0.13,
    "hop": 0.07,
    "bend": 0.07,
    "exercise": 0.07,
}


@dataclass
class MotionConfig:
    """How motions are planned.

    Attributes:
        kind_weights: Relative frequency of each kind when no kind is requested.
        segment_seconds: (min, max) length of one kind's segment in a random plan.
        blend_seconds: Crossfade between consecutive segments.
        betas_std: Standard deviation of the SMPL-X betas.
        betas_clip: Betas are clipped to +-this (keeps bodies plausible).
    """

    kind_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    segment_seconds: tuple[float, float] = (2.0, 5.0)
    blend_seconds: float = 0.4
    betas_std: float = 1.0
    betas_clip: float = 2.5


@dataclass
class SynthConfig:
    """How clips are made: motion, body mesh, camera and rendering.

    Attributes:
        motion: Motion planning settings.
        lod: Mannequin level of detail (2: 1.3 k faces, fastest; 1: with fingers; 0: finest).
        supersample: Render the body at this multiple of the size and average down (anti-aliasing); 0 picks
            2 below 192 px and 1 from 192 px up (where edges are fine enough and 2x costs ~4x).
        background_scale: Render the background at this fraction of the size, then upsample (speed; it
            reads as a slight depth-of-field blur behind the sharp person).
        fov_deg: (min, max) vertical field of view.
        camera_height: (min, max) camera height above the ground in metres.
        fill: (min, max) fraction of the image height the person's extent may fill.
        camera_modes: Camera motions drawn from when camera motion is on ("static", "orbit", "dolly",
            "track"); a moving person who would leave a static frame is tracked instead.
        front_bias: Probability that the camera sees the person from within 70 degrees of the front.
    """

    motion: MotionConfig = field(default_factory=MotionConfig)
    lod: int = 2
    supersample: int = 0
    background_scale: float = 0.5
    fov_deg: tuple[float, float] = (35.0, 60.0)
    camera_height: tuple[float, float] = (0.6, 2.2)
    fill: tuple[float, float] = (0.5, 0.85)
    camera_modes: tuple[str, ...] = ("static", "orbit", "dolly", "track")
    front_bias: float = 0.6

    def to_dict(self) -> dict:
        """Return plain values (with the generator version) for manifests."""
        return {"generator_version": GENERATOR_VERSION, **asdict(self)}
