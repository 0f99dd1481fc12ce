"""Expert decoders: one decoder per SMPL-X parameter group reading the shared quantized latents.

UniMo (Pang et al. 2025) decodes body pose, shape, global orientation and translation with separate
"expert" decoders because the groups have very different statistics (slowly varying shape vs. fast
joint rotations vs. integrated root velocity). ``SingleMotionDecoder`` is the ablation: one decoder for
all channels. Both map ``(B, C, L)`` latents to ``(B, T, F)`` features in the feature order of
``MotionFeatures.groups``.

``constant_groups`` (e.g. ``("betas",)``): groups that do not change within a clip (a person's body shape)
are decoded once per clip, as the time average of the decoder's per-frame output, so the decoded body keeps
one shape (accuracy the same within run-to-run noise: benchmarks/results/motion_tokenizer.md).
"""

from __future__ import annotations

import torch
from torch import nn

from unimo.tokenizers.motion_encoder import MotionDecoder


class _GroupedDecoder(nn.Module):
    """What both decoders share: the feature groups, and holding ``constant_groups`` fixed over a clip."""

    def __init__(self, groups: dict[str, slice], constant_groups: tuple[str, ...]) -> None:
        super().__init__()
        unknown = [name for name in constant_groups if name not in groups]
        if unknown:
            raise ValueError(f"constant_groups: unknown group(s) {unknown}; expected some of {list(groups)}")
        self.groups, self.constant_groups = dict(groups), tuple(constant_groups)

    def _finish(self, feats: torch.Tensor) -> torch.Tensor:
        """``(B, F, T)`` decoder output -> ``(B, T, F)`` features, constant groups replaced by their mean over
        time."""
        if self.constant_groups:
            feats = feats.clone()
            for name in self.constant_groups:
                part = self.groups[name]
                feats[:, part] = self._held(feats[:, part], name)
        return feats.transpose(1, 2)

    def _held(self, group_feats: torch.Tensor, name: str) -> torch.Tensor:
        """One group's output ``(B, F_g, T)``, replaced by its mean over time if the group is constant."""
        if name not in self.constant_groups:
            return group_feats
        return group_feats.mean(dim=2, keepdim=True).expand_as(group_feats)

    def decode_group(self, z: torch.Tensor, name: str) -> torch.Tensor:
        """Decode latents ``(B, C, L)`` to the features ``(B, T, F_g)`` of group ``name`` alone."""
        return self(z)[..., self.groups[name]]


class ExpertMotionDecoders(_GroupedDecoder):
    """One ``MotionDecoder`` per feature group; outputs concatenated in group order.

    Args:
        in_dim: Latent channels per latent step.
        groups: Feature slices by group name, contiguous and in order (``MotionFeatures.groups``).
        width: Hidden channels of each expert.
        depth: Residual blocks per stage.
        upsample: Temporal expansion (the encoder's downsampling).
        constant_groups: Groups decoded once per clip (see the module docstring).
    """

    def __init__(self, in_dim: int, groups: dict[str, slice], width: int, depth: int, upsample: int,
                 constant_groups: tuple[str, ...] = ()) -> None:
        super().__init__(groups, constant_groups)
        self.experts = nn.ModuleDict({
            name: MotionDecoder(in_dim, part.stop - part.start, width, depth, upsample)
            for name, part in groups.items()
        })

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Decode latents ``(B, C, L)`` to features ``(B, T, F)``."""
        return self._finish(torch.cat([expert(z) for expert in self.experts.values()], dim=1))

    def decode_group(self, z: torch.Tensor, name: str) -> torch.Tensor:
        """Decode latents ``(B, C, L)`` to the features ``(B, T, F_g)`` of group ``name``: its expert only."""
        return self._held(self.experts[name](z), name).transpose(1, 2)


class SingleMotionDecoder(_GroupedDecoder):
    """One ``MotionDecoder`` for every feature channel (the single-decoder ablation); arguments as
    ``ExpertMotionDecoders`` (of ``groups`` only the total width is used)."""

    def __init__(self, in_dim: int, groups: dict[str, slice], width: int, depth: int, upsample: int,
                 constant_groups: tuple[str, ...] = ()) -> None:
        super().__init__(groups, constant_groups)
        out_dim = max(part.stop for part in groups.values())
        self.decoder = MotionDecoder(in_dim, out_dim, width, depth, upsample)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Decode latents ``(B, C, L)`` to features ``(B, T, F)``."""
        return self._finish(self.decoder(z))
