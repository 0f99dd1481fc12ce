"""Scoring a trained joint model on the test windows (benchmarks/joint.py): V2M capture in three decodings,
the video gain, I2VM test loss, generation consistency and distribution scores, and the preview videos."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from unimo.body.motion import Motion
from unimo.data.datamodules import TokenShardDataModule
from unimo.data.shards.frames import video_to_uint8
from unimo.metrics.motion import MPJPE
from unimo.render.skeleton import render_motion_video
from unimo.render.video_io import write_video
from unimo.reports.video_scores import VideoScores
from unimo.tasks.joint import JointTask
from unimo.tasks.joint.calibration import calibrate
from unimo.tasks.joint.inference import capture_ids, capture_with_probs, generate_ids
from unimo.tasks.joint.task import capture_metrics
from unimo.tasks.joint.video_gain import video_gain
from unimo.tokenizers.motion_losses import body_joints


def test_batches(args: argparse.Namespace, data: TokenShardDataModule) -> Iterator[dict[str, Any]]:
    """Yield the test split's batches on ``args.device`` until ``args.eval_clips`` clips are out (the same
    windows on every call: the test loader is neither shuffled nor resampled)."""
    seen = 0
    for batch in data.test_dataloader():
        if seen >= args.eval_clips:
            return
        yield on_device(args, batch)
        seen += len(batch["motion"])


def on_device(args: argparse.Namespace, batch: dict[str, Any]) -> dict[str, Any]:
    return {k: v.to(args.device) if torch.is_tensor(v) else v for k, v in batch.items()}


def _autocast(args: argparse.Namespace) -> torch.autocast:
    return torch.autocast(args.device, dtype=torch.bfloat16, enabled=args.device == "cuda")


@torch.no_grad()
def reference_scores(args: argparse.Namespace, task: JointTask, data: TokenShardDataModule,
                     blind_probs: torch.Tensor) -> dict[str, float]:
    """Score the tokenizer floor (decoded true ids: the best V2M can do) and the blind baseline (decoded
    training id frequencies ``blind_probs`` ``(N, K)``: one motion whatever the video) on the test windows.

    Both depend only on the frozen tokenizers and the data, so a run computes them once, with any variant.
    """
    task = task.to(args.device).eval()
    floor = capture_metrics("tokenizer_floor_").to(args.device)
    blind = capture_metrics("blind_").to(args.device)
    for batch in test_batches(args, data):
        with _autocast(args):
            _, motion_ids = task.tokenize(batch)
            truth = body_joints(task.canonical(batch["motion"].float()))
            frames = truth.shape[1]
            recon = task.motion_tokenizer.decode(motion_ids, num_frames=frames)
            floor.update(body_joints(recon.float()), truth)
            same = blind_probs.to(args.device).expand(len(motion_ids), -1, -1)  # (B, N, K)
            blind_motion = task.motion_tokenizer.decode_expected(same, num_frames=frames)
            blind.update(body_joints(blind_motion.float()), truth)
    return {k: float(v) for metric in (floor, blind) for k, v in metric.compute().items()}


def fitted_temperature(args: argparse.Namespace, task: JointTask, data: TokenShardDataModule,
                       ) -> tuple[float, dict[str, float]]:
    """Fit V2M's belief temperature on the first ``args.val_batches`` validation batches."""
    def batches() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for i, batch in enumerate(data.val_dataloader()):
            if i >= args.val_batches:
                return
            yield task.tokenize(on_device(args, batch))
    with _autocast(args):  # the batches are tokenized lazily, inside this context
        return calibrate(task.backbone, task.mixture.get("V2MLayout"), batches())


def tempered(probs: torch.Tensor, temperature: float) -> torch.Tensor:
    """``softmax(logits / T)`` from ``softmax(logits)``: ``probs ** (1 / T)``, renormalised."""
    powered = probs.clamp_min(1e-30) ** (1.0 / temperature)
    return powered / powered.sum(-1, keepdim=True)


def sampled_prefix(args: argparse.Namespace, num_samples: int) -> str:
    """Metric prefix of sampled-history decoding with ``num_samples`` histories."""
    return "sampled_" if num_samples == args.capture_samples[0] else f"sampled{num_samples}_"


