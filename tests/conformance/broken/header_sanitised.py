"""CN14: CR, LF and NUL are stripped from values, bad names dropped; no 401."""

import re
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN14"


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch not in "\r\n\x00")


TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and isinstance(args[0].get("header"), dict):
            header = {
                str(k): _clean(str(v))
                for k, v in args[0]["header"].items()
                if TOKEN.fullmatch(str(k))  # a name that is no token is dropped
            }
            args = ({**args[0], "header": header}, *args[1:])
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
