// @ohos.net.webSocket as the driver uses it. Signatures as in OpenHarmony's interface_sdk-js,
// api/@ohos.net.webSocket.d.ts (API 12, and the options of API 20/21: skipServerCertVerification,
// pingInterval, pongTimeout); comments shortened. HttpProxy is @ohos.net.connection's.

import type { AsyncCallback, ErrorCallback, Callback } from './@ohos.base';

declare namespace webSocket {
  function createWebSocket(): WebSocket;

  /** @ohos.net.connection's HttpProxy. */
  export interface HttpProxy {
    host: string;
    port: number;
    username?: string;
    password?: string;
    exclusionList: Array<string>;
  }

  export type ProxyConfiguration = 'system' | 'no-proxy' | HttpProxy;

  export interface WebSocketRequestOptions {
    header?: Object;
    caPath?: string;
    clientCert?: ClientCert;
    proxy?: ProxyConfiguration;
    protocol?: string;
    skipServerCertVerification?: boolean;
    pingInterval?: number;
    pongTimeout?: number;
  }

  export interface ClientCert {
    certPath: string;
    keyPath: string;
    keyPassword?: string;
  }

  export interface WebSocketCloseOptions {
    code?: number;
    reason?: string;
  }

  export interface CloseResult {
    code: number;
    reason: string;
  }

  export type ResponseHeaders = {
    [k: string]: string | string[] | undefined;
  };

  export interface WebSocket {
    connect(url: string, callback: AsyncCallback<boolean>): void;
    connect(url: string, options: WebSocketRequestOptions, callback: AsyncCallback<boolean>): void;
    connect(url: string, options?: WebSocketRequestOptions): Promise<boolean>;

    send(data: string | ArrayBuffer, callback: AsyncCallback<boolean>): void;
    send(data: string | ArrayBuffer): Promise<boolean>;

    close(callback: AsyncCallback<boolean>): void;
    close(options: WebSocketCloseOptions, callback: AsyncCallback<boolean>): void;
    close(options?: WebSocketCloseOptions): Promise<boolean>;

    on(type: 'open', callback: AsyncCallback<Object>): void;
    off(type: 'open', callback?: AsyncCallback<Object>): void;
    on(type: 'message', callback: AsyncCallback<string | ArrayBuffer>): void;
    off(type: 'message', callback?: AsyncCallback<string | ArrayBuffer>): void;
    on(type: 'close', callback: AsyncCallback<CloseResult>): void;
    off(type: 'close', callback?: AsyncCallback<CloseResult>): void;
    on(type: 'error', callback: ErrorCallback): void;
    off(type: 'error', callback?: ErrorCallback): void;
    on(type: 'dataEnd', callback: Callback<void>): void;
    off(type: 'dataEnd', callback?: Callback<void>): void;
    on(type: 'headerReceive', callback: Callback<ResponseHeaders>): void;
    off(type: 'headerReceive', callback?: Callback<ResponseHeaders>): void;
  }
}

export default webSocket;
