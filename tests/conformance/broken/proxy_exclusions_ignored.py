"""PX3: the proxy's exclusion list is ignored: every host goes through the proxy."""

import impl.proxy

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "PX3"
API_FEATURES = reference.API_FEATURES


def _never(host: str, exclusion_list: object) -> bool:
    return False


impl.proxy.excluded = _never  # type: ignore[assignment]


def createWebSocket() -> Wrapper:
    return Wrapper()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
