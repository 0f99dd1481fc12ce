"""Layouts: task-specific token arrangements (I2VM, V2M, M2V, motion prediction)."""

from unimo.layouts.base import LAYOUTS, Layout, Modality, TokenSequence

__all__ = ["LAYOUTS", "Layout", "Modality", "TokenSequence"]
