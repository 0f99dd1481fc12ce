"""Read and write H.264 video (mp4) with PyAV: files, bytes and file objects.

Frames are uint8 ``(T, H, W, 3)`` RGB everywhere. Writes are atomic (temp file, then rename), so an
interrupted run never leaves a half-written video behind under its final name.

H.264 in yuv420p needs even width and height. Odd-sized frames are padded by one replicated row/column
and the true size is stored in the container's ``comment`` tag (``unimo:size=WxH``); ``read_video``
crops it back, so callers get exactly the size they wrote.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from unimo.atomic import temp_beside

VideoSource = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO
_SIZE_TAG = re.compile(r"unimo:size=(\d+)x(\d+)")


class VideoDecodeError(ValueError):
    """Raised when a video cannot be read; the message names the file and the reason."""


@dataclass(frozen=True)
class VideoInfo:
    """Container-level facts about a video, read without decoding frames."""

    num_frames: int
    fps: float
    width: int
    height: int


def encode_video_bytes(frames: np.ndarray, fps: float, crf: int = 18, preset: str = "medium",
                       threads: int = 1) -> bytes:
    """Encode frames to an H.264 mp4 held in memory.

    Args:
        frames: uint8 ``(T, H, W, 3)`` RGB, T >= 1.
        fps: Frame rate; fractional rates are kept as a fraction (29.97 -> 30000/1001).
        crf: x264 constant rate factor (0 = lossless luma, 18 ~ visually lossless, 23 = x264 default).
        preset: x264 speed/size preset ("ultrafast" ... "veryslow").
        threads: Encoder threads. 1 (default) makes output independent of thread timing, so it usually
            repeats byte for byte (not always: see ``unimo.data.shards.sample``); 0 lets x264 pick.

    Returns:
        The mp4 file content.
    """
    frames = _check_frames(frames)
    _, h, w, _ = frames.shape
    padded = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")  # (T, H', W', 3), even
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        if padded.shape[1:3] != (h, w):
            container.metadata["comment"] = f"unimo:size={w}x{h}"
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.height, stream.width = padded.shape[1:3]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": preset}
        stream.codec_context.thread_count = threads
        for frame in padded:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())  # flush delayed frames
    return buf.getvalue()


def write_video(path: str | os.PathLike, frames: np.ndarray, fps: float, crf: int = 18,
                preset: str = "medium", threads: int = 1) -> Path:
    """Write frames to ``path`` as H.264 mp4, atomically; see ``encode_video_bytes`` for the arguments."""
    path = Path(path)
    data = encode_video_bytes(frames, fps, crf=crf, preset=preset, threads=threads)
    tmp = temp_beside(path)
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def read_video(src: VideoSource, start: int = 0, num_frames: int | None = None, stride: int = 1,
               threads: int = 1, max_short_side: int | None = None) -> tuple[np.ndarray, float]:
    """Decode frames ``start, start + stride, ...`` of a video.

    Decoding stops after the last requested frame, so reading a short clip from the head of a long video
    is cheap.

    Args:
        src: A path, the file content as bytes, or a binary file object.
        start: Index of the first frame to return.
        num_frames: How many frames to return; None reads to the end.
        stride: Step between returned frames.
        threads: Decoder threads (1 suits DataLoader workers, which already run in parallel).
        max_short_side: Shrink each frame as it is decoded so its shorter side is at most this (area
            averaging, aspect kept), so a long HD video fits in memory (``unimo capture``); None: as stored.

    Returns:
        ``(frames uint8 (N, H, W, 3), fps)``.

    Raises:
        FileNotFoundError: ``src`` is a path that does not exist.
        VideoDecodeError: The source is unreadable or corrupt, or has fewer frames than requested.
    """
    if start < 0 or stride < 1 or (num_frames is not None and num_frames < 1):
        raise ValueError(f"read_video: need start >= 0, stride >= 1, num_frames >= 1; "
                         f"got {start}, {stride}, {num_frames}")
    name = _source_name(src)
    try:
        with av.open(_as_file(src), mode="r") as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_count = threads
            fps = _stream_fps(stream)
            crop = _SIZE_TAG.fullmatch(container.metadata.get("comment", ""))
            size = (int(crop.group(1)), int(crop.group(2))) if crop else None  # undo odd-size padding
            frames = _decode_range(container, stream, start, num_frames, stride, size, max_short_side)
    except (av.FFmpegError, IndexError, EOFError) as exc:
        raise VideoDecodeError(f"{name}: cannot decode video ({type(exc).__name__}: {exc})") from exc
    if not frames or (num_frames is not None and len(frames) < num_frames):
        raise VideoDecodeError(f"{name}: got {len(frames)} frames from start={start} stride={stride}, "
                               f"expected {num_frames or 'at least 1'}")
    return np.ascontiguousarray(np.stack(frames)), fps  # (N, H', W', 3)


def decode_video_bytes(data: bytes, start: int = 0, num_frames: int | None = None,
                       stride: int = 1) -> tuple[np.ndarray, float]:
    """Decode an mp4 held in memory; same arguments and result as ``read_video``."""
    return read_video(data, start=start, num_frames=num_frames, stride=stride)


def probe_video(src: VideoSource) -> VideoInfo:
    """Return frame count, fps and size from the container header (frames are not decoded)."""
    name = _source_name(src)
    try:
        with av.open(_as_file(src), mode="r") as container:
            stream = container.streams.video[0]
            crop = _SIZE_TAG.fullmatch(container.metadata.get("comment", ""))
            w, h = (int(crop.group(1)), int(crop.group(2))) if crop else (stream.width, stream.height)
            num = stream.frames or sum(1 for packet in container.demux(stream) if packet.size)
            return VideoInfo(num_frames=num, fps=_stream_fps(stream), width=w, height=h)
    except (av.FFmpegError, IndexError, EOFError) as exc:
        raise VideoDecodeError(f"{name}: cannot read video header ({type(exc).__name__}: {exc})") from exc


def _decode_range(container: av.container.InputContainer, stream: av.video.stream.VideoStream, start: int,
                  num_frames: int | None, stride: int, size: tuple[int, int] | None = None,
                  max_short_side: int | None = None) -> list[np.ndarray]:
    """Decode the requested frames as RGB, cropped to ``size`` (w, h) and shrunk to ``max_short_side``."""
    last = None if num_frames is None else start + (num_frames - 1) * stride
    # One reformatter for the whole clip: frame.to_ndarray(format=...) builds a new swscale context per
    # frame, which made YUV->RGB conversion ~8x slower than decoding itself.
    to_rgb, shrink = VideoReformatter(), VideoReformatter()
    frames = []
    for i, frame in enumerate(container.decode(stream)):
        if i >= start and (i - start) % stride == 0:
            rgb = to_rgb.reformat(frame, format="rgb24").to_ndarray()  # (H, W, 3)
            if size is not None:
                rgb = rgb[: size[1], : size[0]]
            h, w = rgb.shape[:2]
            if max_short_side is not None and min(h, w) > max_short_side:
                scale = max_short_side / min(h, w)
                small = (max(max_short_side, round(w * scale)), max(max_short_side, round(h * scale)))
                rgb = shrink.reformat(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24"),
                                      width=small[0], height=small[1], interpolation="AREA").to_ndarray()
            frames.append(rgb)
        if last is not None and i >= last:
            break
    return frames


def _stream_fps(stream: av.video.stream.VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        raise VideoDecodeError("video stream declares no frame rate")
    return float(rate)


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1:
        raise ValueError(f"expected uint8 frames of shape (T>=1, H, W, 3), got {frames.dtype} {frames.shape}")
    return frames


def _as_file(src: VideoSource) -> str | BinaryIO:
    if isinstance(src, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(src))
    if isinstance(src, str | os.PathLike):
        path = Path(src)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such video file")
        return str(path)
    return src


def _source_name(src: VideoSource) -> str:
    if isinstance(src, bytes | bytearray | memoryview):
        return f"<{len(src)} bytes of video>"
    if isinstance(src, str | os.PathLike):
        return str(src)
    return str(getattr(src, "name", "<video file object>"))
