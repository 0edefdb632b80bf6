"""A realistic report root built by hand: every verdict, several areas, two agents, frames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.results import report_filename

VERDICTS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
AREAS = ["connect", "send", "close", "events", "protocol"]


def write_agent(root: Path, agent: str, cases: dict[str, str]) -> Path:
    directory = root / agent
    directory.mkdir(parents=True)
    index = {}
    for case_id, verdict in cases.items():
        area = case_id.split(".")[0]
        reportfile = report_filename(agent, case_id)
        index[case_id] = {
            "behavior": verdict,
            "behaviorClose": "OK",
            "duration": 12,
            "remoteCloseCode": 1000,
            "reportfile": reportfile,
            "clause": ["CL2"],
            "level": "MUST",
            "area": area,
            "method": "close",
            "overload": "close(options?): Promise",
        }
        detail = {
            "agent": agent,
            "id": case_id,
            "area": area,
            "method": "close",
            "overload": "close(options?): Promise",
            "description": "a <b>case</b>",
            "expectation": "payload 03 E8",
            "clauses": [{"id": "CL2", "level": "MUST", "text": "Defaults are code 1000"}],
            "behavior": verdict,
            "behaviorClose": "OK",
            "duration": 12,
            "remoteCloseCode": 1000,
            "checks": [
                {
                    "clause": "CL2",
                    "level": "MUST",
                    "passed": verdict == "OK",
                    "verdict": verdict,
                    "what": "close payload",
                    "expected": "03e8",
                    "observed": "<script>alert(1)</script>",
                }
            ],
            "trace": [
                {"t": 0.001, "kind": "call", "method": "connect", "args": ["ws://x"]},
                {
                    "t": 0.002,
                    "kind": "event",
                    "type": "message",
                    "err": None,
                    "value": {"text": "<script>boom()</script>"},
                },
            ],
            "wirelog": [
                {
                    "id": "1",
                    "route": "/echo",
                    "frames": [
                        {
                            "t": 0.001,
                            "dir": "in",
                            "opcode": 1,
                            "fin": True,
                            "masked": True,
                            "length": 5,
                            "text": "<img src=x onerror=alert(1)>",
                            "b64": None,
                        },
                        {
                            "t": 0.002,
                            "dir": "out",
                            "opcode": 2,
                            "fin": True,
                            "masked": False,
                            "length": 3,
                            "text": None,
                            "b64": "AAEC",
                        },
                        {
                            "t": 0.003,
                            "dir": "in",
                            "opcode": 8,
                            "fin": True,
                            "masked": True,
                            "length": 2,
                            "text": "",
                            "b64": None,
                        },
                    ],
                    "close": {
                        "in": {"code": 1000, "reason": "", "payload_hex": "03e8"},
                        "out": None,
                        "first": "client",
                    },
                    "tcp": {"ended_by": "client"},
                    "notes": [],
                }
            ],
            "harness_error": None,
        }
        (directory / reportfile).write_text(json.dumps(detail), "utf-8")
    (directory / "index.json").write_text(json.dumps({agent: index}), "utf-8")
    return directory


@pytest.fixture
def report_root(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    cases = {
        f"{area}.case[{i}]": VERDICTS[(i + j) % 5] for j, area in enumerate(AREAS) for i in range(5)
    }
    write_agent(root, "alpha", cases)
    fewer = dict(list(cases.items())[:-3])  # beta misses three cases: MISSING cells
    write_agent(root, "beta", {k: "OK" for k in fewer})
    return root
