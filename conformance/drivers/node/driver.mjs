#!/usr/bin/env node
// The Node.js reference driver of the driver protocol, version 3 (docs/driver-protocol.md).
//
//   node conformance/drivers/node/driver.mjs MODULE                        (stdio)
//   node conformance/drivers/node/driver.mjs MODULE --tcp-listen [ADDR:]PORT  (suite: tcp:)
//   node conformance/drivers/node/driver.mjs MODULE --tcp HOST:PORT          (suite: tcp-listen:)
//
// MODULE: a path or package specifier of an ES module exporting createWebSocket().
//
// Requests come on stdin (or the connection), one JSON object per line; replies and trace
// events go to stdout (or the connection), one per line, in the order things happen. Over TCP
// one connection is served at a time; when it ends every socket is reset, and --tcp connects
// again (for RECONNECT_FOR_MS). Node 18+, standard library only. The Python twin is
// conformance/iut/executor.py: keep the two alike.

import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { trustTestCa } from './trust.mjs';

const PROTOCOL = 3;
// Events whose callback is Callback<T> (API 11/12): the value is the only argument.
const ONE_ARGUMENT_EVENTS = ['headerReceive', 'dataEnd'];
const MAX_HEADERS = 200; // header entries a HEADERS description keeps
// The subscriber behaviours this driver carries out (hello's `behaviours`, protocol 3).
const BEHAVIOURS = ['record', 'raise', 'subscribe', 'off_self', 'close', 'echo'];
const CAP = 4096; // characters of text / bytes of binary carried in a value
const ARGS_CAP = 2000; // a call entry carries its args only below this JSON length

// -- stdout is the protocol's alone ------------------------------------------------------------

// Where protocol lines go: stdout, or the current TCP connection (null between connections:
// late lines are dropped).
let output = (line) => process.stdout.write(line);

function write(message) {
  // Pipes are synchronous on Linux and macOS: a line is out before the next thing happens.
  if (output !== null) output(`${JSON.stringify(message)}\n`);
}

const sink = (entry) => write({ event: 'trace', entry });

const describeThrown = (err) =>
  err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : null;

/** Whatever the IUT prints must not corrupt stdout: console.log & co. go to stderr (the
 * suite keeps stderr lines as log entries); console.warn/error become `log` entries, the
 * evidence EV10 looks for. Done before the IUT is imported: it shares this console. */
function redirectConsole() {
  const toStderr = new console.Console({ stdout: process.stderr, stderr: process.stderr });
  for (const name of ['log', 'info', 'debug', 'dir', 'dirxml', 'table', 'trace', 'group']) {
    console[name] = toStderr[name].bind(toStderr);
  }
  for (const [name, level] of [
    ['warn', 'WARNING'],
    ['error', 'ERROR'],
  ]) {
    console[name] = (...args) =>
      sink({
        kind: 'log',
        level,
        logger: 'console',
        message: format(...args).slice(0, 500),
        exc: describeThrown(args.find((a) => a instanceof Error)),
      });
  }
}

/** Nothing escapes unseen and nothing crashes the driver: an unobserved rejection or an
 * uncaught exception is a `loop_error` entry (ER3 evidence). */
function catchEscapes() {
  process.on('unhandledRejection', (reason) =>
    sink({
      kind: 'loop_error',
      message: `unhandled rejection: ${safeString(reason, 200)}`,
      exc: describeThrown(reason),
    }),
  );
  process.on('uncaughtException', (err) =>
    sink({
      kind: 'loop_error',
      message: `uncaught exception: ${safeString(err, 200)}`,
      exc: describeThrown(err),
    }),
  );
}

// -- values and errors as JSON ------------------------------------------------------------------

function safeString(value, cap) {
  try {
    return String(value).slice(0, cap);
  } catch {
    return Object.prototype.toString.call(value).slice(0, cap);
  }
}

