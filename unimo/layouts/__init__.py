"""Layouts: task-specific token arrangements (I2VM, V2M, M2V, motion prediction)."""

from unimo.layouts.base import LAYOUTS, Layout, Modality, Schedule, Span, TokenGrid, TokenSequence
from unimo.layouts.i2vm import I2VMLayout
from unimo.layouts.m2v import M2VLayout
from unimo.layouts.motion_prediction import MotionPredictionLayout
from unimo.layouts.special import SPECIAL_VOCAB_SIZE, SpecialToken
from unimo.layouts.v2m import V2MLayout

__all__ = [
    "LAYOUTS", "Layout", "Modality", "Schedule", "Span", "TokenGrid", "TokenSequence", "SpecialToken",
    "SPECIAL_VOCAB_SIZE", "I2VMLayout", "V2MLayout", "M2VLayout", "MotionPredictionLayout",
]
