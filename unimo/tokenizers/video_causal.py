"""``CausalVideoTokenizer``: a trainable discrete causal video tokenizer in the Cosmos style.

The UniMo paper tokenizes video with NVIDIA's pretrained Cosmos DV tokenizer (arXiv 2501.03575): causal
3D convolutions, the first frame coded on its own (so an image is a 1-frame video), FSQ codes with a 64k
vocabulary. Those weights cannot be shipped, so this module offers the same design to train from scratch:
``T = 1 + c_t * k`` frames become ``1 + k`` latent frames of ``(H / c_s) x (W / c_s)`` ids each.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from unimo.tokenizers.base import TOKENIZERS, Tokenizer
from unimo.tokenizers.causal_grid import CausalGrid
from unimo.tokenizers.fsq import FiniteScalarQuantizer
from unimo.tokenizers.image_losses import ssim
from unimo.tokenizers.video_autoencoder import CausalVideoDecoder, CausalVideoEncoder, StagePlan


@TOKENIZERS.register
class CausalVideoTokenizer(CausalGrid, Tokenizer):
    """Encode video ``(B, T, 3, H, W)`` in ``[-1, 1]`` to ids ``(B, t, h, w)`` and back.

    Args:
        levels: FSQ levels per latent channel; the vocabulary is their product
            (``[8, 8, 8, 5, 5, 5]`` = 64,000 codes, as Cosmos DV).
        temporal_compression: Frames per latent frame after the first (power of two: 1, 2, 4, 8).
        spatial_compression: Pixels per latent cell along H and W (power of two, e.g. 8 or 16).
        patch_size: Spatial factor taken by the lossless pixel-unshuffle input embedding (<= spatial).
        channels: Base width of the convolutional stages.
        channel_mult: Width multiplier per level (``num_stages + 1`` entries are used; extras ignored).
        num_res_blocks: Residual blocks per stage in the encoder and the decoder.
        height: Nominal frame height, used only by ``tokens_per_frame``.
        width: Nominal frame width, used only by ``tokens_per_frame``.
        ssim_weight: Weight of the structural term ``1 - SSIM`` added to the L1 loss.
        residual: DC-AE-style parameter-free shortcuts in every down/upsampling and around the FSQ
            projections (``unimo.tokenizers.video_autoencoder``); learns faster per step and is what the
            shipped ``unimo/assets/tokenizers/video.pt`` uses. False (the default, kept so configs written
            before the option rebuild the same model) is the original layout.
    """

    modality: ClassVar[str] = "video"

    def __init__(
        self,
        levels: list[int] | None = None,
        temporal_compression: int = 4,
        spatial_compression: int = 8,
        patch_size: int = 4,
        channels: int = 64,
        channel_mult: list[int] | None = None,
        num_res_blocks: int = 1,
        height: int = 128,
        width: int = 128,
        ssim_weight: float = 0.2,
        residual: bool = False,
    ) -> None:
        super().__init__()
        levels = list(levels) if levels is not None else [8, 8, 8, 5, 5, 5]
        channel_mult = list(channel_mult) if channel_mult is not None else [1, 2, 2, 4]
        # Plain constructor arguments: checkpoints store them so unimo.tokenizers.loading can rebuild us.
        self.init_args = dict(
            levels=levels,
            temporal_compression=temporal_compression,
            spatial_compression=spatial_compression,
            patch_size=patch_size,
            channels=channels,
            channel_mult=channel_mult,
            num_res_blocks=num_res_blocks,
            height=height,
            width=width,
            ssim_weight=ssim_weight,
            residual=residual,
        )
        plan = StagePlan(temporal_compression, spatial_compression, patch_size, channels, channel_mult)
        self.temporal_compression, self.spatial_compression = temporal_compression, spatial_compression
        self.height, self.width, self.ssim_weight = height, width, ssim_weight
        self.quantizer = FiniteScalarQuantizer(levels)
        self.encoder = CausalVideoEncoder(plan, patch_size, num_res_blocks, self.quantizer.dim, residual)
        self.decoder = CausalVideoDecoder(plan, patch_size, num_res_blocks, self.quantizer.dim, residual)

    @property
    def vocab_size(self) -> int:
        """Number of distinct ids (the FSQ codebook size)."""
        return self.quantizer.codebook_size

    def encode_latents(self, video: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return quantized latents ``(B, d, t, h, w)`` (straight-through) and ids ``(B, t, h, w)``."""
        if video.ndim != 5 or video.shape[2] != 3:
            raise ValueError(
                f"CausalVideoTokenizer: expected video (B, T, 3, H, W), got {tuple(video.shape)}"
            )
        self.latent_shape(video.shape[1], video.shape[3], video.shape[4])  # validates the sizes
        z = self.encoder(video.transpose(1, 2))  # (B, d, t, h, w)
        z_q, ids = self.quantizer(z.movedim(1, -1))  # (B, t, h, w, d), (B, t, h, w)
        return z_q.movedim(-1, 1), ids

    def decode_latents(self, z_q: torch.Tensor) -> torch.Tensor:
        """Return video ``(B, T, 3, H, W)`` (not clamped) for latents ``(B, d, t, h, w)``."""
        return self.decoder(z_q).transpose(1, 2)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return ids ``(B, t, h, w)`` (int64) for video ``(B, T, 3, H, W)`` in ``[-1, 1]``."""
        return self.encode_latents(x)[1]

    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """Return video ``(B, T, 3, H, W)`` in [-1, 1] for ids ``(B, t, h, w)``; ``T = 1 + (t - 1) * c_t``."""
        if ids.ndim != 4:
            raise ValueError(
                f"CausalVideoTokenizer.decode: expected ids (B, t, h, w), got {tuple(ids.shape)}"
            )
        codes = self.quantizer.ids_to_codes(ids).movedim(-1, 1)  # (B, d, t, h, w)
        dtype = next(self.decoder.parameters()).dtype
        return self.decode_latents(codes.to(dtype)).clamp(-1, 1)

    def reconstruct(self, video: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the differentiable reconstruction ``(B, T, 3, H, W)`` and ids ``(B, t, h, w)``."""
        z_q, ids = self.encode_latents(video)
        return self.decode_latents(z_q), ids

    def reconstruction_losses(self, video: torch.Tensor, recon: torch.Tensor,
                              weight: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Return ``{"loss", "l1", "ssim"}`` for a reconstruction of ``video`` (both ``(B, T, 3, H, W)``).

        ``weight`` ``(B, T, 1, H, W)`` (>= 0) makes L1 a weighted mean over pixels: a person filling a
        tenth of a frame otherwise counts a tenth in the loss, and the tokenizer spends its bits on the
        background (SSIM stays unweighted).
        """
        error = (recon.float() - video.float()).abs()
        if weight is None:
            l1 = error.mean()
        else:
            weight = weight.float().expand_as(error)
            l1 = (error * weight).sum() / weight.sum().clamp_min(1e-8)
        losses = {"l1": l1}
        loss = l1
        if self.ssim_weight > 0:
            # Frames (B*T, 3, H, W) in [0, 1]: the same SSIM as the validation metric.
            s = ssim((recon.flatten(0, 1) + 1) / 2, (video.flatten(0, 1) + 1) / 2)
            loss = loss + self.ssim_weight * (1 - s)
            losses["ssim"] = s.detach()
        return {"loss": loss, **losses}

    def loss(self, x: torch.Tensor, weight: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Return the training losses for video ``x``; ``"loss"`` = L1 (weighted per pixel by ``weight``,
        see ``reconstruction_losses``) + ``ssim_weight`` * (1 - SSIM)."""
        recon, _ = self.reconstruct(x)
        return self.reconstruction_losses(x, recon, weight)
