"""Synthetic shard builds: layout, resume after a kill equals a clean run, refusal to mix configs."""

from __future__ import annotations

import json

import pytest
from shard_compare import assert_same_members, shard_members

from unimo.atomic import temp_beside
from unimo.data.shards.build import begin_build
from unimo.data.shards.manifest import read_manifest
from unimo.data.shards.synth import (
    SynthSpec,
    _source,
    clip_seed,
    has_generator,
    synthesize,
    write_synth_shard,
)

SPEC = SynthSpec(num_clips=7, num_frames=5, size=16, fps=10.0, seed=3, clips_per_shard=2)


def shard_names(folder) -> list[str]:
    return sorted(p.name for p in folder.glob("shard-*.tar"))


def without_sizes(manifest: dict) -> dict:
    return {**manifest, "shards": [{k: v for k, v in s.items() if k != "bytes"} for s in manifest["shards"]]}


def test_layout_and_manifest(tmp_path, toy):
    manifest = synthesize(tmp_path, SPEC, make_clip=toy.Maker(), progress=False)
    names = [p.name for p in sorted(tmp_path.iterdir())]
    assert names == ["manifest.json"] + [f"shard-00000{i}.tar" for i in range(4)]
    assert manifest["complete"] and manifest["num_clips"] == 7 and manifest["num_frames"] == 35
    assert [s["num_clips"] for s in manifest["shards"]] == [2, 2, 2, 1]
    assert manifest["splits"] == {"train": ["shard-000000.tar", "shard-000001.tar"],
                                  "val": ["shard-000002.tar"], "test": ["shard-000003.tar"]}
    assert manifest["source"]["spec"]["seed"] == 3
    assert read_manifest(tmp_path) == manifest


def test_killed_run_resumes_to_identical_output(tmp_path, toy):
    clean = synthesize(tmp_path / "clean", SPEC, make_clip=toy.Maker(), progress=False)

    # A run killed mid-way: the crash (clip 6, inside shard 2) leaves shards 0-1 and an unfinished manifest.
    maker = toy.Maker(fail_at=6)
    with pytest.raises(KeyboardInterrupt):
        synthesize(tmp_path / "resumed", SPEC, make_clip=maker, progress=False)
    out = tmp_path / "resumed"
    assert shard_names(out) == ["shard-000000.tar", "shard-000001.tar"]
    assert read_manifest(out)["complete"] is False
    # A SIGKILL would also leave the temp file of the shard being written.
    temp_beside(out / "shard-000002.tar").write_bytes(b"half a shard")

    maker.fail_at = None
    resumed = synthesize(out, SPEC, make_clip=maker, progress=False)
    assert shard_names(out) == shard_names(tmp_path / "clean")
    assert_same_members(shard_members(out), shard_members(tmp_path / "clean"))
    assert without_sizes(resumed) == without_sizes(clean)  # a shard's size follows its video's bytes
    assert not list(out.glob(".*"))
    assert maker.calls == 6 + 3  # 6 calls up to the kill, then only shards 2 and 3 (3 clips) regenerated


def test_completed_build_is_not_redone(tmp_path, toy):
    synthesize(tmp_path, SPEC, make_clip=toy.Maker(), progress=False)
    maker = toy.Maker()
    synthesize(tmp_path, SPEC, make_clip=maker, progress=False)
    assert maker.calls == 0
    (tmp_path / "shard-000001.tar").unlink()  # a lost shard is rebuilt
    synthesize(tmp_path, SPEC, make_clip=maker, progress=False)
    assert maker.calls == 2


def test_refuses_to_mix_configs(tmp_path, toy):
    synthesize(tmp_path, SPEC, make_clip=toy.Maker(), progress=False)
    other = SynthSpec(**{**SPEC.__dict__, "seed": 4})
    with pytest.raises(ValueError, match=r"different config \(spec.seed: 3 -> 4\)"):
        synthesize(tmp_path, other, make_clip=toy.Maker(), progress=False)


def test_shard_content_does_not_depend_on_order(tmp_path, toy):
    """Shards written out of order (as a process pool does) equal the sequential ones."""
    synthesize(tmp_path / "seq", SPEC, make_clip=toy.Maker(), progress=False)
    out = tmp_path / "rev"
    begin_build(out, _source(SPEC, toy.Maker()), SPEC.num_shards())
    for index in reversed(range(SPEC.num_shards())):
        write_synth_shard(out, index, SPEC, toy.Maker())
    assert_same_members(shard_members(out), shard_members(tmp_path / "seq"))


def test_clip_seeds_are_distinct_and_stable():
    seeds = [clip_seed(0, i) for i in range(100)]
    assert len(set(seeds)) == 100
    assert seeds == [clip_seed(0, i) for i in range(100)]
    assert clip_seed(1, 0) != clip_seed(0, 0)


def test_spec_validation_and_auto_shard_size():
    with pytest.raises(ValueError, match="num_frames"):
        SynthSpec(num_frames=0)
    assert SynthSpec(num_clips=64).shard_size() == 4 and SynthSpec(num_clips=64).num_shards() == 16
    assert SynthSpec(num_clips=10_000).shard_size() == 64
    assert SynthSpec(num_clips=5).shard_size() == 1


@pytest.mark.slow
@pytest.mark.skipif(not has_generator(), reason="unimo.data.synthetic.generate_clip not there yet")
def test_process_pool_equals_in_process(tmp_path):
    spec = SynthSpec(num_clips=4, num_frames=4, size=32, fps=10.0, clips_per_shard=1)
    synthesize(tmp_path / "pool", spec, workers=2, progress=False)
    synthesize(tmp_path / "inline", spec, workers=0, progress=False)
    assert_same_members(shard_members(tmp_path / "pool"), shard_members(tmp_path / "inline"))
    assert read_manifest(tmp_path / "pool")["source"]["generator"].startswith("unimo.data.synthetic")


def test_fill_is_validated_and_recorded_only_when_set():
    with pytest.raises(ValueError, match="fill"):
        SynthSpec(fill=(0.9, 0.5))
    assert SynthSpec(fill=[0.8, 0.95]).fill == (0.8, 0.95)
    assert "fill" not in _source(SPEC, None)["spec"]  # folders made before the option still resume
    framed = SynthSpec(num_clips=1, fill=(0.8, 0.95))
    assert _source(framed, None)["spec"]["fill"] == (0.8, 0.95)
    if has_generator():
        assert _source(framed, None)["generator_config"]["fill"] == (0.8, 0.95)


@pytest.mark.skipif(not has_generator(), reason="unimo.data.synthetic.generate_clip not there yet")
def test_fill_frames_the_person_bigger(tmp_path):
    def camera(fill):
        spec = SynthSpec(num_clips=1, num_frames=4, size=32, fps=10.0, seed=5, fill=fill)
        synthesize(tmp_path / str(fill), spec, progress=False)
        member = "shard-000000.tar/synth-0000000.meta.json"
        return json.loads(shard_members(tmp_path / str(fill))[member])["camera"]

    default, close = camera(None), camera((0.9, 0.95))
    assert 0.5 <= default["fill"] <= 0.85 and 0.9 <= close["fill"] <= 0.95
    assert close["distance_m"] < default["distance_m"]  # same seed: same person, camera nearer
