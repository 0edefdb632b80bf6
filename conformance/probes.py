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

from . import apifeatures
from .iut import IUT, Subscriber
from .iut.api import DriverBrokeProtocol, IUTCrashed, IUTTimeout
from .iut.features import DOC, lacking

PROBE_TEXT = "echo probe"
DIRECT_TEXT = "direct probe"
PROBE_TIMEOUT = 8.0


def echo_missing(iut: IUT, server: MockServer) -> str | None:
    """None when the driver's ``echo`` subscriber sends a received message back (or when the
    implementation's own ``send`` is what does not work: its cases judge that); otherwise the
    line the wire cases' ``UNIMPLEMENTED`` verdict shows. In-process the executor is the
    suite's own, so only drivers are probed."""
    if iut.driver is None:
        return None
    info = iut.info()
    why = lacking("echo", info.protocol, info.behaviours)
    if why is not None:
        return why
    tag = f"probe-{uuid.uuid4().hex[:12]}"
    expect = {"op": "expect", "kind": "text", "timeout_ms": 2000}
    route = server.add_script(
        {"steps": [{"op": "send_text", "data": PROBE_TEXT}, expect, expect, {"op": "close"}]}
    )
    url = f"{server.ws_url}{route}?{urllib.parse.urlencode({'tag': tag})}"
    session = iut.session(PROBE_TIMEOUT)
    try:
        sock = session.create()
        session.call(sock, "on", "message", Subscriber("echo", "echo"))
        session.call(sock, "connect", url, promise=True)
        received = session.wait_for(
            lambda e: e.kind == "event" and e.sub == "echo", PROBE_TIMEOUT / 4
        )
        if received is None:
            return None  # the implementation never delivered the message: its cases judge it
        if _arrives(server, tag, PROBE_TEXT, 1.5):
            return None
        # No echo. Is it the driver's echo, or the implementation's send? Send directly.
        session.call(sock, "send", DIRECT_TEXT, promise=True)
        if not _arrives(server, tag, DIRECT_TEXT, 1.5):
            return None  # the implementation's send puts nothing on the wire: SD1 and co.
    except (IUTTimeout, IUTCrashed, DriverBrokeProtocol, NotImplementedError):
        return None  # the implementation's (or driver's) own trouble: the cases judge it
    finally:
        session.close()
    return (
        "the driver's 'echo' subscriber sends nothing back, though the implementation's send "
        f'works (the wire cases rely on echo): see {DOC}, "Argument encoding" (echo)'
    )


def _arrives(server: MockServer, tag: str, text: str, timeout: float) -> bool:
    """Whether the server got ``text`` from the connection tagged ``tag`` within ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        got = [m.payload.text for log in server.wirelog.entries(tag) for m in log.messages_of("in")]
        if text in got:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)


def run_probe(need: str, iut: IUT, server: MockServer) -> str | None:
    """The probe for a case marker's ``needs`` entry: a driver feature (``echo``) or an API
    feature of the later versions (``api:<name>``, conformance/apifeatures.py). None when the
    IUT offers it; else the UNIMPLEMENTED line."""
    if need.startswith(apifeatures.NEED_PREFIX):
        return apifeatures.missing(iut, server, need)
    return PROBES[need](iut, server)


PROBES = {"echo": echo_missing}
