// The OpenHarmony `@ohos.net.webSocket` client API on the `ws` package.
//
//   import { createWebSocket } from './index.mjs';   // or: import webSocket from ...
//   const ws = createWebSocket();
//   ws.on('open', (err, value) => console.log(value.status, value.message));
//   await ws.connect('ws://127.0.0.1:9001/echo', { header: { 'X-Token': 'abc' } });
//
// This file resolves overloads and checks arguments; a connection's life is in
// lib/connection.mjs, subscribers in lib/events.mjs. Contract: conformance/data/API-CONTRACT.md.

import { Connection } from './lib/connection.mjs';
import {
  ALREADY_CONNECTED,
  BusinessError,
  OTHER_ERROR,
  PARAMETER_ERROR,
  parameterError,
} from './lib/errors.mjs';
import { EventRegistry, invoke } from './lib/events.mjs';
import {
  checkUrl,
  closeArguments,
  connectionOptions,
  requestHeaders,
  requestProtocol,
} from './lib/options.mjs';

/** At most this long (seconds) for close() to finish when the server never answers (CL7). */
export const CLOSE_TIMEOUT_S = 5;
/** At most this long (seconds) for the opening handshake. */
export const HANDSHAKE_TIMEOUT_S = 10;

/** The later API's optional features this port has (conformance/apifeatures.py names them). */
export const API_FEATURES = [
  'dataEnd',
  'headerReceive',
  'protocol',
  'skipServerCertVerification',
  'pingInterval',
  'caPath',
  'clientCert',
  'proxy',
];

export { BusinessError, PARAMETER_ERROR };

/** JS overloads: a trailing function is the callback, at most `most` other arguments
 * (trailing `undefined`s do not count: `close(undefined, cb)` is `close(cb)`). */
function splitCallback(rest, most) {
  const args = [...rest];
  while (args.length && args.at(-1) === undefined) args.pop();
  const callback = typeof args.at(-1) === 'function' ? args.pop() : undefined;
  while (args.length && args.at(-1) === undefined) args.pop();
  const error = args.length > most ? parameterError('unexpected or misplaced argument') : null;
  return { args, callback, error };
}

/** Runs `work` (returns a promise or throws) at once; settles as AsyncCallback<boolean>
 * `(err, true)` when a callback is given, else returns Promise<boolean>. The callback is
 * never called synchronously from inside the API call. */
function deliver(callback, work) {
  const done = new Promise((resolve) => resolve(work())).then(() => true);
  if (callback === undefined) {
    // Marked as handled, still rejected for whoever awaits it: a fire-and-forget
    // `ws.send(...)` that fails must not become an unhandled rejection, which ends a Node
    // process (ER3; the contract's "a rejected promise nobody looked at" stays quiet).
    done.catch(() => {});
    return done;
  }
  done.then(
    (value) => invoke(callback, 'AsyncCallback', undefined, value),
    (err) => invoke(callback, 'AsyncCallback', err),
  );
  return undefined;
}

const fail = (error) => () => {
  throw error;
};

const isArrayBuffer = (value) => Object.prototype.toString.call(value) === '[object ArrayBuffer]';

class WebSocket {
  #events = new EventRegistry();
  #connection = null;

  /** on(type, callback): 401 thrown at once for a bad type or callback (EV9). */
  on(type, callback) {
    this.#events.on(type, callback);
  }

  /** off(type, callback?): without a callback, every subscriber of `type` goes (EV7). */
  off(type, callback) {
    this.#events.off(type, callback);
  }

  /** connect(url, callback) | connect(url, options, callback) | connect(url, options?). */
  connect(url, ...rest) {
    const { args, callback, error } = splitCallback(rest, 1);
    return deliver(callback, error ? fail(error) : () => this.#connect(url, args[0]));
  }

  /** send(data, callback) | send(data): data is a string or an ArrayBuffer. */
  send(data, ...rest) {
    const { callback, error } = splitCallback(rest, 0);
    return deliver(callback, error ? fail(error) : () => this.#send(data));
  }

  /** close(callback) | close(options, callback) | close(options?). */
  close(...rest) {
    const { args, callback, error } = splitCallback(rest, 1);
    return deliver(callback, error ? fail(error) : () => this.#close(args[0]));
  }

  #connect(url, options) {
    const href = checkUrl(url);
    const headers = requestHeaders(options);
    const protocol = requestProtocol(options);
    const connection = connectionOptions(options);
    if (protocol.header !== null) {
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === 'sec-websocket-protocol') delete headers[name];
      }
      headers['Sec-WebSocket-Protocol'] = protocol.header;
    }
    if (this.#connection !== null && this.#connection.state !== 'closed') {
      throw new BusinessError(ALREADY_CONNECTED, `the object is ${this.#connection.state}`);
    }
    const emit = (type, ...args) => this.#events.emit(type, ...args);
    this.#connection = new Connection(emit, {
      closeTimeoutMs: CLOSE_TIMEOUT_S * 1000,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_S * 1000,
    });
    return this.#connection.open(href, headers, protocol.offered, connection);
  }

  #send(data) {
    if (typeof data !== 'string' && !isArrayBuffer(data)) {
      throw parameterError('data must be a string or an ArrayBuffer');
    }
    if (this.#connection === null) throw new BusinessError(OTHER_ERROR, 'never connected');
    return this.#connection.send(data);
  }

  #close(options) {
    const { code, reason } = closeArguments(options);
    if (this.#connection === null) throw new BusinessError(OTHER_ERROR, 'never connected');
    return this.#connection.close(code, reason);
  }
}

/** A new, independent WebSocket (M1). */
export function createWebSocket() {
  return new WebSocket();
}

export default { createWebSocket, CLOSE_TIMEOUT_S, API_FEATURES };
