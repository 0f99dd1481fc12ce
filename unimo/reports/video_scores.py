"""FID and FVD for a test report, or the reason they were not computed.

Both need published feature-network weights that unimo never downloads (``UNIMO_WEIGHTS_DIR``, see
``unimo.metrics.weights``). A report without them is still useful, so a missing file is recorded as
``not computed: <what to put where>`` instead of stopping the test run; broken weight files still raise.
``pose_fid`` / ``pose_fvd`` are the same distances in the feature space of unimo's own pose network
(``unimo.metrics.pose_features``, shipped), so a report always has a distribution score; they are not
comparable to published FID/FVD.
The networks are built on the first batch that brings videos, so runs without videos (a motion tokenizer)
neither load them nor mention them.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torchmetrics import Metric

from unimo.metrics.weights import MissingWeightsError


def _fid(start_frame: int) -> Metric:
    from unimo.metrics.fid import VideoFrechetInceptionDistance

    return VideoFrechetInceptionDistance(start_frame=start_frame)


def _fvd(start_frame: int) -> Metric:
    from unimo.metrics.fvd import FrechetVideoDistance

    return FrechetVideoDistance()  # the first 16 frames, as every FVD table; I2VM clips are 1 + 16 frames


def _pose_fid(start_frame: int) -> Metric:
    from unimo.metrics.fid import VideoFrechetInceptionDistance
    from unimo.metrics.pose_features import pose_frame_network

    return VideoFrechetInceptionDistance(start_frame=start_frame, network=pose_frame_network())


def _pose_fvd(start_frame: int) -> Metric:
    from unimo.metrics.fvd import FrechetVideoDistance
    from unimo.metrics.pose_features import pose_clip_network

    network = pose_clip_network()  # clips at the network's own frame size, not upscaled to I3D's 224
    return FrechetVideoDistance(network=network, resolution=network.net.frame_size)


BUILDERS: dict[str, Callable[[int], Metric]] = {"fid": _fid, "fvd": _fvd, "pose_fid": _pose_fid,
                                                "pose_fvd": _pose_fvd}


class VideoScores:
    """Accumulate FID/FVD of generated (or reconstructed) against real videos; remember why one is missing.

    Args:
        enabled: False skips both (recorded as "disabled" once videos arrive).
        builders: ``{name: start_frame -> metric}``; the metrics take ``update(videos, real)``.
    """

    def __init__(self, enabled: bool = True,
                 builders: dict[str, Callable[[int], Metric]] | None = None) -> None:
        self.enabled = enabled
        self.builders = dict(BUILDERS if builders is None else builders)
        self.metrics: dict[str, Metric] | None = None
        self.reasons: dict[str, str] = {}
        self.num_clips = 0

    def update(self, real: torch.Tensor, fake: torch.Tensor, start_frame: int = 0) -> None:
        """Add videos ``(B, T, 3, H, W)`` in ``[-1, 1]``; FID skips the first ``start_frame`` frames."""
        if not self.enabled:
            self.reasons = dict.fromkeys(self.builders, "disabled (video_metrics=false)")
            return
        if self.metrics is None:
            self.metrics = self._build(start_frame, real.device)
        for metric in self.metrics.values():
            metric.update(real, real=True)
            metric.update(fake, real=False)
        self.num_clips += fake.shape[0]

    def _build(self, start_frame: int, device: torch.device) -> dict[str, Metric]:
        metrics = {}
        for name, build in self.builders.items():
            try:
                metrics[name] = build(start_frame).to(device)
            except MissingWeightsError as err:
                self.reasons[name] = str(err)
        return metrics

    def compute(self) -> dict[str, float]:
        """Return ``{name: value}`` for the scores that could be computed (on every process under DDP)."""
        values: dict[str, float] = {}
        for name, metric in (self.metrics or {}).items():
            try:
                values[name] = float(metric.compute())
            except (ValueError, RuntimeError) as err:  # e.g. fewer than 2 clips: no covariance
                self.reasons[name] = f"{err} ({self.num_clips} clips)"
        return values
