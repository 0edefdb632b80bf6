"""CI gating: the exit status of a run from its rows (``ConformanceRun`` calls it at the end).

- 1 when a case is FAILED (or NON-STRICT with ``--fail-on non-strict``, or a test that is not
  a case failed); else 6 (``EXIT_HARNESS_ERROR``) when a case is HARNESS-ERROR: the suite
  broke, the implementation was not judged there; else 0. pytest's own statuses
  (interrupted, usage error ...) stand: the caller does not gate those.
- With ``--expectations``: each row already says what was expected of it (the run judged each
  case once against the file, ``CaseRow.expected``); the run fails only on an unexpected
  FAILED/NON-STRICT (or, ``--strict-expectations``, an unexpected pass).
- ``--update-expectations FILE``: writes the file from this run's failures.

Pure functions of the rows and the options: no pytest hooks, no run state of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import expectations
from .results import CaseRow
from .verdicts import FAILED, HARNESS_ERROR, NON_STRICT, PASS, Judgement, judge

EXIT_HARNESS_ERROR = 6

Say = Callable[[str], None]


@dataclass(frozen=True)
class GateOptions:
    """The options gating reads (``--fail-on``, ``--strict-expectations``, whether
    ``--expectations`` was given)."""

    fail_on: str = "failed"
    strict_expectations: bool = False
    with_expectations: bool = False

    @classmethod
    def from_config(cls, config: pytest.Config) -> GateOptions:
        return cls(
            fail_on=str(config.getoption("--fail-on")),
            strict_expectations=bool(config.getoption("--strict-expectations")),
            with_expectations=bool(config.getoption("--expectations")),
        )


def exit_status(
    rows: Mapping[str, CaseRow], other_failures: int, options: GateOptions, say: Say
) -> int:
    """The run's exit status from its rows (and failed tests that are not cases)."""
    if options.with_expectations:
        status = _gate_on_expectations(rows, options, say)
        return int(pytest.ExitCode.TESTS_FAILED) if other_failures else status
    verdicts = [row.behavior for row in rows.values()]
    non_strict = [c for c, row in rows.items() if row.behavior == NON_STRICT]
    gate_non_strict = options.fail_on == "non-strict" and non_strict
    if FAILED in verdicts or gate_non_strict or other_failures:
        if gate_non_strict:
            say(f"--fail-on non-strict: {len(non_strict)} NON-STRICT case(s)")
        return int(pytest.ExitCode.TESTS_FAILED)
    if HARNESS_ERROR in verdicts:
        count = verdicts.count(HARNESS_ERROR)
        say(
            f"{count} case(s) HARNESS-ERROR: the suite broke there and judged nothing "
            f"(exit {EXIT_HARNESS_ERROR}); please report it with the case files"
        )
        return EXIT_HARNESS_ERROR
    return int(pytest.ExitCode.OK)


def _gate_on_expectations(rows: Mapping[str, CaseRow], options: GateOptions, say: Say) -> int:
    """Exit 1 on an unexpected FAILED/NON-STRICT (or, strict, an unexpected pass), 6 on an
    unexpected HARNESS-ERROR alone, else 0; each unexpected case is named."""
    judged = [(c, r, judge(r.behavior, r.expected or PASS)) for c, r in sorted(rows.items())]
    unexpected = [(c, r) for c, r, j in judged if j is Judgement.UNEXPECTED_FAILURE]
    failures = [(c, r) for c, r in unexpected if r.behavior != HARNESS_ERROR]
    harness = [(c, r) for c, r in unexpected if r.behavior == HARNESS_ERROR]
    passes = [(c, r) for c, r, j in judged if j is Judgement.UNEXPECTED_PASS]
    known = sum(1 for _, _, j in judged if j is Judgement.KNOWN_FAILURE)
    say(
        f"expectations: {len(judged) - len(unexpected) - len(passes)} as "
        f"expected ({known} known failures), {len(failures)} unexpected "
        f"failure(s), {len(passes)} unexpected pass(es)"
    )
    for case, row in failures + harness:
        wanted = "a pass" if row.expected in ("", PASS) else row.expected
        say(f"  UNEXPECTED {row.behavior}: {case} (expected {wanted})")
    for case, row in passes:
        strict = options.strict_expectations
        tag = "UNEXPECTED PASS" if strict else "unexpected pass (update the file)"
        say(f"  {tag}: {case} is {row.behavior}, expected {row.expected}")
    if failures or (options.strict_expectations and passes):
        return int(pytest.ExitCode.TESTS_FAILED)
    if harness:
        return EXIT_HARNESS_ERROR
    return int(pytest.ExitCode.OK)


def update_expectations(target: Path, rows: Mapping[str, CaseRow], say: Say) -> None:
    """Write ``target`` from this run's failures, keeping the reasons (and the entries of cases
    that did not run) of the file already there. A bad file, or one that cannot be written,
    is a ``pytest.UsageError`` naming it."""
    old = None
    if target.exists():
        try:
            old = expectations.load(target)
        except expectations.ExpectationsError as exc:
            raise pytest.UsageError(f"--update-expectations: {exc}") from None
    entries = expectations.updated(old, {c: row.behavior for c, row in rows.items()})
    try:
        target.write_text(expectations.render(entries), "utf-8")
    except expectations.ExpectationsError as exc:
        raise pytest.UsageError(f"--update-expectations {target}: {exc}") from None
    except OSError as exc:
        raise pytest.UsageError(
            f"--update-expectations {target}: cannot write it ({exc})"
        ) from None
    say(f"expectations: wrote {len(entries)} entries to {target}")
