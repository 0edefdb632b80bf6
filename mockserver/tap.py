"""The incoming side of an accepted WebSocket: every byte the client sends is logged and
checked (``FrameTap``, ``FrameCheck``) before aiohttp's parser sees it, and drawn from the
server's memory budget until the script has read its message.

A client frame that breaks RFC 6455 never reaches aiohttp's parser: the tee hands aiohttp
only the bytes before it and reports the violation (``on_violation``), and the script run
fails the connection (``mockserver.session``). Past the budget the connection is failed
with 1013 (Try Again Later).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from multidict import CIMultiDict

from ._aiohttp_compat import HookedWebSocketResponse
from .connlog import ConnectionLog
from .frames import FrameCheck, FrameTap
from .limits import Budget

TRY_AGAIN_LATER = 1013  # close code: the server's memory budget has no room for a message


class TappedWebSocketResponse(HookedWebSocketResponse):
    """aiohttp's server WebSocket, with a tap on incoming bytes and a bendable handshake
    (the hooks of ``_aiohttp_compat.HookedWebSocketResponse``, which owns every private name
    they need and fails loudly when one is gone)."""

    def __init__(
        self,
        log: ConnectionLog,
        accept: str | None = None,
        max_msg_size: int = 0,
        reason: str | None = None,
        budget: Budget | None = None,
        **kwargs: Any,
    ) -> None:
        # No permessage-deflate: the wire log shows frames as written, and raw frames stay raw.
        # max_msg_size: past it aiohttp fails the connection with 1009 (--max-message).
        super().__init__(
            autoclose=False, autoping=False, max_msg_size=max_msg_size, compress=False, **kwargs
        )
        self.log = log
        self._accept_mode = accept
        self._reason_phrase = reason  # the 101's reason phrase (None: "Switching Protocols")
        self.violation: tuple[int, str] | None = None  # the client's first protocol error
        self.on_violation: Callable[[int, str], None] | None = None
        # the client has said its last: its close frame is in, or its TCP stream ended
        self.client_done = asyncio.Event()
        # incoming bytes drawn from the server's budget: held until their message is read
        self.incoming = budget if budget is not None else Budget(1 << 62)
        self.incoming_held = 0
        self._message_bytes = 0  # of the data message coming in (its frames so far)
        self._read_sizes: deque[int] = deque()  # whole messages in, not yet read by the script

    def release_message(self) -> None:
        """The script read a data message: its bytes go back to the budget."""
        if self._read_sizes:
            self._give(self._read_sizes.popleft())

    def release_all(self) -> None:
        self._give(self.incoming_held)
        self._read_sizes.clear()

    def _give(self, n: int) -> None:
        n = min(n, self.incoming_held)
        self.incoming_held -= n
        self.incoming.give(n)

    def _take(self, n: int) -> bool:
        if not self.incoming.take(n):
            return False
        self.incoming_held += n
        return True

    def _frame_done(self, first: int, key: bytes | None, length: int) -> None:
        """A whole incoming frame: control frames give their bytes back at once, data frames
        add to their message's, which waits for the script to read it."""
        size = 2 + (0 if length < 126 else 2 if length < 1 << 16 else 8) + (4 if key else 0)
        size += length
        if first & 0x08:  # a control frame (aiohttp hands it on, or answers it, at once)
            self._give(size)
            return
        self._message_bytes += size
        if first & 0x80:
            self._read_sizes.append(self._message_bytes)
            self._message_bytes = 0

    def bend_handshake(self, headers: CIMultiDict[str]) -> None:
        if self._accept_mode == "wrong":
            headers["Sec-WebSocket-Accept"] = "d3JvbmcgYWNjZXB0IGtleQ=="
        elif self._accept_mode == "missing":
            headers.popall("Sec-WebSocket-Accept", None)

    def before_status_line(self) -> None:
        # aiohttp has just set a plain 101; the status line is not written yet
        if self._reason_phrase is not None:
            self.set_status(101, self._reason_phrase)
        # logged now: a reader who saw the client open finds it in the log
        self.log.handshake_reason(self.reason)

    def wrap_parser(self, parser: Any) -> Any:
        """aiohttp's frame parser behind a tee: the tap logs and checks every byte first."""
        log = self.log
        seen = self.client_done

        def on_frame(first: int, key: bytes | None, length: int, data: bytes) -> None:
            log.frame("in", first, key, length, data)
            self._frame_done(first, key, length)
            if first & 0x0F == 8:  # any frame of the close opcode ends what the client says
                seen.set()  # (a broken one fails the connection: no close will follow)

        check = FrameCheck()
        tap = FrameTap(log.cap, on_frame, check)
        return _TeeParser(parser, tap, check, self._client_broke, self.client_done.set, self._take)

    def _client_broke(self, code: int, why: str) -> None:
        self.violation = (code, why)
        self.log.client_error(code, why)
        if self.on_violation is not None:
            self.on_violation(code, why)


class _TeeParser:
    """Hands every incoming chunk to the tap, then to aiohttp's real parser: all of it until the
    client breaks the protocol, the bytes before the broken frame then, nothing after."""

    def __init__(
        self,
        inner: Any,
        tap: FrameTap,
        check: FrameCheck,
        broke: Callable[[int, str], None],
        eof: Callable[[], None],
        take: Callable[[int], bool] = lambda n: True,
    ) -> None:
        self._inner = inner
        self._tap = tap
        self._check = check
        self._broke = broke
        self._eof = eof
        self._take = take
        self._blocked = False

    def feed_data(self, data: bytes) -> Any:
        if not self._blocked and not self._take(len(data)):
            self._blocked = True  # nothing more reaches aiohttp; the tap still logs
            self._tap.feed(data)
            self._broke(
                TRY_AGAIN_LATER,
                "the server's memory budget has no room for this client's incoming bytes",
            )
            return False, b""
        allowed = self._tap.feed(data)
        if self._blocked:
            return False, b""
        if allowed is None:
            return self._inner.feed_data(data)
        self._blocked = True
        if allowed:
            self._inner.feed_data(data[:allowed])
        assert self._check.violation is not None
        self._broke(*self._check.violation)
        return False, b""

    def feed_eof(self) -> Any:
        self._eof()
        return self._inner.feed_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
