"""``report.md``: the test metrics as a Markdown table, what was not computed and why, and the pictures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def format_value(value: Any) -> str:
    """Return a number with 4 significant digits (``n/a`` for ``None``), anything else as text."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def metrics_table(metrics: Mapping[str, Any]) -> list[str]:
    """Return the lines of a two-column Markdown table, one metric per row."""
    rows = [f"| `{name}` | {format_value(value)} |" for name, value in metrics.items()]
    return ["| metric | value |", "|---|---|", *rows]


def report_markdown(content: Mapping[str, Any], pictures: Sequence[tuple[str, str]],
                    columns: Sequence[str] = ()) -> str:
    """Return ``report.md`` for a ``metrics.json`` ``content`` and ``(title, file name)`` pictures.

    Args:
        content: What ``unimo.reports.summary.summary`` returned.
        pictures: Files written next to the report, in order; ``.mp4`` files are linked under the picture
            before them, others shown.
        columns: Column names of the sample sheet, to say what each column is.
    """
    versions = content.get("versions", {})
    lines = [f"# Test report: {content['task']}", "",
             f"- checkpoint: `{content.get('ckpt_path')}`",
             f"- created: {content.get('created')} on {content.get('device')}",
             f"- unimo {versions.get('unimo')}, torch {versions.get('torch')}, "
             f"lightning {versions.get('lightning')}",
             f"- test clips: {content.get('num_clips')}",
             "- full numbers, config and versions: [metrics.json](metrics.json)", "",
             "## Metrics", "", *metrics_table(content["metrics"])]
    if content.get("not_computed"):
        lines += ["", "Not computed:", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in content["not_computed"].items()]
    for title, name in pictures:
        if name.endswith(".mp4"):  # the same sheet as a video file: a link under the GIF
            lines += ["", f"Also as [{name}]({name})."]
            continue
        lines += ["", f"## {title}", ""]
        if name.startswith("samples") and columns:
            lines += [f"Columns: {' | '.join(columns)}.", ""]
        lines.append(f"![{title}]({name})")
    return "\n".join(lines) + "\n"
