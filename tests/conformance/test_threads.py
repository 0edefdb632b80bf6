"""Threads (EV10, ER3): what an implementation logs or lets escape from any thread or loop it
runs is the case's, in-process as through the reference driver; the suite's own threads are
never the implementation's."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from conformance.iut.capture import EscapeCapture, mark_suite_thread
from tests.conformance.suite_runner import run_suite, verdicts

DRIVER = f"cmd:{sys.executable} -m conformance.drivers.python"


def _run_thread(target: Any, name: str, mark: bool = False) -> None:
    thread = threading.Thread(target=target, name=name)
    if mark:
        original = thread.run

        def run() -> None:
            mark_suite_thread(threading.current_thread())
            original()

        thread.run = run  # type: ignore[method-assign]
    thread.start()
    thread.join(5)


def test_capture_takes_other_threads_and_leaves_the_suites_alone() -> None:
    entries: list[dict[str, Any]] = []
    previous_calls: list[str] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: previous_calls.append(str(args.exc_value))
    capture = EscapeCapture(entries.append, skip_suite_threads=True)
    try:

        def boom() -> None:
            raise RuntimeError("from a thread")

        def log() -> None:
            try:
                raise ValueError("in a callback")
            except ValueError:
                logging.getLogger("some.port").exception("a callback raised")

        _run_thread(boom, "impl-worker")
        _run_thread(log, "impl-callbacks")
        _run_thread(boom, "suite-worker", mark=True)
        logging.getLogger("some.port").warning("from the main thread: the suite's")
    finally:
        capture.close()
        hook_after = threading.excepthook
        threading.excepthook = previous
    kinds = [(e.kind, e.exc) for e in entries]
    assert kinds == [
        ("loop_error", "RuntimeError: from a thread"),
        ("log", "ValueError: in a callback"),
    ], entries
    assert previous_calls == ["from a thread"]  # the suite's thread went to the previous hook
    assert hook_after is not capture._hook  # close() took the hook out


def test_an_exception_escaping_another_loop_is_a_loop_error() -> None:
    entries: list[dict[str, Any]] = []
    capture = EscapeCapture(entries.append, skip_suite_threads=True)

    def other_loop() -> None:
        async def fails() -> None:
            raise KeyError("never retrieved")

        loop = asyncio.new_event_loop()
        loop.create_task(fails())  # noqa: RUF006 (dropped on purpose: never retrieved)
        loop.run_until_complete(asyncio.sleep(0.01))
        loop.close()
        gc.collect()  # "Task exception was never retrieved", logged in this thread

    try:
        _run_thread(other_loop, "impl-loop")
    finally:
        capture.close()
    errors = [e for e in entries if e.kind == "loop_error"]
    assert errors and "never retrieved" in errors[0].message, entries
    assert errors[0].exc == "KeyError: 'never retrieved'"


def test_a_thread_based_port_is_judged_alike_in_process_and_through_the_driver(
    tmp_path: Path,
) -> None:
    """Callbacks on the library's own thread, their exception logged there: EV10 holds both
    ways, and every events case has the same verdict both ways."""
    module = "tests.conformance.thread_based"
    _, in_process = run_suite(tmp_path / "a", "--iut", module, "-k", "events")
    _, driven = run_suite(tmp_path / "b", "--iut", f"{DRIVER} {module}", "-k", "events")
    assert in_process and verdicts(in_process) == verdicts(driven)
    assert verdicts(in_process)["events.callback_raises"] == "OK"
    assert not {c: v for c, v in verdicts(in_process).items() if v in ("FAILED", "HARNESS-ERROR")}


def test_an_exception_escaping_an_implementation_thread_fails_er3_through_the_driver(
    tmp_path: Path,
) -> None:
    """In-process, test_selfcheck catches thread_raises on ER3; through the driver too."""
    module = "tests.conformance.broken.thread_raises"
    status, rows = run_suite(tmp_path, "--iut", f"{DRIVER} {module}", "--clause", "ER3")
    row = rows["errors.error_shape"]
    checks = json.loads((tmp_path / row["reportfile"]).read_text("utf-8"))["checks"]
    failed = [c for c in checks if c["clause"] == "ER3" and c["verdict"] == "FAILED"]
    assert row["behavior"] == "FAILED" and status != 0
    assert failed and "broken-worker" in json.dumps(failed[0]["observed"])


def test_a_capture_closed_under_a_later_one_passes_exceptions_on() -> None:
    seen: list[str] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: seen.append(f"previous: {args.exc_value}")
    first_entries: list[dict[str, Any]] = []
    second_entries: list[dict[str, Any]] = []
    first = EscapeCapture(first_entries.append, skip_suite_threads=True)
    second = EscapeCapture(second_entries.append, skip_suite_threads=True)
    try:
        first.close()  # not the installed hook any more: left in place, but passes on

        def boom() -> None:
            raise RuntimeError("late")

        _run_thread(boom, "impl-worker", mark=True)  # the second skips it: to the first
        second.close()
        _run_thread(boom, "impl-worker")
    finally:
        threading.excepthook = previous
    assert not first_entries and not second_entries
    assert seen == ["previous: late", "previous: late"]
