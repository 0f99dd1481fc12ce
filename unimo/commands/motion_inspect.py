"""``unimo data inspect-motion FILE``: print a motion file's format, frames, fps, duration, ranges."""

from __future__ import annotations

from unimo.commands import subcommand


@subcommand("data inspect-motion")
def inspect_motion(path: str) -> None:
    """Summarise one motion file (AMASS, BEAT2, GVHMR, AIST++/SMPL, .smpl or unimo npz).

    Args:
        path: The motion file.
    """
    from unimo.data.importers import inspect_motion_file  # heavy imports stay out of `unimo --help`

    print(inspect_motion_file(path))
