"""The `unimo` command: help, dispatch, every shipped config through the real LightningCLI, real fits."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from unimo.cli import main, usage
from unimo.commands import SUBCOMMANDS, discover

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs").rglob("*.yaml"))


@pytest.fixture(autouse=True)
def _plugins_from_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIMO_PLUGINS_DIR", str(ROOT / "plugins"))


def test_help_lists_every_subcommand() -> None:
    out = subprocess.run([sys.executable, "-m", "unimo.cli", "--help"], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    discover()
    for name in ["fit", "validate", "test", *SUBCOMMANDS]:
        assert f"  {name} " in out, f"`unimo --help` does not list {name!r}:\n{out}"
    assert out.strip() == usage().strip()


def test_unknown_subcommand_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fitt"])
    assert "unknown subcommand 'fitt'" in str(info.value) and "fit" in str(info.value)


def test_predict_points_to_capture_and_generate() -> None:
    with pytest.raises(SystemExit) as info:
        main(["predict", "--config", "configs/joint.yaml"])
    assert "not offered" in str(info.value) and "unimo capture" in str(info.value)


def test_positionals_by_flag_or_bare_fill_their_own_slots() -> None:
    from unimo.commands import subcommand

    calls: list[tuple[str, str]] = []

    @subcommand("testing pair")
    def pair(ckpt: str, video: str, *, top_k: int = 0) -> None:
        """Two positionals (test only)."""
        calls.append((ckpt, video))

    try:
        main(["testing", "pair", "C", "--video", "V"])  # as `unimo capture CKPT --video V`
        main(["testing", "pair", "--video", "V", "--top_k", "3", "C"])
        main(["testing", "pair", "--video=V", "--ckpt", "C"])
        assert calls == [("C", "V")] * 3
        with pytest.raises(SystemExit, match="testing pair: missing required argument.*--ckpt"):
            main(["testing", "pair", "--video", "V", "--top_k", "3"])  # 3 is the option's value
        with pytest.raises(SystemExit) as info:
            main(["testing", "pair", "--video", "V", "--help"])  # help, not a complaint
        assert info.value.code == 0
    finally:
        SUBCOMMANDS.pop("testing pair")


def test_a_broken_plugin_stops_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.py").write_text("import not_a_real_module_xyz\n")
    monkeypatch.setenv("UNIMO_PLUGINS_DIR", str(tmp_path))
    run = subprocess.run([sys.executable, "-m", "unimo.cli", "--help"], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert str(tmp_path / "broken.py") in run.stderr and "not_a_real_module_xyz" in run.stderr


def test_an_overlay_alone_names_its_base() -> None:
    from unimo.cli import check_overlay_order

    overlay, base = str(ROOT / "configs" / "v2m.yaml"), str(ROOT / "configs" / "joint.yaml")
    for args in (["fit", "--config", overlay], ["fit", "-c", overlay], ["fit", f"--config={overlay}"]):
        with pytest.raises(SystemExit, match="is an overlay of configs/joint.yaml; give the base first"):
            check_overlay_order(args)
    check_overlay_order(["fit", f"--config={base}", "--config", overlay])  # mixed forms keep their order
    check_overlay_order(["fit", "-c", base, "--config", overlay])


def test_group_help_lists_its_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["data", "--help"])
    assert info.value.code == 0 and "  data synth " in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["data"])
    assert "expected a subcommand" in str(info.value) and "data synth" in str(info.value)


def test_input_errors_print_one_line_and_bugs_keep_their_traceback(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from unimo.backbones.sampling import filter_logits
    from unimo.commands import subcommand
    from unimo.data.importers import read_motion_file

    not_npz = tmp_path / "notes.npz"
    not_npz.write_text("text")

    @subcommand("testing fail")
    def fail(kind: str) -> None:
        """Fail (test only)."""
        if kind == "missing":
            open(tmp_path / "nothing.mp4").close()  # the OS names the path
        if kind == "wrapped":  # as Lightning and jsonargparse wrap errors raised while building a model
            try:
                filter_logits(torch.zeros(1, 4), top_p=2.0)
            except ValueError as err:
                raise RuntimeError("instantiation failed") from err
        if kind == "ours_over_numpy":  # our message, raised `from None` over numpy's
            read_motion_file(not_npz)
        if kind == "bug_value_error":  # a ValueError that is not ours: a bug
            int("not a number")
        raise ZeroDivisionError("a bug")

    try:
        for kind, expected in [("missing", "No such file or directory: '" + str(tmp_path / "nothing.mp4")),
                               ("wrapped", "top_p: expected in (0, 1], got 2.0"),
                               ("ours_over_numpy", f"{not_npz}: not a readable npz archive")]:
            with pytest.raises(SystemExit) as info:
                main(["testing", "fail", kind])
            first = str(info.value).splitlines()[0]
            assert first.startswith("unimo testing fail: ") and expected in first, first
        with pytest.raises(ValueError, match="invalid literal"):
            main(["testing", "fail", "bug_value_error"])
        with pytest.raises(ZeroDivisionError):
            main(["testing", "fail", "bug"])
        monkeypatch.setenv("UNIMO_TRACEBACK", "1")
        with pytest.raises(FileNotFoundError):
            main(["testing", "fail", "missing"])
    finally:
        SUBCOMMANDS.pop("testing fail")


def _base_of(config: Path) -> list[Path]:
    """Overlays name their base config in a first-line comment: `# overlay-of: configs/joint.yaml`."""
    first = config.read_text().splitlines()[0]
    return [ROOT / first.split(":", 1)[1].strip()] if first.startswith("# overlay-of:") else []


@pytest.mark.parametrize("config", CONFIGS, ids=[str(c.relative_to(ROOT)) for c in CONFIGS])
def test_every_config_parses_through_the_real_cli(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [arg for base in _base_of(config) for arg in ("--config", str(base))]
    with pytest.raises(SystemExit) as info:
        main(["fit", *args, "--config", str(config), "--print_config"])
    assert info.value.code in (0, None)
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["model"]["class_path"] and printed["data"]["class_path"]


def _fit(config: Path, tmp_path: Path, data_dir: Path, *extra: str) -> Path:
    main(["fit", "--config", str(config), "--data.init_args.data_dir", str(data_dir),
          "--trainer.default_root_dir", str(tmp_path), "--trainer.logger",
          '{"class_path": "CSVLogger", "init_args": {"save_dir": "' + str(tmp_path) + '"}}', *extra])
    checkpoints = sorted(tmp_path.rglob("*.ckpt"))
    assert checkpoints, f"fit wrote no checkpoint under {tmp_path}"
    return checkpoints[-1]


def _train_losses(tmp_path: Path) -> list[float]:
    (metrics,) = tmp_path.rglob("metrics.csv")
    rows = list(csv.DictReader(metrics.open()))
    key = next(k for k in rows[0] if k.startswith("train/loss"))
    return [float(r[key]) for r in rows if r.get(key)]


def test_debug_config_trains_and_its_checkpoint_reloads(tmp_path: Path, tiny_shards: Path) -> None:
    ckpt = _fit(ROOT / "configs" / "debug.yaml", tmp_path, tiny_shards, "--trainer.max_steps", "20")
    from unimo.tasks import MotionTokenizerTask
    from unimo.tokenizers.loading import load_tokenizer

    task = MotionTokenizerTask.load_from_checkpoint(ckpt, map_location="cpu").eval()
    tokenizer = load_tokenizer(ckpt).eval()
    motion = torch.randn(2, 16, 79) * 0.1
    assert torch.equal(task.tokenizer.encode(motion), tokenizer.encode(motion))
    losses = _train_losses(tmp_path)
    assert len(losses) >= 2 and all(map(torch.isfinite, torch.tensor(losses)))


def test_last_checkpoint_is_the_last_step_even_without_a_new_best(tmp_path: Path, tiny_shards: Path) -> None:
    """Lightning >= 2.6 writes `save_last` only beside a new best; the configs' unmonitored callback keeps
    last.ckpt current. Here the monitored callback can never improve (it watches `step`, lower is better)."""
    lasts = []
    for config in ("joint.yaml", "motion_tokenizer.yaml", "video_tokenizer.yaml"):
        callbacks = yaml.safe_load((ROOT / "configs" / config).read_text())["trainer"]["callbacks"]
        lasts += [c for c in callbacks if c.get("init_args", {}).get("filename") == "last"]
    assert len(lasts) == 3 and lasts[0] == lasts[1] == lasts[2], lasts
    last = lasts[0]
    never_better = {"class_path": "lightning.pytorch.callbacks.ModelCheckpoint",
                    "init_args": {"monitor": "step", "mode": "min", "save_top_k": 1}}
    _fit(ROOT / "configs" / "debug.yaml", tmp_path, tiny_shards, "--trainer.max_steps", "20",
         "--trainer.val_check_interval", "5", "--trainer.callbacks", json.dumps([never_better, last]))
    steps = {p.name: torch.load(p, map_location="cpu", weights_only=False)["global_step"]
             for p in tmp_path.rglob("*.ckpt")}
    assert steps["last.ckpt"] == 20 and steps == {"last.ckpt": 20, "epoch=0-step=5.ckpt": 5}, steps


def test_plugin_tokenizer_is_picked_by_name_from_yaml(tmp_path: Path, tiny_shards: Path) -> None:
    config = tmp_path / "plugin.yaml"
    config.write_text(yaml.safe_dump({
        "seed_everything": 0,
        "trainer": {"accelerator": "cpu", "max_steps": 40, "log_every_n_steps": 1, "limit_val_batches": 0,
                    "enable_model_summary": False},
        "model": {"class_path": "TokenizerTask", "init_args": {
            "lr": 3e-3,
            "tokenizer": {"class_path": "FrameVQMotionTokenizer",
                          "init_args": {"codebook_size": 16, "dim": 8}}}},
        "data": {"class_path": "WebDatasetDataModule", "init_args": {
            "batch_size": 4, "num_workers": 0, "num_frames": 8, "modalities": ["motion"], "resampled": True,
            "epoch_length": 40}},
    }))
    ckpt = _fit(config, tmp_path, tiny_shards)
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    assert any(k.startswith("tokenizer.codebook") for k in state["state_dict"])
    losses = _train_losses(tmp_path)
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.7 * first, f"plugin tokenizer did not learn: first {first:.4f}, last {last:.4f}"


def test_function_subcommand_parses_its_signature(capsys: pytest.CaptureFixture[str]) -> None:
    from unimo.commands import subcommand

    calls: list[tuple[str, int]] = []
    loud: list[bool] = []

    @subcommand("testing echo")
    def echo(path: str, *, repeat_count: int = 1, shout: bool = False) -> None:
        """Echo a path (test only).

        Args:
            path: Anything.
            repeat_count: Repeat count.
            shout: Loud or not.
        """
        calls.append((path, repeat_count))
        loud.append(shout)

    try:
        main(["testing", "echo", "abc", "--repeat_count", "3"])
        main(["testing", "echo", "a-b", "--repeat-count=4"])  # shell-style dashes
        main(["testing", "echo", "--repeat-count", "5", "--path", "p"])  # a positional given by name
        main(["testing", "echo", "--path=q"])
        assert calls == [("abc", 3), ("a-b", 4), ("p", 5), ("q", 1)]
        main(["testing", "echo", "x", "--shout"])  # a bare bool flag, at the end
        main(["testing", "echo", "--shout", "--repeat-count", "2", "y"])  # and before another flag
        main(["testing", "echo", "z", "--shout", "false"])
        assert loud[4:] == [True, True, False] and not any(loud[:4])
        with pytest.raises(SystemExit):
            main(["testing", "echo", "--help"])
        assert "Repeat count" in capsys.readouterr().out
    finally:
        SUBCOMMANDS.pop("testing echo")
