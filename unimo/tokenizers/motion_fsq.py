"""``MotionFSQTokenizer``: the UniMo motion tokenizer with finite scalar quantization instead of a codebook.

FSQ (Mentzer et al., ICLR 2024) has no learned codebook, hence no EMA, dead codes or commitment loss;
the vocabulary is the product of ``levels``. Everything else (features, encoder, temporal expansion,
expert decoders, alignment) is ``MotionTokenizerBase``.
"""

from __future__ import annotations

import torch

from unimo.tokenizers.base import TOKENIZERS
from unimo.tokenizers.fsq import FiniteScalarQuantizer
from unimo.tokenizers.motion_base import MotionTokenizerBase
from unimo.tokenizers.motion_losses import MotionLossWeights
from unimo.tokenizers.vector_quantizer import QuantizerOutput, code_perplexity


@TOKENIZERS.register
class MotionFSQTokenizer(MotionTokenizerBase):
    """Tokenize SMPL-X motion ``(B, T, 79)`` into ``scale`` FSQ ids per latent step.

    Args:
        levels: Values per FSQ channel; the code width is ``len(levels)`` and the vocabulary their
            product (``[8, 5, 5, 5]`` = 1000 codes).
        scale: Temporal expansion ``s``: ids per latent step.
        downsample: Frames per latent step after the first; a power of 2.
        width: Hidden channels of the encoder and of each decoder.
        depth: Residual dilated conv blocks per resolution stage.
        rotation: ``"6d"`` or ``"axis_angle"`` for rotation features.
        up_axis: World up axis of the data, ``"auto"`` to detect it per sequence, or ``"y"``, ``"z"``, ...
        loss_weights: Weights of the loss terms (``commit`` is unused).
        constant_groups: Feature groups decoded once per clip (see ``MotionVQVAETokenizer``).
    """

    def __init__(self, levels: list[int] | None = None, scale: int = 4, downsample: int = 4, width: int = 256,
                 depth: int = 3, rotation: str = "6d", up_axis: str = "auto",
                 loss_weights: MotionLossWeights | None = None,
                 constant_groups: list[str] | None = None) -> None:
        levels = list(levels) if levels is not None else [8, 5, 5, 5]
        super().__init__(len(levels), scale, downsample, width, depth, rotation, up_axis, loss_weights,
                         tuple(constant_groups or ()))
        self.quantizer = FiniteScalarQuantizer(levels)
        self._record_args(levels=levels, scale=scale, downsample=downsample, width=width, depth=depth,
                          rotation=rotation, up_axis=up_axis, loss_weights=self.loss_weights,
                          constant_groups=list(constant_groups or []))

    @property
    def vocab_size(self) -> int:
        return self.quantizer.codebook_size

    def quantize(self, z: torch.Tensor) -> QuantizerOutput:
        """Quantize latents ``(B, N, len(levels))`` onto the FSQ grid."""
        z_q, ids = self.quantizer(z)
        return QuantizerOutput(z_q, ids, z.new_zeros(()), code_perplexity(ids, self.vocab_size))

    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """Return grid codes ``(B, N, len(levels))`` of ids ``(B, N)``."""
        return self.quantizer.ids_to_codes(ids)
