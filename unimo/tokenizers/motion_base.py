"""Shared machinery of the UniMo motion tokenizers (VQ and FSQ variants): alignment, encode, decode, loss.

Pipeline (UniMo, Pang et al. 2025; encoder/decoders after T2M-GPT)::

    motion (B, T, 79) --pad--> (B, 4L, 79) --MotionFeatures--> (B, 4L, F) normalised, canonical
      --MotionEncoder--> (B, s*D, L) --reshape--> (B, L*s, D) --quantizer--> ids (B, L*s)
      --codes--> (B, s*D, L) --expert decoders--> (B, 4L, F) --crop, integrate--> (B, T', 79)

**Temporal expansion.** The encoder emits ``s * D`` channels per latent step, read as ``s`` consecutive
codes of width ``D``: latent step ``l`` owns ids ``[l*s, (l+1)*s)``. The decoders read the ``s`` codes of
a step back as ``s * D`` channels.

**Alignment with the video tokenizer (Cosmos causal: latent frame 0 covers video frame 0 alone, each
later latent frame covers the next 4 frames).** Motion uses the same grid: ``latent_steps(T) = 1 +
ceil((T - 1) / downsample)``. Before encoding, frame 0 is replicated ``downsample - 1`` times in front
(so latent step 0 sees only frame 0) and the last frame is replicated at the end up to a multiple of
``downsample``; the replicas have zero velocity. So ``T = 1 + 4k`` frames give ``1 + k`` steps and
``(1 + k) * s`` ids, exactly matching a ``1 + 4k``-frame video. ``decode`` drops the front replicas and
returns ``1 + downsample * (L - 1)`` frames (pass ``num_frames`` to trim end padding).

Decoded motion is in the *canonical frame* (see ``motion_features``); ``to_world`` moves it back.
"""

from __future__ import annotations

import math
import warnings
from abc import abstractmethod
from typing import Any

import torch
import torch.nn.functional as F
from einops import rearrange

from unimo.tokenizers.base import Tokenizer
from unimo.tokenizers.expert_decoders import ExpertMotionDecoders
from unimo.tokenizers.motion_encoder import MotionEncoder
from unimo.tokenizers.motion_features import MotionFeatures
from unimo.tokenizers.motion_losses import (
    SMOOTH_L1_BETA,
    MotionLossWeights,
    feature_losses,
    joint_loss,
    weighted_total,
)
from unimo.tokenizers.vector_quantizer import QuantizerOutput

# Constructor arguments added after tokenizers were shipped, with the value that means "not used".
LATER_ARGUMENTS: dict[str, Any] = {"constant_groups": [], "gradient": "straight_through",
                                   "latent_shape_weight": 0.0}


def latent_steps(num_frames: int, downsample: int = 4) -> int:
    """Return the latent steps covering ``num_frames`` frames: ``1 + ceil((T - 1) / downsample)``."""
    if num_frames < 1:
        raise ValueError(f"latent_steps: expected num_frames >= 1, got {num_frames}")
    return 1 + math.ceil((num_frames - 1) / downsample)


def pad_to_latent_grid(motion: torch.Tensor, downsample: int) -> torch.Tensor:
    """Replicate frame 0 ``downsample - 1`` times in front and the last frame at the end: ``(B, ds*L, C)``."""
    steps = latent_steps(motion.shape[1], downsample)
    back = downsample * steps - (downsample - 1) - motion.shape[1]
    parts = [motion[:, :1].expand(-1, downsample - 1, -1), motion, motion[:, -1:].expand(-1, back, -1)]
    return torch.cat(parts, dim=1)


