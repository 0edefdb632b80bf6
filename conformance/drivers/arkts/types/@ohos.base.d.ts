// The parts of @ohos.base the driver uses. Signatures as in OpenHarmony's interface_sdk-js,
// api/@ohos.base.d.ts (API 12); comments shortened.

/** A callback with the result of an asynchronous call. */
export interface AsyncCallback<T, E = void> {
  (err: BusinessError<E>, data: T): void;
}

/** A callback of an event with one value. */
export interface Callback<T> {
  (data: T): void;
}

/** A callback of an error event. */
export interface ErrorCallback<T extends Error = BusinessError> {
  (err: T): void;
}

/** The error object of the platform's APIs: a numeric code, a message. */
export interface BusinessError<T = void> extends Error {
  code: number;
  data?: T;
}
