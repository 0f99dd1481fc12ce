"""generate_clip: the paired sample the shard writer stores (frames + world motion + camera + meta)."""

from __future__ import annotations

import json
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
import torch

from unimo.data.synthetic import SynthConfig, SyntheticClip, generate_clip, generate_motion
from unimo.render.appearance import Appearance
from unimo.render.body_mesh import BodyMesh
from unimo.render.camera import Camera
from unimo.render.scene import motion_arrays, render_person
from unimo.render.skeleton import project


@pytest.fixture(scope="module")
def clip() -> SyntheticClip:
    return generate_clip(5, 16, 64, 15.0)


def test_clip_shapes_types_and_meta(clip: SyntheticClip) -> None:
    assert clip.frames.shape == (16, 64, 64, 3) and clip.frames.dtype == np.uint8
    assert clip.motion.num_frames == 16 and clip.motion.fps == 15.0
    assert clip.camera.num_frames == 16 and (clip.camera.width, clip.camera.height) == (64, 64)
    meta = json.loads(json.dumps(clip.meta))  # manifests need plain JSON
    assert meta["seed"] == 5 and meta["kinds"] and meta["generator_version"]
    assert meta["config"]["lod"] == SynthConfig().lod and meta["camera"]["mode"] in SynthConfig().camera_modes
    assert clip.frames.std() > 10  # not a blank image


def test_same_seed_same_clip_and_motion_matches_generate_motion(clip: SyntheticClip) -> None:
    again = generate_clip(5, 16, 64, 15.0)
    assert np.array_equal(again.frames, clip.frames) and np.array_equal(again.camera.R, clip.camera.R)
    assert torch.equal(clip.motion.to_tensor(), generate_motion(5, 16, 15.0).to_tensor())
    assert not np.array_equal(generate_clip(6, 16, 64, 15.0).frames, clip.frames)


def test_alpha_on_request_covers_the_person_only(clip: SyntheticClip) -> None:
    assert clip.alpha is None
    with_alpha = generate_clip(5, 16, 64, 15.0, with_alpha=True)
    assert np.array_equal(with_alpha.frames, clip.frames)  # asking for coverage changes no pixel
    assert with_alpha.alpha.shape == (16, 64, 64) and 0 < (with_alpha.alpha > 0).mean() < 0.6


def test_projected_joints_land_on_the_rendered_body(clip: SyntheticClip) -> None:
    orient, pose, transl, betas = motion_arrays(clip.motion)
    joints = BodyMesh(betas).joints(orient, pose, transl)  # (T, 22, 3)
    uv = project(joints, clip.camera)  # (T, 22, 2)
    assert (uv > 0).all() and (uv < 64).all()  # the whole body stays in frame
    red = Appearance(
        skin=(1.0, 0.0, 0.0),
        hair=(1.0, 0.0, 0.0),
        top=(1.0, 0.0, 0.0),
        bottom=(1.0, 0.0, 0.0),
        shoes=(1.0, 0.0, 0.0),
        long_sleeves=True,
        long_legs=True,
        hair_style="none",
        light_dir=(0.0, 1.0, 0.0),
        ambient=1.0,
    )
    silhouette = render_person(clip.motion, clip.camera, red, None)  # red body on mid-grey
    body = (silhouette[..., 0] > 200) & (silhouette[..., 1] < 60)
    pelvis = uv[:, 0].astype(int)
    hits = body[np.arange(16), pelvis[:, 1], pelvis[:, 0]]
    assert hits.mean() >= 0.9
    # the generated frames differ from their background exactly where the body is drawn
    assert np.abs(clip.frames[body].astype(int) - clip.frames[~body].mean(0)).mean() > 5


def test_static_camera_when_camera_motion_is_off() -> None:
    still = generate_clip(11, 12, 32, 10.0, camera_motion=False)
    assert np.allclose(still.camera.R, still.camera.R[:1]) and np.allclose(still.camera.t, still.camera.t[:1])
    assert still.meta["camera"]["mode"] == "static"  # even for a walker: the camera backs off instead
    assert Camera.from_json(still.camera.to_json()).num_frames == 12


def test_clips_survive_pickling_for_process_pools(clip: SyntheticClip) -> None:
    back = pickle.loads(pickle.dumps(clip))
    assert np.array_equal(back.frames, clip.frames)
    assert pickle.loads(pickle.dumps(generate_clip)) is generate_clip


@pytest.mark.slow
def test_process_pool_gives_the_same_clips_as_one_process() -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        clips = list(pool.map(generate_clip, [1, 2], [8, 8], [32, 32], [10.0, 10.0]))
    for seed, made in zip((1, 2), clips, strict=True):
        assert np.array_equal(made.frames, generate_clip(seed, 8, 32, 10.0).frames)