function typeName(value) {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') {
    const name = typeof value;
    return name.charAt(0).toUpperCase() + name.slice(1);
  }
  try {
    return Object.getPrototypeOf(value)?.constructor?.name || 'Object';
  } catch {
    return 'Object';
  }
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function describeText(text) {
  const bytes = Buffer.from(text, 'utf8');
  let head = '';
  let count = 0;
  for (const codePoint of text) {
    if (count === CAP) break;
    head += codePoint;
    count += 1;
  }
  const truncated = head.length < text.length;
  return { kind: 'text', text: head, len: bytes.length, sha256: sha256(bytes), truncated };
}

const isBinary = (value) =>
  ArrayBuffer.isView(value) ||
  ['[object ArrayBuffer]', '[object SharedArrayBuffer]'].includes(
    Object.prototype.toString.call(value),
  );

function describeBinary(value) {
  const bytes = ArrayBuffer.isView(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : Buffer.from(value);
  return {
    kind: 'binary',
    b64: bytes.subarray(0, CAP).toString('base64'),
    len: bytes.length,
    sha256: sha256(bytes),
    truncated: bytes.length > CAP,
    type: typeName(value),
  };
}

/** A field of a result object: JSON scalars as they are, anything else as its String(). */
function describePlain(value) {
  if (value === undefined || value === null) return null;
  if (['boolean', 'number', 'string'].includes(typeof value)) return value;
  return { repr: safeString(value, 200), type: typeName(value) };
}

/** Any value the IUT hands back (event value, promise value, callback value) → JSON. */
function describeValue(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string') return describeText(value);
  if (isBinary(value)) return describeBinary(value);
  const described = { kind: 'object', type: typeName(value), access: 'attr' };
  if (typeof value !== 'object' && typeof value !== 'function') return described;
  for (const field of ['status', 'message', 'code', 'reason']) {
    try {
      if (field in value) described[field] = describePlain(value[field]);
    } catch {
      // a throwing getter: the field is left out
    }
  }
  return described;
}

/** The 'headerReceive' value (response headers) → HEADERS: {kind: 'headers', headers:
 * {name: string | string[]}}; anything else as any other value. */
function describeHeaders(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isBinary(value))
    return describeValue(value);
  const headers = {};
  for (const [name, item] of Object.entries(value).slice(0, MAX_HEADERS)) {
    if (typeof item === 'string') headers[name] = item.slice(0, CAP);
    else if (Array.isArray(item) && item.every((v) => typeof v === 'string'))
      headers[name] = item.map((v) => v.slice(0, CAP));
    else headers[name] = describePlain(item);
  }
  return { kind: 'headers', type: typeName(value), headers };
}

/** An error the IUT raised, rejected with or passed to a callback → JSON (null for none). */
function describeError(err) {
  if (err === undefined || err === null) return null;
  const field = (name) => {
    try {
      return err[name];
    } catch {
      return undefined;
    }
  };
  const code = field('code');
  const message = field('message');
  return {
    type: typeName(err),
    code: describePlain(code),
    message: describePlain(message),
    is_business_error:
      typeof err === 'object' && typeof code === 'number' && typeof message === 'string',
    repr: safeString(err, 300),
  };
}

function describeReturned(value) {
  if (value === undefined) return 'none';
  if (isThenable(value)) return 'future';
  let repr;
  try {
    repr = typeof value === 'string' ? JSON.stringify(value) : safeString(value, 100);
  } catch {
    repr = typeName(value);
  }
  return `value:${repr}`.slice(0, 100);
}

function isThenable(value) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof value.then === 'function';
  } catch {
    return false;
  }
}

// -- generated payloads -------------------------------------------------------------------------

function generate(kind, size) {
  if (kind === 'str')
    return 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) bytes[i] = i % 251;
  return bytes.buffer;
}

