"""Autoregressive sampling: greedy / temperature / top-k / top-p, restricted to the scheduled modality.

A layout's ``Schedule`` says which modality comes at every generated position, so each step applies only
that modality's head: a video position can never receive a motion id, whatever the model prefers. With
``use_cache=True`` the prompt is run once and every new token costs one position (``KVCache``);
``use_cache=False`` recomputes the whole prefix each step (the reference the cache is tested against).
On CUDA, backbones with a static cache decode each position by replaying a CUDA graph (``GraphedStep``):
at batch 1 an eager step is bound by kernel launches, the graph is several times faster.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from unimo.backbones.base import Backbone
from unimo.backbones.graphed import GraphedStep, supports_static_cache
from unimo.layouts.base import Modality, Schedule, TokenSequence


def filter_logits(logits: torch.Tensor, top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """Set logits outside the top-k and outside the top-p nucleus to ``-inf``.

    Args:
        logits: ``(B, V)``.
        top_k: Keep the ``k`` largest per row (ties at the k-th value are kept); ``None`` keeps all.
        top_p: Keep the smallest set of largest-probability ids whose probability sums to at least ``p``
            (Holtzman et al. 2020); the most likely id is always kept. ``None`` or 1 keeps all.
    """
    if top_k is not None and top_k < logits.shape[-1]:
        if top_k < 1:
            raise ValueError(f"top_k: expected >= 1, got {top_k}")
        kth = logits.topk(top_k, dim=-1).values[:, -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p: expected in (0, 1], got {top_p}")
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = logits.sort(dim=-1, descending=True)  # (B, V)
        probs = sorted_logits.float().softmax(-1)
        drop_sorted = probs.cumsum(-1) - probs >= top_p  # mass before this id already reaches p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw one id per row of ``logits`` ``(B, V)``; ``temperature=0`` is greedy (argmax)."""
    if temperature < 0:
        raise ValueError(f"temperature: expected >= 0, got {temperature}")
    if temperature == 0:
        return logits.argmax(-1)
    probs = filter_logits(logits.float() / temperature, top_k, top_p).softmax(-1)  # (B, V)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def decode_steps(
    backbone: Backbone,
    prompt: TokenSequence,
    schedule: Schedule,
    use_cache: bool = True,
    cuda_graph: bool | None = None,
    **sampling: float | int | torch.Generator | None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(logits (B, V_m), ids (B,))`` per scheduled position; ``sampling`` goes to ``sample_next``.

    ``cuda_graph``: None uses ``GraphedStep`` when decoding with the cache on CUDA and the backbone has a
    static cache; True forces the static-cache step (eager off CUDA); False keeps the dynamic cache.
    """
    b, device = prompt.batch_size, prompt.input_ids.device
    modalities = [Modality(int(m)) for m in schedule.modality_ids.tolist()]
    positions = schedule.positions.to(device)
    ids, mods, pos = prompt.input_ids, prompt.modality_ids, prompt.positions  # (B, N) each
    if cuda_graph is None:
        cuda_graph = device.type == "cuda" and supports_static_cache(backbone)
    stepper = GraphedStep(backbone, b, len(prompt) + len(schedule)) if use_cache and cuda_graph else None
    cache = backbone.new_cache(b, len(prompt) + len(schedule)) if use_cache and not stepper else None
    if stepper is not None:
        h = stepper.prefill(ids, mods, pos)  # (B, D)
    else:
        h = backbone.hidden(ids, mods, pos, cache=cache)[:, -1]  # (B, D)
    for i, modality in enumerate(modalities):
        logits = backbone.head(h, modality.key)  # (B, V_m): only the scheduled modality's ids
        token = sample_next(logits, **sampling)  # (B,)
        yield logits, token
        if i + 1 == len(modalities):
            break
        if stepper is not None:
            h = stepper.step(token, int(modality), positions[i])
            continue
        new = (token[:, None], torch.full_like(token[:, None], int(modality)), positions[i].expand(b, 1))
        if cache is not None:
            h = backbone.hidden(*new, cache=cache)[:, -1]
        else:
            ids, mods, pos = (torch.cat([a, x], dim=1) for a, x in zip((ids, mods, pos), new, strict=True))
            h = backbone.hidden(ids, mods, pos)[:, -1]


@torch.no_grad()
def generate(
    backbone: Backbone,
    prompt: TokenSequence,
    schedule: Schedule,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
    cuda_graph: bool | None = None,
) -> torch.Tensor:
    """Continue ``prompt`` along ``schedule`` and return the full ids ``(B, N_prompt + N_gen)``.

    The result goes straight to ``layout.parse``. Per the paper: sample I2VM with top-k / top-p /
    temperature, use ``temperature=0`` (greedy) or a low temperature for V2M.

    Args:
        backbone: Any ``Backbone``; put it in ``eval()`` mode first.
        prompt: ``layout.prompt(...)``.
        schedule: ``layout.schedule(grid)``.
        temperature: Softmax temperature; 0 is greedy.
        top_k: See ``filter_logits``.
        top_p: See ``filter_logits``.
        generator: Random generator for reproducible samples.
        use_cache: Decode incrementally with the KV cache (recompute the prefix each step otherwise).
        cuda_graph: See ``decode_steps`` (default: CUDA graphs on CUDA when the backbone allows).
    """
    steps = decode_steps(backbone, prompt, schedule, use_cache, cuda_graph, temperature=temperature,
                         top_k=top_k, top_p=top_p, generator=generator)
    generated = [token for _, token in steps]
    if not generated:
        return prompt.input_ids.clone()
    return torch.cat([prompt.input_ids, torch.stack(generated, dim=1)], dim=1)  # (B, N_prompt + N_gen)
