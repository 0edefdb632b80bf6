// Argument checks: URL, connect options (headers), close options. All refusals are
// BusinessErrors (401 or 2302001), raised before anything reaches the wire.

import { readFileSync, statSync } from 'node:fs';
import { BusinessError, CERT_FILE_MISSING, URL_ERROR, parameterError } from './errors.mjs';
import { proxyChoice } from './proxy.mjs';

export const DEFAULT_CLOSE_CODE = 1000;
export const DEFAULT_CLOSE_REASON = '';
const MAX_REASON_BYTES = 123; // a close payload holds at most 125 bytes, two are the code
// RFC 7230 token: what Node's http module would accept as a header name anyway.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_IN_VALUE = /[\r\n\0]/;

const isPlainObject = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** CN10: a string that parses as a ws:// or wss:// URL with a host and no fragment. */
export function checkUrl(url) {
  if (typeof url !== 'string') throw parameterError(`url must be a string, not ${typeof url}`);
  let parsed;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new BusinessError(URL_ERROR, `cannot parse '${url}'`, err);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new BusinessError(URL_ERROR, `'${url}' is not a ws:// or wss:// URL`);
  }
  if (!parsed.hostname) throw new BusinessError(URL_ERROR, `'${url}' has no host`);
  // RFC 6455 §3: a WebSocket URI has no fragment (ws would refuse it later, less clearly).
  if (parsed.hash) throw new BusinessError(URL_ERROR, `'${url}' has a fragment`);
  return parsed.href;
}

/** CN5, CN13: the headers to send; nothing that could forge another header line. */
export function requestHeaders(options) {
  if (options === undefined || options === null) return {};
  if (!isPlainObject(options)) throw parameterError('options must be an object');
  const { header } = options;
  if (header === undefined || header === null) return {};
  if (!isPlainObject(header)) throw parameterError('options.header must be an object');
  const headers = {};
  for (const [name, value] of Object.entries(header)) {
    if (typeof value !== 'string') throw parameterError(`header '${name}': value must be a string`);
    if (!HEADER_NAME.test(name)) throw parameterError(`header name '${name}' is not an HTTP token`);
    if (FORBIDDEN_IN_VALUE.test(value))
      throw parameterError(`header '${name}': CR, LF or NUL in value`);
    headers[name] = asLatin1(value);
  }
  return headers;
}

/** API 12 `protocol`: the subprotocols offered ([] for none: absent or the default ""), and
 * the Sec-WebSocket-Protocol value to send, exactly as given. 401 for a non-string or a
 * value with CR, LF or NUL. */
export function requestProtocol(options) {
  const protocol = isPlainObject(options) ? options.protocol : undefined;
  if (protocol === undefined || protocol === null || protocol === '') {
    return { offered: [], header: null };
  }
  if (typeof protocol !== 'string')
    throw parameterError(`options.protocol must be a string, not ${typeof protocol}`);
  if (FORBIDDEN_IN_VALUE.test(protocol)) throw parameterError('options.protocol: CR, LF or NUL');
  const offered = protocol
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (offered.length === 0) throw parameterError(`options.protocol '${protocol}' names none`);
  return { offered, header: asLatin1(protocol) };
}

/** API 20/21 connect options: skipServerCertVerification (boolean), pingInterval and
 * pongTimeout (integer seconds 0..30000, 30 by default; pingInterval 0 turns keep-alive off;
 * a pongTimeout over pingInterval is taken as pingInterval, as the shipped implementation
 * does). 401 for a value of the wrong type or out of range. */
export const DEFAULT_PING_INTERVAL = 30;
export const DEFAULT_PONG_TIMEOUT = 30;
const MAX_KEEPALIVE = 30000;

