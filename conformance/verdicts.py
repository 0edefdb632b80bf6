"""Autobahn's verdict words, how checks combine into one, and what "as expected" means.

The words are listed once, in ``Verdict``; every other module (the plugin, gating, the report,
expectations) takes them from here. ``Verdict`` is a ``StrEnum``: a member *is* its word, so it
goes into JSON, pytest properties and HTML as the word and compares equal to it.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class Verdict(StrEnum):
    """A case's (or a check's) verdict, in the order reports list them."""

    OK = "OK"
    NON_STRICT = "NON-STRICT"
    INFORMATIONAL = "INFORMATIONAL"
    UNIMPLEMENTED = "UNIMPLEMENTED"
    FAILED = "FAILED"
    # Not a verdict on the implementation: the case itself (or the suite) broke, so it judged
    # nothing. Reported apart (own colour, column, count and exit code), never as FAILED.
    HARNESS_ERROR = "HARNESS-ERROR"

    @classmethod
    def parse(cls, word: object) -> Verdict | None:
        """The verdict a word names, or None for anything else (a reader then says what is
        wrong with its input: this function never raises)."""
        try:
            return cls(str(word)) if isinstance(word, str) else None
        except ValueError:
            return None

    @property
    def passing(self) -> bool:
        """What "expected to pass" accepts: OK, INFORMATIONAL, UNIMPLEMENTED."""
        return self in PASSING

    @property
    def failing(self) -> bool:
        """NON-STRICT, FAILED, HARNESS-ERROR: what an expectations file may list as known."""
        return not self.passing


# Aliases, so ``from .verdicts import FAILED`` reads as it always did.
OK = Verdict.OK
NON_STRICT = Verdict.NON_STRICT
INFORMATIONAL = Verdict.INFORMATIONAL
UNIMPLEMENTED = Verdict.UNIMPLEMENTED
FAILED = Verdict.FAILED
HARNESS_ERROR = Verdict.HARNESS_ERROR

WORDS: tuple[str, ...] = tuple(v.value for v in Verdict)  # every word, in report order
SEVERITY = {OK: 0, INFORMATIONAL: 1, UNIMPLEMENTED: 2, NON_STRICT: 3, FAILED: 4}
FOR_LEVEL = {"MUST": FAILED, "SHOULD": NON_STRICT, "INFO": INFORMATIONAL}
PASSING = (OK, INFORMATIONAL, UNIMPLEMENTED)  # what "expected to pass" accepts
FAILING = (NON_STRICT, FAILED, HARNESS_ERROR)
PASS = "pass"  # an expectation's word for "any passing verdict"


class Judgement(Enum):
    """How one verdict came out against what was expected of it (see ``judge``)."""

    AS_EXPECTED = "as expected"  # a pass where a pass was expected
    KNOWN_FAILURE = "known failure"  # the failing verdict an expectation names
    UNEXPECTED_FAILURE = "unexpected failure"
    UNEXPECTED_PASS = "unexpected pass"

    @property
    def as_expected(self) -> bool:
        return self in (Judgement.AS_EXPECTED, Judgement.KNOWN_FAILURE)


def meets(verdict: str, expected: str) -> bool:
    """``verdict`` is what an expectation asked: that verdict, or any passing one for "pass".

    The one place "as expected" is decided: the plugin (xfail), gating (the exit status) and
    the report (counts, HTML) all ask this function, directly or through ``judge``."""
    return verdict in PASSING if expected == PASS else verdict == expected


def judge(verdict: str, expected: str) -> Judgement:
    """Where ``verdict`` stands against ``expected`` (a verdict word, or "pass")."""
    if meets(verdict, expected):
        return Judgement.AS_EXPECTED if verdict in PASSING else Judgement.KNOWN_FAILURE
    return Judgement.UNEXPECTED_PASS if verdict in PASSING else Judgement.UNEXPECTED_FAILURE


def check_verdict(level: str, passed: bool) -> Verdict:
    """A failed MUST is FAILED, a failed SHOULD NON-STRICT; an INFO check is always shown."""
    if level == "INFO":
        return INFORMATIONAL
    return OK if passed else FOR_LEVEL[level]


def worst(verdicts: list[Verdict], default: Verdict = OK) -> Verdict:
    return max(verdicts, key=SEVERITY.__getitem__, default=default)
