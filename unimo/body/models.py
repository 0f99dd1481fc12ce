"""Body models behind one interface: motion channels ``(..., T, 79)`` -> joints ``(..., T, J, 3)`` in metres.

- ``MannequinBodyModel`` (default): licence-free, SMPL-X skeleton from ``mannequin-x``'s calibration.
- ``SMPLXBodyModel``: the official SMPL-X model when the user has its files.

Example::

    body = default_body_model()
    joints = body.joints(batch["motion"])  # (B, T, 22, 3)
"""

from __future__ import annotations

from unimo.body.base import BodyModel
from unimo.body.mannequin import MannequinBodyModel
from unimo.body.smplx_model import SMPLXBodyModel, find_smplx_file


def default_body_model(model_dir: str | None = None, gender: str = "neutral") -> BodyModel:
    """Return the SMPL-X model from ``model_dir`` when given, else the licence-free mannequin body."""
    if model_dir is not None:
        return SMPLXBodyModel(model_dir, gender=gender)
    return MannequinBodyModel()


__all__ = ["BodyModel", "MannequinBodyModel", "SMPLXBodyModel", "default_body_model", "find_smplx_file"]
