"""``api8_only`` that says what it is (``API_LEVEL = 8``): the suite asks nothing of it."""

from __future__ import annotations

from tests.conformance.api8_only import (
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    createWebSocket,
)

__all__ = ["API_LEVEL", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]

API_LEVEL = 8
