// Drive a real npm `mem0ai` MemoryClient from JSON lines (see tests/sdk/harness.py).
//
//   node js_driver.mjs <install dir>     (the --prefix of `npm install mem0ai@<version>`)
//
// stdin, one JSON object a line:
//   1st: {"host": "...", "api_key": "...", "calls": [call, ...]?}
//   then: {"method": "add", "args": [...]}          (any number, until EOF)
// stdout: one line `@@engram-sdk@@ {"ok": true, "value": ...}` or `{"ok": false, "error": {...}}`
// for the construction (`__init__`), then one for each call, in order.
//
// The package is loaded the way an ESM application loads it (`import { MemoryClient } from
// "mem0ai"`): its package.json `exports["."].import` entry. The special method `__identity__`
// waits for the background ping and returns what the client learned from it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const PREFIX = "@@engram-sdk@@ ";
const write = (answer) => process.stdout.write(PREFIX + JSON.stringify(answer) + "\n");
// What the SDK logs (console.log/info/warn/error) must not corrupt the answer stream.
for (const name of ["log", "info", "warn", "error", "debug"]) {
  console[name] = (...args) => process.stderr.write(`[sdk ${name}] ${args.map(String).join(" ")}\n`);
}

const describe = (error) => ({
  type: error?.name ?? typeof error,
  message: String(error?.message ?? error),
  error_code: error?.errorCode,
  status: error?.status,
  stack: String(error?.stack ?? "").slice(0, 2000),
});

const packageDir = join(process.argv[2], "node_modules", "mem0ai");
const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
const sdk = await import(pathToFileURL(join(packageDir, pkg.exports["."].import)).href);

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
const first = await lines.next();
const header = JSON.parse(first.value);

let client;
async function identity() {
  if (client.initialized) await client.initialized; // 3.x: the shared background ping
  else await client.ping(); // 2.x: ping() fills organizationId/projectId/telemetryId
  return {
    org_id: client.organizationId,
    project_id: client.projectId,
    telemetry_id: client.telemetryId,
    sdk_version: pkg.version,
    default_is_named: sdk.default === sdk.MemoryClient,
    telemetry: process.env.MEM0_TELEMETRY,
  };
}

try {
  client = new sdk.MemoryClient({ apiKey: header.api_key, host: header.host });
  write({ ok: true, value: await identity() });
} catch (error) {
  write({ ok: false, error: describe(error) });
  process.exit(0);
}

async function run(call) {
  try {
    const value =
      call.method === "__identity__"
        ? await identity()
        : await client[call.method](...(call.args ?? []));
    write({ ok: true, value: value === undefined ? null : value });
  } catch (error) {
    write({ ok: false, error: describe(error) });
  }
}

for (const call of header.calls ?? []) await run(call);
for (;;) {
  const next = await lines.next();
  if (next.done) break;
  if (next.value.trim()) await run(JSON.parse(next.value));
}
process.exit(0);
