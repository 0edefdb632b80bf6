"""One trace entry: what a case's IUT did (a call, its return and settlement, an event, a log
record, an escaped exception) or what its driver broke (``protocol_error``).

``TraceEntry`` is the record every producer writes (the executor, the escape capture, the
driver transport) and every reader gets (``Session``, ``context``, the cases, the ordering
checks). It has one reader and one writer for its one external form, the JSON object of
docs/driver-protocol.md ("Trace events") and of a case file's ``trace`` array
(docs/report-format.md):

- ``TraceEntry.from_json``: a JSON object → an entry, or ``ProtocolViolation`` quoting it;
- ``TraceEntry.as_json``: an entry → that JSON object (``t`` only once the suite stamped it).

Fields a driver sent that the record does not know, or sent with a type the record does not
hold, are kept verbatim in ``extra`` and written back as they came: the case file shows what
the driver said. Readers use the attributes; the JSON object is ``as_json()``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias, cast, get_args

from .violations import ProtocolViolation, quote

JSON: TypeAlias = "bool | int | float | str | list[JSON] | dict[str, JSON] | None"
JSONObject: TypeAlias = "dict[str, JSON]"

TraceKind = Literal[
    "call", "return", "result", "event", "log", "loop_error", "protocol_error", "raised"
]
KINDS: frozenset[str] = frozenset(get_args(TraceKind))
# What a driver may write: every kind but the suite's own records: what the driver broke, and
# a call that raised at once as its settlement (``raised``: what ``CaseContext.settle`` hands a
# case instead of a ``result``; never in a trace).
DRIVER_KINDS: frozenset[str] = KINDS - {"protocol_error", "raised"}

# kind -> required field -> accepted JSON types (bool is never an int here)
REQUIRED: dict[str, dict[str, tuple[type, ...]]] = {
    "call": {"socket": (str,), "call": (int,), "method": (str,)},
    "return": {"socket": (str,), "call": (int,), "returned": (str,)},
    "result": {"socket": (str,), "call": (int,)},
    "event": {"socket": (str,), "sub": (str,), "type": (str,)},
    "log": {"message": (str,)},
    "loop_error": {"message": (str,)},
    "protocol_error": {"message": (str,)},
    "raised": {},
}

# Fields written even when null (a missing one reads as null): the suite's producers always
# write them, and the reader gives a driver's entry them too.
ALWAYS_WRITTEN: dict[str, tuple[str, ...]] = {
    "return": ("raised",),
    "result": ("err", "value"),
    "event": ("err", "value"),
    "log": ("exc",),
    "loop_error": ("exc",),
    "raised": ("err", "value"),
}

_TEXT_FIELDS = frozenset(
    ("socket", "method", "style", "returned", "sub", "type", "level", "logger", "message", "exc")
)
_INT_FIELDS = frozenset(("call", "nargs"))
_JSON_FIELDS = frozenset(("args", "raised", "err", "value"))
# Values the reader gives a ``kind`` when a driver left it out (``normalise_value``).
_DESCRIBED: dict[str, tuple[str, ...]] = {
    "result": ("err", "value"),
    "event": ("err", "value"),
    "return": ("raised",),
}


@dataclass(frozen=True, eq=False)
class TraceEntry:
    """One entry; ``None`` in a field means the entry has no such field (except the fields of
    ``ALWAYS_WRITTEN``, which are null then). ``t``: seconds since the case began, stamped by
    the ``Session`` on arrival (None before). Equality is the JSON object's."""

    kind: TraceKind
    t: float | None = None
    socket: str | None = None
    call: int | None = None
    method: str | None = None
    style: str | None = None  # call: "plain", "callback" or "promise"
    args: JSON = None  # call: the arguments in wire form, or "(large)"
    returned: str | None = None  # return: none, future, awaitable, coroutine, value:<repr>
    raised: JSON = None  # return: ERR when the call raised at once
    sub: str | None = None  # event: the subscriber's name
    type: str | None = None  # event: the event type
    nargs: int | None = None  # event: how many arguments the subscriber got
    err: JSON = None  # result, event: ERR or null
    value: JSON = None  # result, event: VALUE (docs/driver-protocol.md) or null
    level: str | None = None  # log
    logger: str | None = None  # log
    message: str | None = None  # log, loop_error, protocol_error
    exc: str | None = None  # log, loop_error: "Name: message" or null
    extra: tuple[tuple[str, JSON], ...] = ()  # what a driver sent beyond these, verbatim

    # -- the one writer ----------------------------------------------------------------------

    def as_json(self) -> JSONObject:
        """The JSON object (docs/report-format.md, a case file's ``trace``)."""
        out: JSONObject = {}
        if self.t is not None:
            out["t"] = self.t
        out["kind"] = self.kind
        always = ALWAYS_WRITTEN.get(self.kind, ())
        for name in _FIELD_ORDER:
            value = getattr(self, name)
            if value is not None or name in always:
                out[name] = value
        for name, value in self.extra:
            if out.get(name) is None:  # a field the record holds wins over what came with it
                out[name] = value
        return out

    # -- the one reader ----------------------------------------------------------------------

    @classmethod
    def from_json(
        cls,
        data: object,
        kinds: frozenset[str] = KINDS,
        source: str = "",
        complete: bool = True,
    ) -> TraceEntry:
        """A JSON object of one of ``kinds``, with its kind's required fields → an entry
        (VALUEs given their ``kind``, see ``normalise_value``); else ``ProtocolViolation``
        that says what is wrong and quotes ``source`` (the line it came in), or the object.

        ``complete=False`` reads an entry as a case file recorded it: the required fields were
        checked when it came in (a hand-made case file may leave them out), and its VALUEs are
        kept as they were written (an ERR or VALUE the suite made itself has no ``kind``)."""

        def where() -> str:
            return quote(source) if source else _where(data)

        if not isinstance(data, dict):
            raise ProtocolViolation(f"a trace entry that is not an object: {where()}")
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in kinds:
            raise ProtocolViolation(f"a trace entry of unknown kind {kind!r}: {where()}")
        for name, types in REQUIRED[kind].items() if complete else ():
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, types):
                raise ProtocolViolation(f"a {kind!r} entry without a valid {name!r}: {where()}")
        always = ALWAYS_WRITTEN.get(kind, ())
        fields: dict[str, Any] = {}
        extra: list[tuple[str, JSON]] = []
        for key, value in data.items():
            if key == "kind":
                continue
            if _fits(key, value) and (value is not None or key in always):
                fields[key] = _seconds(value) if key == "t" else value
            else:  # unknown, of another type, or an explicit null: kept as it came
                extra.append((str(key), value))
        for name in _DESCRIBED.get(kind, ()) if complete else ():
            fields[name] = normalise_value(fields.get(name))
        return cls(kind=cast(TraceKind, kind), extra=tuple(extra), **fields)

    # -- equality and repr are the JSON object's ----------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TraceEntry):
            return NotImplemented
        return self.as_json() == other.as_json()

    def __hash__(self) -> int:
        return hash(json.dumps(self.as_json(), sort_keys=True, default=repr))

    def __repr__(self) -> str:
        """The JSON object's repr: what an evidence string showed when entries were dicts."""
        return repr(self.as_json())

    @property
    def at(self) -> float:
        """``t``, for an entry of a session's trace (stamped on arrival; 0.0 before)."""
        return 0.0 if self.t is None else self.t

    def err_object(self) -> JSONObject:
        """``err`` (an ERR object, docs/driver-protocol.md) or ``{}`` when it is none."""
        return self.err if isinstance(self.err, dict) else {}

    def value_object(self) -> JSONObject:
        """``value`` when it is an object (a VALUE: ``kind``, ``code``, ``text``), else ``{}``."""
        return self.value if isinstance(self.value, dict) else {}

    def stamped(self, t: float) -> TraceEntry:
        """This entry as it arrived ``t`` seconds into the case."""
        return dataclasses.replace(self, t=t)


