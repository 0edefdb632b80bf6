#!/usr/bin/env node
// The ArkTS driver under Node: the compiled src/ (node tools/build.mjs compile BUILD) with the
// @ohos modules mapped onto node/ (ports/js-ws and Node's net). What an app's ability does on
// a device (docs/device.md), this does here:
//
//   node node/main.mjs BUILD --tcp HOST:PORT            (the suite's --iut tcp-listen:PORT)
//   node node/main.mjs BUILD --tcp-listen [ADDR:]PORT   (the suite's --iut tcp:HOST:PORT)

import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as shim from './ohos.net.webSocket.mjs';
import { trustTestCa } from '../../node/trust.mjs';

const USAGE = 'usage: node main.mjs BUILD (--tcp HOST:PORT | --tcp-listen [ADDR:]PORT)\n';
const [build, how, where] = process.argv.slice(2);
if (!build || (how !== '--tcp' && how !== '--tcp-listen') || !where) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const at = where.lastIndexOf(':');
const host = at < 0 ? '127.0.0.1' : where.slice(0, at).replace(/^\[|\]$/g, '');
const port = Number(at < 0 ? where : where.slice(at + 1));
if (!Number.isInteger(port) || port < 0 || port > 65535 || (how === '--tcp' && at < 0)) {
  process.stderr.write(USAGE);
  process.exit(2);
}

const load = (name) => import(pathToFileURL(path.resolve(build, name)).href);
const { DriverConfig, LinkConfig, LinkMode, startDriver } = await load('Driver.mjs');
const { JsonValue } = await load('Json.mjs');

const config = new DriverConfig();
config.implementation = shim.implementation;
config.closeTimeout = shim.CLOSE_TIMEOUT_S;
config.handshakeTimeout = shim.HANDSHAKE_TIMEOUT_S;
config.apiFeatures = shim.API_FEATURES;
config.apiLevel = shim.API_LEVEL;
// hello's tls.ca_pem: by default the stand-in puts it in Node's trust store (as a device's user
// trust store would hold it: config.caPathFor returns null, no call is changed); with
// ARKTS_CA_PATH=1 it does what the app template does: a file, passed to connect() as caPath.
config.caPathFor = (pem) => {
  trustTestCa(pem);
  return null;
};
if (process.env.ARKTS_CA_PATH === '1') {
  const folder = mkdtempSync(path.join(tmpdir(), 'arkts-ca-'));
  config.caPathFor = (pem) => {
    const file = path.join(folder, 'ca.pem');
    writeFileSync(file, pem);
    return file;
  };
}
const link = new LinkConfig();
link.mode = how === '--tcp' ? LinkMode.CONNECT : LinkMode.LISTEN;
link.host = host;
link.port = port;
const driver = startDriver(config, link);

// What the Node driver does for the implementation's console and escapes (EV10, ER3); an app
// would use hilog and errorManager.
const entry = (kind, level, message, err) => {
  const value = JsonValue.obj()
    .set('kind', JsonValue.ofStr(kind))
    .set('message', JsonValue.ofStr(String(message).slice(0, 500)))
    .set('exc', err instanceof Error ? JsonValue.ofStr(`${err.name}: ${err.message}`.slice(0, 300)) : JsonValue.nul());
  if (level) value.set('level', JsonValue.ofStr(level)).set('logger', JsonValue.ofStr('console'));
  driver.report(value);
};
const toStderr = new console.Console({ stdout: process.stderr, stderr: process.stderr });
for (const name of ['log', 'info', 'debug']) console[name] = toStderr[name].bind(toStderr);
console.warn = (...args) => entry('log', 'WARNING', format(...args), args.find((a) => a instanceof Error));
console.error = (...args) => entry('log', 'ERROR', format(...args), args.find((a) => a instanceof Error));
process.on('unhandledRejection', (reason) => entry('loop_error', null, `unhandled rejection: ${String(reason).slice(0, 200)}`, reason));
process.on('uncaughtException', (err) => entry('loop_error', null, `uncaught exception: ${String(err).slice(0, 200)}`, err));
