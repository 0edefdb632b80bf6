"""Probes the suite runs once per process before the cases that need a driver feature.

A probe proves that what the harness relies on works, so a driver that lacks it makes those
cases ``UNIMPLEMENTED`` (naming the feature and how to upgrade) instead of the
implementation's ``FAILED``. It answers "does the driver do it", never "is the
implementation right": when the implementation itself cannot get as far as the feature (no
``'open'``, no ``'message'``), the probe passes and the cases judge the implementation.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid

from mockserver import MockServer

from .iut import IUT, Subscriber
from .iut.api import DriverBrokeProtocol, IUTCrashed, IUTTimeout
from .iut.features import DOC, lacking

PROBE_TEXT = "echo probe"
PROBE_TIMEOUT = 8.0


def echo_missing(iut: IUT, server: MockServer) -> str | None:
    """None when the driver's ``echo`` subscriber sends a received message back; otherwise
    the line the wire cases' ``UNIMPLEMENTED`` verdict shows."""
    info = iut.info() if iut.driver is not None else None
    if info is not None:
        why = lacking("echo", info.protocol, info.behaviours)
        if why is not None:
            return why
    tag = f"probe-{uuid.uuid4().hex[:12]}"
    route = server.add_script(
        {
            "steps": [
                {"op": "send_text", "data": PROBE_TEXT},
                {"op": "expect", "kind": "text", "timeout_ms": 3000},
                {"op": "close", "code": 1000},
            ]
        }
    )
    url = f"{server.ws_url}{route}?{urllib.parse.urlencode({'tag': tag})}"
    session = iut.session(PROBE_TIMEOUT)
    try:
        sock = session.create()
        session.call(sock, "on", "message", Subscriber("echo", "echo"))
        session.call(sock, "connect", url, promise=True)
        received = session.wait_for(
            lambda e: e["kind"] == "event" and e.get("sub") == "echo", PROBE_TIMEOUT / 2
        )
        if received is None:
            return None  # the implementation never delivered the message: its cases judge it
        left = max(0.1, session.deadline - time.monotonic())
        log = server.wait_done_sync(tag, left)
    except (IUTTimeout, IUTCrashed, DriverBrokeProtocol, NotImplementedError):
        return None  # the implementation's (or driver's) own trouble: the cases judge it
    finally:
        session.close()
    echoed = [m for m in (log or {}).get("messages", []) if m["dir"] == "in"]
    if any(m.get("text") == PROBE_TEXT for m in echoed):
        return None
    return (
        "the driver's 'echo' subscriber delivered the probe message but sent nothing back "
        f'(the wire cases rely on it): see {DOC}, "Argument encoding" (echo)'
    )
