"""The optional features of the later API versions (API 11–21), and how the suite learns
whether an implementation under test has them.

An implementation written to API 8 lacks them, and that is no failure: the cases on them are
``UNIMPLEMENTED``. The suite learns what an implementation offers in one of two ways:

- declared: the driver's ``hello`` lists ``api_features`` (names of ``FEATURES``) or gives
  an ``api_level`` (every feature added up to that API version); a Python module declares
  ``API_FEATURES`` (a tuple of names) or ``API_LEVEL``. A declared feature is judged in full:
  a feature that does not work is ``FAILED``. An undeclared one is ``UNIMPLEMENTED``.
- detected, when nothing is declared: once per process a probe looks for a sign of the
  feature (``on('dataEnd')`` refused with 401 or never called; the ``protocol`` option not on
  the wire ...). No sign: ``UNIMPLEMENTED``. Some sign: the cases judge it in full. When the
  implementation cannot even open a connection, the probe passes and the cases judge that.

A case asks for a feature with ``needs=("api:<name>",)`` in its ``case`` marker.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockserver import MockServer
from mockserver.records import ConnectionEntry

from .iut import IUT, Session, Subscriber, TraceEntry
from .iut.api import DriverBrokeProtocol, IUTCrashed, IUTTimeout
from .iut.hello import DriverInfo

SDK = "interface_sdk-js api/@ohos.net.webSocket.d.ts"
NEED_PREFIX = "api:"
PROBE_TIMEOUT = 8.0
PROBE_OPEN_WAIT = 3.0


@dataclass(frozen=True)
class ApiFeature:
    """One optional member of the API: what it is called in the declarations, and since when."""

    name: str
    member: str
    since: int

    def lacking(self, how: str) -> str:
        """The line an UNIMPLEMENTED verdict shows."""
        return (
            f"the implementation lacks {self.member} (API {self.since}, {SDK}): {how}; an "
            f"implementation that has it declares {self.name!r} in hello's api_features "
            "(docs/driver-protocol.md, hello) or API_FEATURES in a Python module"
        )


FEATURES: dict[str, ApiFeature] = {
    f.name: f
    for f in (
        ApiFeature("dataEnd", "on('dataEnd')", 11),
        ApiFeature("headerReceive", "on('headerReceive')", 12),
        ApiFeature("protocol", "WebSocketRequestOptions.protocol", 12),
        ApiFeature(
            "skipServerCertVerification", "WebSocketRequestOptions.skipServerCertVerification", 20
        ),
        ApiFeature("pingInterval", "WebSocketRequestOptions.pingInterval/pongTimeout", 21),
        ApiFeature("caPath", "WebSocketRequestOptions.caPath", 11),
        ApiFeature("clientCert", "WebSocketRequestOptions.clientCert", 11),
        ApiFeature("proxy", "WebSocketRequestOptions.proxy", 12),
    )
}


def need(name: str) -> str:
    """The ``needs`` entry of a case marker for API feature ``name``."""
    if name not in FEATURES:
        raise KeyError(f"no API feature {name!r}; known: {', '.join(FEATURES)}")
    return NEED_PREFIX + name


def declared(info: DriverInfo, name: str) -> bool | None:
    """True/False when the IUT declares what it offers (``api_features`` or ``api_level``),
    None when it declares nothing (the suite then detects)."""
    if info.api_features is None and info.api_level is None:
        return None
    feature = FEATURES[name]
    return name in (info.api_features or ()) or (
        info.api_level is not None and feature.since <= info.api_level
    )


def missing(iut: IUT, server: MockServer, need_name: str) -> str | None:
    """None when the IUT offers the feature (declared, or detected); else the UNIMPLEMENTED
    line. ``need_name`` is ``api:<name>``."""
    feature = FEATURES[need_name.removeprefix(NEED_PREFIX)]
    try:
        info = iut.info()
    except (IUTTimeout, IUTCrashed):
        return None  # a driver that cannot say hello fails its cases
    said = declared(info, feature.name)
    if said is True:
        return None
    if said is False:
        return feature.lacking("not declared in hello's api_features or api_level")
    try:
        return DETECT[feature.name](iut, server, feature)
    except (IUTTimeout, IUTCrashed, DriverBrokeProtocol):
        return None  # the implementation's (or driver's) own trouble: the cases judge it


# -- detection (nothing declared) -------------------------------------------------------------


@dataclass
class Probe:
    """One probe connection: a session with one socket, and the server's tag for it."""

    session: Session
    sock: str
    tag: str

    def url(self, server: MockServer, route: str) -> str:
        return f"{server.ws_url}{route}?{urllib.parse.urlencode({'tag': self.tag})}"

    def event(self, event_type: str, timeout: float) -> TraceEntry | None:
        return self.session.wait_for(
            lambda e: e.kind == "event" and e.type == event_type and e.sub == "p",
            timeout,
        )

    def opened(self) -> bool:
        return self.event("open", PROBE_OPEN_WAIT) is not None


