"""Joining reports made on different machines into one matrix."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from .html import build_html
from .model import load_root


class MergeClash(Exception):
    """Two reports hold the same agent name with different results (or a source is empty)."""


def merge(out: Path, sources: list[Path]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        matrix = load_root(source)
        if not matrix.agents:
            raise MergeClash(f"{source} holds no */index.json")
        for agent, directory in matrix.dirs.items():
            target = out / directory.name
            if target.exists():
                same = filecmp.cmp(directory / "index.json", target / "index.json", shallow=False)
                if not same:
                    raise MergeClash(f"agent {agent!r} is in two reports with different results")
                continue
            shutil.copytree(directory, target)
    return build_html(out)
