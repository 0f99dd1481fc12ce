"""JointTask under FSDP: weight-decay groups (matrices decay, norms do not) survive sharding, and clipping
by norm goes through FSDP's own ``clip_grad_norm_``.

FSDP cannot run on CPU, so the test reproduces what it does to the module before ``configure_optimizers``
(Lightning wraps first, then configures): each wrapped block's parameter names gain an
``_fsdp_wrapped_module.`` segment and, with ``use_orig_params=True``, every parameter becomes a flat 1-D
view of its shard.
"""

from __future__ import annotations

from types import SimpleNamespace

from torch import nn

from unimo.backbones import BACKBONES
from unimo.tasks.joint import JointTask
from unimo.tokenizers import TOKENIZERS


class FSDPLikeWrapper(nn.Module):
    """Holds a module under the attribute name FSDP uses."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self._fsdp_wrapped_module = module


def tiny_task() -> JointTask:
    return JointTask(
        backbone=BACKBONES.build("GPTBackbone", vocab_sizes={"special": 16, "video": 200, "motion": 32},
                                 dim=32, num_layers=2, num_heads=2),
        video_tokenizer=TOKENIZERS.build("CausalVideoTokenizer", channels=8, channel_mult=[1, 2, 2, 2],
                                         levels=[8, 5, 5], height=32, width=32),
        motion_tokenizer=TOKENIZERS.build("MotionVQVAETokenizer", codebook_size=32, code_dim=8, scale=2,
                                          width=16, depth=1),
        weight_decay=0.1)


def decay_split(task: JointTask) -> tuple[set[int], set[int]]:
    task.trainer = SimpleNamespace(estimated_stepping_batches=10)  # what configure_optimizers reads
    decay, other = task.configure_optimizers()["optimizer"].param_groups
    assert (decay["weight_decay"], other["weight_decay"]) == (0.1, 0.0)
    return {id(p) for p in decay["params"]}, {id(p) for p in other["params"]}


def test_matrices_decay_and_norms_do_not():
    task = tiny_task()
    matrices = {id(p) for p in task.backbone.parameters() if p.ndim >= 2}
    vectors = {id(p) for p in task.backbone.parameters() if p.ndim < 2}
    assert matrices and vectors
    assert decay_split(task) == (matrices, vectors)


def test_groups_survive_fsdp_style_wrapping_and_flattening():
    task = tiny_task()
    matrices = {id(p) for p in task.backbone.parameters() if p.ndim >= 2}
    vectors = {id(p) for p in task.backbone.parameters() if p.ndim < 2}
    blocks = task.backbone.blocks
    for i in range(len(blocks)):
        blocks[i] = FSDPLikeWrapper(blocks[i])
    for p in task.backbone.parameters():
        p.data = p.data.flatten()  # the 1-D shard view FSDP leaves in place of each original parameter
    assert any("_fsdp_wrapped_module." in n for n, _ in task.backbone.named_parameters())
    assert decay_split(task) == (matrices, vectors)


def test_clipping_by_norm_uses_fsdps_own_norm_and_otherwise_lightnings():
    task = tiny_task()
    calls = []
    task.clip_gradients = lambda optimizer, **kwargs: calls.append(("lightning", kwargs))
    task.trainer = SimpleNamespace(model=SimpleNamespace(clip_grad_norm_=lambda v: calls.append(("fsdp", v))))
    task.configure_gradient_clipping(None, 1.0, "norm")
    task.configure_gradient_clipping(None, 0.5, None)  # Lightning passes None when no algorithm is set
    task.configure_gradient_clipping(None, 2.0, "value")  # by value needs no collective: Lightning's
    task.configure_gradient_clipping(None, None, "norm")  # no clipping asked for
    assert calls == [("fsdp", 1.0), ("fsdp", 0.5),
                     ("lightning", {"gradient_clip_val": 2.0, "gradient_clip_algorithm": "value"}),
                     ("lightning", {"gradient_clip_val": None, "gradient_clip_algorithm": "norm"})]
    task.trainer = SimpleNamespace(model=nn.Linear(2, 2))  # DDP and single devices: no clip_grad_norm_
    calls.clear()
    task.configure_gradient_clipping(None, 1.0, "norm")
    assert calls == [("lightning", {"gradient_clip_val": 1.0, "gradient_clip_algorithm": "norm"})]
