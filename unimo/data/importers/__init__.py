"""Motion importers: AMASS, BEAT2, GVHMR, AIST++/SMPL, Meshcapade ``.smpl``, unimo npz -> SMPL-X ``Motion``.

Entry point: ``unimo.data.load_motion(path, target_fps=None)``; ``read_motion_file`` also returns the
detected format, gender and the list of lossy/assumed steps; ``inspect_motion_file`` summarises a file.

Body joints. SMPL, SMPL-H and SMPL-X share the first 22 joints (pelvis, hips, spine1, knees, spine2,
ankles, spine3, feet, neck, collars, head, shoulders, elbows, wrists) in the same order, so the root
rotation and the 21 body-joint rotations (pose entries 1-21) are copied as they are. Dropped: SMPL's two
hand joints (22-23: a coarse hand rotation), SMPL-H's and SMPL-X's 30 finger joints, SMPL-X's jaw and eyes.

Caveats (reported as notes/warnings, never silent):

- Betas. SMPL and SMPL-H shape spaces are not SMPL-X's; we keep their first 10 coefficients as SMPL-X betas
  (an approximate body shape; the exact transfer needs the licensed models). SMPL-X files with 16 (AMASS)
  or 300 (BEAT2) betas keep the first 10 (PCA order); fewer than 10 are zero-padded.
- Translation. ``transl`` is copied. Each model places its rest pelvis differently (SMPL/SMPL-H's sits a
  few cm higher than SMPL-X's), so a body imported from SMPL/SMPL-H may float or sink by that much.
- Coordinates are not changed: AMASS is z-up; SMPL-X canonical, AIST++ and GVHMR global are y-up.
- Missing fields: no translation -> zeros; no betas -> zeros; no frame rate -> a per-format default
  (60 for AMASS-style, 30 for BEAT2/GVHMR/SMPL, 60 for AIST++) unless ``fps=`` is given.
- Bad input (missing key, wrong shape, NaN/inf, object arrays, unknown format, unsupported smplcodec model)
  raises ``MotionFormatError`` naming the file and the field.
"""

from unimo.data.importers.common import ImportedMotion, MotionFormatError
from unimo.data.importers.inspect import inspect_motion_file
from unimo.data.importers.loader import FORMATS, detect_format, load_motion, read_motion_file

__all__ = [
    "FORMATS", "ImportedMotion", "MotionFormatError", "detect_format", "inspect_motion_file", "load_motion",
    "read_motion_file",
]
