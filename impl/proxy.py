"""The ``proxy`` connect option (API 12): which proxy a connection goes through, and the
``CONNECT`` tunnel to it (RFC 6455 §4.1: a client configured to use a proxy asks it, with
CONNECT, for a TCP connection to the URL's host and port).

``'no-proxy'`` and no option: direct. ``'system'``: the proxy the environment names
(``https_proxy`` for wss://, ``http_proxy`` for ws://, ``no_proxy`` honoured), as this
implementation reads "the system network proxy". ``{host, port, exclusionList, username?,
password?}``: that HTTP proxy, except for hosts the exclusion list matches (the rules of
``@ohos.net.connection`` ``HttpProxy.exclusionList``).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import OTHER_ERROR, BusinessError, parameter_error

MAX_RESPONSE_HEAD = 16 * 1024


@dataclass(frozen=True)
class ProxyChoice:
    """A checked ``proxy`` option: ``kind`` is ``system``, ``no-proxy`` or ``given``."""

    kind: str
    host: str = ""
    port: int = 0
    exclusion_list: tuple[str, ...] = ()
    username: str | None = None
    password: str | None = None


def proxy_choice(value: object) -> ProxyChoice | None:
    """The ``proxy`` option, checked (401 when it is none of the documented forms)."""
    if value is None:
        return None
    if value in ("system", "no-proxy"):
        return ProxyChoice(str(value))
    if not isinstance(value, Mapping):
        raise parameter_error("options.proxy must be 'system', 'no-proxy' or {host, port}")
    host, port = value.get("host"), value.get("port")
    if not isinstance(host, str) or not host or any(c in host for c in "\r\n\0 /"):
        raise parameter_error("options.proxy.host must be a host name or address")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise parameter_error("options.proxy.port must be an integer 1..65535")
    exclusions = value.get("exclusionList", [])
    if exclusions is None:
        exclusions = []
    if not isinstance(exclusions, Sequence) or isinstance(exclusions, str):
        raise parameter_error("options.proxy.exclusionList must be a list of host names")
    if not all(isinstance(e, str) for e in exclusions):
        raise parameter_error("options.proxy.exclusionList must hold strings")
    username, password = value.get("username"), value.get("password")
    for name, item in (("username", username), ("password", password)):
        if item is not None and not isinstance(item, str):
            raise parameter_error(f"options.proxy.{name} must be a string")
    return ProxyChoice("given", host, port, tuple(exclusions), username, password)


def excluded(host: str, exclusion_list: Sequence[str]) -> bool:
    """``HttpProxy.exclusionList``: a lone ``*`` matches every host; otherwise an entry
    matches the host itself or a domain under it (``ample.com``: ``www.ample.com``, not
    ``www.example.com``); case-insensitive; a scheme prefix is ignored."""
    entries = [e.strip().lower() for e in exclusion_list if e.strip()]
    if entries == ["*"]:
        return True
    name = host.strip("[]").lower()
    for entry in entries:
        entry = entry.split("://", 1)[-1].strip("[]")
        if entry and (name == entry or name.endswith("." + entry)):
            return True
    return False


def route(url: str, choice: ProxyChoice | None) -> ProxyChoice | None:
    """The proxy a connection to ``url`` goes through, or None (direct)."""
    if choice is None or choice.kind == "no-proxy":
        return None
    parsed = urllib.parse.urlsplit(url)
    host = parsed.hostname or ""
    if choice.kind == "system":
        return _environment_proxy(parsed.scheme, host)
    return None if excluded(host, choice.exclusion_list) else choice


def _environment_proxy(scheme: str, host: str) -> ProxyChoice | None:
    proxies = urllib.request.getproxies_environment()
    found = proxies.get("https" if scheme == "wss" else "http")
    if not found or excluded(host, proxies.get("no", "").split(",")):
        return None
    parsed = urllib.parse.urlsplit(found if "://" in found else f"http://{found}")
    if not parsed.hostname:
        return None
    return ProxyChoice(
        "given", parsed.hostname, parsed.port or 80, (), parsed.username, parsed.password
    )


async def open_tunnel(proxy: ProxyChoice, host: str, port: int) -> socket.socket:
    """A socket connected to ``proxy`` on which ``CONNECT host:port`` succeeded (2xx);
    BusinessError naming the proxy's answer otherwise."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(proxy.host, proxy.port, type=socket.SOCK_STREAM)
    sock: socket.socket | None = None
    last: OSError | None = None
    for family, kind, proto, _, address in infos:
        candidate = socket.socket(family, kind, proto)
        candidate.setblocking(False)
        try:
            await loop.sock_connect(candidate, address)
        except OSError as exc:
            candidate.close()
            last = exc
            continue
        except BaseException:  # cancelled (the handshake timeout, the case's end)
            candidate.close()
            raise
        sock = candidate
        break
    if sock is None:
        raise BusinessError(
            OTHER_ERROR, f"cannot reach the proxy {proxy.host}:{proxy.port}: {last}"
        )
    try:
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        head = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
        if proxy.username is not None and proxy.password is not None:
            token = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
            head += f"Proxy-Authorization: Basic {token}\r\n"
        await loop.sock_sendall(sock, (head + "\r\n").encode("utf-8"))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk or len(answer) > MAX_RESPONSE_HEAD:
                raise BusinessError(OTHER_ERROR, "the proxy ended the connection or sent garbage")
            answer += chunk
        status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit() or not 200 <= int(parts[1]) < 300:
            raise BusinessError(OTHER_ERROR, f"the proxy refused the tunnel: {status_line!r}")
        if not answer.endswith(b"\r\n\r\n"):
            raise BusinessError(OTHER_ERROR, "the proxy sent bytes after its answer")
    except BaseException:
        sock.close()
        raise
    return sock
