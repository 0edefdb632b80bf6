"""CC3: a clientCert file that does not exist is read as an empty file: connect fails with
2302999, not 2302002."""

import atexit
import os
import tempfile
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "CC3"
API_FEATURES = reference.API_FEATURES
_fd, EMPTY = tempfile.mkstemp(prefix="broken-empty-", suffix=".pem")
os.close(_fd)
atexit.register(os.unlink, EMPTY)


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and isinstance(args[0].get("clientCert"), dict):
            cert = dict(args[0]["clientCert"])
            for key in ("certPath", "keyPath"):
                if isinstance(cert.get(key), str) and not os.path.exists(cert[key]):
                    cert[key] = EMPTY
            args = ({**args[0], "clientCert": cert}, *args[1:])
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
