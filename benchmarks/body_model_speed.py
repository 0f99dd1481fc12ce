"""Speed of the torch body models: joints forward and forward+backward (as in a joint-position loss), and
mesh vertices, for the licence-free ``MannequinBodyModel`` (and ``SMPLXBodyModel`` with ``--smplx-dir``).

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/body_model_speed.py --device cuda          # GPU: B*T = 1k..64k frames
    python benchmarks/body_model_speed.py --quick                # tiny CPU run, writes to /tmp

Reports milliseconds per call (median of ``--repeats`` after warm-up) and frames per second, with the
device, torch version and thread count, as JSON and Markdown.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from unimo.body.models import BodyModel, MannequinBodyModel, SMPLXBodyModel


def _time(fn, device: torch.device, repeats: int) -> float:  # noqa: ANN001 - a no-argument callable
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000.0


def bench(body: BodyModel, frames: int, device: torch.device, repeats: int, vertices: bool) -> dict:
    """Time one body model on ``frames`` random frames; returns milliseconds per call."""
    x = (0.4 * torch.randn(frames, 79, device=device)).requires_grad_(True)
    row = {"model": type(body).__name__, "frames": frames}
    with torch.no_grad():
        row["joints_fwd_ms"] = _time(lambda: body.joints(x), device, repeats)
    row["joints_fwd_bwd_ms"] = _time(lambda: body.joints(x).square().sum().backward(), device, repeats)
    if vertices:  # one body shape, as in a rendered clip (the rest mesh is fitted once per shape)
        clip = x.detach()[: min(frames, 64)].clone()
        clip[:, 63:73] = clip[0, 63:73]
        with torch.no_grad():
            row["vertices_fwd_ms"] = _time(lambda: body.vertices(clip), device, repeats)
        row["vertices_frames"] = clip.shape[0]
    row["joints_frames_per_s"] = frames / row["joints_fwd_bwd_ms"] * 1000.0
    return row


def markdown(report: dict) -> str:
    """Render the rows as a Markdown table."""
    lines = ["| model | frames | joints fwd ms | joints fwd+bwd ms | vertices ms (frames) |",
             "|---|---|---|---|---|"]
    for r in report["rows"]:
        verts = f"{r['vertices_fwd_ms']:.2f} ({r['vertices_frames']})" if "vertices_fwd_ms" in r else "-"
        lines.append(f"| {r['model']} | {r['frames']} | {r['joints_fwd_ms']:.2f} | "
                     f"{r['joints_fwd_bwd_ms']:.2f} | {verts} |")
    return "\n".join([f"device: {report['device']}, torch {report['torch']}", "", *lines, ""])


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and write ``body_model_speed.{json,md}``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--quick", action="store_true", help="tiny sizes, write to /tmp")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--smplx-dir", default=None, help="folder with SMPLX_NEUTRAL.npz: time SMPLXBodyModel too")
    p.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results)")
    args = p.parse_args(argv)
    out = args.out or Path("/tmp/unimo_bench" if args.quick else Path(__file__).parent / "results")
    device = torch.device(args.device)
    sizes = [256, 1024] if args.quick else [1024, 4096, 16384, 65536]
    models: list[BodyModel] = [MannequinBodyModel()]
    if args.smplx_dir:
        models.append(SMPLXBodyModel(args.smplx_dir))
    rows = [bench(m.to(device), n, device, args.repeats, vertices=n == sizes[0])
            for m in models for n in sizes]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    report = {"device": name, "torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows,
              "args": {**vars(args), "out": str(out)}}
    out.mkdir(parents=True, exist_ok=True)
    (out / "body_model_speed.json").write_text(json.dumps(report, indent=2))
    (out / "body_model_speed.md").write_text(markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
