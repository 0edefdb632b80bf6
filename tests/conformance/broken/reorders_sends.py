"""SD5: sends issued together reach the wire in reverse order."""

import asyncio
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, split_callback

CLAUSE = "SD5"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def send(self, data: Any, *args: Any) -> Any:
        self.count += 1
        delay = max(0.0, 0.2 - 0.005 * self.count)  # later calls go out first
        loop = asyncio.get_running_loop()
        _, callback = split_callback(args)
        future = loop.create_future() if callback is None else None

        def go() -> None:
            result = self.inner.send(data, *args)
            if future is not None and asyncio.isfuture(result):
                result.add_done_callback(
                    lambda r: (
                        future.set_exception(r.exception())  # type: ignore[arg-type]
                        if r.exception()
                        else future.set_result(r.result())
                    )
                )

        loop.call_later(delay, go)
        return future


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
