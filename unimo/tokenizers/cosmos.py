"""``CosmosDiscreteVideoTokenizer``: the published NVIDIA Cosmos DV tokenizers, loaded from local files.

The UniMo paper tokenizes video with Cosmos-Tokenizer DV4x8x8 / DV8x16x16 (arXiv 2501.03575). NVIDIA
publishes each as a TorchScript pair in one folder (``encoder.jit``, ``decoder.jit``); their calling
convention (``cosmos_tokenizer/video_lib.py`` of github.com/NVIDIA/Cosmos-Tokenizer) is:

- encoder: video ``(B, 3, T, H, W)`` in ``[-1, 1]``, in the model dtype (bf16) -> a tuple whose first
  element is the indices ``(B, t, h, w)`` (FSQ levels ``[8, 8, 8, 5, 5, 5]``, 64,000 codes), then the
  codes ``(B, 6, t, h, w)`` (and, in some exports, a dummy quantizer loss);
- decoder: indices ``(B, t, h, w)`` -> video ``(B, 3, T, H, W)`` in ``[-1, 1]``.

unimo never downloads them (licence and no network): users fetch the folder themselves and name it in
the config. The weights are frozen; training a video tokenizer uses ``CausalVideoTokenizer`` instead.
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path
from typing import ClassVar

import torch

from unimo.tokenizers.base import TOKENIZERS, Tokenizer
from unimo.tokenizers.causal_grid import CausalGrid

_FILES = ("encoder.jit", "decoder.jit")
_COMPRESSION_IN_NAME = re.compile(r"DV(\d+)x(\d+)x(\d+)")


def check_cosmos_folder(checkpoint_dir: str | Path) -> dict[str, Path]:
    """Return ``{"encoder.jit": path, "decoder.jit": path}``, or raise naming what is missing.

    Raises:
        FileNotFoundError: the folder or one of the two TorchScript files is absent.
    """
    folder = Path(checkpoint_dir).expanduser()
    hint = (
        "download a Cosmos DV tokenizer (e.g. huggingface.co/nvidia/Cosmos-Tokenizer-DV4x8x8) yourself; "
        "unimo never downloads weights"
    )
    if not folder.is_dir():
        raise FileNotFoundError(
            f"CosmosDiscreteVideoTokenizer.checkpoint_dir: folder {folder} does not exist ({hint})"
        )
    paths = {name: folder / name for name in _FILES}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"CosmosDiscreteVideoTokenizer: {folder} lacks {', '.join(missing)}; expected the "
            f"TorchScript pair {' and '.join(_FILES)} ({hint})"
        )
    return paths


def compression_from_name(checkpoint_dir: str | Path) -> tuple[int, int] | None:
    """Return ``(temporal, spatial)`` read from a folder name like ``Cosmos-Tokenizer-DV4x8x8``, else None."""
    match = _COMPRESSION_IN_NAME.search(Path(checkpoint_dir).name)
    if match is None:
        return None
    t, h, w = (int(g) for g in match.groups())
    if h != w:
        raise ValueError(f"{checkpoint_dir}: non-square spatial compression {h}x{w} is not supported")
    return t, h


def resolve_compression(
    checkpoint_dir: str | Path, temporal: int | None, spatial: int | None
) -> tuple[int, int]:
    """Return ``(temporal, spatial)``: the given values, missing ones read from the folder name."""
    if temporal is not None and spatial is not None:
        return temporal, spatial
    named = compression_from_name(checkpoint_dir)
    if named is None:
        raise ValueError(
            f"CosmosDiscreteVideoTokenizer: cannot read the compression from the folder name "
            f"{Path(checkpoint_dir).name!r} (no 'DV<t>x<h>x<w>'); "
            "set temporal_compression and spatial_compression"
        )
    return temporal or named[0], spatial or named[1]


def _load_jit(path: Path, device: torch.device, dtype: torch.dtype) -> torch.jit.ScriptModule:
    with (
        warnings.catch_warnings()
    ):  # torch >= 2.9 deprecates TorchScript; the published files are TorchScript
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            module = torch.jit.load(str(path), map_location=device)
        except Exception as err:  # torch raises RuntimeError/ValueError variants for bad archives
            raise RuntimeError(
                f"CosmosDiscreteVideoTokenizer: cannot load TorchScript file {path}: {err}"
            ) from err
    module.eval()
    for param in module.parameters():  # ScriptModule has no requires_grad_()
        param.requires_grad_(False)
    return module.to(dtype)


@TOKENIZERS.register
class CosmosDiscreteVideoTokenizer(CausalGrid, Tokenizer):
    """Frozen pretrained Cosmos DV tokenizer: video ``(B, T, 3, H, W)`` in [-1, 1] <-> ids ``(B, t, h, w)``.

    Args:
        checkpoint_dir: Local folder holding ``encoder.jit`` and ``decoder.jit``.
        temporal_compression: Frames per latent frame after the first; read from the folder name
            (``...DV4x8x8...``) when None.
        spatial_compression: Pixels per latent cell; read from the folder name when None.
        vocab_size: Number of ids (64,000 for the published FSQ ``[8, 8, 8, 5, 5, 5]``).
        dtype: Dtype the TorchScript modules run in (``"bfloat16"`` as published, or ``"float32"``).
        device: Device to load onto (``"cpu"``, ``"cuda"``); later ``.to(device)`` calls move it too.
        height: Nominal frame height, used only by ``tokens_per_frame``.
        width: Nominal frame width, used only by ``tokens_per_frame``.
    """

    modality: ClassVar[str] = "video"

    def __init__(
        self,
        checkpoint_dir: str,
        temporal_compression: int | None = None,
        spatial_compression: int | None = None,
        vocab_size: int = 64_000,
        dtype: str = "bfloat16",
        device: str = "cpu",
        height: int = 256,
        width: int = 256,
    ) -> None:
        super().__init__()
        paths = check_cosmos_folder(checkpoint_dir)
        temporal_compression, spatial_compression = resolve_compression(
            checkpoint_dir, temporal_compression, spatial_compression
        )
        if not hasattr(torch, dtype) or not isinstance(getattr(torch, dtype), torch.dtype):
            raise ValueError(
                f"CosmosDiscreteVideoTokenizer.dtype: expected a torch dtype name, got {dtype!r}"
            )
        self.init_args = dict(
            checkpoint_dir=str(checkpoint_dir),
            temporal_compression=temporal_compression,
            spatial_compression=spatial_compression,
            vocab_size=vocab_size,
            dtype=dtype,
            device=device,
            height=height,
            width=width,
        )
        self.temporal_compression, self.spatial_compression = temporal_compression, spatial_compression
        self.height, self.width, self._vocab_size = height, width, vocab_size
        self.model_dtype = getattr(torch, dtype)
        self.encoder = _load_jit(paths["encoder.jit"], torch.device(device), self.model_dtype)
        self.decoder = _load_jit(paths["decoder.jit"], torch.device(device), self.model_dtype)

    @property
    def vocab_size(self) -> int:
        """Number of distinct ids."""
        return self._vocab_size



    def _device(self) -> torch.device:
        tensors = itertools.chain(self.encoder.parameters(), self.encoder.buffers())
        return next(tensors, torch.empty(0)).device

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return ids ``(B, t, h, w)`` (int64) for video ``(B, T, 3, H, W)`` in ``[-1, 1]``."""
        if x.ndim != 5 or x.shape[2] != 3:
            raise ValueError(
                f"CosmosDiscreteVideoTokenizer: expected video (B, T, 3, H, W), got {tuple(x.shape)}"
            )
        grid = self.latent_shape(x.shape[1], x.shape[3], x.shape[4])
        video = x.transpose(1, 2).to(self._device(), self.model_dtype)  # (B, 3, T, H, W), as Cosmos expects
        out = self.encoder(video)
        ids = out[0] if isinstance(out, (tuple, list)) else out
        if tuple(ids.shape) != (x.shape[0], *grid):
            raise RuntimeError(
                f"CosmosDiscreteVideoTokenizer: encoder.jit returned indices {tuple(ids.shape)}, "
                f"expected {(x.shape[0], *grid)}; is this a discrete (DV) tokenizer folder with "
                f"compression {self.temporal_compression}x{self.spatial_compression}"
                f"x{self.spatial_compression}?"
            )
        return ids.long()

    @torch.no_grad()
    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """Return float32 video ``(B, T, 3, H, W)`` in ``[-1, 1]`` for ids ``(B, t, h, w)``."""
        if ids.ndim != 4:
            raise ValueError(
                f"CosmosDiscreteVideoTokenizer.decode: expected ids (B, t, h, w), got {tuple(ids.shape)}"
            )
        video = self.decoder(ids.to(self._device()))  # (B, 3, T, H, W)
        return video.transpose(1, 2).float().clamp(-1, 1)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Not trainable: the published weights are frozen TorchScript."""
        raise RuntimeError(
            "CosmosDiscreteVideoTokenizer is a frozen pretrained tokenizer and cannot be trained; "
            "train CausalVideoTokenizer instead"
        )
