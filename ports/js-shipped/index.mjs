// The OpenHarmony `@ohos.net.webSocket` client API as the shipped platform behaves
// (communication_netstack on libwebsockets), as a thin layer over ports/js-ws.
//
//   import { createWebSocket } from './index.mjs';
//   OHOS_SHIPPED_DEVIATIONS=all|none|name,name  (see lib/deviations.mjs, README.md)
//
// ports/js-ws is the correct port; this layer only adds the platform's behaviours, each one
// behind its own switch, so a conformance run shows what each of them costs and on which
// clause. Every behaviour names the netstack source it copies (README.md has the lines).

import { API_FEATURES, CLOSE_TIMEOUT_S, createWebSocket as createJsWs } from '../js-ws/index.mjs';
import {
  ALREADY_CONNECTED,
  BusinessError,
  OTHER_ERROR,
  PARAMETER_ERROR,
  parameterError,
} from '../js-ws/lib/errors.mjs';
import { EVENT_TYPES, EventRegistry, invoke } from '../js-ws/lib/events.mjs';
import {
  checkUrl,
  closeArguments,
  closeCodeAllowed,
  connectionOptions,
  requestHeaders,
  requestProtocol,
} from '../js-ws/lib/options.mjs';
import { ENV, parseDeviations } from './lib/deviations.mjs';

/** The enabled behaviours, read once from OHOS_SHIPPED_DEVIATIONS (a bad name: import fails). */
export const DEVIATIONS = parseDeviations(process.env[ENV]);
const enabled = (name) => DEVIATIONS.has(name);

/** The close timeout (CL7): ws's, as in ports/js-ws (libwebsockets' close-ack timeout is 5 s). */
export { CLOSE_TIMEOUT_S, BusinessError, PARAMETER_ERROR };
/** The later API's features (conformance/apifeatures.py): those of ports/js-ws. */
export { API_FEATURES };

/** send_context.cpp: MAX_LIMIT (5 MiB) minus LWS_SEND_BUFFER_PRE_PADDING (16) and POST (0). */
export const SEND_LIMIT = 5 * 1024 * 1024 - 16;
/** websocket_exec.cpp LINK_DOWN: the reason of every 'close' that had none. */
const LINK_DOWN = 'The link is down';
const MAX_REASON_BYTES = 123;

/** constant.h WEBSOCKET_CONNECT_FAILED: what send_context.cpp reports for every send failure. */
function connectFailed(cause) {
  const err = new BusinessError(OTHER_ERROR, cause?.data ?? '', cause);
  err.code = -1;
  err.message = 'Websocket connect failed';
  return err;
}

// -- overloads (the same rules as ports/js-ws/index.mjs, which does not export them) ----------

function splitCallback(rest, most) {
  const args = [...rest];
  while (args.length && args.at(-1) === undefined) args.pop();
  const callback = typeof args.at(-1) === 'function' ? args.pop() : undefined;
  while (args.length && args.at(-1) === undefined) args.pop();
  const error = args.length > most ? parameterError('unexpected or misplaced argument') : null;
  return { args, callback, error };
}

