"""GPTBackbone and its shared-embedding ablation at tiny size."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch._dynamo.utils import counters

from unimo.backbones import BACKBONES, PRESETS, GPTBackbone, SharedEmbeddingGPTBackbone
from unimo.backbones.gpt import mlp_hidden_size
from unimo.backbones.layers import rope_angles
from unimo.layouts import I2VMLayout, Modality, TokenSequence, V2MLayout

VOCAB = {"special": 16, "video": 50, "motion": 7}
TINY = {"vocab_sizes": VOCAB, **PRESETS["tiny"]}
CLASSES = [GPTBackbone, SharedEmbeddingGPTBackbone]


def _batch(layout: object = None) -> TokenSequence:
    video, motion = torch.randint(0, 50, (2, 3, 2, 2)), torch.randint(0, 7, (2, 6))  # t=3, h=w=2, s=2
    return (layout or I2VMLayout()).arrange(video, motion)  # (2, 19)


@pytest.mark.parametrize("cls", CLASSES)
def test_forward_full_and_selected_logits_agree(cls: type) -> None:
    model, seq = cls(**TINY), _batch()
    full = model(seq.input_ids, seq.modality_ids, seq.positions)
    assert full["video"].shape == (2, 19, 50) and full["motion"].shape == (2, 19, 7)
    select = torch.where(seq.loss_mask, seq.target_modality_ids, -1)
    picked = model(seq.input_ids, seq.modality_ids, seq.positions, select=select)
    for key in ("video", "motion"):
        mine = select == int(Modality.from_key(key))
        assert picked[key].shape == (int(mine.sum()), VOCAB[key])
        assert torch.allclose(picked[key], full[key][mine], atol=1e-5)


def test_loss_is_per_modality_cross_entropy() -> None:
    model, seq = GPTBackbone(**TINY), _batch()
    losses = model.loss(seq)
    full = model(seq.input_ids, seq.modality_ids, seq.positions)
    ces = []
    for key in ("video", "motion"):
        mine = seq.loss_mask & (seq.target_modality_ids == int(Modality.from_key(key)))
        ce = F.cross_entropy(full[key][mine], seq.targets[mine], reduction="none")
        assert torch.allclose(losses[key], ce.mean(), atol=1e-5)
        ces.append(ce)
    assert torch.allclose(losses["loss"], torch.cat(ces).mean(), atol=1e-5)
    assert abs(losses["video"].item() - torch.log(torch.tensor(50.0)).item()) < 0.2  # near-uniform at init


@pytest.mark.parametrize("cls", CLASSES)
def test_every_parameter_gets_a_gradient_even_without_video_targets(cls: type) -> None:
    model = cls(**TINY)
    model.loss(_batch(V2MLayout()))["loss"].backward()  # V2M: motion targets only
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert all(g is not None for g in grads.values()), [n for n, g in grads.items() if g is None]
    if cls is GPTBackbone:
        assert grads["heads.heads.video.weight"].abs().max() == 0  # touched (DDP-safe) but exactly zero
        assert grads["heads.heads.motion.weight"].abs().max() > 0


@pytest.mark.parametrize("cls", CLASSES)
def test_output_is_invariant_to_a_shift_of_all_positions(cls: type) -> None:
    model, seq = cls(**TINY), _batch()
    h = model.hidden(seq.input_ids, seq.modality_ids, seq.positions)
    shifted = model.hidden(seq.input_ids, seq.modality_ids, seq.positions + 1000)
    assert torch.allclose(h, shifted, atol=1e-4)  # RoPE is relative
    other = model.hidden(seq.input_ids, seq.modality_ids, seq.positions * 2)
    assert not torch.allclose(h[:, 1:], other[:, 1:], atol=1e-3)  # but positions are used


@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("cls", CLASSES)
def test_chunked_prefill_and_single_steps_match_full_forward(cls: type, static: bool) -> None:
    model, seq = cls(**TINY).eval(), _batch()
    full = model.hidden(seq.input_ids, seq.modality_ids, seq.positions)  # (2, 19, D)
    cache = model.new_cache(2, 23, static=static)  # spare slots: a static cache attends over all of them
    parts = [model.hidden(seq.input_ids[:, a:b], seq.modality_ids[:, a:b], seq.positions[:, a:b], cache=cache)
             for a, b in [(0, 5), (5, 12), (12, 13), (13, 19)]]
    assert cache.length == 19 and int(cache.position) == 19
    assert torch.allclose(torch.cat(parts, dim=1), full, atol=1e-5)


def test_bf16_autocast_matches_fp32() -> None:
    model, seq = GPTBackbone(**TINY), _batch()
    ref = model.loss(seq)["loss"]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = model.loss(seq)["loss"]
        assert model.new_cache(1, 4).k.dtype == torch.bfloat16
    assert torch.isfinite(low) and abs(low.item() - ref.item()) < 0.05


def test_block_compiles_without_graph_breaks() -> None:
    block = GPTBackbone(**TINY).blocks[0]
    x, pos = torch.randn(2, 8, 32), torch.arange(8).expand(2, 8)
    explained = torch._dynamo.explain(block)(x, *rope_angles(pos, 16, 10000.0))
    assert (explained.graph_count, explained.graph_break_count) == (1, 0)


def test_compiled_model_matches_eager_in_loss_and_gradients(monkeypatch: pytest.MonkeyPatch) -> None:
    # aot_eager traces exactly what inductor would compile (dynamo + autograd graphs) in seconds instead of
    # a minute of C++ builds on CPU; GPU runs of benchmarks/train_speed.py use the default backend.
    compile_ = torch.compile
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: compile_(fn, backend="aot_eager", **kw))
    seq = _batch()
    eager = GPTBackbone(**TINY)
    compiled = GPTBackbone(**TINY, compile=True)
    compiled.load_state_dict(eager.state_dict())
    assert set(compiled.state_dict()) == set(eager.state_dict())  # compiled wrappers are not saved
    counters.clear()
    losses = [model.loss(seq)["loss"] for model in (compiled, eager)]
    assert counters["stats"]["unique_graphs"] == 3  # the blocks' graph and the head+CE graph per modality
    assert torch.allclose(losses[0], losses[1], atol=1e-5)
    for loss in losses:
        loss.backward()
    for (name, a), b in zip(compiled.named_parameters(), eager.parameters(), strict=True):
        assert torch.allclose(a.grad, b.grad, atol=1e-5), name


def test_presets_have_the_advertised_sizes() -> None:
    assert mlp_hidden_size(768) == 2048 and mlp_hidden_size(1024) == 2816
    with torch.device("meta"):
        sizes = {name: GPTBackbone(**p) for name, p in PRESETS.items() if name != "tiny"}
    blocks = {name: sum(p.numel() for p in m.blocks.parameters()) / 1e6 for name, m in sizes.items()}
    assert 80 < blocks["125m"] < 90 and 300 < blocks["350m"] < 315


def test_registered() -> None:
    assert {"GPTBackbone", "SharedEmbeddingGPTBackbone"} <= set(BACKBONES.names())
