"""Expert decoders: one decoder per SMPL-X parameter group reading the shared quantized latents.

UniMo (Pang et al. 2025) decodes body pose, shape, global orientation and translation with separate
"expert" decoders because the groups have very different statistics (slowly varying shape vs. fast
joint rotations vs. integrated root velocity). ``SingleMotionDecoder`` is the ablation: one decoder for
all channels. Both map ``(B, C, L)`` latents to ``(B, T, F)`` features in the feature order of
``MotionFeatures.groups``.
"""

from __future__ import annotations

import torch
from torch import nn

from unimo.tokenizers.motion_encoder import MotionDecoder


class ExpertMotionDecoders(nn.Module):
    """One ``MotionDecoder`` per feature group; outputs concatenated in group order.

    Args:
        in_dim: Latent channels per latent step.
        groups: Feature slices by group name, contiguous and in order (``MotionFeatures.groups``).
        width: Hidden channels of each expert.
        depth: Residual blocks per stage.
        upsample: Temporal expansion (the encoder's downsampling).
    """

    def __init__(self, in_dim: int, groups: dict[str, slice], width: int, depth: int, upsample: int) -> None:
        super().__init__()
        self.experts = nn.ModuleDict({
            name: MotionDecoder(in_dim, part.stop - part.start, width, depth, upsample)
            for name, part in groups.items()
        })

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Decode latents ``(B, C, L)`` to features ``(B, T, F)``."""
        return torch.cat([expert(z) for expert in self.experts.values()], dim=1).transpose(1, 2)


class SingleMotionDecoder(nn.Module):
    """One ``MotionDecoder`` for every feature channel (the single-decoder ablation).

    Args:
        in_dim: Latent channels per latent step.
        groups: Feature slices by group name (only the total width is used).
        width: Hidden channels.
        depth: Residual blocks per stage.
        upsample: Temporal expansion (the encoder's downsampling).
    """

    def __init__(self, in_dim: int, groups: dict[str, slice], width: int, depth: int, upsample: int) -> None:
        super().__init__()
        out_dim = max(part.stop for part in groups.values())
        self.decoder = MotionDecoder(in_dim, out_dim, width, depth, upsample)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Decode latents ``(B, C, L)`` to features ``(B, T, F)``."""
        return self.decoder(z).transpose(1, 2)
