"""Sampling filters and cached generation against full recomputation."""

from __future__ import annotations

import pytest
import torch

from unimo.backbones import PRESETS, GPTBackbone, SharedEmbeddingGPTBackbone
from unimo.backbones.sampling import decode_steps, filter_logits, generate, sample_next
from unimo.layouts import I2VMLayout, M2VLayout, Modality, TokenGrid

VOCAB = {"special": 16, "video": 50, "motion": 7}


@pytest.mark.parametrize(("top_k", "top_p"), [(0, None), (None, 0.0), (None, 1.5)])
def test_out_of_range_filters_are_refused(top_k: int | None, top_p: float | None) -> None:
    expected = "top_k: expected >= 1" if top_k == 0 else r"top_p: expected in \(0, 1\]"
    with pytest.raises(ValueError, match=expected):
        filter_logits(torch.zeros(1, 4), top_k=top_k, top_p=top_p)


def test_top_k_keeps_exactly_the_k_largest() -> None:
    out = filter_logits(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), top_k=2)
    assert torch.isfinite(out).tolist() == [[False, True, True, False]]


NUCLEI = [(0.4, [0]), (0.75, [0, 1]), (0.85, [0, 1, 2]), (1.0, [0, 1, 2, 3])]


@pytest.mark.parametrize(("top_p", "kept"), NUCLEI)
def test_top_p_keeps_the_smallest_nucleus(top_p: float, kept: list[int]) -> None:
    logits = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()[:, [2, 0, 3, 1]]  # shuffled: order must not matter
    out = filter_logits(logits, top_p=top_p)
    ids = [0, 1, 2, 3]
    expected = [[[2, 0, 3, 1][i] in kept for i in ids]]
    assert torch.isfinite(out).tolist() == expected


def test_samples_respect_the_masks_and_the_distribution() -> None:
    logits = torch.tensor([0.5, 0.3, 0.15, 0.05]).log().expand(20000, 4)
    gen = torch.Generator().manual_seed(0)
    top_k = sample_next(logits, top_k=2, generator=gen)
    assert set(top_k.tolist()) == {0, 1}
    assert abs(float((top_k == 0).float().mean()) - 0.5 / 0.8) < 0.02  # renormalised over the kept ids
    nucleus = sample_next(logits, top_p=0.85, generator=gen)
    assert set(nucleus.tolist()) == {0, 1, 2}
    hot = sample_next(logits, temperature=100.0, generator=gen)  # nearly uniform
    assert abs(float((hot == 3).float().mean()) - 0.25) < 0.02
    assert sample_next(logits[:2], temperature=0).tolist() == [0, 0]


@pytest.mark.parametrize("cls", [GPTBackbone, SharedEmbeddingGPTBackbone])
@pytest.mark.parametrize("layout", [I2VMLayout(), M2VLayout()])
@pytest.mark.parametrize("static", [False, True], ids=["dynamic_cache", "static_cache"])
def test_kv_cache_decoding_equals_recomputation(cls: type, layout: object, static: bool) -> None:
    model = cls(vocab_sizes=VOCAB, **PRESETS["tiny"]).eval()
    grid = TokenGrid(num_steps=3, height=2, width=2, motion_per_step=2)
    prompt = layout.prompt(torch.randint(0, 50, (2, 3, 2, 2)), torch.randint(0, 7, (2, 6)), grid)
    schedule = layout.schedule(grid)
    with torch.no_grad():
        cached = list(decode_steps(model, prompt, schedule, use_cache=True, cuda_graph=static, temperature=0))
        full = list(decode_steps(model, prompt, schedule, use_cache=False, temperature=0))
    assert len(cached) == len(schedule)
    for (logits_a, token_a), (logits_b, token_b), m in zip(cached, full, schedule.modality_ids, strict=True):
        assert logits_a.shape[-1] == VOCAB[Modality(int(m)).key]  # restricted to the scheduled modality
        assert torch.allclose(logits_a, logits_b, atol=1e-5)
        assert torch.equal(token_a, token_b)


def test_generate_fills_each_position_from_its_modality() -> None:
    model = GPTBackbone(vocab_sizes={"special": 16, "video": 1000, "motion": 3}, **PRESETS["tiny"]).eval()
    layout, grid = I2VMLayout(), TokenGrid(num_steps=4, height=1, width=2, motion_per_step=3)
    prompt = layout.prompt(torch.randint(0, 1000, (3, 1, 1, 2)), None, grid)
    sampled = [generate(model, prompt, layout.schedule(grid), temperature=1.0, top_k=50,
                        generator=torch.Generator().manual_seed(seed)) for seed in (1, 1, 2)]
    assert torch.equal(sampled[0], sampled[1]) and not torch.equal(sampled[0], sampled[2])
    video, motion = layout.parse(sampled[0], grid)
    assert video.shape == (3, 4, 1, 2) and motion.shape == (3, 12)
    assert motion.max() < 3 and video[:, 1:].max() >= 3  # motion ids from the 3-id head only


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_cuda_graph_decoding_equals_recomputation() -> None:
    model = GPTBackbone(vocab_sizes=VOCAB, **PRESETS["tiny"]).cuda().eval()
    layout, grid = I2VMLayout(), TokenGrid(num_steps=3, height=2, width=2, motion_per_step=2)
    prompt = layout.prompt(torch.randint(0, 50, (2, 3, 2, 2)), None, grid).to("cuda")
    with torch.no_grad():
        graphed = generate(model, prompt, layout.schedule(grid), temperature=0, cuda_graph=True)
        full = generate(model, prompt, layout.schedule(grid), temperature=0, use_cache=False)
        model.compile_decoding()
        compiled = generate(model, prompt, layout.schedule(grid), temperature=0, cuda_graph=True)
    assert torch.equal(graphed, full)
    assert torch.equal(compiled, full)
