"""The FID InceptionV3: TF1 resizing, shapes, eval-only behaviour, and loading the published state dict."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from unimo.metrics.inception import FIDInceptionV3, load_fid_inception, resize_bilinear_tf1
from unimo.metrics.weights import WEIGHTS_ENV, MissingWeightsError


@pytest.fixture(scope="module")
def small_net() -> FIDInceptionV3:
    torch.manual_seed(0)
    return FIDInceptionV3(input_size=75)  # InceptionV3's minimum input: shapes only, fast on CPU


def _images(n: int = 2, size: int = 40) -> torch.Tensor:
    return torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8)


def test_tf1_resize_identity_and_exact_downscale() -> None:
    x = torch.arange(64.0).view(1, 1, 8, 8)
    assert torch.equal(resize_bilinear_tf1(x, (8, 8)), x)
    # TF1 samples input position i * in / out = 2i: halving keeps every other pixel, no averaging.
    assert torch.equal(resize_bilinear_tf1(x, (4, 4)), x[..., ::2, ::2])


def test_tf1_resize_upscale_has_no_half_pixel_offset() -> None:
    x = torch.tensor([[[[10.0, 20.0]]]])  # (1, 1, 1, 2)
    out = resize_bilinear_tf1(x, (1, 4))  # positions 0, 0.5, 1, 1.5 (clamped to the last pixel)
    assert out.flatten().tolist() == [10.0, 15.0, 20.0, 20.0]
    # PyTorch's half-pixel convention gives a different first sample, which is why FID pins TF1.
    torch_out = torch.nn.functional.interpolate(x, size=(1, 4), mode="bilinear", align_corners=False)
    assert torch_out.flatten().tolist() != out.flatten().tolist()


def test_published_key_names_and_shapes(small_net: FIDInceptionV3) -> None:
    # Written out from pytorch-fid's pt_inception-2015-12-05-6726825d.pth (torchvision names, 1008 classes).
    shapes = {k: tuple(v.shape) for k, v in small_net.state_dict().items()}
    assert shapes["Conv2d_1a_3x3.conv.weight"] == (32, 3, 3, 3)
    assert shapes["Conv2d_4a_3x3.bn.running_mean"] == (192,)
    assert shapes["Mixed_5b.branch_pool.conv.weight"] == (32, 192, 1, 1)
    assert shapes["Mixed_6e.branch7x7dbl_5.conv.weight"] == (192, 192, 1, 7)
    assert shapes["Mixed_7c.branch3x3dbl_3b.bn.running_var"] == (384,)
    assert shapes["fc.weight"] == (1008, 2048)
    assert not any("AuxLogits" in k for k in shapes)
    assert sum(v.numel() for v in small_net.parameters()) == 23_850_960


def test_features_shape_determinism_and_eval(small_net: FIDInceptionV3) -> None:
    images = _images()
    first = small_net(images)
    small_net.train()
    assert not small_net.training and not small_net.Mixed_7c.branch1x1.bn.training
    second = small_net(images)
    assert first.shape == (2, 2048) and first.dtype == torch.float32
    assert torch.equal(first, second)
    assert (first >= 0).all() and first.std() > 0  # post-ReLU average pool, not constant


def test_rejects_float_images_and_tiny_sizes(small_net: FIDInceptionV3) -> None:
    with pytest.raises(ValueError, match="expects uint8 images"):
        small_net(torch.rand(1, 3, 40, 40))
    with pytest.raises(ValueError, match=">= 75"):
        FIDInceptionV3(input_size=64)


def test_loads_published_format(
    small_net: FIDInceptionV3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # TF-converted files lack BatchNorm's num_batches_tracked buffer.
    state = {k: v for k, v in small_net.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, tmp_path / "pt_inception-2015-12-05-6726825d.pth")
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    loaded = load_fid_inception()
    assert loaded.input_size == 299
    assert torch.equal(loaded.Mixed_6c.branch7x7_2.conv.weight, small_net.Mixed_6c.branch7x7_2.conv.weight)
    loaded.input_size = 75  # same weights, same resize: identical features
    images = _images(n=1)
    assert torch.equal(loaded(images), small_net(images))


def test_missing_weights_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    with pytest.raises(MissingWeightsError, match=rf"{tmp_path}/pt_inception-2015-12-05-6726825d.pth"):
        load_fid_inception()
