"""A driver written against an older protocol, for the negotiation tests.

``python -m tests.conformance.drivers.older MODULE [--protocol N]``: the reference Python
driver, except that its ``hello`` says ``protocol: N`` (1 by default) and declares no
``behaviours``, and that it ignores any subscriber behaviour it does not know from protocol 1
(``echo`` among them), recording the event and doing nothing else, as such drivers did.
With ``--protocol 2`` it claims protocol 2 but still ignores ``echo``: only the probe can
tell.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from typing import Any

from conformance.iut.capture import EscapeCapture
from conformance.iut.executor import CommandError, Executor, Unsupported
from conformance.iut.trace import TraceEntry

KNOWN = ("record", "raise", "subscribe", "off_self", "close")


def _write(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _forget_new_behaviours(value: Any) -> Any:
    if isinstance(value, list):
        return [_forget_new_behaviours(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$subscriber"} and isinstance(value["$subscriber"], dict):
            inner = dict(value["$subscriber"])
            if str(inner.get("behaviour", "record")).split(":")[0] not in KNOWN:
                inner["behaviour"] = "record"
            return {"$subscriber": inner}
        return {k: _forget_new_behaviours(v) for k, v in value.items()}
    return value


async def serve(module_name: str, protocol: int) -> None:
    loop = asyncio.get_running_loop()

    def sink(entry: TraceEntry, size: int = 0, /) -> None:
        _write({"event": "trace", "entry": entry.as_json()})

    EscapeCapture(sink, skip_suite_threads=False)  # logs and escapes, as every driver reports
    executor = Executor(importlib.import_module(module_name), sink)
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        request = json.loads(line)
        ident = request["id"]
        if request.get("op") == "hello":
            _write({"id": ident, "ok": True, "protocol": protocol, "driver": "older"})
            continue
        if request.get("op") == "call":
            request["args"] = _forget_new_behaviours(request.get("args", []))
        try:
            reply = await executor.handle(request)
        except Unsupported as exc:
            _write({"id": ident, "ok": False, "unsupported": True, "error": str(exc)})
        except (CommandError, KeyError, TypeError, ValueError) as exc:
            _write({"id": ident, "ok": False, "error": str(exc)})
        else:
            _write({"id": ident, "ok": True, **reply})


if __name__ == "__main__":
    protocol = int(sys.argv[3]) if sys.argv[2:3] == ["--protocol"] else 1
    asyncio.run(serve(sys.argv[1], protocol))
