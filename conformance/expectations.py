"""Known-failure expectations: a small, human-edited TOML file a port team commits, so that CI
gates on "nothing got worse" from day one (docs/conformance.md, "Expectations").

```toml
[[expect]]
case = "wire.autobahn[6.4.1]"   # a case id, or a pattern with * and ?
verdict = "NON-STRICT"
reason = "ws validates UTF-8 at the end of a message; https://bugs.example/123"
```

Every entry needs ``case``, ``verdict`` and a non-empty ``reason`` (why, or a bug link). A
case's expected verdict comes from the entry naming it exactly, else from the first pattern
that matches it; a case no entry names is expected to pass (OK, INFORMATIONAL or
UNIMPLEMENTED). Reading is pure (``load``/``parse`` raise ``ExpectationsError`` with one line
that says what to mend); ``render`` writes a file back from entries.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from .verdicts import FAILING, PASS, PASSING, Judgement, Verdict, judge
from .wire.catalogue import renamed_to

KNOWN: tuple[str, ...] = tuple(v.value for v in PASSING + FAILING)
PATTERN_CHARS = "*?"  # brackets are literal: case ids hold them (``send.payload[promise-1MiB]``)


class ExpectationsError(Exception):
    """The file cannot be used; the message names the file, the entry and the mend."""


@dataclass(frozen=True)
class Expectation:
    case: str
    verdict: Verdict
    reason: str

    @property
    def is_pattern(self) -> bool:
        return any(ch in self.case for ch in PATTERN_CHARS)


@dataclass(frozen=True)
class Outcome:
    """How one case came out against the file."""

    case: str
    verdict: Verdict
    expected: Verdict | None  # the expected verdict (None: "passes")
    reason: str | None

    @property
    def expected_word(self) -> str:
        """What the row's ``expected`` field says: the verdict, or "pass"."""
        return PASS if self.expected is None else self.expected.value

    @property
    def judgement(self) -> Judgement:
        return judge(self.verdict, self.expected_word)

    @property
    def as_expected(self) -> bool:
        return self.judgement.as_expected

    @property
    def unexpected_failure(self) -> bool:
        return self.judgement is Judgement.UNEXPECTED_FAILURE

    @property
    def unexpected_pass(self) -> bool:
        return self.judgement is Judgement.UNEXPECTED_PASS


class Expectations:
    """The entries of one file, answering "what is expected of this case"."""

    def __init__(self, entries: list[Expectation]) -> None:
        self.entries = entries
        self._exact = {e.case: e for e in entries if not e.is_pattern}
        self._patterns = [e for e in entries if e.is_pattern]

    def entry_for(self, case_id: str) -> Expectation | None:
        exact = self._exact.get(case_id)
        if exact is not None:
            return exact
        return next((e for e in self._patterns if matches(case_id, e.case)), None)

    def judge(self, case_id: str, verdict: Verdict) -> Outcome:
        """How ``case_id`` came out against the file: called once per case, by the run
        (``conformance.run``), which records the answer in the case's row."""
        entry = self.entry_for(case_id)
        if entry is None:
            return Outcome(case_id, verdict, None, None)
        return Outcome(case_id, verdict, entry.verdict, entry.reason)


EXPECTATIONS_KEY = pytest.StashKey[Expectations]()


def matches(case_id: str, pattern: str) -> bool:
    """``*`` any run of characters, ``?`` one; everything else literal.

    Matched without a regular expression and without backtracking: one pass over the case id
    that only ever returns to the last ``*`` seen, so the time is at most
    len(case_id) x len(pattern) whatever the pattern (``****************X`` included)."""
    text, i, p = case_id, 0, 0
    star, resume = -1, 0  # the last '*' in the pattern, and where the text resumes after it
    while i < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, resume = p, i
            p += 1
        elif p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[i]):
            i += 1
            p += 1
        elif star >= 0:  # let the last '*' take one more character, and retry after it
            resume += 1
            i, p = resume, star + 1
        else:
            return False
    return all(ch == "*" for ch in pattern[p:])


