"""Render a person (an SMPL-X ``Motion`` drawn as the convex mannequin) into a scene through a camera."""

from __future__ import annotations

import numpy as np
import torch

from unimo.body.motion import Motion
from unimo.render.appearance import Appearance, vertex_colours
from unimo.render.background import Background, render_background
from unimo.render.body_mesh import BodyMesh
from unimo.render.camera import Camera
from unimo.render.rasterizer import rasterize
from unimo.render.shading import interpolate, lambert, vertex_normals


def motion_arrays(motion: Motion) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return float64 ``global_orient (T, 3)``, ``body_pose (T, 63)``, ``transl (T, 3)``, ``betas (10,)``.

    Per-frame betas are averaged: the mannequin takes one shape per clip.
    """
    betas = motion.betas.detach().cpu().double().numpy()
    betas = betas.mean(0) if betas.ndim == 2 else betas
    arrays = (motion.global_orient, motion.body_pose, motion.transl)
    return (*(a.detach().cpu().double().numpy() for a in arrays), betas)  # type: ignore[return-value]


def render_person(
    motion: Motion,
    camera: Camera,
    look: Appearance,
    scene: Background | None = None,
    lod: int = 2,
    supersample: int = 1,
    mesh: BodyMesh | None = None,
    background_scale: float = 1.0,
    return_alpha: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Render ``motion`` as seen by ``camera``.

    Args:
        motion: The person's motion (world coordinates), T frames.
        camera: T-frame camera; its width/height set the output size.
        look: Clothing colours and key light.
        scene: Background; None draws a flat mid-grey backdrop.
        lod: Mannequin level of detail (2: fastest, 0: finest).
        supersample: Render at this multiple of the size and average down (anti-aliasing, cost ~ square).
        mesh: A prebuilt ``BodyMesh`` for the motion's betas (skips rebuilding it).
        background_scale: Render the background at this fraction of the size and upsample it (0.5 is ~4x
            cheaper for moving cameras and reads as a slight depth-of-field blur).
        return_alpha: Also return the person's coverage: which pixels show the body (training losses that
            weight the person, who fills a small part of the frame, use it).

    Returns:
        ``(T, H, W, 3)`` uint8 frames; with ``return_alpha``, also ``(T, H, W)`` uint8 coverage (255: body).
    """
    if camera.num_frames != motion.num_frames:
        raise ValueError(f"render_person: camera has {camera.num_frames} frames, motion {motion.num_frames}")
    orient, pose, transl, betas = motion_arrays(motion)
    mesh = mesh or BodyMesh.of(betas, lod=lod)
    verts, joints = mesh.pose(orient, pose, transl)  # (T, V, 3), (T, 22, 3)
    colour, alpha = _draw_body(verts, mesh, camera, look, supersample)
    image = colour + (1 - alpha) * _background(scene, camera, joints, background_scale)  # premultiplied over
    frames = (image * 255 + 0.5).clamp(0, 255).to(torch.uint8).numpy()
    if not return_alpha:
        return frames
    return frames, (alpha[..., 0] * 255 + 0.5).clamp(0, 255).to(torch.uint8).numpy()


def _background(scene: Background | None, cam: Camera, joints: np.ndarray, scale: float) -> torch.Tensor:
    """Return the ``(T, H, W, 3)`` background, with a contact shadow under the pelvis."""
    if scene is None:
        return torch.full((cam.num_frames, cam.height, cam.width, 3), 0.5)
    shadow = joints[:, 0, [0, 2]]  # (T, 2) pelvis over the ground
    small = cam.resized(max(1, round(cam.width * scale)), max(1, round(cam.height * scale)))
    image = render_background(scene, small, joints[:, 0].mean(0), shadow_xz=shadow)  # (T, h, w, 3)
    if (small.width, small.height) == (cam.width, cam.height):
        return image
    image = torch.nn.functional.interpolate(image.permute(0, 3, 1, 2), size=(cam.height, cam.width),
                                            mode="bilinear", align_corners=False)
    return image.permute(0, 2, 3, 1)  # (T, H, W, 3)


def _draw_body(
    verts: np.ndarray, mesh: BodyMesh, camera: Camera, look: Appearance, supersample: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rasterize and shade the posed mesh ``verts`` ``(T, V, 3)`` at ``supersample`` x the camera's size.

    Shaded samples are averaged straight into the output resolution (no full supersampled buffer).

    Returns:
        Premultiplied colour ``(T, H, W, 3)`` and coverage ``(T, H, W, 1)`` in [0, 1].
    """
    cam = camera.resized(camera.width * supersample, camera.height * supersample)
    pix, depth = cam.project(verts)  # (T, V, 2), (T, V)
    screen = torch.as_tensor(np.concatenate([pix, depth[..., None]], -1), dtype=torch.float32)
    faces = torch.as_tensor(mesh.faces)
    frags = rasterize(screen, faces, cam.height, cam.width)
    out = torch.zeros(camera.num_frames * camera.height * camera.width, 4)  # colour + coverage
    b, y, x = frags.mask.nonzero(as_tuple=True)  # (M,) each, covered supersamples
    if len(b):
        world = torch.as_tensor(verts, dtype=torch.float32)  # (T, V, 3)
        albedo = torch.as_tensor(vertex_colours(mesh, look), dtype=torch.float32).expand_as(world)
        attrs = interpolate(
            frags, faces, torch.cat([vertex_normals(world, faces), albedo, world], -1)
        )  # (M, 9)
        normals, albedo, points = attrs.split(3, dim=-1)
        view = torch.nn.functional.normalize(
            torch.as_tensor(cam.centers, dtype=torch.float32)[b] - points, dim=-1
        )
        light = torch.as_tensor(look.light_dir, dtype=torch.float32)
        shaded = lambert(normals, albedo, light, view, look.ambient)  # (M, 3)
        target = (b * camera.height + y // supersample) * camera.width + x // supersample  # output pixel
        samples = torch.cat([shaded, torch.ones(len(b), 1)], -1) / supersample**2
        out.index_add_(0, target, samples)
    out = out.view(camera.num_frames, camera.height, camera.width, 4)
    return out[..., :3], out[..., 3:]
