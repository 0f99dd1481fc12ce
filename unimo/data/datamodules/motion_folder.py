"""``MotionFolderDataModule``: motion-only training from a folder of motion files (AMASS, BEAT2, GVHMR, ...).

Files are read once with ``unimo.data.load_motion`` (any format it understands), resampled to one frame rate,
held in memory (motions are small: 1 h at 30 fps is ~34 MB) and cut into fixed-length windows.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from unimo.data.importers import load_motion
from unimo.data.shards.manifest import assign_splits
from unimo.data.shards.skips import SkipReporter

MotionItem = tuple[str, torch.Tensor, float]  # (key, (T, 79) channels, fps)


class MotionWindows(Dataset):
    """Windows of ``num_frames`` frames (every ``frame_stride``-th) from motions held in memory.

    Each motion contributes ``T // span`` items (span = frames one window covers). Training items start
    anywhere in their motion (uniformly); evaluation items tile it without overlap from frame 0.

    Args:
        motions: ``(key, (T, 79) channels, fps)`` per motion; each must cover at least one window.
        num_frames: Frames per window.
        frame_stride: Step between frames.
        random_start: Draw window starts at random (training).
    """

    def __init__(self, motions: list[MotionItem], num_frames: int, frame_stride: int = 1,
                 random_start: bool = False) -> None:
        self.motions, self.num_frames, self.frame_stride = motions, num_frames, frame_stride
        self.random_start = random_start
        self.span = (num_frames - 1) * frame_stride + 1
        self.index = [(m, w) for m, (_, x, _) in enumerate(motions) for w in range(len(x) // self.span)]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> dict[str, Any]:
        m, w = self.index[i]
        key, channels, fps = self.motions[m]
        if self.random_start:
            start = int(torch.randint(len(channels) - self.span + 1, ()))  # DataLoader seeds each worker
        else:
            start = w * self.span
        return {"motion": channels[start:start + self.span:self.frame_stride],  # (T, 79)
                "fps": torch.tensor(fps / self.frame_stride, dtype=torch.float32), "key": key,
                "start": torch.tensor(start)}


class MotionFolderDataModule(L.LightningDataModule):
    """Serve motion windows from a folder of motion files, split by file into train/val/test.

    Batches are ``{"motion": (B, T, 79), "fps": (B,), "key": list[str] (file path relative to data_dir,
    without suffix), "start": (B,)}``.

    Args:
        data_dir: Folder searched recursively with ``pattern``.
        batch_size: Windows per batch (per DDP rank).
        num_workers: DataLoader worker processes.
        num_frames: Frames per window.
        frame_stride: Take every ``frame_stride``-th frame (after resampling to ``target_fps``).
        target_fps: Resample every file to this frame rate; None keeps each file's rate (they must agree
            for the batch's ``fps`` to mean one thing).
        pattern: Glob of the motion files, relative to ``data_dir``.
        val_fraction: Share of files held out for validation (the last files in sorted order).
        test_fraction: Share of files held out for testing.
        error_policy: ``"warn"``: skip unreadable or too-short files (counted in ``num_skipped``);
            ``"strict"``: raise.
    """

    def __init__(self, data_dir: str, batch_size: int = 32, num_workers: int = 0, num_frames: int = 64,
                 frame_stride: int = 1, target_fps: float | None = 30.0, pattern: str = "**/*.npz",
                 val_fraction: float = 0.1, test_fraction: float = 0.1,
                 error_policy: Literal["warn", "strict"] = "warn") -> None:
        super().__init__()
        self.save_hyperparameters()
        self.data_dir, self.pattern = Path(data_dir), pattern
        self.batch_size, self.num_workers = batch_size, num_workers
        self.num_frames, self.frame_stride, self.target_fps = num_frames, frame_stride, target_fps
        self.fractions = (val_fraction, test_fraction)
        self.error_policy = error_policy
        self.reporter: SkipReporter | None = None  # made in setup: its shared counter cannot be deep-copied
        self.splits: dict[str, list[MotionItem]] = {}

    @property
    def num_skipped(self) -> int:
        """Files skipped as unreadable or too short."""
        return 0 if self.reporter is None else self.reporter.total

    def setup(self, stage: str | None = None) -> None:
        """Load every file once and assign files to splits."""
        if self.splits:
            return
        self.reporter = SkipReporter(self.error_policy)
        files = sorted(p for p in self.data_dir.glob(self.pattern)
                       if p.is_file() and not p.name.startswith("."))
        if not files:
            raise FileNotFoundError(f"{self.data_dir}: no motion files match {self.pattern!r}")
        names, _ = assign_splits([str(p) for p in files], *self.fractions)
        for split, paths in names.items():
            self.splits[split] = [item for p in paths if (item := self._load(Path(p))) is not None]

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", train=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", train=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", train=False)

    def _loader(self, split: str, train: bool) -> DataLoader:
        self.setup()
        if not self.splits[split]:
            raise ValueError(f"{self.data_dir}: the {split} split has no usable motion file")
        dataset = MotionWindows(self.splits[split], self.num_frames, self.frame_stride, random_start=train)
        return DataLoader(dataset, batch_size=self.batch_size, shuffle=train, num_workers=self.num_workers,
                          persistent_workers=self.num_workers > 0)

    def _load(self, path: Path) -> MotionItem | None:
        span = (self.num_frames - 1) * self.frame_stride + 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # importer notes (dropped hands, ...) would repeat per file
                motion = load_motion(path, target_fps=self.target_fps)
        except (ValueError, KeyError, OSError, EOFError) as exc:
            self.reporter.report(str(path), "<file>", f"{type(exc).__name__}: {exc}")
            return None
        if motion.num_frames < span:
            self.reporter.report(str(path), "<file>", f"{motion.num_frames} frames, need {span}")
            return None
        key = str(path.relative_to(self.data_dir).with_suffix(""))
        return key, motion.to_tensor().contiguous(), float(motion.fps)
