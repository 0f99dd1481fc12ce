"""ShardBatch: pinning and device transfer touch only tensors; worker collation stacks into shared memory."""

from __future__ import annotations

import pytest
import torch
from lightning.fabric.utilities.apply_func import move_data_to_device
from torch.utils.data._utils.pin_memory import pin_memory

from unimo.data.shards.batch import ShardBatch, stack
from unimo.data.shards.decode import collate_clips
from unimo.data.tokens.sample import collate_tokens


def clip(i: int) -> dict:
    camera = {"K": [[1.0, 0.0, 0.0]] * 3, "R": [[[float(i)] * 3] * 3] * 5, "seed": i}
    return {"key": f"c{i}", "fps": 10.0, "start": i, "motion": torch.full((5, 79), float(i)),
            "video": torch.full((5, 3, 4, 4), i / 10), "camera": camera, "skipped": []}


def test_collated_batches_are_shard_batches_with_the_same_values():
    clips = [clip(i) for i in range(3)]
    batch = collate_clips(clips)
    assert isinstance(batch, ShardBatch)
    assert torch.equal(batch["video"], torch.stack([c["video"] for c in clips]))  # (3, 5, 3, 4, 4)
    assert batch["camera"][2]["seed"] == 2 and batch["key"] == ["c0", "c1", "c2"]
    ids = torch.zeros(2, 4, 4, dtype=torch.long)  # (t, h, w)
    window = {"key": "w", "start": 0, "fps": 10.0, "size": 32, "tokenizers": {"video": "a", "motion": "b"},
              "video_ids": ids, "motion_ids": ids.flatten()[:8], "motion": torch.zeros(5, 79)}
    assert isinstance(collate_tokens([window, dict(window)]), ShardBatch)


def test_lightning_transfer_moves_tensors_and_leaves_metadata_alone():
    batch = collate_clips([clip(i) for i in range(2)])
    moved = move_data_to_device(batch, torch.device("cpu"))  # what Lightning's transfer_batch_to_device does
    assert isinstance(moved, ShardBatch) and moved is not batch
    assert moved["camera"] is batch["camera"]  # not rebuilt object by object
    assert torch.equal(moved["video"], batch["video"]) and moved["video"].device.type == "cpu"


def test_pin_memory_thread_pins_only_tensors(monkeypatch):
    pinned = []
    monkeypatch.setattr(torch.Tensor, "pin_memory", lambda self, *args: pinned.append(self) or self)
    batch = collate_clips([clip(i) for i in range(2)])
    out = pin_memory(batch)  # what the DataLoader's pin-memory thread calls
    assert isinstance(out, ShardBatch) and out["camera"] is batch["camera"]
    assert len(pinned) == sum(torch.is_tensor(v) for v in batch.values()) == 4  # motion, fps, start, video


@pytest.mark.parametrize("in_worker", [False, True])
def test_stack_writes_into_shared_memory_in_workers(monkeypatch, in_worker):
    if in_worker:
        monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda: object())
    tensors = [torch.full((2, 3), float(i)) for i in range(4)]
    out = stack(tensors)
    assert torch.equal(out, torch.stack(tensors)) and out.is_shared() == in_worker