function deliver(callback, work) {
  const done = new Promise((resolve) => resolve(work())).then(() => true);
  if (callback === undefined) {
    done.catch(() => {}); // a fire-and-forget call that fails is no unhandled rejection (ER3)
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
const isPlainObject = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const byteLength = (data) =>
  typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;

/** The longest prefix of `text` of at most `most` UTF-8 bytes (libwebsockets cuts bytes; this
 * keeps whole characters so the frame stays valid UTF-8 and ws accepts it). */
function cutUtf8(text, most) {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > most) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/** close_context.cpp ParseParams, as far as ws lets it through: the options ws will send. */
function shippedCloseOptions(options) {
  if (options !== undefined && options !== null && !isPlainObject(options)) return options;
  let { code, reason } = options ?? {};
  if (Number.isInteger(code)) {
    // CL8: a code RFC 6455 forbids goes out as 1000 (ws refuses to send 1004-1006/1015 at all,
    // which the platform sends unchanged).
    if (enabled('close-code-1000') && !closeCodeAllowed(code)) code = 1000;
  }
  if (enabled('close-code-1000') && typeof reason === 'string') {
    // lws_close_reason: a 125-byte budget, so the reason is cut to 123 bytes.
    reason = cutUtf8(reason, MAX_REASON_BYTES);
  }
  if (options === undefined || options === null) {
    return reason === undefined ? options : { reason };
  }
  const shipped = { ...options };
  if (code !== undefined) shipped.code = code;
  if (reason !== undefined) shipped.reason = reason;
  return shipped;
}

class WebSocket {
  #inner = createJsWs();
  #events = new EventRegistry();
  /** 'idle' | 'connecting' | 'open' | 'closing' | 'closed', kept in step with the inner port
   * by its events (the inner port updates its own state before it emits). */
  #state = 'idle';
  #attempt = 0;
  /** Sends made while connecting, written at 'open' (queue-while-connecting). */
  #queue = [];
  /** A close requested while connecting, sent at 'open' (queue-while-connecting). */
  #pendingClose = null;
  /** What our own close asked for, when we closed first. */
  #closeRequest = null;

  constructor() {
    this.#inner.on('open', (_err, value) => this.#onOpen(value));
    this.#inner.on('message', (_err, value) => this.#events.emit('message', undefined, value));
    this.#inner.on('error', (err) => this.#onError(err));
    this.#inner.on('close', (_err, value) => this.#onClose(value));
    // API 11/12: websocket_exec.cpp emits 'headerReceive' before 'open' and 'dataEnd' after
    // each 'message', as ports/js-ws does.
    this.#inner.on('headerReceive', (headers) => this.#events.emit('headerReceive', headers));
    this.#inner.on('dataEnd', () => this.#events.emit('dataEnd'));
  }

  /** on(type, callback): ports/js-ws's checks, plus the platform's event_manager rules. */
  on(type, callback) {
    if (this.#ignoredType(type, callback)) return;
    this.#events.on(type, callback);
  }

  off(type, callback) {
    if (this.#ignoredType(type, callback ?? (() => {}))) return;
    this.#events.off(type, callback);
  }

  /** EV11: module_template.cpp returns quietly for a name outside its list (types first). */
  #ignoredType(type, callback) {
    return (
      enabled('unknown-event-ignored') &&
      typeof type === 'string' &&
      !EVENT_TYPES.includes(type) &&
      typeof callback === 'function'
    );
  }

  connect(url, ...rest) {
    const { args, callback, error } = splitCallback(rest, 1);
    return deliver(callback, error ? fail(error) : () => this.#connect(url, args[0]));
  }

  send(data, ...rest) {
    const { callback, error } = splitCallback(rest, 0);
    return deliver(callback, error ? fail(error) : () => this.#send(data));
  }

  close(...rest) {
    const { args, callback, error } = splitCallback(rest, 1);
    return deliver(callback, error ? fail(error) : () => this.#close(args[0]));
  }

  #connect(url, options) {
    // The refusals ports/js-ws makes (401, 2302001, 2302003), made here first so that an
    // early settlement still reports them.
    checkUrl(url);
    requestHeaders(options);
    requestProtocol(options); // connect_context.cpp ParseParams: 401 for a bad protocol
    connectionOptions(options);
    if (['connecting', 'open', 'closing'].includes(this.#state)) {
      throw new BusinessError(ALREADY_CONNECTED, `the object is ${this.#state}`);
    }
    this.#state = 'connecting';
    this.#attempt += 1;
    const attempt = this.#attempt;
    this.#queue = [];
    this.#pendingClose = null;
    this.#closeRequest = null;
    const handshake =
      options === undefined ? this.#inner.connect(url) : this.#inner.connect(url, options);
    // A handshake that ended without 'open' (failed, or aborted by close()) frees the object.
    handshake.catch(() => {
      if (this.#attempt === attempt && this.#state === 'connecting') this.#ended();
    });
    // CN8, CN12: websocket_exec.cpp ExecConnect returns true once the lws service thread is
    // started, before the TCP connect and the handshake; a failure is only an 'error' event.
    if (enabled('early-connect')) return true;
    return handshake;
  }

  #send(data) {
    if (typeof data !== 'string' && !isArrayBuffer(data)) {
      throw parameterError('data must be a string or an ArrayBuffer');
    }
    // SD10: send_context.cpp refuses the message while parsing (401, before "not open").
    if (enabled('size-limit') && byteLength(data) > SEND_LIMIT) {
      throw parameterError(`${byteLength(data)} bytes: at most ${SEND_LIMIT} (5 MiB - 16)`);
    }
    // websocket_exec.cpp ExecSend pushes onto the lws queue while connecting; the writable
    // callback after 'open' writes it (after a close request it fails like any other send).
    if (this.#state === 'connecting' && enabled('queue-while-connecting') && !this.#pendingClose) {
      this.#queue.push(typeof data === 'string' ? data : data.slice(0));
      return true;
    }
    return this.#inner.send(data).catch((err) => {
      // SD11: send_context.cpp GetErrorCode maps every ExecSend failure to -1.
      throw enabled('send-minus-one') && err?.code === OTHER_ERROR
        ? connectFailed(err)
        : err;
    });
  }

  #close(options) {
    const shipped = shippedCloseOptions(options);
    const { code, reason } = closeArguments(shipped); // ports/js-ws's 401s, defaults
    if (this.#state === 'connecting' && enabled('queue-while-connecting')) {
      // websocket_exec.cpp ExecClose marks the session closed; the close frame goes out at the
      // first writable after 'open' (which still fires). A second close fails (IsClosed).
      if (this.#pendingClose) throw new BusinessError(OTHER_ERROR, 'close already requested');
      this.#pendingClose = { code, reason };
      return true;
    }
    if (this.#state === 'open') {
      const closing = this.#startClose(code, reason);
      // websocket_exec.cpp ExecClose returns true once the close is requested: the promise
      // settles before the close frame is written, 'close' comes later.
      if (!enabled('close-settles-early')) return closing;
      closing.catch(() => {});
      return true;
    }
    if (this.#state === 'connecting') this.#closeRequest = { code, reason };
    return this.#inner.close(shipped); // ports/js-ws: 2302999 unless connecting (then it aborts)
  }

  #startClose(code, reason) {
    this.#state = 'closing';
    this.#closeRequest = { code, reason };
    return this.#inner.close({ code, reason });
  }

  #onOpen(value) {
    this.#state = 'open';
    const queued = this.#queue;
    this.#queue = [];
    for (const data of queued) this.#inner.send(data).catch(() => {});
    if (this.#pendingClose) {
      const { code, reason } = this.#pendingClose;
      this.#pendingClose = null;
      this.#startClose(code, reason).catch(() => {});
    }
    this.#events.emit('open', undefined, value);
  }

  #onError(err) {
    if (this.#state === 'connecting') this.#ended(); // a failed handshake gets no 'close'
    this.#events.emit('error', err);
  }

  #onClose(value) {
    const ours = this.#closeRequest;
    this.#ended();
    this.#events.emit('close', undefined, this.#closeValue(value, ours));
  }

  /** websocket_exec.cpp LwsCallbackWsPeerInitiatedClose / LwsCallbackClientClosed. */
  #closeValue({ code, reason }, ours) {
    if (ours !== null) {
      // We closed first: the platform reports what we asked for (userData->closeStatus), also
      // when the server never answered (CL9; otherwise the server echoes our code anyway).
      if (code === 1006 && enabled('close-timeout-own-code')) return { ...ours };
      return { code, reason };
    }
    // The platform's empty reason becomes "The link is down": that part is EV14's switch.
    const emptyReason = enabled('empty-reason-link-down') ? LINK_DOWN : '';
    if (code === 1005 && enabled('empty-close-1000')) return { code: 1000, reason: emptyReason };
    if (code === 1006 && enabled('lost-link-0')) return { code: 0, reason: LINK_DOWN };
    if (reason === '' && enabled('empty-reason-link-down')) return { code, reason: LINK_DOWN };
    return { code, reason };
  }

  #ended() {
    this.#state = 'closed';
    this.#queue = [];
    this.#pendingClose = null;
    this.#closeRequest = null;
  }
}

/** A new, independent WebSocket (M1). */
export function createWebSocket() {
  return new WebSocket();
}

export default { createWebSocket, CLOSE_TIMEOUT_S };
