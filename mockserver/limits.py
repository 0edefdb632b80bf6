"""Every bound the mock server keeps, in one place, and the small checks that enforce them.

Each constant is the default or the ceiling of an option (``python -m mockserver --help`` and
docs/mockserver.md, "Limits", list them); nothing here imports the rest of the server, so the
other modules call in with one line each.

What is bounded, and how:

- the wire log: per connection, the first ``LOG_HEAD`` and the last ``LOG_TAIL`` frames and
  messages (close frames always), at most ``payload_cap`` payload bytes each, ``LOG_NOTES``
  notes; what was left out is counted in the entry's ``dropped`` and ``totals``. Across all
  connections, captured payload bytes share ``LOG_BUDGET``: past it, new frames keep their
  header and lose their payload (counted), and finished connections' logs go first.
- the connections' logs kept: ``--max-logs`` (1..``MAX_LOGS_LIMIT``).
- an incoming message: ``--max-message`` bytes (aiohttp refuses more with close code 1009).
- a stored script: aiohttp's request body limit (``MAX_SCRIPT_BODY``); all stored scripts:
  ``MAX_SCRIPTS`` and ``SCRIPT_STORE_BYTES`` (the oldest go first).
- a script's fields: see ``mockserver.script`` (waits, sizes, frames, control payloads), and
  its total work (``MAX_SCRIPT_WORK`` steps, writes and frames once repeats are unrolled) and
  total bytes (``MAX_SCRIPT_BYTES``), counted without running or generating anything.
- memory, server-wide: one ``MemoryBudget`` (``--memory-budget``) that everything the server
  holds or queues draws on: the wire log's captured payloads (at most a quarter of it), stored
  scripts (an eighth), bytes written to clients and not yet taken by them, and incoming
  messages not yet handled. Outgoing payloads are made and written in chunks of
  ``WRITE_CHUNK`` bytes, each only once the client took the previous ones (below
  ``WRITE_LOW_WATER``), so a client that stops reading holds a few chunks, not a 64 MiB frame.
  Past the budget: a new connection is refused (HTTP 503, one line), an incoming message fails
  its connection (close 1013), a captured payload is dropped (counted).
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import re
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .script import Script

# -- options: defaults and ceilings --------------------------------------------------------

DEFAULT_PAYLOAD_CAP = 4096  # --payload-cap: payload bytes logged per frame and message
MAX_PAYLOAD_CAP = 1 << 20
DEFAULT_MAX_LOGS = 1000  # --max-logs: connections' logs kept
MAX_LOGS_LIMIT = 100_000
DEFAULT_MAX_MESSAGE = 64 << 20  # --max-message: bytes of one incoming message (1009 past it)
MAX_MAX_MESSAGE = 1 << 30
DEFAULT_MEMORY_BUDGET = 512 << 20  # --memory-budget: bytes held or queued, all connections
MIN_MEMORY_BUDGET = 16 << 20
MAX_MEMORY_BUDGET = 1 << 40

# -- the wire log ----------------------------------------------------------------------------

LOG_HEAD = (
    1000  # first frames (and, apart, first messages) of a connection kept (Autobahn 9.7/9.8: 1000)
)
LOG_TAIL = 1100  # last ones kept
LOG_NOTES = 200  # notes kept per connection
LOG_BUDGET = 128 << 20  # captured payload bytes, all connections together
READ_SLICE = 8  # records a log read builds before it lets the loop serve others
HASH_INLINE = 256 << 10  # a message up to this size is hashed at once (well under 1 ms)
HASH_BACKLOG = 64 << 20  # bytes of larger messages waiting for the hashing thread, at most

# -- stored scripts --------------------------------------------------------------------------

MAX_SCRIPT_BODY = 1 << 20  # bytes of one POST /_scripts body (aiohttp's client_max_size)
MAX_SCRIPTS = 1000
SCRIPT_STORE_BYTES = 64 << 20

# -- script fields (mockserver.script enforces them) ----------------------------------------

MAX_FRAMES = 131_072  # send_fragmented.frames (Autobahn 9.3.1: 65,537 frames)
MAX_CONTROL_PAYLOAD = 125  # ping / pong data, UTF-8 bytes (RFC 6455 §5.5)
MAX_FRAME_LENGTH = (1 << 63) - 1  # raw_frame.length: what a 64-bit length field may say
MAX_SCRIPT_WORK = 1_000_000  # steps, writes and frames a script makes once repeats are unrolled
MAX_SCRIPT_BYTES = 1 << 30  # payload bytes a script sends, all steps and repeats together
MAX_TAG = 200  # characters of a ``?tag=`` (it is kept in every log entry)

# -- writing to a client ---------------------------------------------------------------------

WRITE_CHUNK = 64 << 10  # a payload is made and written this many bytes at a time
WRITE_LOW_WATER = 256 << 10  # the next chunk waits until the client left at most this unread
WRITE_STALL = 30.0  # seconds a write may wait for a client that takes nothing; then it ends
YIELD_EVERY = 32  # steps a script runs before it lets the loop serve others, at most


def check_option(name: str, value: int, low: int, high: int, what: str) -> int:
    """An option's value within ``low..high``; ValueError with a one-line mend otherwise."""
    if not low <= value <= high:
        raise ValueError(f"{name} {value}: {what} must be {low}..{high}")
    return value


