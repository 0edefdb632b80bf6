// BusinessError and the error codes of the later OpenHarmony docs (contract ER1, ER2).

export const PARAMETER_ERROR = 401;
export const URL_ERROR = 2302001;
export const CERT_FILE_MISSING = 2302002;
export const ALREADY_CONNECTED = 2302003;
export const OTHER_ERROR = 2302999;

const MESSAGES = new Map([
  [PARAMETER_ERROR, 'Parameter error'],
  [URL_ERROR, 'Websocket url error'],
  [CERT_FILE_MISSING, 'Websocket certificate file does not exist'],
  [ALREADY_CONNECTED, 'Websocket connection already exists'],
  [OTHER_ERROR, 'Websocket other unknown error'],
]);

/**
 * An API error: numeric `code`, the documented `message` (callers compare it), and what
 * actually happened in `data` (the BusinessError<T> field of the OpenHarmony typings) and in
 * String(err). `cause` keeps the underlying `ws`/Node error when there is one.
 */
export class BusinessError extends Error {
  constructor(code, detail = '', cause = undefined) {
    super(MESSAGES.get(code) ?? MESSAGES.get(OTHER_ERROR), cause ? { cause } : undefined);
    this.name = 'BusinessError';
    this.code = code;
    this.data = detail;
  }

  toString() {
    const detail = this.data ? ` (${this.data})` : '';
    return `BusinessError ${this.code}: ${this.message}${detail}`;
  }
}

export const parameterError = (detail) => new BusinessError(PARAMETER_ERROR, detail);
