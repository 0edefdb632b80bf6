"""Where report files may be: names from a report (``reportfile``, agent names) never leave
their folder, and a report that breaks that, or is not what docs/report-format.md describes,
is a ``ReportError`` whose one line names the file and how to mend it."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
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


# -- agent names -> folder and file names ----------------------------------------------------

MAX_AGENT = 100  # characters of an agent name (--agent, or derived from --iut)
_PLAIN_AGENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def agent_folder(agent: str) -> str:
    """The folder (and case-file prefix) of an agent: one-to-one, bounded, filename-safe.

    A name that is already a plain file name (letters, digits, ``._-``, starting with a letter
    or digit, at most 80 characters) is its own folder. Any other (``甲``, ``../x``, ``a b``,
    a 240-character name) becomes ``_`` + its safe part (at most 40 characters) + ``-`` + 16
    hex digits of its SHA-256: it starts with ``_``, so it is never a plain name, and two
    different names share a folder only if their SHA-256 prefixes collide. The folder's
    ``index.json`` names its agent, and a run refuses a folder that holds another one
    (``check_agent_folder``), so even then nothing is replaced."""
    if _PLAIN_AGENT.fullmatch(agent):
        return agent
    digest = hashlib.sha256(agent.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"_{safe_name(agent)[:40]}-{digest}"


def derived_agent(name: str) -> str:
    """An agent name made from something else (``--iut cmd:...``): printable, and at most
    MAX_AGENT characters (a longer one is cut and keeps a digest of the whole, so two long
    names stay apart)."""
    text = (
        "".join(ch if unicodedata.category(ch)[0] != "C" else "_" for ch in name).strip() or "agent"
    )
    if len(text) <= MAX_AGENT:
        return text
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{text[: MAX_AGENT - 13]}-{digest}"


def agent_problem(agent: str) -> str | None:
    """Why ``--agent`` cannot be used (one line), or None."""
    if not agent.strip() or len(agent) > MAX_AGENT:
        return f"--agent {agent[:40]!r}: an agent name is 1..{MAX_AGENT} characters, not blank"
    if any(unicodedata.category(ch)[0] == "C" for ch in agent):
        return f"--agent {agent[:40]!r}: no control characters (newlines, tabs, DEL ...)"
    return None


def check_agent_folder(directory: Path, agent: str) -> None:
    """ReportError when ``directory`` holds the report of another agent (a run would replace
    it), or a link where a report file goes (a run would write through it)."""
    if directory.is_symlink():
        raise ReportError(
            f"{directory} is a link: the suite does not write through links; give a real "
            "folder (--report-dir) or remove the link"
        )
    index = directory / "index.json"
    if index.is_symlink():
        raise ReportError(f"{index} is a link: remove it, or choose another --report-dir")
    if directory.is_dir():
        prefix = f"{agent_folder(agent)}_case_"
        for path in directory.iterdir():
            if path.name.startswith(prefix) and path.is_symlink():
                raise ReportError(f"{path} is a link: remove it, or choose another --report-dir")
    if not index.exists():
        return
    try:
        held = json.loads(index.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        held = None
    if not isinstance(held, dict):
        raise ReportError(
            f"{index} is not a report index this run may replace: move it away, or choose "
            "another --report-dir"
        )
    others = [name for name in held if name != agent]
    if others:
        raise ReportError(
            f"{directory} holds the report of agent {others[0][:60]!r}; agent {agent[:60]!r} "
            "would replace it: choose another --agent or --report-dir (nothing was written)"
        )


# -- writing report files ------------------------------------------------------------------

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def refuse_links(paths: Iterable[Path], root: Path | None = None) -> None:
    """ReportError naming the first of ``paths`` that is a link (or, below ``root``, sits in
    a folder that is one): checked before anything is written, so a refusal leaves every
    file as it was."""
    for path in paths:
        if path.is_symlink():
            raise ReportError(
                f"{path} is a link: report files are never written through links; remove it "
                "or choose another folder (nothing was written)"
            )
        if root is not None:
            for parent in path.parents:
                if parent == root or root not in parent.parents:
                    break
                if parent.is_symlink():
                    raise ReportError(
                        f"{parent} is a link: report files are never written through links; "
                        "remove it or choose another folder (nothing was written)"
                    )


def write_file(path: Path, data: str | bytes) -> None:
    """Write a report file (UTF-8 text, or bytes), never through a link: a link at ``path``
    is a ReportError. The file is written beside ``path`` under a temporary name (O_EXCL,
    O_NOFOLLOW) and renamed over it, so the old file's inode is never changed: a run folder
    that holds a hard link to it (``runs.record_run``) keeps the earlier run's bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_symlink():
        raise ReportError(
            f"{path} is a link: report files are never written through links; remove it"
        )
    temporary = path.with_name(f".{path.name[:80]}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReportError(
                f"{temporary} is a link: report files are never written through links; remove it"
            ) from None
        raise
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        os.replace(temporary, path)  # a rename: never follows a link at ``path``
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
