"""EMA vector quantizer: nearest-code assignment, straight-through gradients, EMA updates, dead-code reset."""

from __future__ import annotations

import pytest
import torch

from unimo.tokenizers.vector_quantizer import EMAVectorQuantizer, code_perplexity, rotate_onto


def test_assigns_nearest_code_and_passes_gradients_straight_through() -> None:
    vq = EMAVectorQuantizer(codebook_size=8, dim=3).eval()
    vq.codebook.copy_(torch.randn(8, 3))
    z = torch.randn(4, 5, 3, requires_grad=True)
    out = vq(z)
    brute = torch.cdist(z.detach().reshape(-1, 3), vq.codebook).argmin(dim=1).view(4, 5)
    assert torch.equal(out.ids, brute)
    torch.testing.assert_close(out.z_q.detach(), vq.codebook[brute])
    out.z_q.sum().backward()
    torch.testing.assert_close(z.grad, torch.ones_like(z))  # straight-through: d z_q / d z = identity
    expected_commit = ((z.detach() - vq.codebook[brute]) ** 2).mean()
    assert out.commit_loss.item() == pytest.approx(expected_commit.item(), rel=1e-5)


def test_eval_mode_leaves_the_codebook_alone() -> None:
    vq = EMAVectorQuantizer(16, 4).eval()
    vq.codebook.copy_(torch.randn(16, 4))
    before = vq.codebook.clone()
    vq(torch.randn(100, 4))
    assert torch.equal(vq.codebook, before)


def test_ema_pulls_codes_to_the_mean_of_their_latents() -> None:
    vq = EMAVectorQuantizer(2, 2, decay=0.5, dead_threshold=0.0)
    vq(torch.tensor([[0.0, 0.0], [10.0, 10.0]]))  # first training call initialises the codebook
    vq.codebook.copy_(torch.tensor([[0.0, 0.0], [10.0, 10.0]]))
    vq.embed_sum.copy_(vq.codebook)
    vq.cluster_size.fill_(1.0)
    cluster_a = torch.tensor([[1.0, 1.0], [3.0, 3.0]])  # mean (2, 2)
    cluster_b = torch.tensor([[9.0, 9.0], [11.0, 13.0]])  # mean (10, 11)
    for _ in range(40):
        vq(torch.cat([cluster_a, cluster_b]))
    torch.testing.assert_close(vq.codebook, torch.tensor([[2.0, 2.0], [10.0, 11.0]]), atol=1e-3, rtol=0)


def test_dead_code_reset_revives_unused_codes() -> None:
    torch.manual_seed(0)
    vq = EMAVectorQuantizer(codebook_size=32, dim=2, decay=0.9, dead_threshold=1.0)
    data = torch.randn(512, 2)
    vq(data)  # initialise from data
    # Push half of the codebook far away from the data: those codes can never win an assignment.
    vq.codebook[16:] = 100.0
    vq.embed_sum[16:] = 100.0
    vq.cluster_size[16:] = 1e-3
    vq.eval()
    assert torch.unique(vq(data).ids).numel() <= 16
    vq.train()
    vq(data)
    assert vq.last_num_reset >= 16
    assert vq.codebook.abs().max() < 10  # every code now lies among the data
    vq.eval()
    used = torch.unique(vq(data).ids).numel()
    assert used >= 28, used  # the revived codes take part again


def test_without_reset_far_codes_stay_dead() -> None:
    torch.manual_seed(0)
    vq = EMAVectorQuantizer(codebook_size=32, dim=2, decay=0.9, dead_threshold=0.0)
    data = torch.randn(512, 2)
    vq(data)
    vq.codebook[16:] = 100.0
    vq.embed_sum[16:] = 100.0 * vq.cluster_size[16:, None]
    for _ in range(3):
        vq(data)
    assert vq.last_num_reset == 0
    assert torch.unique(vq.eval()(data).ids).numel() <= 16


def test_perplexity_and_errors() -> None:
    assert code_perplexity(torch.arange(8).repeat(3), 8).item() == pytest.approx(8.0)
    assert code_perplexity(torch.zeros(10, dtype=torch.long), 8).item() == pytest.approx(1.0)
    vq = EMAVectorQuantizer(8, 3)
    with pytest.raises(ValueError, match="last dim 3"):
        vq(torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"\[0, 8\)"):
        vq.lookup(torch.tensor([8]))
    with pytest.raises(ValueError, match="decay"):
        EMAVectorQuantizer(8, 3, decay=1.0)


def test_rotation_trick_returns_the_code_and_rotates_the_gradient() -> None:
    torch.manual_seed(0)
    z, code = torch.randn(6, 8, requires_grad=True), torch.randn(6, 8)
    out = rotate_onto(z, code)
    assert torch.allclose(out, code, atol=1e-5)  # forward: exactly the code (up to rounding)
    upstream = torch.randn(6, 8)
    out.backward(upstream)
    # The backward map is the fixed scale * rotation: the gradient's norm is scaled by |code| / |z| and it
    # is no longer the upstream gradient itself (what straight-through would pass on).
    scale = code.norm(dim=-1) / z.detach().norm(dim=-1)
    assert torch.allclose(z.grad.norm(dim=-1), scale * upstream.norm(dim=-1), rtol=1e-4)
    assert not torch.allclose(z.grad, upstream)


def test_rotation_gradient_option() -> None:
    vq = EMAVectorQuantizer(16, 4, gradient="rotation").train()
    z = torch.randn(2, 5, 4, requires_grad=True)
    out = vq(z)
    assert torch.allclose(out.z_q, vq.lookup(out.ids), atol=1e-5)
    out.z_q.sum().backward()
    assert z.grad is not None and torch.isfinite(z.grad).all()
    with pytest.raises(ValueError, match="gradient: expected one of"):
        EMAVectorQuantizer(16, 4, gradient="gumbel")
