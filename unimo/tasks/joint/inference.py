"""Generation with a trained joint model: capture (V2M) and image -> video + motion (I2VM).

Plain functions over a backbone, a layout and token ids, so ``JointTask``'s validation, ``unimo capture``
and ``unimo generate`` share one code path. All of them decode with the KV cache.
"""

from __future__ import annotations

import torch

from unimo.backbones.base import Backbone
from unimo.backbones.sampling import decode_steps, generate
from unimo.layouts.base import Layout, Modality, TokenGrid


@torch.no_grad()
def capture_ids(backbone: Backbone, layout: Layout, video_ids: torch.Tensor, motion_per_step: int,
                temperature: float = 0.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Return motion ids ``(B, t*s)`` for video ids ``(B, t, h, w)`` with a V2M-style layout.

    Greedy by default (``temperature=0``).
    """
    return capture_with_probs(backbone, layout, video_ids, motion_per_step, temperature, generator)[0]


@torch.no_grad()
def capture_with_probs(backbone: Backbone, layout: Layout, video_ids: torch.Tensor, motion_per_step: int,
                       temperature: float = 0.0, generator: torch.Generator | None = None,
                       belief_temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Return motion ids ``(B, t*s)`` and the model's distribution over each of them ``(B, t*s, V)``.

    The layout must generate exactly the motion ids it returns (V2M: every generated id is motion).
    The distributions (softmax of the logits divided by ``belief_temperature``, e.g. one fitted by
    ``unimo.tasks.joint.calibration``) feed ``decode_expected`` of the motion tokenizer; ``temperature``
    is that of the ids fed back (0: greedy).
    """
    if belief_temperature <= 0:
        raise ValueError(f"belief_temperature: expected > 0, got {belief_temperature}")
    b, t, h, w = video_ids.shape
    grid = TokenGrid(num_steps=t, height=h, width=w, motion_per_step=motion_per_step)
    prompt = layout.prompt(video_ids, None, grid)
    schedule = layout.schedule(grid)
    if bool((schedule.modality_ids != int(Modality.MOTION)).any()):
        raise ValueError(f"capture: {type(layout).__name__} generates non-motion ids; use a V2M-style layout")
    steps = list(decode_steps(backbone, prompt, schedule, temperature=temperature, generator=generator))
    full = torch.cat([prompt.input_ids, torch.stack([token for _, token in steps], dim=1)], dim=1)
    _, motion_ids = layout.parse(full, grid)
    probs = torch.stack([(logits.float() / belief_temperature).softmax(-1) for logits, _ in steps], dim=1)
    return motion_ids, probs


@torch.no_grad()
def sampled_belief(backbone: Backbone, layout: Layout, video_ids: torch.Tensor, motion_per_step: int,
                   num_samples: int, generator: torch.Generator | None = None, temperature: float = 1.0,
                   ) -> torch.Tensor:
    """Return the model's distribution over each motion id ``(B, t*s, V)``, averaged over ``num_samples``
    motion histories sampled at ``temperature`` (the distributions at the same temperature).

    Greedy-history distributions (``capture_with_probs``) are conditioned on one guessed history: when the
    video leaves the pose uncertain, a wrong early guess pulls every later id with it. Averaging over sampled
    histories estimates each id's marginal instead, so ``decode_expected`` of it approaches the mean motion
    under the model's belief, which is what a joint-error metric rewards.
    """
    if num_samples < 1:
        raise ValueError(f"sampled_belief: num_samples must be >= 1, got {num_samples}")
    repeated = video_ids.repeat_interleave(num_samples, dim=0)  # (B*K, t, h, w)
    _, probs = capture_with_probs(backbone, layout, repeated, motion_per_step, temperature=temperature,
                                  generator=generator, belief_temperature=temperature)
    return probs.unflatten(0, (video_ids.shape[0], num_samples)).mean(1)  # (B, t*s, V)


@torch.no_grad()
def generate_ids(backbone: Backbone, layout: Layout, first_frame_ids: torch.Tensor, num_steps: int,
                 motion_per_step: int, temperature: float = 1.0, top_k: int | None = None,
                 top_p: float | None = None, generator: torch.Generator | None = None,
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Return video ids ``(B, num_steps, h, w)`` and motion ids ``(B, num_steps*s)`` from first-frame ids
    ``(B, 1, h, w)`` with an I2VM-style layout."""
    _, _, h, w = first_frame_ids.shape
    grid = TokenGrid(num_steps=num_steps, height=h, width=w, motion_per_step=motion_per_step)
    prompt = layout.prompt(first_frame_ids, None, grid)
    full = generate(backbone, prompt, layout.schedule(grid), temperature=temperature, top_k=top_k,
                    top_p=top_p, generator=generator)
    return layout.parse(full, grid)


def motion_per_step(motion_tokenizer: torch.nn.Module) -> int:
    """Return the temporal expansion ``s`` (motion ids per video latent step) of a motion tokenizer."""
    scale = getattr(motion_tokenizer, "scale", None)
    if not isinstance(scale, int) or scale < 1:
        raise TypeError(f"{type(motion_tokenizer).__name__}: the joint model needs a motion tokenizer "
                        f"with an integer `scale` (motion ids per video latent step), got {scale!r}")
    return scale
