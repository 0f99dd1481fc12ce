"""unimo's pose feature network: shapes, export/load, a frozen evaluator, what the shipped file reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from unimo.body.motion import ORIENT_SLICE, TRANSL_SLICE
from unimo.data.synthetic.clip import generate_clip
from unimo.metrics.fid import VideoFrechetInceptionDistance
from unimo.metrics.fvd import FrechetVideoDistance
from unimo.metrics.motion import PAMPJPE
from unimo.metrics.pose_features import (
    PoseClipFeatures,
    PoseFeatureNet,
    PoseFrameFeatures,
    export_pose_features,
    load_pose_features,
    pose_clip_network,
    pose_frame_network,
)
from unimo.metrics.weights import MissingWeightsError
from unimo.tokenizers.motion_losses import body_joints


@pytest.mark.parametrize("motion_from", ["frames", "features"])
def test_shapes_and_other_frame_sizes(motion_from: str) -> None:
    net = PoseFeatureNet(frame_size=64, width=8, feature_dim=16, motion_from=motion_from).eval()
    assert net.frame_features(torch.rand(3, 3, 64, 64) * 2 - 1).shape == (3, 16)
    assert net.frame_features(torch.rand(3, 3, 48, 40) * 2 - 1).shape == (3, 16)  # resized to 64 first
    clips = torch.rand(2, 5, 3, 64, 64) * 2 - 1
    assert net.clip_features(clips).shape == (2, 48)
    assert net.clip_features(clips[..., :48, :40]).shape == (2, 48)
    features = net.frame_features(clips[0])
    assert net.joints(features).shape == (5, 22, 3)
    assert net.displacement(net.motion_features(clips[:1], features[None])).shape == (1, 4, 22, 3)
    with pytest.raises(ValueError, match="T > 1"):
        net.clip_features(clips[:, :1])
    with pytest.raises(ValueError, match="multiple of 32"):
        PoseFeatureNet(frame_size=50)
    with pytest.raises(ValueError, match="motion_from"):
        PoseFeatureNet(motion_from="flow")
    strided = PoseFeatureNet(frame_size=64, width=8, feature_dim=16, motion_from=motion_from, motion_stride=3)
    assert strided.motion_features(clips, features[None].expand(2, -1, -1)).shape == (2, 2, 16)
    with pytest.raises(ValueError, match="T > 3"):
        strided.clip_features(clips[:, :3])


def test_pair_motion_features_see_the_order_of_frames() -> None:
    """With motion from frame pairs, reversing a clip changes its motion features (frame features cannot
    tell: they are per frame)."""
    torch.manual_seed(0)
    net = PoseFeatureNet(frame_size=32, width=8, feature_dim=8, motion_from="frames").eval()
    clip = torch.rand(1, 4, 3, 32, 32) * 2 - 1
    forward, backward = net.clip_features(clip), net.clip_features(clip.flip(1))
    torch.testing.assert_close(forward[:, :16], backward[:, :16])  # mean and std of frame features
    assert not torch.allclose(forward[:, 16:], backward[:, 16:])


def test_export_load_round_trip_and_frozen_evaluator(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = PoseFeatureNet(frame_size=32, width=8, feature_dim=8, motion_from="frames")
    net.train()
    net.frame_features(torch.rand(4, 3, 32, 32))  # moves batch-norm statistics off their defaults
    export_pose_features(net, tmp_path / "pf.pt", provenance={"why": "test"})
    loaded = load_pose_features(tmp_path / "pf.pt")
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    frames = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    wrapped = PoseFrameFeatures(loaded)
    wrapped.train()  # Lightning calls train() on the module tree: the evaluator must stay in eval mode
    assert not loaded.training
    expected = net.eval().frame_features(frames.float() / 127.5 - 1)
    torch.testing.assert_close(wrapped(frames), expected, atol=2e-2, rtol=2e-2)  # fp16 weight matrices
    assert PoseClipFeatures(loaded)(torch.rand(2, 3, 4, 32, 32)).shape == (2, 24)


def test_missing_or_foreign_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError, match="benchmarks/pose_features.py"):
        load_pose_features(tmp_path / "none.pt")
    torch.save({"state_dict": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="unimo-pose-features-1"):
        load_pose_features(tmp_path / "other.pt")


def test_shipped_network_reads_pose_from_rendered_people() -> None:
    """The shipped file loads from the package and its linear head reads the pose of generator clips it never
    saw better than their own mean pose does (benchmark: 72 vs 87 mm; here ~60-67 vs ~74-79 at 16 clips)."""
    clips = [generate_clip(seed, 16, 64, 20.0) for seed in range(100, 116)]
    frames = torch.stack([torch.as_tensor(c.frames) for c in clips]).permute(0, 1, 4, 2, 3).flatten(0, 1)
    motion = torch.stack([c.motion.to_tensor() for c in clips]).float()
    motion[..., ORIENT_SLICE] = 0  # body-frame joints: the articulated pose only
    motion[..., TRANSL_SLICE] = 0
    joints = body_joints(motion).flatten(0, 1)  # (N, 22, 3)
    joints = joints - joints[:, :1]
    net = load_pose_features()
    read = PAMPJPE()
    read.update(net.joints(net.frame_features(frames.float() / 127.5 - 1))[None], joints[None])
    mean_pose = PAMPJPE()
    mean_pose.update(joints.mean(0).expand_as(joints)[None], joints[None])
    assert float(read.compute()) < float(mean_pose.compute()) - 5.0
    fid = VideoFrechetInceptionDistance(network=pose_frame_network())
    videos = frames.unflatten(0, (16, 16)).float() / 127.5 - 1
    fid.update(videos, real=True)
    fid.update(videos, real=False)
    assert float(fid.compute()) == pytest.approx(0.0, abs=1e-6)
    fvd = FrechetVideoDistance(network=pose_clip_network(), resolution=64, num_frames=16)
    fvd.update(videos[:8], real=True)
    fvd.update(videos[8:], real=False)
    assert float(fvd.compute()) > 0
