"""Autobahn-style reports from the suite's JSON (docs/report-format.md)."""

from .html import build_html
from .model import load_root, summary_table
from .paths import ReportError

__all__ = ["ReportError", "build_html", "load_root", "summary_table"]
