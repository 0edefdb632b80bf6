"""Soak: the mock server's memory and loop latency under long and many connections.

    python bench/soak.py [--seconds 60] [--connections 5000] [--long 4] [--rate 0]
                         [--stalled 8] [--hold 10] [--only-stalled]

The server runs in a process of its own (``python -m mockserver --port 0``, loopback only);
this process drives it:

1. ``--long`` connections echo (as fast as they can, or ``--rate`` a second) for
   ``--seconds`` (32 B text and 64 KiB binary, alternating), while every 0.25 s one of their
   log entries is read (``GET /_log/<id>``), and a probe process sends a small echo every
   10 ms on a connection of its own, timing each round trip;
   then those (the largest) entries are read back to back, with nothing else going on;
2. then ``--connections`` connections are opened at once (each one echo, all held open), the
   summary and entries are read, and they are closed;
3. once the server has finished with those, every entry still in the log is read, with
   nothing else going on but the probe;
4. ``--stalled`` clients that complete the handshake and then read nothing, each on a script
   that sends 64 MiB frames (a ``raw_frame``, a ``send_binary``, a masked ``raw_frame`` in
   pieces, a ``send_fragmented``; 4 of each in turn), held ``--hold`` s (10) while the probe echoes:
   the server's RSS must stay under its memory budget (``--memory-budget``, 512 MiB) plus what
   it holds at rest (the phase fails, exit 1, if it does not).

Printed: the server's RSS (sampled every 0.2 s, and its peak from /proc), the longest probe
round trip per phase (a probe process of its own: an upper bound of how long the server's
loop was blocked; in phases 1 and 2 it includes waiting behind other clients' work), and
the longest log read. Bounded in count and time; not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parent.parent


STALL_SCRIPTS = [
    {"steps": [{"op": "raw_frame", "opcode": 2, "size": 64 << 20}] * 4},
    {"steps": [{"op": "send_binary", "size": 64 << 20}] * 4},
    {"steps": [{"op": "raw_frame", "opcode": 1, "size": 64 << 20, "mask": True, "chop": 4096}]},
    {"steps": [{"op": "send_fragmented", "kind": "binary", "size": 64 << 20, "frames": 4}]},
]
BUDGET_MIB = 512  # the server's default --memory-budget


def rss_mib(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of ``pid`` in MiB, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def probe(port: int) -> None:
    """``--probe PORT``: a small echo every 10 ms over a raw socket, in a process of its own
    (so nothing here competes with it), until stdin closes; prints ``time rtt`` per trip."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /echo?tag=probe HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    frame = b"\x81\x84" + b"\0\0\0\0" + b"ping"  # masked with a zero key: payload as is
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    out = []
    while not stop.is_set():
        started = time.perf_counter()
        sock.sendall(frame)
        got = b""
        while len(got) < 6:
            got += sock.recv(64)
        out.append(f"{time.time():.4f} {time.perf_counter() - started:.5f}")
        time.sleep(0.01)
    sock.close()
    print("\n".join(out), flush=True)


async def echo_forever(ws: Any, until: float, rate: float) -> int:
    count, small, large = 0, "x" * 32, b"\xab" * 65536
    while time.monotonic() < until:
        if rate:
            await asyncio.sleep(1 / rate)
        if count % 2:
            await ws.send_bytes(large)
        else:
            await ws.send_str(small)
        await ws.receive()
        count += 1
    return count


async def read_entry(session: aiohttp.ClientSession, base: str, conn_id: str) -> float:
    started = time.perf_counter()
    async with session.get(f"{base}/_log/{conn_id}") as response:
        await response.read()
    return time.perf_counter() - started


