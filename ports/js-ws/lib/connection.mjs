// One connection's life on one `ws` client: handshake, messages, closing handshake, and the
// events the OpenHarmony API promises (CN4, CN7, EV2–EV5, OR1–OR4, CL4, CL7).

import WebSocket from 'ws';
import { BusinessError, OTHER_ERROR } from './errors.mjs';
import tls from 'node:tls';
import net from 'node:net';
import { subprotocolError } from './options.mjs';
import { openTunnel, route } from './proxy.mjs';

/** A copy of the message's bytes as an ArrayBuffer (a Buffer may be a view into a pool). */
const toArrayBuffer = (buf) => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);

/** TLS over the proxy tunnel, with the options ws would give its own tls.connect. */
function tlsOver(socket, opts) {
  const servername = opts.servername || (net.isIP(opts.host) ? '' : opts.host);
  return tls.connect({ ...opts, path: undefined, socket, servername });
}

/** The 'headerReceive' value: each response header by its lower-case name, the list of its
 * values (in order) when the server sent it more than once. */
function responseHeaders(rawHeaders) {
  const headers = new Map(); // then fromEntries: a header named __proto__ stays an own property
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = Buffer.from(rawHeaders[i + 1], 'latin1').toString('utf8');
    const earlier = headers.get(name);
    if (earlier === undefined) headers.set(name, value);
    else if (Array.isArray(earlier)) earlier.push(value);
    else headers.set(name, [earlier, value]);
  }
  return Object.fromEntries(headers);
}

