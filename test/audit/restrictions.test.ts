import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSigner } from "../../src/audit/checkpoint.js";
import { verifyAuditExport } from "../../src/audit/export.js";
import {
  FileWitness,
  auditVerifierKeys,
  auditWitnessFile,
  checkInclusionProof,
  openAuditLog,
  proveInclusion,
  verifyAuditLog,
  type AuditLog,
  type InclusionProof,
} from "../../src/audit/index.js";
import { MerkleFrontier } from "../../src/audit/merkle.js";
import type { Store } from "../../src/store/store.js";
import { perimeter } from "../helpers/cli.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

// What `audit verify` (of the store, of an export) and an inclusion proof check must refuse, case by case:
// the trust boundary between the audit log and whoever can write to its database or hand over a copy.
// Every case is an attack made with the access it needs (SQL on the database, an editor on a file).

describe.each(STORE_KINDS)("audit verify on %s refuses", (kind) => {
  let env: TestEnv;
  let store: Store;
  let log: AuditLog;

  beforeEach(async () => {
    env = await createTestEnv(kind, { checkpointEvery: 4 });
    store = await env.open();
    log = openAuditLog(env.loaded, store);
  });
  afterEach(async () => {
    await log.close().catch(() => undefined);
    await store.close();
    await env.cleanup();
  });

  async function appendMany(n: number, from = 1): Promise<void> {
    for (let i = from; i < from + n; i++)
      await log.append({
        actor: `actor-${i}`,
        action: "test.append",
        resource: `thing:${i}`,
        decision: i % 3 === 0 ? "deny" : "allow",
        reason: i % 3 === 0 ? "not allowed" : "",
        details: { i },
      });
    await log.close();
    log = openAuditLog(env.loaded, store);
  }
  const keys = () => auditVerifierKeys(env.loaded);
  const witness = () => new FileWitness(auditWitnessFile(env.loaded));
  const verify = (withWitness = true) => verifyAuditLog(store, keys(), { witnesses: withWitness ? [witness()] : [] });

  /** The attack of issue 13: cut the events after the last stored checkpoint and make that checkpoint the head. */
  async function rollBackToLastCheckpoint(): Promise<number> {
    const cp = await store.db.selectFrom("audit_checkpoints").selectAll().orderBy("tree_size", "desc").limit(1).executeTakeFirstOrThrow();
    const events = await store.db.selectFrom("audit_events").select(["seq", "hash"]).where("seq", "<=", cp.tree_size).orderBy("seq").execute();
    const frontier = new MerkleFrontier();
    for (const e of events) frontier.append(e.hash);
    await store.db.deleteFrom("audit_events").where("seq", ">", cp.tree_size).execute();
    await store.db
      .updateTable("audit_head")
      .set({
        size: cp.tree_size,
        last_hash: events[events.length - 1]!.hash,
        frontier: JSON.stringify(frontier.toJSON()),
        note: cp.note,
        checkpointed_size: cp.tree_size,
      })
      .where("id", "=", 1)
      .execute();
    return cp.tree_size;
  }

  it("a log whose events after the last checkpoint were cut off and whose head was set back to that checkpoint", async () => {
    await appendMany(10);
    expect(await verify()).toMatchObject({ ok: true, events: 10 });
    const kept = await rollBackToLastCheckpoint();
    expect(kept).toBe(8);
    // Without a witness this rollback is undetectable: every note in the database was really signed.
    expect(await verify(false)).toMatchObject({ ok: true, events: 8 });
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(9);
    expect(report.problems[0]?.message).toContain(`the audit witness ${auditWitnessFile(env.loaded)} covers 10 events: events 9..10 were removed`);
    expect(report.problems[0]?.message).toMatch(/rolled back or wiped/);
  });

  it("a wiped log (events, checkpoints and head) while the witness has events", async () => {
    await appendMany(6);
    await store.db.deleteFrom("audit_events").execute();
    await store.db.deleteFrom("audit_checkpoints").execute();
    await store.db
      .updateTable("audit_head")
      .set({ size: 0, last_hash: "0".repeat(64), frontier: "[]", note: "", checkpointed_size: 0 })
      .where("id", "=", 1)
      .execute();
    expect(await verify(false)).toMatchObject({ ok: true, events: 0 });
    const report = await verify();
    expect(report).toMatchObject({ ok: false, events: 0, firstBadSeq: 1 });
    expect(report.problems[0]?.message).toMatch(/the log ends at 0 but the audit witness .*audit-witness\.json covers 6 events: events 1\.\.6 were removed/);
  });

  it("a log rolled back and then written on: the new history differs from the witnessed one, and the witness is not overwritten", async () => {
    await appendMany(10);
    await rollBackToLastCheckpoint();
    await appendMany(5, 100);
    const held = await witness().latest();
    // The writer did not move the witness onto the other history: it still holds the 10 events it saw.
    expect(held).toMatchObject({ size: 10 });
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.message).join("\n")).toMatch(/do not match the audit witness .*: history was rewritten/);
  });

  it("a log whose witness file was deleted", async () => {
    await appendMany(3);
    rmSync(auditWitnessFile(env.loaded));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.message).toMatch(/the audit witness .* does not exist, yet the log holds 3 events/);
  });

  it("a witness file edited to claim another size or root, or holding a checkpoint no trusted key signed", async () => {
    await appendMany(3);
    const file = auditWitnessFile(env.loaded);
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace(/"size": 3/, '"size": 2'));
    expect((await verify()).problems[0]?.message).toMatch(/names a size or root other than its signed checkpoint/);
    const forged = createSigner(env.loaded.config.audit.origin, generateKeyPairSync("ed25519").privateKey).sign({
      origin: env.loaded.config.audit.origin,
      size: 3,
      root: Buffer.alloc(32, 7),
    });
    const parsed = JSON.parse(original) as { note: string; root: string };
    writeFileSync(file, JSON.stringify({ ...parsed, note: forged.note, root: "07".repeat(32) }));
    expect((await verify()).problems[0]?.message).toMatch(/holds a checkpoint that does not verify/);
    writeFileSync(file, "not json");
    expect((await verify()).problems[0]?.message).toMatch(/is not a witness file Perimeter wrote/);
  });

  it("an edited event, naming it", async () => {
    await appendMany(6);
    await store.db.updateTable("audit_events").set({ decision: "allow", reason: "" }).where("seq", "=", 3).execute();
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it("reordered events", async () => {
    await appendMany(6);
    await store.db.updateTable("audit_events").set({ seq: 1000 }).where("seq", "=", 2).execute();
    await store.db.updateTable("audit_events").set({ seq: 2 }).where("seq", "=", 3).execute();
    await store.db.updateTable("audit_events").set({ seq: 3 }).where("seq", "=", 1000).execute();
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBeLessThanOrEqual(2);
  });

  it("a checkpoint or head signed by a key that is not trusted", async () => {
    await appendMany(5);
    const cp = await store.db.selectFrom("audit_checkpoints").selectAll().where("tree_size", "=", 4).executeTakeFirstOrThrow();
    const forged = createSigner(env.loaded.config.audit.origin, generateKeyPairSync("ed25519").privateKey).sign({
      origin: env.loaded.config.audit.origin,
      size: 4,
      root: Buffer.from(cp.root_hash, "hex"),
    });
    await store.db.updateTable("audit_checkpoints").set({ note: forged.note }).where("tree_size", "=", 4).execute();
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.message).toMatch(/checkpoint at tree size 4: the checkpoint is not signed by any trusted audit key/);
  });

  it("an append when no witness can be written: nothing more is stored until it can (fail closed)", async () => {
    await appendMany(2);
    // A witness path under a regular file cannot be created, even by root.
    const blocker = join(env.dir, "blocker");
    writeFileSync(blocker, "");
    const blocked = await createTestEnv(kind, { checkpointEvery: 4, witnessFile: join(blocker, "witness.json") });
    const blockedStore = await blocked.open();
    const blockedLog = openAuditLog(blocked.loaded, blockedStore);
    try {
      const event = { actor: "a", action: "test.append", resource: "x", decision: "allow" as const };
      await blockedLog.append(event); // stored; its witness write fails after the commit
      await blockedLog.flush();
      const refusal = await blockedLog.append(event).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(refusal).toMatchObject({
        code: "AUDIT_WITNESS_FAILED",
        message: expect.stringMatching(/not recorded: cannot write the audit witness .*blocker\/witness\.json/),
      });
      expect((await blockedStore.db.selectFrom("audit_events").select("seq").execute()).length).toBe(1);
      rmSync(blocker);
      await blockedLog.append(event);
      await blockedLog.flush();
      expect(await new FileWitness(join(blocker, "witness.json")).latest()).toMatchObject({ size: 2 });
    } finally {
      await blockedLog.close().catch(() => undefined);
      await blockedStore.close();
      await blocked.cleanup();
    }
  });

  it("an inclusion proof for a changed event, another leaf, a forged checkpoint, or a changed path", async () => {
    await appendMany(7);
    const proof = await proveInclusion(store, 5, keys());
    expect(checkInclusionProof(proof, keys())).toEqual({ ok: true });
    const bad = (change: (p: InclusionProof) => InclusionProof) => checkInclusionProof(change(structuredClone(proof)), keys());
    expect(bad((p) => ({ ...p, event: { ...p.event, actor: "mallory" } }))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not hash to the proven leaf/),
    });
    expect(bad((p) => ({ ...p, leafIndex: 5 }))).toMatchObject({ ok: false, reason: expect.stringMatching(/not for event 5/) });
    expect(bad((p) => ({ ...p, proof: [p.proof[1]!, p.proof[0]!, ...p.proof.slice(2)] }))).toMatchObject({ ok: false });
    const forged = createSigner(env.loaded.config.audit.origin, generateKeyPairSync("ed25519").privateKey).sign({
      origin: env.loaded.config.audit.origin,
      size: proof.treeSize,
      root: Buffer.from(proof.rootHash, "hex"),
    });
    expect(bad((p) => ({ ...p, checkpoint: forged.note }))).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed by any trusted audit key/) });
    expect(bad((p) => ({ ...p, treeSize: p.treeSize + 1 }))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tree size or root is not the signed checkpoint's/),
    });
  });
});

