// API 12 `proxy`: which HTTP proxy a connection goes through, and the CONNECT tunnel to it
// (RFC 6455 §4.1: a client configured to use a proxy asks it, with CONNECT, for a TCP
// connection to the URL's host and port). 'no-proxy' and no option: direct. 'system': the
// proxy the environment names (https_proxy for wss://, http_proxy for ws://, no_proxy
// honoured). {host, port, exclusionList, username?, password?}: that proxy, except for the
// hosts the exclusion list matches (@ohos.net.connection HttpProxy.exclusionList).

import net from 'node:net';
import { BusinessError, OTHER_ERROR, parameterError } from './errors.mjs';

const MAX_RESPONSE_HEAD = 16 * 1024;

/** The `proxy` option, checked: null (none), {kind: 'system' | 'no-proxy'}, or
 * {kind: 'given', host, port, exclusionList, username, password}; 401 otherwise. */
export function proxyChoice(value) {
  if (value === undefined || value === null) return null;
  if (value === 'system' || value === 'no-proxy') return { kind: value };
  if (typeof value !== 'object' || Array.isArray(value))
    throw parameterError("options.proxy must be 'system', 'no-proxy' or {host, port}");
  const { host, port, username, password } = value;
  const exclusionList = value.exclusionList ?? [];
  if (typeof host !== 'string' || host === '' || /[\r\n\0 /]/.test(host))
    throw parameterError('options.proxy.host must be a host name or address');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw parameterError('options.proxy.port must be an integer 1..65535');
  if (!Array.isArray(exclusionList) || !exclusionList.every((e) => typeof e === 'string'))
    throw parameterError('options.proxy.exclusionList must be a list of host names');
  for (const [name, item] of [
    ['username', username],
    ['password', password],
  ]) {
    if (item !== undefined && item !== null && typeof item !== 'string')
      throw parameterError(`options.proxy.${name} must be a string`);
  }
  return { kind: 'given', host, port, exclusionList, username, password };
}

/** HttpProxy.exclusionList: a lone '*' matches every host; otherwise an entry matches the
 * host itself or a domain under it; case-insensitive; a scheme prefix is ignored. */
export function excluded(host, exclusionList) {
  const entries = exclusionList.map((e) => e.trim().toLowerCase()).filter((e) => e !== '');
  if (entries.length === 1 && entries[0] === '*') return true;
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return entries.some((raw) => {
    const entry = raw.split('://').at(-1).replace(/^\[|\]$/g, '');
    return entry !== '' && (name === entry || name.endsWith(`.${entry}`));
  });
}

/** The proxy a connection to `url` (a URL object) goes through, or null (direct). */
export function route(url, choice) {
  if (choice === null || choice.kind === 'no-proxy') return null;
  if (choice.kind === 'system') return environmentProxy(url);
  return excluded(url.hostname, choice.exclusionList) ? null : choice;
}

function environmentProxy(url) {
  const env = process.env;
  const named =
    url.protocol === 'wss:' ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  if (!named) return null;
  const noProxy = (env.no_proxy ?? env.NO_PROXY ?? '').split(',');
  if (excluded(url.hostname, noProxy)) return null;
  let parsed;
  try {
    parsed = new URL(named.includes('://') ? named : `http://${named}`);
  } catch {
    return null;
  }
  return {
    kind: 'given',
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port || 80),
    exclusionList: [],
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

/** A socket to `proxy` on which `CONNECT host:port` succeeded (2xx); rejects with a
 * BusinessError naming the proxy's answer otherwise. */
export function openTunnel(proxy, host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    let answer = Buffer.alloc(0);
    const fail = (why) => {
      socket.destroy();
      reject(new BusinessError(OTHER_ERROR, why));
    };
    socket.once('error', (err) => fail(`cannot reach the proxy ${proxy.host}:${proxy.port}: ${err.message}`));
    socket.once('connect', () => {
      const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
      if (typeof proxy.username === 'string' && typeof proxy.password === 'string') {
        const token = Buffer.from(`${proxy.username}:${proxy.password}`, 'utf8').toString('base64');
        head += `Proxy-Authorization: Basic ${token}\r\n`;
      }
      socket.write(`${head}\r\n`);
    });
    const onData = (chunk) => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (answer.length > MAX_RESPONSE_HEAD) fail('the proxy sent garbage');
        return;
      }
      socket.off('data', onData);
      socket.off('end', onEnd);
      const statusLine = answer.subarray(0, answer.indexOf('\r\n')).toString('latin1');
      const status = Number(statusLine.split(' ')[1]);
      if (!(status >= 200 && status < 300)) {
        fail(`the proxy refused the tunnel: '${statusLine}'`);
        return;
      }
      if (end + 4 !== answer.length) {
        fail('the proxy sent bytes after its answer');
        return;
      }
      socket.removeAllListeners('error');
      socket.pause();
      resolve(socket);
    };
    const onEnd = () => fail('the proxy ended the connection');
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}
