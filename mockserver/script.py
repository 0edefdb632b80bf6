"""The script document: one place that knows its schema, and checks it before anything runs.

A bad script is refused whole (HTTP 400 naming the step and why), so a run never starts on a
document it cannot finish.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .limits import MAX_CONTROL_PAYLOAD, MAX_FRAME_LENGTH, MAX_FRAMES


class ScriptError(ValueError):
    """A script the server refuses; ``step`` is the index of the bad step (None: the document)."""

    def __init__(self, step: int | None, why: str) -> None:
        self.step = step
        self.why = why
        where = "script" if step is None else f"step {step}"
        super().__init__(f"{where}: {why}")


_BOOL, _INT, _STR = (bool,), (int,), (str,)
MAX_REPEAT_STEPS = 1_000_000  # steps a script may run once its repeats are unrolled

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
    """The bytes a step carries: inline text, base64/hex, or ``size`` generated bytes."""
    try:
        if "b64" in step:
            return base64.b64decode(step["b64"], validate=True)
        if "hex" in step:
            return bytes.fromhex(step["hex"])
    except (binascii.Error, ValueError) as exc:
        raise ScriptError(index, f"bad encoded payload: {exc}") from exc
    if "data" in step:
        return str(step["data"]).encode("utf-8")
    if "size" in step:
        text_frame = step.get("op") == "raw_frame" and step.get("opcode") in (0, 1)
        if step.get("op") == "send_text" or step.get("kind") == "text" or text_frame:
            return generated_text(step["size"]).encode("ascii")
        return generated_bytes(step["size"])
    return b""


def generated_bytes(size: int) -> bytes:
    """Byte i is i % 251: a pattern whose corruption shows, cheap to make at 4 MiB."""
    return (bytes(range(251)) * (size // 251 + 1))[:size]


def generated_text(size: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return (letters * (size // 26 + 1))[:size]


def _check_step(index: int, step: Any) -> dict[str, Any]:
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
    for name in ("size", "ms", "timeout_ms", "count", "frames", "length", "delay_ms"):
        if name in step and step[name] < 0:
            raise ScriptError(index, f"{name} must not be negative")
    if step.get("size", 0) > MAX_SIZE:
        raise ScriptError(index, f"size is limited to {MAX_SIZE} bytes")
    for name in ("chop", "fragment_size"):
        if name in step and step[name] < 1:
            raise ScriptError(index, f"{name} must be at least 1")
    if max(step.get(n, 0) for n in ("ms", "timeout_ms", "delay_ms")) > MAX_MS:
        raise ScriptError(index, f"waits are limited to {MAX_MS} ms")
    if op == "raw_frame" and not 0 <= step["opcode"] <= 15:
        raise ScriptError(index, "opcode must be 0..15")
    if op == "raw_frame" and step.get("length", 0) > MAX_FRAME_LENGTH:
        raise ScriptError(index, f"length is limited to {MAX_FRAME_LENGTH} (63 bits)")
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
        inner = [_check_step(index, s) for s in step["steps"]]
        return {"op": "repeat", "count": step["count"], "steps": inner}
    if op == "close" and "code" in step and not 0 <= step["code"] <= 65535:
        raise ScriptError(index, "code must fit in 16 bits")
    if op == "close" and len(step.get("reason", "").encode("utf-8")) > 123:
        raise ScriptError(index, "reason is over 123 UTF-8 bytes")
    payload_bytes(step, index)  # decodes, so a bad b64/hex is refused now
    return dict(step)


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
    if _unrolled(checked) > MAX_REPEAT_STEPS:
        raise ScriptError(None, f"more than {MAX_REPEAT_STEPS} steps once repeats are unrolled")
    return Script(dict(handshake), checked)


def _unrolled(steps: list[dict[str, Any]]) -> int:
    """How many steps run once every ``repeat`` is unrolled."""
    return sum(s["count"] * _unrolled(s["steps"]) if s["op"] == "repeat" else 1 for s in steps)
