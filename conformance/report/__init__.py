"""Autobahn-style reports from the suite's JSON (docs/report-format.md)."""

from .html import build_html
from .model import load_root, summary_table

__all__ = ["build_html", "load_root", "summary_table"]
