"""SMPL-X motion container, rotations and body models (forward kinematics to joints)."""

from unimo.body.models import BodyModel, MannequinBodyModel, SMPLXBodyModel, default_body_model
from unimo.body.motion import NUM_CHANNELS, Motion

__all__ = [
    "NUM_CHANNELS", "BodyModel", "MannequinBodyModel", "Motion", "SMPLXBodyModel", "default_body_model",
]
