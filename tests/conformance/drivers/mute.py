"""A driver that answers every request but, on the first connection of a TCP bridge (or always
over stdio without one), never answers ``create``: a driver that stops answering. On later
connections (``TCP_BRIDGE_CONNECTION`` > 1) it answers everything, so a test can see that the
suite dropped the silent connection and opened a new one that works."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    silent = os.environ.get("TCP_BRIDGE_CONNECTION", "1") == "1"
    calls = 0
    for line in sys.stdin:
        request = json.loads(line)
        op, ident = request["op"], request["id"]
        reply: dict[str, object] = {"id": ident, "ok": True}
        if op == "hello":
            reply.update(protocol=3, driver="mute", language="python")
        elif op == "create":
            if silent:
                continue
            reply["socket"] = "s1"
        elif op == "call":
            calls += 1
            reply.update(call=calls, returned="none", raised=None)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