def _probe(iut: IUT, body: Callable[[Probe], str | None]) -> str | None:
    session = iut.session(PROBE_TIMEOUT)
    try:
        probe = Probe(session, session.create(), f"probe-{uuid.uuid4().hex[:12]}")
        session.call(probe.sock, "on", "open", Subscriber("p"))
        return body(probe)
    except NotImplementedError:
        return None
    finally:
        session.close()


def _subscribe(probe: Probe, event_type: str, feature: ApiFeature) -> str | None:
    """Subscribe the probe's recorder to ``event_type``; the lacking line if ``on`` refuses."""
    outcome = probe.session.call(probe.sock, "on", event_type, Subscriber("p"))
    if outcome.raised is not None:
        code = outcome.raised.get("code")
        return feature.lacking(f"on('{event_type}') raised (code {code!r})")
    return None


def _detect_data_end(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    route = server.add_script({"steps": [{"op": "send_text", "data": "probe"}, {"op": "echo"}]})

    def body(probe: Probe) -> str | None:
        refused = _subscribe(probe, "dataEnd", feature)
        if refused:
            return refused
        probe.session.call(probe.sock, "connect", probe.url(server, route), promise=True)
        if not probe.opened():
            return None  # no connection at all: the cases judge that
        if probe.event("dataEnd", 2.0) is None:
            return feature.lacking("no 'dataEnd' after a complete message")
        return None

    return _probe(iut, body)


def _detect_header_receive(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    def body(probe: Probe) -> str | None:
        refused = _subscribe(probe, "headerReceive", feature)
        if refused:
            return refused
        probe.session.call(probe.sock, "connect", probe.url(server, "/echo"), promise=True)
        if not probe.opened():
            return None
        got = probe.event("headerReceive", 0.5)
        if got is None:
            return feature.lacking("no 'headerReceive' before 'open'")
        if got.value_object().get("kind") != "headers":
            return feature.lacking(
                "'headerReceive' came without a header object the driver could describe "
                "(a driver describes it as HEADERS, docs/driver-protocol.md)"
            )
        return None

    return _probe(iut, body)


def _detect_protocol(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    def body(probe: Probe) -> str | None:
        options = {"protocol": "probe"}
        url = probe.url(server, "/echo")
        outcome = probe.session.call(probe.sock, "connect", url, options, promise=True)
        if outcome.raised is not None:
            return feature.lacking("connect with a protocol option raised")
        settled = probe.session.result(outcome, PROBE_OPEN_WAIT)
        if settled is not None and settled.err is not None:
            code = settled.err_object().get("code")
            if code == 401:
                return feature.lacking("connect with a protocol option failed with 401")
        if not probe.opened():
            return None
        log = _server_log(server, probe.tag)
        headers = () if log is None or log.handshake is None else log.handshake.headers
        sent = [value for name, value in headers if name.lower() == "sec-websocket-protocol"]
        if log is not None and not sent:
            return feature.lacking("the protocol option did not reach the wire")
        return None

    return _probe(iut, body)


def _detect_ping_interval(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    route = server.add_script({"steps": [{"op": "wait_close", "ms": 3000}]})

    def body(probe: Probe) -> str | None:
        options = {"pingInterval": 1, "pongTimeout": 1}
        url = probe.url(server, route)
        outcome = probe.session.call(probe.sock, "connect", url, options, promise=True)
        if outcome.raised is not None:
            return feature.lacking("connect with a pingInterval option raised")
        if not probe.opened():
            return None
        probe.session.quiet(2.2)
        log = _server_log(server, probe.tag)
        pings = [f for f in (() if log is None else log.frames_of("in")) if f.opcode == 9]
        if log is not None and not pings:
            return feature.lacking("no ping within 2 s with pingInterval 1")
        return None

    return _probe(iut, body)


def _detect_skip_verification(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    base = server.tls_failure_urls.get("unknown-ca")
    if base is None:
        return None  # no TLS listeners: the cases cannot run either way

    def body(probe: Probe) -> str | None:
        url = f"{base}/echo?{urllib.parse.urlencode({'tag': probe.tag})}"
        options = {"skipServerCertVerification": True}
        outcome = probe.session.call(probe.sock, "connect", url, options, promise=True)
        if outcome.raised is not None:
            return feature.lacking("connect with skipServerCertVerification raised")
        if probe.opened():
            return None
        return feature.lacking("a certificate of an unknown CA was still refused")

    return _probe(iut, body)


def client_cert_option(server: MockServer, kind: str) -> dict[str, str]:
    """The API's ``clientCert`` for one of the mock server's client certificates."""
    files = server.client_certs[kind]
    option = {"certPath": str(files.cert_path), "keyPath": str(files.key_path)}
    if files.key_password is not None:
        option["keyPassword"] = files.key_password
    return option


def _detect_tls_option(
    base: str | None, options: dict[str, Any], feature: ApiFeature, iut: IUT
) -> str | None:
    """Connect with ``options`` to the listener at ``base``, which only an implementation
    that applies them can reach: 'open' means the feature is there."""
    if base is None:
        return None  # no TLS listeners: the cases cannot run either way

    def body(probe: Probe) -> str | None:
        url = f"{base}/echo?{urllib.parse.urlencode({'tag': probe.tag})}"
        outcome = probe.session.call(probe.sock, "connect", url, options, promise=True)
        if outcome.raised is not None:
            return feature.lacking(f"connect with {feature.name} raised")
        if probe.opened():
            return None
        return feature.lacking(f"a server reached only with {feature.name} was not reached")

    return _probe(iut, body)


def _detect_ca_path(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    options = {"caPath": str(server.private_ca_file)}
    return _detect_tls_option(server.private_wss_url, options, feature, iut)


def _detect_client_cert(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    if not server.client_certs:
        return None
    options = {"clientCert": client_cert_option(server, "valid")}
    return _detect_tls_option(server.mtls_url, options, feature, iut)


def _detect_proxy(iut: IUT, server: MockServer, feature: ApiFeature) -> str | None:
    http_proxy = server.proxy
    if http_proxy is None:
        return None  # no proxy: the cases cannot run either way

    def body(probe: Probe) -> str | None:
        before = len(http_proxy.log)
        options = {"proxy": {"host": "127.0.0.1", "port": http_proxy.port, "exclusionList": []}}
        url = probe.url(server, "/echo")
        outcome = probe.session.call(probe.sock, "connect", url, options, promise=True)
        if outcome.raised is not None:
            return feature.lacking("connect with a proxy option raised")
        if not probe.opened():
            return None
        if len(http_proxy.log) == before:
            return feature.lacking("the connection did not go through the proxy it named")
        return None

    return _probe(iut, body)


def _server_log(server: MockServer, tag: str, timeout: float = 2.0) -> ConnectionEntry | None:
    """The first connection tagged ``tag`` once its handshake is logged; None on timeout."""
    end = time.monotonic() + timeout
    while True:
        logs = server.wirelog.entries(tag)
        if logs and logs[0].handshake is not None:
            return logs[0]
        if time.monotonic() >= end:
            return None
        time.sleep(0.02)


DETECT: dict[str, Callable[[IUT, MockServer, ApiFeature], str | None]] = {
    "dataEnd": _detect_data_end,
    "headerReceive": _detect_header_receive,
    "protocol": _detect_protocol,
    "skipServerCertVerification": _detect_skip_verification,
    "pingInterval": _detect_ping_interval,
    "caPath": _detect_ca_path,
    "clientCert": _detect_client_cert,
    "proxy": _detect_proxy,
}
