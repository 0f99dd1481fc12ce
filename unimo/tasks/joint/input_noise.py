"""Input-token noise for teacher-forced training (the corruption T2M-GPT trains its motion GPT with).

Under teacher forcing the next motion id is usually predictable from the previous ones (motion is smooth),
so a V2M model can lower its loss by copying its own history instead of reading the video, and at
inference, where that history is its own guesses, it drifts to average poses. Replacing a random fraction
of the *input* ids of a modality by random ids of the same vocabulary (targets unchanged) makes the
history unreliable, so the model has to look at the conditioning tokens.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from unimo.layouts.sequence import Modality, TokenSequence


def check_input_noise(input_noise: dict[str, float], vocab_sizes: dict[str, int]) -> None:
    """Raise ``ValueError`` naming the entry unless each is ``{modality key: probability in [0, 1)}`` of a
    modality with a vocabulary in ``vocab_sizes``."""
    for key, prob in input_noise.items():
        if key not in vocab_sizes:
            raise ValueError(f"input_noise: unknown modality {key!r}; expected one of {sorted(vocab_sizes)}")
        if not 0.0 <= float(prob) < 1.0:
            raise ValueError(f"input_noise[{key!r}]: expected a probability in [0, 1), got {prob}")


def noisy_inputs(seq: TokenSequence, input_noise: dict[str, float], vocab_sizes: dict[str, int],
                 generator: torch.Generator | None = None) -> TokenSequence:
    """Return ``seq`` with each input id of modality ``key`` replaced, with probability
    ``input_noise[key]``, by a uniform id in ``[0, vocab_sizes[key])``; targets and masks are unchanged."""
    input_ids = seq.input_ids
    for key, prob in input_noise.items():
        if prob <= 0:
            continue
        mine = seq.modality_ids == int(Modality.from_key(key))  # (B, N)
        draw = torch.rand(input_ids.shape, device=input_ids.device, generator=generator)
        random_ids = torch.randint(0, vocab_sizes[key], input_ids.shape, device=input_ids.device,
                                   generator=generator)
        input_ids = torch.where(mine & (draw < prob), random_ids, input_ids)
    return replace(seq, input_ids=input_ids)
