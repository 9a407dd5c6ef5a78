import { generateKeyPairSync } from "node:crypto";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AuditLog,
  FileWitness,
  auditVerifierKeys,
  auditWitnessFile,
  checkInclusionProof,
  openAuditLog,
  proveInclusion,
  verifyAuditLog,
} from "../../src/audit/index.js";
import { createSigner } from "../../src/audit/checkpoint.js";
import { ThreadAuditCommitter } from "../../src/audit/writer-thread.js";
import { eventHash } from "../../src/audit/event.js";
import type { Store } from "../../src/store/store.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

// Every check runs on one thread and on worker threads splicing slices of 4 events (so tampering lands
// inside slices, on their borders, and across checkpoints). On SQLite the log is also written as servers
// write it, by a writer thread of its own.
const MODES = STORE_KINDS.flatMap((kind) => [
  { kind, mode: "one thread", verifyOptions: { parallelism: 1 }, thread: false },
  { kind, mode: "worker threads", verifyOptions: { parallelism: 2, segmentWidth: 4 }, thread: false },
  ...(kind === "sqlite" ? [{ kind, mode: "one thread, written by a writer thread", verifyOptions: { parallelism: 1 }, thread: true }] : []),
]);

describe.each(MODES)("audit log on $kind, verified on $mode", ({ kind, verifyOptions, thread }) => {
  let env: TestEnv;
  let store: Store;
  let log: AuditLog;

  beforeEach(async () => {
    env = await createTestEnv(kind, { checkpointEvery: 4 });
    store = await env.open();
    log = openAuditLog(env.loaded, store, { thread });
  });
  afterEach(async () => {
    await log.close();
    await store.close();
    await env.cleanup();
  });

  async function appendMany(n: number): Promise<void> {
    for (let i = 1; i <= n; i++) {
      await log.append({
        actor: `actor-${i}`,
        action: "test.append",
        resource: `thing:${i}`,
        decision: i % 3 === 0 ? "deny" : "allow",
        reason: i % 3 === 0 ? "not allowed" : "",
        details: { i, nested: { list: [i, "x"], ok: true } },
      });
    }
  }

  const verify = () => verifyAuditLog(store, auditVerifierKeys(env.loaded), verifyOptions);

  it("appends events with contiguous sequence numbers that verify", async () => {
    await appendMany(10);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, events: 10, firstBadSeq: null, problems: [] });
    expect(report.checkpoints).toBe(2); // every 4 events: at 4 and 8
  });

  it("verifies an empty log", async () => {
    expect(await verify()).toMatchObject({ ok: true, events: 0 });
  });

  it("gives one consistent chain to many concurrent appends from one process", async () => {
    const events = await Promise.all(
      Array.from({ length: 300 }, (_, i) => log.append({ actor: "a", action: "test.burst", resource: String(i), decision: "info" })),
    );
    expect(events.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(await verify()).toMatchObject({ ok: true, events: 300 });
  });

  it("stores a signed checkpoint of the whole log on demand", async () => {
    expect(await log.checkpoint()).toBeUndefined();
    await appendMany(3);
    const cp = await log.checkpoint();
    expect(cp?.size).toBe(3);
    expect(cp?.note).toMatch(/^.+\n3\n[A-Za-z0-9+/=]+\n\n\u2014 /);
    const stored = await store.db.selectFrom("audit_checkpoints").selectAll().orderBy("tree_size", "desc").executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ tree_size: 3, root_hash: cp?.root.toString("hex"), note: cp?.note });
    expect(await verify()).toMatchObject({ ok: true, events: 3 });
  });

  const fields: Array<[string, string]> = [
    ["time", "'2020-01-01T00:00:00.000Z'"],
    ["actor", "'mallory'"],
    ["action", "'test.other'"],
    ["resource", "'thing:999'"],
    ["decision", "'allow'"],
    ["reason", "'rewritten'"],
    ["details", `'{"i":5}'`],
    ["prev_hash", `'${"ab".repeat(32)}'`],
    ["hash", `'${"cd".repeat(32)}'`],
  ];
  for (const [field, value] of fields) {
    it(`detects a changed ${field} and names the event`, async () => {
      await appendMany(6); // event 6 is a deny, so changing decision to allow is a real change
      const target = field === "decision" ? 6 : 5;
      await sql.raw(`update audit_events set ${field} = ${value} where seq = ${target}`).execute(store.db);
      const report = await verify();
      expect(report.ok).toBe(false);
      expect(report.firstBadSeq).toBe(target);
    });
  }

  it("detects a renumbered event", async () => {
    await appendMany(6);
    await sql`update audit_events set seq = 100 where seq = 3`.execute(store.db);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it("detects a deleted event", async () => {
    await appendMany(10);
    await sql`delete from audit_events where seq = 5`.execute(store.db);
    const report = await verify();
    expect(report).toMatchObject({ ok: false, firstBadSeq: 5 });
    expect(report.problems[0]?.message).toMatch(/event 5 is missing/);
  });

  it("detects two swapped events", async () => {
    await appendMany(10);
    await sql`update audit_events set seq = -1 where seq = 4`.execute(store.db);
    await sql`update audit_events set seq = 4 where seq = 7`.execute(store.db);
    await sql`update audit_events set seq = 7 where seq = -1`.execute(store.db);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it("detects a truncated tail, even past the last stored checkpoint", async () => {
    await appendMany(10); // checkpoints at 4 and 8; the signed head covers 10
    await sql`delete from audit_events where seq > 9`.execute(store.db);
    const report = await verify();
    expect(report).toMatchObject({ ok: false, firstBadSeq: 10 });
    expect(report.problems[0]?.message).toMatch(/removed/);
  });

  it("detects an event inserted with the rest of the chain recomputed, at the signed checkpoint", async () => {
    await appendMany(10);
    // A forger with write access to the database but not the signing key: shift 6..10 up by one, insert a
    // new event 6, and recompute every hash after it so the chain links again.
    const rows = await store.db.selectFrom("audit_events").selectAll().where("seq", ">=", 6).orderBy("seq", "desc").execute();
    for (const r of rows) await sql`update audit_events set seq = ${r.seq + 1} where seq = ${r.seq}`.execute(store.db);
    const five = await store.db.selectFrom("audit_events").selectAll().where("seq", "=", 5).executeTakeFirstOrThrow();
    let prev = five.hash;
    const all = await store.db.selectFrom("audit_events").selectAll().where("seq", ">=", 7).orderBy("seq").execute();
    const forged = {
      seq: 6,
      time: five.time,
      actor: "mallory",
      action: "test.append",
      resource: "x",
      decision: "allow",
      reason: "",
      details: "{}",
      prev_hash: prev,
    };
    prev = eventHash(forged);
    await store.db
      .insertInto("audit_events")
      .values({ ...forged, hash: prev })
      .execute();
    for (const r of all) {
      const relinked = { ...r, prev_hash: prev };
      prev = eventHash(relinked);
      await sql`update audit_events set prev_hash = ${relinked.prev_hash}, hash = ${prev} where seq = ${r.seq}`.execute(store.db);
    }
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(5); // the checkpoint at 4 still vouches for 1..4
    expect(report.problems[0]?.message).toMatch(/history was rewritten/);
  });

  it("detects a forged checkpoint: a changed root, and one signed by a key that is not trusted", async () => {
    await appendMany(10);
    const cp = await store.db.selectFrom("audit_checkpoints").selectAll().where("tree_size", "=", 8).executeTakeFirstOrThrow();
    const lines = cp.note.split("\n");
    lines[2] = Buffer.alloc(32, 7).toString("base64");
    await sql`update audit_checkpoints set note = ${lines.join("\n")} where tree_size = 8`.execute(store.db);
    let report = await verify();
    expect(report).toMatchObject({ ok: false, firstBadSeq: 8 });
    expect(report.problems[0]?.message).toMatch(/checkpoint at tree size 8.*does not verify/);

    await sql`update audit_checkpoints set note = ${cp.note} where tree_size = 8`.execute(store.db);
    const stranger = createSigner(env.loaded.config.audit.origin, generateKeyPairSync("ed25519").privateKey);
    const forged = stranger.sign({ origin: env.loaded.config.audit.origin, size: 4, root: Buffer.alloc(32, 1) });
    await sql`update audit_checkpoints set note = ${forged.note}, root_hash = ${forged.root.toString("hex")} where tree_size = 4`.execute(store.db);
    report = await verify();
    expect(report).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(report.problems[0]?.message).toMatch(/not signed by any trusted audit key/);
  });

  it("detects a forged signed head", async () => {
    await appendMany(3);
    await sql`update audit_head set note = replace(note, ${"\n3\n"}, ${"\n2\n"})`.execute(store.db);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it("proves every event's inclusion against a signed checkpoint, and the proof checks offline", async () => {
    await appendMany(13);
    const keys = auditVerifierKeys(env.loaded);
    for (let seq = 1; seq <= 13; seq++) {
      const proof = await proveInclusion(store, seq, keys);
      expect(proof.treeSize).toBeGreaterThanOrEqual(seq);
      expect(checkInclusionProof(proof, keys)).toEqual({ ok: true });
    }
    const proof = await proveInclusion(store, 2, keys);
    const bent = { ...proof, proof: proof.proof.map((h, i) => (i === 0 ? "00".repeat(32) : h)) };
    expect(checkInclusionProof(bent, keys)).toMatchObject({ ok: false });
    const lied = { ...proof, event: { ...proof.event, actor: "mallory" } };
    expect(checkInclusionProof(lied, keys)).toMatchObject({ ok: false, reason: /does not hash/ });
  });

  it("refuses an event that is not well-formed, and records nothing", async () => {
    await expect(log.append({ actor: "", action: "x", resource: "r", decision: "allow" })).rejects.toMatchObject({ code: "USAGE" });
    await expect(log.append({ actor: "a", action: "x", resource: "r", decision: "maybe" as "allow" })).rejects.toMatchObject({ code: "USAGE" });
    await expect(log.append({ actor: "a", action: "x", resource: "r", decision: "allow", details: { n: Number.NaN } })).rejects.toMatchObject({
      code: "USAGE",
    });
    expect(await verify()).toMatchObject({ ok: true, events: 0 });
  });
});

describe("audit log that cannot keep up, or cannot write", () => {
  let env: TestEnv;
  let store: Store;
  beforeEach(async () => {
    env = await createTestEnv("sqlite");
    store = await env.open();
  });
  afterEach(async () => {
    await store.close();
    await env.cleanup();
  });

  it("refuses appends past its backlog limit, keeps those it accepted, and accepts again once it catches up", async () => {
    const key = generateKeyPairSync("ed25519").privateKey;
    const log = new AuditLog(store, createSigner("test", key), { origin: "test", checkpointEvery: 100, checkpointSeconds: 3600, maxPending: 5 });
    const appends = Array.from({ length: 8 }, (_, i) => log.append({ actor: "a", action: "test.flood", resource: String(i), decision: "info" }));
    const settled = await Promise.allSettled(appends);
    expect(settled.slice(0, 5).map((s) => s.status)).toEqual(Array(5).fill("fulfilled"));
    for (const s of settled.slice(5)) {
      expect(s).toMatchObject({ status: "rejected", reason: { code: "STORE_UNAVAILABLE", message: /5 events are still waiting/ } });
    }
    expect((await log.append({ actor: "a", action: "test.flood", resource: "after", decision: "info" })).seq).toBe(6);
    await log.close();
  });

  it("a writer thread that cannot open the store refuses each append with the reason, and records nothing", async () => {
    const key = generateKeyPairSync("ed25519").privateKey;
    const options = { origin: "test", checkpointEvery: 100, checkpointSeconds: 3600 };
    // A directory where the database file should be: the writer thread cannot open it.
    const committer = new ThreadAuditCommitter({ sqlitePath: env.dir }, key, options);
    const log = new AuditLog(store, createSigner("test", key), options, committer);
    await expect(log.append({ actor: "a", action: "test.lost", resource: "r", decision: "info" })).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: /not recorded/,
    });
    await log.close();
    await expect(log.append({ actor: "a", action: "test.lost", resource: "r", decision: "info" })).rejects.toMatchObject({ message: /closed/ });
    expect(await store.db.selectFrom("audit_events").selectAll().execute()).toEqual([]);
  });
});

describe.each(STORE_KINDS)("the audit witness on %s", (kind) => {
  it("is written at most once per audit.witnessIntervalMs with the newest head, and at once when the log is flushed", async () => {
    const env = await createTestEnv(kind, { witnessIntervalMs: 60_000 });
    const store = await env.open();
    const log = openAuditLog(env.loaded, store);
    const witness = new FileWitness(auditWitnessFile(env.loaded));
    try {
      for (let i = 1; i <= 5; i++) await log.append({ actor: "a", action: "test.append", resource: `thing:${i}`, decision: "allow" });
      // The first head is witnessed at once; the four after it wait for the interval.
      await new Promise((r) => setTimeout(r, 200));
      expect((await witness.latest())?.size).toBe(1);
      await log.flush();
      expect((await witness.latest())?.size).toBe(5);
      expect((await verifyAuditLog(store, auditVerifierKeys(env.loaded), { witnesses: [witness] })).ok).toBe(true);
    } finally {
      await log.close();
      await store.close();
      await env.cleanup();
    }
  });
});
