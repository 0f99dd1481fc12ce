"""Tests for unimo.tokenizers.cosmos with small TorchScript modules in the Cosmos DV calling convention."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.cosmos import CosmosDiscreteVideoTokenizer, compression_from_name

VOCAB = 1000


class ToyEncoder(nn.Module):
    """Cosmos-like encoder: (B, 3, T, H, W) bf16 -> (indices (B, t, h, w) int32, codes, dummy loss).

    Frame 0 is coded alone, then groups of 4 frames; each 8x8 cell's mean grey value becomes an index.
    """

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))  # a parameter, so the loader's dtype cast is observable
        self.vocab = VOCAB

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if x.dtype != self.scale.dtype:
            raise RuntimeError("input dtype differs from the model dtype")
        if x.shape[1] != 3:
            raise RuntimeError("expected channels-first (B, 3, T, H, W)")
        grey = x.float().mean(dim=1)  # (B, T, H, W)
        first = grey[:, :1]
        rest = grey[:, 1:]
        b, t, h, w = rest.shape
        rest = rest.reshape(b, t // 4, 4, h, w).mean(dim=2)
        cells = F.avg_pool2d(torch.cat([first, rest], dim=1), 8)  # (B, t, h, w)
        indices = ((cells + 1) / 2 * (self.vocab - 1)).round().clamp(0, self.vocab - 1).to(torch.int32)
        codes = cells.unsqueeze(1).expand(-1, 6, -1, -1, -1)
        return indices, codes.to(x.dtype), torch.zeros(1)


class ToyDecoder(nn.Module):
    """Cosmos-like decoder: indices (B, t, h, w) -> video (B, 3, 1 + 4 (t - 1), 8h, 8w) in the model dtype."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.vocab = VOCAB

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        values = indices.float() / (self.vocab - 1) * 2 - 1  # (B, t, h, w)
        frames = torch.cat([values[:, :1], values[:, 1:].repeat_interleave(4, dim=1)], dim=1)
        frames = frames.repeat_interleave(8, dim=2).repeat_interleave(8, dim=3)  # (B, T, H, W)
        return (frames.unsqueeze(1).expand(-1, 3, -1, -1, -1) * self.scale.float()).to(self.scale.dtype)


def _save_pair(folder: Path) -> Path:
    folder.mkdir(parents=True)
    torch.jit.save(torch.jit.script(ToyEncoder()), str(folder / "encoder.jit"))
    torch.jit.save(torch.jit.script(ToyDecoder()), str(folder / "decoder.jit"))
    return folder


@pytest.fixture
def cosmos_dir(tmp_path: Path) -> Path:
    return _save_pair(tmp_path / "Cosmos-Tokenizer-DV4x8x8")


def _blocky_video(b: int = 2, t: int = 9, h: int = 16, w: int = 24) -> torch.Tensor:
    """Grey video constant over 8x8 cells and over each coded frame group, so the toy codec is exact."""
    latents = torch.rand(b, 1 + (t - 1) // 4, h // 8, w // 8) * 2 - 1
    frames = torch.cat([latents[:, :1], latents[:, 1:].repeat_interleave(4, dim=1)], dim=1)
    frames = frames.repeat_interleave(8, dim=2).repeat_interleave(8, dim=3)  # (B, T, H, W)
    return frames.unsqueeze(2).expand(-1, -1, 3, -1, -1).contiguous()  # (B, T, 3, H, W)


def test_registered_and_reads_compression_from_name(cosmos_dir: Path) -> None:
    assert TOKENIZERS.get("CosmosDiscreteVideoTokenizer") is CosmosDiscreteVideoTokenizer
    tok = TOKENIZERS.build("CosmosDiscreteVideoTokenizer", checkpoint_dir=str(cosmos_dir), vocab_size=VOCAB)
    assert tok.modality == "video"
    assert (tok.temporal_compression, tok.spatial_compression) == (4, 8)
    assert tok.latent_shape(17, 128, 64) == (5, 16, 8)
    assert tok.vocab_size == VOCAB
    assert compression_from_name("Cosmos-Tokenize1-DV8x16x16-720p") == (8, 16)
    assert compression_from_name("my_tokenizer") is None


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_round_trip_through_real_torchscript(cosmos_dir: Path, dtype: str) -> None:
    tok = CosmosDiscreteVideoTokenizer(str(cosmos_dir), vocab_size=VOCAB, dtype=dtype)
    assert next(tok.encoder.parameters()).dtype == getattr(torch, dtype)
    video = _blocky_video()
    ids = tok.encode(video)
    assert ids.shape == (2, 3, 2, 3) and ids.dtype == torch.int64
    out = tok.decode(ids)
    assert out.shape == video.shape and out.dtype == torch.float32
    # Quantization step is 2 / 999; bf16 input rounding adds < 2**-8 relative error.
    tol = 2 / (VOCAB - 1) + (0.01 if dtype == "bfloat16" else 1e-6)
    assert float((out - video).abs().max()) < tol
    assert not any(p.requires_grad for p in tok.parameters())


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        CosmosDiscreteVideoTokenizer(str(tmp_path / "nowhere"))
    folder = tmp_path / "Cosmos-Tokenizer-DV4x8x8"
    folder.mkdir()
    torch.jit.save(torch.jit.script(ToyEncoder()), str(folder / "encoder.jit"))
    with pytest.raises(FileNotFoundError, match=r"lacks decoder\.jit") as info:
        CosmosDiscreteVideoTokenizer(str(folder))
    assert "encoder.jit" not in str(info.value).split("lacks")[1].split(";")[0]


def test_corrupt_file_and_unknown_compression_raise(tmp_path: Path) -> None:
    folder = _save_pair(tmp_path / "tok")
    with pytest.raises(ValueError, match="DV<t>x<h>x<w>"):
        CosmosDiscreteVideoTokenizer(str(folder))
    tok = CosmosDiscreteVideoTokenizer(str(folder), temporal_compression=4, spatial_compression=8)
    assert tok.latent_shape(5, 16, 16) == (2, 2, 2)
    (folder / "decoder.jit").write_bytes(b"not a torchscript archive")
    with pytest.raises(RuntimeError, match=r"decoder\.jit"):
        CosmosDiscreteVideoTokenizer(str(folder), temporal_compression=4, spatial_compression=8)


def test_wrong_compression_and_shapes_raise(tmp_path: Path) -> None:
    folder = _save_pair(tmp_path / "Cosmos-Tokenizer-DV8x16x16")  # toy codec really is 4x8x8
    tok = CosmosDiscreteVideoTokenizer(str(folder), vocab_size=VOCAB)
    with pytest.raises(RuntimeError, match="encoder.jit returned indices"):
        tok.encode(_blocky_video(t=17, h=32, w=32))
    with pytest.raises(ValueError, match=r"1 \+ k \* 8"):
        tok.encode(_blocky_video(t=13, h=32, w=32))
    with pytest.raises(RuntimeError, match="frozen"):
        tok.loss(torch.zeros(1, 9, 3, 32, 32))
