"""Token shards (``unimo data tokenize``): ids equal the tokenizers run on the datamodule's windows, splits
carry over, a killed run resumes to the same bytes, and every mismatch is refused with a clear error."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import torch
from token_samples import MOTION_TINY, tiny_spec

from unimo.cli import main
from unimo.data.datamodules import WebDatasetDataModule
from unimo.data.shards.frames import frames_to_tensor
from unimo.data.shards.manifest import read_manifest
from unimo.data.shards.reader import TarSamples
from unimo.data.shards.sample import MOTION, VIDEO, motion_from_npz_bytes
from unimo.data.shards.skips import ShardDataError, SkipReporter
from unimo.data.tokens import build as token_build
from unimo.data.tokens import tokenize_shards
from unimo.data.tokens.sample import TOKEN_MEMBERS, decode_window
from unimo.data.tokens.windows import window_starts
from unimo.render.video_io import decode_video_bytes
from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.identity import file_sha256
from unimo.tokenizers.loading import export_tokenizer, load_tokenizer


def read_windows(folder: Path) -> dict[str, dict]:
    manifest = read_manifest(folder)
    reader = TarSamples(SkipReporter("strict"), required=TOKEN_MEMBERS)
    raws = reader(str(folder / s["name"]) for s in manifest["shards"])
    return {raw["__key__"]: decode_window(raw) for raw in raws}


def test_window_starts_cover_whole_windows_only() -> None:
    assert window_starts(41, 17, 17) == [0, 17]  # frames 34-40 are too few for a third window
    assert window_starts(24, 17, 4) == [0, 4]
    assert window_starts(16, 17, 17) == []


def test_ids_equal_the_tokenizers_run_on_the_same_window(token_dir, tiny_shards, tokenizers) -> None:
    video_tok, motion_tok = load_tokenizer(tokenizers["video"]), load_tokenizer(tokenizers["motion"])
    windows = read_windows(token_dir)
    assert len(windows) == 24 and {w["start"] for w in windows.values()} == {0, 4}
    source = read_manifest(tiny_shards)
    raws = TarSamples(SkipReporter("strict"), required=(VIDEO, MOTION))(
        str(tiny_shards / s["name"]) for s in source["shards"])
    checked = 0
    for raw in raws:
        motion = motion_from_npz_bytes(raw[MOTION]).to_tensor()  # (24, 79)
        for start in (0, 4):
            frames, _ = decode_video_bytes(raw[VIDEO], start=start, num_frames=17)  # the datamodule's decode
            video = frames_to_tensor(frames)[None]  # (1, 17, 3, 32, 32)
            window = windows[f"{raw['__key__']}-{start:06d}"]
            with torch.no_grad():
                assert torch.equal(window["video_ids"], video_tok.encode(video)[0])
                assert torch.equal(window["motion_ids"], motion_tok.encode(motion[None, start:start + 17])[0])
            assert torch.equal(window["motion"], motion[start:start + 17])  # bit-exact ground truth
            checked += 1
    assert checked == 24


def test_window_zero_matches_the_raw_datamodule_batch(token_dir, tiny_shards, tokenizers) -> None:
    raw = WebDatasetDataModule(str(tiny_shards), batch_size=2, num_workers=0, num_frames=17)
    raw.setup("fit")
    (batch,) = list(raw.val_dataloader())  # val starts at frame 0
    windows = read_windows(token_dir)
    video_tok = load_tokenizer(tokenizers["video"])
    for b, key in enumerate(batch["key"]):
        with torch.no_grad():
            ids = video_tok.encode(batch["video"][b:b + 1])[0]  # (t, h, w)
        assert torch.equal(windows[f"{key}-000000"]["video_ids"], ids)


def test_manifest_keeps_source_splits_and_records_the_tokenizers(token_dir, tiny_shards, tokenizers) -> None:
    tokens, source = read_manifest(token_dir), read_manifest(tiny_shards)
    assert tokens["splits"] == source["splits"]  # shard i of the source is token shard i
    identity = tokens["source"]["tokenizers"]["motion"]
    assert identity["file_sha256"] == file_sha256(tokenizers["motion"])
    assert identity["config"]["init_args"]["codebook_size"] == 32
    meta_fingerprints = {w["tokenizers"]["motion"] for w in read_windows(token_dir).values()}
    assert meta_fingerprints == {identity["fingerprint"]}


def test_resume_after_a_kill_gives_the_same_bytes(tmp_path, token_dir, tiny_shards, tokenizers,
                                                  monkeypatch) -> None:
    out, calls = tmp_path / "tokens", []
    real = token_build.TokenizerRunner.__call__

    def killed_on_fourth_batch(self, windows):
        calls.append(len(windows))
        if len(calls) == 4:
            raise KeyboardInterrupt("simulated kill")
        return real(self, windows)

    monkeypatch.setattr(token_build.TokenizerRunner, "__call__", killed_on_fourth_batch)
    with pytest.raises(KeyboardInterrupt):
        tokenize_shards(out, tiny_spec(tiny_shards, tokenizers, stride=4), progress=False)
    finished = {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*.tar")}
    assert len(finished) == 3 and not read_manifest(out)["complete"]  # 1 clip = 2 windows = 1 batch per shard
    monkeypatch.setattr(token_build.TokenizerRunner, "__call__", real)
    tokenize_shards(out, tiny_spec(tiny_shards, tokenizers, stride=4), progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*.tar") if p.name in finished} == finished
    assert not list(out.glob(".*.tmp"))
    for shard in token_dir.glob("shard-*.tar"):
        assert (out / shard.name).read_bytes() == shard.read_bytes(), shard.name


def test_refuses_other_tokenizers_in_an_existing_folder(token_dir, tiny_shards, tokenizers) -> None:
    spec = tiny_spec(tiny_shards, tokenizers, stride=4)
    spec.motion_tokenizer = str(tokenizers["motion_other"])
    with pytest.raises(ValueError, match="different config.*tokenizers.motion"):
        tokenize_shards(token_dir, spec, progress=False)


def test_copied_tokenizers_and_a_moved_source_resume_the_build(tmp_path, token_dir, tiny_shards,
                                                                tokenizers) -> None:
    # Paths are where, not what: the identity also holds each file's hash and the source manifest's hash.
    out, source = tmp_path / "tokens", tmp_path / "moved_source"
    shutil.copytree(token_dir, out)
    shutil.copytree(tiny_shards, source)
    copies = {name: tmp_path / "copies" / f"{name}.pt" for name in ("video", "motion")}
    for name, path in copies.items():
        path.parent.mkdir(exist_ok=True)
        shutil.copy(tokenizers[name], path)
    shards = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("shard-*.tar")}
    manifest = tokenize_shards(out, tiny_spec(source, copies, stride=4), progress=False)
    assert manifest["complete"] and manifest == read_manifest(token_dir)  # nothing rebuilt or rewritten
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("shard-*.tar")} == shards
    copies["motion"].write_bytes(tokenizers["motion_other"].read_bytes())  # same path, other weights: refused
    with pytest.raises(ValueError, match="different config.*tokenizers.motion.f"):
        tokenize_shards(out, tiny_spec(source, copies, stride=4), progress=False)


@pytest.mark.parametrize("change, error, message", [
    ({"num_frames": 16}, ValueError, r"num_frames must be 1 \+ k \* 4"),
    ({"num_frames": 29}, ValueError, "clips have at most 24 frames"),
    ({"size": 36}, ValueError, r"36x36 clips \(size=36\).*multiples of 8"),
    ({"source_dir": "nowhere"}, FileNotFoundError, "nowhere/manifest.json: missing"),
    ({"video_tokenizer": "motion"}, ValueError, "video_tokenizer: .*motion.pt holds a motion tokenizer"),
    ({"motion_tokenizer": "absent"}, FileNotFoundError, "motion_tokenizer: no file at"),
])
def test_bad_input_is_named(tmp_path, tiny_shards, tokenizers, change, error, message) -> None:
    spec = tiny_spec(tiny_shards, tokenizers)
    for field, value in change.items():
        if field == "source_dir":
            value = str(tmp_path / value)
        elif field.endswith("_tokenizer"):  # a tokenizer of the fixture, or a file that does not exist
            value = str(tokenizers.get(value, tmp_path / f"{value}.pt"))
        setattr(spec, field, value)
    with pytest.raises(error, match=message):
        tokenize_shards(tmp_path / "out", spec, progress=False)
    assert not list((tmp_path / "out").glob("shard-*.tar"))


def test_motion_tokenizer_on_another_time_grid_is_refused(tmp_path, tiny_shards, tokenizers) -> None:
    export_tokenizer(TOKENIZERS.build("MotionVQVAETokenizer", **{**MOTION_TINY, "downsample": 2}),
                     tmp_path / "motion_ds2.pt")
    spec = tiny_spec(tiny_shards, tokenizers)
    spec.motion_tokenizer = str(tmp_path / "motion_ds2.pt")
    with pytest.raises(ValueError, match=r"gives 5 latent steps but motion_tokenizer .* gives 18 ids"):
        tokenize_shards(tmp_path / "out", spec, progress=False)


def test_cli_tokenize_names_a_missing_source(tmp_path) -> None:
    with pytest.raises(SystemExit, match="unimo data tokenize: .*manifest.json: missing"):
        main(["data", "tokenize", "--source", str(tmp_path / "none")])


def test_cli_tokenize_writes_beside_the_source(tmp_path, tiny_shards, tokenizers, capsys) -> None:
    source = tmp_path / "raw"
    source.symlink_to(tiny_shards, target_is_directory=True)
    main(["data", "tokenize", "--source", str(source), "--video-tokenizer", str(tokenizers["video"]),
          "--motion-tokenizer", str(tokenizers["motion"]), "--device", "cpu"])
    out = capsys.readouterr().out
    assert "12 shards, 12 clips" in out  # one non-overlapping 17-frame window per 24-frame clip
    assert json.loads((tmp_path / "raw_tokens" / "manifest.json").read_text())["source"]["stride"] == 17


def test_decode_workers_give_the_same_bytes(tmp_path, token_dir, tiny_shards, tokenizers) -> None:
    out = tmp_path / "tokens"
    tokenize_shards(out, tiny_spec(tiny_shards, tokenizers, stride=4, workers=2), progress=False)
    for shard in token_dir.glob("shard-*.tar"):
        assert (out / shard.name).read_bytes() == shard.read_bytes(), shard.name


def _copy_with_broken_member(source: Path, dest: Path, shard: str, suffix: str) -> str:
    """Copy a shard folder; in ``shard`` replace the first ``suffix`` member by bytes no decoder reads."""
    shutil.copytree(source, dest)
    with tarfile.open(source / shard) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    broken = next(m.name for m, _ in members if m.name.endswith(suffix))
    with tarfile.open(dest / shard, "w") as tar:
        for member, data in members:
            data = b"\x00damaged" * 40 if member.name == broken else data
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return broken.split(".", 1)[0]


@pytest.mark.parametrize("workers, suffix", [(0, ".mp4"), (2, ".mp4"), (0, ".npz"), (2, ".npz")])
def test_undecodable_clip_is_reported_by_every_path(tmp_path, tiny_shards, tokenizers, workers,
                                                   suffix) -> None:
    key = _copy_with_broken_member(tiny_shards, tmp_path / "raw", "shard-000003.tar", suffix)
    reporter = SkipReporter("warn")
    spec = tiny_spec(tmp_path / "raw", tokenizers, stride=4, workers=workers)
    manifest = tokenize_shards(tmp_path / "warn", spec, progress=False, reporter=reporter)
    assert reporter.total == 1 and manifest["num_clips"] == 22  # 11 clips x 2 windows
    with pytest.raises(ShardDataError, match=f"shard-000003.tar: {key}: "):
        tokenize_shards(tmp_path / "strict", tiny_spec(tmp_path / "raw", tokenizers, workers=workers,
                                                       error_policy="strict"), progress=False)
