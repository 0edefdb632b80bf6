"""Every mistake a person can make on the command line is one line naming it (exit 4, pytest's
usage error), before any case runs: the items of the hostile-input issue, checked."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def one_line_error(result: pytest.RunResult) -> str:
    lines = [line for line in result.errlines + result.outlines if line.strip()]
    text = "\n".join(lines)
    assert "Traceback" not in text and "INTERNALERROR" not in text, text
    errors = [line for line in lines if "error" in line.lower() and "usage:" not in line]
    assert errors, text
    return errors[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--iut", "cmd:/no/such/driver-program"], "no program"),
        (["--iut", "cmd:"], "names no command"),
        (["--iut", "cmd:'unbalanced"], "quot"),
        (["--case-timeout", "inf"], "positive number of seconds"),
        (["--case-timeout", "nan"], "positive number of seconds"),
        (["--case-timeout", "-1"], "positive number of seconds"),
        (["--clause", "XX9"], "no such clause"),
        (["--agent", ""], "agent name"),
        (["--agent", "x" * 500], "agent name"),
        (["--case-timeout", "1e308"], "positive number of seconds up to"),
        (["--close-timeout", "9" * 401], "positive number of seconds up to"),
        (["--agent", "a\nb"], "control characters"),
        (["--agent", "a\x7fb"], "control characters"),
    ],
)
def test_a_bad_option_is_one_line(pytester: pytest.Pytester, args: list[str], words: str) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert words in one_line_error(result)


def test_an_unwritable_report_dir_is_one_line(pytester: pytest.Pytester, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--report-dir", str(blocker / "sub"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = one_line_error(result)
    assert "--report-dir" in line and "cannot be written" in line
