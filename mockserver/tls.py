"""TLS for the mock server: a throw-away test certificate authority, or the user's own pair.

``TestAuthority`` makes a CA with ``trustme`` when the server starts and writes its
certificate (``ca_file``, PEM) into a private temporary folder that lives as long as the
server. A client that trusts ``ca_file`` can connect to ``wss://127.0.0.1:<tls port>``;
the other certificates it issues exist to be refused (docs/mockserver.md, "TLS"):

| kind | what a client that trusts ``ca_file`` must do |
|---|---|
| ``valid`` | connect (names: 127.0.0.1, localhost, ::1, and the advertised host if any) |
| ``unknown-ca`` | refuse: issued by another CA nobody trusts |
| ``wrong-name`` | refuse: issued for ``wrong-name.invalid`` only |
| ``expired`` | refuse: valid from two days ago until yesterday |

``UserCertificate`` serves a certificate and key the user gives instead (no failure kinds).

For the API's ``caPath`` and ``clientCert`` (API 11) the authority also makes, at start:

- a *private CA* (``private_ca_file``), in no trust store, and a certificate it issued for
  a listener of its own (``private_context``): a client reaches it only when told to trust
  ``private_ca_file``;
- a *client CA* and a listener that requires a client certificate it issued (mutual TLS,
  ``mtls_context``), with client certificate files (``client_certs``): ``valid``,
  ``encrypted`` (the same, its key encrypted with ``CLIENT_KEY_PASSWORD``), ``unknown-ca``
  (issued by a CA the listener does not trust) and ``expired``.
"""

from __future__ import annotations

import datetime
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization

NAMES = ("127.0.0.1", "localhost", "::1")
FAILURE_KINDS = ("unknown-ca", "wrong-name", "expired")
CLIENT_CERT_KINDS = ("valid", "encrypted", "unknown-ca", "expired")
CLIENT_KEY_PASSWORD = "conformance"  # the password of the ``encrypted`` client key
CLIENT_NAME = "conformance-client@example.invalid"


@dataclass(frozen=True)
class ClientCertFiles:
    """A client certificate as the API's ``clientCert`` names it: PEM files, and the key's
    password when the key is encrypted."""

    cert_path: Path
    key_path: Path
    key_password: str | None = None


def _encrypted_key(pem: bytes) -> bytes:
    """``pem`` (an unencrypted private key) encrypted with ``CLIENT_KEY_PASSWORD``."""
    key = serialization.load_pem_private_key(pem, password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(CLIENT_KEY_PASSWORD.encode()),
    )


class TlsError(Exception):
    """TLS cannot be set up as asked; the message says what to mend."""


class TestAuthority:
    """A CA for one server's lifetime; ``close()`` removes its files."""

    __test__ = False  # not a pytest test class

    def __init__(self, extra_names: tuple[str, ...] = ()) -> None:
        # ``extra_names``: the host a remote client is told (--advertise-host), so the valid
        # certificate (and those that fail for another reason) name it too.
        self.names = NAMES + tuple(n for n in extra_names if n not in NAMES)
        self._folder = Path(tempfile.mkdtemp(prefix="mockserver-tls-"))
        self._ca = trustme.CA(organization_name="ohos-ws-conformance mock server test CA")
        self.ca_file = self._folder / "ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_file))
        self._private_ca = trustme.CA(organization_name="ohos-ws-conformance private CA (caPath)")
        self.private_ca_file = self._folder / "private-ca.pem"
        self._private_ca.cert_pem.write_to_path(str(self.private_ca_file))
        self._client_ca = trustme.CA(organization_name="ohos-ws-conformance client CA")
        self.client_certs = self._client_cert_files()

    def _client_cert_files(self) -> dict[str, ClientCertFiles]:
        """The client certificates of ``CLIENT_CERT_KINDS``, written as PEM files."""
        now = datetime.datetime.now(datetime.UTC)
        leaves = {
            "valid": self._client_ca.issue_cert(CLIENT_NAME, common_name="conformance client"),
            "unknown-ca": trustme.CA().issue_cert(CLIENT_NAME, common_name="unknown client"),
            "expired": self._client_ca.issue_cert(
                CLIENT_NAME,
                common_name="expired client",
                not_before=now - datetime.timedelta(days=2),
                not_after=now - datetime.timedelta(days=1),
            ),
        }
        files: dict[str, ClientCertFiles] = {}
        for kind, leaf in leaves.items():
            cert = self._folder / f"client-{kind}.pem"
            key = self._folder / f"client-{kind}.key"
            cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
            key.write_bytes(leaf.private_key_pem.bytes())
            files[kind] = ClientCertFiles(cert, key)
        encrypted = self._folder / "client-encrypted.key"
        encrypted.write_bytes(_encrypted_key(leaves["valid"].private_key_pem.bytes()))
        files["encrypted"] = ClientCertFiles(
            files["valid"].cert_path, encrypted, CLIENT_KEY_PASSWORD
        )
        return files

    def private_context(self) -> ssl.SSLContext:
        """A listener whose certificate the private CA issued (``caPath``'s server)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._private_ca.issue_cert(*NAMES).configure_cert(context)
        return context

    def mtls_context(self) -> ssl.SSLContext:
        """A listener (the test CA's certificate) that requires a client certificate the
        client CA issued (``clientCert``'s server)."""
        context = self.server_context("valid")
        context.verify_mode = ssl.CERT_REQUIRED
        self._client_ca.configure_trust(context)
        return context

    def server_context(self, kind: str = "valid") -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if kind == "valid":
            self._ca.issue_cert(*self.names).configure_cert(context)
        elif kind == "unknown-ca":
            trustme.CA().issue_cert(*self.names).configure_cert(context)
        elif kind == "wrong-name":
            self._ca.issue_cert("wrong-name.invalid").configure_cert(context)
        elif kind == "expired":
            now = datetime.datetime.now(datetime.UTC)
            cert = self._ca.issue_cert(
                *self.names,
                not_before=now - datetime.timedelta(days=2),
                not_after=now - datetime.timedelta(days=1),
            )
            cert.configure_cert(context)
        else:
            raise TlsError(f"no certificate kind {kind!r}; use valid or one of {FAILURE_KINDS}")
        return context

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


@dataclass(frozen=True)
class UserCertificate:
    """The user's own certificate chain and key (PEM files), served as they are."""

    cert_file: Path
    key_file: Path

    def server_context(self, kind: str = "valid") -> ssl.SSLContext:
        if kind != "valid":
            raise TlsError("failure certificates exist only with the built-in test CA")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(str(self.cert_file), str(self.key_file))
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(
                f"--cert {self.cert_file} --key {self.key_file}: cannot load them ({exc}); "
                "give a PEM certificate chain and its PEM private key"
            ) from None
        return context

    def close(self) -> None:
        pass