class MotionTokenizerBase(Tokenizer):
    """Encode SMPL-X motion ``(B, T, 79)`` into ``s`` ids per latent step and decode with expert decoders.

    Subclasses provide the quantizer (``quantize``, ``lookup``, ``vocab_size``) and record their
    constructor arguments in ``self.init_args`` (used by ``unimo.tokenizers.loading`` to rebuild them).
    """

    modality = "motion"
    decoder_class: type[torch.nn.Module] = ExpertMotionDecoders

    def __init__(self, code_dim: int, scale: int, downsample: int, width: int, depth: int, rotation: str,
                 up_axis: str, loss_weights: MotionLossWeights | dict[str, float] | None,
                 constant_groups: tuple[str, ...] = (), latent_shape_weight: float = 0.0) -> None:
        super().__init__()
        if latent_shape_weight < 0:
            raise ValueError(f"{type(self).__name__}.latent_shape_weight: expected >= 0, got "
                             f"{latent_shape_weight}")
        self.latent_shape_weight = float(latent_shape_weight)
        if scale < 1:
            raise ValueError(f"{type(self).__name__}.scale: expected an integer >= 1, got {scale}")
        self.code_dim, self.scale, self.downsample = code_dim, scale, downsample
        if isinstance(loss_weights, dict):  # from YAML/checkpoint configs
            loss_weights = MotionLossWeights(**loss_weights)
        self.loss_weights = loss_weights or MotionLossWeights()
        self.features = MotionFeatures(rotation=rotation, up_axis=up_axis)
        groups = self.features.groups
        self.encoder = MotionEncoder(self.features.num_features, scale * code_dim, width, depth, downsample)
        self.decoder = self.decoder_class(scale * code_dim, groups, width, depth, downsample,
                                          tuple(constant_groups))
        self._normalization_checked = False  # warn once (a buffer read is a GPU sync; not every step)

    def _record_args(self, **init_args: Any) -> None:
        """Set ``self.init_args``, leaving out arguments added after tokenizers were shipped while they hold
        their "unused" value (``LATER_ARGUMENTS``): tokenizers that do not use them keep the config, and so
        the fingerprint that token shards and checkpoints are checked against, they had before."""
        self.init_args = {k: v for k, v in init_args.items()
                          if k not in LATER_ARGUMENTS or v != LATER_ARGUMENTS[k]}

    @abstractmethod
    def quantize(self, z: torch.Tensor) -> QuantizerOutput:
        """Quantize latents ``(B, N, D)``."""

    @abstractmethod
    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """Return code vectors ``(B, N, D)`` of ids ``(B, N)``."""

    @property
    def tokens_per_frame(self) -> float:
        return self.scale / self.downsample

    def latent_steps(self, num_frames: int) -> int:
        """Return the latent steps (video-aligned) for ``num_frames`` frames; ids = steps * ``scale``."""
        return latent_steps(num_frames, self.downsample)

    def num_tokens(self, num_frames: int) -> int:
        """Return how many ids ``encode`` gives for ``num_frames`` frames."""
        return self.latent_steps(num_frames) * self.scale

    # ------------------------------------------------------------------ encode / decode
    def _latents(self, motion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return normalised padded features ``(B, ds*L, F)`` and encoder latents ``(B, L*s, D)``."""
        if motion.ndim != 3 or motion.shape[-1] != 79:
            raise ValueError(f"{type(self).__name__}: expected motion (B, T, 79), got {tuple(motion.shape)}")
        padded = pad_to_latent_grid(motion.float(), self.downsample)  # (B, ds*L, 79)
        feats = self.features.normalize(self.features.to_features(padded))  # (B, ds*L, F)
        z = self.encoder(feats.transpose(1, 2))  # (B, s*D, L)
        return feats, rearrange(z, "b (s d) l -> b (l s) d", s=self.scale)

    def _decoder_input(self, z_q: torch.Tensor) -> torch.Tensor:
        """Codes ``(B, L*s, D)`` -> the decoders' input ``(B, s*D, L)``."""
        if z_q.shape[1] % self.scale:
            raise ValueError(f"{type(self).__name__}: {z_q.shape[1]} ids is not a multiple of "
                             f"scale={self.scale}")
        return rearrange(z_q, "b (l s) d -> b (s d) l", s=self.scale)

    def _decode_codes(self, z_q: torch.Tensor) -> torch.Tensor:
        """Decode codes ``(B, L*s, D)`` to normalised features ``(B, 1 + ds*(L-1), F)`` (front pad cut)."""
        return self.decoder(self._decoder_input(z_q))[:, self.downsample - 1:]  # of (B, ds*L, F)

    def _decode_group(self, z_q: torch.Tensor, name: str) -> torch.Tensor:
        """``_decode_codes`` for one feature group: ``(B, 1 + ds*(L-1), F_g)``, only its expert run."""
        return self.decoder.decode_group(self._decoder_input(z_q), name)[:, self.downsample - 1:]

    def _to_motion(self, feats: torch.Tensor) -> torch.Tensor:
        """Normalised features ``(B, T, F)`` -> canonical motion ``(B, T, 79)``."""
        return self.features.from_features(self.features.denormalize(feats))

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return ids ``(B, latent_steps(T) * scale)`` for motion ``x`` ``(B, T, 79)``."""
        _, z = self._latents(x)
        return self.quantize(z).ids

    @torch.no_grad()
    def decode(self, ids: torch.Tensor, num_frames: int | None = None) -> torch.Tensor:
        """Return canonical motion ``(B, T, 79)`` for ids ``(B, L*s)``: T = num_frames or ``1 + ds*(L-1)``."""
        return self._decode_latents(self.lookup(ids), num_frames)

    @torch.no_grad()
    def decode_expected(self, probs: torch.Tensor, num_frames: int | None = None) -> torch.Tensor:
        """Decode the expected code vector under per-token distributions ``probs`` ``(B, L*s, V)``.

        A sequence model that is unsure between neighbouring codes then yields their average instead of
        one of them: the joint-error-minimising choice when the codes decode to similar poses (V2M
        capture, ``JointTask(capture_decoding="expected")``). One-hot ``probs`` equal ``decode``.
        """
        if probs.ndim != 3 or probs.shape[-1] != self.vocab_size:
            raise ValueError(f"decode_expected: expected probs (B, N, {self.vocab_size}), "
                             f"got {tuple(probs.shape)}")
        codebook = self.lookup(torch.arange(self.vocab_size, device=probs.device)[None])[0]  # (V, D)
        return self._decode_latents(probs.to(codebook.dtype) @ codebook, num_frames)

    def _decode_latents(self, z_q: torch.Tensor, num_frames: int | None) -> torch.Tensor:
        motion = self._to_motion(self._decode_codes(z_q))
        if num_frames is not None:
            if not 1 <= num_frames <= motion.shape[1]:
                raise ValueError(f"decode: num_frames must be in [1, {motion.shape[1]}] for "
                                 f"{z_q.shape[1]} ids, got {num_frames}")
            motion = motion[:, :num_frames]
        return motion

    def canonicalize(self, motion: torch.Tensor) -> torch.Tensor:
        """Move world-frame motion ``(B, T, 79)`` into the canonical frame that ``decode`` returns, so
        ground truth and decoded motion can be compared joint by joint."""
        return self.features.canonicalize(motion)

    def to_world(self, motion: torch.Tensor, first_frame: torch.Tensor) -> torch.Tensor:
        """Move decoded canonical motion ``(B, T, 79)`` to the world frame of ``first_frame`` ``(B, 79)``."""
        return self.features.to_world(motion, first_frame)

    def reconstruct(self, motion: torch.Tensor) -> tuple[torch.Tensor, QuantizerOutput]:
        """Return the canonical reconstruction ``(B, T, 79)`` of ``motion`` and the quantizer output."""
        _, z = self._latents(motion)
        q = self.quantize(z)
        return self._to_motion(self._decode_codes(q.z_q)[:, : motion.shape[1]]), q

    # ------------------------------------------------------------------ training
    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Return ``{"loss", "recon_<group>", "velocity", "joints", "commit", "perplexity"}`` for motion
        ``(B, T, 79)``; only ``"loss"`` carries gradients that matter, the rest are for logging."""
        if not self._normalization_checked:
            self._normalization_checked = True
            if not bool(self.features.fitted):
                warnings.warn(f"{type(self).__name__}.loss: feature statistics were never computed; call "
                              "fit_normalization(batches) first (MotionTokenizerTask does it on fit start)",
                              stacklevel=2)
        feats, z = self._latents(x)
        q = self.quantize(z)
        num_frames = x.shape[1]
        target = feats[:, self.downsample - 1: self.downsample - 1 + num_frames]  # (B, T, F)
        pred = self._decode_codes(q.z_q)[:, :num_frames]  # (B, T, F)
        losses = feature_losses(pred, target, self.features.groups)
        if self.loss_weights.joints:
            losses["joints"] = joint_loss(self._to_motion(pred), self.features.canonicalize(x.float()))
        losses["commit"] = q.commit_loss
        losses["loss"] = weighted_total(losses, self.loss_weights)
        if self.latent_shape_weight:
            losses["latent_betas"] = self._latent_shape_loss(z, target)
            losses["loss"] = losses["loss"] + self.latent_shape_weight * losses["latent_betas"]
        losses["perplexity"] = q.perplexity.detach()
        return losses

    def _latent_shape_loss(self, z: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Shape reconstruction from the encoder latents ``z`` before quantization.

        Through the quantizer the encoder only learns what the codes already carry, and a model whose codes
        start without body shape can stay there (benchmarks/results/motion_shape_probe.md: the shipped
        encoder's latents hardly hold it). Decoding the unquantized latents too gives the encoder a direct
        gradient to carry shape; the codes follow through the commitment loss and the EMA codebook.
        """
        free = self._decode_group(z, "betas")[:, : target.shape[1]]  # (B, T, 10)
        return F.smooth_l1_loss(free, target[..., self.features.groups["betas"]], beta=SMOOTH_L1_BETA)

    @torch.no_grad()
    def fit_normalization(self, motions: Any) -> None:
        """Compute feature mean/std from motion batches ``(B, T, 79)`` (or dicts with key "motion")."""
        self.features.fit(m["motion"] if isinstance(m, dict) else m for m in motions)
