"""Motion tokenizers (VQ, single decoder, FSQ): shapes for every scale, alignment, determinism, training."""

from __future__ import annotations

import pytest
import torch
from motion_samples import smooth_motion

from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.motion_base import latent_steps, pad_to_latent_grid
from unimo.tokenizers.motion_losses import MotionLossWeights
from unimo.tokenizers.motion_vqvae import MotionVQVAETokenizer

TINY = dict(scale=2, width=16, depth=1)
NAMES = ["MotionVQVAETokenizer", "MotionVQVAESingleDecoderTokenizer", "MotionFSQTokenizer"]


def build(name: str, **kwargs: object) -> torch.nn.Module:
    extra = {} if name == "MotionFSQTokenizer" else dict(codebook_size=32, code_dim=8)
    tok = TOKENIZERS.build(name, **{**TINY, **extra, **kwargs})
    tok.fit_normalization([smooth_motion(4, 33)])
    return tok


@pytest.mark.parametrize("frames,steps", [(1, 1), (2, 2), (5, 2), (16, 5), (17, 5), (33, 9)])
def test_latent_steps_follow_the_causal_video_grid(frames: int, steps: int) -> None:
    assert latent_steps(frames, 4) == steps
    x = torch.arange(frames, dtype=torch.float32)[None, :, None]
    padded = pad_to_latent_grid(x, 4)
    assert padded.shape[1] == 4 * steps
    assert torch.equal(padded[0, :4, 0], torch.zeros(4))  # step 0 = frame 0 alone (replicated)
    assert torch.equal(padded[0, 3:3 + frames, 0], x[0, :, 0])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("scale", [1, 2, 4])
def test_shapes_for_every_scale(name: str, scale: int) -> None:
    tok = build(name, scale=scale).eval()
    for frames in (1, 16, 17):
        ids = tok.encode(smooth_motion(2, frames))
        assert ids.shape == (2, latent_steps(frames) * scale) == (2, tok.num_tokens(frames))
        assert ids.dtype == torch.int64 and 0 <= int(ids.min()) and int(ids.max()) < tok.vocab_size
        assert tok.decode(ids).shape == (2, 1 + 4 * (latent_steps(frames) - 1), 79)
        assert tok.decode(ids, num_frames=frames).shape == (2, frames, 79)
    assert tok.tokens_per_frame == scale / 4


@pytest.mark.parametrize("name", NAMES)
def test_encode_decode_are_deterministic(name: str) -> None:
    tok = build(name).eval()
    motion = smooth_motion(3, 21, seed=1)
    ids = tok.encode(motion)
    assert torch.equal(ids, tok.encode(motion))
    assert torch.equal(tok.decode(ids), tok.decode(ids))
    # A different motion gets different ids (the encoder is not constant).
    assert not torch.equal(ids, tok.encode(smooth_motion(3, 21, seed=2)))


@pytest.mark.parametrize("name", NAMES)
def test_loss_trains_every_part(name: str) -> None:
    tok = build(name, loss_weights=MotionLossWeights(joints=1.0)).train()
    losses = tok.loss(smooth_motion(2, 17))
    expected = {"loss", "recon_pose", "recon_betas", "recon_orient", "recon_transl", "velocity", "joints",
                "commit"}
    assert expected <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    losses["loss"].backward()
    for part in (tok.encoder, tok.decoder):
        grads = [p.grad for p in part.parameters()]
        assert all(g is not None and g.abs().sum() > 0 for g in grads), type(part).__name__


def test_expert_decoders_have_one_decoder_per_group() -> None:
    tok = build("MotionVQVAETokenizer")
    assert list(tok.decoder.experts) == ["pose", "betas", "orient", "transl"]
    single = build("MotionVQVAESingleDecoderTokenizer")
    assert not hasattr(single.decoder, "experts")


def test_tiny_training_lowers_the_loss() -> None:
    torch.manual_seed(0)
    tok = build("MotionVQVAETokenizer", width=32, loss_weights=MotionLossWeights(joints=0.0)).train()
    data = smooth_motion(16, 17, seed=3)
    opt = torch.optim.Adam(tok.parameters(), lr=3e-3)
    first = None
    for _ in range(90):
        loss = tok.loss(data)["loss"]
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.75 * first, (first, loss.item())


def test_config_rebuilds_the_same_architecture() -> None:
    tok = build("MotionVQVAETokenizer", loss_weights=MotionLossWeights(velocity=0.25))
    config = tok.config()
    assert config["class_path"] == "unimo.tokenizers.motion_vqvae.MotionVQVAETokenizer"
    assert config["init_args"]["loss_weights"]["velocity"] == 0.25
    rebuilt = MotionVQVAETokenizer(**config["init_args"])
    rebuilt.load_state_dict(tok.state_dict())  # strict: same parameters and buffers
    assert rebuilt.loss_weights.velocity == 0.25


