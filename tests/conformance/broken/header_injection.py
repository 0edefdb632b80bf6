"""CN13: header values holding CR/LF are split into extra headers (injection)."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN13"


def _split(header: dict[str, str]) -> dict[str, str]:
    lines = "\r\n".join(f"{k}: {v}" for k, v in header.items()).replace("\r\n", "\n")
    out: dict[str, str] = {}
    for line in lines.split("\n"):
        name, _, value = line.partition(":")
        out[name.strip()] = value.strip().replace("\x00", "")
    return out


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and isinstance(args[0].get("header"), dict):
            args = ({**args[0], "header": _split(args[0]["header"])}, *args[1:])
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
