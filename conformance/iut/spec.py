"""What ``--iut`` names: a Python module (run in-process) or a driver (``cmd:``, ``tcp:``,
``tcp-listen:``), as a factory of sessions, one per case.

The spec is read here and only here: ``is_driver_spec``, ``channel_for`` (under pytest-xdist
worker ``gwN`` uses ``PORT + N``: one connection, one driver, per worker), ``parse_tcp``,
``driver_argv``, ``load_module``; each refuses a bad spec with ``CommandError``.

``IUT`` reads the spec once (``CommandError``, one line saying how to mend it, when it cannot
serve), keeps what the IUT's cases share (the driver and its link, what probes found, which
methods stopped settling) and hands each case a fresh ``Session``.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import shlex
import shutil
import time
from types import ModuleType

from .channel import (
    DEFAULT_WAIT,
    Channel,
    StdioChannel,
    TcpConnectChannel,
    TcpListenChannel,
)
from .driver import Driver
from .executor import CommandError, hello_reply, resolve_module
from .hello import DriverInfo
from .inprocess import InProcess
from .session import Session, Transport
from .trace import Sink

TCP_PREFIX = "tcp:"
LISTEN_PREFIX = "tcp-listen:"


class IUT:
    """What ``--iut`` names: a factory of sessions, one per case. ``worker``: the index of the
    pytest-xdist worker (a TCP driver's port is PORT + worker); ``wait``: seconds a TCP
    channel waits for its driver."""

    def __init__(self, spec: str, worker: int = 0, wait: float = DEFAULT_WAIT) -> None:
        self.spec = spec
        self.driver: Driver | None = None
        self.ca_file: str | None = None  # the CA the mock server's TLS listener uses
        self.probed: dict[str, str | None] = {}  # feature -> None (works) or why it does not
        self.stalls: dict[str, int] = {}  # method -> waits in a row its calls never settled
        self.agent = self.agent_for(spec)
        if is_driver_spec(spec):
            self.driver = Driver(channel_for(spec, worker, wait))
        else:
            self.module = load_module(spec)

    @staticmethod
    def agent_for(spec: str) -> str:
        """The default agent name: the module path, cmd-<the driver's last word>, or
        tcp-<port> / tcp-listen-<port>."""
        if spec.startswith("cmd:"):
            try:
                words = shlex.split(spec[4:]) or ["driver"]
            except ValueError:
                words = ["driver"]
            return "cmd-" + os.path.basename(words[-1]).replace(".", "_")
        if is_driver_spec(spec):
            kind, _, rest = spec.partition(":")
            return f"{kind}-{rest.rpartition(':')[2]}"
        return spec

    def info(self, timeout: float = Driver.HELLO_TIMEOUT) -> DriverInfo:
        """What the driver (or module) says of itself; starts the driver if need be."""
        if self.driver is not None:
            self.driver.ca_file = self.ca_file
            return self.driver.ensure_started(timeout)
        return DriverInfo.from_json({"ok": True, **hello_reply(self.module)})

    def session(self, timeout: float) -> Session:
        """A fresh session for one case, with ``timeout`` seconds from now as its deadline
        (a driver's link is kept from case to case; in-process, a new loop thread)."""
        deadline = time.monotonic() + timeout
        if self.driver is not None:
            driver = self.driver

            def attach(sink: Sink) -> Transport:
                driver.ca_file = self.ca_file
                driver.attach(sink)
                return driver

            return Session(attach, deadline, lambda: driver.info, self.stalls)
        return Session(lambda sink: InProcess(self.module, sink), deadline, stalls=self.stalls)

    def close(self) -> None:
        """The end of the run: the driver's link dropped (a child killed), its channel closed."""
        if self.driver is not None:
            self.driver.close()


def load_module(spec: str) -> ModuleType:
    """Import ``spec``; ``CommandError`` (one line, how to mend it) when it cannot serve."""
    try:
        module = importlib.import_module(spec)
    except ImportError as exc:
        raise CommandError(
            f"--iut {spec}: cannot import it ({exc}); give an importable module path, "
            "or cmd:<driver> for another language"
        ) from None
    return resolve_module(module)


# -- what --iut says -------------------------------------------------------------------------


def is_driver_spec(spec: str) -> bool:
    """Whether ``--iut SPEC`` names a driver (else a Python module)."""
    return spec.startswith(("cmd:", TCP_PREFIX, LISTEN_PREFIX))


def channel_for(spec: str, worker: int = 0, wait: float = DEFAULT_WAIT) -> Channel:
    """``--iut SPEC`` → its channel (a listening one listens from now on). Worker ``gwN`` of
    pytest-xdist gets ``PORT + N``. ``CommandError`` (one line, how to mend it) when bad."""
    if spec.startswith("cmd:"):
        return StdioChannel(driver_argv(spec[4:]))
    host, port = parse_tcp(spec)
    if port != 0:
        port += worker
        if port > 65535:
            raise CommandError(f"--iut {spec}: worker {worker} would need port {port} (> 65535)")
    if spec.startswith(LISTEN_PREFIX):
        return TcpListenChannel(host, port, wait)
    return TcpConnectChannel(host, port, wait)


def parse_tcp(spec: str) -> tuple[str, int]:
    """``tcp:HOST:PORT`` or ``tcp-listen:[ADDR:]PORT`` → (host, port); ``CommandError``."""
    listen = spec.startswith(LISTEN_PREFIX)
    rest = spec[len(LISTEN_PREFIX if listen else TCP_PREFIX) :]
    form = "tcp-listen:[ADDR:]PORT (e.g. tcp-listen:9100)" if listen else "tcp:HOST:PORT"
    host, sep, port_text = rest.rpartition(":")
    if not sep:
        host, port_text = ("127.0.0.1" if listen else ""), rest
    host = host.removeprefix("[").removesuffix("]")
    if not host:
        raise CommandError(f"--iut {spec}: no host; write {form}")
    try:
        port = int(port_text)
    except ValueError:
        raise CommandError(f"--iut {spec}: {port_text!r} is not a port; write {form}") from None
    low = 0 if listen else 1
    if not low <= port <= 65535:
        raise CommandError(f"--iut {spec}: port {port} is not in {low}..65535; write {form}")
    if listen:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise CommandError(
                f"--iut {spec}: {host!r} is not an IP address to listen on; write {form}"
            ) from None
    return host, port


def driver_argv(command_line: str) -> list[str]:
    """``cmd:`` text → argv; ``CommandError`` with a one-line mend for what cannot run."""
    try:
        argv = shlex.split(command_line)
    except ValueError as exc:
        raise CommandError(f"--iut cmd:{command_line}: {exc}; check the quotes") from None
    if not argv:
        raise CommandError("--iut cmd: names no command; write --iut 'cmd:<driver command>'")
    if shutil.which(argv[0]) is None:
        raise CommandError(
            f"--iut cmd:{command_line}: no program {argv[0]!r} (not found, or not executable); "
            "give a path or a command on PATH"
        )
    return argv
