"""``JointTask``: one GPT over video and motion tokens, trained on a mixture of task layouts (UniMo).

Frozen pretrained tokenizers turn each batch into ids (or the batch already holds ids from token
shards), one layout per step arranges them (I2VM, V2M, ...), and the backbone is trained with
teacher-forced next-token cross-entropy. Validation measures what users care about: V2M capture accuracy
(MPJPE family against the ground-truth SMPL-X motion) and, for I2VM, motion-video consistency (capture the
generated video with V2M and compare with the generated motion). Test does the same, capture on every clip,
and returns what ``unimo test``'s report draws (see ``unimo.reports``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import lightning as L
import torch
from torchmetrics import MetricCollection

from unimo.backbones.base import Backbone
from unimo.checkpoint_file import read_checkpoint
from unimo.metrics.motion import MPJPE, PAMPJPE, WAMPJPE100, WMPJPE100, AccelError
from unimo.plugins import missing_folder_plugins
from unimo.tasks.joint.inference import capture_with_probs, generate_ids, motion_per_step, sampled_belief
from unimo.tasks.joint.input_noise import check_input_noise, noisy_inputs
from unimo.tasks.joint.mixture import LayoutMixture
from unimo.tasks.joint.replay import TokenReplay
from unimo.tasks.joint.video_gain import video_gain
from unimo.tokenizers.base import Tokenizer
from unimo.tokenizers.exact import exact_float32
from unimo.tokenizers.identity import check_fingerprints, tokenizer_fingerprint
from unimo.tokenizers.loading import load_tokenizer, tokenizer_config
from unimo.tokenizers.motion_losses import body_joints

CAPTURE_LAYOUT = "V2MLayout"
GENERATE_LAYOUT = "I2VMLayout"
CAPTURE_DECODINGS = ("greedy", "expected", "sampled")
WRAPPER_SEGMENTS = ("_fsdp_wrapped_module.", "_checkpoint_wrapped_module.", "_orig_mod.")


def capture_metrics(prefix: str) -> MetricCollection:
    """Return the motion-capture metrics, logged as ``{prefix}mpjpe_mm`` etc."""
    return MetricCollection({"mpjpe_mm": MPJPE(), "pa_mpjpe_mm": PAMPJPE(), "w_mpjpe100_mm": WMPJPE100(),
                             "wa_mpjpe100_mm": WAMPJPE100(), "accel_error_mm": AccelError()}, prefix=prefix)


def clip_spec_of(batch: dict[str, Any]) -> dict[str, float]:
    """Return the clip ``num_frames``/``size``/``fps`` of a raw batch or a token-shard batch (``size``)."""
    if "video" in batch:
        frames, size = batch["video"].shape[1], batch["video"].shape[3]  # (B, T, 3, H, W)
    elif "size" in batch and "motion" in batch:
        frames, size = batch["motion"].shape[1], int(batch["size"][0])  # (B, T, 79), (B,)
    else:
        return {}
    fps = batch.get("fps")
    return {"num_frames": frames, "size": size,
            "fps": float(fps[0]) if torch.is_tensor(fps) else float(fps or 0) or 20.0}


def unwrapped_name(name: str) -> str:
    """Return a parameter name without the segments that FSDP, activation checkpointing and
    ``torch.compile`` wrappers insert (``blocks.0._fsdp_wrapped_module.attn...`` -> ``blocks.0.attn...``)."""
    for wrapper in WRAPPER_SEGMENTS:
        name = name.replace(wrapper, "")
    return name


def frozen(tokenizer: Tokenizer | str) -> Tokenizer:
    """Load ``tokenizer`` if given as a checkpoint path, and freeze it (eval mode, no gradients)."""
    module = load_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer
    return module.eval().requires_grad_(False)


class JointTask(L.LightningModule):
    """Train a backbone on I2VM / V2M / ... sequences built from frozen video and motion tokenizers.

    Args:
        backbone: The sequence model; its ``vocab_sizes`` must cover both tokenizers' vocabularies.
        video_tokenizer: A video ``Tokenizer``, or the path of a trained one (``.ckpt`` or export).
        motion_tokenizer: A motion ``Tokenizer`` with temporal expansion ``scale``, or its path.
        layouts: ``{layout name: sampling weight}``; e.g. ``{"I2VMLayout": 1, "V2MLayout": 1}`` (joint),
            ``{"V2MLayout": 1}`` (V2M-only ablation).
        lr: Peak AdamW learning rate.
        weight_decay: AdamW weight decay on matrices (not on norms/biases).
        warmup_steps: Linear warmup steps before cosine decay to ``0.1 * lr``.
        val_capture_batches: Validation batches on which V2M capture is decoded and scored (0: none); test
            scores every batch.
        val_generate_batches: Validation (and test) batches on which I2VM samples are generated and scored
            (0: none).
        top_k: Top-k of I2VM sampling in validation.
        capture_decoding: How V2M capture turns the model's motion predictions into SMPL-X: ``"greedy"``
            decodes the argmax ids; ``"expected"`` decodes the expected code vector under the predicted
            distribution of each id (``decode_expected``; the ids fed back stay greedy); ``"sampled"``
            decodes the expected code under each id's distribution averaged over ``capture_samples``
            sampled motion histories (``sampled_belief``: the mean motion under the model's belief, at
            ``capture_samples`` times the decoding work). Used by validation/test, ``unimo capture`` and
            I2VM consistency.
        capture_samples: Motion histories sampled per clip by ``capture_decoding="sampled"``.
        seed: Seed of the layout schedule and of validation sampling.
        input_noise: ``{modality: probability}``: in training, each input id of that modality is replaced by
            a random id with this probability, targets unchanged (``unimo.tasks.joint.input_noise``), e.g.
            ``{"motion": 0.2}`` so V2M reads the video rather than copying its own motion history.
        replay: ``{"capacity": clips, "batch_size": clips}``: push each training batch's ids into a
            ``TokenReplay`` buffer and train on ``batch_size`` clips drawn from it (for a stream of fresh
            clips slower than training: ``SyntheticStreamDataModule``); None trains on each batch as it is.
    """

    def __init__(self, backbone: Backbone, video_tokenizer: Tokenizer | str,
                 motion_tokenizer: Tokenizer | str, layouts: dict[str, float] | None = None,
                 lr: float = 3e-4, weight_decay: float = 0.1,
                 warmup_steps: int = 200, val_capture_batches: int = 4, val_generate_batches: int = 1,
                 top_k: int | None = 100, capture_decoding: str = "greedy", capture_samples: int = 8,
                 seed: int = 0, input_noise: dict[str, float] | None = None,
                 replay: dict[str, int] | None = None) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.backbone = backbone
        self.video_tokenizer = frozen(video_tokenizer)
        self.motion_tokenizer = frozen(motion_tokenizer)
        self.motion_per_step = motion_per_step(self.motion_tokenizer)
        self.mixture = LayoutMixture(layouts or {GENERATE_LAYOUT: 1.0, CAPTURE_LAYOUT: 1.0}, seed=seed)
        self._check_vocabularies()
        self.input_noise = dict(input_noise or {})
        self._id_ranges = {"video": self.video_tokenizer.vocab_size,
                           "motion": self.motion_tokenizer.vocab_size}
        check_input_noise(self.input_noise, self._id_ranges)
        self.replay = TokenReplay(**replay, seed=seed) if replay else None
        self.set_capture_decoding(capture_decoding, capture_samples)
        self.clip_spec: dict[str, float] = {}  # frames/size/fps seen in training; inference reuses them
        self.capture_metrics = capture_metrics("val/")
        self.consistency = MPJPE()
        self.test_capture_metrics = capture_metrics("test/")  # one metric object per stage (Lightning)
        self.test_consistency = MPJPE()
        # Matrices get weight decay; recorded now, by name. Under FSDP (use_orig_params) every parameter is
        # a flat 1-D shard by configure_optimizers time: p.ndim there would exempt all of them from decay.
        self._matrix_names = {name for name, p in backbone.named_parameters() if p.ndim >= 2}

    def _check_vocabularies(self) -> None:
        sizes = getattr(self.backbone, "vocab_sizes", {})
        for key, tokenizer in (("video", self.video_tokenizer), ("motion", self.motion_tokenizer)):
            if key in sizes and sizes[key] < tokenizer.vocab_size:
                raise ValueError(f"backbone.vocab_sizes[{key!r}] = {sizes[key]} is smaller than the {key} "
                                 f"tokenizer's vocab_size {tokenizer.vocab_size}; set it to at least that")
            levels = getattr(self.backbone, "code_levels", {}).get(key)
            quantizer_levels = getattr(getattr(tokenizer, "quantizer", None), "levels", None)  # None: Cosmos
            if levels is not None and quantizer_levels is not None and levels != list(quantizer_levels):
                raise ValueError(f"backbone.code_levels[{key!r}] = {levels} does not match the {key} "
                                 f"tokenizer's quantizer levels {quantizer_levels}")

    def train(self, mode: bool = True) -> JointTask:
        super().train(mode)
        self.video_tokenizer.eval()  # frozen: BatchNorm/dropout/EMA codebooks never switch to training
        self.motion_tokenizer.eval()
        return self

    @torch.no_grad()
    def tokenize(self, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """Return video ids ``(B, t, h, w)`` and motion ids ``(B, t*s)``; reuse ids already in the batch."""
        if "video_ids" in batch and "motion_ids" in batch:
            if "tokenizers" in batch:  # token shards: refuse ids made by other tokenizers
                check_fingerprints(batch["tokenizers"], self._fingerprints(), "token shards")
            return batch["video_ids"].long(), batch["motion_ids"].long()
        with exact_float32(batch["video"].device):  # the ids token shards would hold
            video_ids = self.video_tokenizer.encode(batch["video"].float())  # (B, t, h, w)
            motion_ids = self.motion_tokenizer.encode(batch["motion"].float())  # (B, t*s)
        t = video_ids.shape[1]
        if motion_ids.shape[1] != t * self.motion_per_step:
            raise ValueError(
                f"{batch['video'].shape[1]} frames give {t} video latent steps but {motion_ids.shape[1]} "
                f"motion ids (expected {t} x s={self.motion_per_step}); use num_frames = 1 + 4k for both "
                "tokenizers")
        return video_ids, motion_ids

    def _fingerprints(self) -> dict[str, str]:
        """Return (once; the tokenizers are frozen) the fingerprints of the video and motion tokenizers."""
        if getattr(self, "_tokenizer_fingerprints", None) is None:
            self._tokenizer_fingerprints = {"video": tokenizer_fingerprint(self.video_tokenizer),
                                            "motion": tokenizer_fingerprint(self.motion_tokenizer)}
        return self._tokenizer_fingerprints

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        if not self.clip_spec:
            self.clip_spec = clip_spec_of(batch)
        video_ids, motion_ids = self.tokenize(batch)
        if self.replay is not None:
            self.replay.push(video_ids, motion_ids)
            video_ids, motion_ids = self.replay.sample()
        name, layout = self.mixture.pick(self.global_step)
        seq = layout.arrange(video_ids, motion_ids)
        if self.input_noise:
            seq = noisy_inputs(seq, self.input_noise, self._id_ranges)
        losses = self.backbone.loss(seq)
        size = video_ids.shape[0]
        self.log("train/loss", losses["loss"], prog_bar=True, batch_size=size)
        self._log_task_losses(name, losses)
        return losses["loss"]

    def _log_task_losses(self, layout: str, losses: dict[str, torch.Tensor]) -> None:
        """Log ``train/<Layout>/*`` only at the steps that layout trained.

        One layout trains per step, and a key given to ``self.log`` is logged again at every later logging
        step with its old value, so per-task curves would show flat runs that never happened. Written to the
        loggers directly, at Lightning's logging cadence and step numbers.
        """
        if self._trainer is None:  # a bare training_step call (tests), as self.log allows
            return
        every = self.trainer.log_every_n_steps
        if not self.loggers or not every or (self.global_step + 1) % every:
            return
        values = {f"train/{layout}/{k}": float(v) for k, v in losses.items()}
        for logger in self.loggers:
            logger.log_metrics(values, step=self.global_step)

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        video_ids, motion_ids = self.tokenize(batch)
        self._log_layout_losses(video_ids, motion_ids, "val")
        if batch_idx < self.hparams.val_capture_batches and "motion" in batch:
            self._score_capture(video_ids, batch["motion"].float(), "val")
        if batch_idx < self.hparams.val_generate_batches and GENERATE_LAYOUT in self.mixture.layouts:
            self._score_generation(video_ids, batch["motion"].shape[1], "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> dict[str, Any]:
        """Score V2M capture on every clip and I2VM on the first ``val_generate_batches`` batches; return the
        clips, motions and joints the ``unimo test`` report draws (keys: ``unimo.reports.callback``)."""
        video_ids, motion_ids = self.tokenize(batch)
        self._log_layout_losses(video_ids, motion_ids, "test")
        motion = self.canonical(batch["motion"].float())  # (B, T, 79), in the frame captures come in
        num_frames = motion.shape[1]
        captured, joints = self._score_capture(video_ids, motion, "test")
        video = batch["video"] if "video" in batch else self._decode_video(video_ids, num_frames)
        out = {"joints": joints, "fps": clip_spec_of(batch).get("fps", 20.0),
               "panels": {"input": video, "true motion": motion, "V2M capture": captured}}
        if batch_idx < self.hparams.val_generate_batches and GENERATE_LAYOUT in self.mixture.layouts:
            gen_ids, gen_motion = self._score_generation(video_ids, num_frames, "test")
            gen_video = self._decode_video(gen_ids, num_frames)  # (B, T, 3, H, W); frame 0 from the input
            out["panels"].update({"I2VM video": gen_video, "I2VM motion": gen_motion})
            out["videos"], out["video_start_frame"] = (video, gen_video), 1
        return out

    def _log_layout_losses(self, video_ids: torch.Tensor, motion_ids: torch.Tensor, stage: str) -> None:
        for name, layout in self.mixture.layouts.items():
            losses = self.backbone.loss(layout.arrange(video_ids, motion_ids))
            if name == CAPTURE_LAYOUT and video_ids.shape[0] > 1:  # does the capture read the video?
                losses.update(video_gain(self.backbone, layout, video_ids, motion_ids, losses["loss"]))
            self.log_dict({f"{stage}/{name}/{k}": v for k, v in losses.items()},
                          batch_size=video_ids.shape[0], sync_dist=True)

    def _score_capture(self, video_ids: torch.Tensor, motion: torch.Tensor, stage: str,
                       ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Capture ``motion`` ``(B, T, 79)`` from its video ids; return it and (pred, true) joints."""
        pred = self.capture(video_ids, num_frames=motion.shape[1])  # (B, T, 79), canonical frame
        joints = body_joints(pred), body_joints(self.canonical(motion))  # (B, T, J, 3) each
        metrics = self.capture_metrics if stage == "val" else self.test_capture_metrics
        metrics.update(*joints)
        self.log_dict(metrics, batch_size=motion.shape[0])
        return pred, joints

    def canonical(self, motion: torch.Tensor) -> torch.Tensor:
        """Ground truth ``(B, T, 79)`` in the motion tokenizer's canonical frame (heading and start position
        removed), where decoded motion lives; unchanged for tokenizers without one."""
        canonicalize = getattr(self.motion_tokenizer, "canonicalize", None)
        return motion if canonicalize is None else canonicalize(motion)

    def _score_generation(self, video_ids: torch.Tensor, num_frames: int, stage: str,
                          ) -> tuple[torch.Tensor, torch.Tensor]:
        """Generate I2VM from each clip's first frame; return video ids and decoded motion ``(B, T, 79)``."""
        generator = torch.Generator(self.device).manual_seed(self.hparams.seed)
        gen_video, gen_motion = generate_ids(
            self.backbone, self.mixture.get(GENERATE_LAYOUT), video_ids[:, :1], video_ids.shape[1],
            self.motion_per_step, top_k=self.hparams.top_k, generator=generator)
        generated = self.motion_tokenizer.decode(gen_motion, num_frames=num_frames)
        captured = self.capture(gen_video, num_frames=num_frames)  # V2M on the generated video
        metric = self.consistency if stage == "val" else self.test_consistency
        metric.update(body_joints(captured), body_joints(generated))
        self.log(f"{stage}/i2vm_consistency_mpjpe_mm", metric, batch_size=video_ids.shape[0])
        return gen_video, generated

    def _decode_video(self, video_ids: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Decode video ids ``(B, t, h, w)`` to ``(B, num_frames, 3, H, W)`` in ``[-1, 1]``."""
        return self.video_tokenizer.decode(video_ids)[:, :num_frames].float()

    def set_capture_decoding(self, mode: str, samples: int | None = None) -> None:
        """Choose ``"greedy"``, ``"expected"`` or ``"sampled"`` capture decoding (see the class arguments);
        ``samples`` replaces ``capture_samples`` when given."""
        if mode not in CAPTURE_DECODINGS:
            raise ValueError(f"capture_decoding: expected one of {', '.join(map(repr, CAPTURE_DECODINGS))}, "
                             f"got {mode!r}")
        if mode != "greedy" and not hasattr(self.motion_tokenizer, "decode_expected"):
            raise ValueError(f"capture_decoding={mode!r} needs a motion tokenizer with decode_expected; "
                             f"{type(self.motion_tokenizer).__name__} has none")
        samples = self.hparams.capture_samples if samples is None else samples
        if not isinstance(samples, int) or samples < 1:
            raise ValueError(f"capture_samples: expected an integer >= 1, got {samples!r}")
        self.capture_decoding, self.capture_samples = mode, samples

    def capture(self, video_ids: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Return SMPL-X motion ``(B, num_frames, 79)`` captured from video ids ``(B, t, h, w)``."""
        if self.capture_decoding == "sampled":  # seeded: the same video gives the same motion
            return self.sampled_capture(video_ids, num_frames, self.capture_samples, self.hparams.seed)
        ids, probs = capture_with_probs(self.backbone, self.mixture.get(CAPTURE_LAYOUT), video_ids,
                                        self.motion_per_step)
        if self.capture_decoding == "expected":
            return self.motion_tokenizer.decode_expected(probs, num_frames=num_frames)
        return self.motion_tokenizer.decode(ids, num_frames=num_frames)

    def sampled_capture(self, video_ids: torch.Tensor, num_frames: int, num_samples: int, seed: int,
                        temperature: float = 1.0) -> torch.Tensor:
        """``decode_expected`` of ``sampled_belief`` over ``num_samples`` histories drawn with ``seed``."""
        generator = torch.Generator(video_ids.device).manual_seed(seed)
        belief = sampled_belief(self.backbone, self.mixture.get(CAPTURE_LAYOUT), video_ids,
                                self.motion_per_step, num_samples, generator, temperature)
        return self.motion_tokenizer.decode_expected(belief, num_frames=num_frames)

    def configure_gradient_clipping(self, optimizer: torch.optim.Optimizer,
                                    gradient_clip_val: float | None = None,
                                    gradient_clip_algorithm: str | None = None) -> None:
        """Clip by norm through FSDP's own ``clip_grad_norm_`` when the model is FSDP-wrapped (the norm of
        sharded gradients needs a collective; Lightning clips FSDP by value only,
        Lightning-AI/pytorch-lightning#19235); otherwise as Lightning does."""
        fsdp_clip = getattr(self.trainer.model, "clip_grad_norm_", None)  # FSDP has it, DDP does not
        if gradient_clip_val and gradient_clip_algorithm in (None, "norm") and fsdp_clip is not None:
            fsdp_clip(gradient_clip_val)
            return
        super().configure_gradient_clipping(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def configure_optimizers(self) -> dict[str, Any]:
        named = [(unwrapped_name(n), p) for n, p in self.backbone.named_parameters() if p.requires_grad]
        decay = [p for n, p in named if n in self._matrix_names]
        other = [p for n, p in named if n not in self._matrix_names]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": self.hparams.weight_decay},
                                       {"params": other, "weight_decay": 0.0}], lr=self.hparams.lr,
                                      betas=(0.9, 0.95))  # not fused: Lightning clips grads itself
        total = max(int(self.trainer.estimated_stepping_batches), 1)
        warmup = min(self.hparams.warmup_steps, total)

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            progress = min((step - warmup) / max(total - warmup, 1), 1.0)
            return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    @classmethod
    def from_checkpoint(cls, path: str, map_location: str | torch.device = "cpu") -> JointTask:
        """Load a trained joint model from its checkpoint alone (tokenizer files need not exist any more)."""
        from unimo.tokenizers.loading import build_tokenizer

        checkpoint = read_checkpoint(path)
        if not any(key.startswith("backbone.") for key in checkpoint.get("state_dict", {})):
            raise ValueError(f"{path}: not a joint-model checkpoint (no backbone weights; tokenizer runs "
                             "write their own kind): pass one of `unimo fit --config configs/joint.yaml`")
        missing = missing_folder_plugins({k: v for k, v in checkpoint.items() if k != "state_dict"})
        if missing:
            files = ", ".join(m.split(".", 1)[1] + ".py" for m in missing)
            raise ValueError(f"{path}: built with folder plugin(s) {', '.join(missing)}, which are not "
                             f"loaded: set UNIMO_PLUGINS_DIR to the folder holding {files}")
        stored = checkpoint.get("unimo_tokenizers", {})
        rebuilt = {f"{key}_tokenizer": build_tokenizer(config) for key, config in stored.items() if config}
        with warnings.catch_warnings():  # modules as arguments are on purpose here: no warning for each
            warnings.filterwarnings("ignore", message=r"Attribute '\w+' is an instance of `nn.Module`")
            return cls.load_from_checkpoint(path, map_location=map_location, weights_only=False, **rebuilt)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # Tokenizer configs travel with the weights, so the checkpoint alone rebuilds the model.
        checkpoint["unimo_tokenizers"] = {"video": tokenizer_config(self.video_tokenizer),
                                          "motion": tokenizer_config(self.motion_tokenizer)}
        checkpoint["unimo_clip"] = self.clip_spec

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.clip_spec = dict(checkpoint.get("unimo_clip", {}))
