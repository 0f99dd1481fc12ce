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
    "data": ["loader_speed.py", "synth_speed.py"],
    "tokenizers": ["motion_tokenizer.py", "video_tokenizer.py", "body_model_speed.py"],
}


@subcommand("bench")
def bench(*, suite: str = "all", benchmarks_dir: str = "benchmarks", quick: bool = False,
          device: str | None = None) -> None:
    """Run benchmark suites; each script writes JSON + Markdown under ``benchmarks/results/``.

    Args:
        suite: One of train, generate, data, tokenizers, all.
        benchmarks_dir: Folder holding the benchmark scripts (the repository's ``benchmarks/``).
        quick: Tiny CPU smoke sizes (results go to /tmp, never to ``benchmarks/results``).
        device: Passed as ``--device`` to scripts that take it (e.g. cuda).
    """
    if suite != "all" and suite not in SUITES:
        raise SystemExit(f"unimo bench: unknown suite {suite!r}; expected one of {', '.join([*SUITES, 'all'])}")
    folder = Path(benchmarks_dir)
    scripts = [s for name, group in SUITES.items() if suite in ("all", name) for s in group]
    missing = [s for s in scripts if not (folder / s).is_file()]
    if missing:
        raise SystemExit(f"unimo bench: {', '.join(missing)} not found in {folder.resolve()} "
                         f"(run from the repository root or pass --benchmarks_dir)")
    failed = []
    for script in scripts:
        args = [sys.executable, str(folder / script), *(["--quick"] if quick else [])]
        args += ["--device", device] if device else []
        print(f"== {script}: {' '.join(args[1:])}", flush=True)
        if subprocess.run(args, check=False).returncode != 0:
            failed.append(script)
    if failed:
        raise SystemExit(f"unimo bench: failed: {', '.join(failed)}")
