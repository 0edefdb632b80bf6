// @ohos.net.webSocket under Node: a JS implementation of the API, by default ports/js-ws (the
// API on the `ws` package); ARKTS_WEBSOCKET_MODULE names another (a path or a specifier).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT = path.resolve(HERE, '../../../../ports/js-ws/index.mjs');
const spec = process.env.ARKTS_WEBSOCKET_MODULE || DEFAULT;
const mod = await import(existsSync(spec) ? pathToFileURL(path.resolve(spec)).href : spec);
const api = [mod, mod.webSocket, mod.default, mod.default?.webSocket].find(
  (c) => c && typeof c.createWebSocket === 'function',
);
if (!api) throw new Error(`${spec} exports no createWebSocket`);

export const implementation = spec;
export const CLOSE_TIMEOUT_S =
  [mod.CLOSE_TIMEOUT_S, api.CLOSE_TIMEOUT_S].find((v) => typeof v === 'number') ?? null;
export const HANDSHAKE_TIMEOUT_S =
  [mod.HANDSHAKE_TIMEOUT_S, api.HANDSHAKE_TIMEOUT_S].find((v) => typeof v === 'number') ?? null;

// The later API's features the module declares (API_FEATURES, API_LEVEL), as the Node driver
// reads them.
export const API_FEATURES = [mod.API_FEATURES, api.API_FEATURES].find(Array.isArray)?.map(String) ?? null;
export const API_LEVEL = [mod.API_LEVEL, api.API_LEVEL].find(Number.isInteger) ?? null;

const webSocket = { createWebSocket: () => api.createWebSocket() };
export default webSocket;
