"""The unified model: ``JointTask`` and the generation functions it shares with the CLI."""

from unimo.tasks.joint.task import JointTask

__all__ = ["JointTask"]
