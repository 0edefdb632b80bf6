"""CN6: a connect without options reuses the options of the previous connect."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN6"


_last_options: list[Any] = []


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        options = [a for a in args if not callable(a)]
        callbacks = [a for a in args if callable(a)]
        if options:
            _last_options[:] = options[:1]
        elif _last_options:
            args = (_last_options[0], *callbacks)
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
