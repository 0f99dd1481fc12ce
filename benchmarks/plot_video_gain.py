"""Plot a V2M model's validation loss with its own video and with another clip's video, over training.

Two curves that fall together mean the model learns only the motion prior (``unimo.tasks.joint.video_gain``).
Reads runs written by ``benchmarks/joint.py`` (``runs.<variant>.val_history`` and ``val_video_gain_history``);
the V2M loss is taken per layout where the run logged it (joint models), else the run's mean loss (V2M-only).

    python benchmarks/plot_video_gain.py results.json [more.json ...] --out video_gain.png
    python benchmarks/plot_video_gain.py benchmarks/results/joint_cpu_ablation.json --key session18_video_gain
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from unimo.reports.plots import blank_figure  # noqa: E402


def v2m_curves(run: dict[str, Any]) -> tuple[list[int], list[float], list[float]] | None:
    """Steps, own-video loss and other-video loss of one run; None without a logged video gain."""
    gains = dict(run.get("val_video_gain_history") or [])
    if "val_history_per_layout" in run:
        losses = {step: per["V2MLayout"] for step, per in run["val_history_per_layout"] if "V2MLayout" in per}
    else:
        losses = dict(run.get("val_history") or [])
    steps = [s for s in sorted(losses) if s in gains]
    if not steps:
        return None
    return steps, [losses[s] for s in steps], [losses[s] + gains[s] for s in steps]


def find_runs(node: Any, label: str = "") -> dict[str, dict[str, Any]]:
    """Every ``runs`` entry under ``node`` (results files nest whole benchmark outputs), named by path."""
    found: dict[str, dict[str, Any]] = {}
    if isinstance(node, dict):
        for name, run in (node.get("runs") or {}).items():
            path = label if label.rsplit("/", 1)[-1] == name else f"{label}/{name}"  # no "v2m_only/v2m_only"
            found[path.strip("/")] = run
        for key, child in node.items():
            if key != "runs":
                found.update(find_runs(child, f"{label}/{key}".strip("/")))
    return found


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--key", help="read only this top-level key of each file")
    p.add_argument("--out", type=Path, default=Path("video_gain.png"))
    args = p.parse_args()
    curves = {}
    for path in args.files:
        data = json.loads(path.read_text())
        if args.key is not None:
            if args.key not in data:
                raise SystemExit(f"{path}: no top-level key {args.key!r}; it has {sorted(data)}")
            data = data[args.key]
        for name, run in find_runs(data).items():
            if (curve := v2m_curves(run)) is not None:
                curves[name] = curve
    if not curves:
        files = [str(f) for f in args.files]
        raise SystemExit(f"no run with val_video_gain_history in {files} (benchmarks/joint.py writes it "
                         "since session 18)")
    figure = blank_figure()
    ax = figure.add_subplot()
    for i, (name, (steps, own, other)) in enumerate(sorted(curves.items())):
        color = f"C{i}"
        ax.plot(steps, own, color=color, label=f"{name}: own video")
        ax.plot(steps, other, color=color, linestyle="--", label=f"{name}: another clip's video")
    ax.set_xlabel("training step")
    ax.set_ylabel("V2M validation loss (nats per motion id)")
    ax.set_title("Does capture read the video? Equal curves: only the motion prior")
    ax.legend(fontsize=7)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out)
    print(f"wrote {args.out} ({len(curves)} runs)")


if __name__ == "__main__":
    main()
