// The driver's one plain-TypeScript file (not ArkTS): calls its static types cannot express.
//
// The suite also judges how an implementation treats calls its declarations forbid (a number
// to send(), a method it lacks, a value of no accepted type: M2, ER1 ...). ArkTS, statically
// typed, cannot write those calls; an ArkTS module may import a .ts file, compiled under
// TypeScript's rules, and this one makes them. Every call the declarations allow goes through
// Executor.ets's typed dispatch instead.

export type Loose = Object | null | undefined;

export interface UncheckedOutcome {
  returned: Loose;
  raised: Loose;
  threw: boolean;
  missing: boolean;
}

/** `target[method](...args)`; a missing method or a throw is reported, never thrown. */
export function callUnchecked(target: Object, method: string, args: Loose[]): UncheckedOutcome {
  let fn: unknown;
  try {
    fn = (target as Record<string, unknown>)[method];
  } catch (err) {
    return { returned: undefined, raised: err as Loose, threw: true, missing: false };
  }
  if (typeof fn !== 'function') {
    const err = new TypeError(`the WebSocket has no method ${method}`);
    return { returned: undefined, raised: err, threw: true, missing: true };
  }
  try {
    return { returned: (fn as Function).apply(target, args) as Loose, raised: null, threw: false, missing: false };
  } catch (err) {
    return { returned: undefined, raised: err as Loose, threw: true, missing: false };
  }
}

/** A value the API accepts nowhere (not a string, number, function, plain object or array). */
export function opaqueValue(): Object {
  return Symbol('opaque') as unknown as Object;
}

export function isThenable(value: Loose): boolean {
  if (value === null || value === undefined || (typeof value !== 'object' && typeof value !== 'function')) {
    return false;
  }
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/** Report how a thenable settles; its rejection is observed (not an escape of the IUT). */
export function follow(value: Object, report: (err: Loose, settled: Loose) => void): void {
  Promise.resolve(value as PromiseLike<Loose>).then(
    (settled: Loose) => report(null, settled),
    (err: Loose) => report(err ?? new Error(`rejected with ${err}`), undefined),
  );
}

/** `returned` of a call entry for a value a call gave back (docs/driver-protocol.md). */
export function describeReturned(value: Loose): string {
  if (value === undefined) {
    return 'none';
  }
  if (isThenable(value)) {
    return 'future';
  }
  let repr: string;
  try {
    repr = typeof value === 'string' ? JSON.stringify(value) : String(value).slice(0, 100);
  } catch {
    repr = 'Object';
  }
  return `value:${repr}`.slice(0, 100);
}
