"""CA2: a caPath that names no file is read as an empty file: connect fails with 2302999,
not 2302002."""

import atexit
import os
import tempfile
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "CA2"
API_FEATURES = reference.API_FEATURES
_fd, EMPTY = tempfile.mkstemp(prefix="broken-empty-", suffix=".pem")
os.close(_fd)
atexit.register(os.unlink, EMPTY)


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict):
            ca_path = args[0].get("caPath")
            if isinstance(ca_path, str) and ca_path and not os.path.exists(ca_path):
                args = ({**args[0], "caPath": EMPTY}, *args[1:])
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