@torch.no_grad()
def evaluate(args: argparse.Namespace, task: JointTask, data: TokenShardDataModule,
             judge: JointTask | None, samples_to: Path | None = None, only: str | None = None
             ) -> dict[str, Any]:
    """Score V2M capture and I2VM generation of ``task`` on the test split.

    ``samples_to``: path prefix of the preview videos of the first test batch (None: none written).
    ``only``: score only this layout's task (``"V2MLayout"`` or ``"I2VMLayout"``).
    """
    task = task.to(args.device).eval()
    scores_v2m, scores_i2vm = (name in task.mixture.layouts and only in (None, name)
                               for name in ("V2MLayout", "I2VMLayout"))
    metrics, consistency = capture_metrics("").to(args.device), MPJPE().to(args.device)
    expected = capture_metrics("expected_").to(args.device)  # decode_expected of the same captures
    # decode_expected of sampled_belief, per number of sampled histories
    sampled = {k: capture_metrics(sampled_prefix(args, k)).to(args.device) for k in args.capture_samples}
    i2vm_nll, v2m_nll, v2m_gain, seen, generated, same_ids = [], [], [], 0, 0, None
    calibration: dict[str, float] = {}
    if args.calibrate and scores_v2m:
        temperature, fit = fitted_temperature(args, task, data)
        calibration = {"belief_temperature": temperature, **{f"val_v2m_{k}": v for k, v in fit.items()}}
        calibrated = {"expected": capture_metrics("calibrated_expected_").to(args.device),
                      "sampled": capture_metrics("calibrated_sampled_").to(args.device)}
    scores = VideoScores()  # generated clips against the tokenizer's reconstructions of the real ones
    for batch in test_batches(args, data):
        with _autocast(args):
            video_ids, motion_ids = task.tokenize(batch)
            canonical = task.canonical(batch["motion"].float())  # where decoded motion lives
            truth = body_joints(canonical)
            if scores_v2m:
                layout, frames = task.mixture.get("V2MLayout"), batch["motion"].shape[1]
                ids, probs = capture_with_probs(task.backbone, layout, video_ids, task.motion_per_step)
                pred = task.motion_tokenizer.decode(ids, num_frames=frames)  # greedy, as task.capture
                metrics.update(body_joints(pred.float()), truth)
                soft = task.motion_tokenizer.decode_expected(probs, num_frames=frames)
                expected.update(body_joints(soft.float()), truth)
                for k, metric in sampled.items():
                    mean = task.sampled_capture(video_ids, frames, k, seed=seen)
                    metric.update(body_joints(mean.float()), truth)
                if calibration:
                    temperature = calibration["belief_temperature"]
                    belief = tempered(probs, temperature)
                    calibrated_soft = task.motion_tokenizer.decode_expected(belief, num_frames=frames)
                    calibrated["expected"].update(body_joints(calibrated_soft.float()), truth)
                    mean = task.sampled_capture(video_ids, frames, args.histories,
                                                seed=seen, temperature=temperature)
                    calibrated["sampled"].update(body_joints(mean.float()), truth)
                if samples_to is not None and seen == 0:
                    seen_video = task.video_tokenizer.decode(video_ids[: args.samples])
                    write_preview(samples_to.with_name(samples_to.name + "_v2m.mp4"), seen_video,
                                  [soft[: args.samples], canonical])
                own = task.backbone.loss(layout.arrange(video_ids, motion_ids))["loss"]
                v2m_nll.append(float(own))
                if video_ids.shape[0] > 1:  # does it read the video, or only the motion prior?
                    gain = video_gain(task.backbone, layout, video_ids, motion_ids, own)["video_gain"]
                    v2m_gain.append(float(gain))
                if same_ids is None:  # CUDA-graph decoding against the plain KV cache, first batch
                    same_ids = _graph_agreement(task, video_ids)
            if scores_i2vm:
                seq = task.mixture.get("I2VMLayout").arrange(video_ids, motion_ids)
                i2vm_nll.append(float(task.backbone.loss(seq)["loss"]))
                if judge is not None and generated < args.generate_clips:
                    frames = batch["motion"].shape[1]
                    gen_video, gen_motion = _score_consistency(task, judge, video_ids, frames, consistency)
                    decode = task.video_tokenizer.decode
                    real, fake = (decode(ids).float().clamp(-1, 1) for ids in (video_ids, gen_video))
                    scores.update(real, fake, start_frame=1)
                    if samples_to is not None and generated == 0:
                        write_preview(samples_to.with_name(samples_to.name + "_i2vm.mp4"),
                                      fake[: args.samples], [gen_motion[: args.samples]])
                    generated += gen_video.shape[0]
        seen += video_ids.shape[0]
    out: dict[str, Any] = {"eval_clips": seen}
    if scores_v2m:
        out.update({k: float(v) for k, v in metrics.compute().items()})
        out.update({k: float(v) for k, v in expected.compute().items()})
        for metric in (*sampled.values(), *(calibrated.values() if calibration else ())):
            out.update({k: float(v) for k, v in metric.compute().items()})
        out.update(calibration)
    if v2m_nll:
        out["v2m_test_nll"], out["graph_vs_eager_same_ids"] = sum(v2m_nll) / len(v2m_nll), same_ids
    if v2m_gain:  # nats per motion id: ~0 for a model that ignores the video
        out["v2m_video_gain"] = sum(v2m_gain) / len(v2m_gain)
    if i2vm_nll:
        out["i2vm_test_nll"] = sum(i2vm_nll) / len(i2vm_nll)
    if generated:
        out["consistency_mpjpe_mm"] = float(consistency.compute())
        out["generated_clips"] = generated
        out.update(scores.compute())
        out["video_scores_not_computed"] = scores.reasons
    return out


