"""Per-modality and shared embedding tables and heads."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from unimo.backbones.embeddings import (
    MixedRadixEmbedding,
    ModalityEmbedding,
    ModalityHeads,
    SharedEmbedding,
    SharedHead,
)
from unimo.layouts import Modality
from unimo.tokenizers.fsq import FiniteScalarQuantizer

VOCAB = {"special": 4, "video": 10, "motion": 6}
V, M, S = int(Modality.VIDEO), int(Modality.MOTION), int(Modality.SPECIAL)


def test_independent_tables_keep_modalities_apart() -> None:
    emb = ModalityEmbedding(VOCAB, 8)
    out = emb(torch.tensor([[3, 3, 3]]), torch.tensor([[V, M, S]]))  # the same id in three modalities
    assert torch.equal(out[0, 0], emb.tables["video"].weight[3])
    assert torch.equal(out[0, 1], emb.tables["motion"].weight[3])
    assert torch.equal(out[0, 2], emb.tables["special"].weight[3])


def test_shared_table_uses_offsets() -> None:
    emb = SharedEmbedding(VOCAB, 8)
    out = emb(torch.tensor([[3, 3, 3]]), torch.tensor([[S, V, M]]))
    assert torch.equal(out[0], emb.table.weight[[3, 4 + 3, 4 + 10 + 3]])


@pytest.mark.parametrize("cls", [ModalityEmbedding, SharedEmbedding])
def test_out_of_vocabulary_id_is_named(cls: type) -> None:
    msg = r"input_ids\[0, 1\] = 6 is outside the vocabulary of modality 'motion'"
    with pytest.raises(ValueError, match=msg):
        cls(VOCAB, 8)(torch.tensor([[9, 6]]), torch.tensor([[V, M]]))


def test_vocab_sizes_need_special() -> None:
    with pytest.raises(ValueError, match="including 'special'"):
        ModalityEmbedding({"video": 3}, 8)


def test_heads_restrict_and_normalise_per_modality() -> None:
    heads = ModalityHeads(VOCAB, 8)
    assert heads.modalities == ["video", "motion"]  # no head for special tokens
    h, t = torch.randn(5, 8), torch.tensor([0, 5, 1, 2, 3])
    assert heads.logits(h, "motion").shape == (5, 6)
    expected = F.cross_entropy(h @ heads.heads["motion"].weight.T, t, reduction="sum")
    assert torch.allclose(heads.ce_sum(h, t, "motion"), expected)


def test_shared_head_trains_one_softmax_over_all_ids() -> None:
    head = SharedHead(VOCAB, 8)
    h, t = torch.randn(5, 8), torch.tensor([0, 5, 1, 2, 3])
    full = h @ head.proj.weight.T  # (5, 20)
    assert torch.allclose(head.logits(h, "motion"), full[:, 14:20])  # sampling: motion rows only
    expected = (torch.logsumexp(full, -1) - full[torch.arange(5), 14 + t]).sum()
    assert torch.allclose(head.ce_sum(h, t, "motion"), expected, atol=1e-5)
    # strictly larger than the restricted cross-entropy: probability mass leaks to other modalities
    assert head.ce_sum(h, t, "motion") > F.cross_entropy(full[:, 14:20], t, reduction="sum")


def test_mixed_radix_embedding_sums_the_fsq_digits_of_each_id() -> None:
    levels = [3, 4, 2]
    emb = MixedRadixEmbedding(levels, 8)
    torch.nn.init.normal_(emb.full.weight)  # starts at zero; make the full table visible
    fsq = FiniteScalarQuantizer(levels)
    ids = torch.arange(24)
    codes = fsq.ids_to_codes(ids)  # digit values in the quantizer's own order, recovered independently
    half = torch.tensor(levels) // 2
    digits = torch.round(codes * half + half).long()  # codes = (digit - half) / half
    rows = digits + torch.tensor([0, 3, 7])
    expected = emb.digits.weight[rows].sum(1) + emb.full.weight[ids]
    assert torch.allclose(emb(ids), expected)


def test_mixed_radix_ids_sharing_digits_share_embedding_at_init() -> None:
    emb = MixedRadixEmbedding([8, 8, 8, 5, 5, 5], 16)
    assert emb.full.weight.abs().sum() == 0  # training starts from the shared digit structure
    a, b, c = emb(torch.tensor([0, 1, 63999]))  # 0 and 1 differ in one digit; 63999 in all six
    assert (a - b).norm() < (a - c).norm()
    assert MixedRadixEmbedding([8, 5], 4, full_table=False).full is None


def test_code_levels_must_multiply_to_the_vocabulary() -> None:
    with pytest.raises(ValueError, match=r"code_levels\['video'\] = \[3, 3\] \(product 9\)"):
        ModalityEmbedding(VOCAB, 8, code_levels={"video": [3, 3]})
    emb = ModalityEmbedding(VOCAB, 8, code_levels={"video": [5, 2]})
    assert isinstance(emb.tables["video"], MixedRadixEmbedding)
    out = emb(torch.tensor([[7, 3]]), torch.tensor([[V, M]]))
    assert torch.equal(out[0, 0], emb.tables["video"](torch.tensor(7)))
    assert torch.equal(out[0, 1], emb.tables["motion"].weight[3])
