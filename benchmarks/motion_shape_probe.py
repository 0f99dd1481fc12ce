"""Where does a motion tokenizer lose body shape: in its encoder, or in the quantizer?

A ridge regression (fit on training motions, scored on held-out ones) reads each clip's betas from the
clip's time-averaged encoder latents (before quantization) and from its quantized codes (after), next to the
betas the tokenizer decodes and to always answering the mean shape. Shape absent from the latents means the
encoder never learned to carry it (no quantizer setting can bring it back); present in the latents but not in
the codes means the codebook drops it.

    python benchmarks/motion_shape_probe.py [--tokenizers NAME=PATH ...] [--motion-cache DIR]

Results: ``benchmarks/results/motion_shape_probe.{json,md}`` (``--out`` for another JSON path).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import write_atomic, write_probe_report  # noqa: E402
from motion_tokenizer import cached_motions  # noqa: E402

from unimo.body.motion import BETAS_SLICE  # noqa: E402
from unimo.tokenizers.loading import load_tokenizer  # noqa: E402


@torch.no_grad()
def clip_summaries(tokenizer: torch.nn.Module, motions: torch.Tensor, batch: int = 128,
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per clip: time-mean encoder latents ``(N, D)``, time-mean quantized codes ``(N, D)``, mean decoded
    betas ``(N, 10)``."""
    latents, codes, decoded = [], [], []
    for chunk in motions.split(batch):
        _, z = tokenizer._latents(chunk)  # (B, L*s, D): what the encoder hands the quantizer
        q = tokenizer.quantize(z)
        latents.append(z.mean(1))
        codes.append(q.z_q.mean(1))
        decoded.append(tokenizer.decode(q.ids, num_frames=chunk.shape[1])[:, :, BETAS_SLICE].mean(1))
    return torch.cat(latents), torch.cat(codes), torch.cat(decoded)


def ridge_rmse(x_fit: torch.Tensor, y_fit: torch.Tensor, x_test: torch.Tensor, y_test: torch.Tensor,
               strength: float = 1e-2) -> float:
    """RMSE on the test set of a ridge regression fit on standardized features (with a bias)."""
    mean, std = x_fit.mean(0), x_fit.std(0) + 1e-6
    design = [torch.cat([(x - mean) / std, torch.ones(len(x), 1)], 1).double() for x in (x_fit, x_test)]
    eye = torch.eye(design[0].shape[1], dtype=torch.float64)
    gram = design[0].T @ design[0] + strength * len(x_fit) * eye
    weights = torch.linalg.solve(gram, design[0].T @ y_fit.double())
    return float(((design[1] @ weights - y_test.double()) ** 2).mean().sqrt())


def markdown(report: dict) -> str:
    rows = [f"| {name} | {r['probe_from_encoder_latents_rmse']:.3f} | "
            f"{r['probe_from_quantized_codes_rmse']:.3f} | {r['decoded_betas_rmse']:.3f} |"
            for name, r in report["tokenizers"].items()]
    return "\n".join([
        "# Where the motion tokenizer loses body shape",
        "",
        f"Betas RMSE on {report['test_clips']} held-out synthetic clips (ridge probes fit on "
        f"{report['fit_clips']} training clips); always the mean shape: {report['mean_shape_rmse']:.3f}. "
        f"Device: {report['device']}, code {report['git_commit'][:7]}.",
        "",
        "| tokenizer | probe from encoder latents | probe from quantized codes | decoded betas |",
        "|---|---|---|---|",
        *rows, "", f"Command: `{report['command']}`", ""])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tokenizers", nargs="+", default=["shipped=unimo/assets/tokenizers/motion.pt"],
                   help="NAME=PATH of exported motion tokenizers")
    p.add_argument("--fit-clips", type=int, default=2048)
    p.add_argument("--test-clips", type=int, default=512)
    p.add_argument("--frames", type=int, default=64)
    p.add_argument("--fps", type=float, default=20.0)
    p.add_argument("--motion-cache", type=Path, help="motion_tokenizer.py's cache (same keys)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "motion_shape_probe.json")
    args = p.parse_args()
    named = dict(item.split("=", 1) for item in args.tokenizers)
    torch.manual_seed(0)
    fit = cached_motions(args.motion_cache, args.fit_clips, args.frames, args.fps, 0)
    test = cached_motions(args.motion_cache, args.test_clips, args.frames, args.fps, 10**6)  # held-out seeds
    y_fit, y_test = fit[:, 0, BETAS_SLICE], test[:, 0, BETAS_SLICE]  # one shape per clip
    result = {"command": "python " + " ".join(sys.argv), "fit_clips": len(fit), "test_clips": len(test),
              "mean_shape_rmse": float(((y_test - y_fit.mean(0)) ** 2).mean().sqrt()), "tokenizers": {}}
    for name, path in named.items():
        tokenizer = load_tokenizer(path).eval()
        lat_fit, code_fit, _ = clip_summaries(tokenizer, fit)
        lat_test, code_test, decoded = clip_summaries(tokenizer, test)
        result["tokenizers"][name] = {
            "path": path,
            "probe_from_encoder_latents_rmse": ridge_rmse(lat_fit, y_fit, lat_test, y_test),
            "probe_from_quantized_codes_rmse": ridge_rmse(code_fit, y_fit, code_test, y_test),
            "decoded_betas_rmse": float(((decoded - y_test) ** 2).mean().sqrt())}
    report = write_probe_report(args.out, result, args)
    write_atomic(args.out.with_suffix(".md"), markdown(report))


if __name__ == "__main__":
    main()
