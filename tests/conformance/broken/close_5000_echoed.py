"""PR11: a server close frame with code 5000 is answered with 5000 (the reference: 1002).
RFC 6455 defines no meaning for it, and Autobahn 7.13.1 reports either as INFORMATIONAL."""

from impl import connection

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR11"
_allowed = connection.close_code_allowed


def _also_5000(code: int) -> bool:
    return _allowed(code) or code == 5000


connection.close_code_allowed = _also_5000


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
