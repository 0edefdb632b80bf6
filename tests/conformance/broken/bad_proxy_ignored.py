"""A proxy value of no documented form is dropped instead of refused with 401."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "PX6"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and "proxy" in args[0]:
            args = (_options(dict(args[0])), *args[1:])
        return self.inner.connect(url, *args)


def _options(options: dict[str, Any]) -> dict[str, Any]:
    value = options["proxy"]
    documented = value in ("system", "no-proxy") or (
        isinstance(value, dict)
        and isinstance(value.get("host"), str)
        and isinstance(value.get("port"), int)
    )
    if not documented:
        options.pop("proxy")
    return options


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