describe("an exported log verified offline (perimeter audit export / verify --from-export / prove --verify)", () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv("sqlite", { checkpointEvery: 3 });
  });
  afterEach(async () => env.cleanup());
  const run = (args: string[]) => perimeter(args, { cwd: env.dir, env: { ...env.env, PERIMETER_ACTOR: "auditor" } });

  function exportLog(): string {
    for (let i = 0; i < 4; i++) expect(run(["audit", "checkpoint"]).code).toBe(0);
    expect(run(["audit", "export", "--output", "export.jsonl"]).code).toBe(0);
    return join(env.dir, "export.jsonl");
  }
  const lines = (file: string) => readFileSync(file, "utf8").trimEnd().split("\n");
  const rewrite = (file: string, change: (ls: string[]) => string[]) => writeFileSync(file, `${change(lines(file)).join("\n")}\n`);

  it("carries the checkpoints, the signed head and the public key, and verifies with only the public key", async () => {
    const file = exportLog();
    const records = lines(file).map((l) => JSON.parse(l) as { type: string });
    expect(records[0]).toMatchObject({
      type: "header",
      format: "perimeter-audit-export",
      treeSize: 4,
      publicKeys: [{ name: "perimeter.local/audit", publicKey: expect.stringMatching(/BEGIN PUBLIC KEY/) }],
    });
    expect(records.filter((r) => r.type === "checkpoint").length).toBeGreaterThan(0);
    expect(records[records.length - 1]).toMatchObject({ type: "head", treeSize: 4 });
    // An auditor elsewhere: no store, no private key, only the public key the header names.
    const pub = (records[0] as unknown as { publicKeys: Array<{ publicKey: string }> }).publicKeys[0]!.publicKey;
    writeFileSync(join(env.dir, "audit.pub"), pub);
    rmSync(join(env.dir, "perimeter.db"));
    const ok = run(["audit", "verify", "--from-export", "export.jsonl", "--public-key", "audit.pub"]);
    expect(ok.stdout).toMatch(/export export\.jsonl verified: 4 events/);
    expect(ok.code).toBe(0);
    expect(existsSync(join(env.dir, "perimeter.db"))).toBe(false);
  });

  it("refuses an export with an edited event, a removed event, reordered events, or a cut-off tail", async () => {
    const file = exportLog();
    const original = readFileSync(file, "utf8");
    const refused = (change: (ls: string[]) => string[], expected: RegExp) => {
      writeFileSync(file, original);
      rewrite(file, change);
      const r = run(["audit", "verify", "--from-export", "export.jsonl"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(expected);
    };
    refused(
      (ls) => ls.map((l, i) => (i === 2 ? l.replace('"actor":"auditor"', '"actor":"mallory"') : l)),
      /first bad sequence number 2[\s\S]*event 2 was changed/,
    );
    refused((ls) => ls.filter((_, i) => i !== 2), /event 2 is missing/);
    refused((ls) => [ls[0]!, ls[2]!, ls[1]!, ...ls.slice(3)], /FAILED verification/);
    // The tail cut off with the head line rewritten to an earlier stored checkpoint: the header still counts 4.
    refused((ls) => {
      const cp = ls.find((l) => l.includes('"type":"checkpoint"'))!;
      const size = (JSON.parse(cp) as { treeSize: number }).treeSize;
      return [...ls.slice(0, 1 + size), cp.replace('"type":"checkpoint"', '"type":"head"')];
    }, /the header says 4 events and the head line [1-3]\b/);
  });

  it("refuses an export checked against another key, and a file that is not an export (exit 2)", async () => {
    exportLog();
    writeFileSync(join(env.dir, "other.pub"), generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }));
    const r = run(["audit", "verify", "--from-export", "export.jsonl", "--public-key", "other.pub"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not signed by any trusted audit key/);
    writeFileSync(join(env.dir, "junk.jsonl"), '{"seq":1}\n');
    const junk = run(["audit", "verify", "--from-export", "junk.jsonl"]);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/not a Perimeter audit export/);
  });

  it("checks a saved inclusion proof offline and refuses an edited one", async () => {
    exportLog();
    writeFileSync(join(env.dir, "proof.json"), run(["audit", "prove", "3"]).stdout);
    const ok = run(["audit", "prove", "--verify", "proof.json", "--format", "text"]);
    expect(ok.stdout).toMatch(/proof verified: event 3 is in the signed tree/);
    expect(ok.code).toBe(0);
    const proof = JSON.parse(readFileSync(join(env.dir, "proof.json"), "utf8")) as InclusionProof;
    writeFileSync(join(env.dir, "proof.json"), JSON.stringify({ ...proof, event: { ...proof.event, decision: "deny" } }));
    const bad = run(["audit", "prove", "--verify", "proof.json", "--format", "text"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/proof FAILED: the event does not hash to the proven leaf/);
    writeFileSync(join(env.dir, "proof.json"), "{}");
    expect(run(["audit", "prove", "--verify", "proof.json"]).code).toBe(2);
    expect(run(["audit", "prove", "3", "--verify", "--format", "text"]).stdout).toMatch(/proof verified/);
  });

  it("the CLI's verify names the witness after a rollback, and --no-witness shows what it alone would miss", async () => {
    for (let i = 0; i < 5; i++) expect(run(["audit", "checkpoint"]).code).toBe(0);
    const store = await env.open();
    try {
      await store.db.deleteFrom("audit_events").execute();
      await store.db.deleteFrom("audit_checkpoints").execute();
      await store.db
        .updateTable("audit_head")
        .set({ size: 0, last_hash: "0".repeat(64), frontier: "[]", note: "", checkpointed_size: 0 })
        .where("id", "=", 1)
        .execute();
    } finally {
      await store.close();
    }
    const r = run(["audit", "verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/the audit witness .*keys\/audit-witness\.json covers 5 events/);
    expect(run(["audit", "verify", "--no-witness"]).code).toBe(0);
    // And an export of the wiped log checked against the witness is refused as well.
    expect(run(["audit", "export", "--output", "wiped.jsonl"]).code).toBe(0);
    expect(run(["audit", "verify", "--from-export", "wiped.jsonl", "--witness", "keys/audit-witness.json"]).code).toBe(1);
  });

  it("verify --from-export of an export that starts later is a usage error", () => {
    exportLog();
    expect(run(["audit", "export", "--from", "2", "--output", "partial.jsonl"]).code).toBe(0);
    const r = run(["audit", "verify", "--from-export", "partial.jsonl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/starts at event 2/);
  });
});

describe("verifyAuditExport", () => {
  it("reads an export a line at a time and reports an unreadable line by number", async () => {
    const env = await createTestEnv("sqlite");
    try {
      const run = (args: string[]) => perimeter(args, { cwd: env.dir, env: env.env });
      expect(run(["audit", "checkpoint"]).code).toBe(0);
      expect(run(["audit", "export", "--output", "e.jsonl"]).code).toBe(0);
      const file = join(env.dir, "e.jsonl");
      writeFileSync(file, readFileSync(file, "utf8").replace(/\n(?=\{"type":"head")/, "\n{not json\n"));
      const { report } = await verifyAuditExport(file, auditVerifierKeys(env.loaded));
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.message)).toContain("line 4 is not JSON");
    } finally {
      await env.cleanup();
    }
  });
});
