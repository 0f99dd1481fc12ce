"""``unimo bench``: run the benchmark scripts of ``benchmarks/`` as suites.

The scripts stay plain files with ``main()`` (they are not part of the installed package); this command
finds them in ``--benchmarks_dir`` and runs each in its own Python process, so a crash or an
out-of-memory in one suite does not take the others down.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from unimo.commands import subcommand

SUITES: dict[str, list[str]] = {
    "train": ["train_speed.py"],
    "generate": ["generate_speed.py"],
    "data": ["data_speed.py", "synth_speed.py"],
    "tokenizers": ["motion_tokenizer.py", "video_tokenizer.py", "body_model_speed.py"],
}


def script_command(script: Path, quick: bool, device: str | None, out: str | None) -> list[str]:
    """Return the command running ``script`` with the options it declares (not every script has all)."""
    declared = script.read_text()
    args = [sys.executable, str(script)]
    for flag, value in (("--quick", quick), ("--device", device), ("--out", out)):
        if value and f'"{flag}"' in declared:
            args += [flag] if value is True else [flag, str(value)]
    return args


@subcommand("bench")
def bench(*, suite: str | None = None, benchmarks_dir: str = "benchmarks", quick: bool = False,
          device: str | None = None, out: str | None = None) -> None:
    """Run benchmark suites; each script writes JSON + Markdown (default under ``benchmarks/results/``).

    Args:
        suite: One of train, generate, data, tokenizers, all; None lists them and runs nothing (a full
            run takes hours).
        benchmarks_dir: Folder holding the benchmark scripts (the repository's ``benchmarks/``).
        quick: Tiny CPU smoke sizes (results go to /tmp, never to ``benchmarks/results``), for scripts
            that offer it.
        device: Passed as ``--device`` to scripts that take it (e.g. cuda).
        out: Output folder, passed as ``--out`` to scripts that take it.
    """
    if suite is None:
        print("suites (unimo bench --suite NAME [--quick]):")
        for name, group in SUITES.items():
            print(f"  {name.ljust(10)}  {', '.join(group)}")
        print(f"  {'all'.ljust(10)}  every suite above, in turn")
        return
    if suite != "all" and suite not in SUITES:
        known = ", ".join([*SUITES, "all"])
        raise SystemExit(f"unimo bench: unknown suite {suite!r}; expected one of {known}")
    folder = Path(benchmarks_dir)
    scripts = [s for name, group in SUITES.items() if suite in ("all", name) for s in group]
    missing = [s for s in scripts if not (folder / s).is_file()]
    if missing:
        raise SystemExit(f"unimo bench: {', '.join(missing)} not found in {folder.resolve()} "
                         f"(run from the repository root or pass --benchmarks_dir)")
    failed = []
    for script in scripts:
        args = script_command(folder / script, quick, device, out)
        print(f"== {script}: {' '.join(args[1:])}", flush=True)
        if subprocess.run(args, check=False).returncode != 0:
            failed.append(script)
    if failed:
        raise SystemExit(f"unimo bench: failed: {', '.join(failed)}")
