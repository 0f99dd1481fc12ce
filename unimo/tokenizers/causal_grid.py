"""``CausalGrid``: the id grid of Cosmos-style causal video tokenizers, shared by trained and loaded ones.

The first frame is coded alone and every later latent frame covers ``temporal_compression`` frames, so
``T = 1 + k * c_t`` frames give ``1 + k`` latent frames of ``H / c_s x W / c_s`` ids.
"""

from __future__ import annotations


class CausalGrid:
    """Mixin: ``latent_shape`` and ``tokens_per_frame`` from ``temporal_compression``,
    ``spatial_compression`` and the nominal ``height``/``width`` the class sets."""

    temporal_compression: int
    spatial_compression: int
    height: int
    width: int

    @property
    def tokens_per_frame(self) -> float:
        """Average ids per input frame at the nominal ``height x width``: ``h * w / temporal_compression``."""
        sc = self.spatial_compression
        return (self.height // sc) * (self.width // sc) / self.temporal_compression

    def latent_shape(self, num_frames: int, height: int, width: int) -> tuple[int, int, int]:
        """Return the id grid ``(t, h, w)`` for a ``num_frames x height x width`` clip.

        Raises:
            ValueError: ``num_frames`` is not ``1 + k * temporal_compression`` or a side is not divisible.
        """
        tc, sc, name = self.temporal_compression, self.spatial_compression, type(self).__name__
        if num_frames < 1 or (num_frames - 1) % tc:
            raise ValueError(f"{name}: num_frames must be 1 + k * {tc} (1, {1 + tc}, {1 + 2 * tc}, ...), "
                             f"got {num_frames}")
        if height % sc or width % sc:
            raise ValueError(f"{name}: height and width must be multiples of {sc}, got {height}x{width} (for "
                             "frames of any size, let the data module resize and centre-crop them, e.g. "
                             "`--data.init_args.size 64`)")
        return 1 + (num_frames - 1) // tc, height // sc, width // sc
