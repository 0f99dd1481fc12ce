"""``UnimoCLI``: Lightning's CLI as ``unimo fit|validate|test`` uses it.

What it adds to ``LightningCLI``:

- ``--report.*`` options of ``EvaluationReport`` (``unimo.reports``): after ``unimo test`` a report folder
  (metrics.json, report.md, sample sheet, plots) is written, ``<log dir>/report`` unless
  ``--report.dirpath`` says otherwise. The callback sits in every subcommand's trainer, but only the test
  loop calls it, so ``fit`` is unchanged (its saved ``config.yaml`` just carries the ``report:`` options).
- A checkpoint path that names no file, or a file that is no checkpoint, stops the command at once with one
  line, before any model is built; ``unimo test`` without ``--ckpt`` warns that it tests an untrained model.

Kept out of ``unimo.cli`` so that ``unimo --help`` and the plain subcommands never import Lightning.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI
from lightning.pytorch.utilities import rank_zero_warn

from unimo.checkpoint_file import check_checkpoint_file
from unimo.reports import EvaluationReport

# ckpt_path values Lightning resolves itself instead of reading a file.
SPECIAL_CKPT_PATHS = {"best", "last", "hpc", "registry"}


class UnimoCLI(LightningCLI):
    """LightningCLI with the test report and an early, readable missing-checkpoint error."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        parser.add_lightning_class_args(EvaluationReport, "report")

    def before_instantiate_classes(self) -> None:
        ckpt = self.config[self.subcommand].get("ckpt_path") if self.subcommand else None
        if ckpt and str(ckpt) not in SPECIAL_CKPT_PATHS and not str(ckpt).startswith("registry:"):
            if not Path(ckpt).is_file():
                sys.exit(f"unimo {self.subcommand}: checkpoint {ckpt} not found; pass the .ckpt file that "
                         "`unimo fit` wrote (under <default_root_dir>/.../checkpoints/) with --ckpt")
            check_checkpoint_file(ckpt)
        if self.subcommand == "test" and not ckpt:
            rank_zero_warn("unimo test without --ckpt: testing the model as configured, untrained unless its "
                           "config loads weights; pass --ckpt FILE to test a trained one")

    def before_test(self) -> None:
        """Hand the resolved configuration to the report, so metrics.json records exactly what ran."""
        dumped = yaml.safe_load(self.parser.dump(self.config, skip_none=False))
        for callback in self.trainer.callbacks:
            if isinstance(callback, EvaluationReport):
                callback.config = dumped.get("test", dumped)