async def stalled_clients(
    base: str, port: int, pid: int, count: int, hold: float = 10.0
) -> tuple[float, float, float]:
    """Phase 4: ``count`` clients that read nothing, on 64 MiB frames; returns (RSS before,
    peak RSS sampled while they are held, RSS after they left) in MiB."""
    paths = []
    async with aiohttp.ClientSession() as session:
        for document in STALL_SCRIPTS:
            async with session.post(f"{base}/_scripts", json=document) as response:
                paths.append((await response.json())["path"])
    before = rss_mib(pid)[0]
    clients = []
    for i in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {paths[i % len(paths)]}?tag=stalled-{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        await reader.readuntil(b"\r\n\r\n")  # the 101; then nothing more is read
        clients.append(writer)
    peak, until = 0.0, time.monotonic() + hold
    while time.monotonic() < until:
        peak = max(peak, rss_mib(pid)[0])
        await asyncio.sleep(0.05)
    for writer in clients:
        writer.transport.abort()
    await asyncio.sleep(1.0)
    return before, peak, rss_mib(pid)[0]


async def soak(
    base: str, pid: int, seconds: float, connections: int, long: int, rate: float = 0
) -> dict[str, tuple[float, float]]:
    """Runs phases 1-3; returns each phase's (start, end) wall-clock times."""
    phases: dict[str, tuple[float, float]] = {}
    samples: list[float] = []
    sampling = True

    async def sample() -> None:
        while sampling:
            samples.append(rss_mib(pid)[0])
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    ws_base = base.replace("http://", "ws://")
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        # 1. long-lived echoing connections, their log entries read as they grow
        sockets = [
            await session.ws_connect(f"{ws_base}/echo?tag=long-{i}", max_msg_size=0)
            for i in range(long)
        ]
        async with session.get(f"{base}/_log") as response:
            ids = [e["id"] for e in await response.json() if str(e["tag"]).startswith("long-")]
        begun = time.time()
        until = time.monotonic() + seconds
        echoes = [asyncio.create_task(echo_forever(ws, until, rate)) for ws in sockets]
        reads: list[float] = []
        read_windows: list[tuple[float, float]] = []
        while time.monotonic() < until:
            read_started = time.time()
            reads.append(await read_entry(session, base, ids[len(reads) % len(ids)]))
            read_windows.append((read_started, time.time()))
            await asyncio.sleep(0.25)
        messages = sum(await asyncio.gather(*echoes))
        for ws in sockets:
            await ws.close()
        phases["1 (long connections, log reads)"] = (begun, time.time())
        for n, window in enumerate(read_windows):
            phases[f"1, during log read {n}"] = window
        rss_long = rss_mib(pid)[0]
        print(
            f"phase 1: {long} connections, {messages} echoes in {seconds:.0f} s; "
            f"RSS now {rss_long:.0f} MiB; {len(reads)} log reads, "
            f"longest {max(reads) * 1000:.0f} ms"
        )

        # 1b. the largest entries (the long connections'), read back to back, nothing else
        begun, quiet = time.time(), []
        for n in range(40):
            quiet.append(await read_entry(session, base, ids[n % len(ids)]))
        phases["1b (largest entries read back to back, nothing else)"] = (begun, time.time())
        print(
            f"phase 1b: {len(quiet)} reads of the largest entries, longest "
            f"{max(quiet) * 1000:.0f} ms"
        )

        # 2. many connections at once
        started, begun = time.monotonic(), time.time()
        semaphore = asyncio.Semaphore(500)

        async def one(i: int) -> Any:
            async with semaphore:
                ws = await session.ws_connect(f"{ws_base}/echo?tag=many-{i}")
                await ws.send_str("hi")
                await ws.receive()
                return ws

        held = await asyncio.gather(*(one(i) for i in range(connections)))
        rss_many = rss_mib(pid)[0]
        async with session.get(f"{base}/_log") as response:
            summary = await response.json()
        many_reads = [await read_entry(session, base, e["id"]) for e in summary[-50:]]
        await asyncio.gather(*(ws.close() for ws in held))
        phases["2 (many connections)"] = (begun, time.time())
        print(
            f"phase 2: {connections} connections open at once after "
            f"{time.monotonic() - started:.1f} s; RSS {rss_many:.0f} MiB; "
            f"summary of {len(summary)} entries; longest entry read "
            f"{max(many_reads) * 1000:.0f} ms"
        )

        # 3. every entry still kept, once the server has finished with phase 2's connections
        settle = time.monotonic() + 60
        while time.monotonic() < settle:
            async with session.get(f"{base}/_log") as response:
                if all(e["done"] for e in await response.json() if e["tag"] != "probe"):
                    break
            await asyncio.sleep(0.5)
        begun = time.time()
        async with session.get(f"{base}/_log") as response:
            summary = await response.json()
        final_reads = [await read_entry(session, base, e["id"]) for e in summary]
        print(
            f"phase 3: read all {len(final_reads)} entries, longest {max(final_reads) * 1000:.0f}"
            " ms"
        )
        phases["3 (every entry read, nothing else)"] = (begun, time.time())
    sampling = False
    await sampler
    current, peak = rss_mib(pid)
    print(
        f"server RSS: max sampled {max(samples):.0f} MiB, peak (VmHWM) {peak:.0f} MiB, "
        f"at the end {current:.0f} MiB"
    )
    return phases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="phase 1 length (<= 600)")
    parser.add_argument("--connections", type=int, default=5000, help="phase 2 (<= 8000)")
    parser.add_argument("--long", type=int, default=4, help="phase 1 connections (<= 64)")
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="phase 1 echoes per second per connection (0: as fast as they go, which saturates "
        "a small machine: the probe then also measures its own wait for a CPU)",
    )
    parser.add_argument(
        "--stalled", type=int, default=8, help="phase 4: clients that read nothing (<= 64)"
    )
    parser.add_argument(
        "--hold", type=float, default=10.0, help="phase 4: seconds the clients are held (<= 600)"
    )
    parser.add_argument(
        "--only-stalled", action="store_true", help="run phase 4 alone (about 15 s)"
    )
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return 0
    if not (0 < args.seconds <= 600 and 0 < args.connections <= 8000 and 0 < args.long <= 64):
        parser.error("--seconds 0..600, --connections 1..8000, --long 1..64")
    if not 0 <= args.stalled <= 64:
        parser.error("--stalled 0..64")
    if not 0 < args.hold <= 600:
        parser.error("--hold 0..600 (seconds)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.connections + 200
    if hard != resource.RLIM_INFINITY and hard < need:
        parser.error(f"the open-file limit is {hard}; {need} are needed: lower --connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))  # the server inherits it
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:(\d+))", first)
        if match is None:
            print(f"the server did not start: {first!r}", file=sys.stderr)
            return 1
        base, port = match.group(1), int(match.group(2))
        print(f"server pid {server.pid} at {base}; RSS at start {rss_mib(server.pid)[0]:.0f} MiB")
        prober = subprocess.Popen(
            [sys.executable, __file__, "--probe", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        over = False
        try:
            phases: dict[str, tuple[float, float]] = {}
            if not args.only_stalled:
                phases = asyncio.run(
                    soak(base, server.pid, args.seconds, args.connections, args.long, args.rate)
                )
            if args.stalled:
                begun = time.time()
                rest, peak, after = asyncio.run(
                    stalled_clients(base, port, server.pid, args.stalled, args.hold)
                )
                phases["4 (clients that read nothing, 64 MiB frames)"] = (begun, time.time())
                over = peak > rest + BUDGET_MIB
                print(
                    f"phase 4: {args.stalled} clients reading nothing on 64 MiB frames "
                    f"for {args.hold:g} s: "
                    f"RSS {rest:.0f} MiB before, peak {peak:.0f} MiB, {after:.0f} MiB after they "
                    f"left (budget {BUDGET_MIB} MiB: {'OVER' if over else 'under'})"
                )
        finally:
            output = prober.communicate("", timeout=30)[0]
        trips = [tuple(map(float, line.split())) for line in output.splitlines() if line.strip()]
        print(f"probe: {len(trips)} round trips (10 ms apart, from a process of its own)")
        during_reads = []
        for name, (start, end) in phases.items():
            inside = [rtt for t, rtt in trips if start <= t <= end]
            if name.startswith("1, during"):
                # a trip that was under way while the entry was read (t: when it ended)
                during_reads += [rtt for t, rtt in trips if start <= t <= end + rtt]
                continue
            if inside:
                print(
                    f"  phase {name}: {len(inside)} trips, longest {max(inside) * 1000:.1f} ms, "
                    f"median {sorted(inside)[len(inside) // 2] * 1000:.2f} ms"
                )
        if during_reads:
            print(
                f"  phase 1, trips overlapping a log read: {len(during_reads)}, "
                f"longest {max(during_reads) * 1000:.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(10)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
