"""The TLS context for ``wss://``: certificates are always verified.

Built per connect (and cached while the environment is unchanged) rather than taken from
aiohttp's module-level default, which read the trust store once, when aiohttp was imported:
so ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` set later (a test CA, a corporate bundle) are
honoured, as the platform honours its configured CA store.
"""

from __future__ import annotations

import os
import ssl
from functools import lru_cache


def client_context() -> ssl.SSLContext:
    """A verifying client context for the trust store the environment names now."""
    return _context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@lru_cache(maxsize=4)
def _context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()  # CERT_REQUIRED, check_hostname: verified
    if cafile or capath:
        context.load_verify_locations(cafile=cafile or None, capath=capath or None)
    return context
