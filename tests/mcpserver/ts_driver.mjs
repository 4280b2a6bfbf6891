// Drive the official MCP TypeScript SDK's client (`@modelcontextprotocol/sdk`) against /mcp.
//
//   node ts_driver.mjs <install dir>    (the --prefix of `npm install @modelcontextprotocol/sdk`)
//
// stdin: one JSON object {"url", "key", "steps": [step, ...]}, a step being ["listTools"],
// ["callTool", name, arguments], ["listResources"] or ["readResource", uri].
// stdout: one JSON array, a value per step: the SDK's result, or {"thrown": message, "code"} when
// the SDK threw. Connecting (initialize, notifications/initialized, the GET stream the server
// declines with 405) happens first; a failure there is {"connect": message}.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(process.argv[2], "node_modules", "@modelcontextprotocol", "sdk", "dist", "esm");
const load = (file) => import(pathToFileURL(join(root, file)).href);
const { Client } = await load("client/index.js");
const { StreamableHTTPClientTransport } = await load("client/streamableHttp.js");

const input = JSON.parse(readFileSync(0, "utf8"));
const transport = new StreamableHTTPClientTransport(new URL(input.url), {
  requestInit: { headers: { Authorization: `Bearer ${input.key}` } },
});
const client = new Client({ name: "engram-tests", version: "1.0.0" });
const answers = [];
try {
  await client.connect(transport);
} catch (error) {
  process.stdout.write(JSON.stringify({ connect: String(error?.message ?? error) }));
  process.exit(0);
}
for (const [step, ...args] of input.steps) {
  try {
    if (step === "listTools") answers.push(await client.listTools());
    else if (step === "callTool") answers.push(await client.callTool({ name: args[0], arguments: args[1] }));
    else if (step === "listResources") answers.push(await client.listResources());
    else if (step === "readResource") answers.push(await client.readResource({ uri: args[0] }));
    else throw new Error(`unknown step ${step}`);
  } catch (error) {
    answers.push({ thrown: String(error?.message ?? error), code: error?.code ?? null });
  }
}
await client.close();
process.stdout.write(JSON.stringify(answers));
