// A stand-in IUT for tests/conformance/test_node_driver.py: just enough of the API shape to
// exercise every part of the Node driver (tags, subscribers, callbacks, logs, escapes).

export const CLOSE_TIMEOUT_S = 1.5;

/** A string saying exactly what the driver decoded an argument into. */
function shape(value) {
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${[...new Uint8Array(value)].join(',')})`;
  if (typeof value === 'symbol') return 'symbol';
  if (typeof value === 'function') return 'function';
  if (Array.isArray(value)) return `[${value.map(shape).join(' ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${shape(v)}`)
      .join(' ')}}`;
  }
  return JSON.stringify(value);
}

class FakeSocket {
  listeners = new Map();
  sent = [];
  closes = 0;

  on(type, cb) {
    const list = this.listeners.get(type) ?? [];
    this.listeners.set(type, [...list, cb]);
  }

  off(type, cb) {
    this.listeners.set(
      type,
      (this.listeners.get(type) ?? []).filter((x) => x !== cb),
    );
  }

  send(data) {
    this.sent.push(data);
    return Promise.resolve(true);
  }

  close() {
    this.closes += 1;
    return Promise.reject(new Error('not open'));
  }

  // -- test helpers, called through the driver like API methods --------------------------

  /** Calls every subscriber of `type` with (undefined, value), catching like an IUT should. */
  fire(type, value) {
    for (const cb of this.listeners.get(type) ?? []) {
      try {
        cb(undefined, value);
      } catch (err) {
        console.error('callback failed:', err);
      }
    }
  }

  shape(value) {
    return Promise.resolve(shape(value));
  }

  sentShapes() {
    return Promise.resolve(this.sent.map(shape).join(' '));
  }

  closeCount() {
    return Promise.resolve(this.closes);
  }

  callTwice(cb) {
    cb(undefined, true);
    cb({ code: 2302999, message: 'Websocket other unknown error' });
  }

  resolveLater(ms, cb) {
    setTimeout(() => cb(undefined, 'late'), ms);
  }

  binary() {
    return Promise.resolve(Uint8Array.from([1, 2, 3]));
  }

  openValue() {
    return Promise.resolve({ status: 101, message: 'Switching Protocols', extra: 1 });
  }

  throwNow() {
    throw Object.assign(new Error('Parameter error'), { code: 401 });
  }

  returnsNumber() {
    return 42;
  }

  chatty() {
    console.log('to stderr, not stdout');
    console.warn('a warning', new RangeError('out of range'));
  }

  leak() {
    Promise.reject(new Error('nobody listens'));
    setTimeout(() => {
      throw new TypeError('escaped');
    }, 0);
  }

  rejectWithNothing() {
    return Promise.reject(undefined);
  }
}

export function createWebSocket() {
  return new FakeSocket();
}