export class Connection {
  /** 'connecting' | 'open' | 'closing' | 'closed' */
  state = 'connecting';
  #ws = null;
  #emit;
  #timeouts;
  #opened = false;
  #errorEmitted = false;
  #closingByUs = false;
  #aborted = false;
  // The status line the server answered with; ws hands it over in its 'upgrade' event.
  #statusLine = { status: 101, message: 'Switching Protocols' };
  #responseHeaders = {};
  // API 12 `protocol`: what we offered, and why the server's answer failed the handshake.
  #offered = [];
  #subprotocolError = null;
  // API 21 keep-alive: seconds without traffic before a ping (0: off), then for an answer.
  #keepalive = { pingInterval: 0, pongTimeout: 0 };
  #lastReceived = 0;
  #keepaliveTimer = null;
  #pongMissed = false;
  #tunnelling = false; // the proxy tunnel is being opened (no ws yet)
  #settleOpen = { resolve: () => {}, reject: () => {} };
  #resolveClosed = () => {};
  #closed = new Promise((resolve) => {
    this.#resolveClosed = resolve;
  });

  /** emit(type, ...args) dispatches an API event; timeouts in milliseconds. */
  constructor(emit, { closeTimeoutMs, handshakeTimeoutMs }) {
    this.#emit = emit;
    this.#timeouts = { closeTimeout: closeTimeoutMs, handshakeTimeout: handshakeTimeoutMs };
  }

  /** Resolves after 'open' was emitted (CN12: a send right after the promise works);
   * rejects with a BusinessError after 'error' was emitted (CN7, CN8). Through a proxy (API
   * 12) the CONNECT tunnel is opened first, for ws:// and wss:// alike (RFC 6455 §4.1). */
  open(
    url,
    headers,
    offered = [],
    { verifyServer = true, pingInterval = 0, pongTimeout = 0, tls = {}, proxy = null } = {},
  ) {
    this.#offered = offered;
    this.#keepalive = { pingInterval, pongTimeout };
    const options = {
      headers,
      ...this.#timeouts,
      // Not offered: the API has no option for it, and an unasked-for extension only
      // adds surface (PR7 is INFO either way).
      perMessageDeflate: false,
      followRedirects: false,
      // API 20 skipServerCertVerification: no check of the server's certificate.
      ...(verifyServer ? {} : { rejectUnauthorized: false }),
      ...tls, // API 11 caPath (ca) and clientCert (cert, key, passphrase)
    };
    return new Promise((resolve, reject) => {
      this.#settleOpen = { resolve, reject };
      const target = new URL(url);
      const via = route(target, proxy);
      if (via === null) {
        this.#start(url, options);
        return;
      }
      this.#tunnelling = true;
      const host = target.hostname.replace(/^\[|\]$/g, '');
      const port = Number(target.port || (target.protocol === 'wss:' ? 443 : 80));
      openTunnel(via, host, port).then(
        (socket) => {
          this.#tunnelling = false;
          if (this.#aborted) {
            socket.destroy();
            this.#failedHandshakeClosed();
            return;
          }
          const secure = target.protocol === 'wss:';
          // The tunnel socket was paused after the proxy's answer; http reads it with 'data'
          // listeners, which do not resume a paused stream: resume it as it is handed over
          // (the server says nothing before the handshake request goes out).
          const createConnection = (opts) => (secure ? tlsOver(socket, opts) : socket.resume());
          this.#start(url, { ...options, createConnection });
        },
        (err) => {
          this.#tunnelling = false;
          if (this.#aborted) this.#failedHandshakeClosed();
          else this.#failBeforeStart(err);
        },
      );
    });
  }

  #start(url, options) {
    try {
      this.#ws = new WebSocket(url, options);
    } catch (err) {
      this.#ended();
      this.#settleOpen.reject(
        new BusinessError(OTHER_ERROR, `cannot start the handshake: ${err.message}`, err),
      );
      return;
    }
    this.#listen(this.#ws);
  }

  /** The proxy refused (or could not be reached): the connection fails as CN7 says. */
  #failBeforeStart(error) {
    this.#errorEmitted = true;
    this.#ended();
    this.#emit('error', error);
    this.#settleOpen.reject(error);
  }

  #listen(ws) {
    ws.on('upgrade', (res) => {
      this.#statusLine = { status: res.statusCode, message: res.statusMessage };
      this.#responseHeaders = responseHeaders(res.rawHeaders);
      // ws checks the answer only against subprotocols given to ws itself, and fails a
      // server that declines them all (RFC 6455 §4.1 allows that). We send the header
      // ourselves (exactly as the option gives it) and check the answer here, before ws.
      const answer = res.headers['sec-websocket-protocol'];
      this.#subprotocolError = subprotocolError(this.#offered, answer);
      if (this.#subprotocolError !== null) {
        res.socket.destroy();
        ws.terminate(); // ws then reports the handshake failed: 'error' carries our reason
        return;
      }
      delete res.headers['sec-websocket-protocol']; // checked: ws must not refuse it again
    });
    ws.on('open', () => this.#onOpen());
    const received = () => {
      this.#lastReceived = Date.now();
    };
    ws.on('ping', received);
    ws.on('pong', received);
    ws.on('message', received);
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('error', (err) => this.#onError(err));
    ws.on('close', (code, reason) => this.#onClose(code, reason));
  }

  #onOpen() {
    this.state = 'open';
    this.#opened = true;
    this.#emit('headerReceive', this.#responseHeaders); // API 12: once, before 'open'
    this.#emit('open', undefined, { ...this.#statusLine });
    this.#lastReceived = Date.now();
    if (this.#keepalive.pingInterval > 0) this.#scheduleKeepalive();
    this.#settleOpen.resolve();
  }

  #onMessage(data, isBinary) {
    if (this.state === 'closed') return; // OR2: nothing after 'close'
    // ws hands over a Buffer (binaryType 'nodebuffer'), the whole message even if it came
    // fragmented (EV2); the API gives a string for text and an ArrayBuffer for binary.
    this.#emit('message', undefined, isBinary ? toArrayBuffer(data) : data.toString('utf8'));
    this.#emit('dataEnd'); // API 11: the message is complete
  }

  #onError(cause) {
    // One 'error' per connection, never after 'close' (OR2, OR4), and none for a handshake
    // the user aborted with close().
    if (this.state === 'closed' || this.#aborted || this.#errorEmitted) return;
    this.#errorEmitted = true;
    const error = new BusinessError(OTHER_ERROR, this.#subprotocolError ?? cause.message, cause);
    // A failed handshake ends here: 'error' is all it gets (no 'close'), and a connect()
    // from inside the 'error' callback must find the object free again (CN11).
    if (!this.#opened) this.#ended();
    this.#emit('error', error);
    if (!this.#opened) this.#settleOpen.reject(error);
  }

  #onClose(code, reasonBuffer) {
    if (this.state === 'closed') return;
    if (!this.#opened) {
      this.#failedHandshakeClosed();
      return;
    }
    if (code === 1006 && !this.#closingByUs && !this.#errorEmitted) {
      // EV5: ws reports a dropped connection with 'close' 1006 only; the contract wants
      // 'error' first (OR4).
      this.#errorEmitted = true;
      const why = this.#pongMissed
        ? `no answer to a ping within pongTimeout (${this.#keepalive.pongTimeout} s)`
        : 'connection lost without a close frame';
      this.#emit('error', new BusinessError(OTHER_ERROR, why));
    }
    this.#ended();
    this.#emit('close', undefined, { code, reason: reasonBuffer.toString('utf8') });
  }

  /** A handshake that ended without an 'error' (aborted by close(), or ws gave no reason).
   * A close() during the handshake still gets its 'close' (CL10: the seed's "close, then
   * the close event"), 1006 as no close frame crossed; a failed handshake gets none. */
  #failedHandshakeClosed() {
    this.#ended();
    const detail = this.#aborted
      ? 'closed before the connection was established'
      : 'handshake failed';
    this.#settleOpen.reject(new BusinessError(OTHER_ERROR, detail));
    if (this.#aborted) this.#emit('close', undefined, { code: 1006, reason: '' });
  }

  /** A ping after pingInterval seconds without anything from the server; when nothing comes
   * back within pongTimeout seconds, the connection is dropped ('error', then 'close'). */
  #scheduleKeepalive() {
    const { pingInterval, pongTimeout } = this.#keepalive;
    const idle = Date.now() - this.#lastReceived;
    const wait = Math.max(0, pingInterval * 1000 - idle);
    this.#keepaliveTimer = setTimeout(() => {
      if (this.state !== 'open') return;
      if (Date.now() - this.#lastReceived < pingInterval * 1000) {
        this.#scheduleKeepalive();
        return;
      }
      const sent = Date.now();
      this.#ws.ping();
      this.#keepaliveTimer = setTimeout(() => {
        if (this.state !== 'open') return;
        if (this.#lastReceived < sent) {
          this.#pongMissed = true;
          this.#ws.terminate();
        } else {
          this.#scheduleKeepalive();
        }
      }, pongTimeout * 1000);
    }, wait);
  }

  #ended() {
    clearTimeout(this.#keepaliveTimer);
    this.state = 'closed';
    this.#resolveClosed();
  }

  /** Resolves once the message is handed to the socket; rejects 2302999 unless open (SD6). */
  send(data) {
    return new Promise((resolve, reject) => {
      if (this.state !== 'open' || this.#ws.readyState !== WebSocket.OPEN) {
        reject(new BusinessError(OTHER_ERROR, 'the connection is not open'));
        return;
      }
      // ws writes in call order and calls back in call order (SD5).
      this.#ws.send(data, { binary: typeof data !== 'string' }, (err) => {
        if (err) reject(new BusinessError(OTHER_ERROR, `send failed: ${err.message}`, err));
        else resolve();
      });
    });
  }

  /** Starts the closing handshake; resolves once 'close' was emitted, which ws bounds by
   * closeTimeout when the server never answers (CL7: then 'close' reports 1006). */
  close(code, reason) {
    if (this.state === 'connecting') return this.#abort();
    if (this.state !== 'open') {
      return Promise.reject(new BusinessError(OTHER_ERROR, 'the connection is not open'));
    }
    this.state = 'closing';
    this.#closingByUs = true;
    this.#ws.close(code, reason); // when the server closed first, ws just waits for the end
    return this.#closed;
  }

  /** close() during the handshake: give it up (connect then fails with 2302999). */
  #abort() {
    this.#aborted = true;
    this.#closingByUs = true;
    this.#ws?.terminate(); // while tunnelling there is no ws yet: the tunnel's end sees #aborted
    return this.#closed;
  }
}
