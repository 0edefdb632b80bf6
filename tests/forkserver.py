"""Suite runs forked from a warm interpreter: ``python -m conformance`` without its imports.

The tests start about two hundred suite runs (one per broken implementation, per driver, per
option ...). Each new interpreter spends about 0.7 s of CPU importing pytest, aiohttp, the
pytest plugins and cryptography before the first case runs: more than most of these runs
spend on their cases. This module keeps one interpreter per test process that has imported
them, and the tool's own modules that ``python -m conformance`` imports before it calls pytest
(``conformance.__main__`` reads the plugin's options first: the plugin, the mock server, the
wire catalogue, the report code), and forks it for each run. What pytest imports in a run (the
case modules, with its assertion rewriting; the IUT's module) each run imports fresh, exactly
as a run from the shell does. The forked child does what ``python -m conformance ARGS`` does:
it takes the caller's environment and folder, sends its output to files, runs
``conformance.__main__.main`` and exits with its status.

Callers: ``run(args, env, cwd, timeout)`` from suite_runner.run_suite and run_tool. It falls
back to a plain subprocess where fork is missing or ``OHOS_TEST_FORKSERVER=0`` (to compare, or
to debug a difference: there should be none; tests/test_infrastructure.py compares the two).
The tests of the tool's command line itself (tests/report/test_cli.py) start a real
``python -m conformance`` of their own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Imported once by the server: the third-party modules every run imports, then the tool's
# modules a run from the shell imports before pytest starts (see the module's docstring).
WARM = (
    "asyncio",
    "ssl",
    "pytest",
    "_pytest.pytester",
    "aiohttp",
    "aiohttp.web",
    "xdist.plugin",
    "xdist.looponfail",
    "allure_pytest.plugin",
    "_hypothesis_pytestplugin",
    "hypothesis",
    "hypothesis.internal.observability",
    "trustme",
    "conformance.__main__",
    "conformance.plugin",
)

PROJECT = Path(__file__).resolve().parents[1]  # where the server starts (a run: its own cwd)


@dataclass(frozen=True)
class Finished:
    """What a run did, as ``subprocess.run`` would say it."""

    returncode: int
    stdout: str
    stderr: str


def enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get("OHOS_TEST_FORKSERVER") != "0"


class _Server:
    """The warm interpreter (``python -m tests.forkserver``), one per test process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.forkserver"],
            cwd=PROJECT,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, args: list[str], env: Mapping[str, str], cwd: Path, timeout: float) -> Finished:
        out = _output_files()
        request = {"args": args, "env": dict(env), "cwd": str(cwd), "out": out}
        with self.lock:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            pid = json.loads(self.proc.stdout.readline())["pid"]
            expired = threading.Event()

            def kill() -> None:
                expired.set()
                os.kill(pid, signal.SIGKILL)

            killer = threading.Timer(timeout, kill)
            killer.start()
            try:
                status = json.loads(self.proc.stdout.readline())["status"]
            finally:
                killer.cancel()
        stdout, stderr = (_take(path) for path in out)
        if expired.is_set():
            raise subprocess.TimeoutExpired(["python", "-m", "conformance", *args], timeout)
        return Finished(status, stdout, stderr)

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


_server: _Server | None = None


def run(args: list[str], env: Mapping[str, str], cwd: Path, timeout: float) -> Finished:
    """``python -m conformance ARGS`` in ``cwd`` with exactly ``env``: forked (see above)."""
    global _server
    if not enabled():
        proc = subprocess.run(
            [sys.executable, "-m", "conformance", *args],
            cwd=cwd,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Finished(proc.returncode, proc.stdout, proc.stderr)
    if _server is None or _server.proc.poll() is not None:
        _server = _Server()
    return _server.run(args, env, cwd, timeout)


def close() -> None:
    """Stop this process's server (tests/conftest.py, at the session's end)."""
    global _server
    if _server is not None:
        _server.close()
        _server = None


def _output_files() -> list[str]:
    import tempfile

    paths = []
    for name in ("stdout", "stderr"):
        handle, path = tempfile.mkstemp(prefix=f"conformance-{name}-")
        os.close(handle)
        paths.append(path)
    return paths


def _take(path: str) -> str:
    text = Path(path).read_text("utf-8", errors="replace")
    os.unlink(path)
    return text


# The server side: read a request a line, fork, answer {"pid"} then {"status"}.


def _serve() -> None:
    import gc
    import importlib

    for name in WARM:
        importlib.import_module(name)
    # What the server imported is never garbage: out of the collector's sight (gc.freeze), a
    # forked run's collections (pytest runs one at its end) skip it and leave its pages shared.
    gc.freeze()
    channel = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        channel.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)  # never returns
        channel.write(json.dumps({"pid": pid}) + "\n")
        channel.flush()
        _, status = os.waitpid(pid, 0)
        channel.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
        channel.flush()


def _child(request: dict[str, object]) -> None:
    code = 1
    try:
        out, err = request["out"]  # type: ignore[misc]
        for fd, path, mode in (
            (0, os.devnull, os.O_RDONLY),
            (1, out, os.O_WRONLY),
            (2, err, os.O_WRONLY),
        ):
            target = os.open(str(path), mode)
            os.dup2(target, fd)
            os.close(target)
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update(request["env"])  # type: ignore[arg-type]
        args = [str(a) for a in request["args"]]  # type: ignore[attr-defined]
        sys.argv = [sys.argv[0], *args]
        # what `python -m conformance ARGS` would hold (a kept run's metadata reads it)
        sys.orig_argv = [sys.executable, "-m", "conformance", *args]
        from conformance.__main__ import main

        code = int(main(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    _serve()
