"""``unimo data pack|inspect|preview|synth`` through the real CLI entry point."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from unimo.body.motion import Motion
from unimo.cli import main
from unimo.data.datamodules import WebDatasetDataModule
from unimo.data.shards.synth import has_generator
from unimo.render.video_io import write_video


def moving_frames(num_frames: int, height: int, width: int, seed: int) -> np.ndarray:
    t = np.arange(num_frames)[:, None, None, None]
    x = np.linspace(0, 1, width)[None, None, :, None]
    wave = np.sin(2 * np.pi * (x + 0.1 * t + seed / 7)) * 90 + 128
    return np.broadcast_to(wave, (num_frames, height, width, 3)).astype(np.uint8)


def random_motion(num_frames: int, fps: float, seed: int) -> Motion:
    g = torch.Generator().manual_seed(seed)
    return Motion(global_orient=torch.randn(num_frames, 3, generator=g) * 0.3,
                  body_pose=torch.randn(num_frames, 63, generator=g) * 0.3,
                  betas=torch.randn(10, generator=g), transl=torch.randn(num_frames, 3, generator=g), fps=fps)


@pytest.fixture
def pairs(tmp_path):
    """Videos a, b, c and motions a, b, d: two pairs, a lone video, a lone motion; b's motion is longer."""
    videos, motions = tmp_path / "videos", tmp_path / "motions"
    videos.mkdir(), motions.mkdir()
    for i, (stem, frames) in enumerate([("a", 8), ("b", 6), ("c", 5)]):
        write_video(videos / f"{stem}.mp4", moving_frames(frames, 24, 32, i), fps=25)
    for i, (stem, frames) in enumerate([("a", 8), ("b", 9), ("d", 5)]):
        random_motion(frames, 25.0, i).save(motions / f"{stem}.npz")
    return videos, motions, tmp_path / "packed"


def test_pack_pairs_by_stem_and_reports_unmatched(pairs, capsys):
    videos, motions, out = pairs
    main(["data", "pack", "--videos", str(videos), "--motions", str(motions), "--out", str(out),
          "--clips_per_shard", "1"])
    text = capsys.readouterr().out
    assert "paired:    2" in text
    assert "unmatched video: c.mp4" in text and "unmatched motion: d.npz" in text
    assert "trimmed:   b: video 6 frames, motion 9" in text
    dm = WebDatasetDataModule(str(out), batch_size=1, num_workers=0, num_frames=6)
    dm.setup("fit")
    (batch,) = list(dm.val_dataloader())  # 2 shards: train = a, val = test = b
    assert batch["key"] == ["b"] and batch["camera"] == [None]
    assert torch.equal(batch["motion"][0], random_motion(9, 25.0, 1).to_tensor()[:6])
    assert batch["video"].shape == (1, 6, 3, 24, 32)


def test_pack_requires_its_folders(capsys):
    with pytest.raises(SystemExit, match="missing required argument.*--videos, --motions"):
        main(["data", "pack", "--out", "x"])


def test_inspect_shard_folder_tar_and_motion_file(pairs, capsys):
    videos, motions, out = pairs
    main(["data", "pack", "--videos", str(videos), "--motions", str(motions), "--out", str(out),
          "--clips_per_shard", "1"])
    capsys.readouterr()
    main(["data", "inspect", str(out)])
    text = capsys.readouterr().out
    assert "total:     2 shards, 2 clips, 14 frames" in text
    assert "per clip:  6-8 frames (mean 7.0); sizes 24x32 (HxW); fps 25" in text
    assert "train           1       1         8" in text and "val             1       1         6" in text
    assert "splits share shards" in text
    main(["data", "inspect", str(out / "shard-000000.tar")])
    assert "total:     1 shards, 1 clips, 8 frames" in capsys.readouterr().out
    main(["data", "inspect", str(motions / "a.npz")])
    assert "frames:    8 at 25 fps" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no such file"):
        main(["data", "inspect", str(out / "nothing")])
    shard = out / "shard-000001.tar"
    shard.write_bytes(shard.read_bytes()[:1000])  # a cut copy
    with pytest.raises(SystemExit, match="1 shard"):
        main(["data", "inspect", str(out)])
    assert "damaged:   shard-000001.tar: 1000 bytes, the manifest says" in capsys.readouterr().out


def test_preview_gif_of_packed_clips(pairs, tmp_path, capsys):
    videos, motions, out = pairs
    main(["data", "pack", "--videos", str(videos), "--motions", str(motions), "--out", str(out)])
    gif = tmp_path / "preview.gif"
    main(["data", "preview", str(out), "--out", str(gif), "--size", "32", "--max_frames", "4",
          "--num_clips", "1"])
    with Image.open(gif) as image:
        assert image.n_frames == 4 and image.size == (2 * 32, 32)  # one tile: video + skeleton panel
        image.seek(2)
        panel = np.asarray(image.convert("RGB"))[:, 32:]
    assert (panel != panel[0, 0]).any(axis=-1).sum() > 20, "the skeleton panel should show drawn bones"
    with pytest.raises(SystemExit, match="split 'bogus': expected one of train, val, test"):
        main(["data", "preview", str(out), "--out", str(gif), "--split", "bogus"])


@pytest.mark.skipif(not has_generator(), reason="unimo.data.synthetic.generate_clip not there yet")
def test_synth_command_then_preview(tmp_path, capsys):
    out = tmp_path / "synth"
    main(["data", "synth", "--out", str(out), "--num_clips", "3", "--num_frames", "4", "--size", "32",
          "--workers", "0"])
    assert "total:     3 shards, 3 clips, 12 frames" in capsys.readouterr().out
    main(["data", "preview", str(out), "--out", str(tmp_path / "new" / "p.mp4"), "--size", "32",
          "--num_clips", "1"])  # a folder that does not exist yet
    assert (tmp_path / "new" / "p.mp4").stat().st_size > 0


@pytest.mark.real_data
def test_pack_real_video_with_real_amass_motion(real_data_dir, tmp_path, capsys):
    """Real files, paired through symlinks (never copied); the AMASS motion is resampled to the video fps."""
    videos, motions = tmp_path / "v", tmp_path / "m"
    videos.mkdir(), motions.mkdir()
    (videos / "runner.mp4").symlink_to(real_data_dir / "sports2d_demo3_runner.mp4")
    (motions / "runner.npz").symlink_to(real_data_dir / "amass_dmpl_sample_smplh.npz")
    with pytest.warns(UserWarning, match="finger joints dropped"):
        main(["data", "pack", "--videos", str(videos), "--motions", str(motions),
              "--out", str(tmp_path / "o"), "--size", "48"])
    text = capsys.readouterr().out
    assert "trimmed:   runner: video 47 frames, motion 59" in text  # AMASS sample at 29.97 fps is 59 frames
    assert "sizes 48x65 (HxW); fps 29.97" in text