const fromBase64 = (b64) => {
  const bytes = Buffer.from(String(b64), 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

// -- the executor: sockets, callbacks, subscribers ----------------------------------------------

class CommandError extends Error {}

class Unsupported extends CommandError {}

class Executor {
  constructor(api, implementation, closeTimeout, handshakeTimeout, declared = {}) {
    this.api = api;
    this.declared = declared; // api_features / api_level, when the module exports them
    this.implementation = implementation;
    this.closeTimeout = closeTimeout;
    this.handshakeTimeout = handshakeTimeout;
    this.sockets = new Map();
    this.subscribers = new Map();
    this.socketCount = 0;
    this.callCount = 0; // one counter for the whole process, never reset
    // Bumped by reset: callbacks and subscribers of forgotten sockets fall silent, so a late
    // settlement of one case never lands in the next case's trace.
    this.generation = 0;
  }

  /** The reply fields; a promise of them for reset only, so a call's reply is written in the
   * same turn as its return entry. */
  handle(request) {
    switch (request.op) {
      case 'hello':
        trustTestCa(request.tls?.ca_pem); // over TCP the environment did not say it
        return this.hello();
      case 'create':
        return this.create(request.mode ?? 'async');
      case 'call':
        return this.call(request);
      case 'reset':
        return this.reset(Number(request.timeout ?? 2)).then(() => ({}));
      default:
        throw new CommandError(`unknown op ${JSON.stringify(request.op)}`);
    }
  }

  hello() {
    return {
      protocol: PROTOCOL,
      driver: 'node',
      language: 'javascript',
      implementation: this.implementation,
      binary_type: 'ArrayBuffer',
      modes: ['async'],
      close_timeout: this.closeTimeout,
      handshake_timeout: this.handshakeTimeout,
      behaviours: BEHAVIOURS,
      ...this.declared,
    };
  }

  create(mode) {
    if (mode !== 'async')
      throw new Unsupported(`create mode ${JSON.stringify(mode)} is not supported (only "async")`);
    let ws;
    try {
      ws = this.api.createWebSocket();
    } catch (err) {
      throw new CommandError(`createWebSocket() threw: ${safeString(err, 300)}`);
    }
    this.socketCount += 1;
    const sock = `s${this.socketCount}`;
    this.sockets.set(sock, ws);
    return { socket: sock };
  }

  call({ socket: sock, method, args: rawArgs = [], promise = false }) {
    if (!this.sockets.has(sock)) throw new CommandError(`no socket ${JSON.stringify(sock)}`);
    if (!Array.isArray(rawArgs)) throw new CommandError('args must be a list');
    this.callCount += 1;
    const call = this.callCount;
    const args = rawArgs.map((a) => this.decode(a, sock, call, rawArgs));
    const style = promise ? 'promise' : rawArgs.some(isCallbackTag) ? 'callback' : 'plain';
    const argsJson = JSON.stringify(rawArgs);
    sink({
      kind: 'call',
      socket: sock,
      call,
      method: String(method),
      style,
      args: argsJson.length < ARGS_CAP ? rawArgs : '(large)',
    });
    const { returned, raised } = this.invoke(this.sockets.get(sock), String(method), args);
    const kind = raised ? 'none' : describeReturned(returned);
    sink({ kind: 'return', socket: sock, call, returned: kind, raised });
    if (promise && kind === 'future') this.follow(sock, call, returned);
    return { call, returned: kind, raised };
  }

  /** The method call itself: a missing method or a synchronous throw is `raised`, never a
   * driver error (M2 and EV9 judge them). */
  invoke(ws, method, args) {
    let fn;
    try {
      fn = ws[method];
    } catch (err) {
      return { raised: describeError(err) };
    }
    if (typeof fn !== 'function') {
      const err = new TypeError(`the WebSocket has no method ${method}`);
      return { raised: { ...describeError(err), missing_method: true } };
    }
    try {
      return { returned: fn.apply(ws, args), raised: null };
    } catch (err) {
      return { raised: describeError(err) };
    }
  }

  /** promise: true → report how the returned promise settles as a `result`. Otherwise it is
   * left alone, like a caller that ignores it: if the IUT lets its rejection go unhandled,
   * that is a `loop_error` (ER3), as in the Python executor. */
  follow(sock, call, thenable) {
    const generation = this.generation;
    const report = (err, value) => {
      if (generation === this.generation) this.result(sock, call, err, value);
    };
    Promise.resolve(thenable).then(
      (value) => report(null, value),
      (err) => report(err ?? new Error(`rejected with ${err}`), undefined),
    );
  }

  result(sock, call, err, value) {
    sink({
      kind: 'result',
      socket: sock,
      call,
      err: describeError(err),
      value: describeValue(value),
    });
  }

  async reset(timeout) {
    const waits = [];
    for (const ws of this.sockets.values()) {
      try {
        const closing = ws.close();
        if (isThenable(closing)) waits.push(Promise.resolve(closing).catch(() => {}));
      } catch {
        // not open, or no close at all: nothing to wait for
      }
    }
    let timer;
    const expired = new Promise((resolve) => {
      timer = setTimeout(resolve, Math.max(0, timeout) * 1000);
    });
    await Promise.race([Promise.all(waits), expired]);
    clearTimeout(timer);
    this.sockets.clear();
    this.subscribers.clear();
    this.generation += 1;
  }

  // -- argument decoding ------------------------------------------------------------------------

  decode(value, sock, call, rawArgs) {
    if (Array.isArray(value)) return value.map((v) => this.decode(v, sock, call, rawArgs));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0].startsWith('$')) {
      const decoded = this.decodeTag(keys[0], value[keys[0]], sock, call, rawArgs);
      if (decoded !== NOT_A_TAG) return decoded;
    }
    return this.decodeFields(value, sock, call, rawArgs);
  }

  decodeFields(fields, sock, call, rawArgs) {
    if (fields === null || typeof fields !== 'object')
      throw new CommandError('a tag needs an object');
    return Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, this.decode(v, sock, call, rawArgs)]),
    );
  }

  decodeTag(tag, inner, sock, call, rawArgs) {
    switch (tag) {
      case '$bytes':
      case '$bytearray':
      case '$memoryview':
        return fromBase64(inner); // JS has one binary type for all three: ArrayBuffer
      case '$gen':
        return generate(inner.kind, Number(inner.size));
      case '$callback':
        return this.callback(sock, call);
      case '$subscriber': {
        const behaviour = String(inner.behaviour ?? 'record');
        if (!BEHAVIOURS.includes(behaviour.split(':')[0]))
          throw new CommandError(
            `unknown subscriber behaviour ${JSON.stringify(behaviour)}; this driver offers ` +
              `${BEHAVIOURS.join(', ')} (docs/driver-protocol.md)`,
          );
        const type = typeof rawArgs[0] === 'string' ? rawArgs[0] : '?';
        return this.subscriber(sock, String(inner.name), String(inner.behaviour ?? 'record'), type);
      }
      case '$options': // JS option "classes" are plain objects
        return this.decodeFields(inner.fields ?? {}, sock, call, rawArgs);
      case '$opaque':
        return Symbol('opaque'); // not a function, string, number or plain object
      case '$dict':
        return this.decodeFields(inner, sock, call, rawArgs);
      default:
        return NOT_A_TAG;
    }
  }

  /** `$callback`: an AsyncCallback that reports every call as a `result` of this call. */
  callback(sock, call) {
    const generation = this.generation;
    return (err, value) => {
      if (generation === this.generation) this.result(sock, call, err, value);
    };
  }

  /** `$subscriber`: the same (socket, name, type) gives the same function, so off() can name it. */
  subscriber(sock, name, behaviour, type) {
    const key = JSON.stringify([sock, name, type]);
    if (this.subscribers.has(key)) return this.subscribers.get(key);
    const generation = this.generation;
    let fired = false;
    const subscriber = (...args) => {
      if (generation !== this.generation) return;
      // Callback<T> events (API 11/12) get the value as their only argument.
      const oneArgument = ONE_ARGUMENT_EVENTS.includes(type);
      sink({
        kind: 'event',
        socket: sock,
        sub: name,
        type,
        nargs: args.length,
        err: oneArgument ? null : describeError(args[0]),
        value: oneArgument ? describeHeaders(args[0]) : describeValue(args[1]),
      });
      const ws = this.sockets.get(sock);
      const first = !fired;
      fired = true;
      this.behave(behaviour, { ws, sock, type, name, subscriber, first, data: args[1] });
    };
    this.subscribers.set(key, subscriber);
    return subscriber;
  }

  behave(behaviour, { ws, sock, type, name, subscriber, first, data }) {
    if (behaviour === 'raise') throw new Error(`subscriber ${name} raises on purpose`);
    if (ws === undefined) return;
    if (behaviour.startsWith('subscribe:')) {
      const [, newType, newName] = behaviour.split(':');
      if (first) ws.on(newType, this.subscriber(sock, newName, 'record', newType));
    } else if (behaviour === 'off_self') {
      ws.off(type, subscriber);
    } else if (behaviour === 'close') {
      swallow(ws.close());
    } else if (behaviour === 'echo' && type === 'message') {
      swallow(ws.send(data));
    }
  }
}

