"""Exit codes from verdicts (--fail-on) and the verdicts in JUnit, on tiny fake cases."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

FAKE_CASES = """
import pytest

@pytest.mark.parametrize("verdict", {verdicts!r})
def test_fake(request, verdict):
    request.node.user_properties.extend([
        ("case_id", "fake." + verdict), ("verdict", verdict), ("verdict_close", "OK"),
        ("clauses", "CL2"), ("level", "MUST"), ("area", "close"), ("method", "close"),
        ("overload", "close()"), ("reportfile", "x.json"), ("duration_ms", 1),
        ("remote_close_code", 1000)])
"""


@pytest.mark.parametrize(
    ("verdicts", "fail_on", "code"),
    [
        (["OK", "INFORMATIONAL"], "failed", 0),
        (["OK", "NON-STRICT"], "failed", 0),
        (["OK", "NON-STRICT"], "non-strict", 1),
        (["OK", "INFORMATIONAL"], "non-strict", 0),
    ],
)
def test_fail_on(pytester: pytest.Pytester, verdicts: list[str], fail_on: str, code: int) -> None:
    pytester.makepyfile(FAKE_CASES.format(verdicts=verdicts))
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--fail-on", fail_on, "--junitxml", "junit.xml"
    )
    assert result.ret == code
    junit = (pytester.path / "junit.xml").read_text()
    for verdict in verdicts:
        assert f'<property name="verdict" value="{verdict}"' in junit
