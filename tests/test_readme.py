"""The README's two commands: the test command is what CI runs, and the main job really runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unimo.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
COMMANDS = [block.strip() for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)]


def test_readme_has_the_two_commands() -> None:
    assert len(COMMANDS) == 2, COMMANDS
    main_job, tests = COMMANDS
    assert main_job.endswith("unimo fit --config configs/joint.yaml")
    assert "pip install torch==2.13.0" in main_job and "pip install torch==2.13.0" in tests
    assert tests.endswith("pytest -n 2")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert COMMANDS[1] in ci


def test_every_config_the_readme_names_exists() -> None:
    for name in set(re.findall(r"configs/[\w/]+\.yaml", README)) - {"configs/my_experiment.yaml"}:
        assert (ROOT / name).is_file(), name


@pytest.mark.slow
def test_main_job_runs_with_the_shipped_tokenizers(tmp_path: Path, tiny_shards: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`unimo fit --config configs/joint.yaml`, one train and one validation step, on a tiny shard folder."""
    monkeypatch.chdir(ROOT)  # the config names the shipped tokenizers relative to the repository
    main(["fit", "--config", "configs/joint.yaml", "--trainer.fast_dev_run", "true",
          "--trainer.default_root_dir", str(tmp_path), "--data.init_args.data_dir", str(tiny_shards),
          "--data.init_args.batch_size", "2", "--data.init_args.num_workers", "0"])
