"""configs/video_tokenizer.yaml through the real `unimo fit` on tiny shards; its checkpoint reloads twice."""

from __future__ import annotations

from pathlib import Path

import torch

from unimo.cli import main

ROOT = Path(__file__).resolve().parents[2]
TINY_MODEL = (
    '{"class_path": "CausalVideoTokenizer", "init_args": {"channels": 8, "channel_mult": [1, 2, 2, 2], '
    '"levels": [8, 5, 5], "height": 32, "width": 32}}'
)


def test_video_tokenizer_config_fits_and_reloads(tmp_path: Path, tiny_shards: Path) -> None:
    main(
        [
            "fit",
            "--config",
            str(ROOT / "configs" / "video_tokenizer.yaml"),
            "--data.init_args.data_dir",
            str(tiny_shards),
            "--data.init_args.size",
            "32",
            "--data.init_args.num_frames",
            "9",
            "--data.init_args.batch_size",
            "2",
            "--data.init_args.num_workers",
            "0",
            "--data.init_args.epoch_length",
            "8",
            "--model.init_args.tokenizer",
            TINY_MODEL,
            "--model.init_args.warmup_steps",
            "2",
            "--trainer.accelerator",
            "cpu",
            "--trainer.precision",
            "32-true",
            "--trainer.max_steps",
            "4",
            "--trainer.val_check_interval",
            "4",
            "--trainer.limit_val_batches",
            "1",
            "--trainer.default_root_dir",
            str(tmp_path),
            "--trainer.logger",
            '{"class_path": "CSVLogger", "init_args": {"save_dir": "' + str(tmp_path) + '"}}',
        ]
    )
    ckpt = sorted(tmp_path.rglob("last.ckpt"))[0]
    assert sorted(tmp_path.rglob("previews/*.mp4")), "validation wrote no preview video"

    from unimo.tasks import VideoTokenizerTask
    from unimo.tokenizers.loading import load_tokenizer

    task = VideoTokenizerTask.load_from_checkpoint(ckpt, map_location="cpu").eval()
    tokenizer = load_tokenizer(ckpt).eval()
    assert tokenizer.latent_shape(9, 32, 32) == (3, 4, 4) and tokenizer.vocab_size == 200
    video = torch.rand(2, 9, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.equal(task.tokenizer.encode(video), tokenizer.encode(video))
