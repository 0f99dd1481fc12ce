"""SMPL-X motion container, rotations and body models (forward kinematics to joints)."""

from unimo.body.motion import NUM_CHANNELS, Motion

__all__ = ["NUM_CHANNELS", "Motion"]
