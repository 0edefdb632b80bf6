"""A stdio driver served over TCP: ``python tcp_bridge.py (--listen PORT | --connect HOST:PORT)
-- COMMAND...``.

For each TCP connection it starts COMMAND (any stdio driver of the tests: garbage.py, mute.py,
one that exits ...) and copies bytes both ways: so every kind of bad driver the stdio transport
survives is also served over TCP, unchanged. The child's stderr goes to this process's stderr;
when the child exits the connection is closed (a driver that disconnects), and when the
connection ends the child is killed. ``TCP_BRIDGE_CONNECTION`` tells the child which
connection (1, 2 ...) it serves. With ``--listen 0`` the port is printed on stderr first.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time


def _pump_in(conn: socket.socket, child: subprocess.Popen[bytes]) -> None:
    assert child.stdin is not None
    with contextlib.suppress(OSError, ValueError):
        while data := conn.recv(65536):
            child.stdin.write(data)
            child.stdin.flush()
    with contextlib.suppress(OSError):
        child.kill()


def serve(conn: socket.socket, argv: list[str], number: int) -> None:
    env = {**os.environ, "TCP_BRIDGE_CONNECTION": str(number)}
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    threading.Thread(target=_pump_in, args=(conn, child), daemon=True).start()
    assert child.stdout is not None
    with contextlib.suppress(OSError):
        while data := child.stdout.read1(65536):
            conn.sendall(data)
    child.kill()
    child.wait()
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def main() -> None:
    split = sys.argv.index("--")
    mode, where, argv = sys.argv[1], sys.argv[2], sys.argv[split + 1 :]
    number = 0
    if mode == "--listen":
        listener = socket.create_server(("127.0.0.1", int(where)))
        print(f"bridge: listening on 127.0.0.1:{listener.getsockname()[1]}", file=sys.stderr)
        sys.stderr.flush()
        while True:
            conn, _ = listener.accept()
            number += 1
            serve(conn, argv, number)
    host, _, port = where.rpartition(":")
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            conn = socket.create_connection((host, int(port)), 5)
        except OSError:
            time.sleep(0.1)
            continue
        number += 1
        serve(conn, argv, number)
        end = time.monotonic() + 60


if __name__ == "__main__":
    main()
