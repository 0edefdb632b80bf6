"""SP2: a server that selects none of the offered subprotocols fails the connection (the
`ws` package's own rule, "Server sent no subprotocol")."""

import impl.connection

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "SP2"
API_FEATURES = reference.API_FEATURES
_checked = impl.connection.subprotocol_error


def _strict(offered: tuple[str, ...], chosen: list[str]) -> str | None:
    if offered and not chosen:
        return "the server sent no subprotocol"
    return _checked(offered, chosen)


impl.connection.subprotocol_error = _strict  # type: ignore[assignment]


def createWebSocket() -> Wrapper:
    return Wrapper()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
