"""CL12 (INFO): close settles true as soon as it is called, before the closing handshake (the
shipped platform): allowed, observed as INFORMATIONAL."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, settle_now

CLAUSE = "CL12"


class Broken(Wrapper):
    def close(self, *args: Any) -> Any:
        options = args[0] if args and not callable(args[0]) else None
        rest = args[1:] if options is not None else args
        self.inner.close(*([options] if options is not None else []), _ignore)
        return settle_now(rest, None, True)


def _ignore(err: Any = None, value: Any = None) -> None:
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
