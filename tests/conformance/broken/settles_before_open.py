"""CN12: connect settles first, 'open' follows (events held until then)."""

from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions, split_callback

CLAUSE = "CN12"


class Broken(Relaying):
    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[str, tuple[Any, ...]]] | None = None

    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        if self.held is not None:
            self.held.append((event, args))
        else:
            super().deliver(event, args)

    def _release(self) -> None:
        held, self.held = self.held or [], None
        for event, args in held:
            super().deliver(event, args)

    def connect(self, url: Any, *args: Any) -> Any:
        rest, callback = split_callback(args)
        self.held = []
        if callback is not None:

            def settled(err: Any = None, value: Any = None) -> None:
                callback(err, value)
                self._release()

            return self.inner.connect(url, *rest, settled)
        result = self.inner.connect(url, *rest)
        result.add_done_callback(lambda _: result.get_loop().call_soon(self._release))
        return result


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
