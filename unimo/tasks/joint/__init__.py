"""The unified model: ``JointTask``, the generation functions it shares with the CLI, and the per-task
best-checkpoint callback its configs use."""

from unimo.tasks.joint.checkpoints import BestPerTaskCheckpoint
from unimo.tasks.joint.task import JointTask

__all__ = ["BestPerTaskCheckpoint", "JointTask"]