@pytest.mark.parametrize("name", NAMES)
def test_constant_groups_decode_one_shape_per_clip(name: str) -> None:
    tok = build(name, constant_groups=["betas"]).eval()
    motion = smooth_motion(2, 17)
    decoded = tok.decode(tok.encode(motion), num_frames=17)
    shape, pose = decoded[..., 63:73], decoded[..., :63]
    assert torch.equal(shape, shape[:, :1].expand_as(shape))  # one body shape per clip
    assert pose.std(dim=1).max() > 0  # the other groups still vary per frame
    assert not torch.equal(shape[0, 0], shape[1, 0])  # per clip, not one shape for the batch
    rebuilt = TOKENIZERS.build(name, **tok.config()["init_args"])
    rebuilt.load_state_dict(tok.state_dict())
    assert torch.equal(rebuilt.eval().decode(tok.encode(motion), num_frames=17), decoded)
    tok.train().loss(motion)["loss"].backward()  # the time average keeps the shape expert trainable
    with pytest.raises(ValueError, match="unknown group.*'shape'.*expected some of"):
        build(name, constant_groups=["shape"])
    # Unused, the option stays out of the config: token shards and checkpoints made before it existed are
    # checked against the config's fingerprint.
    assert "constant_groups" not in build(name).config()["init_args"]


def test_bad_input_raises_clear_errors() -> None:
    tok = build("MotionVQVAETokenizer").eval()
    with pytest.raises(ValueError, match=r"\(B, T, 79\)"):
        tok.encode(torch.zeros(2, 8, 63))
    with pytest.raises(ValueError, match="multiple of scale"):
        tok.decode(torch.zeros(1, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="power of 2"):
        MotionVQVAETokenizer(downsample=3, **TINY)
    with pytest.raises(ValueError, match="scale"):
        MotionVQVAETokenizer(codebook_size=8, code_dim=4, scale=0, width=8, depth=1)


def test_training_without_statistics_warns() -> None:
    tok = MotionVQVAETokenizer(codebook_size=8, code_dim=4, scale=1, width=8, depth=1)
    with pytest.warns(UserWarning, match="fit_normalization"):
        tok.loss(smooth_motion(1, 5))


@pytest.mark.parametrize("name", NAMES)
def test_decode_expected_is_decode_for_one_hot_and_averages_codes(name: str) -> None:
    tok = build(name).eval()
    ids = tok.encode(smooth_motion(2, 17, seed=3))  # (2, 10)
    one_hot = torch.nn.functional.one_hot(ids, tok.vocab_size).float()
    assert torch.allclose(tok.decode_expected(one_hot, num_frames=17), tok.decode(ids, num_frames=17),
                          atol=1e-5)
    # Half the mass on each of two ids decodes the midpoint of their code vectors.
    other = (ids + 1) % tok.vocab_size
    mixed = 0.5 * one_hot + 0.5 * torch.nn.functional.one_hot(other, tok.vocab_size).float()
    midpoint = tok._decode_latents(0.5 * (tok.lookup(ids) + tok.lookup(other)), 17)
    assert torch.allclose(tok.decode_expected(mixed, num_frames=17), midpoint, atol=1e-5)
    assert not torch.allclose(midpoint, tok.decode(ids, num_frames=17), atol=1e-3)
    with pytest.raises(ValueError, match=rf"decode_expected: expected probs \(B, N, {tok.vocab_size}\)"):
        tok.decode_expected(one_hot[..., :-1])


def test_latent_shape_loss_adds_a_shape_term_on_the_unquantized_latents() -> None:
    motion = smooth_motion(4, 33)
    plain, latent = (build("MotionVQVAETokenizer", latent_shape_weight=w) for w in (0.0, 2.0))
    latent.load_state_dict(plain.state_dict())  # same weights: the totals differ by the new term only
    assert "latent_shape_weight" not in plain.config()["init_args"]  # unused: fingerprint unchanged
    assert latent.config()["init_args"]["latent_shape_weight"] == 2.0
    torch.manual_seed(0)
    base = plain.loss(motion)
    torch.manual_seed(0)
    extra = latent.loss(motion)
    assert "latent_betas" not in base and float(extra["latent_betas"]) > 0
    assert torch.allclose(extra["loss"], base["loss"] + 2.0 * extra["latent_betas"], atol=1e-5)
    # its gradient reaches the encoder
    encoder = list(latent.encoder.parameters())
    grads = torch.autograd.grad(extra["latent_betas"], encoder, allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    with pytest.raises(ValueError, match="latent_shape_weight: expected >= 0, got -1"):
        build("MotionVQVAETokenizer", latent_shape_weight=-1.0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("constant_groups", [[], ["betas"]])
def test_one_group_decodes_as_in_the_full_decode(name: str, constant_groups: list[str]) -> None:
    tok = build(name, constant_groups=constant_groups).eval()
    _, z = tok._latents(smooth_motion(2, 33))
    full = tok._decode_codes(z)
    for group, part in tok.features.groups.items():
        assert torch.allclose(tok._decode_group(z, group), full[..., part], atol=1e-6)
