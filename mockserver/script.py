"""The script document: one place that knows its schema, and checks it before anything runs.

A bad script is refused whole (HTTP 400 naming the step and why), so a run never starts on a
document it cannot finish. Every number in it is range-checked, and what the whole script
would do is bounded before it is accepted: at most ``MAX_SCRIPT_WORK`` steps, writes and
frames once every ``repeat`` is unrolled (each round of a repeat counts 1 besides its steps,
so an empty one costs its count) and ``MAX_SCRIPT_BYTES`` payload bytes. Both are counted
from the document alone, in time proportional to its size: nothing is unrolled, and no
payload is generated (``size`` payloads are made in chunks while written, ``Payload.chunks``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .limits import (
    MAX_CONTROL_PAYLOAD,
    MAX_FRAME_LENGTH,
    MAX_FRAMES,
    MAX_SCRIPT_BYTES,
    MAX_SCRIPT_WORK,
    WRITE_CHUNK,
)


class ScriptError(ValueError):
    """A script the server refuses; ``step`` is the index of the bad step (None: the document)."""

    def __init__(self, step: int | None, why: str) -> None:
        self.step = step
        self.why = why
        where = "script" if step is None else f"step {step}"
        super().__init__(f"{where}: {why}")


_BOOL, _INT, _STR = (bool,), (int,), (str,)
MAX_REPEAT_STEPS = MAX_SCRIPT_WORK  # the old name: steps once repeats are unrolled

# op -> {field: (types, required)}
STEP_FIELDS: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "send_text": {"data": (_STR, False), "size": (_INT, False)},
    "send_binary": {"b64": (_STR, False), "size": (_INT, False)},
    "send_fragmented": {
        "kind": (_STR, True),
        "data": (_STR, False),
        "b64": (_STR, False),
        "size": (_INT, False),
        "frames": (_INT, False),
        "fragment_size": (_INT, False),
    },
    "ping": {"data": (_STR, False)},
    "pong": {"data": (_STR, False)},
    "raw_frame": {
        "fin": (_BOOL, False),
        "rsv1": (_BOOL, False),
        "rsv2": (_BOOL, False),
        "rsv3": (_BOOL, False),
        "opcode": (_INT, True),
        "mask": (_BOOL, False),
        "data": (_STR, False),
        "b64": (_STR, False),
        "size": (_INT, False),
        "length": (_INT, False),
        "chop": (_INT, False),
        "delay_ms": (_INT, False),
    },
    "raw_bytes": {"b64": (_STR, False), "hex": (_STR, False)},
    "wait": {"ms": (_INT, True)},
    "wait_close": {"ms": (_INT, True)},
    "ignore_pings": {"ms": (_INT, True)},
    "expect": {
        "kind": (_STR, False),
        "data": (_STR, False),
        "b64": (_STR, False),
        "timeout_ms": (_INT, False),
    },
    "echo": {"count": (_INT, False)},
    "mark": {"name": (_STR, True)},
    "repeat": {"count": (_INT, True), "steps": ((list,), True)},
    "close": {
        "code": (_INT, False),
        "reason": (_STR, False),
        "empty": (_BOOL, False),
        "wait": (_BOOL, False),
    },
    "drop": {},
    "stall": {"ms": (_INT, False)},
    "send_headers": {},
}

HANDSHAKE_FIELDS: dict[str, tuple[type, ...]] = {
    "status": _INT,
    "headers": (dict,),
    "subprotocol": _STR,
    "accept": _STR,
    "delay_ms": _INT,
    "never_answer": _BOOL,
    "reason": _STR,
}

MAX_SIZE = 64 * 1024 * 1024
MAX_REPEATED_HEADER = 16  # lines of one response header (handshake.headers: a list)
MAX_REASON_PHRASE = 128  # characters of handshake.reason
MAX_MS = 120_000

# Every integer field: its range (checked before any other use of the value).
INT_RANGES: dict[str, tuple[int, int]] = {
    "size": (0, MAX_SIZE),
    "ms": (0, MAX_MS),
    "timeout_ms": (0, MAX_MS),
    "delay_ms": (0, MAX_MS),
    "count": (0, MAX_SCRIPT_WORK),
    "frames": (1, MAX_FRAMES),
    "fragment_size": (1, MAX_SIZE),
    "chop": (1, MAX_SIZE + 14),
    "length": (0, MAX_FRAME_LENGTH),
    "opcode": (0, 15),
    "code": (0, 65535),
}


@dataclass
class Script:
    handshake: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)


# RFC 9110 §5.6.2: a header name, and a subprotocol (RFC 6455 §4.1), is a token.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A reason phrase (RFC 9112 §4): here printable ASCII and spaces only, so a case compares it
# with what the client reports without a question of encoding.
_REASON = re.compile(r"[\x20-\x7e]*")
# A header value: visible characters, spaces and tabs (no CR, LF, NUL or other controls).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _check_type(value: Any, types: tuple[type, ...], name: str, step: int | None) -> None:
    if types != _BOOL and isinstance(value, bool):
        raise ScriptError(step, f"{name} must be {types[0].__name__}, not a boolean")
    if not isinstance(value, types):
        raise ScriptError(step, f"{name} must be {types[0].__name__}, not {type(value).__name__}")
    if isinstance(value, str):
        _check_text(value, name, step)


def _check_text(value: str, name: str, step: int | None) -> None:
    """A string that is Unicode text: no lone surrogate (JSON's ``"\\ud800"``)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ScriptError(
            step, f"{name} holds a lone surrogate at {exc.start}: write the character itself"
        ) from None


