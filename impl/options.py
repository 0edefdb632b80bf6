"""Option objects and their validation: dict or dataclass in, checked plain values out."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CERT_FILE_MISSING, BusinessError, parameter_error
from .proxy import ProxyChoice, proxy_choice

DEFAULT_CLOSE_CODE = 1000
DEFAULT_CLOSE_REASON = ""
MAX_REASON_BYTES = 123  # a close payload holds at most 125 bytes, two of them the code


@dataclass
class WebSocketRequestOptions:
    """``connect`` options: ``header`` holds extra HTTP headers for the opening handshake;
    ``protocol`` (API 12) the subprotocols offered, as the ``Sec-WebSocket-Protocol`` value."""

    header: Mapping[str, str] | None = None
    protocol: str | None = None
    skipServerCertVerification: bool | None = None
    pingInterval: int | None = None
    pongTimeout: int | None = None
    caPath: str | None = None
    clientCert: ClientCert | Mapping[str, str] | None = None
    proxy: str | Mapping[str, Any] | None = None


@dataclass
class ClientCert:
    """API 11 ``clientCert``: the client's certificate and key (PEM files) for mutual TLS;
    ``keyPassword`` when the key is encrypted."""

    certPath: str
    keyPath: str
    keyPassword: str | None = None


@dataclass(frozen=True)
class ClientCertFiles:
    """A checked ``clientCert``: files that exist."""

    cert_path: str
    key_path: str
    key_password: str | None = None


# API 21: keep-alive defaults and bounds (seconds), as @ohos.net.webSocket.d.ts documents them.
DEFAULT_PING_INTERVAL = 30
DEFAULT_PONG_TIMEOUT = 30
MAX_KEEPALIVE = 30000


@dataclass(frozen=True)
class ConnectOptions:
    """What ``connect`` takes from its options, checked: the request headers to add (the
    caller's ``header`` entries, plus ``Sec-WebSocket-Protocol`` for ``protocol``) and the
    subprotocols offered (empty: none)."""

    headers: dict[str, str]
    offered: tuple[str, ...] = ()
    verify_server: bool = True  # False: skipServerCertVerification (API 20)
    ping_interval: int = DEFAULT_PING_INTERVAL  # seconds without traffic before a ping; 0: off
    pong_timeout: int = DEFAULT_PONG_TIMEOUT  # seconds to wait for traffic after a ping
    ca_path: str | None = None  # caPath (API 11): trust the CAs of this PEM file instead
    client_cert: ClientCertFiles | None = None  # clientCert (API 11)
    proxy: ProxyChoice | None = None  # proxy (API 12); None: direct


@dataclass
class WebSocketCloseOptions:
    """``close`` options; absent keys take the documented defaults (1000, "")."""

    code: int | None = None
    reason: str | None = None


def _as_mapping(options: object, cls: type, what: str) -> Mapping[str, Any]:
    if isinstance(options, Mapping):
        return options
    if isinstance(options, cls):
        fields: dict[str, Any] = dataclasses.asdict(options)  # type: ignore[call-overload]
        return fields
    raise parameter_error(f"{what} must be a dict or {cls.__name__}, not {type(options).__name__}")


def _has_control_chars(text: str) -> bool:
    return any(ch in text for ch in "\r\n\0")


def request_headers(options: object) -> dict[str, str]:
    """The headers to send, refusing anything that could forge another header (CN13)."""
    if options is None:
        return {}
    header = _as_mapping(options, WebSocketRequestOptions, "options").get("header")
    if header is None:
        return {}
    if not isinstance(header, Mapping):
        raise parameter_error(f"options.header must be an object, not {type(header).__name__}")
    headers: dict[str, str] = {}
    for name, value in header.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise parameter_error(f"header {name!r}: names and values must be strings")
        if not name or _has_control_chars(name) or _has_control_chars(value):
            raise parameter_error(f"header {name!r}: empty name, or CR, LF or NUL in it")
        headers[name] = value
    return headers


def connect_options(options: object) -> ConnectOptions:
    """``connect``'s options, checked (401 for what could not be sent as given)."""
    headers = request_headers(options)
    if options is None:
        return ConnectOptions(headers)
    values = _as_mapping(options, WebSocketRequestOptions, "options")
    skip = values.get("skipServerCertVerification")
    if skip is not None and not isinstance(skip, bool):
        raise parameter_error("options.skipServerCertVerification must be a boolean")
    ping_interval = _seconds(values, "pingInterval", DEFAULT_PING_INTERVAL)
    pong_timeout = _seconds(values, "pongTimeout", DEFAULT_PONG_TIMEOUT)
    if ping_interval and pong_timeout > ping_interval:
        # The declarations: "pongTimeout must be less than or equal to pingInterval"; the
        # shipped implementation takes pingInterval then, and so does this one.
        pong_timeout = ping_interval
    offered, headers = _subprotocols(values.get("protocol"), headers)
    return ConnectOptions(
        headers,
        offered,
        not skip,
        ping_interval,
        pong_timeout,
        _ca_path(values.get("caPath")),
        _client_cert(values.get("clientCert")),
        proxy_choice(values.get("proxy")),
    )


def _existing_file(path: object, what: str) -> str:
    """``path`` if it names a file; 401 for a non-string, 2302002 for a file that is not there
    (the declarations: "Websocket certificate file does not exist")."""
    if not isinstance(path, str):
        raise parameter_error(f"{what} must be a string, not {type(path).__name__}")
    if not os.path.isfile(path):
        raise BusinessError(CERT_FILE_MISSING, f"{what}: no file {path!r}")
    return path


def _ca_path(value: object) -> str | None:
    if value is None or value == "":  # not set: the default trust store
        return None
    return _existing_file(value, "options.caPath")


def _client_cert(value: object) -> ClientCertFiles | None:
    if value is None:
        return None
    if isinstance(value, ClientCert):
        value = dataclasses.asdict(value)
    if not isinstance(value, Mapping):
        raise parameter_error("options.clientCert must be an object {certPath, keyPath}")
    password = value.get("keyPassword")
    if password is not None and not isinstance(password, str):
        raise parameter_error("options.clientCert.keyPassword must be a string")
    return ClientCertFiles(
        _existing_file(value.get("certPath"), "options.clientCert.certPath"),
        _existing_file(value.get("keyPath"), "options.clientCert.keyPath"),
        password or None,
    )


def _seconds(values: Mapping[str, Any], name: str, default: int) -> int:
    value = values.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_KEEPALIVE:
        raise parameter_error(f"options.{name} must be an integer 0..{MAX_KEEPALIVE} (seconds)")
    return value


def _subprotocols(
    protocol: object, headers: dict[str, str]
) -> tuple[tuple[str, ...], dict[str, str]]:
    """(the subprotocols offered, the headers with ``Sec-WebSocket-Protocol`` for them)."""
    if protocol is None or protocol == "":  # "" is the documented default: none offered
        return (), headers
    if not isinstance(protocol, str):
        raise parameter_error(f"options.protocol must be a string, not {type(protocol).__name__}")
    if _has_control_chars(protocol):
        raise parameter_error("options.protocol: CR, LF or NUL in it")
    offered = tuple(p.strip() for p in protocol.split(",") if p.strip())
    if not offered:
        raise parameter_error(f"options.protocol {protocol!r} names no subprotocol")
    # The caller's own Sec-WebSocket-Protocol entry, if any, gives way to the option.
    headers = {k: v for k, v in headers.items() if k.lower() != "sec-websocket-protocol"}
    headers["Sec-WebSocket-Protocol"] = protocol
    return offered, headers


def subprotocol_error(offered: tuple[str, ...], chosen: list[str]) -> str | None:
    """Why the server's ``Sec-WebSocket-Protocol`` answer fails the connection (RFC 6455
    §4.1: it must be one subprotocol the client offered), or None when it is fine (one of the
    offered ones, or no header: the server declined them all)."""
    if not chosen:
        return None
    if len(chosen) == 1 and chosen[0] in offered:
        return None
    if not offered:
        return f"the server chose subprotocol {', '.join(chosen)!r} though none was offered"
    return f"the server chose subprotocol {', '.join(chosen)!r}, not one of {list(offered)}"


def close_code_allowed(code: int) -> bool:
    """Codes an endpoint may put in a close frame (RFC 6455 §7.4.1–7.4.2)."""
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


def close_arguments(options: object) -> tuple[int, str]:
    """(code, reason) for a close frame; 401 for what RFC 6455 forbids on the wire (CL6)."""
    if options is None:
        return DEFAULT_CLOSE_CODE, DEFAULT_CLOSE_REASON
    values = _as_mapping(options, WebSocketCloseOptions, "options")
    code = values.get("code")
    reason = values.get("reason")
    if code is None:
        code = DEFAULT_CLOSE_CODE
    if reason is None:
        reason = DEFAULT_CLOSE_REASON
    if isinstance(code, bool) or not isinstance(code, int):
        raise parameter_error(f"options.code must be an integer, not {type(code).__name__}")
    if not isinstance(reason, str):
        raise parameter_error(f"options.reason must be a string, not {type(reason).__name__}")
    if not close_code_allowed(code):
        raise parameter_error(f"close code {code} is not allowed on the wire (RFC 6455 §7.4)")
    try:
        reason_bytes = len(reason.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise parameter_error("options.reason is not valid Unicode text") from exc
    if reason_bytes > MAX_REASON_BYTES:
        raise parameter_error(f"close reason is {reason_bytes} UTF-8 bytes, at most 123")
    return code, reason
