"""The encodings shared by both ends of the driver protocol (docs/driver-protocol.md).

Arguments: JSON values, plus one-key ``$`` tags for what JSON cannot say (bytes, callbacks,
subscribers, option dataclasses, generated payloads). Values coming back (event values, call
results, errors) are described in language-neutral fields: ``kind`` (``text``, ``binary``,
``object``) says what a value is; ``type`` names the language's own type and is shown, never
judged, so a JS driver's ``ArrayBuffer`` and Python's ``bytes`` are the same ``binary``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import cast

from mockserver.script import generated_bytes, generated_text

from .api import Callback, Generated, Opaque, Options, Subscriber
from .trace import JSON, JSONObject

TEXT_CAP = 4096


def generate(kind: str, size: int) -> str | bytes | bytearray | memoryview:
    """A ``$gen`` payload of ``kind`` (``str``, ``bytes``, ``bytearray``, ``memoryview``): the
    mock server's generated pattern (``mockserver.script``, its one definition), so what a
    case sends and what the server generates compare byte for byte."""
    if kind == "str":
        return generated_text(size)
    data = generated_bytes(size)
    if kind == "bytearray":
        return bytearray(data)
    if kind == "memoryview":
        return memoryview(data)
    return data


def encode_arg(value: object) -> JSON:
    """Suite side: a case's argument → its wire form."""
    if isinstance(value, Callback):
        return {"$callback": True}
    if isinstance(value, Subscriber):
        return {"$subscriber": {"name": value.name, "behaviour": value.behaviour}}
    if isinstance(value, Options):
        return {"$options": {"cls": value.cls, "fields": encode_arg(value.fields)}}
    if isinstance(value, Generated):
        return {"$gen": {"kind": value.kind, "size": value.size}}
    if isinstance(value, Opaque):
        return {"$opaque": True}
    for cls, tag in ((bytes, "$bytes"), (bytearray, "$bytearray"), (memoryview, "$memoryview")):
        if isinstance(value, cls):
            return {tag: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        encoded = {str(k): encode_arg(v) for k, v in value.items()}
        if len(encoded) == 1 and next(iter(encoded)).startswith("$"):
            return {"$dict": encoded}
        return encoded
    if isinstance(value, (list, tuple)):
        return [encode_arg(v) for v in value]
    # JSON scalars. Anything else stays as it is: in-process it reaches the IUT as given, over a
    # driver it cannot be written (a case's own defect, which the case's HARNESS-ERROR shows).
    return cast(JSON, value)


def describe_bytes(data: bytes, type_name: str) -> JSONObject:
    return {
        "kind": "binary",
        "b64": base64.b64encode(data[:TEXT_CAP]).decode("ascii"),
        "len": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "truncated": len(data) > TEXT_CAP,
        "type": type_name,
    }


MAX_HEADERS = 200  # header entries a HEADERS description keeps


def describe_text(text: str) -> JSONObject:
    raw = text.encode("utf-8", "surrogatepass")
    return {
        "kind": "text",
        "text": text[:TEXT_CAP],
        "len": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "truncated": len(text) > TEXT_CAP,
    }


def describe_value(value: object) -> JSON:
    """IUT side: any value an IUT hands back → JSON, keeping what a check needs to know."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return describe_text(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return describe_bytes(bytes(value), type(value).__name__)
    described: JSONObject = {"kind": "object", "type": type(value).__name__}
    for name in ("status", "message", "code", "reason"):
        if hasattr(value, name):
            described[name] = describe_plain(getattr(value, name))
            described["access"] = "attr"
        elif isinstance(value, dict) and name in value:
            described[name] = describe_plain(value[name])
            described["access"] = "item"
    return described


def describe_headers(value: object) -> JSON:
    """IUT side: the ``'headerReceive'`` value (response headers) → HEADERS, ``{"kind":
    "headers", "headers": {name: text or [text, ...]}}`` with names as the IUT gave them;
    anything that is not a mapping of strings is described as any other value."""
    if not isinstance(value, Mapping):
        return describe_value(value)
    headers: JSONObject = {}
    for name, item in list(value.items())[:MAX_HEADERS]:
        if isinstance(item, (list, tuple)) and all(isinstance(v, str) for v in item):
            headers[str(name)] = [v[:TEXT_CAP] for v in item]
        elif isinstance(item, str):
            headers[str(name)] = item[:TEXT_CAP]
        else:
            headers[str(name)] = describe_plain(item)
    return {"kind": "headers", "type": type(value).__name__, "headers": headers}


def describe_plain(value: object) -> JSON:
    """Attribute values: JSON scalars stay as they are, anything else as its repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"repr": repr(value)[:200], "type": type(value).__name__}


def describe_error(err: object) -> JSONObject | None:
    """ERR: ``is_business_error`` when ``err`` is an exception with an int ``code`` and a str
    ``message`` (what ER1 asks of every error); ``type`` and ``repr`` are shown, not judged."""
    if err is None:
        return None
    code = getattr(err, "code", None)
    message = getattr(err, "message", None)
    return {
        "type": type(err).__name__,
        "code": describe_plain(code),
        "message": describe_plain(message),
        "is_business_error": isinstance(err, Exception)
        and isinstance(code, int)
        and not isinstance(code, bool)
        and isinstance(message, str),
        "repr": repr(err)[:300],
    }
