"""Backbones: the GPT decoder and adapters."""

from unimo.backbones.base import BACKBONES, Backbone

__all__ = ["BACKBONES", "Backbone"]
