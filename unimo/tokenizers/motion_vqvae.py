"""``MotionVQVAETokenizer``: the UniMo motion tokenizer (one EMA codebook, expert decoders), and its
single-decoder ablation ``MotionVQVAESingleDecoderTokenizer``.

See ``motion_base`` for the pipeline and the video alignment, ``motion_features`` for the canonical
features, ``motion_losses`` for the objective.

Example:
    >>> tok = MotionVQVAETokenizer(codebook_size=64, code_dim=16, scale=2, width=32, depth=1)
    >>> tok.fit_normalization([torch.randn(2, 17, 79) * 0.1])
    >>> ids = tok.encode(torch.randn(2, 17, 79) * 0.1)  # 17 frames -> 1 + 4 = 5 steps -> 10 ids
    >>> tuple(ids.shape), tuple(tok.decode(ids).shape)
    ((2, 10), (2, 17, 79))
"""

from __future__ import annotations

import torch

from unimo.tokenizers.base import TOKENIZERS
from unimo.tokenizers.expert_decoders import SingleMotionDecoder
from unimo.tokenizers.motion_base import MotionTokenizerBase
from unimo.tokenizers.motion_losses import MotionLossWeights
from unimo.tokenizers.vector_quantizer import EMAVectorQuantizer, QuantizerOutput


@TOKENIZERS.register
class MotionVQVAETokenizer(MotionTokenizerBase):
    """Tokenize SMPL-X motion ``(B, T, 79)`` into ``scale`` codebook ids per latent step (UniMo).

    Args:
        codebook_size: Number of codes (the motion vocabulary), e.g. 512 or 1024.
        code_dim: Width ``D`` of one code.
        scale: Temporal expansion ``s``: ids per latent step (1, 2, 4, ...); the encoder emits ``s * D``
            channels per step.
        downsample: Frames per latent step after the first (4 matches Cosmos 4x temporal compression);
            a power of 2.
        width: Hidden channels of the encoder and of each decoder.
        depth: Residual dilated conv blocks per resolution stage.
        rotation: ``"6d"`` or ``"axis_angle"`` for rotation features.
        up_axis: World up axis of the data, ``"auto"`` to detect it per sequence, or ``"y"``, ``"z"``, ...
        decay: EMA decay of the codebook.
        dead_threshold: Codes used less than this many times per batch (EMA) are reset to random latents.
        loss_weights: Weights of the loss terms (``MotionLossWeights``; a dict is accepted).
        constant_groups: Feature groups decoded once per clip, e.g. ``["betas"]`` (body shape does not change
            within a clip; see ``unimo.tokenizers.expert_decoders``). Empty: every frame decoded on its own.
        gradient: "straight_through" or "rotation" (the rotation trick; ``EMAVectorQuantizer``).
        latent_shape_weight: Weight of a shape loss on the decoded *unquantized* latents (0: off), so the
            encoder learns to carry body shape (``MotionTokenizerBase._latent_shape_loss``).
    """

    def __init__(self, codebook_size: int = 1024, code_dim: int = 128, scale: int = 4, downsample: int = 4,
                 width: int = 256, depth: int = 3, rotation: str = "6d", up_axis: str = "auto",
                 decay: float = 0.99, dead_threshold: float = 1.0,
                 loss_weights: MotionLossWeights | None = None,
                 constant_groups: list[str] | None = None, gradient: str = "straight_through",
                 latent_shape_weight: float = 0.0) -> None:
        super().__init__(code_dim, scale, downsample, width, depth, rotation, up_axis, loss_weights,
                         tuple(constant_groups or ()), latent_shape_weight)
        self.quantizer = EMAVectorQuantizer(codebook_size, code_dim, decay, dead_threshold, gradient=gradient)
        self._record_args(codebook_size=codebook_size, code_dim=code_dim, scale=scale,
                          downsample=downsample, width=width, depth=depth, rotation=rotation,
                          up_axis=up_axis, decay=decay, dead_threshold=dead_threshold,
                          loss_weights=self.loss_weights, constant_groups=list(constant_groups or []),
                          gradient=gradient, latent_shape_weight=latent_shape_weight)

    @property
    def vocab_size(self) -> int:
        return self.quantizer.codebook_size

    def quantize(self, z: torch.Tensor) -> QuantizerOutput:
        """Quantize latents ``(B, N, D)`` with the EMA codebook."""
        return self.quantizer(z)

    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """Return codes ``(B, N, D)`` of ids ``(B, N)``."""
        return self.quantizer.lookup(ids)


@TOKENIZERS.register
class MotionVQVAESingleDecoderTokenizer(MotionVQVAETokenizer):
    """``MotionVQVAETokenizer`` with one decoder for all parameter groups (the expert-decoder ablation).

    Same arguments as ``MotionVQVAETokenizer``.
    """

    decoder_class = SingleMotionDecoder
