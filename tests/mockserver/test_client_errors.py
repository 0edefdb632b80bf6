"""A client that breaks RFC 6455: the server fails the connection itself, at once (1002, or
1007 for bad UTF-8), logs its own close frame and the client's error, and ends TCP. Raw
sockets, so the broken bytes go out exactly as written."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from typing import Any

import pytest

from mockserver import MockServer
from mockserver.frames import apply_mask, build_frame

PART1 = "κόσμε".encode()
PART2 = b"\xf4\x90\x80\x80"  # would be U+110000: never UTF-8
PART3 = b"edited"


class Client:
    """A WebSocket client by hand: masked frames unless told otherwise, frames read raw."""

    def __init__(self, port: int, tag: str, early: bytes = b"") -> None:
        """``early``: frames sent in the same write as the handshake request."""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /echo?tag={tag} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
            + early
        )
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.sock.recv(4096)
        head, _, self.buffer = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server ended TCP")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: (first byte, payload)."""
        first, second = self._read(2)
        assert not second & 0x80, "a server frame must not be masked"
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        return first, self._read(length)

    def close_code(self) -> int:
        first, payload = self.frame()
        assert first == 0x88, f"expected a close frame, got first byte 0x{first:02x}"
        return int(struct.unpack("!H", payload[:2])[0])

    def ends_tcp(self, within: float) -> bool:
        self.sock.settimeout(within)
        try:
            while self.sock.recv(65536):
                pass
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
        return True


def close_frame(code: int, reason: bytes = b"") -> bytes:
    return build_frame(8, struct.pack("!H", code) + reason, mask=True)


