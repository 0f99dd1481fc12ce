"""Special token ids shared by every layout and backbone (the ``"special"`` vocabulary).

All layouts start with a task token that selects the behaviour at inference (UniMo, Pang et al. 2025,
Sec. "Unified model"). Lengths are fixed by the token grid, so no BOS/EOS/separator is needed; ``PAD``
fills batches that mix layouts of different lengths (its positions are never trained).
"""

from __future__ import annotations

from enum import IntEnum


class SpecialToken(IntEnum):
    """Ids in the ``"special"`` vocabulary; add new ids at the end so checkpoints stay valid."""

    PAD = 0
    I2VM = 1  # image -> video + motion
    V2M = 2  # video -> motion
    M2V = 3  # image + motion -> video
    MPRED = 4  # video + past motion -> future motion


SPECIAL_VOCAB_SIZE = 16
"""Size of the ``"special"`` vocabulary backbones should allocate (room for future task tokens)."""
