import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { stringify } from "yaml";
import { loadConfig, type LoadedConfig } from "../../src/config/load.js";
import { openStoreFor } from "../../src/app/context.js";
import type { Store } from "../../src/store/store.js";

// Every store test runs against both the embedded SQLite file and a real PostgreSQL, each in its own
// scratch space (a temp directory; a fresh schema), described by a real perimeter.yaml.

export const POSTGRES_URL = process.env["PERIMETER_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

export type StoreKind = "sqlite" | "postgres";
export const STORE_KINDS: readonly StoreKind[] = ["sqlite", "postgres"];

export interface TestEnv {
  readonly kind: StoreKind;
  readonly dir: string;
  readonly configFile: string;
  readonly loaded: LoadedConfig;
  /** Environment for a child process that should use the same store and keys. */
  readonly env: NodeJS.ProcessEnv;
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function createTestEnv(kind: StoreKind, audit: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<TestEnv> {
  const dir = mkdtempSync(join(tmpdir(), `perimeter-${kind}-`));
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const config = {
    store: kind === "postgres" ? { url: POSTGRES_URL, schema, poolSize: 4 } : { sqlitePath: "perimeter.db" },
    audit: { signingKey: "keys/audit.pem", ...audit },
    ...extra,
  };
  const configFile = join(dir, "perimeter.yaml");
  writeFileSync(configFile, stringify(config));
  const env: NodeJS.ProcessEnv = { ...process.env, PERIMETER_CONFIG: configFile };
  delete env["PERIMETER_DATABASE_URL"];
  const loaded = loadConfig({ path: configFile, env });
  return {
    kind,
    dir,
    configFile,
    loaded,
    env,
    open: () => openStoreFor(loaded),
    async cleanup() {
      if (kind === "postgres") {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
