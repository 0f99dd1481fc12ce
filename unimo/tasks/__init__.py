"""LightningModules that compose tokenizers, backbones and layouts into trainable tasks."""

from unimo.tasks.joint import JointTask
from unimo.tasks.motion_tokenizer import MotionTokenizerTask
from unimo.tasks.tokenizer import TokenizerTask
from unimo.tasks.video_tokenizer import VideoTokenizerTask

__all__ = ["JointTask", "MotionTokenizerTask", "TokenizerTask", "VideoTokenizerTask"]
