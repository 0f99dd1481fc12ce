"""``unimo generate`` (image -> video + SMPL-X motion) and ``unimo capture`` (video -> SMPL-X motion)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from unimo.commands import subcommand

if TYPE_CHECKING:
    import numpy as np  # for annotations only; the functions import numpy when they run


@subcommand("generate")
def generate(ckpt: str, *, image: str, out: str = "generated", num_frames: int = 17,
             temperature: float = 1.0, top_k: int | None = 100, top_p: float | None = None, seed: int = 0,
             device: str = "auto", precision: str = "auto") -> None:
    """Generate a video and its SMPL-X motion from one image (I2VM) with a joint checkpoint.

    Writes ``video.mp4``, ``motion.npz`` (SMPL-X, fps recorded) and ``preview.mp4`` (the generated video
    beside the rendered generated motion) into ``out``.

    Args:
        ckpt: Joint model checkpoint (``unimo fit --config configs/joint.yaml``).
        image: The first frame (PNG/JPEG, or a video whose first frame is used).
        out: Output folder (created).
        num_frames: Frames to generate (1 + 4k frames fill whole latent steps; others are cut).
        temperature: Sampling temperature (0 = greedy).
        top_k: Keep the k most likely ids at each step (None: all).
        top_p: Nucleus sampling mass (None: off).
        seed: Random seed of sampling.
        device: "auto", "cpu" or "cuda".
        precision: Backbone weights: "auto" (bf16 on CUDA, fp32 on CPU), "fp32" or "bf16".
    """
    import numpy as np

    from unimo.render.skeleton import render_motion_video
    from unimo.render.video_io import write_video
    from unimo.tasks.joint.pipelines import generate_from_image, load_joint_model

    task = load_joint_model(ckpt, device, precision)
    frames, motion = generate_from_image(task, _read_image(image), num_frames, temperature, top_k, top_p,
                                         seed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    write_video(folder / "video.mp4", frames, fps=motion.fps)
    motion.save(folder / "motion.npz")
    rendered = render_motion_video(motion, size=frames.shape[1])
    write_video(folder / "preview.mp4", np.concatenate([frames, rendered], axis=2), fps=motion.fps)
    print(f"wrote {folder}/video.mp4, motion.npz, preview.mp4 ({len(frames)} frames at {motion.fps:g} fps)")


@subcommand("capture")
def capture(ckpt: str, *, video: str, out: str = "captured", device: str = "auto",
            decoding: str | None = None, samples: int | None = None, precision: str = "auto",
            window_batch: int = 8) -> None:
    """Capture the SMPL-X motion of the person in a video (V2M), one motion frame per video frame.

    Any length (sliding windows), resolution and frame rate (resampled to the model's and back). Writes
    ``motion.npz`` and ``overlay.mp4`` (the input beside the rendered captured motion) into ``out``.

    Args:
        ckpt: Joint model checkpoint.
        video: Input video file (anything PyAV/FFmpeg reads).
        out: Output folder (created).
        device: "auto", "cpu" or "cuda".
        decoding: "greedy" (argmax motion ids), "expected" (expected code under the model's distribution,
            often closer to the truth when the model is unsure) or "sampled" (the same over ``samples``
            sampled motion histories: the mean motion under the model's belief, ``samples`` times the
            work); default: the checkpoint's setting.
        samples: Histories sampled per window by "sampled" decoding; default: the checkpoint's setting.
        precision: Backbone weights: "auto" (bf16 on CUDA, fp32 on CPU), "fp32" or "bf16".
        window_batch: Sliding windows captured together (lower it if memory is short).
    """
    import numpy as np

    from unimo.data.shards.frames import resize_frames
    from unimo.render.skeleton import render_motion_video
    from unimo.render.video_io import read_video, write_video
    from unimo.tasks.joint.pipelines import capture_from_video, clip_spec, load_joint_model

    task = load_joint_model(ckpt, device, precision)
    # Shrunk while decoding (the model sees 64 px, the overlay 128): 1080p frames take ~70x less memory.
    frames, fps = read_video(video, max_short_side=max(128, int(clip_spec(task)["size"])))
    if decoding is not None or samples is not None:
        task.set_capture_decoding(decoding or task.capture_decoding, samples)
    motion = capture_from_video(task, frames, fps, window_batch, progress=True)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    motion.save(folder / "motion.npz")
    shown = resize_frames(frames, 128)
    left = max(shown.shape[2] - shown.shape[1], 0) // 2
    shown = shown[:, :, left : left + shown.shape[1]]  # centre square of landscape input
    rendered = render_motion_video(motion, size=shown.shape[1])
    write_video(folder / "overlay.mp4", np.concatenate([shown, rendered], axis=2), fps=fps)
    print(f"wrote {folder}/motion.npz ({len(motion)} frames at {fps:g} fps) and overlay.mp4")


def _read_image(path: str) -> np.ndarray:
    """Return an RGB uint8 ``(H, W, 3)`` image from a picture or the first frame of a video."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except UnidentifiedImageError:
        from unimo.render.video_io import VideoDecodeError, read_video

        try:
            return read_video(path, num_frames=1)[0][0]
        except VideoDecodeError as err:
            raise ValueError(f"{path}: neither an image (PIL cannot read it) nor a video ({err})") from None
