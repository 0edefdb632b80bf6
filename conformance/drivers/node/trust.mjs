// The suite's test CA for a Node driver that the suite did not start (over TCP): Node reads
// NODE_EXTRA_CA_CERTS only when it starts, so the CA that hello carries (tls.ca_pem) is added
// to every TLS context made without a `ca` of its own, as a trust store would hold it. A
// connect that names its own CA (caPath) is left alone.

import tls from 'node:tls';

let extra = null;

/** Trust `pem` (a PEM certificate) from now on; anything else is ignored. */
export function trustTestCa(pem) {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) return;
  if (extra === null) {
    const original = tls.createSecureContext;
    tls.createSecureContext = (options = {}) =>
      original(options.ca === undefined ? { ...options, ca: [...tls.rootCertificates, extra] } : options);
  }
  extra = pem;
}
