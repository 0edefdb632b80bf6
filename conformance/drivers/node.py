"""``python -m conformance.drivers.node MODULE [--tcp-listen [ADDR:]PORT | --tcp HOST:PORT]``: a
JavaScript module, through the Node.js driver (over stdio, or TCP as docs/driver-protocol.md's
"Transports" says).

MODULE is a path or a package specifier of an ES module exporting ``createWebSocket()``. This
launcher only finds ``node/driver.mjs`` beside itself and replaces the process with
``node driver.mjs MODULE``, so ``--iut "cmd:python -m conformance.drivers.node MODULE"`` works
wherever the package is installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DRIVER = Path(__file__).with_name("node") / "driver.mjs"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 3):
        print(
            "usage: python -m conformance.drivers.node MODULE "
            "[--tcp-listen [ADDR:]PORT | --tcp HOST:PORT]",
            file=sys.stderr,
        )
        return 2
    node = os.environ.get("NODE") or shutil.which("node")
    if node is None:
        print("conformance.drivers.node: node (Node.js 18+) is not on PATH", file=sys.stderr)
        return 127
    os.execvp(node, [node, str(DRIVER), *args])
    return 0  # not reached: execvp replaces this process


if __name__ == "__main__":
    raise SystemExit(main())
