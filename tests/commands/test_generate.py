"""`unimo generate` and `unimo capture` end to end on a tiny joint checkpoint (real files, real video)."""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import torch

from unimo.body.motion import Motion
from unimo.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from unimo.cli import main
from unimo.render.video_io import read_video, write_video
from unimo.tasks.joint.pipelines import stitch_windows, window_starts


def test_window_starts_cover_every_frame() -> None:
    for length in (1, 16, 17, 18, 40, 101):
        starts = window_starts(length, 17)
        covered = set().union(*(range(s, s + 17) for s in starts))
        assert set(range(length)) <= covered and starts[0] == 0
        assert all(b - a <= 17 for a, b in pairwise(starts))


def _turn(x: torch.Tensor, yaw: float, origin: torch.Tensor) -> torch.Tensor:
    """Express motion ``(T, 79)`` in a frame turned by ``yaw`` about y and moved to ``origin``."""
    c, s = math.cos(yaw), math.sin(yaw)
    rot = torch.tensor([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    out = x.clone()
    out[:, 73:76] = matrix_to_axis_angle(rot.T @ axis_angle_to_matrix(x[:, 73:76]))
    out[:, 76:79] = (x[:, 76:79] - origin) @ rot
    return out


def test_stitching_undoes_per_window_heading_and_position() -> None:
    length, window = 40, 17
    truth = torch.zeros(length, 79)
    heading = torch.linspace(0, 1.5, length)  # turning left while walking a curve
    truth[:, 74] = heading
    truth[:, 76] = torch.cumsum(0.05 * torch.sin(heading), 0)
    truth[:, 78] = torch.cumsum(0.05 * torch.cos(heading), 0)
    truth[:, :63] = torch.randn(length, 63) * 0.1
    starts = window_starts(length, window)
    pieces = [_turn(truth[s : s + window], float(heading[s]), truth[s, 76:79]) for s in starts]
    stitched = stitch_windows(pieces, starts, window, length)
    expected = _turn(truth, float(heading[0]), truth[0, 76:79])
    assert torch.allclose(stitched, expected, atol=1e-4)


@pytest.mark.slow
def test_generate_and_capture_end_to_end(tmp_path: Path, tiny_joint_checkpoint: Path) -> None:
    image = np.zeros((48, 40, 3), np.uint8)
    image[10:40, 15:25] = 200
    from PIL import Image
    Image.fromarray(image).save(tmp_path / "first.png")
    main(["generate", str(tiny_joint_checkpoint), "--image", str(tmp_path / "first.png"), "--out",
          str(tmp_path / "gen"), "--num_frames", "9", "--device", "cpu"])
    frames, fps = read_video(tmp_path / "gen" / "video.mp4")
    motion = Motion.load(tmp_path / "gen" / "motion.npz")
    assert frames.shape[0] == 9 and len(motion) == 9 and fps == motion.fps
    preview, _ = read_video(tmp_path / "gen" / "preview.mp4")
    assert preview.shape[2] == 2 * frames.shape[2]

    clip = np.random.default_rng(0).integers(0, 255, (45, 36, 50, 3), dtype=np.uint8)  # 45 frames at 30 fps
    write_video(tmp_path / "in.mp4", clip, fps=30.0)
    main(["capture", str(tiny_joint_checkpoint), "--video", str(tmp_path / "in.mp4"), "--out",
          str(tmp_path / "cap"), "--device", "cpu"])
    captured = Motion.load(tmp_path / "cap" / "motion.npz")
    assert len(captured) == 45 and captured.fps == 30.0
    assert torch.isfinite(captured.to_tensor()).all()
    assert (tmp_path / "cap" / "overlay.mp4").stat().st_size > 0
    main(["capture", str(tiny_joint_checkpoint), "--video", str(tmp_path / "in.mp4"), "--out",
          str(tmp_path / "cap_expected"), "--device", "cpu", "--decoding", "expected"])
    expected = Motion.load(tmp_path / "cap_expected" / "motion.npz").to_tensor()
    assert expected.shape == captured.to_tensor().shape and torch.isfinite(expected).all()
    assert not torch.allclose(expected, captured.to_tensor())  # a tiny model's distributions are not one-hot
    main(["capture", str(tiny_joint_checkpoint), "--video", str(tmp_path / "in.mp4"), "--out",
          str(tmp_path / "cap_sampled"), "--device", "cpu", "--decoding", "sampled", "--samples", "2"])
    sampled = Motion.load(tmp_path / "cap_sampled" / "motion.npz").to_tensor()
    assert sampled.shape == expected.shape and torch.isfinite(sampled).all()
    assert not torch.allclose(sampled, expected)  # the later ids' beliefs follow sampled histories


def test_capture_names_an_unreadable_video(tmp_path: Path, tiny_joint_checkpoint: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(SystemExit, match="^unimo capture: .*broken.mp4"):
        main(["capture", str(tiny_joint_checkpoint), "--video", str(bad), "--out", str(tmp_path / "x")])
    image = tmp_path / "broken.png"
    image.write_bytes(b"not an image either")
    with pytest.raises(SystemExit, match="^unimo generate: .*broken.png: neither an image .* nor a video"):
        main(["generate", str(tiny_joint_checkpoint), "--image", str(image), "--out", str(tmp_path / "y")])


def test_missing_checkpoint_is_one_line_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="^unimo generate: .*none.ckpt: no such checkpoint"):
        main(["generate", "--ckpt", str(tmp_path / "none.ckpt"), "--image", "x.png", "--num-frames", "9"])
