"""End-to-end inference with a trained ``JointTask``: image -> video + motion, and video -> motion.

These are what ``unimo generate`` and ``unimo capture`` run. Capture handles any length with sliding
windows of the training clip length and any frame rate/resolution by resampling:

1. the input is resampled to the model's fps (nearest frame) and resized/cropped to its square size;
2. windows of ``num_frames`` frames overlap by a quarter; each is captured independently (greedy V2M);
3. each window's motion lives in its own canonical frame (the motion tokenizer removes heading and
   position), so window ``k`` is rotated about the vertical axis and shifted to agree with the stitched
   result at the middle of the overlap, where the frames switch from window ``k-1`` to ``k``;
4. the stitched motion is resampled (slerp) back to the input's fps: one SMPL-X frame per input frame.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from unimo.body.motion import Motion
from unimo.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from unimo.data.shards.frames import frames_to_tensor, video_to_uint8
from unimo.tasks.joint.inference import generate_ids
from unimo.tasks.joint.task import GENERATE_LAYOUT, JointTask
from unimo.tokenizers.motion_base import latent_steps

DEFAULT_CLIP = {"num_frames": 17, "size": 64, "fps": 20.0}


def load_joint_model(ckpt: str, device: str = "auto", precision: str = "auto") -> JointTask:
    """Load a joint checkpoint for inference on ``device`` ("auto": CUDA when available).

    ``precision`` is the backbone's weight dtype, see ``set_backbone_precision``.
    """
    if not Path(ckpt).is_file():
        raise FileNotFoundError(f"{ckpt}: no such checkpoint (train one with "
                                "`unimo fit --config configs/joint.yaml`)")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {device}: this machine has no CUDA device; use --device cpu (or auto)")
    return set_backbone_precision(JointTask.from_checkpoint(ckpt, map_location=device).eval(), precision)


def set_backbone_precision(task: JointTask, precision: str = "auto") -> JointTask:
    """Cast the backbone's weights to ``precision`` ("fp32", "bf16"; "auto": bf16 on CUDA, else fp32).

    Decoding one token at a time is bound by reading the weights, so bf16 halves that; and fp32 weights
    under autocast would be cast again at every step (a CUDA graph cannot keep autocast's cast cache), which
    cost as much as the weight matmuls themselves (generate_single_query.md). The tokenizers stay fp32.
    """
    task.backbone.to(PRECISION_DTYPES[resolve_precision(precision, task.device)])
    return task


PRECISION_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def resolve_precision(precision: str, device: torch.device) -> str:
    """Return "fp32" or "bf16" for ``precision`` ("auto": bf16 on CUDA, fp32 elsewhere)."""
    if precision not in ("auto", *PRECISION_DTYPES):
        raise ValueError(f"precision: expected 'auto', 'fp32' or 'bf16', got {precision!r}")
    if precision == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return precision


def clip_spec(task: JointTask) -> dict[str, float]:
    """Return the clip ``num_frames``, ``size`` and ``fps`` the model was trained on."""
    return {**DEFAULT_CLIP, **task.clip_spec}


@torch.no_grad()
def generate_from_image(task: JointTask, image: np.ndarray, num_frames: int, temperature: float = 1.0,
                        top_k: int | None = 100, top_p: float | None = None, seed: int = 0,
                        ) -> tuple[np.ndarray, Motion]:
    """Generate ``num_frames`` frames (uint8 ``(T, S, S, 3)``) and their SMPL-X motion from one image."""
    spec = clip_spec(task)
    first = frames_to_tensor(image[None], int(spec["size"]))[None].to(task.device)  # (1, 1, 3, S, S)
    first_ids = task.video_tokenizer.encode(first)  # (1, 1, h, w)
    generator = torch.Generator(task.device).manual_seed(seed)
    video_ids, motion_ids = generate_ids(
        task.backbone, task.mixture.get(GENERATE_LAYOUT), first_ids, latent_steps(num_frames),
        task.motion_per_step, temperature=temperature, top_k=top_k, top_p=top_p, generator=generator)
    video = task.video_tokenizer.decode(video_ids)[:, :num_frames]  # (1, T, 3, S, S) in [-1, 1]
    motion = task.motion_tokenizer.decode(motion_ids, num_frames=num_frames)[0]  # (T, 79)
    frames = video_to_uint8(video[0]).numpy()
    return frames, Motion.from_tensor(motion.float().cpu(), fps=spec["fps"])


@torch.no_grad()
def capture_from_video(task: JointTask, frames: np.ndarray, fps: float, window_batch: int = 8,
                       progress: bool = False) -> Motion:
    """Return SMPL-X motion with one frame per input frame of ``frames`` (uint8 ``(N, H, W, 3)``).

    ``fps`` is the frame rate of ``frames`` and of the returned motion. Windows are independent, so up to
    ``window_batch`` of them are tokenized and decoded together: one decoding step then serves several
    windows, where batch-1 decoding is bound by reading the weights (generate.md: on the H100 a step of
    batch 8 costs 1.2-1.6x one of batch 1). ``progress`` shows a bar over the windows (``unimo capture``).
    """
    if window_batch < 1:
        raise ValueError(f"capture: window_batch must be >= 1, got {window_batch}")
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"capture: expected RGB frames (N, H, W, 3), got shape {frames.shape}")
    spec = clip_spec(task)
    window, model_fps, size = int(spec["num_frames"]), float(spec["fps"]), int(spec["size"])
    picks = _resample_indices(len(frames), fps, model_fps)
    starts = window_starts(len(picks), window)
    pieces = []
    bar = tqdm(total=len(starts), desc="capture", unit="window", disable=not progress)
    for first in range(0, len(starts), window_batch):
        group = starts[first : first + window_batch]
        # Converted window by window: a float copy of a whole long video would not fit in memory.
        clips = torch.stack([frames_to_tensor(frames[_window_indices(picks, start, window)], size)
                             for start in group]).to(task.device)  # (b, W, 3, S, S)
        ids = task.video_tokenizer.encode(clips)
        pieces.extend(task.capture(ids, num_frames=window).float().cpu().unbind(0))  # b x (W, 79)
        bar.update(len(group))
    bar.close()
    stitched = stitch_windows(pieces, starts, window, len(picks))  # (M, 79)
    resampled = Motion.from_tensor(stitched, fps=model_fps).resample(fps).to_tensor()  # (~N, 79)
    missing = len(frames) - len(resampled)  # the last input frames may fall after the last model frame
    if missing > 0:
        resampled = torch.cat([resampled, resampled[-1:].expand(missing, -1)], dim=0)
    return Motion.from_tensor(resampled[: len(frames)], fps=fps)


def window_starts(length: int, window: int) -> list[int]:
    """Return window start frames covering ``length`` frames with a quarter-window overlap."""
    if length <= window:
        return [0]
    stride = max(window - window // 4, 1)
    starts = list(range(0, length - window, stride))
    return starts + [length - window]


def stitch_windows(pieces: list[torch.Tensor], starts: list[int], window: int, length: int) -> torch.Tensor:
    """Join overlapping window motions ``(W, 79)`` into ``(length, 79)`` in the first window's frame."""
    out = pieces[0][: min(window, length)].clone()
    for piece, start in zip(pieces[1:], starts[1:], strict=True):
        switch = (start + out.shape[0]) // 2  # middle of the overlap with what is stitched so far
        piece = _align_heading(piece, out[switch], switch - start)
        out = torch.cat([out[:switch], piece[switch - start:]], dim=0)
    return out[:length]


def _align_heading(piece: torch.Tensor, reference: torch.Tensor, frame: int) -> torch.Tensor:
    """Rotate ``piece`` about the vertical (y) axis and shift it so its ``frame`` matches ``reference``."""
    yaw = _yaw(reference[73:76]) - _yaw(piece[frame, 73:76])
    c, s = math.cos(yaw), math.sin(yaw)
    rot = torch.tensor([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    piece = piece.clone()
    piece[:, 73:76] = matrix_to_axis_angle(rot @ axis_angle_to_matrix(piece[:, 73:76]))
    moved = (piece[:, 76:79] - piece[frame, 76:79]) @ rot.T
    piece[:, 76:79] = moved + reference[76:79]
    return piece


def _yaw(orient: torch.Tensor) -> float:
    forward = axis_angle_to_matrix(orient)[:, 2]  # body z axis in the world
    return math.atan2(float(forward[0]), float(forward[2]))


def _resample_indices(count: int, fps: float, target_fps: float) -> np.ndarray:
    """Return nearest source frame indices sampling ``count`` frames at ``fps`` at ``target_fps``."""
    num = max(1, round((count - 1) * target_fps / fps) + 1)
    return np.clip(np.round(np.arange(num) * fps / target_fps), 0, count - 1).astype(np.int64)


def _window_indices(picks: np.ndarray, start: int, window: int) -> np.ndarray:
    """Return ``window`` frame indices from ``start``, repeating the last when the video is shorter."""
    idx = picks[start : start + window]
    return np.concatenate([idx, np.repeat(idx[-1:], window - len(idx))]) if len(idx) < window else idx
