"""Per-joint statistics of synthetic motions vs real mocap: where the generator under-covers real poses.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/motion_stats.py                     # writes benchmarks/results/motion_stats.{json,md}
    python benchmarks/motion_stats.py --src /tmp/old --out /tmp/old_stats.json   # another generator's source
    python benchmarks/motion_stats.py --baseline /tmp/old_stats.json --png       # "before" columns + a figure

Why: a motion tokenizer trained on synthetic data reconstructs real mocap badly when the synthetic poses
leave joints (nearly) still that real people move; such channels get tiny normalisation statistics and
real values land far outside what the model saw. This script measures that directly, on random synthetic
plans (``generate_motion``) and on every real ``*.npz`` in ``--real-dir`` (loaded with
``unimo.data.load_motion``; the real part is skipped, with the reason, when the folder is absent).

Every motion is first canonicalised (``MotionFeatures.canonicalize``: y up, first frame facing +z), so
Z-up mocap and y-up synthetic motions compare. Per body joint and Euler axis (the synthetic generator's
own parameterisation, ``channels.axis_angle_to_euler``, so numbers compare with its joint limits): mean,
std and percentiles of the angle; per joint: angular speed (geodesic, deg/s); root: pelvis height, tilt
from upright, horizontal/vertical speed, yaw rate. ``coverage`` is the fraction of real frames whose angle
lies inside the synthetic 0.5-99.5 percentile range; ``std_ratio`` is synthetic std / real std.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.spatial.transform import Rotation

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import git_commit, write_atomic  # noqa: E402

AXES = "xyz"
ROOT_KEYS = ("height_m", "tilt_deg", "hspeed_mps", "vspeed_mps", "yaw_rate_dps")
PCTS = (0.5, 1, 5, 50, 95, 99, 99.5)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clips", type=int, default=200, help="synthetic motions (random plans)")
    p.add_argument("--frames", type=int, default=150)
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=0, help="first synthetic seed")
    real_dir = Path(os.environ.get("UNIMO_REAL_DATA", ROOT.parent / "shared/data/real"))
    p.add_argument("--real-dir", type=Path, default=real_dir)
    p.add_argument("--src", type=Path, default=ROOT, help="folder holding the unimo package to measure")
    p.add_argument("--label", default=None, help="names --src in the report (e.g. the commit it came from)")
    p.add_argument("--baseline", type=Path, default=None, help="an earlier JSON: its synthetic = 'before'")
    p.add_argument("--png", action="store_true", help="also plot per-channel std (next to --out)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/motion_stats.json")
    return p.parse_args(argv)


# ---------------------------------------------------------------------- per-motion arrays
def motion_arrays(motion: torch.Tensor, fps: float, features: Any, to_euler: Any) -> dict[str, np.ndarray]:
    """Return per-frame arrays of one ``(T, 79)`` motion, canonicalised (y up, first frame facing +z)."""
    canon = features.canonicalize(motion.double()[None])[0].numpy()  # (T, 79)
    pose = canon[:, :63].reshape(-1, 21, 3)  # (T, J, 3) axis-angle
    rots = Rotation.from_rotvec(pose.reshape(-1, 3))
    rel = rots[:-21].inv() * rots[21:]  # frame t -> t+1, per joint
    orient = Rotation.from_rotvec(canon[:, 73:76])
    up, forward = orient.apply([0.0, 1.0, 0.0]), orient.apply([0.0, 0.0, 1.0])  # (T, 3) body axes in world
    pelvis = canon[:, 76:79] + np.asarray(features.pelvis.double())  # (T, 3) pelvis position
    heading = np.unwrap(np.arctan2(forward[:, 0], forward[:, 2]))
    return {
        "euler_deg": np.degrees(to_euler(pose)),  # (T, J, 3)
        "speed_dps": np.degrees(rel.magnitude()).reshape(-1, 21) * fps,  # (T-1, J)
        "height_m": pelvis[:, 1],
        "tilt_deg": np.degrees(np.arccos(np.clip(up[:, 1], -1, 1))),
        "hspeed_mps": np.linalg.norm(np.diff(pelvis[:, [0, 2]], axis=0), axis=-1) * fps,
        "vspeed_mps": np.diff(pelvis[:, 1]) * fps,
        "yaw_rate_dps": np.degrees(np.diff(heading)) * fps,
    }


def pooled(arrays: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate the per-motion arrays over frames."""
    return {k: np.concatenate([a[k] for a in arrays]) for k in arrays[0]}


def summarize(values: np.ndarray) -> dict[str, Any]:
    """Mean, std, min, max and percentiles over axis 0 (kept as nested lists for JSON)."""
    out = {"mean": values.mean(0), "std": values.std(0), "min": values.min(0), "max": values.max(0)}
    out.update({f"p{q:g}": np.percentile(values, q, axis=0) for q in PCTS})
    return {k: np.round(v, 3).tolist() for k, v in out.items()}


