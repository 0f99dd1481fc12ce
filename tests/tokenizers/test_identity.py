"""Tokenizer fingerprints: equal for the same weights however loaded, different for any changed tensor."""

from __future__ import annotations

import pytest
import torch
from token_samples import MOTION_TINY, export_tiny_tokenizers

from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.identity import (
    check_fingerprints,
    file_sha256,
    tokenizer_fingerprint,
    tokenizer_identity,
)
from unimo.tokenizers.loading import build_tokenizer, load_tokenizer


def test_same_weights_same_fingerprint_however_loaded(tmp_path) -> None:
    files = export_tiny_tokenizers(tmp_path)
    loaded = load_tokenizer(files["motion"])
    rebuilt = build_tokenizer(loaded.config())  # as JointTask.from_checkpoint does
    rebuilt.load_state_dict(loaded.state_dict())
    assert tokenizer_fingerprint(rebuilt) == tokenizer_fingerprint(loaded)
    assert tokenizer_fingerprint(load_tokenizer(files["motion_other"])) != tokenizer_fingerprint(loaded)
    identity = tokenizer_identity(loaded, files["motion"])
    assert identity["file_sha256"] == file_sha256(files["motion"]) and identity["config"] == loaded.config()


def test_one_changed_value_or_argument_changes_the_fingerprint() -> None:
    torch.manual_seed(0)
    tokenizer = TOKENIZERS.build("MotionVQVAETokenizer", **MOTION_TINY)
    before = tokenizer_fingerprint(tokenizer)
    with torch.no_grad():
        next(iter(tokenizer.parameters())).view(-1)[0] += 1e-6
    assert tokenizer_fingerprint(tokenizer) != before
    torch.manual_seed(0)
    other = TOKENIZERS.build("MotionVQVAETokenizer", **{**MOTION_TINY, "dead_threshold": 2.0})  # same tensors
    assert tokenizer_fingerprint(other) != before


def test_check_fingerprints_names_the_modality() -> None:
    check_fingerprints({"video": "a" * 64}, {"video": "a" * 64, "motion": "b" * 64})
    with pytest.raises(ValueError, match="different motion tokenizer .*unimo data tokenize"):
        check_fingerprints({"video": "a" * 64, "motion": "c" * 64}, {"video": "a" * 64, "motion": "b" * 64})


def test_load_tokenizer_puts_the_module_on_map_location(tmp_path) -> None:
    # Exports are rebuilt from their config on the CPU; the module itself must land on map_location
    # (a CUDA map_location used to leave a CPU module, failing at the first encode on GPU input).
    files = export_tiny_tokenizers(tmp_path)
    for name in ("video", "motion"):
        tokenizer = load_tokenizer(files[name], map_location="meta")
        assert {p.device.type for p in tokenizer.parameters()} == {"meta"}, name


# Token shards and joint checkpoints made with the shipped tokenizers carry these. A change to a tokenizer's
# config (a new constructor argument recorded by default, say) changes them and makes those files unreadable:
# update this only when the shipped tokenizers are retrained on purpose.
SHIPPED_FINGERPRINTS = {
    "motion": "b87a7b9a95f65a79ba013605328481429f2298ae100a6d7980170dd43a66fc8f",
    "video": "f2ca8b9047901371b719f76638e343637c20f90b93d84ef51f9cd5ee05eabc93",
}


@pytest.mark.parametrize("modality", sorted(SHIPPED_FINGERPRINTS))
def test_shipped_tokenizers_keep_their_fingerprints(modality: str) -> None:
    tokenizer = load_tokenizer(f"unimo/assets/tokenizers/{modality}.pt", map_location="cpu")
    assert tokenizer_fingerprint(tokenizer) == SHIPPED_FINGERPRINTS[modality]