const NOT_A_TAG = Symbol('not a tag');

const isCallbackTag = (arg) =>
  arg !== null && typeof arg === 'object' && !Array.isArray(arg) && '$callback' in arg;

/** A rejection the driver itself provoked (a subscriber's close/echo) is not the IUT's leak. */
function swallow(returned) {
  if (isThenable(returned)) Promise.resolve(returned).catch(() => {});
}

// -- the IUT module -----------------------------------------------------------------------------

/**
 * A file path (relative to the current working folder) or a package specifier resolved from
 * it. A path (it starts with `.` or `/`, or names what exists) is always taken from the
 * working folder, never handed to import() as it is: import() would look it up beside this
 * driver.
 */
function moduleUrl(spec) {
  const fromCwd = createRequire(path.join(process.cwd(), 'noop.js'));
  const pathLike = spec.startsWith('.') || path.isAbsolute(spec) || existsSync(spec);
  if (pathLike) {
    const absolute = path.resolve(process.cwd(), spec);
    if (existsSync(absolute) && statSync(absolute).isFile())
      return { url: pathToFileURL(absolute).href, name: absolute };
    try {
      const resolved = fromCwd.resolve(absolute); // a folder with package.json or index.js
      return { url: pathToFileURL(resolved).href, name: absolute };
    } catch {
      return { url: pathToFileURL(absolute).href, name: absolute }; // import() says it is missing
    }
  }
  try {
    return { url: pathToFileURL(fromCwd.resolve(spec)).href, name: spec };
  } catch {
    return { url: spec, name: spec }; // let import() try (an "import"-only exports map)
  }
}

