"""A correct implementation that exposes only ``createWebSocket()`` (all the README asks for):
no option classes. Cases that pass options in class form are UNIMPLEMENTED for it, never
FAILED (tests/conformance/test_unimplemented.py)."""

from impl.webSocket import createWebSocket

__all__ = ["createWebSocket"]