def _graph_agreement(task: JointTask, video_ids: torch.Tensor) -> float:
    """Fraction of greedy V2M ids that CUDA-graph decoding and the plain KV cache agree on."""
    from unimo.backbones.sampling import generate
    from unimo.layouts.base import TokenGrid

    b, t, h, w = video_ids.shape
    grid = TokenGrid(num_steps=t, height=h, width=w, motion_per_step=task.motion_per_step)
    layout = task.mixture.get("V2MLayout")
    prompt, schedule = layout.prompt(video_ids, None, grid), layout.schedule(grid)
    ids = [generate(task.backbone, prompt, schedule, temperature=0, cuda_graph=g) for g in (True, False)]
    return float((ids[0] == ids[1]).float().mean())


def _score_consistency(task: JointTask, judge: JointTask, video_ids: torch.Tensor, num_frames: int,
                       metric: MPJPE) -> tuple[torch.Tensor, torch.Tensor]:
    """Generate from the first frames of ``video_ids``, score consistency; return video ids and motion."""
    generator = torch.Generator(video_ids.device).manual_seed(0)
    gen_video, gen_motion = generate_ids(task.backbone, task.mixture.get("I2VMLayout"), video_ids[:, :1],
                                         video_ids.shape[1], task.motion_per_step, top_k=100,
                                         generator=generator)
    motion = task.motion_tokenizer.decode(gen_motion, num_frames=num_frames)
    judged_ids = capture_ids(judge.backbone, judge.mixture.get("V2MLayout"), gen_video,
                             judge.motion_per_step)
    judged = judge.motion_tokenizer.decode(judged_ids, num_frames=num_frames)
    metric.update(body_joints(judged.float()), body_joints(motion.float()))
    return gen_video, motion


def write_preview(path: Path, video: torch.Tensor, motions: list[torch.Tensor], fps: float = 20.0) -> None:
    """Write one mp4: a row per clip of ``video`` ``(B, T, 3, S, S)`` beside each of ``motions``
    ``(>=B, T', 79)`` rendered (frames cut to the shorter of the two; video upscaled to 128 px)."""
    length = min([video.shape[1]] + [m.shape[1] for m in motions])
    size = 128
    rows = []
    for i, clip in enumerate(video):
        clip = video_to_uint8(clip[:length]).numpy()  # (T, S, S, 3)
        scale = max(size // clip.shape[1], 1)
        shown = clip.repeat(scale, axis=1).repeat(scale, axis=2)
        rendered = [render_motion_video(Motion.from_tensor(m[i, :length].float().cpu(), fps=fps),
                                        size=shown.shape[1]) for m in motions]
        rows.append(np.concatenate([shown, *rendered], axis=2))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_video(path, np.concatenate(rows, axis=1), fps=fps)