/** The object with createWebSocket: the module, its `webSocket`, or its default export. */
function findApi(mod) {
  for (const candidate of [mod, mod.webSocket, mod.default, mod.default?.webSocket]) {
    if (candidate && typeof candidate.createWebSocket === 'function') return candidate;
  }
  return null;
}

async function loadIut(spec) {
  const { url, name } = moduleUrl(spec);
  const mod = await import(url);
  const api = findApi(mod);
  if (api === null)
    throw new Error(`${spec} exports no createWebSocket (nor webSocket.createWebSocket)`);
  const closeTimeout =
    [mod.CLOSE_TIMEOUT_S, api.CLOSE_TIMEOUT_S].find((v) => typeof v === 'number') ?? null;
  const handshakeTimeout =
    [mod.HANDSHAKE_TIMEOUT_S, api.HANDSHAKE_TIMEOUT_S].find((v) => typeof v === 'number') ?? null;
  // The later API's features the module declares (conformance/apifeatures.py): an exported
  // API_FEATURES (array of names) or API_LEVEL (integer); without them the suite detects.
  const declared = {};
  const features = [mod.API_FEATURES, api.API_FEATURES].find(Array.isArray);
  if (features !== undefined) declared.api_features = features.map(String);
  const level = [mod.API_LEVEL, api.API_LEVEL].find(Number.isInteger);
  if (level !== undefined) declared.api_level = level;
  return new Executor(api, name, closeTimeout, handshakeTimeout, declared);
}

// -- the request loop ---------------------------------------------------------------------------

async function answer(executor, loadError, line) {
  let request;
  try {
    request = JSON.parse(line);
    if (request === null || typeof request !== 'object' || !('id' in request))
      throw new Error('no id');
  } catch (err) {
    write({ id: null, ok: false, error: `bad request: ${err.message}` });
    return;
  }
  const { id } = request;
  if (executor === null) {
    write({ id, ok: false, error: `cannot load the IUT module: ${loadError}` });
    return;
  }
  try {
    const reply = executor.handle(request);
    write({ id, ok: true, ...(reply instanceof Promise ? await reply : reply) });
  } catch (err) {
    const reply = {
      id,
      ok: false,
      error: err instanceof CommandError ? err.message : `driver error: ${safeString(err, 300)}`,
    };
    if (err instanceof Unsupported) reply.unsupported = true;
    write(reply);
  }
}

