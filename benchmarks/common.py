"""Helpers shared by the benchmark scripts (they run as scripts, so this folder is on ``sys.path``)."""

from __future__ import annotations

import copy
import json
import os
import platform
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch

from unimo.atomic import temp_beside

ROOT = Path(__file__).resolve().parents[1]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename, so a killed run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(path)
    tmp.write_text(text)
    os.replace(tmp, path)


def device_name(device: str) -> str:
    """Return the GPU's name, or the CPU's with its core count."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"


def git_commit() -> str:
    """Return the repository's HEAD commit, or "unknown" outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def write_probe_report(path: Path, result: dict[str, Any], args: Any, device: str = "cpu") -> dict[str, Any]:
    """Add the run's provenance (config, device, torch, commit) to ``result``, write it to ``path`` as JSON
    (atomically) and print it without its ``log``; return the report."""
    report = {**result, "config": {k: str(v) for k, v in vars(args).items()}, "device": device_name(device),
              "torch": torch.__version__, "git_commit": git_commit()}
    write_atomic(path, json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "log"}), flush=True)
    return report


def single_thread_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers run torch on one thread each.

    Without it every worker starts as many torch threads as there are cores: 16 workers on the 16-core GPU
    machine meant 256 threads, and clip generation that should take about a minute ran past 5 (the
    likely cause of a lost device run). ``unimo.data.shards.synth`` does the same for its pool.
    """
    return ProcessPoolExecutor(workers, initializer=torch.set_num_threads, initargs=(1,))


def export_fp16(tokenizer: torch.nn.Module, path: Path, provenance: dict[str, Any] | None = None) -> float:
    """Export ``tokenizer`` with its weight tensors (ndim >= 2) in fp16, the rest fp32; return the MB.

    Half the file for shipping; loading copies the weights back into fp32 parameters."""
    from unimo.tokenizers.loading import export_tokenizer

    copy_ = copy.deepcopy(tokenizer).float().cpu()
    with torch.no_grad():
        for p in copy_.parameters():
            if p.ndim >= 2:
                p.data = p.data.half()
    path.parent.mkdir(parents=True, exist_ok=True)
    export_tokenizer(copy_, path, provenance)
    return round(path.stat().st_size / 2**20, 2)


def id_frequencies(ids: torch.Tensor, vocab: int) -> torch.Tensor:
    """Return per-position id frequencies ``(N, vocab)`` of ids ``(M, N)``: decoded as expected codes, the
    blind V2M baseline (the same motion for every clip, whatever the video)."""
    counts = torch.zeros(ids.shape[1], vocab).scatter_add_(1, ids.T.contiguous().cpu(),
                                                           torch.ones(ids.shape[1], ids.shape[0]))
    return counts / counts.sum(1, keepdim=True)


def token_windows(folder: Path, splits: list[str],
                  keys: tuple[str, ...] = ("video_ids", "motion_ids", "motion")) -> tuple[torch.Tensor, ...]:
    """Return ``keys`` of every window in ``splits`` of a token-shard folder, concatenated in memory (one
    exact, unshuffled pass per split)."""
    from unimo.data.datamodules import TokenShardDataModule

    data = TokenShardDataModule(data_dir=str(folder), batch_size=256, num_workers=0, resampled=False,
                                shuffle_buffer=0)
    data.setup("fit")
    loaders = {"train": data.train_dataloader, "val": data.val_dataloader, "test": data.test_dataloader}
    batches = [batch for split in splits for batch in loaders[split]()]
    return tuple(torch.cat([batch[key] for batch in batches]) for key in keys)
