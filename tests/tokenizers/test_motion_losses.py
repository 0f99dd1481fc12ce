"""body_joints' cached body model: first built in inference mode (a test loop), it still trains."""

from __future__ import annotations

import torch

from unimo.tokenizers.motion_losses import _body_model, body_joints


def test_body_model_built_in_inference_mode_still_backpropagates() -> None:
    _body_model.cache_clear()  # as if `trainer.test` were the first to need joints in this process
    with torch.inference_mode():
        body_joints(torch.zeros(1, 2, 79))
    motion = torch.zeros(1, 2, 79, requires_grad=True)
    body_joints(motion).sum().backward()
    assert motion.grad is not None and motion.grad.abs().sum() > 0
