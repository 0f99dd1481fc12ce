"""Registry-wide tests: every registered tokenizer, backbone and layout is built, run forward and backward.

A new registered class fails `test_every_entry_has_a_tiny_config` until it gets a tiny config here, so
nothing joins a registry untested.
"""

from __future__ import annotations

import inspect

import pytest
import torch

from unimo.backbones import BACKBONES, Backbone
from unimo.layouts import LAYOUTS, Layout
from unimo.layouts.base import TokenGrid
from unimo.registry import Registry
from unimo.tokenizers import TOKENIZERS, Tokenizer

VOCAB = {"special": 16, "video": 40, "motion": 24}
TINY: dict[str, dict] = {
    "MotionVQVAETokenizer": dict(codebook_size=16, code_dim=8, scale=2, width=16, depth=1),
    "MotionVQVAESingleDecoderTokenizer": dict(codebook_size=16, code_dim=8, scale=2, width=16, depth=1),
    "MotionFSQTokenizer": dict(levels=[5, 3], scale=2, width=16, depth=1),
    "CausalVideoTokenizer": dict(channels=8, channel_mult=[1, 2, 2, 2], levels=[5, 3], height=32, width=32),
    "GPTBackbone": dict(vocab_sizes=VOCAB, dim=32, num_layers=2, num_heads=2),
    "SharedEmbeddingGPTBackbone": dict(vocab_sizes=VOCAB, dim=32, num_layers=2, num_heads=2),
    "HFCausalLMBackbone": dict(vocab_sizes=VOCAB, model={
        "model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": 8, "max_position_embeddings": 256}),
    "I2VMLayout": {}, "V2MLayout": {}, "M2VLayout": {}, "MotionPredictionLayout": dict(num_past_steps=1),
}
# Entries that wrap pretrained files cannot be built from a tiny config; their own tests build toy files.
ELSEWHERE = {"CosmosDiscreteVideoTokenizer": "tests/tokenizers/test_cosmos*.py builds a toy TorchScript pair"}
NEEDS = {"HFCausalLMBackbone": "transformers"}
REGISTRIES: list[Registry] = [TOKENIZERS, BACKBONES, LAYOUTS]


def _concrete_subclasses(base: type) -> set[str]:
    found, stack = set(), [base]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if not inspect.isabstract(sub) and sub.__module__.startswith("unimo."):
                found.add(sub.__name__)
    return found


@pytest.mark.parametrize("registry", REGISTRIES, ids=lambda r: r.kind)
def test_registry_equals_concrete_subclasses(registry: Registry) -> None:
    ours = {name for name in registry.names() if registry.get(name).__module__.startswith("unimo.")}
    assert ours == _concrete_subclasses(registry.base)


def test_every_entry_has_a_tiny_config() -> None:
    names = {n for r in REGISTRIES for n in r.names() if r.get(n).__module__.startswith("unimo.")}
    assert names - set(TINY) - set(ELSEWHERE) == set()


def _build(registry: Registry, name: str) -> object:
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    return registry.build(name, **TINY[name])


@pytest.mark.parametrize("name", [n for n in TOKENIZERS.names() if n in TINY])
def test_tokenizer_forward_backward_round_trip(name: str) -> None:
    tokenizer: Tokenizer = _build(TOKENIZERS, name)
    x = torch.rand(2, 9, 3, 32, 32) * 2 - 1 if tokenizer.modality == "video" else torch.randn(2, 9, 79) * 0.2
    losses = tokenizer.loss(x)
    losses["loss"].backward()
    grads = [p.grad for p in tokenizer.parameters() if p.requires_grad]
    assert torch.isfinite(losses["loss"]) and any(g is not None and g.abs().sum() > 0 for g in grads)
    tokenizer.eval()
    ids = tokenizer.encode(x)
    assert ids.dtype == torch.long and 0 <= int(ids.min()) and int(ids.max()) < tokenizer.vocab_size
    assert tokenizer.decode(ids).shape[0] == 2


@pytest.mark.parametrize("name", [n for n in BACKBONES.names() if n in TINY])
def test_backbone_forward_backward(name: str) -> None:
    backbone: Backbone = _build(BACKBONES, name)
    video, motion = torch.randint(0, 40, (2, 3, 2, 2)), torch.randint(0, 24, (2, 6))
    seq = LAYOUTS.build("I2VMLayout").arrange(video, motion)
    losses = backbone.loss(seq)
    losses["loss"].backward()
    assert torch.isfinite(losses["loss"]) and set(losses) >= {"loss", "video", "motion"}
    logits = backbone(seq.input_ids, seq.modality_ids, seq.positions)
    assert logits["video"].shape == (2, seq.input_ids.shape[1], 40)


@pytest.mark.parametrize("name", [n for n in LAYOUTS.names() if n in TINY])
def test_layout_round_trip(name: str) -> None:
    layout: Layout = _build(LAYOUTS, name)
    video, motion = torch.randint(0, 40, (2, 3, 2, 2)), torch.randint(0, 24, (2, 6))
    seq = layout.arrange(video, motion)
    grid = TokenGrid.from_ids(video, motion)
    parsed_video, parsed_motion = layout.parse(seq.input_ids, grid)
    assert torch.equal(parsed_video, video[:, : parsed_video.shape[1]])
    assert torch.equal(parsed_motion, motion[:, : parsed_motion.shape[1]])
    assert seq.loss_mask.any()
