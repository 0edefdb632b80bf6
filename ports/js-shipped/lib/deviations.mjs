// Which of the shipped platform's behaviours this port reproduces: OHOS_SHIPPED_DEVIATIONS.
//
//   OHOS_SHIPPED_DEVIATIONS=all        (default) every deviation the contract records for the
//                                      shipped platform, and the platform's queueing while
//                                      connecting (which the contract allows)
//   OHOS_SHIPPED_DEVIATIONS=none       none: ports/js-ws as it is
//   OHOS_SHIPPED_DEVIATIONS=platform   `all` plus what the platform does that the contract
//                                      does not record yet (some of it breaks a MUST)
//   OHOS_SHIPPED_DEVIATIONS=send-not-open-minus-one,lost-link-zero   just those
//
// Each name, its clause and the netstack source it comes from: ports/js-shipped/README.md.

/** Recorded in conformance/data/API-CONTRACT.md for the shipped platform (in `all`). */
export const RECORDED = Object.freeze({
  'connect-settles-early': 'CN8, CN12: connect settles true before the handshake',
  'send-not-open-minus-one': 'SD11: send when not open fails with -1',
  'close-coerces-code': 'CL8: a forbidden close code is sent as 1000, a long reason cut',
  'nostatus-close-1000': 'EV4: a close frame with no status is reported as 1000',
  'lost-link-zero': 'EV5: a lost link is reported as 0, "The link is down"',
  'unknown-event-ignored': 'EV11: on()/off() ignore an unknown event name',
  'send-limit-5mib': 'SD10: more than 5 MiB - 16 bytes is refused with 401',
});

/** Not deviations: what the platform does where the contract allows a choice (in `all`). */
export const ALLOWED = Object.freeze({
  'queue-while-connecting': 'SD6 (and close): send and close while connecting wait for open',
  'close-settles-early': 'CL1, CL7: close settles true once requested, before the close handshake',
});

/** What the platform does that the contract does not record (only in `platform`). */
export const UNRECORDED = Object.freeze({
  'single-subscriber': 'EV6 (MUST): a second on(type, cb) replaces the first subscriber',
  'close-normal-reason': 'CL2 (MUST): the default close reason is "CLOSE_NORMAL"',
  'app-codes-to-1000': 'CL3 (MUST): close codes outside 1000..1015 (3000-4999 too) become 1000',
  'empty-reason-link-down': 'EV3 (MUST): an empty reason from the server is "The link is down"',
  'close-reports-own-code': 'CL7 (MUST): after our close, "close" reports our code, never 1006',
});

export const ENV = 'OHOS_SHIPPED_DEVIATIONS';

/** The set of enabled names from the variable's text; a bad name is a one-line Error. */
export function parseDeviations(text) {
  const value = (text ?? '').trim();
  const all = [...Object.keys(RECORDED), ...Object.keys(ALLOWED)];
  if (value === '' || value === 'all') return new Set(all);
  if (value === 'none') return new Set();
  if (value === 'platform') return new Set([...all, ...Object.keys(UNRECORDED)]);
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const known = [...all, ...Object.keys(UNRECORDED)];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) {
    const error = new Error(
      `${ENV}: unknown deviation ${unknown.map((n) => `'${n}'`).join(', ')}; ` +
        `use all, none, platform or a comma list of: ${known.join(', ')}`,
    );
    error.stack = error.message; // a setting to mend, not a bug: where it was thrown helps nobody
    throw error;
  }
  return new Set(names);
}
