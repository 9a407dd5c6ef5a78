// A Perimeter with tool servers behind /mcp, for the tool gateway's tests: real SDK servers (HTTP and stdio) as
// tools, the SDK client as the agent, identities with keys, the gateway serving on a free port. Names are
// resolved by an injected resolver, so no test looks a name up or sends a packet beyond 127.0.0.0/8.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { pino } from "pino";
import { serveGateway } from "../../src/app/serve.js";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import type { LoadedConfig } from "../../src/config/load.js";
import { startGateway, type StartedGateway } from "../../src/gateway/start.js";
import type { RunningServer } from "../../src/http/server.js";
import { IdentityService } from "../../src/identity/service.js";
import type { Store } from "../../src/store/store.js";
import { toolsService } from "../../src/tools/start.js";
import type { ToolsService } from "../../src/tools/service.js";
import { createTestEnv, type StoreKind, type TestEnv } from "../helpers/stores.js";

/** Names the tests use, and the addresses they "resolve" to: only loopback is ever connected to. */
export const TEST_NAMES: Readonly<Record<string, string>> = {
  "tools.test": "127.0.0.1",
  "internal.test": "10.0.0.5",
  "metadata.test": "169.254.169.254",
  "api.example.com": "93.184.216.34",
  "rebind.test": "192.168.1.20",
};

export const resolveTestNames = async (host: string): Promise<{ address: string; family: 4 | 6 }[]> => {
  const address = TEST_NAMES[host.toLowerCase()];
  if (address === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return [{ address, family: 4 }];
};

export interface ToolPerimeter {
  readonly env: TestEnv;
  readonly store: Store;
  readonly audit: AuditLog;
  readonly url: string;
  readonly started: StartedGateway;
  readonly service: ToolsService;
  /** An identity of `owner` (default app-team, who owns the agents) with these scopes. */
  key(name: string, scopes?: string[], owner?: string): Promise<{ key: string; id: string }>;
  /** An agent: the MCP SDK client connected to /mcp with this key. */
  agent(key: string, capabilities?: Record<string, unknown>): Promise<Client>;
  close(): Promise<void>;
}

export async function startToolPerimeter(
  kind: StoreKind,
  tools: Record<string, unknown>,
  options: { policies?: string; approve?: string[]; extra?: Record<string, unknown> } = {},
): Promise<ToolPerimeter> {
  const policyDir = mkdtempSync(join(tmpdir(), "perimeter-tool-policy-"));
  const policy =
    options.policies === undefined
      ? {}
      : (() => {
          const file = join(policyDir, "tools.cedar");
          writeFileSync(file, options.policies);
          return { policy: { files: [file] } };
        })();
  const env = await createTestEnv(kind, {}, { gateway: { killPollMs: 100 }, tools, ...policy, ...options.extra });
  const store = await env.open();
  const audit = openAuditLog(env.loaded, store, { thread: false });
  const ctx = { loaded: env.loaded as LoadedConfig, store, audit: () => audit };
  const service = toolsService(ctx, { resolve: resolveTestNames });
  for (const server of options.approve ?? []) await service.approve(server, "olga");
  const logger = pino({ level: process.env["TEST_LOG"] ?? "silent" });
  const started = await startGateway(ctx, { identityCache: { ttlMs: 0, negativeTtlMs: 0 }, resolve: resolveTestNames, logger });
  let server: RunningServer;
  try {
    server = await serveGateway(ctx, started, { host: "127.0.0.1", port: 0, logger });
  } catch (err) {
    await started.close();
    throw err;
  }
  const identities = new IdentityService({ store, audit: () => audit, config: env.loaded.config.identity }, { ttlMs: 0, negativeTtlMs: 0 });
  const clients: Client[] = [];
  return {
    env,
    store,
    audit,
    url: server.url,
    started,
    service,
    async key(name, scopes = ["tools"], owner = "app-team") {
      const issued = await identities.create({ name, kind: "agent", owner, environment: "default", scopes, actor: "ops" });
      return { key: issued.key, id: issued.identity.id };
    },
    async agent(key, capabilities = {}) {
      const client = new Client({ name: "test-agent", version: "1.0.0" }, { capabilities });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await server.close();
      await started.close();
      await identities.flush();
      await audit.close();
      await store.close();
      await env.cleanup();
      rmSync(policyDir, { recursive: true, force: true });
    },
  };
}
