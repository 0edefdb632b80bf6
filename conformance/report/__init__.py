"""Autobahn-style reports from the suite's JSON (docs/report-format.md).

The names below are loaded when first asked for: ``conformance.results`` (the row's reader
and writer) uses ``report.paths`` and the report's readers use ``conformance.results``, so
importing the package must not import the pages."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .html import build_html
    from .model import load_root, summary_table
    from .paths import ReportError

__all__ = ["ReportError", "build_html", "load_root", "summary_table"]

_HOME = {
    "build_html": ".html",
    "load_root": ".model",
    "summary_table": ".model",
    "ReportError": ".paths",
}


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name], __name__), name)
