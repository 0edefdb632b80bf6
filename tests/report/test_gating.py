"""Exit codes from verdicts (--fail-on, HARNESS-ERROR) and the verdicts in JUnit, on tiny fake
cases whose properties are written by ``CaseRow``, as the plugin writes them."""

from __future__ import annotations

import pytest

from conformance.gating import EXIT_HARNESS_ERROR

pytest_plugins = ["pytester"]

FAKE_CASES = """
import pytest
from conformance.results import CaseRow

@pytest.mark.parametrize("verdict", {verdicts!r})
def test_fake(request, verdict):
    row = CaseRow(
        case_id="fake." + verdict, behavior=verdict, behaviorClose="OK", duration=1,
        remoteCloseCode=1000, reportfile="x.json", clause=("CL2",), level="MUST",
        area="close", method="close", overload="close()",
    )
    request.node.user_properties.extend(row.as_properties())
"""


@pytest.mark.parametrize(
    ("verdicts", "fail_on", "code"),
    [
        (["OK", "INFORMATIONAL"], "failed", 0),
        (["OK", "NON-STRICT"], "failed", 0),
        (["OK", "NON-STRICT"], "non-strict", 1),
        (["OK", "INFORMATIONAL"], "non-strict", 0),
        (["OK", "FAILED"], "failed", 1),
        (["OK", "HARNESS-ERROR"], "failed", EXIT_HARNESS_ERROR),
        (["FAILED", "HARNESS-ERROR"], "failed", 1),
        (["UNIMPLEMENTED", "OK"], "non-strict", 0),
    ],
)
def test_exit_status_follows_the_verdicts(
    pytester: pytest.Pytester, verdicts: list[str], fail_on: str, code: int
) -> None:
    pytester.makepyfile(FAKE_CASES.format(verdicts=verdicts))
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--fail-on", fail_on, "--junitxml", "junit.xml"
    )
    assert result.ret == code
    junit = (pytester.path / "junit.xml").read_text()
    for verdict in verdicts:
        assert f'<property name="behavior" value="{verdict}"' in junit


def test_an_unknown_clause_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--clause", "XX9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no such clause" in "\n".join(result.errlines + result.outlines)
