"""A case's view of the IUT: blocking calls over a transport, and the trace they produce.

Two transports carry commands to an executor: ``InProcess`` (a fresh loop thread per case,
so an IUT that blocks its loop costs only that case) and ``Driver`` (a subprocess speaking
docs/driver-protocol.md, kept across cases, restarted when it hangs or dies).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from .api import CallOutcome, IUTCrashed, IUTTimeout
from .codec import encode_arg
from .executor import Executor, LogForwarder, Unsupported, resolve_module

Entry = dict[str, Any]


class Transport(Protocol):
    def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]: ...

    def end_case(self) -> None: ...


class Session:
    """The IUT for one case. Every wait is bounded by the case deadline."""

    def __init__(
        self, transport_for: Callable[[Callable[[Entry], None]], Transport], deadline: float
    ) -> None:
        self.t0 = time.monotonic()
        self.deadline = deadline
        self.trace: list[Entry] = []
        self._cond = threading.Condition()
        self.transport = transport_for(self._add)

    def _add(self, entry: Entry) -> None:
        entry = {"t": round(time.monotonic() - self.t0, 6), **entry}
        with self._cond:
            self.trace.append(entry)
            self._cond.notify_all()

    def _remaining(self, timeout: float | None = None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise IUTTimeout("the case ran out of time")
        return left if timeout is None else min(left, timeout)

    def _request(self, command: dict[str, Any]) -> dict[str, Any]:
        return self.transport.request(command, self._remaining())

    def create(self, mode: str = "async") -> str:
        """``createWebSocket()``; ``mode="sync"`` (calls from a plain thread) is optional:
        NotImplementedError when the IUT's driver answers ``unsupported``."""
        command: dict[str, Any] = {"op": "create"}
        if mode != "async":
            command["mode"] = mode
        return str(self._request(command)["socket"])

    def call(self, sock: str, method: str, *args: Any, promise: bool = False) -> CallOutcome:
        reply = self._request(
            {
                "op": "call",
                "socket": sock,
                "method": method,
                "args": [encode_arg(a) for a in args],
                "promise": promise,
            }
        )
        return CallOutcome(int(reply["call"]), method, str(reply["returned"]), reply["raised"])

    def entries(self, predicate: Callable[[Entry], bool]) -> list[Entry]:
        with self._cond:
            return [e for e in self.trace if predicate(e)]

    def wait_for(self, predicate: Callable[[Entry], bool], timeout: float) -> Entry | None:
        """The first entry matching ``predicate``, waiting up to ``timeout``; None if none."""
        end = time.monotonic() + min(timeout, max(0.0, self.deadline - time.monotonic()))
        with self._cond:
            while True:
                found = next((e for e in self.trace if predicate(e)), None)
                left = end - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._cond.wait(left)

    def result(self, outcome: CallOutcome, timeout: float = 5.0) -> Entry | None:
        """The call's settlement (callback ran / promise settled), or None."""
        return self.wait_for(lambda e: e["kind"] == "result" and e["call"] == outcome.call, timeout)

    def quiet(self, seconds: float) -> None:
        """Let late entries arrive (a second 'close', a late callback ...)."""
        time.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))

    def close(self) -> str | None:
        """End the case; returns a harness error if the IUT would not let go."""
        try:
            self.transport.request({"op": "reset", "timeout": 1.5}, 3.0)
            return None
        except (IUTTimeout, IUTCrashed) as exc:
            return f"reset failed: {exc}"
        finally:
            self.transport.end_case()


# -- in-process ----------------------------------------------------------------------------


