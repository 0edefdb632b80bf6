"""The coverage matrix: every documented overload × option or default × outcome, and every
direction × kind × size of data, and which cases fill each cell.

A case declares the cells it fills in its marker (``cells=...``: a list, or a function of the
case's parameters returning one; ``conformance.spec`` applies it); ``REQUIRED`` lists the
cells the contract asks for. A test
(tests/conformance/test_coverage.py) fails when a required cell has no case, or a case names a
cell that is not in the matrix; ``python -m conformance.coverage`` prints the matrix as
Markdown (docs/coverage.md is that output), and the HTML report shows it with verdicts.
"""

from __future__ import annotations

SEP = " :: "

Cell = str


def api(overload: str, variant: str, outcome: str) -> Cell:
    """A cell of the API table. ``outcome``: success, API error, connection failure."""
    assert outcome in OUTCOMES, outcome
    return SEP.join(("api", overload, variant, outcome))


def data(direction: str, kind: str, size: str) -> Cell:
    """A cell of the data table: ``direction`` sent/received, ``kind`` text/binary."""
    assert direction in DIRECTIONS and kind in KINDS and size in SIZES, (direction, kind, size)
    return SEP.join(("data", direction, kind, size))


OUTCOMES = ("success", "API error", "connection failure")
DIRECTIONS = ("sent", "received")
KINDS = ("text", "binary")
SIZES = ("empty", "small", "64 KiB", "1 MiB", "4 MiB", "16 MiB")

CONNECT_CB = "connect(url, callback)"
CONNECT_OPT_CB = "connect(url, options, callback)"
CONNECT_P = "connect(url): Promise"
CONNECT_OPT_P = "connect(url, options): Promise"
SEND_CB = "send(data, callback)"
SEND_P = "send(data): Promise"
CLOSE_CB = "close(callback)"
CLOSE_OPT_CB = "close(options, callback)"
CLOSE_P = "close(options?): Promise"
ON = "on(type, callback)"
OFF = "off(type, callback?)"
CREATE = "createWebSocket()"

HEADER_VARIANTS = ("header (object)", "header (class)", "header: {}")
CLOSE_VARIANTS = ("{}", "code", "reason", "code and reason", "options (class)")


def _required() -> tuple[Cell, ...]:
    cells: list[Cell] = [api(CREATE, "new object", "success")]
    for overload in (CONNECT_CB, CONNECT_P):
        cells += [
            api(overload, "no options", "success"),
            api(overload, "bad URL", "API error"),
            api(overload, "no options", "connection failure"),
        ]
    for overload in (CONNECT_OPT_CB, CONNECT_OPT_P):
        cells += [api(overload, v, "success") for v in HEADER_VARIANTS]
        cells += [api(overload, "header (object)", "connection failure")]
    cells += [
        api(CONNECT_OPT_P, "header with CR/LF/NUL", "API error"),
        api(CONNECT_CB, "already connected", "API error"),
    ]
    for overload in (SEND_CB, SEND_P):
        cells += [
            api(overload, "text", "success"),
            api(overload, "binary", "success"),
            api(overload, "wrong type", "API error"),
            api(overload, "not open", "API error"),
        ]
    cells += [api(CLOSE_CB, "no options", "success"), api(CLOSE_CB, "not open", "API error")]
    cells += [api(CLOSE_OPT_CB, v, "success") for v in CLOSE_VARIANTS]
    cells += [api(CLOSE_OPT_CB, "forbidden code or reason", "API error")]
    cells += [api(CLOSE_P, "no options", "success")]
    cells += [api(CLOSE_P, v, "success") for v in CLOSE_VARIANTS]
    cells += [
        api(CLOSE_P, "forbidden code or reason", "API error"),
        api(CLOSE_P, "not open", "API error"),
        api(CLOSE_P, "no options", "connection failure"),  # the server never answers
    ]
    cells += [api(ON, f"'{t}'", "success") for t in ("open", "message", "close")]
    cells += [
        api(ON, "'error'", "connection failure"),
        api(ON, "bad type or callback", "API error"),
        api(ON, "unknown type", "API error"),
        api(OFF, "one callback", "success"),
        api(OFF, "all callbacks", "success"),
        api(OFF, "bad type or callback", "API error"),
    ]
    # The later API versions' optional features (contract, "Later API versions").
    cells += [
        api(ON, "'dataEnd'", "success"),
        api(OFF, "'dataEnd' (callback)", "success"),
        api(OFF, "'dataEnd' (all)", "success"),
        api(ON, "'headerReceive'", "success"),
        api(ON, "'headerReceive' (repeated header)", "success"),
    ]
    for overload in (CONNECT_OPT_CB, CONNECT_OPT_P):
        cells += [
            api(overload, "protocol", "success"),
            api(overload, "protocol (server picks one not offered)", "connection failure"),
            api(overload, "protocol not a string", "API error"),
        ]
    cells += [
        api(CONNECT_OPT_P, "protocol (server declines)", "success"),
        api(CONNECT_OPT_P, "protocol: absent", "success"),
        api(CONNECT_OPT_P, "protocol: empty", "success"),
        api(CONNECT_OPT_P, "protocol (reported)", "success"),
        api(CONNECT_OPT_P, "pongTimeout (no pong)", "connection failure"),
        api(CONNECT_OPT_P, "pingInterval: 0", "success"),
    ]
    for overload in (CONNECT_OPT_CB, CONNECT_OPT_P):
        cells += [
            api(overload, "pingInterval", "success"),
            api(overload, "skipServerCertVerification: true", "success"),
            api(overload, "skipServerCertVerification: false", "connection failure"),
            api(overload, "caPath", "success"),
            api(overload, "caPath (no such file)", "API error"),
            api(overload, "clientCert", "success"),
            api(overload, "clientCert with keyPassword", "success"),
            api(overload, "clientCert (no such file)", "API error"),
        ]
    cells += [
        api(CONNECT_OPT_P, f"clientCert ({kind})", "connection failure")
        for kind in ("missing", "unknown-ca", "expired")
    ]
    for overload in (CONNECT_OPT_CB, CONNECT_OPT_P):
        cells += [
            api(overload, "proxy {host, port} (empty)", "success"),
            api(overload, "proxy {host, port} (other hosts)", "success"),
            api(overload, "proxy: 'no-proxy'", "success"),
            api(overload, "proxy refuses (403/407)", "connection failure"),
            api(overload, "proxy of no documented form", "API error"),
        ]
    cells += [
        api(CONNECT_OPT_P, "proxy, host excluded (the host)", "success"),
        api(CONNECT_OPT_P, "proxy, host excluded (*)", "success"),
        api(CONNECT_OPT_P, "proxy: 'system'", "success"),
        api(CONNECT_OPT_P, "proxy with username and password", "success"),
    ]
    for direction in DIRECTIONS:
        for kind in KINDS:
            cells += [data(direction, kind, size) for size in SIZES]
    return tuple(cells)