const RECONNECT_FOR_MS = 60000;
const USAGE =
  'usage: node driver.mjs MODULE [--tcp-listen [ADDR:]PORT | --tcp HOST:PORT]\n' +
  '  MODULE: a module path or specifier exporting createWebSocket()\n';

/** "[ADDR:]PORT" or "HOST:PORT" → {host, port}; null when it is not one. */
function parseAddress(text, defaultHost) {
  const at = text.lastIndexOf(':');
  const host = (at < 0 ? defaultHost : text.slice(0, at)).replace(/^\[|\]$/g, '');
  const port = Number(at < 0 ? text : text.slice(at + 1));
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) return null;
  return { host, port };
}

/** Serve one stream of request lines; resolves when it ends. */
function serveLines(input, executor, loadError) {
  return new Promise((resolve) => {
    // One request at a time, in order: a reset finishes before the next create starts.
    let queue = Promise.resolve();
    const lines = createInterface({ input, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim()) queue = queue.then(() => answer(executor, loadError, line));
    });
    lines.on('close', () => queue.then(resolve));
  });
}

/** One TCP connection: the protocol's lines cross it; at its end every socket is reset. */
async function serveSocket(socket, executor, loadError) {
  socket.setNoDelay(true);
  socket.on('error', () => {}); // a reset by the peer ends the connection, nothing more
  output = (line) => {
    if (!socket.destroyed) socket.write(line);
  };
  await serveLines(socket, executor, loadError);
  output = null;
  socket.destroy();
  if (executor !== null) await executor.reset(1.5).catch(() => {});
}

function listen(address, executor, loadError) {
  let busy = Promise.resolve();
  const server = net.createServer((socket) => {
    // one connection at a time: the next waits for the one before to end
    busy = busy.then(() => serveSocket(socket, executor, loadError));
  });
  server.on('error', (err) => {
    process.stderr.write(`driver: cannot listen on ${address.host}:${address.port}: ${err.message}\n`);
    process.exit(2);
  });
  server.listen(address.port, address.host, () => {
    const { port } = server.address();
    process.stderr.write(`driver: listening on ${address.host}:${port}\n`);
  });
}

async function connectLoop(address, executor, loadError) {
  for (;;) {
    const started = Date.now();
    let socket = null;
    while (socket === null && Date.now() - started < RECONNECT_FOR_MS) {
      socket = await new Promise((resolve) => {
        const attempt = net.connect(address.port, address.host);
        attempt.once('connect', () => resolve(attempt));
        attempt.once('error', () => {
          attempt.destroy();
          setTimeout(() => resolve(null), 200);
        });
      });
    }
    if (socket === null) {
      process.stderr.write(`driver: no suite at ${address.host}:${address.port}\n`);
      process.exit(0);
    }
    await serveSocket(socket, executor, loadError);
  }
}

async function main(argv) {
  const [spec, how, where, ...extra] = argv;
  const tcp = how === '--tcp' || how === '--tcp-listen';
  const address = tcp && where ? parseAddress(where, how === '--tcp-listen' ? '127.0.0.1' : '') : null;
  if (!spec || extra.length > 0 || (how !== undefined && address === null)) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  redirectConsole();
  catchEscapes();
  let executor = null;
  let loadError = null;
  try {
    executor = await loadIut(spec);
  } catch (err) {
    loadError = safeString(err?.stack ?? err, 1000);
    process.stderr.write(`driver: cannot load ${spec}: ${loadError}\n`);
  }
  if (how === '--tcp-listen') {
    output = null;
    listen(address, executor, loadError);
  } else if (how === '--tcp') {
    output = null;
    await connectLoop(address, executor, loadError);
  } else {
    await serveLines(process.stdin, executor, loadError);
    // stdin closed: the suite is done with us, open connections or not.
    process.exit(0);
  }
}

main(process.argv.slice(2));