BROKEN: dict[str, tuple[bytes, int]] = {
    # close codes that may not be sent (RFC 6455 §7.4.1, IANA)
    **{f"close-{code}": (close_frame(code), 1002) for code in (0, 999, 1004, 1005, 1006)},
    **{f"close-{code}": (close_frame(code), 1002) for code in (1015, 1016, 2999, 5000, 65535)},
    "close-1-byte": (build_frame(8, b"\x03", mask=True), 1002),
    "close-reason-not-utf8": (close_frame(1000, b"\xce\xba\xff"), 1007),
    "text-not-utf8": (build_frame(1, PART1 + PART2 + PART3, mask=True), 1007),
    "text-cut-at-its-end": (build_frame(1, PART1 + b"\xce", mask=True), 1007),
    "text-cut-by-empty-last-fragment": (
        build_frame(1, PART1 + b"\xce", fin=False, mask=True) + build_frame(0, b"", mask=True),
        1007,
    ),
    "rsv1": (build_frame(1, b"x", rsv1=True, mask=True), 1002),
    "rsv2": (build_frame(1, b"x", rsv2=True, mask=True), 1002),
    "rsv3": (build_frame(2, b"x", rsv3=True, mask=True), 1002),
    "opcode-3": (build_frame(3, b"", mask=True), 1002),
    "opcode-11": (build_frame(11, b"", mask=True), 1002),
    "unmasked": (build_frame(1, b"hello"), 1002),
    "ping-over-125": (build_frame(9, bytes(126), mask=True), 1002),
    "fragmented-ping": (build_frame(9, b"p", fin=False, mask=True), 1002),
    "fragmented-close": (build_frame(8, b"\x03\xe8", fin=False, mask=True), 1002),
    "continuation-without-start": (build_frame(0, b"x", mask=True), 1002),
    "text-inside-fragmented": (
        build_frame(1, b"a", fin=False, mask=True) + build_frame(1, b"b", mask=True),
        1002,
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_frame_fails_the_connection(mockserver_thread: MockServer, name: str) -> None:
    frames, code = BROKEN[name]
    client = Client(mockserver_thread.port, name)
    client.send(build_frame(1, b"fine", mask=True))
    assert client.frame() == (0x81, b"fine")  # the echo before the broken frame
    client.send(frames)
    assert client.close_code() == code
    client.send(close_frame(code))  # the client's answer: the server ends TCP then
    assert client.ends_tcp(within=5)
    entry = mockserver_thread.wait_done_sync(name, 5)
    assert entry is not None
    assert entry["client_error"]["close_code"] == code
    assert [n["kind"] for n in entry["notes"]] == ["client_protocol_error"]
    assert entry["close"]["out"]["code"] == code  # the server's own close frame, logged
    # a broken frame of the close opcode ends what the client says: the server answers and
    # ends TCP; otherwise it waits for the client's answer, which the log shows too
    broken_close = frames[0] & 0x0F == 8
    # a close frame with a bad code or reason is the client's close all the same; a frame of
    # the close opcode without FIN (or with RSV bits) is a protocol violation, not a close
    # (RFC 6455 §5.5): then the server's close is the first
    client_closed = frames[0] == 0x88
    assert entry["close"]["first"] == ("client" if client_closed else "server")
    if broken_close and not client_closed:  # and the client's answer never came in
        assert entry["close"]["in"] is None
    sequence = [(f["dir"], f["opcode"]) for f in entry["frames"]]
    assert sequence[-2:] == ([("in", 8), ("out", 8)] if broken_close else [("out", 8), ("in", 8)])
    assert entry["tcp"] == {"ended_by": "server", "after_close": True}
    assert entry["messages"][:2] == [
        {**entry["messages"][0], "dir": "in", "text": "fine"},
        {**entry["messages"][1], "dir": "out", "text": "fine"},
    ]
    assert len(entry["messages"]) == 2  # nothing of the broken frame was delivered


def test_a_client_that_drops_tcp_is_not_waited_for(mockserver_thread: MockServer) -> None:
    client = Client(mockserver_thread.port, "dropper")
    client.send(build_frame(1, b"x", rsv1=True, mask=True))
    assert client.close_code() == 1002
    started = time.monotonic()
    client.sock.close()
    entry = mockserver_thread.wait_done_sync("dropper", 5)
    assert entry is not None and time.monotonic() - started < 0.5  # not the 1 s linger
    assert entry["client_error"]["close_code"] == 1002 and entry["close"]["in"] is None
    assert entry["tcp"]["ended_by"] == "client"


def test_a_client_that_never_answers_is_dropped_soon(mockserver_thread: MockServer) -> None:
    client = Client(mockserver_thread.port, "silent")
    client.send(close_frame(1006))
    assert client.close_code() == 1002
    started = time.monotonic()
    assert client.ends_tcp(within=5)
    assert time.monotonic() - started < 3
    entry = mockserver_thread.wait_done_sync("silent", 5)
    assert entry is not None and entry["tcp"]["ended_by"] == "server"
    assert entry["close"]["in"]["code"] == 1006 and entry["close"]["out"]["code"] == 1002


@pytest.mark.parametrize("how", ["frames", "chops"])
def test_bad_utf8_fails_before_the_message_ends(mockserver_thread: MockServer, how: str) -> None:
    """Autobahn 6.4.1 (three frames) and 6.4.3 (one frame in three chops): the close comes
    while the message's rest is still held back by the client."""
    client = Client(mockserver_thread.port, f"fast-{how}")
    if how == "frames":
        client.send(build_frame(1, PART1, fin=False, mask=True))
        client.send(build_frame(0, PART2, fin=False, mask=True))
        rest = build_frame(0, PART3, mask=True)
    else:
        frame = build_frame(1, PART1 + PART2 + PART3, mask=True)
        cut = 6 + len(PART1)  # header and mask key, then the first chop
        client.send(frame[:cut])
        time.sleep(0.05)
        client.send(frame[cut : cut + len(PART2)])
        rest = frame[cut + len(PART2) :]
    assert client.close_code() == 1007  # the rest was never sent
    client.send(rest + close_frame(1007))
    assert client.ends_tcp(within=5)
    entry = mockserver_thread.wait_done_sync(f"fast-{how}", 5)
    assert entry is not None and entry["client_error"]["close_code"] == 1007
    assert entry["messages"] == []


VALID: dict[str, tuple[bytes, list[tuple[int, bytes]]]] = {
    **{
        f"close-{code}": (close_frame(code, b"r"), [(0x88, struct.pack("!H", code))])
        for code in (1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999)
    },
    "fragments-with-a-ping-inside": (
        build_frame(1, "κό".encode()[:3], fin=False, mask=True)
        + build_frame(9, b"p", mask=True)
        + build_frame(0, "κό".encode()[3:] + "σμε".encode(), mask=True)
        + close_frame(4999, b"bye"),
        [(0x8A, b"p"), (0x81, "κόσμε".encode()), (0x88, b"\x13\x87")],
    ),
    "binary-not-utf8-then-empty-close": (
        build_frame(2, b"\xff\xfe", mask=True) + build_frame(8, b"", mask=True),
        [(0x82, b"\xff\xfe"), (0x88, b"")],
    ),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_frames_are_not_errors(mockserver_thread: MockServer, name: str) -> None:
    frames, expected = VALID[name]
    client = Client(mockserver_thread.port, name)
    client.send(frames)
    assert [client.frame() for _ in expected] == expected
    assert client.ends_tcp(within=5)
    entry: Any = mockserver_thread.wait_done_sync(name, 5)
    assert entry is not None and entry["client_error"] is None and entry["notes"] == []


@pytest.mark.parametrize("size", [1, 3, 4, 5, 32, 4099])
def test_apply_mask_is_rfc_6455_masking(size: int) -> None:
    """aiohttp's C unmasking (private) must keep matching §5.3, byte by byte."""
    data, key = os.urandom(size), os.urandom(4)
    expected = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    assert apply_mask(data, key) == expected
    assert apply_mask(memoryview(data)[1:], key[1:] + key[:1]) == expected[1:]


def test_frames_right_behind_the_handshake_are_logged_and_checked(
    mockserver_thread: MockServer,
) -> None:
    early = build_frame(1, b"early", mask=True) + build_frame(1, b"x", rsv2=True, mask=True)
    client = Client(mockserver_thread.port, "early", early=early)
    assert client.frame() == (0x81, b"early")
    assert client.close_code() == 1002
    client.send(close_frame(1002))
    assert client.ends_tcp(within=5)
    entry = mockserver_thread.wait_done_sync("early", 5)
    assert entry is not None and entry["client_error"]["close_code"] == 1002
    inbound = [(f["opcode"], f["rsv2"]) for f in entry["frames"] if f["dir"] == "in"]
    assert inbound == [(1, False), (1, True), (8, False)]
