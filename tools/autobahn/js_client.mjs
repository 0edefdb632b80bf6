// The JS port as the testee of Autobahn|Testsuite's fuzzing server, through its public API only.
//
//     node tools/autobahn/js_client.mjs ws://127.0.0.1:9001 [--agent js-ws] [--timings FILE]
//
// Same steps as impl_client.py: getCaseCount, then per case getCaseInfo (its id, for the
// timings) and runCase (echo every message back with ws.send(value), wait for 'close'), then
// updateReports. The port is ports/js-ws/index.mjs (override: JS_WS_PORT=/path/to/module.mjs);
// it exports createWebSocket() with the @ohos.net.webSocket API: on('message', (err, data) =>
// ...), on('close', ...), connect(url) and send(data) returning promises.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CASE_TIMEOUT_MS = 120_000;
const root = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
const portPath = process.env.JS_WS_PORT || resolve(root, "ports", "js-ws", "index.mjs");
const { createWebSocket } = await import(pathToFileURL(portPath).href);

function session(url, echo) {
  return new Promise((done) => {
    const ws = createWebSocket();
    const messages = [];
    let timer = null;
    let closed = false;
    ws.on("message", (err, data) => {
      messages.push(data);
      if (echo) {
        Promise.resolve(ws.send(data)).catch(() => {}); // fails once the peer failed us: fine
      }
    });
    ws.on("close", () => {
      closed = true;
      clearTimeout(timer);
      done(messages);
    });
    Promise.resolve(ws.connect(url)).then(
      () => {
        if (closed) return;
        timer = setTimeout(() => {
          console.error(`  ${url}: no 'close' after ${CASE_TIMEOUT_MS} ms, closing`);
          Promise.resolve(ws.close()).catch(() => {});
        }, CASE_TIMEOUT_MS);
        timer.unref();
      },
      (err) => {
        console.error(`  connect ${url} failed: ${err && err.message}`);
        done(messages);
      },
    );
  });
}

const args = process.argv.slice(2);
const base = args[0].replace(/\/$/, "");
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const agent = option("--agent", "js-ws");
const timingsFile = option("--timings", null);

const count = Number((await session(`${base}/getCaseCount`, false))[0]);
const timings = {};
const started = performance.now();
for (let n = 1; n <= count; n++) {
  const info = await session(`${base}/getCaseInfo?case=${n}`, false);
  const id = info.length ? JSON.parse(String(info[0])).id : String(n);
  const t0 = performance.now();
  await session(`${base}/runCase?case=${n}&agent=${agent}`, true);
  timings[id] = Math.round(performance.now() - t0) / 1000;
  console.error(`  ${n}/${count} ${id} ${timings[id].toFixed(3)}s`);
}
const total = Math.round(performance.now() - started) / 1000;
await session(`${base}/updateReports?agent=${agent}`, false);
if (timingsFile) {
  writeFileSync(timingsFile, JSON.stringify({ total, cases: timings }, null, 1) + "\n");
}
console.log(`js client: ${Object.keys(timings).length} cases in ${total}s`);
