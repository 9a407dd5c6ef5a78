import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sql } from "kysely";
import { CHANGE_TABLES } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/store.js";
import { STORE_KINDS, createTestEnv } from "../helpers/stores.js";

describe.each(STORE_KINDS)("store on %s", (kind) => {
  it("creates every table on first open and reopens without migrating again", async () => {
    const env = await createTestEnv(kind);
    try {
      const first = await env.open();
      const second = await env.open(); // a second process opening the same store at once
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(second.db);
      expect(applied.rows.map((r) => r.name)).toEqual([
        "0001_audit_log",
        "0002_inventory",
        "0003_lifecycle",
        "0004_identity",
        "0005_identity_name_reuse",
        "0006_tools",
        "0007_evals",
        "0008_control_sessions",
        "0009_policy_sets",
        "0010_scope_use",
        "0011_tool_approval_owner",
        "0012_runtime_version",
        "0013_environment_use",
        "0014_policy_use",
        "0015_change_notifications",
      ]);
      const head = await second.db.selectFrom("audit_head").selectAll().execute();
      expect(head).toHaveLength(1);
      expect(head[0]).toMatchObject({ id: 1, size: 0 });
      expect(first.dialect).toBe(kind);
      await first.close();
      await second.close();
    } finally {
      await env.cleanup();
    }
  });
});

describe("change notifications on PostgreSQL", () => {
  it("have a trigger on every table a gateway listens for, and on no other", async () => {
    const env = await createTestEnv("postgres");
    try {
      const store = await env.open();
      const triggers = await sql<{ table: string }>`select c.relname as table from pg_trigger t join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and t.tgname = c.relname || '_changed'`.execute(store.db);
      expect(triggers.rows.map((r) => r.table).sort()).toEqual([...CHANGE_TABLES].sort());
      await store.close();
    } finally {
      await env.cleanup();
    }
  });
});

describe("store errors", () => {
  it("says which PostgreSQL could not be reached and what to check", async () => {
    await expect(openStore({ url: "postgres://nobody@127.0.0.1:1/none", sqlitePath: "" })).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringMatching(/127\.0\.0\.1:1\/none.*Check that PostgreSQL is running/s),
    });
  });

  it("says which SQLite file could not be opened", async () => {
    const dir = mkdtempSync(join(tmpdir(), "perimeter-store-"));
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "");
    try {
      await expect(openStore({ sqlitePath: join(blocker, "perimeter.db") })).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
        message: expect.stringMatching(/not-a-directory\/perimeter\.db.*directory is writable/s),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
