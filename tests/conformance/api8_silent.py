"""``api8_only`` that ignores ``on``/``off`` of event types API 8 did not have, as the shipped
platform ignores an unknown type (EV11): the suite must still find them missing."""

from __future__ import annotations

from typing import Any

from tests.conformance.api8_only import (
    Api8WebSocket,
    WebSocketCloseOptions,
    WebSocketRequestOptions,
)

__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]


class SilentApi8WebSocket(Api8WebSocket):
    silent = True


def createWebSocket() -> Any:
    return SilentApi8WebSocket()
