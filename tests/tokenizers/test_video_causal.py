"""Tests for unimo.tokenizers.video_causal (and its blocks in causal_blocks / video_autoencoder)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.loading import load_tokenizer
from unimo.tokenizers.video_causal import CausalVideoTokenizer

TINY = dict(channels=8, channel_mult=[1, 2, 2, 2], levels=[8, 5, 5], height=32, width=32)


def _tiny(**kw: object) -> CausalVideoTokenizer:
    tok = CausalVideoTokenizer(**{**TINY, **kw}).eval()
    # Zero-initialised residual branches would make the blocks identities; randomise them so the
    # causality tests exercise every temporal convolution.
    with torch.no_grad():
        for p in tok.parameters():
            if p.ndim > 1 and not p.any():
                p.normal_(0, 0.1)
    return tok


def _video(t: int = 13, h: int = 32, w: int = 32, b: int = 2) -> torch.Tensor:
    return torch.rand(b, t, 3, h, w) * 2 - 1


def test_registered_video_tokenizer() -> None:
    assert TOKENIZERS.get("CausalVideoTokenizer") is CausalVideoTokenizer
    assert CausalVideoTokenizer.modality == "video"


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize(
    ("tc", "sc", "frames", "size", "grid"),
    [
        (4, 8, 9, (32, 48), (3, 4, 6)),
        (8, 16, 17, (32, 32), (3, 2, 2)),
        (1, 8, 2, (16, 16), (2, 2, 2)),
    ],
)
def test_round_trip_shapes(
    tc: int, sc: int, frames: int, size: tuple[int, int], grid: tuple[int, int, int], residual: bool
) -> None:
    tok = _tiny(temporal_compression=tc, spatial_compression=sc, residual=residual)
    video = _video(frames, *size)
    with torch.no_grad():
        ids = tok.encode(video)
        out = tok.decode(ids)
    assert ids.shape == (2, *grid) and ids.dtype == torch.int64
    assert tok.latent_shape(frames, *size) == grid
    assert 0 <= int(ids.min()) and int(ids.max()) < tok.vocab_size == 200
    assert out.shape == video.shape
    assert float(out.abs().max()) <= 1.0


def test_default_is_cosmos_dv4x8x8_shape() -> None:
    tok = CausalVideoTokenizer()
    assert tok.vocab_size == 64_000
    assert tok.latent_shape(17, 128, 128) == (5, 16, 16)
    assert tok.tokens_per_frame == 16 * 16 / 4


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("frame", [1, 3, 4, 5, 8, 9, 12])
def test_encoder_is_causal(frame: int, residual: bool) -> None:
    tok = _tiny(residual=residual)
    video = _video(13)
    changed = video.clone()
    changed[:, frame] = -changed[:, frame]
    with torch.no_grad():
        z_a, ids_a = tok.encode_latents(video)
        z_b, ids_b = tok.encode_latents(changed)
    # Latent j covers frames 4j-3 .. 4j (latent 0 is frame 0 alone): frame f first reaches latent ceil(f/4).
    first = math.ceil(frame / 4)
    assert torch.equal(ids_a[:, :first], ids_b[:, :first])
    assert torch.equal(z_a[:, :, :first], z_b[:, :, :first])
    assert (z_a[:, :, first] - z_b[:, :, first]).abs().max() > 1e-3


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("latent", [1, 2, 3])
def test_decoder_is_causal(latent: int, residual: bool) -> None:
    tok = _tiny(residual=residual)
    ids = torch.randint(0, tok.vocab_size, (1, 4, 4, 4))
    changed = ids.clone()
    changed[:, latent] = (changed[:, latent] + 77) % tok.vocab_size
    with torch.no_grad():
        a, b = tok.decode(ids), tok.decode(changed)
    first_frame = 4 * latent - 3  # the first frame latent j decodes to
    assert torch.equal(a[:, :first_frame], b[:, :first_frame])
    assert (a[:, first_frame] - b[:, first_frame]).abs().max() > 1e-4


@pytest.mark.parametrize("residual", [False, True])
def test_image_is_a_one_frame_video(residual: bool) -> None:
    tok = _tiny(residual=residual)
    video = _video(9)
    with torch.no_grad():
        ids_video = tok.encode(video)
        ids_image = tok.encode(video[:, :1])
        assert ids_image.shape == (2, 1, 4, 4)
        assert torch.equal(ids_image, ids_video[:, :1])
        image = tok.decode(ids_image)
        assert image.shape == (2, 1, 3, 32, 32)
        assert torch.equal(image, tok.decode(ids_video)[:, :1])


def test_bad_shapes_raise_clear_errors() -> None:
    tok = _tiny()
    with pytest.raises(ValueError, match=r"1 \+ k \* 4"):
        tok.encode(_video(8))
    with pytest.raises(ValueError, match="multiples of 8"):
        tok.encode(_video(5, 36, 32))
    with pytest.raises(ValueError, match=r"\(B, T, 3, H, W\)"):
        tok.encode(torch.zeros(1, 5, 32, 32, 3))
    with pytest.raises(ValueError, match="power of two"):
        CausalVideoTokenizer(temporal_compression=3)
    with pytest.raises(ValueError, match="channel_mult"):
        CausalVideoTokenizer(spatial_compression=16, temporal_compression=8, channel_mult=[1, 2])


def test_loss_terms_and_a_few_steps_lower_it() -> None:
    tok = CausalVideoTokenizer(**TINY)
    # A smooth moving gradient: learnable in a handful of steps.
    t = torch.linspace(0, 1, 5).view(1, 5, 1, 1, 1)
    x = torch.linspace(-1, 1, 32).view(1, 1, 1, 1, 32)
    video = torch.sin(3 * (x + t)).expand(1, 5, 3, 32, 32).contiguous()
    losses = tok.loss(video)
    assert set(losses) == {"loss", "l1", "ssim"}
    expected = losses["l1"] + 0.2 * (1 - losses["ssim"])
    assert torch.allclose(losses["loss"], expected)
    opt = torch.optim.Adam(tok.parameters(), lr=3e-3)
    first = float(losses["loss"])
    for _ in range(30):
        opt.zero_grad()
        loss = tok.loss(video)["loss"]
        loss.backward()
        opt.step()
    assert float(loss) < 0.6 * first


@pytest.mark.parametrize("residual", [False, True])
def test_bf16_autocast_encode_decode(residual: bool) -> None:
    tok = _tiny(residual=residual)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        ids = tok.encode(_video(5))
        out = tok.decode(ids)
    assert ids.shape == (2, 2, 4, 4)
    assert out.shape == (2, 5, 3, 32, 32) and torch.isfinite(out).all()


def test_residual_layout_is_opt_in_and_the_shipped_tokenizer_loads() -> None:
    assert CausalVideoTokenizer(**TINY).init_args["residual"] is False
    residual = CausalVideoTokenizer(**TINY, residual=True)
    assert residual.config()["init_args"]["residual"] is True
    shipped = Path(__file__).resolve().parents[2] / "unimo/assets/tokenizers/video.pt"
    tok = load_tokenizer(shipped)  # the export records its layout, whatever the default
    assert tok.init_args.get("residual", False) is True  # session 4 retrain (DC-AE layout)
    with torch.no_grad():
        assert tok.decode(tok.encode(_video(5, 32, 32))).shape == (2, 5, 3, 32, 32)


def test_person_weighted_l1_is_a_weighted_mean_over_pixels() -> None:
    tok, video = _tiny(), _video(t=5)
    recon = video.clone()
    recon[:, :, :, :8] += 0.5  # error only in the top 8 rows
    plain = tok.reconstruction_losses(video, recon)["l1"]
    uniform = tok.reconstruction_losses(video, recon, torch.full((2, 5, 1, 32, 32), 3.0))["l1"]
    assert torch.allclose(plain, uniform) and torch.allclose(plain, torch.tensor(0.5 / 4))
    rows = torch.zeros(2, 5, 1, 32, 32)
    rows[..., 8:, :] = 1  # weight only where there is no error
    assert tok.reconstruction_losses(video, recon, rows)["l1"] < 1e-6
    rows[..., :8, :] = 1  # everything counts again
    assert torch.allclose(tok.reconstruction_losses(video, recon, rows)["l1"], plain)

