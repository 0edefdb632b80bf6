// @ohos.net.socket as the driver uses it (TCP only). Signatures as in OpenHarmony's
// interface_sdk-js, api/@ohos.net.socket.d.ts (API 12); comments shortened, the UDP, TLS,
// local-socket and option-setting parts left out.

import type { AsyncCallback, Callback, ErrorCallback } from './@ohos.base';

declare namespace socket {
  function constructTCPSocketInstance(): TCPSocket;
  function constructTCPSocketServerInstance(): TCPSocketServer;

  export interface NetAddress {
    address: string;
    port?: number;
    family?: number;
  }

  export interface SocketRemoteInfo {
    address: string;
    family: 'IPv4' | 'IPv6';
    port: number;
    size: number;
  }

  export interface SocketMessageInfo {
    message: ArrayBuffer;
    remoteInfo: SocketRemoteInfo;
  }

  export interface TCPConnectOptions {
    address: NetAddress;
    timeout?: number;
  }

  export interface TCPSendOptions {
    data: string | ArrayBuffer;
    encoding?: string;
  }

  export interface TCPSocket {
    bind(address: NetAddress): Promise<void>;
    connect(options: TCPConnectOptions, callback: AsyncCallback<void>): void;
    connect(options: TCPConnectOptions): Promise<void>;
    send(options: TCPSendOptions, callback: AsyncCallback<void>): void;
    send(options: TCPSendOptions): Promise<void>;
    close(callback: AsyncCallback<void>): void;
    close(): Promise<void>;
    on(type: 'message', callback: Callback<SocketMessageInfo>): void;
    off(type: 'message', callback?: Callback<SocketMessageInfo>): void;
    on(type: 'connect' | 'close', callback: Callback<void>): void;
    off(type: 'connect' | 'close', callback?: Callback<void>): void;
    on(type: 'error', callback: ErrorCallback): void;
    off(type: 'error', callback?: ErrorCallback): void;
  }

  export interface TCPSocketConnection {
    clientId: number;
    send(options: TCPSendOptions, callback: AsyncCallback<void>): void;
    send(options: TCPSendOptions): Promise<void>;
    close(callback: AsyncCallback<void>): void;
    close(): Promise<void>;
    on(type: 'message', callback: Callback<SocketMessageInfo>): void;
    off(type: 'message', callback?: Callback<SocketMessageInfo>): void;
    on(type: 'close', callback: Callback<void>): void;
    off(type: 'close', callback?: Callback<void>): void;
    on(type: 'error', callback: ErrorCallback): void;
    off(type: 'error', callback?: ErrorCallback): void;
  }

  export interface TCPSocketServer {
    listen(address: NetAddress, callback: AsyncCallback<void>): void;
    listen(address: NetAddress): Promise<void>;
    on(type: 'connect', callback: Callback<TCPSocketConnection>): void;
    off(type: 'connect', callback?: Callback<TCPSocketConnection>): void;
    on(type: 'error', callback: ErrorCallback): void;
    off(type: 'error', callback?: ErrorCallback): void;
  }
}

export default socket;
