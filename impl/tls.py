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


def client_context(
    ca_path: str | None = None,
    client_cert: tuple[str, str, str | None] | None = None,
) -> ssl.SSLContext:
    """A verifying client context for the trust store the environment names now; with
    ``ca_path`` (API 11 ``caPath``) the CAs of that PEM file instead, and with
    ``client_cert`` (certificate file, key file, key password) a certificate to present.
    Those two come from the user's files, read at each connect (not cached)."""
    if ca_path is None and client_cert is None:
        return _context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    if ca_path is not None:
        context = ssl.create_default_context(cafile=ca_path)  # only the CAs of that file
    else:
        context = ssl.create_default_context()
        cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
        if cafile or capath:
            context.load_verify_locations(cafile=cafile or None, capath=capath or None)
    if client_cert is not None:
        cert, key, password = client_cert
        context.load_cert_chain(cert, key, password)
    return context


@lru_cache(maxsize=4)
def _context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()  # CERT_REQUIRED, check_hostname: verified
    if cafile or capath:
        context.load_verify_locations(cafile=cafile or None, capath=capath or None)
    return context
