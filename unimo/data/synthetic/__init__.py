"""The embedded synthetic dataset: procedurally animated SMPL-X bodies rendered into videos with exact motion.

Reading order: ``motion_generator`` (plans and assembles motions from ``gait``, ``actions``, ``dance``,
``exercises`` via ``channels``, ``variation`` and ``root_motion``), then ``clip`` (camera from
``camera_rig``, rendering from ``unimo.render``).
"""

from unimo.data.synthetic.clip import SyntheticClip, generate_clip
from unimo.data.synthetic.config import GENERATOR_VERSION, MotionConfig, SynthConfig
from unimo.data.synthetic.motion_generator import KINDS, generate_motion, generate_motion_with_plan

__all__ = [
    "GENERATOR_VERSION",
    "KINDS",
    "MotionConfig",
    "SynthConfig",
    "SyntheticClip",
    "generate_clip",
    "generate_motion",
    "generate_motion_with_plan",
]
