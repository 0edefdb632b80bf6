"""The argument/value encodings: what the suite sends is what the executor rebuilds."""

from __future__ import annotations

import base64
import hashlib

import pytest

from conformance.iut import CALLBACK, Generated, Opaque, Options, Subscriber
from conformance.iut.codec import (
    TEXT_CAP,
    describe_error,
    describe_value,
    encode_arg,
    generate,
)


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (b"\x00\xff", {"$bytes": "AP8="}),
        (bytearray(b"ab"), {"$bytearray": "YWI="}),
        (memoryview(b"ab"), {"$memoryview": "YWI="}),
        (CALLBACK, {"$callback": True}),
        (Subscriber("a", "raise"), {"$subscriber": {"name": "a", "behaviour": "raise"}}),
        (Generated("bytes", 10), {"$gen": {"kind": "bytes", "size": 10}}),
        (Opaque(), {"$opaque": True}),
        ({"$x": 1}, {"$dict": {"$x": 1}}),
        ({"a": b"z"}, {"a": {"$bytes": "eg=="}}),
        ([1, None, "s"], [1, None, "s"]),
        (
            Options("WebSocketCloseOptions", {"code": 1000}),
            {"$options": {"cls": "WebSocketCloseOptions", "fields": {"code": 1000}}},
        ),
    ],
)
def test_encode_arg_tags_what_json_cannot_say(value: object, wire: object) -> None:
    assert encode_arg(value) == wire


def test_generated_payloads_are_deterministic_and_sized() -> None:
    data = generate("bytes", 600)
    assert isinstance(data, bytes) and len(data) == 600
    assert data[250] == 250 and data[251] == 0
    text = generate("str", 30)
    assert text == "abcdefghijklmnopqrstuvwxyzabcd"
    assert isinstance(generate("bytearray", 3), bytearray)
    assert isinstance(generate("memoryview", 3), memoryview)


def test_describe_value_caps_long_text_but_hashes_all_of_it() -> None:
    text = "é" * (TEXT_CAP + 10)
    described = describe_value(text)
    assert described["truncated"] is True
    assert len(described["text"]) == TEXT_CAP
    assert described["len"] == len(text.encode("utf-8"))
    assert described["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_describe_value_keeps_the_bytes_type() -> None:
    described = describe_value(bytearray(b"\x01\x02"))
    assert (described["kind"], described["type"]) == ("binary", "bytearray")
    assert base64.b64decode(described["b64"]) == b"\x01\x02"
    assert described["len"] == 2 and described["truncated"] is False


def test_describe_error_recognises_a_business_error() -> None:
    class BusinessError(Exception):
        def __init__(self) -> None:
            super().__init__("Parameter error")
            self.code = 401
            self.message = "Parameter error"

    err = describe_error(BusinessError())
    assert err is not None
    assert (err["type"], err["code"], err["is_business_error"]) == ("BusinessError", 401, True)
    plain = describe_error(ValueError("x"))
    assert plain is not None and plain["is_business_error"] is False
    assert describe_error(None) is None
