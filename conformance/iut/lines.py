"""Reading what a driver writes: one line → a reply, a trace entry, or a protocol violation.

Pure functions, no I/O: the driver transport (``session.Driver``) feeds each raw line here and
acts on the result. Whatever a driver writes, a caller gets a value or a ``ProtocolViolation``
that quotes (a capped part of) the line: never another exception, so a reader thread that
calls ``read_line`` in a loop survives any input (docs/driver-protocol.md, "Robustness").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

MAX_LINE = 1 << 20  # bytes per line, the newline excluded; longer lines are violations
QUOTE = 200  # characters of an offending line quoted in a report

ENTRY_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    # kind -> required field -> accepted JSON types (bool is never an int here)
    "call": {"socket": (str,), "call": (int,), "method": (str,)},
    "return": {"socket": (str,), "call": (int,), "returned": (str,)},
    "result": {"socket": (str,), "call": (int,)},
    "event": {"socket": (str,), "sub": (str,), "type": (str,)},
    "log": {"message": (str,)},
    "loop_error": {"message": (str,)},
}


class ProtocolViolation(Exception):
    """A line (or a reply) that breaks the driver protocol; ``str()`` says what and quotes it."""


def quote(raw: bytes | str) -> str:
    """A capped, printable rendering of what a driver wrote."""
    text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
    return repr(text[:QUOTE]) + (f" … ({len(text)} characters)" if len(text) > QUOTE else "")


@dataclass(frozen=True)
class Reply:
    id: int
    body: dict[str, Any]


@dataclass(frozen=True)
class TraceLine:
    entry: dict[str, Any]


def read_line(raw: bytes) -> Reply | TraceLine:
    """Parse one stdout line (without its newline). Raises ``ProtocolViolation``."""
    if len(raw) > MAX_LINE:
        raise ProtocolViolation(f"a line of {len(raw)} bytes (the limit is {MAX_LINE})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolViolation(
            f"not UTF-8 ({exc.reason} at byte {exc.start}): {quote(raw)}"
        ) from None
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolViolation(f"not JSON ({exc}): {quote(text)}") from None
    if not isinstance(message, dict):
        raise ProtocolViolation(f"a JSON {type(message).__name__}, not an object: {quote(text)}")
    if "event" in message:
        return TraceLine(check_entry(message.get("entry"), text))
    ident = message.get("id")
    if isinstance(ident, bool) or not isinstance(ident, int):
        raise ProtocolViolation(f"neither an event nor a reply with an integer id: {quote(text)}")
    if not isinstance(message.get("ok"), bool):
        raise ProtocolViolation(f"reply {ident} has no boolean 'ok': {quote(text)}")
    return Reply(ident, message)


def check_entry(entry: Any, text: str = "") -> dict[str, Any]:
    """A trace entry of a documented kind with its required fields; values normalised."""
    where = quote(text) if text else quote(json.dumps(entry, default=repr))
    if not isinstance(entry, dict):
        raise ProtocolViolation(f"an event whose 'entry' is not an object: {where}")
    kind = entry.get("kind")
    if kind not in ENTRY_FIELDS:
        raise ProtocolViolation(f"a trace entry of unknown kind {kind!r}: {where}")
    for name, types in ENTRY_FIELDS[kind].items():
        value = entry.get(name)
        if isinstance(value, bool) or not isinstance(value, types):
            raise ProtocolViolation(f"a {kind!r} entry without a valid {name!r}: {where}")
    if kind in ("result", "event"):
        for name in ("err", "value"):
            entry[name] = normalise_value(entry.get(name))
    if kind == "return":
        entry["raised"] = normalise_value(entry.get("raised"))
    return entry


def normalise_value(value: Any) -> Any:
    """Give a described value its ``kind`` when a driver left it out: a value with ``b64`` is
    binary, one with ``text`` is text, any other object an object. Checks read ``kind`` only."""
    if isinstance(value, dict) and "kind" not in value:
        value = dict(value)
        value["kind"] = "binary" if "b64" in value else "text" if "text" in value else "object"
    return value


@dataclass(frozen=True)
class DriverInfo:
    """What ``hello`` told about the driver and the implementation behind it."""

    protocol: int = 1
    driver: str | None = None
    language: str | None = None
    implementation: str | None = None
    binary_type: str | None = None
    modes: tuple[str, ...] = ("async",)
    close_timeout: float | None = None
    handshake_timeout: float | None = None
    behaviours: tuple[str, ...] | None = None  # protocol 3: the subscriber behaviours offered
    # The later API's optional features the implementation declares (``api_features``) and the
    # API version it declares to follow (``api_level``): conformance/apifeatures.py reads them.
    api_features: tuple[str, ...] | None = None
    api_level: int | None = None
    problems: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "driver": self.driver,
            "language": self.language,
            "implementation": self.implementation,
            "binary_type": self.binary_type,
            "modes": list(self.modes),
            "close_timeout": self.close_timeout,
            "handshake_timeout": self.handshake_timeout,
            "behaviours": None if self.behaviours is None else list(self.behaviours),
            "api_features": None if self.api_features is None else list(self.api_features),
            "api_level": self.api_level,
        }


def read_hello(body: dict[str, Any]) -> DriverInfo:
    """A ``hello`` reply → ``DriverInfo``. An ``ok: false`` reply is a protocol-1 driver (which
    did not know ``hello``); fields of the wrong type are ignored and listed in ``problems``."""
    if not body.get("ok"):
        return DriverInfo()
    problems: list[str] = []

    def text(name: str) -> str | None:
        value = body.get(name)
        if value is None or isinstance(value, str):
            return value
        problems.append(f"hello: {name} must be a string, not {quote(json.dumps(value))}")
        return None

    protocol = body.get("protocol", 1)
    if isinstance(protocol, bool) or not isinstance(protocol, int):
        problems.append(f"hello: protocol must be an integer, not {quote(json.dumps(protocol))}")
        protocol = 1
    modes: tuple[str, ...] = ("async",)
    raw_modes = body.get("modes")
    if raw_modes is not None:
        if isinstance(raw_modes, list) and all(isinstance(m, str) for m in raw_modes):
            modes = tuple(raw_modes)
        else:
            problems.append(f"hello: modes must be a list of strings: {quote(str(raw_modes))}")
    behaviours: tuple[str, ...] | None = None
    raw_behaviours = body.get("behaviours")
    if raw_behaviours is not None:
        if isinstance(raw_behaviours, list) and all(isinstance(b, str) for b in raw_behaviours):
            behaviours = tuple(raw_behaviours)
        else:
            problems.append(
                f"hello: behaviours must be a list of strings: {quote(str(raw_behaviours))}"
            )
    api_features: tuple[str, ...] | None = None
    raw_features = body.get("api_features")
    if raw_features is not None:
        if isinstance(raw_features, list) and all(isinstance(f, str) for f in raw_features):
            api_features = tuple(raw_features)
        else:
            problems.append(
                f"hello: api_features must be a list of strings: {quote(str(raw_features))}"
            )
    api_level = body.get("api_level")
    if api_level is not None and (
        isinstance(api_level, bool) or not isinstance(api_level, int) or not 6 <= api_level <= 99
    ):
        problems.append(f"hello: api_level must be an integer 6..99: {quote(str(api_level))}")
        api_level = None
    return DriverInfo(
        protocol=protocol,
        driver=text("driver"),
        language=text("language"),
        implementation=text("implementation") or text("module"),
        binary_type=text("binary_type"),
        modes=modes,
        close_timeout=_seconds(body, "close_timeout", problems),
        handshake_timeout=_seconds(body, "handshake_timeout", problems),
        behaviours=behaviours,
        api_features=api_features,
        api_level=api_level,
        problems=tuple(problems),
    )


MAX_SECONDS = 3600.0  # a timeout a driver declares is believed up to an hour


def _seconds(body: dict[str, Any], name: str, problems: list[str]) -> float | None:
    """A positive, finite number of seconds (at most ``MAX_SECONDS``) or null; anything else
    is listed in ``problems`` (a DP1 failure) and read as null."""
    value = body.get(name)
    if value is None:
        return None
    number: float | None = None
    if not isinstance(value, bool) and isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # a 400-digit integer
            number = None
    if number is None or not math.isfinite(number) or not 0 < number <= MAX_SECONDS:
        problems.append(
            f"hello: {name} must be a positive number of seconds up to {MAX_SECONDS:g}, or "
            f"null, not {quote(json.dumps(value))}"
        )
        return None
    return number
