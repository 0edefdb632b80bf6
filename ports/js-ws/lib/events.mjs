// Subscribers per event type, dispatched in subscription order (EV6–EV10, OR5).

import { parameterError } from './errors.mjs';

// 'dataEnd' (API 11) and 'headerReceive' (API 12) are Callback<T> events: the value alone.
export const EVENT_TYPES = ['open', 'message', 'close', 'error', 'dataEnd', 'headerReceive'];

/** Calls user code; an exception is reported with console.error, never propagated (EV10). */
export function invoke(callback, what, ...args) {
  try {
    callback(...args);
  } catch (err) {
    console.error(`ohos-websocket: exception in a user callback (${what}):`, err);
  }
}

function checkType(type) {
  if (typeof type !== 'string')
    throw parameterError(`event type must be a string, not ${typeof type}`);
  // EV9 (INFO): an unknown name is refused like the reference implementation does, so a
  // typo ('opened') is found at once instead of a subscription that never fires.
  if (!EVENT_TYPES.includes(type)) throw parameterError(`unknown event type '${type}'`);
  return type;
}

export class EventRegistry {
  #listeners = new Map(EVENT_TYPES.map((type) => [type, []]));

  on(type, callback) {
    checkType(type);
    if (typeof callback !== 'function') throw parameterError('callback must be a function');
    const list = this.#listeners.get(type);
    // EV8: subscribing the same function twice is a no-op (it is called once per event).
    if (!list.includes(callback)) this.#listeners.set(type, [...list, callback]);
  }

  off(type, callback) {
    checkType(type);
    if (callback === undefined || callback === null) {
      this.#listeners.set(type, []);
      return;
    }
    if (typeof callback !== 'function') throw parameterError('callback must be a function');
    // A new array, so a dispatch already running keeps its own snapshot (OR5).
    this.#listeners.set(
      type,
      this.#listeners.get(type).filter((cb) => cb !== callback),
    );
  }

  /** Dispatch to a snapshot: a callback added meanwhile sees the next event (OR5); one
   * removed meanwhile is not called again (EV7). */
  emit(type, ...args) {
    for (const callback of this.#listeners.get(type)) {
      if (this.#listeners.get(type).includes(callback)) invoke(callback, `on('${type}')`, ...args);
    }
  }
}
