"""SD13 (INFO): send while connecting is queued until 'open', as the shipped platform does
(the reference fails it): allowed, and observed as INFORMATIONAL."""

from typing import Any

from ._wrap import ConnectTracking, WebSocketCloseOptions, WebSocketRequestOptions, call_mapped

CLAUSE = "SD13"


class Broken(ConnectTracking):
    def send(self, *args: Any) -> Any:
        if not self.connecting:
            return self.inner.send(*args)
        data, rest = args[0], args[1:]

        def queued(*settle: Any) -> None:
            self.when_open(lambda opened: self.inner.send(data, *settle))

        return call_mapped(queued, rest, lambda err, value: (err, value))


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
