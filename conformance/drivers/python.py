"""``python -m conformance.drivers.python MODULE``: any Python module, over stdio JSON lines.

Requests come on stdin, one JSON object per line; replies (``{"id", "ok", ...}``) and trace
events (``{"event": "trace", "entry": {...}}``) go to stdout in the order they happen.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import threading
from typing import Any

from ..iut.capture import EscapeCapture
from ..iut.executor import CommandError, Executor, Unsupported

# Trace lines come from any thread the implementation runs (callbacks on a library's own
# thread, an uncaught exception in a thread): one line at a time, never interleaved.
_WRITE_LOCK = threading.Lock()


def _write(message: dict[str, Any]) -> None:
    line = json.dumps(message, ensure_ascii=False) + "\n"
    with _WRITE_LOCK:
        sys.stdout.write(line)
        sys.stdout.flush()


async def serve(module_name: str) -> None:
    loop = asyncio.get_running_loop()

    def sink(entry: dict[str, Any]) -> None:
        _write({"event": "trace", "entry": entry})

    loop.set_exception_handler(
        lambda _, ctx: sink(
            {
                "kind": "loop_error",
                "message": str(ctx.get("message")),
                "exc": repr(ctx.get("exception"))[:300],
            }
        )
    )
    # Log records and uncaught exceptions of every thread: this process runs only the IUT.
    EscapeCapture(sink, skip_suite_threads=False)
    executor = Executor(importlib.import_module(module_name), sink)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        try:
            request = json.loads(line)
            ident = request["id"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            # No id to answer: a reply with "id": null would break the protocol. Say it in the
            # trace instead; the suite times the request out.
            message = f"driver: unreadable request ({exc}): {line[:200]!r}"
            sink({"kind": "log", "level": "ERROR", "logger": "driver", "message": message})
            continue
        try:
            reply = await executor.handle(request)
        except Unsupported as exc:
            _write({"id": ident, "ok": False, "unsupported": True, "error": str(exc)})
            continue
        except (CommandError, KeyError, TypeError, ValueError) as exc:
            _write({"id": ident, "ok": False, "error": str(exc)})
            continue
        _write({"id": ident, "ok": True, **reply})


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m conformance.drivers.python MODULE", file=sys.stderr)
        return 2
    asyncio.run(serve(args[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
