import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readGgufHeader } from "../../src/formats/gguf.js";
import { perimeter } from "../helpers/cli.js";
import { POSTGRES_URL } from "../helpers/stores.js";

describe("perimeter CLI", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-cli-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => perimeter(args, { cwd, env });

  it("lists its commands with --help and explains each one", () => {
    const help = run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/demo-model/);
    expect(help.stdout).toMatch(/audit/);
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 a check said no/);
    const audit = run(["audit", "--help"]);
    expect(audit.stdout).toMatch(/verify/);
    expect(audit.stdout).toMatch(/prove/);
    expect(audit.stdout).toMatch(/export/);
    expect(run(["audit", "verify", "--help"]).stdout).toMatch(/first bad sequence number/);
  });

  it("exits 2 on a usage error and on a bad config, naming the file and key", () => {
    expect(run(["no-such-command"]).code).toBe(2);
    expect(run(["audit", "prove", "zero"]).code).toBe(2);
    writeFileSync(join(cwd, "perimeter.yaml"), "audit:\n  checkpointEvery: -1\n");
    const bad = run(["audit", "verify"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(cwd, "perimeter.yaml")}: audit.checkpointEvery:`);
    expect(bad.stderr).toContain("[CONFIG_INVALID]");
  });

  it("exits 3 when the store cannot be reached, saying what to check", () => {
    const r = run(["audit", "verify"], { PERIMETER_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Check that PostgreSQL is running/);
  });

  it("writes the demo model, records who did it, and the log verifies", () => {
    const r = run(["demo-model", "models", "--actor", "alice", "--format", "json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { path: string; bytes: number; sha256: string; auditSeq: number };
    const header = readGgufHeader(new Uint8Array(readFileSync(out.path)));
    expect(header.metadata.find((m) => m.key === "general.architecture")?.value).toBe("llama");
    expect(out.auditSeq).toBe(1);

    // the actor falls back to PERIMETER_ACTOR
    expect(run(["demo-model", "models", "--force"], { PERIMETER_ACTOR: "ci-pipeline" }).code).toBe(0);
    // refusing to overwrite changes nothing and records nothing
    const again = run(["demo-model", "models"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);

    const list = JSON.parse(run(["audit", "list", "--format", "json"]).stdout) as Array<{ actor: string; action: string; details: { sha256: string } }>;
    expect(list.map((e) => [e.actor, e.action])).toEqual([
      ["alice", "demo-model.write"],
      ["ci-pipeline", "demo-model.write"],
    ]);
    expect(list[0]?.details.sha256).toBe(out.sha256);
    const verify = run(["audit", "verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/audit log verified: 2 events/);
  });

  it("audit verify exits 1 naming the first bad sequence number after tampering", () => {
    for (let i = 0; i < 3; i++) expect(run(["demo-model", `m${i}`, "--actor", "bob"]).code).toBe(0);
    expect(run(["audit", "verify", "--threads", "2"]).code).toBe(0);
    const db = new BetterSqlite3(join(cwd, ".perimeter", "perimeter.db"));
    db.prepare("update audit_events set actor = 'mallory' where seq = 2").run();
    db.close();
    const r = run(["audit", "verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/first bad sequence number 2/);
    const threaded = run(["audit", "verify", "--threads", "2"]);
    expect(threaded.code).toBe(1);
    expect(threaded.stdout).toMatch(/first bad sequence number 2/);
    const json = JSON.parse(run(["audit", "verify", "--format", "json"]).stdout) as { ok: boolean; firstBadSeq: number };
    expect(json).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it("the compiled verify worker threads find what one thread finds", async () => {
    for (let i = 0; i < 5; i++) expect(run(["demo-model", `m${i}`]).code).toBe(0);
    // dist/, as the installed CLI runs it: workers load dist/audit/verify-worker.js, not the TypeScript source
    const dist = (p: string) => new URL(`../../dist/${p}`, import.meta.url).href;
    const { verifyAuditLog, auditVerifierKeys } = (await import(dist("audit/index.js"))) as typeof import("../../src/audit/index.js");
    const { loadConfig } = (await import(dist("config/load.js"))) as typeof import("../../src/config/load.js");
    const { openStoreFor } = (await import(dist("cli/context.js"))) as typeof import("../../src/cli/context.js");
    const loaded = loadConfig({ cwd, env: {} });
    const store = await openStoreFor(loaded);
    try {
      const threaded = { parallelism: 2, segmentWidth: 2 };
      expect(await verifyAuditLog(store, auditVerifierKeys(loaded), threaded)).toMatchObject({ ok: true, events: 5 });
      await store.db.updateTable("audit_events").set({ resource: "elsewhere" }).where("seq", "=", 4).execute();
      expect(await verifyAuditLog(store, auditVerifierKeys(loaded), threaded)).toMatchObject({ ok: false, firstBadSeq: 4 });
    } finally {
      await store.close();
    }
  });

  it("prints an inclusion proof and exports the log as JSON lines", () => {
    for (let i = 0; i < 3; i++) expect(run(["demo-model", `m${i}`]).code).toBe(0);
    const proof = JSON.parse(run(["audit", "prove", "2"]).stdout) as { leafIndex: number; treeSize: number; proof: string[]; checkpoint: string };
    expect(proof).toMatchObject({ leafIndex: 1, treeSize: 3 });
    expect(proof.proof).toHaveLength(2);
    expect(proof.checkpoint).toMatch(/^perimeter\.local\/audit\n3\n/);
    expect(run(["audit", "prove", "9"]).code).toBe(2);

    const exported = (text: string) =>
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { type: string; seq?: number });
    const records = exported(run(["audit", "export", "--format", "jsonl"]).stdout);
    expect(records.filter((r) => r.type === "event").map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]?.type).toBe("header");
    expect(records[records.length - 1]?.type).toBe("head");
    const events = (file: string) => exported(readFileSync(join(cwd, file), "utf8")).filter((r) => r.type === "event");
    expect(run(["audit", "export", "--output", "audit.jsonl"]).code).toBe(0);
    expect(events("audit.jsonl")).toHaveLength(3);
    // an export never overwrites an existing file unless asked to
    writeFileSync(join(cwd, "audit.jsonl"), "keep me\n");
    const refused = run(["audit", "export", "--output", "audit.jsonl"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/audit\.jsonl exists; pass --force/);
    expect(readFileSync(join(cwd, "audit.jsonl"), "utf8")).toBe("keep me\n");
    expect(run(["audit", "export", "--output", "audit.jsonl", "--force", "--actor", "auditor"]).code).toBe(0);
    // the first export to a file was itself recorded, so the second holds 4 events
    expect(events("audit.jsonl")).toHaveLength(4);
    const last = JSON.parse(run(["audit", "list", "--last", "1", "--format", "json"]).stdout) as Array<{ actor: string; action: string }>;
    expect(last[0]).toMatchObject({ actor: "auditor", action: "audit.export" });
  });

  it("runs the same commands on PostgreSQL through PERIMETER_DATABASE_URL", async () => {
    const schema = `cli_${Date.now().toString(36)}`;
    writeFileSync(join(cwd, "perimeter.yaml"), `store:\n  schema: ${schema}\n`);
    const env = { PERIMETER_DATABASE_URL: POSTGRES_URL };
    expect(run(["demo-model", "m", "--actor", "carol"], env).code).toBe(0);
    const r = run(["audit", "verify", "--format", "json"], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, events: 1 });
    // and the SQLite file was never created
    expect(() => readFileSync(join(cwd, ".perimeter", "perimeter.db"))).toThrow();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema ${schema} cascade`);
    await client.end();
  });
});