class InProcess:
    """The executor on a fresh asyncio loop in a daemon thread, for this case only."""

    _counter = 0

    def __init__(self, module_name: str, sink: Callable[[Entry], None]) -> None:
        InProcess._counter += 1
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(
            lambda loop, ctx: sink(
                {
                    "kind": "loop_error",
                    "message": str(ctx.get("message")),
                    "exc": repr(ctx.get("exception"))[:300],
                }
            )
        )
        name = f"iut-{os.getpid()}-{InProcess._counter}"
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()
        self.log_handler = LogForwarder(sink, thread_name=name)
        logging.getLogger().addHandler(self.log_handler)
        self.executor = Executor(importlib.import_module(module_name), sink)
        self.hung = False

    def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.hung:
            raise IUTTimeout("the IUT's loop is blocked")
        future = asyncio.run_coroutine_threadsafe(self.executor.handle(command), self.loop)
        try:
            return future.result(timeout)
        except Unsupported as exc:
            raise NotImplementedError(str(exc)) from exc
        except TimeoutError as exc:
            self.hung = True
            raise IUTTimeout(f"no answer to {command.get('op')} within {timeout:.1f} s") from exc

    def end_case(self) -> None:
        logging.getLogger().removeHandler(self.log_handler)
        if not self.hung:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(2.0)
            if not self.thread.is_alive():
                self.loop.close()
        # a hung loop thread is a daemon: abandoned, it cannot stop the run


# -- stdio driver ----------------------------------------------------------------------------


class Driver:
    """A driver subprocess (docs/driver-protocol.md), shared by the cases of one process."""

    def __init__(self, command_line: str) -> None:
        self.argv = shlex.split(command_line)
        self.proc: subprocess.Popen[str] | None = None
        self.sink: Callable[[Entry], None] = lambda entry: None
        self._ids = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._eof = False

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._eof = False
        self._replies = {}
        proc = self.proc
        threading.Thread(target=self._read_stdout, args=(proc,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(proc,), daemon=True).start()

    def _read_stdout(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                self.sink(
                    {
                        "kind": "log",
                        "level": "ERROR",
                        "logger": "driver",
                        "message": f"not JSON on stdout: {line[:200]!r}",
                        "exc": None,
                    }
                )
                continue
            if "event" in message:
                self.sink(message.get("entry", {}))
            elif "id" in message:
                with self._cond:
                    self._replies[int(message["id"])] = message
                    self._cond.notify_all()
        with self._cond:
            if proc is self.proc:
                self._eof = True
            self._cond.notify_all()

    def _read_stderr(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.sink(
                {
                    "kind": "log",
                    "level": "STDERR",
                    "logger": "driver",
                    "message": line.rstrip()[:500],
                    "exc": None,
                }
            )

    def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        self._ids += 1
        ident = self._ids
        try:
            self.proc.stdin.write(json.dumps({"id": ident, **command}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise IUTCrashed(f"driver stdin closed: {exc}") from exc
        end = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                left = end - time.monotonic()
                if self._eof:
                    self.kill()
                    raise IUTCrashed("the driver exited")
                if left <= 0:
                    self.kill()
                    raise IUTTimeout(f"driver gave no answer to {command.get('op')} in time")
                self._cond.wait(min(left, 0.5))
            reply = self._replies.pop(ident)
        if not reply.get("ok", False) and reply.get("unsupported"):
            raise NotImplementedError(f"driver: {reply.get('error')}")
        if not reply.get("ok", False):
            raise IUTCrashed(f"driver refused {command.get('op')}: {reply.get('error')}")
        return reply

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.proc = None

    def end_case(self) -> None:
        self.sink = lambda entry: None


class IUT:
    """What ``--iut`` names: a factory of sessions, one per case."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.driver: Driver | None = None
        self.agent = self.agent_for(spec)
        if spec.startswith("cmd:"):
            self.driver = Driver(spec[4:])
        else:
            resolve_module(importlib.import_module(spec))  # fail now, with a clear message

    @staticmethod
    def agent_for(spec: str) -> str:
        """The default agent name: the module path, or cmd-<the driver's last word>."""
        if spec.startswith("cmd:"):
            words = shlex.split(spec[4:]) or ["driver"]
            return "cmd-" + os.path.basename(words[-1]).replace(".", "_")
        return spec

    def session(self, timeout: float) -> Session:
        deadline = time.monotonic() + timeout
        if self.driver is not None:
            driver = self.driver

            def attach(sink: Callable[[Entry], None]) -> Transport:
                driver.sink = sink
                return driver

            return Session(attach, deadline)
        return Session(lambda sink: InProcess(self.spec, sink), deadline)

    def close(self) -> None:
        if self.driver is not None:
            self.driver.kill()
