"""Test reports with pictures: what ``unimo test`` writes (metrics.json, report.md, samples, plots)."""

from unimo.reports.callback import EvaluationReport
from unimo.reports.writer import ReportData, write_report

__all__ = ["EvaluationReport", "ReportData", "write_report"]
