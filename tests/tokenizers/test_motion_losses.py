"""body_joints' cached body model: first built in inference mode (a test loop), it still trains."""

from __future__ import annotations

import torch

from unimo.tokenizers.motion_losses import _BODY_MODELS, body_joints


def test_body_model_built_in_inference_mode_still_backpropagates() -> None:
    _BODY_MODELS.clear()  # as if `trainer.test` were the first to need joints in this process
    with torch.inference_mode():
        body_joints(torch.zeros(1, 2, 79))
    motion = torch.zeros(1, 2, 79, requires_grad=True)
    body_joints(motion).sum().backward()
    assert motion.grad is not None and motion.grad.abs().sum() > 0


def test_tokenizer_loss_traces_as_one_graph_once_warm() -> None:
    """torch.compile of the training loss: no graph breaks after the first step (codebook init, body model
    built), so GPU training can compile the whole loss instead of launching thousands of small kernels."""
    from unimo.tokenizers import TOKENIZERS

    tokenizer = TOKENIZERS.build("MotionVQVAETokenizer", scale=2, codebook_size=32, width=16, depth=1,
                                 code_dim=8).train()
    motion = torch.randn(2, 16, 79) * 0.1
    tokenizer.loss(motion)  # first step: data-dependent codebook init, body model built
    explained = torch._dynamo.explain(tokenizer.loss)(motion)
    assert explained.graph_break_count == 0, [str(b.reason).splitlines()[0] for b in explained.break_reasons]
    assert explained.graph_count == 1