export function connectionOptions(options) {
  const values = isPlainObject(options) ? options : {};
  const skip = values.skipServerCertVerification;
  if (skip !== undefined && skip !== null && typeof skip !== 'boolean')
    throw parameterError('options.skipServerCertVerification must be a boolean');
  const seconds = (name, fallback) => {
    const value = values[name];
    if (value === undefined || value === null) return fallback;
    if (!Number.isInteger(value) || value < 0 || value > MAX_KEEPALIVE)
      throw parameterError(`options.${name} must be an integer 0..${MAX_KEEPALIVE} (seconds)`);
    return value;
  };
  const pingInterval = seconds('pingInterval', DEFAULT_PING_INTERVAL);
  let pongTimeout = seconds('pongTimeout', DEFAULT_PONG_TIMEOUT);
  if (pingInterval > 0 && pongTimeout > pingInterval) pongTimeout = pingInterval;
  return {
    verifyServer: skip !== true,
    pingInterval,
    pongTimeout,
    tls: tlsFiles(values),
    proxy: proxyChoice(values.proxy),
  };
}

/** API 11 caPath and clientCert {certPath, keyPath, keyPassword?} as Node's TLS options
 * (`ca` replaces the default trust store, as the declarations say caPath does). 401 for a
 * value of the wrong type, 2302002 for a file that is not there. */
function tlsFiles(values) {
  const tls = {};
  const { caPath, clientCert } = values;
  if (caPath !== undefined && caPath !== null && caPath !== '') {
    tls.ca = readPem(caPath, 'options.caPath');
  }
  if (clientCert !== undefined && clientCert !== null) {
    if (!isPlainObject(clientCert))
      throw parameterError('options.clientCert must be an object {certPath, keyPath}');
    const { certPath, keyPath, keyPassword } = clientCert;
    if (keyPassword !== undefined && keyPassword !== null && typeof keyPassword !== 'string')
      throw parameterError('options.clientCert.keyPassword must be a string');
    tls.cert = readPem(certPath, 'options.clientCert.certPath');
    tls.key = readPem(keyPath, 'options.clientCert.keyPath');
    if (keyPassword) tls.passphrase = keyPassword;
  }
  return tls;
}

function readPem(path, what) {
  if (typeof path !== 'string') throw parameterError(`${what} must be a string`);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new BusinessError(CERT_FILE_MISSING, `${what}: no file '${path}'`);
  return readFileSync(path);
}

/** RFC 6455 §4.1: why the server's Sec-WebSocket-Protocol answer fails the connection (it
 * must be one subprotocol the client offered, or absent), or null when it is fine. */
export function subprotocolError(offered, answer) {
  if (answer === undefined) return null;
  const chosen = answer
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (chosen.length === 1 && offered.includes(chosen[0])) return null;
  if (offered.length === 0) return `the server chose subprotocol '${answer}' though none was offered`;
  return `the server chose subprotocol '${answer}', not one of ${offered.join(', ')}`;
}

/** Node's http module writes header text as latin-1 and refuses characters above U+00FF;
 * the API takes any string. Each UTF-8 byte as one latin-1 character puts exactly the
 * value's UTF-8 bytes on the wire (CN5: values arrive exactly), as the shipped
 * implementation (libwebsockets) and the reference send them. */
const asLatin1 = (value) => Buffer.from(value, 'utf8').toString('latin1');

/** Codes an endpoint may put in a close frame (RFC 6455 §7.4.1–7.4.2). */
export const closeCodeAllowed = (code) =>
  [1000, 1001, 1002, 1003].includes(code) ||
  (code >= 1007 && code <= 1014) ||
  (code >= 3000 && code <= 4999);

/** CL2, CL6: {code, reason} for the close frame, defaults filled in, 401 for what RFC 6455
 * forbids on the wire (ws would throw a TypeError/RangeError for those instead). */
export function closeArguments(options) {
  if (options === undefined || options === null) {
    return { code: DEFAULT_CLOSE_CODE, reason: DEFAULT_CLOSE_REASON };
  }
  if (!isPlainObject(options)) throw parameterError('options must be an object');
  const code = options.code ?? DEFAULT_CLOSE_CODE;
  const reason = options.reason ?? DEFAULT_CLOSE_REASON;
  if (!Number.isInteger(code)) throw parameterError('options.code must be an integer');
  if (typeof reason !== 'string') throw parameterError('options.reason must be a string');
  if (!closeCodeAllowed(code))
    throw parameterError(`close code ${code} is not allowed (RFC 6455 §7.4)`);
  const bytes = Buffer.byteLength(reason, 'utf8');
  if (bytes > MAX_REASON_BYTES)
    throw parameterError(`close reason is ${bytes} UTF-8 bytes, at most 123`);
  return { code, reason };
}
