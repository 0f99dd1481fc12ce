"""Compare shard folders the way the project promises they agree: every member byte for byte, except videos.

x264 (through PyAV) does not always write the same bytes for the same frames: a 2-core CI run saw every shard
of one build differ from an identical build, and a stress run here (other threads encoding and decoding in
the same process) saw 1 of ~100,000 encodes of identical YUV input come out different. So ``.mp4`` members
are compared after decoding: coding noise is 0.2-1.1 grey levels on average, another clip or a one-frame
shift ~40, so a mean of 3 still tells a wrong video apart.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np

from unimo.render.video_io import decode_video_bytes

VIDEO_TOLERANCE = 3.0  # mean absolute difference in grey levels


def shard_members(folder: Path) -> dict[str, bytes]:
    """Return ``{shard/member: bytes}`` of every member of every shard in ``folder``."""
    out = {}
    for path in sorted(Path(folder).glob("shard-*.tar")):
        out.update(tar_members(path, prefix=f"{path.name}/"))
    return out


def tar_members(path: Path, prefix: str = "") -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {f"{prefix}{m.name}": tar.extractfile(m).read() for m in tar.getmembers()}


def videos_match(a: bytes, b: bytes) -> bool:
    """Whether two encoded videos show the same frames up to coding noise."""
    if a == b:
        return True
    frames_a, frames_b = decode_video_bytes(a)[0].astype(int), decode_video_bytes(b)[0].astype(int)
    return frames_a.shape == frames_b.shape and float(np.abs(frames_a - frames_b).mean()) < VIDEO_TOLERANCE


def assert_same_members(ours: dict[str, bytes], theirs: dict[str, bytes]) -> None:
    """Same member names; equal bytes, or for ``.mp4`` members the same frames up to coding noise."""
    assert sorted(ours) == sorted(theirs)
    for name, data in ours.items():
        if name.endswith(".mp4"):
            assert videos_match(data, theirs[name]), name
        else:
            assert data == theirs[name], name
