// Which of the shipped platform's behaviours this port reproduces: OHOS_SHIPPED_DEVIATIONS.
//
//   OHOS_SHIPPED_DEVIATIONS=all        (default) every switch below
//   OHOS_SHIPPED_DEVIATIONS=none       none: the port is ports/js-ws
//   OHOS_SHIPPED_DEVIATIONS=send-minus-one,lost-link-0   just those
//
// The names are the switches of conformance/data/API-CONTRACT.md, "The shipped platform";
// ports/js-shipped/README.md has each one's clause and netstack source.

/** The platform's deviations graded at SHOULD or INFO, as the contract records them. */
export const RECORDED = Object.freeze({
  'early-connect': 'CN8, CN12: connect settles true before the handshake',
  'queue-while-connecting': 'SD13: send and close while connecting wait for the handshake',
  'send-minus-one': 'SD11: send when not open fails with -1',
  'size-limit': 'SD10: more than 5 MiB - 16 bytes is refused with 401',
  'close-code-1000': 'CL8: a close code outside 1000-1015 is sent as 1000, a long reason cut',
  'close-timeout-own-code': "CL9: after the close timeout 'close' reports the code sent",
  'empty-close-1000': 'EV4: a close frame with no status is reported as 1000',
  'empty-reason-link-down': 'EV14: an empty close reason is reported as "The link is down"',
  'lost-link-0': 'EV5: a lost link is reported as 0, "The link is down"',
  'unknown-event-ignored': 'EV11: on()/off() ignore an unknown event name',
  'close-settles-early': 'CL12: close settles true once requested, before the close handshake',
});

/** Platform behaviour no clause grades (the contract leaves it open), on in `all` too. */
export const ALLOWED = Object.freeze({});

export const ENV = 'OHOS_SHIPPED_DEVIATIONS';

/** The set of enabled names from the variable's text; a bad name is a one-line Error. */
export function parseDeviations(text) {
  const value = (text ?? '').trim();
  const known = [...Object.keys(RECORDED), ...Object.keys(ALLOWED)];
  if (value === '' || value === 'all') return new Set(known);
  if (value === 'none') return new Set();
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) {
    const error = new Error(
      `${ENV}: unknown deviation ${unknown.map((n) => `'${n}'`).join(', ')}; ` +
        `use all, none or a comma list of: ${known.join(', ')}`,
    );
    error.stack = error.message; // a setting to mend, not a bug: where it was thrown helps nobody
    throw error;
  }
  return new Set(names);
}