def load_script_text(text: str | bytes) -> Script:
    """A script document from JSON text: any text gives a Script or a ScriptError."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise ScriptError(None, "script is nested too deeply: flatten it") from None
    except UnicodeDecodeError as exc:
        raise ScriptError(None, f"script is not UTF-8 ({exc.reason}): send UTF-8 JSON") from None
    except ValueError as exc:  # JSONDecodeError, and integers past Python's digit limit
        raise ScriptError(None, f"script is not JSON: {str(exc)[:200]}") from None
    return parse_script(document)


def payload_bytes(step: dict[str, Any], index: int | None = None) -> bytes:
    """The bytes a step carries, whole: inline text, base64/hex, or ``size`` generated bytes.
    For a checked step's payload as it is sent, use ``step_payload`` (it never makes a large
    payload at once)."""
    return step_payload(step, index).whole()


@functools.lru_cache(maxsize=16)
def _decode(encoding: str, text: str) -> bytes:
    if encoding == "b64":
        return base64.b64decode(text, validate=True)
    return bytes.fromhex(text)


def step_payload(step: dict[str, Any], index: int | None = None) -> Payload:
    """A step's payload as a ``Payload``: inline bytes (at most the script's own size), or
    ``size`` generated bytes, made a chunk at a time when they are written."""
    try:
        if "b64" in step:
            return Payload(inline=_decode("b64", step["b64"]))
        if "hex" in step:
            return Payload(inline=_decode("hex", step["hex"]))
    except (binascii.Error, ValueError) as exc:
        raise ScriptError(index, f"bad encoded payload: {exc}") from None
    if "data" in step:
        return Payload(inline=str(step["data"]).encode("utf-8"))
    if "size" in step:
        text_frame = step.get("op") == "raw_frame" and step.get("opcode") in (0, 1)
        text = step.get("op") == "send_text" or step.get("kind") == "text" or text_frame
        return Payload(generated=int(step["size"]), text=text)
    return Payload(inline=b"")


_BYTE_PERIOD = bytes(range(251))
_LETTERS = b"abcdefghijklmnopqrstuvwxyz"
# A chunk of either pattern is a slice of one of these (no copy): the period, repeated past
# WRITE_CHUNK plus one period, so a chunk may start at any phase.
_BYTE_BLOCK = _BYTE_PERIOD * (WRITE_CHUNK // len(_BYTE_PERIOD) + 2)
_TEXT_BLOCK = _LETTERS * (WRITE_CHUNK // len(_LETTERS) + 2)


@dataclass(frozen=True)
class Payload:
    """What a step sends: ``inline`` bytes, or ``generated`` bytes of a pattern (byte i is
    i % 251; or letters a..z for text), never held whole: ``chunks`` makes them a piece at a
    time, so a 64 MiB payload costs the loop one small slice per write."""

    inline: bytes | None = None
    generated: int = 0
    text: bool = False

    def __len__(self) -> int:
        return len(self.inline) if self.inline is not None else self.generated

    def chunks(
        self, size: int = WRITE_CHUNK, start: int = 0, end: int | None = None
    ) -> Iterator[memoryview]:
        """The payload's bytes ``start..end`` (default: all), in pieces of at most ``size``
        (<= WRITE_CHUNK), each a view made when it is asked for."""
        size = max(1, min(size, WRITE_CHUNK))
        stop = len(self) if end is None else min(end, len(self))
        if self.inline is not None:
            view = memoryview(self.inline)
            for offset in range(start, stop, size):
                yield view[offset : min(offset + size, stop)]
            return
        block = memoryview(_TEXT_BLOCK if self.text else _BYTE_BLOCK)
        period = len(_LETTERS) if self.text else len(_BYTE_PERIOD)
        for offset in range(start, stop, size):
            phase = offset % period
            yield block[phase : phase + min(size, stop - offset)]

    def head(self, n: int) -> bytes:
        """The first ``n`` bytes (what the log keeps)."""
        if self.inline is not None:
            return self.inline[:n]
        return b"".join(bytes(c) for c in self.chunks(end=n))

    def whole(self) -> bytes:
        """All of it at once: for small payloads (or tests), never for a large one on the loop."""
        if self.inline is not None:
            return self.inline
        return b"".join(bytes(c) for c in self.chunks())

    def sha256(self) -> str:
        """Its SHA-256, a chunk at a time (run it off the loop for a large payload)."""
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()


def generated_bytes(size: int) -> bytes:
    """Byte i is i % 251: a pattern whose corruption shows."""
    return Payload(generated=size).whole()


def generated_text(size: int) -> str:
    return Payload(generated=size, text=True).whole().decode("ascii")


MAX_DEPTH = 16  # repeats inside repeats


def _check_step(index: int, step: Any, depth: int = 0) -> dict[str, Any]:
    if not isinstance(step, dict):
        raise ScriptError(index, "a step must be an object")
    op = step.get("op")
    if op not in STEP_FIELDS:
        raise ScriptError(index, f"unknown op {op!r}; known: {', '.join(sorted(STEP_FIELDS))}")
    allowed = STEP_FIELDS[op]
    for name, value in step.items():
        if name == "op":
            continue
        if name not in allowed:
            raise ScriptError(index, f"{op} has no field {name!r}")
        _check_type(value, allowed[name][0], name, index)
    for name, (_, required) in allowed.items():
        if required and name not in step:
            raise ScriptError(index, f"{op} needs {name!r}")
    for name, (low, high) in INT_RANGES.items():
        value = step.get(name)
        if isinstance(value, int) and not low <= value <= high:
            raise ScriptError(index, _range_why(name, value, low, high))
    if op == "send_fragmented":
        if step["kind"] not in ("text", "binary"):
            raise ScriptError(index, "kind must be 'text' or 'binary'")
        if "frames" not in step and "fragment_size" not in step:
            raise ScriptError(index, "send_fragmented needs 'frames' or 'fragment_size'")
        implied = -(-step.get("size", 0) // step.get("fragment_size", MAX_SIZE + 1))
        if not 1 <= step.get("frames", 1) <= MAX_FRAMES or implied > MAX_FRAMES:
            raise ScriptError(index, f"frames must be 1..{MAX_FRAMES} (fragment_size included)")
    if op in ("ping", "pong") and len(step.get("data", "").encode("utf-8")) > MAX_CONTROL_PAYLOAD:
        raise ScriptError(
            index, f"{op} data is over {MAX_CONTROL_PAYLOAD} UTF-8 bytes (a control frame's limit)"
        )
    if op == "expect" and step.get("kind", "any") not in (
        "text",
        "binary",
        "close",
        "pong",
        "any",
    ):
        raise ScriptError(index, "kind must be text, binary, close, pong or any")
    if op == "repeat":
        if depth >= MAX_DEPTH:
            raise ScriptError(index, f"repeats are nested more than {MAX_DEPTH} deep: flatten them")
        inner = [_check_step(index, s, depth + 1) for s in step["steps"]]
        return {"op": "repeat", "count": step["count"], "steps": inner}
    if op == "close" and len(step.get("reason", "").encode("utf-8")) > 123:
        raise ScriptError(index, "reason is over 123 UTF-8 bytes")
    step_payload(step, index)  # decodes b64/hex (a bad one is refused now); generates nothing
    return dict(step)


def _range_why(name: str, value: int, low: int, high: int) -> str:
    """Why an integer field is refused, in one line (a huge number is not printed whole)."""
    shown = str(value) if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
    if value < low:
        return (
            f"{name} must not be negative" if low == 0 else f"{name} must be at least {low}"
        ) + f" (it is {shown})"
    unit = {"length": " (what 63 bits can say)", "size": " bytes"}.get(name, "")
    if name in ("ms", "timeout_ms", "delay_ms"):
        unit = " ms (waits are limited)"
    if name == "count":
        unit = " (the steps a script may make once its repeats are unrolled)"
    return f"{name} {shown} is out of range: {low}..{high}{unit}"


def parse_script(document: Any) -> Script:
    """Validate a script document (already JSON-decoded) into a Script."""
    if not isinstance(document, dict):
        raise ScriptError(None, "the script must be a JSON object")
    unknown = set(document) - {"handshake", "steps"}
    if unknown:
        raise ScriptError(None, f"unknown keys {sorted(unknown)}")
    handshake = document.get("handshake", {})
    if not isinstance(handshake, dict):
        raise ScriptError(None, "handshake must be an object")
    for name, value in handshake.items():
        if name not in HANDSHAKE_FIELDS:
            raise ScriptError(None, f"handshake has no field {name!r}")
        _check_type(value, HANDSHAKE_FIELDS[name], f"handshake.{name}", None)
    status = handshake.get("status")
    if status is not None and not (100 <= status <= 599 and status != 101):
        raise ScriptError(None, "handshake.status must be 100..599 and not 101")
    reason = handshake.get("reason")
    if reason is not None and (len(reason) > MAX_REASON_PHRASE or not _REASON.fullmatch(reason)):
        raise ScriptError(
            None,
            f"handshake.reason must be printable ASCII (spaces allowed), at most "
            f"{MAX_REASON_PHRASE} characters",
        )
    if handshake.get("accept") not in (None, "wrong", "missing"):
        raise ScriptError(None, "handshake.accept must be 'wrong' or 'missing'")
    for name, value in handshake.get("headers", {}).items():
        _check_text(name, "handshake header name", None)
        if not _TOKEN.fullmatch(name):
            raise ScriptError(
                None, f"handshake header name {name[:60]!r}: letters, digits and !#$%&'*+.^_`|~-"
            )
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > MAX_REPEATED_HEADER:
            raise ScriptError(
                None,
                f"handshake header {name!r}: a list of 1..{MAX_REPEATED_HEADER} values "
                "(one header line each)",
            )
        for one in values:
            if not isinstance(one, str):
                raise ScriptError(
                    None,
                    f"handshake header {name!r}: the value must be a string, or a list of "
                    "strings (the header sent once per value)",
                )
            _check_text(one, f"handshake header {name!r}", None)
            if _CONTROL.search(one):
                raise ScriptError(None, f"handshake header {name!r}: a value without CR/LF/NUL")
    if "subprotocol" in handshake and not _TOKEN.fullmatch(handshake["subprotocol"]):
        raise ScriptError(
            None, "handshake.subprotocol must be a token: letters, digits and !#$%&'*+.^_`|~-"
        )
    if handshake.get("delay_ms", 0) < 0 or handshake.get("delay_ms", 0) > MAX_MS:
        raise ScriptError(None, f"handshake.delay_ms must be 0..{MAX_MS}")
    steps = document.get("steps", [])
    if not isinstance(steps, list):
        raise ScriptError(None, "steps must be a list")
    checked = [_check_step(i, s) for i, s in enumerate(steps)]
    work, sent = script_cost(checked)
    if work > MAX_SCRIPT_WORK:
        raise ScriptError(
            None,
            f"the script makes more than {MAX_SCRIPT_WORK:,} steps, writes and frames once its "
            "repeats are unrolled (each round of a repeat counts 1): lower a count",
        )
    if sent > MAX_SCRIPT_BYTES:
        raise ScriptError(
            None,
            f"the script sends more than {MAX_SCRIPT_BYTES:,} payload bytes once its repeats are "
            "unrolled: lower a size or a count",
        )
    return Script(dict(handshake), checked)


_SATURATED = MAX_SCRIPT_WORK + MAX_SCRIPT_BYTES + 1  # any cost past a bound is just "too much"


def step_cost(step: dict[str, Any]) -> tuple[int, int]:
    """``(work, bytes)`` of one checked step, repeats unrolled, counted without running it:
    work is 1 per step, plus one per frame and per write past the first, and 1 per round of a
    repeat (so an empty repeat costs its count); bytes are the payload bytes it sends. Both
    saturate just past their bounds (no huge products)."""
    op = step["op"]
    if op == "repeat":
        inner_work, inner_bytes = script_cost(step["steps"])
        count = step["count"]
        return min(count * (1 + inner_work), _SATURATED), min(count * inner_bytes, _SATURATED)
    size = len(step_payload(step)) if op in _SENDS else 0
    work = 1
    if op == "send_fragmented":
        if "fragment_size" in step:
            work = max(1, -(-size // step["fragment_size"]), step.get("frames", 0))
        else:
            work = step["frames"]
    elif op == "raw_frame":
        frame = size + 14
        work = -(-frame // step.get("chop", frame))
    elif op == "echo":
        work = step.get("count", 1) or 1
    return work, size


_SENDS = ("send_text", "send_binary", "send_fragmented", "raw_frame", "raw_bytes", "ping", "pong")


def script_cost(steps: list[dict[str, Any]]) -> tuple[int, int]:
    """``(work, bytes)`` of checked steps; see ``step_cost``."""
    work = sent = 0
    for step in steps:
        w, b = step_cost(step)
        work, sent = min(work + w, _SATURATED), min(sent + b, _SATURATED)
    return work, sent
