"""Which weights a benchmark run scores: the backbone's best validation loss, overall or per task."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch

from unimo.tasks.joint import JointTask


class KeepBestBackbone(L.Callback):
    """Keep (in memory) the backbone weights with the lowest mean validation loss over the task's layouts,
    so an overfitting variant is scored where it was best, not where the time ran out; ``per_task``: also
    those with the lowest validation loss of each layout (tasks of a joint model overfit at different steps).
    """

    def __init__(self, per_task: bool = False, v2m_by_mpjpe: bool = False) -> None:
        self.per_task, self.v2m_by_mpjpe = per_task or v2m_by_mpjpe, v2m_by_mpjpe
        self.history: list[tuple[int, float]] = []  # (step, mean validation loss)
        self.layout_history: list[tuple[int, dict[str, float]]] = []
        self.gain_history: list[tuple[int, float]] = []  # (step, V2M validation video gain)
        self.best: dict[str, tuple[float, int, dict[str, torch.Tensor]]] = {}  # key: "mean" or a layout

    def on_validation_end(self, trainer: L.Trainer, task: JointTask) -> None:
        if trainer.sanity_checking:
            return
        losses = {name: float(trainer.callback_metrics[f"val/{name}/loss"]) for name in task.mixture.layouts}
        mean = sum(losses.values()) / len(losses)
        self.history.append((trainer.global_step, round(mean, 4)))
        if self.v2m_by_mpjpe and "V2MLayout" in losses:  # the V2M weights are chosen by capture error
            losses["V2MLayout"] = float(trainer.callback_metrics["val/mpjpe_mm"])
        self.layout_history.append((trainer.global_step, {k: round(v, 4) for k, v in losses.items()}))
        gain = trainer.callback_metrics.get("val/V2MLayout/video_gain")
        if gain is not None:
            self.gain_history.append((trainer.global_step, round(float(gain), 4)))
        for key, loss in {"mean": mean, **(losses if self.per_task else {})}.items():
            if loss < self.best.get(key, (float("inf"),))[0]:
                weights = task.backbone.state_dict()
                state = {k: v.detach().to("cpu", copy=True) for k, v in weights.items()}
                self.best[key] = (loss, trainer.global_step, state)

    def selected(self) -> dict[str | None, dict[str, torch.Tensor]]:
        """The weights to score: ``{None: mean-best}``, or per task ``{layout name: its best}``."""
        if self.v2m_by_mpjpe or (self.per_task and len(self.best) > 2):  # "mean" and 2+ layouts
            return {key: state for key, (_, _, state) in self.best.items() if key != "mean"}
        return {None: self.best["mean"][2]} if "mean" in self.best else {}

    def stats(self) -> dict[str, Any]:
        loss, step, _ = self.best["mean"]
        out = {"selected_step": step, "selected_val_loss": loss, "val_history": self.history}
        if self.gain_history:
            out["val_video_gain_history"] = self.gain_history
        if self.v2m_by_mpjpe or len(self.best) > 2:
            out["selected_step_per_task"] = {k: s for k, (_, s, _) in self.best.items() if k != "mean"}
            out["val_history_per_layout"] = self.layout_history
        return out
