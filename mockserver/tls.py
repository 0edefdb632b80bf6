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
"""

from __future__ import annotations

import datetime
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme

NAMES = ("127.0.0.1", "localhost", "::1")
FAILURE_KINDS = ("unknown-ca", "wrong-name", "expired")


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