def check_port(value: int) -> int:
    return check_option("--port", value, 0, 65535, "a TCP port (0: pick a free one)")


# -- the budget and the head-and-tail lists -------------------------------------------------


class Budget:
    """Bytes of one kind (captured log payloads, queued writes ...) with a limit of their own,
    drawn from a ``parent`` budget too when there is one (the server's ``MemoryBudget``): a
    ``take`` succeeds only when both have room. Only the server's loop takes and gives."""

    def __init__(self, limit: int = LOG_BUDGET, parent: Budget | None = None) -> None:
        self.limit = limit
        self.used = 0
        self.parent = parent
        self.refused = 0  # takes that found no room

    def room(self, n: int) -> bool:
        """``n`` more bytes would fit, here and in the parent."""
        here = self.used + n <= self.limit
        return here and (self.parent is None or self.parent.room(n))

    def take(self, n: int) -> bool:
        if not self.room(n):
            self.refused += 1
            return False
        self.used += n
        if self.parent is not None:
            self.parent.used += n
        return True

    def give(self, n: int) -> None:
        n = min(n, self.used)
        self.used -= n
        if self.parent is not None:
            self.parent.give(n)


class MemoryBudget(Budget):
    """The server-wide budget: every byte the server holds or queues on a client's behalf is
    taken from one of its accounts, each capped on its own and all together by ``limit``."""

    def __init__(self, limit: int = DEFAULT_MEMORY_BUDGET) -> None:
        check_option("memory_budget", limit, MIN_MEMORY_BUDGET, MAX_MEMORY_BUDGET, "bytes")
        super().__init__(limit)
        self.log = Budget(min(LOG_BUDGET, limit // 4), parent=self)
        self.scripts = Budget(min(SCRIPT_STORE_BYTES, limit // 8), parent=self)
        self.writes = Budget(limit, parent=self)  # written, not yet taken by the client
        self.incoming = Budget(limit, parent=self)  # read from clients, not yet handled

    def spent(self) -> bool:
        """No room for a new connection: less than one write window and one chunk left."""
        return not self.room(WRITE_LOW_WATER + WRITE_CHUNK)

    def refusal(self) -> str:
        """Why a new connection is refused, in one line."""
        mib = 1 << 20
        return (
            f"the server's memory budget ({self.limit // mib} MiB) is spent: "
            f"{self.writes.used // mib} MiB written to clients that have not read it, "
            f"{self.incoming.used // mib} MiB of incoming messages, {self.log.used // mib} MiB "
            f"of wire log, {self.scripts.used // mib} MiB of scripts; retry once those clients "
            "read or leave, or start the server with a larger --memory-budget"
        )

    def as_json(self) -> dict[str, int]:
        return {
            "limit": self.limit,
            "used": self.used,
            "log": self.log.used,
            "scripts": self.scripts.used,
            "writes": self.writes.used,
            "incoming": self.incoming.used,
        }


T = TypeVar("T")


class HeadTail(Generic[T]):
    """The first ``head`` and last ``tail`` items of a stream, and items ``pinned`` says to keep
    wherever they fall; ``total`` counts all, ``dropped`` those left out. ``append`` returns the
    item it dropped (so its bytes go back to the budget), else None."""

    def __init__(
        self, head: int = LOG_HEAD, tail: int = LOG_TAIL, pinned: Callable[[T], bool] | None = None
    ) -> None:
        self._head_max = head
        self._head: list[tuple[int, T]] = []
        self._tail: deque[tuple[int, T]] = deque()
        self._tail_max = tail
        self._pinned: list[tuple[int, T]] = []
        self._is_pinned = pinned
        self.total = 0
        self.dropped = 0

    def append(self, item: T) -> T | None:
        seq = self.total
        self.total += 1
        if len(self._head) < self._head_max:
            self._head.append((seq, item))
            return None
        self._tail.append((seq, item))
        if len(self._tail) <= self._tail_max:
            return None
        old_seq, old = self._tail.popleft()
        if self._is_pinned is not None and self._is_pinned(old):
            self._pinned.append((old_seq, old))
            return None
        self.dropped += 1
        return old

    def items(self) -> list[tuple[int, T]]:
        """``(sequence number, item)`` in stream order; a copy, safe from another thread."""
        head, pinned, tail = list(self._head), list(self._pinned), list(self._tail)
        return head + pinned + tail if not pinned else sorted(head + pinned + tail)

    def __iter__(self) -> Iterator[T]:
        return (item for _, item in self.items())

    def __len__(self) -> int:
        return self.total


# -- stored scripts --------------------------------------------------------------------------


class ScriptStore:
    """Stored scripts by id, bounded in count and bytes (and drawing on ``budget`` when
    given): the oldest go first."""

    def __init__(
        self,
        max_scripts: int = MAX_SCRIPTS,
        max_bytes: int = SCRIPT_STORE_BYTES,
        budget: Budget | None = None,
    ):
        self.max_scripts = max_scripts
        self.max_bytes = max_bytes
        self.budget = budget
        self._scripts: OrderedDict[str, tuple[Script, int]] = OrderedDict()
        self._bytes = 0
        self._ids = itertools.count(1)
        self.evicted = 0

    def add(self, script: Script, size: int) -> str:
        """Store a script (the oldest make room); MemoryError when the server's budget has no
        room for it even then."""
        while self._scripts and self.budget is not None and not self.budget.room(size):
            self._evict_oldest()
        if self.budget is not None and not self.budget.take(size):
            raise MemoryError("no room for the script in the server's memory budget")
        script_id = str(next(self._ids))
        self._scripts[script_id] = (script, size)
        self._bytes += size
        while len(self._scripts) > 1 and (
            len(self._scripts) > self.max_scripts or self._bytes > self.max_bytes
        ):
            self._evict_oldest()
        return script_id

    def _evict_oldest(self) -> None:
        _, (_, old_size) = self._scripts.popitem(last=False)
        self._bytes -= old_size
        if self.budget is not None:
            self.budget.give(old_size)
        self.evicted += 1

    def get(self, script_id: str) -> Script | None:
        found = self._scripts.get(script_id)
        return None if found is None else found[0]

    def __len__(self) -> int:
        return len(self._scripts)

    @property
    def bytes(self) -> int:
        return self._bytes


# -- who may use the control routes ----------------------------------------------------------

LOOPBACK_NAMES = ("localhost", "localhost.", "ip6-localhost")


def is_loopback(host: str) -> bool:
    """A host name or address that can only mean this machine."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_part(authority: str) -> str:
    """``host`` of ``host:port`` / ``[v6]:port``."""
    if authority.startswith("["):
        return authority[1 : authority.find("]")] if "]" in authority else authority
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority


def control_refusal(host_header: str | None, origin: str | None, loopback_only: bool) -> str | None:
    """Why a request to a control route (``/_scripts``, ``/_log``) is refused, or None.

    A browser page may send requests here (a form POST, DNS rebinding): a request with an
    ``Origin`` other than the server itself is refused, and while the server listens on
    loopback only, so is a ``Host`` that is not a loopback name (a rebound name)."""
    host = (host_header or "").strip()
    if loopback_only and not is_loopback(_host_part(host)):
        return (
            f"Host {host or '(none)'!r} is not a loopback name; use http://127.0.0.1:<port>, "
            "or start the server with --host to listen elsewhere"
        )
    if origin is not None:
        parts = urlsplit(origin)
        same = parts.netloc.lower() == host.lower() and bool(host)
        if not same:
            return (
                f"cross-origin request from {origin[:100]!r} refused: the control routes serve "
                "tools (curl, scripts), not web pages; send no Origin header"
            )
    return None


def check_host_name(value: str) -> str:
    """A host a URL and a certificate can name (an IP address or a DNS name), or ValueError
    with one line saying what is wrong."""
    text = value.removeprefix("[").removesuffix("]")
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(text))
    labels = text.rstrip(".").split(".")
    if not text or len(text) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            f"{value[:60]!r} is neither an IP address nor a host name (letters, digits, '-', "
            "dots); give the address a device reaches this machine by, e.g. 127.0.0.1"
        )
    return text


_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
