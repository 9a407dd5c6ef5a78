// A process of bench/tools.ts: the tool server (`server`), or Perimeter in front of it (`perimeter TOOL_URL DIR`).
// Each prints one line of JSON when it is ready ({ url } or { url, key }) and runs until killed.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";
import { pino } from "pino";
import { stringify } from "yaml";
import { serveGateway } from "../src/app/serve.js";
import { openAuditLog } from "../src/audit/index.js";
import { loadConfig } from "../src/config/load.js";
import { startGateway } from "../src/gateway/start.js";
import { IdentityService } from "../src/identity/service.js";
import { openStoreFor } from "../src/app/context.js";
import { toolsService } from "../src/tools/start.js";
import { startToolServer } from "../test/fixtures/tools/tool-server.js";

const [role, toolUrl, dir] = process.argv.slice(2);
// BENCH_PROFILE_FILE: a V8 CPU profile from SIGUSR2 (sent after the warm-up) to SIGTERM, written there.
const profileFile = process.env["BENCH_PROFILE_FILE"];
const session = profileFile === undefined ? undefined : new Session();
if (session !== undefined) {
  session.connect();
  process.on("SIGUSR2", () => {
    session.post("Profiler.enable", () => session.post("Profiler.start"));
  });
}
process.on("SIGTERM", () => {
  if (session === undefined || profileFile === undefined) process.exit(0);
  session.post("Profiler.stop", (err, result) => {
    if (err === null) writeFileSync(profileFile, JSON.stringify(result.profile));
    process.exit(0);
  });
});

if (role === "server") {
  const server = await startToolServer();
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
} else if (role === "perimeter" && toolUrl !== undefined && dir !== undefined) {
  const file = join(dir, "perimeter.yaml");
  writeFileSync(
    file,
    stringify({
      store: { sqlitePath: process.env["BENCH_STORE_DIR"] === undefined ? "perimeter.db" : join(process.env["BENCH_STORE_DIR"], "perimeter-tools.db") },
      audit: { signingKey: "keys/audit.pem" },
      log: { level: "warn" },
      tools: {
        servers: [{ name: "bench", url: toolUrl, tools: { echo: { arguments: { text: { maxLength: 10_000 } } } } }],
        limits: { identity: { requestsPerMinute: 10_000_000 } },
      },
    }),
  );
  const loaded = loadConfig({ path: file, env: process.env });
  const store = await openStoreFor(loaded);
  const audit = openAuditLog(loaded, store, { thread: true });
  const ctx = { loaded, store, audit: () => audit };
  await toolsService(ctx).approve("bench", "bench");
  const identities = new IdentityService({ store, audit: () => audit, config: loaded.config.identity });
  const issued = await identities.create({ name: "bench-agent", kind: "agent", owner: "bench", environment: "default", scopes: ["tools"], actor: "bench" });
  const started = await startGateway(ctx);
  const server = await serveGateway(ctx, started, { host: "127.0.0.1", port: 0, logger: pino({ level: "warn" }) });
  process.stdout.write(`${JSON.stringify({ url: `${server.url}/mcp`, key: issued.key })}\n`);
} else {
  process.stderr.write("usage: tools-child.ts server | perimeter TOOL_URL DIR\n");
  process.exit(2);
}