def statistics(frames: dict[str, np.ndarray]) -> dict[str, Any]:
    """Summaries of pooled frames: Euler angles per joint/axis, speed per joint, root scalars."""
    return {"num_frames": int(len(frames["euler_deg"])),
            **{k: summarize(frames[k]) for k in ("euler_deg", "speed_dps", *ROOT_KEYS)}}


def coverage(real: dict[str, np.ndarray], synth: dict[str, Any]) -> dict[str, Any]:
    """Per joint/axis: fraction of real frames inside the synthetic p0.5-p99.5 range, and std ratio."""
    lo, hi = np.array(synth["euler_deg"]["p0.5"]), np.array(synth["euler_deg"]["p99.5"])
    inside = ((real["euler_deg"] >= lo) & (real["euler_deg"] <= hi)).mean(0)  # (J, 3)
    ratio = np.array(synth["euler_deg"]["std"]) / np.maximum(real["euler_deg"].std(0), 1e-6)
    speed = np.percentile(real["speed_dps"], 95, axis=0)
    return {"inside": np.round(inside, 3).tolist(), "std_ratio": np.round(ratio, 3).tolist(),
            "speed_p95_ratio": np.round(np.array(synth["speed_dps"]["p95"]) / np.maximum(speed, 1e-6),
                                        3).tolist(),
            "mean_inside": round(float(inside.mean()), 3), "min_inside": round(float(inside.min()), 3),
            "mean_capped_std_ratio": round(float(np.minimum(ratio, 1).mean()), 3)}


# ---------------------------------------------------------------------- data
def load_tools(src: Path) -> dict[str, Any]:
    """Import the generator and helpers from the unimo package under ``src`` (another checkout compares)."""
    sys.path.insert(0, str(src.resolve()))
    import unimo
    from unimo.data import load_motion
    from unimo.data.synthetic import GENERATOR_VERSION, generate_motion
    from unimo.data.synthetic.channels import BODY_JOINTS, axis_angle_to_euler
    from unimo.tokenizers.motion_features import MotionFeatures

    return {"generate": generate_motion, "load": load_motion, "joints": list(BODY_JOINTS),
            "to_euler": axis_angle_to_euler, "features": MotionFeatures(up_axis="auto").double(),
            "version": GENERATOR_VERSION, "path": str(Path(unimo.__file__).parent)}


