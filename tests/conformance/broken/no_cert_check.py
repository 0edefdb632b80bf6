"""CN7: wss:// certificates are not verified (any certificate is taken)."""

import ssl

import impl.tls

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN7"


def _trust_anything(*_: object) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


impl.tls.client_context = _trust_anything


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
