"""Autobahn's verdict words, and how checks combine into one."""

from __future__ import annotations

OK = "OK"
NON_STRICT = "NON-STRICT"
INFORMATIONAL = "INFORMATIONAL"
UNIMPLEMENTED = "UNIMPLEMENTED"
FAILED = "FAILED"
# Not a verdict on the implementation: the case itself (or the suite) broke, so it judged
# nothing. Reported apart (own colour, column, count and exit code), never as FAILED.
HARNESS_ERROR = "HARNESS-ERROR"

SEVERITY = {OK: 0, INFORMATIONAL: 1, UNIMPLEMENTED: 2, NON_STRICT: 3, FAILED: 4}
FOR_LEVEL = {"MUST": FAILED, "SHOULD": NON_STRICT, "INFO": INFORMATIONAL}


PASSING = (OK, INFORMATIONAL, UNIMPLEMENTED)  # what "expected to pass" accepts


def meets(verdict: str, expected: str) -> bool:
    """``verdict`` is what an expectation asked: that verdict, or any passing one for "pass"."""
    return verdict in PASSING if expected == "pass" else verdict == expected


def check_verdict(level: str, passed: bool) -> str:
    """A failed MUST is FAILED, a failed SHOULD NON-STRICT; an INFO check is always shown."""
    if level == "INFO":
        return INFORMATIONAL
    return OK if passed else FOR_LEVEL[level]


def worst(verdicts: list[str], default: str = OK) -> str:
    return max(verdicts, key=SEVERITY.__getitem__, default=default)
