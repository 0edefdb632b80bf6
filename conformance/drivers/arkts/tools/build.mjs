#!/usr/bin/env node
// The ArkTS driver's checks and its Node build, with the pinned ohos-typescript (package.json).
//
//   node tools/build.mjs lint           strict TypeScript diagnostics of src/ against types/,
//                                       then the ArkTS linter (ArkTSLinter_1_1) on src/*.ets
//   node tools/build.mjs compile OUT    src/ as ES modules in OUT, the @ohos modules mapped
//                                       onto node/ (Node's net, and the module that
//                                       ARKTS_WEBSOCKET_MODULE names: ports/js-ws by default)
//
// Exit 1 with one line per problem (file:line: rule message) when a check fails.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// ARKTS_SRC: another source folder (the tests lint a broken copy of src/ to see the linter bite).
const SRC = process.env.ARKTS_SRC ? path.resolve(process.env.ARKTS_SRC) : path.join(HERE, 'src');
const require = createRequire(import.meta.url);

function typescript() {
  try {
    return require('ohos-typescript');
  } catch {
    process.stderr.write(
      'conformance/drivers/arkts: ohos-typescript is not installed: run `npm ci --prefix conformance/drivers/arkts` (make install does)\n',
    );
    process.exit(2);
  }
}

const sources = () =>
  readdirSync(SRC)
    .filter((f) => f.endsWith('.ets') || f.endsWith('.ts'))
    .sort()
    .map((f) => path.join(SRC, f));

function options(ts) {
  return {
    strict: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noUnusedLocals: false,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ES2020,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    lib: ['lib.es2020.d.ts'],
    types: [],
    baseUrl: HERE,
    paths: { '@ohos.*': ['types/@ohos.*.d.ts'] },
    noEmit: true,
    skipLibCheck: true,
    // As DevEco compiles .ets: without it ohos-typescript takes '@ohos.net.socket' (it has
    // ".so" in it) for a native .so import it does not check.
    needDoArkTsLinter: true,
  };
}

function where(ts, d) {
  if (!d.file) return '';
  const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  return `${path.relative(HERE, d.file.fileName)}:${line + 1}: `;
}

function lint() {
  const ts = typescript();
  const files = [...sources(), path.join(HERE, 'types', 'globals.d.ts')];
  const opts = options(ts);
  const host = ts.createIncrementalCompilerHost(opts);
  const program = ts.createIncrementalProgram({ rootNames: files, options: opts, host });
  const problems = [];
  const plain = program.getProgram();
  for (const d of [...plain.getSyntacticDiagnostics(), ...plain.getSemanticDiagnostics(), ...plain.getGlobalDiagnostics()]) {
    problems.push(`${where(ts, d)}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
  const arkts = ts.ArkTSLinter_1_1.runArkTSLinter(program, undefined, undefined, '1.1');
  for (const d of arkts) {
    if (!d.file || !d.file.fileName.endsWith('.ets')) continue;
    problems.push(`${where(ts, d)}${ts.flattenDiagnosticMessageText(d.messageText, ' ')} [${d.code}]`);
  }
  const ets = files.filter((f) => f.endsWith('.ets')).length;
  if (problems.length > 0) {
    process.stdout.write(`${problems.join('\n')}\n`);
    process.stdout.write(`arkts lint: ${problems.length} problem(s) in ${files.length} files\n`);
    process.exit(1);
  }
  process.stdout.write(`arkts lint: ${ets} .ets files pass the ArkTS linter and tsc --strict; ${files.length - ets - 1} .ts file(s) pass tsc --strict\n`);
}

const SHIMS = {
  '@ohos.net.webSocket': 'ohos.net.webSocket.mjs',
  '@ohos.net.socket': 'ohos.net.socket.mjs',
  '@ohos.base': 'ohos.base.mjs',
};

function compile(out) {
  const ts = typescript();
  mkdirSync(out, { recursive: true });
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    const js = ts.transpileModule(text, {
      fileName: path.basename(file).replace(/\.ets$/, '.ts'),
      compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ES2020 },
    }).outputText;
    const mapped = js.replace(/from '([^']+)'/g, (all, spec) => {
      if (spec in SHIMS) return `from '${pathToFileURL(path.join(HERE, 'node', SHIMS[spec])).href}'`;
      if (spec.startsWith('./')) return `from '${spec}.mjs'`;
      return all;
    });
    const name = path.basename(file).replace(/\.(ets|ts)$/, '.mjs');
    writeFileSync(path.join(out, name), mapped);
  }
  process.stdout.write(`arkts compile: ${sources().length} modules in ${out}\n`);
}

const [command, out] = process.argv.slice(2);
if (command === 'lint') lint();
else if (command === 'compile' && out) compile(path.resolve(out));
else {
  process.stderr.write('usage: node tools/build.mjs lint | compile OUTDIR\n');
  process.exit(2);
}
