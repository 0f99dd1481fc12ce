"""HFCausalLMBackbone with tiny randomly initialised transformers configs (no download)."""

from __future__ import annotations

import pytest
import torch

from unimo.backbones import BACKBONES
from unimo.backbones.sampling import decode_steps
from unimo.layouts import I2VMLayout, TokenGrid

pytest.importorskip("transformers")

VOCAB = {"special": 16, "video": 50, "motion": 7}
CONFIGS = {
    "llama": {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
              "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": 8,
              "max_position_embeddings": 64},
    "gpt2": {"model_type": "gpt2", "n_embd": 32, "n_layer": 2, "n_head": 2, "vocab_size": 8,
             "n_positions": 64},
}


@pytest.mark.parametrize("name", CONFIGS)
def test_trains_and_decodes_with_cache(name: str) -> None:
    model = BACKBONES.build("HFCausalLMBackbone", model=CONFIGS[name], vocab_sizes=VOCAB)
    layout = I2VMLayout()
    video, motion = torch.randint(0, 50, (2, 3, 2, 2)), torch.randint(0, 7, (2, 6))
    losses = model.loss(layout.arrange(video, motion))
    assert abs(losses["motion"].item() - torch.log(torch.tensor(7.0)).item()) < 0.3  # near-uniform at init
    losses["loss"].backward()
    assert model.embed.tables["video"].weight.grad.abs().sum() > 0
    assert model.decoder.get_input_embeddings().weight.grad is None  # the LM's own table is unused
    model.eval()
    grid = TokenGrid.from_ids(video, motion)
    prompt, schedule = layout.prompt(video, None, grid), layout.schedule(grid)
    with torch.no_grad():
        cached = list(decode_steps(model, prompt, schedule, use_cache=True, temperature=0))
        full = list(decode_steps(model, prompt, schedule, use_cache=False, temperature=0))
    for (logits_a, token_a), (logits_b, token_b) in zip(cached, full, strict=True):
        assert torch.allclose(logits_a, logits_b, atol=1e-5) and torch.equal(token_a, token_b)


def test_config_dict_needs_model_type() -> None:
    with pytest.raises(ValueError, match="needs 'model_type'"):
        BACKBONES.build("HFCausalLMBackbone", model={"hidden_size": 32})
