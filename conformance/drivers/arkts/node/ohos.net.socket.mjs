// @ohos.net.socket under Node (TCP only): TCPSocket, TCPSocketServer and TCPSocketConnection
// as types/@ohos.net.socket.d.ts declares them, on Node's net. What a device's stack does is
// not modelled beyond that: events, promises, ArrayBuffer messages.

import net from 'node:net';

const toArrayBuffer = (buf) => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);

/** on/off for 'message', 'close', 'error', 'connect' over a Node socket. */
class Events {
  constructor() {
    this.handlers = new Map();
  }

  on(type, callback) {
    if (!this.handlers.has(type)) this.handlers.set(type, []);
    this.handlers.get(type).push(callback);
  }

  off(type, callback) {
    if (callback === undefined) this.handlers.delete(type);
    else this.handlers.set(type, (this.handlers.get(type) ?? []).filter((c) => c !== callback));
  }

  emit(type, value) {
    for (const callback of [...(this.handlers.get(type) ?? [])]) callback(value);
  }
}

function wire(events, sock) {
  sock.setNoDelay(true);
  sock.on('data', (chunk) =>
    events.emit('message', {
      message: toArrayBuffer(chunk),
      remoteInfo: { address: sock.remoteAddress ?? '', family: 'IPv4', port: sock.remotePort ?? 0, size: chunk.length },
    }),
  );
  sock.on('error', (err) => events.emit('error', { code: 2301000, message: err.message }));
  sock.on('close', () => events.emit('close', undefined));
}

function sendOn(sock, options) {
  return new Promise((resolve, reject) => {
    if (sock === null || sock.destroyed) {
      reject({ code: 2301032, message: 'not connected' });
      return;
    }
    const data = typeof options.data === 'string' ? options.data : Buffer.from(options.data);
    sock.write(data, (err) => (err ? reject({ code: 2301000, message: err.message }) : resolve()));
  });
}

class TCPSocket extends Events {
  constructor() {
    super();
    this.sock = null;
  }

  connect(options) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: options.address.address, port: options.address.port });
      const timer = setTimeout(() => sock.destroy(new Error('timeout')), options.timeout ?? 5000);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        this.sock = sock;
        wire(this, sock);
        this.emit('connect', undefined);
        resolve();
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject({ code: 2301111, message: err.message });
      });
    });
  }

  send(options) {
    return sendOn(this.sock, options);
  }

  close() {
    if (this.sock !== null) this.sock.destroy();
    return Promise.resolve();
  }
}

let clients = 0;

class TCPSocketConnection extends Events {
  constructor(sock) {
    super();
    clients += 1;
    this.clientId = clients;
    this.sock = sock;
    wire(this, sock);
  }

  send(options) {
    return sendOn(this.sock, options);
  }

  close() {
    this.sock.destroy();
    return Promise.resolve();
  }
}

class TCPSocketServer extends Events {
  listen(address) {
    return new Promise((resolve, reject) => {
      const server = net.createServer((sock) => this.emit('connect', new TCPSocketConnection(sock)));
      server.once('error', (err) => reject({ code: 2301098, message: err.message }));
      server.listen(address.port, address.address, () => {
        process.stderr.write(`driver: listening on ${address.address}:${server.address().port}\n`);
        resolve();
      });
    });
  }
}

const socket = {
  constructTCPSocketInstance: () => new TCPSocket(),
  constructTCPSocketServerInstance: () => new TCPSocketServer(),
};
export default socket;
