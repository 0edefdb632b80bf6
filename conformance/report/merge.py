"""Joining reports made on different machines into one matrix.

Everything is read and checked before the first file is written: a source that cannot be read
or shown, an agent held by two sources with different results (whatever their folders are
called), or a link anywhere a file would be written in ``OUT`` (an agent folder, an index, a
case file, a page), is refused and ``OUT`` is left as it was. Only each agent's ``index.json``
and the case files it names are copied (never links, never anything else), each agent to a
folder of its own in ``OUT``, never through a link.
"""

from __future__ import annotations

from pathlib import Path

from ..results import CaseRow
from .html import build_html, detail_name, render_pages
from .model import index_json, load_root, read_index
from .paths import ReportError, case_file, refuse_links, safe_name, write_file


class MergeClash(ReportError):
    """Two reports hold the same agent name with different results (or a source is empty)."""


def merge(out: Path, sources: list[Path]) -> Path:
    out = Path(out)
    existing = load_root(out) if out.is_dir() and _has_index(out) else None
    taken: dict[str, str] = {}  # folder name in OUT -> agent
    seen: dict[str, tuple[Path, dict[str, CaseRow]]] = {}  # agent -> (its folder, its rows)
    if existing is not None:
        for agent, directory in existing.dirs.items():
            taken[directory.name] = agent
            seen[agent] = (directory, read_index(directory / "index.json")[agent])
    plan: list[tuple[str, Path, str]] = []  # (agent, source folder, folder name in OUT)
    for source in sources:
        render_pages(Path(source))  # the whole source can be read and shown (nothing written)
        matrix = load_root(Path(source))
        for agent, directory in matrix.dirs.items():
            rows = read_index(directory / "index.json")[agent]
            if agent in seen:
                other, other_rows = seen[agent]
                if rows != other_rows:
                    raise MergeClash(
                        f"agent {agent!r} is in {other} and {directory} with different "
                        "results: rerun one of them with another --agent, or leave one out"
                    )
                continue
            name = _free_name(directory.name, taken)
            taken[name] = agent
            seen[agent] = (directory, rows)
            plan.append((agent, directory, name))
    refuse_links(_targets(out, plan, existing is not None), out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for agent, directory, name in plan:
            _copy_agent(agent, directory, out / name)
    except OSError as exc:
        raise ReportError(
            f"{exc.filename or out}: cannot be written ({exc.strerror or exc}): "
            "choose an output folder you can write"
        ) from None
    return build_html(out)


def _has_index(root: Path) -> bool:
    return (root / "index.json").exists() or any(root.glob("*/index.json"))


def _free_name(wanted: str, taken: dict[str, str]) -> str:
    base = safe_name(wanted)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def _targets(out: Path, plan: list[tuple[str, Path, str]], existing: bool) -> list[Path]:
    """Every path the merge would write: each new agent's folder, index, case files and
    pages, the pages of the agents already in OUT, and OUT/index.html."""
    paths = [out / "index.html"]
    if existing:
        paths += list(render_pages(out))
    for agent, source, name in plan:
        target = out / name
        paths += [target, target / "index.json"]
        for case_id, row in read_index(source / "index.json")[agent].items():
            origin = case_file(source, row.reportfile, f"{source}: case {case_id!r}")
            paths += [target / origin.name, target / detail_name(origin.name)]
    return paths


def _copy_agent(agent: str, source: Path, target: Path) -> None:
    """The agent's index and the case files it names; regular files only, never written
    through a link."""
    target.mkdir(parents=True, exist_ok=True)
    index = read_index(source / "index.json")
    write_file(target / "index.json", index_json({agent: index[agent]}))
    for case_id, row in index[agent].items():
        origin = case_file(source, row.reportfile, f"{source}: case {case_id!r}")
        if origin.is_file() and not origin.is_symlink():
            write_file(target / origin.name, origin.read_bytes())
