"""What ``--iut`` names: a Python module (run in-process) or a driver (``cmd:``, ``tcp:``,
``tcp-listen:``), as a factory of sessions, one per case.

``IUT`` reads the spec once (``CommandError``, one line saying how to mend it, when it cannot
serve), keeps what the IUT's cases share (the driver and its link, what probes found, which
methods stopped settling) and hands each case a fresh ``Session``.
"""

from __future__ import annotations

import importlib
import os
import shlex
import time
from types import ModuleType

from .channel import DEFAULT_WAIT, channel_for, is_driver_spec
from .driver import Driver
from .executor import CommandError, hello_reply, resolve_module
from .hello import DriverInfo
from .inprocess import InProcess
from .session import Session, Transport
from .trace import Sink


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
