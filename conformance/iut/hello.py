"""A driver's ``hello`` reply (docs/driver-protocol.md, "hello") as one typed record.

``DriverInfo`` says what the driver and the implementation behind it declare: the protocol
version it speaks, its capabilities (``modes``, ``binary_type``), the subscriber behaviours it
carries out, the later API's features, and the implementation's close and handshake
timeouts. One reader, ``DriverInfo.from_json`` (a reply → a record; a field of the wrong type
is read as absent and named in ``problems``, a DP1 failure of the next case), and one writer,
``DriverInfo.as_json`` (the reply's fields: what the Python executor answers and what a case
file's ``driver`` shows).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .trace import JSON, JSONObject
from .violations import quote

MAX_SECONDS = 3600.0  # a timeout a driver declares is believed up to an hour
API_LEVELS = range(6, 100)  # the API versions a driver may declare in ``api_level``


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
    problems: tuple[str, ...] = field(default=())  # what the reply got wrong (DP1)

    def as_json(self) -> JSONObject:
        """The reply's fields (without ``id`` and ``ok``); ``problems`` are not part of it."""
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

    @classmethod
    def from_json(cls, body: Mapping[str, JSON]) -> DriverInfo:
        """A ``hello`` reply → ``DriverInfo``. An ``ok: false`` reply is a protocol-1 driver
        (which did not know ``hello``); fields of the wrong type are ignored and listed in
        ``problems``."""
        if not body.get("ok"):
            return cls()
        problems: list[str] = []  # in the order the old reader found them (DP1 order)
        protocol = body.get("protocol", 1)
        if isinstance(protocol, bool) or not isinstance(protocol, int):
            problems.append(
                f"hello: protocol must be an integer, not {quote(json.dumps(protocol))}"
            )
            protocol = 1
        modes = _names(body, "modes", problems)
        behaviours = _names(body, "behaviours", problems)
        api_features = _names(body, "api_features", problems)
        api_level = body.get("api_level")
        if api_level is not None and (
            isinstance(api_level, bool)
            or not isinstance(api_level, int)
            or api_level not in API_LEVELS
        ):
            problems.append(f"hello: api_level must be an integer 6..99: {quote(str(api_level))}")
            api_level = None
        driver = _text(body, "driver", problems)
        language = _text(body, "language", problems)
        implementation = _text(body, "implementation", problems) or _text(body, "module", problems)
        return cls(
            protocol=protocol,
            driver=driver,
            language=language,
            implementation=implementation,
            binary_type=_text(body, "binary_type", problems),
            modes=("async",) if modes is None else modes,
            close_timeout=_seconds(body, "close_timeout", problems),
            handshake_timeout=_seconds(body, "handshake_timeout", problems),
            behaviours=behaviours,
            api_features=api_features,
            api_level=api_level,
            problems=tuple(problems),
        )


def read_hello(body: Mapping[str, JSON]) -> DriverInfo:
    """``DriverInfo.from_json``, by the name its callers used before it was a classmethod."""
    return DriverInfo.from_json(body)


def _text(body: Mapping[str, JSON], name: str, problems: list[str]) -> str | None:
    value = body.get(name)
    if value is None or isinstance(value, str):
        return value
    problems.append(f"hello: {name} must be a string, not {quote(json.dumps(value))}")
    return None


def _names(body: Mapping[str, JSON], name: str, problems: list[str]) -> tuple[str, ...] | None:
    """A list of strings, or None when absent (or not such a list: then a problem)."""
    value: JSON = body.get(name)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    problems.append(f"hello: {name} must be a list of strings: {quote(str(value))}")
    return None


def _seconds(body: Mapping[str, JSON], name: str, problems: list[str]) -> float | None:
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
