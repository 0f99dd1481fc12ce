"""Checks shared by the FID and FVD tests: both metrics must behave the same way on these."""

from __future__ import annotations

import socket

import pytest
import torch


def refuse_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any network access (socket connect, torch.hub download) fail the test."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a weights loader tried to download")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)


def assert_zero_then_growing_with_noise(metric: torch.nn.Module, real: torch.Tensor) -> None:
    """``metric`` (keeping real features across resets) is ~0 for ``real`` itself and grows with noise."""
    metric.update(real, real=True)
    values = []
    for sigma in (0.0, 0.1, 0.4):
        metric.reset()
        metric.update((real + sigma * torch.randn_like(real)).clamp(-1, 1), real=False)
        values.append(metric.compute().item())
    assert abs(values[0]) < 1e-3
    assert values[0] < values[1] < values[2]
