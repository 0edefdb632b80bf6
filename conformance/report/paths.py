"""Where report files may be: names from a report (``reportfile``, agent names) never leave
their folder, and a report that breaks that, or is not what docs/report-format.md describes,
is a ``ReportError`` whose one line names the file and how to mend it."""

from __future__ import annotations

import re
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
CASE_FILE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}\.json")


class ReportError(Exception):
    """A report that cannot be read or written as asked; ``str()`` is one line."""


def safe_name(name: str) -> str:
    """A name made filename-safe: every character outside ``[A-Za-z0-9._-]`` as ``_``, no
    leading dot (so never ``.`` or ``..``), never empty."""
    return _UNSAFE.sub("_", name).lstrip(".") or "_"


def case_file(directory: Path, reportfile: object, where: str) -> Path:
    """``directory / reportfile`` when ``reportfile`` is a plain case-file name (what the suite
    writes); a ReportError otherwise, so nothing is read or written outside ``directory``."""
    if not isinstance(reportfile, str) or not CASE_FILE.fullmatch(reportfile):
        shown = repr(reportfile)[:120]
        raise ReportError(
            f"{where}: reportfile {shown} is not a case file name in its folder "
            "(letters, digits, '._-', ending .json): rerun the suite, or fix the index"
        )
    return directory / reportfile


def inside(path: Path, root: Path) -> bool:
    """``path`` (resolved, links followed) lies within ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False
