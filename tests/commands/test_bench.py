"""``unimo bench``: suites map to scripts, and each script only gets the options it declares."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from unimo.commands.bench import SUITES, bench, script_command

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_every_suite_script_exists() -> None:
    for scripts in SUITES.values():
        for script in scripts:
            assert (BENCHMARKS / script).is_file(), script


def test_options_passed_only_when_declared(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text('p.add_argument("--quick")\np.add_argument("--out")\n')
    expected = [sys.executable, str(script), "--quick", "--out", "res"]
    assert script_command(script, True, "cuda", "res") == expected
    assert script_command(script, False, None, None) == [sys.executable, str(script)]


def test_unknown_suite_names_the_known_ones() -> None:
    with pytest.raises(SystemExit, match="expected one of train, generate, data, tokenizers, all"):
        bench(suite="nope")


def test_no_suite_lists_them_and_runs_nothing(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("subprocess.run", lambda *a, **k: pytest.fail("no suite must run nothing"))
    bench()
    out = capsys.readouterr().out
    assert all(f"  {name}" in out for name in [*SUITES, "all"]) and "train_speed.py" in out


def test_failing_script_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "train_speed.py").write_text("raise SystemExit(3)\n")
    monkeypatch.setitem(SUITES, "train", ["train_speed.py"])
    with pytest.raises(SystemExit, match="failed: train_speed.py"):
        bench(suite="train", benchmarks_dir=str(tmp_path))