def synthetic_frames(tools: dict[str, Any], args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Pool the arrays of ``--clips`` random synthetic plans (seeds from ``--seed``)."""
    arrays = []
    for seed in range(args.seed, args.seed + args.clips):
        motion = tools["generate"](seed, args.frames, args.fps).to_tensor()
        arrays.append(motion_arrays(motion, args.fps, tools["features"], tools["to_euler"]))
    return pooled(arrays)


def real_frames(tools: dict[str, Any], args: argparse.Namespace) -> tuple[dict | None, dict[str, Any]]:
    """Pool every real clip resampled to ``--fps``; return ``(frames or None, info incl. a skip reason)``."""
    files = sorted(args.real_dir.glob("*.npz")) if args.real_dir.is_dir() else []
    if not files:
        return None, {"skipped": f"no *.npz under {args.real_dir} (set --real-dir or UNIMO_REAL_DATA)"}
    arrays, clips = [], {}
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # importer notes (dropped fingers, SMPL-H betas) are known
            motion = tools["load"](path, target_fps=args.fps)
        clips[path.stem] = motion.num_frames
        arrays.append(motion_arrays(motion.to_tensor(), args.fps, tools["features"], tools["to_euler"]))
    return pooled(arrays), {"clips": clips}


# ---------------------------------------------------------------------- report
def _fmt(s: dict[str, Any], key: str, idx: tuple[int, ...], digits: int) -> str:
    """``mean±std [p1, p99]`` of one entry (``idx`` picks a joint/axis in nested lists)."""
    def at(name: str) -> float:
        value = s[key][name]
        for i in idx:
            value = value[i]
        return value

    d = digits
    return f"{at('mean'):.{d + 1}f}±{at('std'):.{d + 1}f} [{at('p1'):.{d}f}, {at('p99'):.{d}f}]"


def markdown(results: dict[str, Any]) -> str:
    """Summary table (after/before), then per joint/axis angles, per joint speeds and root tables."""
    cols = [("synthetic", results["synthetic"])]
    cols += [("before", results["before"]["synthetic"])] if results.get("before") else []
    cols += [("real", results["real"])] if results.get("real") else []
    lines = [f"# Synthetic vs real motion statistics ({results['config']['fps']} fps, canonical frame)", ""]
    if results.get("real") is None:
        lines += [f"Real data skipped: {results['real_info']['skipped']}", ""]
    else:
        lines += [f"Real clips (frames at this fps): {results['real_info']['clips']}", ""]
    lines += [_summary(results), "", *_angle_table(results, cols), ""]
    lines += ["| joint | " + " | ".join(f"{n} speed p50 / p95 (deg/s)" for n, _ in cols) + " |",
              "|" + "---|" * (1 + len(cols))]
    for j, name in enumerate(results["joints"]):
        cells = [f"{s['speed_dps']['p50'][j]:.0f} / {s['speed_dps']['p95'][j]:.0f}" for _, s in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| root | " + " | ".join(f"{n} mean±std [p1, p99]" for n, _ in cols) + " |",
              "|" + "---|" * (1 + len(cols))]
    lines += [f"| {k} | " + " | ".join(_fmt(s, k, (), 2) for _, s in cols) + " |" for k in ROOT_KEYS]
    return "\n".join(lines) + "\n"


def _angle_table(results: dict[str, Any], cols: list[tuple[str, dict]]) -> list[str]:
    """Rows per joint and Euler axis: each column's angle summary, then coverage (after, before)."""
    before = results.get("before") or {}
    covers = [("coverage", results.get("coverage")), ("coverage before", before.get("coverage"))]
    covers = [(n, c) for n, c in covers if c]
    head = "| joint | axis | " + " | ".join(f"{n} mean±std [p1, p99] (deg)" for n, _ in cols)
    lines = [head + "".join(f" | {n}" for n, _ in covers) + " |",
             "|" + "---|" * (2 + len(cols) + len(covers))]
    for j, name in enumerate(results["joints"]):
        for a in range(3):
            cells = [_fmt(s, "euler_deg", (j, a), 0) for _, s in cols]
            cells += [f"{c['inside'][j][a]:.0%}" for _, c in covers]
            lines.append(f"| {name} | {AXES[a]} | " + " | ".join(cells) + " |")
    return lines


def _summary(results: dict[str, Any]) -> str:
    """A few lines: frozen channels, coverage and std ratio, for after (and before)."""
    rows = ["| generator | frames | channels with std < 1 deg | mean coverage of real | min coverage | "
            "mean min(1, std ratio) |", "|---|---|---|---|---|---|"]
    for label, res in (("this run", results), ("before", results.get("before"))):
        if not res:
            continue
        s, c = res["synthetic"], res.get("coverage", {})
        frozen = int((np.array(s["euler_deg"]["std"]) < 1.0).sum())
        commit = res["generator"]["commit"]
        commit = commit[:8] if len(commit) == 40 else commit  # a full hash, or a --label
        rows.append(f"| {label} ({res['generator']['version']}, {commit}) | "
                    f"{s['num_frames']} | {frozen} / 63 | {c.get('mean_inside', '-')} | "
                    f"{c.get('min_inside', '-')} | {c.get('mean_capped_std_ratio', '-')} |")
    return "\n".join(rows)


def plot(results: dict[str, Any], path: Path) -> None:
    """Bar chart of the per-channel std (63 pose channels): synthetic (before/after) and real."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [("after", results["synthetic"])]
    series += [("before", results["before"]["synthetic"])] if results.get("before") else []
    series += [("real", results["real"])] if results.get("real") else []
    fig, ax = plt.subplots(figsize=(16, 4))
    x = np.arange(63)
    for i, (label, s) in enumerate(series):
        ax.bar(x + (i - 1) * 0.27, np.ravel(s["euler_deg"]["std"]), 0.27, label=label)
    ax.set_xticks(x, [f"{n}.{AXES[a]}" for n in results["joints"] for a in range(3)], rotation=90, fontsize=6)
    ax.set_ylabel("std (deg)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    t0 = time.perf_counter()
    tools = load_tools(args.src)
    synth = synthetic_frames(tools, args)
    real, real_info = real_frames(tools, args)
    src_commit = git_commit() if args.src.resolve() == ROOT else (args.label or f"source at {args.src}")
    results: dict[str, Any] = {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "generator": {"version": tools["version"], "commit": src_commit, "package": tools["path"]},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "torch": torch.__version__},
        "joints": tools["joints"], "synthetic": statistics(synth), "real_info": real_info,
        "real": statistics(real) if real is not None else None,
    }
    if real is not None:
        results["coverage"] = coverage(real, results["synthetic"])
    if args.baseline is not None:
        old = json.loads(args.baseline.read_text())
        if real is not None:
            old["coverage"] = coverage(real, old["synthetic"])
        results["before"] = {k: old[k] for k in ("generator", "config", "synthetic", "coverage") if k in old}
    results["seconds"] = round(time.perf_counter() - t0, 1)
    write_atomic(args.out, json.dumps(results, indent=1) + "\n")
    write_atomic(args.out.with_suffix(".md"), markdown(results))
    if args.png:
        plot(results, args.out.with_suffix(".png"))
    print(_summary(results))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')} in {results['seconds']} s")
    return results


if __name__ == "__main__":
    main()