def parse(text: str, source: str = "expectations") -> Expectations:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExpectationsError(
            f"{source}: not valid TOML ({exc}); see docs/conformance.md"
        ) from None
    unknown = set(document) - {"expect"}
    if unknown:
        raise ExpectationsError(
            f"{source}: unknown table(s) {sorted(unknown)}; only [[expect]] entries belong here"
        )
    raw = document.get("expect", [])
    if not isinstance(raw, list):
        raise ExpectationsError(f"{source}: 'expect' must be [[expect]] entries")
    entries: list[Expectation] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, 1):
        where = f"{source}: entry {number}"
        if not isinstance(item, dict):
            raise ExpectationsError(f"{where} is not a table")
        extra = set(item) - {"case", "verdict", "reason"}
        if extra:
            raise ExpectationsError(f"{where}: unknown key(s) {sorted(extra)}")
        case, verdict, reason = item.get("case"), item.get("verdict"), item.get("reason")
        if not isinstance(case, str) or not case.strip():
            raise ExpectationsError(f"{where}: 'case' must be a case id or pattern")
        if verdict not in KNOWN:
            raise ExpectationsError(f"{where} ({case}): 'verdict' must be one of {list(KNOWN)}")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(
                f"{where} ({case}): 'reason' must say why (or link a bug); it may not be empty"
            )
        if case in seen:
            raise ExpectationsError(f"{where}: {case!r} is listed twice; keep one entry")
        if renamed_to(case) is not None:  # never matched again: a silent drop otherwise
            raise ExpectationsError(
                f"{where}: {case!r} names a case renamed to {renamed_to(case)!r} "
                '(docs/wire-cases.md, "Renamed case ids"); rename the entry and check its verdict'
            )
        seen.add(case)
        entries.append(Expectation(case, Verdict(verdict), reason.strip()))
    return Expectations(entries)


def load(path: Path) -> Expectations:
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise ExpectationsError(
            f"--expectations {path}: cannot read it ({exc.strerror or exc}); give an existing "
            "file, or write one with --update-expectations"
        ) from None
    except UnicodeDecodeError:
        raise ExpectationsError(f"--expectations {path}: not UTF-8 text") from None
    return parse(text, str(path))


def updated(old: Expectations | None, verdicts: dict[str, Verdict]) -> list[Expectation]:
    """The entries a file should hold after a run: every failing case, its reason kept.

    Only the cases that ran are judged (a selection never loses the other entries): an entry
    none of whose cases ran stays as it is. A pattern entry that some case of the run matches
    stays while a failing case matches it with its verdict; an exact entry stays (with its
    reason) when its case still fails, with the verdict seen now; a new failure gets a reason
    to be filled in.
    """
    entries: list[Expectation] = []
    covered: set[str] = set()
    for entry in old.entries if old else []:
        if not entry.is_pattern:
            if entry.case not in verdicts:  # did not run: nothing to say about it
                entries.append(entry)
            continue
        ran = [c for c in verdicts if matches(c, entry.case)]
        matched = [c for c in ran if verdicts[c] == entry.verdict]
        if matched or not ran:
            entries.append(entry)
            covered.update(matched)
    for case_id in sorted(verdicts):
        verdict = Verdict(verdicts[case_id])
        if verdict not in FAILING or case_id in covered:
            continue
        previous = old.entry_for(case_id) if old else None
        reason = (
            previous.reason
            if previous is not None and not previous.is_pattern
            else "TODO: say why this case fails, or link a bug"
        )
        entries.append(Expectation(case_id, verdict, reason))
    return entries


def render(entries: list[Expectation]) -> str:
    """The file for ``entries``: ``parse(render(e)).entries == e`` for any entries ``parse``
    accepts (every string escaped as TOML must have it). A string that is not Unicode text
    (a lone surrogate) cannot be written: ExpectationsError."""
    lines = [
        "# Known conformance outcomes of this implementation (docs/conformance.md,",
        '# "Expectations"). A case not listed here is expected to pass.',
    ]
    for entry in entries:
        lines += [
            "",
            "[[expect]]",
            f"case = {_toml_string(entry.case)}",
            f"verdict = {_toml_string(entry.verdict)}",
            f"reason = {_toml_string(entry.reason)}",
        ]
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    """A TOML basic string holding ``text`` exactly: backslash, quote and every control
    character (U+0000..U+001F, U+007F, which TOML forbids raw; tab too) escaped."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            raise ExpectationsError(
                f"cannot write {text[:60]!r}: it holds a lone surrogate (not Unicode text)"
            )
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
