"""unimo: 2D human video and 3D SMPL-X motion as one autoregressive token sequence."""

__version__ = "0.1.0"
