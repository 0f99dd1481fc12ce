"""unimo.data."""

from unimo.data.importers import load_motion  # noqa: E402,F401  (unimo.data.load_motion)
