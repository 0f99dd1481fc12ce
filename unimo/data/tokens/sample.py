"""One token-shard sample (a window of a clip, already tokenized) and its byte encodings.

A sample is stored in a tar shard (webdataset layout, members ``<key>.<member>``, key
``<clip key>-<start frame, 6 digits>``) as

- ``video_ids.npy``  ``(t, h, w)`` video ids, uint16 when the vocabulary fits (the shipped 64k one does),
  else int32;
- ``motion_ids.npy`` ``(t * s,)`` motion ids, same rule;
- ``motion.npy``     ``(T, 79)`` float32 ground-truth SMPL-X parameters of the window (bit-exact copies of the
  source's), for validation metrics;
- ``meta.json``      ``clip``, ``start``, ``num_frames``, ``fps``, ``height``, ``width`` and ``tokenizers``
  (``{"video": fingerprint, "motion": fingerprint}``, see ``unimo.tokenizers.identity``; the manifest holds
  the full identities: configs, files and file hashes).

``.npy`` bytes and sorted-key JSON are deterministic, so a resumed run writes the same bytes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from unimo.data.shards.batch import ShardBatch, stack
from unimo.data.shards.decode import DECODE_ERRORS
from unimo.data.shards.reader import RawSample
from unimo.data.shards.sample import check_key, json_bytes, npy_from_bytes
from unimo.data.shards.skips import NothingUsableGuard, SkipReporter

VIDEO_IDS, MOTION_IDS, MOTION_WINDOW, META = "video_ids.npy", "motion_ids.npy", "motion.npy", "meta.json"
TOKEN_MEMBERS = (VIDEO_IDS, MOTION_IDS, MOTION_WINDOW, META)


def id_dtype(vocab_size: int) -> np.dtype:
    """Return the smallest id dtype for ``vocab_size``: uint16 up to 65536 ids, else int32."""
    return np.dtype(np.uint16 if vocab_size <= 1 << 16 else np.int32)


def npy_bytes(array: np.ndarray) -> bytes:
    """Serialise an array in the ``.npy`` format."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


@dataclass
class TokenWindow:
    """A tokenized window: ids of both modalities, the ground-truth motion, and where it comes from."""

    key: str
    video_ids: np.ndarray  # (t, h, w)
    motion_ids: np.ndarray  # (t * s,)
    motion: np.ndarray  # (T, 79) float32
    meta: dict[str, Any]


def encode_window(window: TokenWindow) -> dict[str, bytes | str]:
    """Encode a window into the dict ``webdataset.TarWriter`` writes."""
    meta = {**window.meta, "num_frames": int(window.motion.shape[0])}
    return {"__key__": check_key(window.key), VIDEO_IDS: npy_bytes(window.video_ids),
            MOTION_IDS: npy_bytes(window.motion_ids),
            MOTION_WINDOW: npy_bytes(window.motion.astype(np.float32)), META: json_bytes(meta)}


def decode_window(raw: RawSample) -> dict[str, Any]:
    """Decode one raw token sample into tensors (ids as int64) and its facts."""
    meta = json.loads(raw[META])
    return {"key": raw["__key__"], "start": int(meta["start"]), "fps": float(meta["fps"]),
            "size": int(meta["height"]), "tokenizers": meta["tokenizers"],
            "video_ids": torch.from_numpy(npy_from_bytes(raw[VIDEO_IDS]).astype(np.int64)),  # (t, h, w)
            "motion_ids": torch.from_numpy(npy_from_bytes(raw[MOTION_IDS]).astype(np.int64)),  # (t*s,)
            "motion": torch.from_numpy(npy_from_bytes(raw[MOTION_WINDOW]).astype(np.float32))}  # (T, 79)


class TokenDecoder:
    """Pipeline stage: decode raw token samples, reporting undecodable ones.

    Args:
        reporter: Where undecodable samples are reported.
    """

    def __init__(self, reporter: SkipReporter) -> None:
        self.reporter = reporter
        self.nothing_usable = NothingUsableGuard()

    def __call__(self, samples: Iterable[RawSample]) -> Iterator[dict[str, Any]]:
        held = None  # yield one sample late, so skips at the end of the stream still ride on a sample
        for raw in samples:
            try:
                window = decode_window(raw)
            except DECODE_ERRORS as exc:
                self.nothing_usable.skipped(self.reporter.report(raw["__url__"], raw["__key__"],
                                                                 f"{type(exc).__name__}: {exc}"))
                continue
            self.nothing_usable.usable()
            if held is not None:
                held["skipped"] = self.reporter.take_pending()
                yield held
            held = window
        if held is not None:
            held["skipped"] = self.reporter.take_pending()
            yield held


def collate_tokens(windows: list[dict[str, Any]]) -> ShardBatch:
    """Batch decoded windows (in the DataLoader worker; see ``unimo.data.shards.batch``).

    Returns:
        ``{"video_ids": (B, t, h, w) int64, "motion_ids": (B, t*s) int64, "motion": (B, T, 79),
        "fps": (B,), "size": (B,) frame height, "start": (B,), "key": list[str],
        "tokenizers": {"video": fingerprint, "motion": fingerprint}, "skipped": list[dict]}``.

    Raises:
        ValueError: The windows come from different tokenizers or have different id shapes, naming keys.
    """
    first = windows[0]
    for window in windows[1:]:
        if window["tokenizers"] != first["tokenizers"]:
            raise ValueError(f"token samples {first['key']} and {window['key']} were made by different "
                             "tokenizers; re-tokenize the shards into one folder with one pair")
        if window["video_ids"].shape != first["video_ids"].shape:
            raise ValueError(f"token samples {first['key']} and {window['key']} have video id grids "
                             f"{tuple(first['video_ids'].shape)} and {tuple(window['video_ids'].shape)}; "
                             "tokenize with --size so every window has one size")
    return ShardBatch({
        "video_ids": stack([w["video_ids"] for w in windows]),  # (B, t, h, w)
        "motion_ids": stack([w["motion_ids"] for w in windows]),  # (B, t*s)
        "motion": stack([w["motion"] for w in windows]),  # (B, T, 79)
        "fps": torch.tensor([w["fps"] for w in windows], dtype=torch.float32),  # (B,)
        "size": torch.tensor([w["size"] for w in windows], dtype=torch.long),  # (B,)
        "start": torch.tensor([w["start"] for w in windows], dtype=torch.long),  # (B,)
        "key": [w["key"] for w in windows],
        "tokenizers": dict(first["tokenizers"]),
        "skipped": [record for w in windows for record in w.get("skipped", [])],
    })