_FIELD_ORDER = tuple(
    f.name for f in dataclasses.fields(TraceEntry) if f.name not in ("kind", "t", "extra")
)
_TYPED = frozenset(("kind", "t", *_FIELD_ORDER))


def _fits(key: str, value: object) -> bool:
    """Whether ``value`` has the type the record holds for field ``key``."""
    if value is None:
        return key in _TYPED
    if key == "t":
        return _seconds(value) is not None
    if key in _TEXT_FIELDS:
        return isinstance(value, str)
    if key in _INT_FIELDS:
        return isinstance(value, int) and not isinstance(value, bool)
    return key in _JSON_FIELDS


def _seconds(value: object) -> float | None:
    """A number as a float; None for anything else (a bool, a 400-digit integer)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _where(data: object) -> str:
    try:
        return quote(json.dumps(data, default=repr))
    except (ValueError, RecursionError):  # circular, or nested deeper than json goes
        return quote(repr(data))


def normalise_value(value: JSON) -> JSON:
    """Give a described value its ``kind`` when a driver left it out: a value with ``b64`` is
    binary, one with ``text`` is text, any other object an object. Checks read ``kind`` only."""
    if isinstance(value, dict) and "kind" not in value:
        value = dict(value)
        value["kind"] = "binary" if "b64" in value else "text" if "text" in value else "object"
    return value


class Sink(Protocol):
    """Where producers hand their entries: ``size`` is the bytes of driver output the entry
    came from (the session's byte cap counts them; 0 for entries made in this process)."""

    def __call__(self, entry: TraceEntry, size: int = 0, /) -> None: ...
