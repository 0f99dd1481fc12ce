"""Exact epochs under DDP (issue #10): every rank gets the same number of batches and its own clips.

Ranks are simulated in one process (from the attached Trainer or from RANK/WORLD_SIZE, as
``webdataset.split_by_node`` reads them), with real DataLoader worker processes; tests/test_ddp.py runs the
same pipeline under a real 2-process ``unimo fit``.
"""

from __future__ import annotations

import collections
import warnings
from types import SimpleNamespace

import pytest
import torch

from unimo.data.datamodules import WebDatasetDataModule
from unimo.data.shards.pipeline import SplitSamplesByRank, uneven_split_warning
from unimo.data.shards.synth import SynthSpec, synthesize

SPEC = SynthSpec(num_clips=14, num_frames=8, size=16, fps=10.0, seed=5, clips_per_shard=2)  # 7 shards: 5/1/1
TRAIN = {f"synth-{i:07d}" for i in range(10)}


@pytest.fixture
def data_dir(tmp_path, toy):
    synthesize(tmp_path / "data", SPEC, make_clip=toy.Maker(), progress=False)
    return tmp_path / "data"


def rank_loader(data_dir, rank, world_size, num_workers, rank_from, monkeypatch, split):
    """Return the ``split`` loader of one simulated rank, with its own torch seed."""
    torch.manual_seed(100 + rank)  # ranks' torch RNGs need not agree: the split must not depend on them
    dm = WebDatasetDataModule(str(data_dir), batch_size=2, num_workers=num_workers, num_frames=4,
                              modalities=("motion",), shuffle_buffer=4)
    if rank_from == "env":
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", str(world_size))
    else:
        dm.trainer = SimpleNamespace(global_rank=rank, world_size=world_size)
    dm.setup("fit")
    with warnings.catch_warnings():  # the uneven-split note (tested below)
        warnings.simplefilter("ignore", UserWarning)
        return dm.train_dataloader() if split == "train" else dm.val_dataloader()


# (world size, DataLoader workers, clips dropped per epoch). With 2 workers, worker 0 reads shards 0, 2, 4
# (6 clips) and worker 1 shards 1, 3 (4 clips); 3 ranks leave 4 % 3 = 1 clip of worker 1 over.
CASES = [(2, 2, 0), (3, 2, 1), (2, 0, 0), (3, 0, 1)]


@pytest.mark.parametrize("rank_from", ["trainer", "env"])
@pytest.mark.parametrize(("world_size", "num_workers", "dropped"), CASES)
def test_exact_epochs_equal_batches_disjoint_clips(data_dir, monkeypatch, rank_from, world_size, num_workers,
                                                   dropped):
    epochs = 2
    batches = collections.defaultdict(dict)  # batches[epoch][rank] = list of key lists
    for rank in range(world_size):
        loader = rank_loader(data_dir, rank, world_size, num_workers, rank_from, monkeypatch, "train")
        for epoch in range(epochs):  # the same loader, as Lightning iterates it epoch after epoch
            batches[epoch][rank] = [b["key"] for b in loader]
        del loader  # stop its persistent workers before the next rank's fork (else they linger for 5 s)
    for epoch in range(epochs):
        counts = {rank: len(b) for rank, b in batches[epoch].items()}
        assert len(set(counts.values())) == 1, f"epoch {epoch}: unequal batch counts per rank {counts}"
        seen = collections.Counter(k for b in batches[epoch].values() for keys in b for k in keys)
        assert set(seen.values()) == {1}, f"epoch {epoch}: a clip went to two ranks"
        assert set(seen) <= TRAIN and len(seen) == len(TRAIN) - dropped
    orders = [[k for keys in batches[epoch][0] for k in keys] for epoch in range(epochs)]
    assert orders[0] != orders[1], "training order must change from epoch to epoch"


def test_single_val_shard_is_shared_by_two_ranks(data_dir, monkeypatch):
    """One val shard of 2 clips: split by shard, rank 1 had no validation batch (the hang); now 1 each."""
    loaders = {rank: rank_loader(data_dir, rank, 2, 0, "trainer", monkeypatch, "val") for rank in (0, 1)}
    keys = {rank: [k for b in loader for k in b["key"]] for rank, loader in loaders.items()}
    assert keys == {0: ["synth-0000010"], 1: ["synth-0000011"]}


def test_drop_is_reported_on_rank_zero():
    samples = [{"__key__": str(i)} for i in range(7)]
    with pytest.warns(UserWarning, match="dropped the last 1 of 7 clips"):
        kept = [s["__key__"] for s in SplitSamplesByRank(0, 3)(iter(samples))]
    assert kept == ["0", "3"]
    stage = SplitSamplesByRank(2, 3)
    assert [s["__key__"] for s in stage(iter(samples))] == ["2", "5"] and stage.dropped == 1
    assert [s["__key__"] for s in SplitSamplesByRank(0, 1)(iter(samples))] == [str(i) for i in range(7)]
    with pytest.raises(ValueError, match="rank"):
        SplitSamplesByRank(3, 3)


def test_uneven_split_warning_states_the_cost():
    assert uneven_split_warning(8, 2, 4) is None
    assert "drop up to 3 clip(s)" in uneven_split_warning(5, 2, 3)
    assert "more shards than others" in uneven_split_warning(5, 1, 2)
