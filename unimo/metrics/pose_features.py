"""Pose features: a feature space for Fréchet distances on human video that unimo can train and ship itself.

FID (InceptionV3) and FVD (I3D) need published weights that unimo can neither ship nor download, so without
them a user gets no distribution score for generated video at all. Motion-generation work has the same
problem and the same answer: an evaluator network trained on the project's own data (the T2M evaluator
behind every HumanML3D FID). This is that evaluator for unimo's human videos:

- ``PoseFeatureNet.frame_features``: one frame -> ``feature_dim`` numbers, trained so that a *linear* map
  reads the body-frame joints (articulated pose, root-relative) from them. The pose fits a Gaussian best when
  the features carry it linearly, which is what a Fréchet distance assumes.
- ``PoseFeatureNet.clip_features``: a clip -> the mean and standard deviation over time of its frame
  features (which poses, how much they vary) and the mean of its motion features (a small network on pairs
  of frames or of their frame features, trained to read the joints' displacement between them). The shipped
  file's motion features read no displacement, so its ``pose_fvd`` sees which poses a clip holds and how much
  they vary, not their order (``benchmarks/results/pose_features.md``).

``pose_fid`` / ``pose_fvd`` (:func:`pose_frame_network`, :func:`pose_clip_network`, used through the FID/FVD
metric classes' ``network`` argument) are Fréchet distances in these spaces. They are NOT comparable to
published FID/FVD, nor across weight files: compare runs with each other, with the same weights, and report
the file with the number. The shipped file ``unimo/assets/metrics/pose_features.pt`` was trained on unimo's
synthetic clips by ``benchmarks/pose_features.py`` (its provenance is stored inside it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from unimo.metrics.weights import MissingWeightsError
from unimo.tokenizers.loading import resolve_asset, save_atomic

SHIPPED_POSE_FEATURES = "unimo/assets/metrics/pose_features.pt"
EXPORT_FORMAT = "unimo-pose-features-1"
MAP_SIZE = 32  # the stem's output maps, whatever the frame size


def _conv_block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU())


def frame_trunk(frame_size: int, width: int, in_channels: int = 3) -> nn.Sequential:
    """Frames ``(B, C, S, S)`` in [-1, 1] -> ``(B, 16 * width)``: a patchify stem onto 32x32 maps (so 64 and
    128 px cost the trunk the same and every pixel enters), three strided conv blocks, 2x2 average pool."""
    if frame_size % MAP_SIZE:
        raise ValueError(f"frame size {frame_size} is not a multiple of {MAP_SIZE}")
    patch = frame_size // MAP_SIZE
    stem = nn.Sequential(nn.Conv2d(in_channels, width, patch, patch), nn.BatchNorm2d(width), nn.ReLU(),
                         nn.Conv2d(width, width, 3, 1, 1), nn.BatchNorm2d(width), nn.ReLU())
    return nn.Sequential(stem, _conv_block(width, 2 * width, 2), _conv_block(2 * width, 4 * width, 2),
                         _conv_block(4 * width, 4 * width, 2), nn.AdaptiveAvgPool2d(2), nn.Flatten())


class PoseFeatureNet(nn.Module):
    """Frame and clip features that read body pose and motion (see the module docstring).

    Args:
        frame_size: Square frame side the network is trained at; other sizes are resized to it.
        width: Channels of the first conv layer (the trunk doubles them twice).
        feature_dim: Size of the frame features and of the motion features (clip features are 3x this).
        num_joints: Body joints the heads regress (22: SMPL-X body without hands and face).
        motion_from: What the motion features see: ``"frames"``, each pair of consecutive frames (a second
            trunk on the frame and its difference to the next: it can see small movements), or
            ``"features"``, the pair's frame features (the first shipped file; frame features are too coarse
            for frame-to-frame change, see ``benchmarks/results/pose_features.md``).
        motion_stride: Frames between the two of a pair (1: consecutive). At 64 px a body joint moves well
            under a pixel per frame at 20 fps, so pairs a few frames apart show the movement.
    """

    def __init__(self, frame_size: int = 64, width: int = 48, feature_dim: int = 64,
                 num_joints: int = 22, motion_from: str = "features", motion_stride: int = 1) -> None:
        super().__init__()
        if motion_from not in ("features", "frames"):
            raise ValueError(f"motion_from must be 'features' or 'frames', got {motion_from!r}")
        if motion_stride < 1:
            raise ValueError(f"motion_stride must be >= 1, got {motion_stride}")
        self.frame_size, self.width = frame_size, width
        self.motion_from, self.motion_stride = motion_from, motion_stride
        self.feature_dim, self.num_joints = feature_dim, num_joints
        self.trunk = frame_trunk(frame_size, width)
        self.to_features = nn.Sequential(nn.Linear(16 * width, 256), nn.ReLU(), nn.Linear(256, feature_dim))
        self.joints_head = nn.Linear(feature_dim, num_joints * 3)  # linear: features carry the pose linearly
        motion_inputs = 2 * feature_dim
        if motion_from == "frames":
            self.pair_trunk = frame_trunk(frame_size, width // 2, in_channels=6)
            motion_inputs = 16 * (width // 2)
        self.motion = nn.Sequential(nn.Linear(motion_inputs, 128), nn.ReLU(), nn.Linear(128, feature_dim))
        self.displacement_head = nn.Linear(feature_dim, num_joints * 3)

    def config(self) -> dict[str, int | str]:
        return {"frame_size": self.frame_size, "width": self.width, "feature_dim": self.feature_dim,
                "num_joints": self.num_joints, "motion_from": self.motion_from,
                "motion_stride": self.motion_stride}

    def _sized(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.shape[-2:] == (self.frame_size, self.frame_size):
            return frames
        flat = F.interpolate(frames.flatten(0, -4), size=(self.frame_size, self.frame_size), mode="bilinear",
                             align_corners=False, antialias=True)
        return flat.unflatten(0, frames.shape[:-3])

    def frame_features(self, frames: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` in [-1, 1] -> ``(N, feature_dim)``; frames of another size are resized first."""
        return self.to_features(self.trunk(self._sized(frames)))

    def motion_features(self, videos: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Videos ``(B, T, 3, H, W)`` in [-1, 1] and their frame features ``(B, T, D)`` -> motion features
        ``(B, T - k, D)`` of each pair of frames ``k = motion_stride`` apart."""
        k = self.motion_stride
        if videos.shape[1] <= k:
            raise ValueError(f"motion features need T > motion_stride={k} frames, got {videos.shape[1]}")
        return self.pair_motion(videos[:, :-k], videos[:, k:], features[:, :-k], features[:, k:])

    def pair_motion(self, before: torch.Tensor, after: torch.Tensor, before_features: torch.Tensor,
                    after_features: torch.Tensor) -> torch.Tensor:
        """Motion features ``(..., D)`` of frame pairs ``(..., 3, H, W)`` and their frame features."""
        if self.motion_from == "features":
            return self.motion(torch.cat([before_features, after_features - before_features], -1))
        before, after = self._sized(before), self._sized(after)
        pairs = torch.cat([before, after - before], dim=-3)  # (..., 6, S, S)
        return self.motion(self.pair_trunk(pairs.flatten(0, -4))).unflatten(0, pairs.shape[:-3])

    def joints(self, features: torch.Tensor) -> torch.Tensor:
        """Frame features ``(..., D)`` -> body-frame joints ``(..., J, 3)`` (m, root-relative)."""
        return self.joints_head(features).unflatten(-1, (self.num_joints, 3))

    def displacement(self, motion: torch.Tensor) -> torch.Tensor:
        """Motion features ``(..., D)`` -> joint displacement to the next frame ``(..., J, 3)`` (m)."""
        return self.displacement_head(motion).unflatten(-1, (self.num_joints, 3))

    def clip_features(self, videos: torch.Tensor) -> torch.Tensor:
        """``(B, T, 3, H, W)`` in [-1, 1], T > motion_stride -> ``(B, 3 * feature_dim)``: [mean, std] over
        time of the frame features and the mean of the motion features."""
        if videos.dim() != 5 or videos.shape[1] <= self.motion_stride:
            raise ValueError(f"clip features need videos (B, T > {self.motion_stride}, 3, H, W), "
                             f"got {tuple(videos.shape)}")
        features = self.frame_features(videos.flatten(0, 1)).unflatten(0, videos.shape[:2])  # (B, T, D)
        motion = self.motion_features(videos, features)  # (B, T - k, D)
        return torch.cat([features.mean(1), features.std(1), motion.mean(1)], dim=-1)


class _FrozenEvaluator(nn.Module):
    """A trained ``PoseFeatureNet`` behind a metric's ``network`` interface, always in eval mode."""

    def __init__(self, net: PoseFeatureNet, num_features: int) -> None:
        super().__init__()
        self.net = net.eval().requires_grad_(False)
        self.num_features = num_features

    def train(self, mode: bool = True) -> _FrozenEvaluator:
        return super().train(False)  # Lightning calls train() on the module tree; batch norm keeps its stats


class PoseFrameFeatures(_FrozenEvaluator):
    """FID-style network: uint8 frames ``(N, 3, H, W)`` -> frame features, for the FID metric class."""

    def __init__(self, net: PoseFeatureNet) -> None:
        super().__init__(net, net.feature_dim)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net.frame_features(images.float() / 127.5 - 1)


class PoseClipFeatures(_FrozenEvaluator):
    """FVD-style network: clips ``(B, 3, T, H, W)`` in [-1, 1] -> clip features (``FrechetVideoDistance``)."""

    def __init__(self, net: PoseFeatureNet) -> None:
        super().__init__(net, 3 * net.feature_dim)

    @torch.no_grad()
    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        return self.net.clip_features(clips.transpose(1, 2))


def export_pose_features(net: PoseFeatureNet, path: str | os.PathLike,
                         provenance: dict[str, Any] | None = None) -> None:
    """Write ``net`` (config, weight matrices in fp16, the rest fp32, provenance) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    state = {k: v.half() if v.ndim >= 2 else v for k, v in state.items()}
    save_atomic({"format": EXPORT_FORMAT, "config": net.config(), "state_dict": state,
                 "provenance": provenance or {}}, path)


def load_pose_features(path: str | os.PathLike | None = None,
                       map_location: str | torch.device = "cpu") -> PoseFeatureNet:
    """Load a pose feature network (default: the shipped file), in eval mode and frozen, in fp32."""
    path = resolve_asset(path if path is not None else SHIPPED_POSE_FEATURES)
    if not path.is_file():
        hint = f"shipped: {SHIPPED_POSE_FEATURES}; train one with benchmarks/pose_features.py --export"
        raise MissingWeightsError(f"pose features: no file at {path} ({hint})")
    obj = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(obj, dict) or obj.get("format") != EXPORT_FORMAT:
        raise ValueError(f"pose features: {path} is not a {EXPORT_FORMAT} file (benchmarks/pose_features.py "
                         f"--export writes one)")
    net = PoseFeatureNet(**obj["config"])
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in obj["state_dict"].items()})
    return net.eval().requires_grad_(False)


def pose_frame_network(path: str | os.PathLike | None = None) -> PoseFrameFeatures:
    """The ``network`` for ``VideoFrechetInceptionDistance`` that makes it ``pose_fid``."""
    return PoseFrameFeatures(load_pose_features(path))


def pose_clip_network(path: str | os.PathLike | None = None) -> PoseClipFeatures:
    """The ``network`` for ``FrechetVideoDistance`` that makes it ``pose_fvd`` (pass ``resolution`` equal
    to the frames' own size so the clips are not upscaled to I3D's 224 first)."""
    return PoseClipFeatures(load_pose_features(path))