REQUIRED: tuple[Cell, ...] = _required()


def size_name(size: int) -> str:
    """A payload size → the data table's column (``small`` is 1 byte to under 64 KiB)."""
    names = {
        0: "empty",
        64 * 1024: "64 KiB",
        1 << 20: "1 MiB",
        4 << 20: "4 MiB",
        16 << 20: "16 MiB",
    }
    return names.get(size, "small")


def markdown(case_cells: dict[str, tuple[Cell, ...]]) -> str:
    """The matrix as Markdown: each required cell and the cases that fill it."""
    filled: dict[Cell, list[str]] = {cell: [] for cell in REQUIRED}
    for case_id, cells in sorted(case_cells.items()):
        for cell in cells:
            filled.setdefault(cell, []).append(case_id)
    lines = [
        "| overload | option or default | outcome | cases |",
        "|---|---|---|---|",
    ]
    for cell in REQUIRED:
        table, *parts = cell.split(SEP)
        if table != "api":
            continue
        lines.append(f"| `{parts[0]}` | {parts[1]} | {parts[2]} | {_cases(filled[cell])} |")
    lines += ["", "| direction | kind | size | cases |", "|---|---|---|---|"]
    for cell in REQUIRED:
        table, *parts = cell.split(SEP)
        if table == "data":
            lines.append(f"| {parts[0]} | {parts[1]} | {parts[2]} | {_cases(filled[cell])} |")
    return "\n".join(lines) + "\n"


def _cases(case_ids: list[str]) -> str:
    if not case_ids:
        return "**none**"
    shown = ", ".join(f"`{c}`" for c in case_ids[:3])
    return shown + (f" (+{len(case_ids) - 3})" if len(case_ids) > 3 else "")


def collect_case_cells() -> dict[str, tuple[Cell, ...]]:
    """Collect the shipped cases (no run) and read the cells each declares."""
    import os
    from pathlib import Path

    import pytest

    from .spec import spec_of

    found: dict[str, tuple[Cell, ...]] = {}

    class Reader:
        def pytest_collection_finish(self, session: pytest.Session) -> None:
            for item in session.items:
                spec = spec_of(item)
                if spec is not None:
                    found[spec.case_id] = spec.cells

    cases = Path(__file__).parent / "cases"
    args = ["-c", os.devnull, "--rootdir", str(cases), "-p", "no:cacheprovider"]
    status = pytest.main([*args, "-p", "no:xdist", "--collect-only", "-q", str(cases)], [Reader()])
    if status != 0:
        raise RuntimeError(f"collecting the cases failed (pytest exit {status})")
    return found


def check(case_cells: dict[str, tuple[Cell, ...]]) -> list[str]:
    """What is wrong with the matrix: required cells no case fills, cells nobody requires."""
    declared = {cell for cells in case_cells.values() for cell in cells}
    problems = [f"no case fills {cell}" for cell in REQUIRED if cell not in declared]
    problems += [f"{cell} is declared but not in the matrix" for cell in declared - set(REQUIRED)]
    return problems


def main() -> int:
    """``python -m conformance.coverage``: the matrix as Markdown; exit 1 if a cell is empty."""
    import contextlib
    import io
    import sys

    with contextlib.redirect_stdout(io.StringIO()):
        case_cells = collect_case_cells()
    print(markdown(case_cells), end="")
    problems = check(case_cells)
    for problem in problems:
        print(f"coverage: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
