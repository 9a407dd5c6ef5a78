import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  FileWitness,
  HttpWitness,
  S3Witness,
  auditVerifierKeys,
  auditWitnessFile,
  auditWitnesses,
  openAuditLog,
  verifyAuditLog,
  type AuditWitness,
  type WitnessedCheckpoint,
} from "../../src/audit/index.js";
import { createSigner, loadOrCreateSigningKey } from "../../src/audit/checkpoint.js";
import type { Store } from "../../src/store/store.js";
import { perimeterAsync } from "../helpers/cli.js";
import { startFakeS3, type FakeS3 } from "../helpers/fake-s3.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";
import { startWitnessServer, type WitnessServer } from "../helpers/witness-server.js";

// The audit log's witnesses on other hosts: an S3-compatible bucket (a fake S3 that checks every request's
// Signature V4 itself) and an HTTP endpoint, beside the witness file. One contract for all three, then the
// writer (inline and on its thread) and the CLI, ending with the attack they exist for: a database put back
// to an earlier copy, together with this host's witness file.

const BUCKET = "audit-witness";
const CREDS = { accessKeyId: "AKIAWITNESSTEST00001", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWITNESSKEY" };
const TOKEN = "witness-token-5f2c9e";
process.env["TEST_WITNESS_KEY_ID"] = CREDS.accessKeyId;
process.env["TEST_WITNESS_SECRET"] = CREDS.secretAccessKey;
process.env["TEST_WITNESS_TOKEN"] = TOKEN;

let s3: FakeS3;
let http: WitnessServer;
beforeAll(async () => {
  s3 = await startFakeS3({ credentials: [CREDS], buckets: [BUCKET] });
  http = await startWitnessServer({ token: TOKEN });
});
afterAll(async () => {
  await s3.close();
  await http.close();
});
beforeEach(() => {
  s3.buckets.get(BUCKET)?.clear();
  s3.delayMs = 0;
  http.held = undefined;
  http.status = undefined;
  http.delayMs = 0;
});

const s3Config = (key = "perimeter/audit-witness.json") => ({
  type: "s3" as const,
  endpoint: s3.endpoint,
  bucket: BUCKET,
  key,
  region: "us-east-1",
  accessKeyIdEnv: "TEST_WITNESS_KEY_ID",
  secretAccessKeyEnv: "TEST_WITNESS_SECRET",
  pathStyle: true,
  timeoutMs: 2000,
});
const httpConfig = () => ({ type: "http" as const, url: http.url, tokenEnv: "TEST_WITNESS_TOKEN", timeoutMs: 2000 });
const s3Held = (key = "perimeter/audit-witness.json") => {
  const o = s3.buckets.get(BUCKET)?.get(key);
  return o === undefined ? undefined : (JSON.parse(o.body.toString("utf8")) as WitnessedCheckpoint);
};
const httpHeld = () => (http.held === undefined ? undefined : (JSON.parse(http.held) as WitnessedCheckpoint));

/** A signed head of `size` events, as the committer hands it over. */
function head(dir: string, size: number): WitnessedCheckpoint {
  const signer = createSigner("perimeter.local/audit", loadOrCreateSigningKey(join(dir, "contract-key.pem"), true));
  const root = Buffer.alloc(32, size);
  return {
    origin: "perimeter.local/audit",
    size,
    root: root.toString("hex"),
    lastHash: size.toString(16).padStart(64, "0"),
    note: signer.sign({ origin: "perimeter.local/audit", size, root }).note,
    recordedAt: new Date().toISOString(),
  };
}

const KINDS = [
  { kind: "file", make: (dir: string): AuditWitness => new FileWitness(join(dir, "w", "witness.json")), rival: undefined },
  {
    kind: "s3",
    make: (): AuditWitness => new S3Witness(s3Config()),
    rival: (text: string) => s3.put(BUCKET, "perimeter/audit-witness.json", text),
  },
  {
    kind: "http",
    make: (): AuditWitness => new HttpWitness(httpConfig()),
    rival: (text: string) => {
      http.held = text;
    },
  },
] as const;

describe.each(KINDS)("the $kind witness", ({ make }) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv("sqlite");
  });
  afterEach(async () => env.cleanup());

  it("holds nothing at first, then exactly the head it was given, replaced by the next one", async () => {
    const w = make(env.dir);
    expect(await w.latest()).toBeUndefined();
    const first = head(env.dir, 3);
    await w.record(first);
    expect(await w.latest()).toEqual(first);
    const second = head(env.dir, 7);
    await w.record(second);
    expect(await make(env.dir).latest()).toEqual(second);
  });
});

// The file is replaced whole by rename and has no conditional write; the remote witnesses do.
describe.each(KINDS.filter((k) => k.rival !== undefined))("the $kind witness", ({ make, rival }) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv("sqlite");
  });
  afterEach(async () => env.cleanup());

  it("refuses to write over a head another writer put there after it read", async () => {
    const w = make();
    await w.record(head(env.dir, 3));
    expect((await w.latest())?.size).toBe(3);
    // Someone else writes between this writer's read and its write: the conditional write loses, and says so.
    rival(JSON.stringify({ type: "perimeter-audit-witness", ...head(env.dir, 9) }));
    await expect(w.record(head(env.dir, 5))).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(/answered PUT with HTTP 412.*changed between this host's read and its write/),
    });
    expect((await make().latest())?.size).toBe(9);
    // The next attempt reads again first, and may then write.
    await make().record(head(env.dir, 10));
    expect((await make().latest())?.size).toBe(10);
  });
});

describe("the S3 witness's requests", () => {
  it("are signed (Signature V4, the payload's hash signed too) and conditional on what was read", async () => {
    const env = await createTestEnv("sqlite");
    try {
      const w = new S3Witness({ ...s3Config(), sessionTokenEnv: "TEST_WITNESS_SESSION" });
      process.env["TEST_WITNESS_SESSION"] = "session-token-1";
      s3.requests.length = 0;
      await w.latest();
      await w.record(head(env.dir, 2));
      await w.latest();
      await w.record(head(env.dir, 4));
      const puts = s3.requests.filter((r) => r.method === "PUT");
      expect(puts.map((r) => r.status)).toEqual([200, 200]);
      expect(puts[0]?.headers["if-none-match"]).toBe("*");
      expect(puts[1]?.headers["if-match"]).toMatch(/^"[0-9a-f]{32}"$/);
      expect(puts[0]?.headers["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
      expect(puts[0]?.headers["x-amz-security-token"]).toBe("session-token-1");
      expect(puts[0]?.headers["authorization"]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAWITNESSTEST00001\/\d{8}\/us-east-1\/s3\/aws4_request/);
      // Nothing was refused: the first read found no object (NoSuchKey), every other request was answered.
      expect(s3.requests.map((r) => r.code ?? r.status)).toEqual(["NoSuchKey", 200, 200, 200, 200, 200]);
    } finally {
      delete process.env["TEST_WITNESS_SESSION"];
      await env.cleanup();
    }
  });
});

describe("the audit writer", () => {
  const witnesses = () => [s3Config(), httpConfig()];

  it.each([false, true])("writes every witness, each on its own (writer thread: %s)", async (thread) => {
    const env = await createTestEnv("sqlite", { witnessIntervalMs: 0, witnesses: witnesses() });
    const store = await env.open();
    let log = openAuditLog(env.loaded, store, { thread });
    try {
      for (let i = 1; i <= 3; i++) await log.append({ actor: "a", action: "test.append", resource: `thing:${i}`, decision: "allow" });
      await log.flush();
      expect(s3Held()).toMatchObject({ size: 3 });
      expect(httpHeld()).toMatchObject({ size: 3 });
      expect(await new FileWitness(auditWitnessFile(env.loaded)).latest()).toMatchObject({ size: 3 });

      // The endpoint fails: the bucket and the file still take the next head; the append after is refused.
      http.status = 503;
      await log.append({ actor: "a", action: "test.append", resource: "thing:4", decision: "allow" });
      await log.flush();
      expect(s3Held()).toMatchObject({ size: 4 });
      expect(await new FileWitness(auditWitnessFile(env.loaded)).latest()).toMatchObject({ size: 4 });
      expect(httpHeld()).toMatchObject({ size: 3 });
      await expect(log.append({ actor: "a", action: "test.append", resource: "thing:5", decision: "allow" })).rejects.toMatchObject({
        code: "AUDIT_WITNESS_FAILED",
        message: expect.stringMatching(/not recorded: the audit witness http:\/\/127\.0\.0\.1:\d+\/witness\/perimeter\.json answered GET with HTTP 503/),
      });
      // Once it answers again, the head it missed reaches it and the log goes on.
      http.status = undefined;
      await log.append({ actor: "a", action: "test.append", resource: "thing:5", decision: "allow" });
      await log.close();
      log = openAuditLog(env.loaded, store, { thread });
      expect(httpHeld()).toMatchObject({ size: 5 });
      expect(s3Held()).toMatchObject({ size: 5 });
      const report = await verifyAuditLog(store, auditVerifierKeys(env.loaded), { witnesses: auditWitnesses(env.loaded) });
      expect(report).toMatchObject({ ok: true, events: 5 });
    } finally {
      await log.close().catch(() => undefined);
      await store.close();
      await env.cleanup();
    }
  });
});

describe.each(STORE_KINDS)("a %s log put back to an earlier copy, with this host's witness file", (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv(kind, { checkpointEvery: 2, witnessIntervalMs: 0, witnesses: [s3Config(), httpConfig()] });
  });
  afterEach(async () => env.cleanup());
  const run = (args: string[]) => perimeterAsync(args, { cwd: env.dir, env: { ...env.env, PERIMETER_ACTOR: "auditor" } });

  /** A copy of the database as a backup holds it: the SQLite file, or PostgreSQL's audit tables. */
  let backups = 0;
  async function backup(): Promise<() => Promise<void>> {
    if (kind === "sqlite") {
      const db = join(env.dir, "perimeter.db");
      const copy = `${db}.${++backups}.bak`;
      for (const suffix of ["", "-wal", "-shm"]) if (existsSync(db + suffix)) copyFileSync(db + suffix, copy + suffix);
      return async () => {
        for (const suffix of ["", "-wal", "-shm"]) {
          rmSync(db + suffix, { force: true });
          if (existsSync(copy + suffix)) copyFileSync(copy + suffix, db + suffix);
        }
      };
    }
    const store: Store = await env.open();
    try {
      const events = await store.db.selectFrom("audit_events").selectAll().execute();
      const checkpoints = await store.db.selectFrom("audit_checkpoints").selectAll().execute();
      const head = await store.db.selectFrom("audit_head").selectAll().execute();
      return async () => {
        const s = await env.open();
        try {
          await s.db.transaction().execute(async (tx) => {
            await tx.deleteFrom("audit_events").execute();
            await tx.deleteFrom("audit_checkpoints").execute();
            await tx.deleteFrom("audit_head").execute();
            await tx.insertInto("audit_events").values(events).execute();
            await tx.insertInto("audit_checkpoints").values(checkpoints).execute();
            await tx.insertInto("audit_head").values(head).execute();
          });
        } finally {
          await s.close();
        }
      };
    } finally {
      await store.close();
    }
  }

  it("is refused by verify against the bucket and the endpoint, and passes again with the current database", async () => {
    const file = auditWitnessFile(env.loaded);
    for (let i = 0; i < 3; i++) expect((await run(["audit", "checkpoint"])).code).toBe(0);
    const s3Target = `s3://${BUCKET}/perimeter/audit-witness.json`;
    for (const w of [[], ["--witness"], ["--witness", s3Target], ["--witness", http.url], ["--witness", file]]) {
      const r = await run(["audit", "verify", ...w]);
      expect(r.stdout).toMatch(/audit log verified: 3 events/);
      expect(r.code).toBe(0);
    }
    const restoreOld = await backup();
    copyFileSync(file, `${file}.bak`);
    for (let i = 0; i < 2; i++) expect((await run(["audit", "checkpoint"])).code).toBe(0);
    expect(s3Held()).toMatchObject({ size: 5 });
    expect(httpHeld()).toMatchObject({ size: 5 });
    const restoreNew = await backup();

    // The old database put back, and this host's witness file with it: all the local evidence agrees.
    await restoreOld();
    copyFileSync(`${file}.bak`, file);
    expect((await run(["audit", "verify", "--witness", file])).code).toBe(0);
    expect((await run(["audit", "verify", "--no-witness"])).code).toBe(0);
    // The remote witnesses still hold how far the log got.
    const s3Name = `s3://${BUCKET}/perimeter/audit-witness.json (at ${s3.endpoint})`;
    for (const [w, named] of [
      [["--witness", s3Target], `the audit witness ${s3Name} covers`],
      [["--witness", http.url], `the audit witness ${http.url} covers`],
      [["--witness"], `the audit witnesses ${s3Name} and ${http.url} cover`],
      [[], `the audit witnesses ${s3Name} and ${http.url} cover`],
    ] as const) {
      const r = await run(["audit", "verify", ...w]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAILED verification: first bad sequence number 4/);
      expect(r.stdout).toContain(`the log ends at 3 but ${named} 5 events: events 4..5 were removed; the log was rolled back or wiped`);
    }
    const shown = await run(["audit", "witness", "show"]);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toMatch(/holds: 3 events[\s\S]*consistent: the log \(3 events\) extends it/);
    expect(shown.stdout).toMatch(/holds: 5 events, root [0-9a-f]{64}, recorded at \S+\n {2}ahead: the log holds 3 events, fewer than the 5 the witness saw/);
    // A push does not move the remote witnesses back onto the old log.
    const pushed = await run(["audit", "witness", "push"]);
    expect(pushed.code).toBe(1);
    expect(pushed.stdout).toMatch(/refused: left as it is: the witness holds 5 events and the log 3/);
    expect(s3Held()).toMatchObject({ size: 5 });
    expect(httpHeld()).toMatchObject({ size: 5 });

    // The current database back: every kind of witness passes.
    await restoreNew();
    for (const w of [[], ["--witness"], ["--witness", s3Target], ["--witness", http.url]]) {
      const r = await run(["audit", "verify", ...w]);
      expect(r.stdout).toMatch(/audit log verified: 5 events/);
      expect(r.code).toBe(0);
    }
  });
});

describe("perimeter audit witness push and show", () => {
  it("push writes the current head to a witness that missed it; show names each witness with what it holds", async () => {
    const env = await createTestEnv("sqlite", { witnesses: [s3Config()] });
    try {
      const run = (args: string[]) => perimeterAsync(args, { cwd: env.dir, env: { ...env.env, PERIMETER_ACTOR: "auditor" } });
      expect((await run(["audit", "checkpoint"])).code).toBe(0);
      // A witness added to the config later holds nothing until the next commit or a push.
      const config = parse(readFileSync(env.configFile, "utf8")) as { audit: { witnesses: unknown[] } };
      config.audit.witnesses.push(httpConfig());
      writeFileSync(env.configFile, stringify(config));
      expect(httpHeld()).toBeUndefined();
      const before = await run(["audit", "witness", "show", "--format", "json"]);
      expect(before.code).toBe(1);
      const statuses = (JSON.parse(before.stdout) as { witnesses: { name: string; state: string }[] }).witnesses;
      expect(statuses.map((s) => s.state)).toEqual(["consistent", "consistent", "empty"]);
      const pushed = await run(["audit", "witness", "push"]);
      expect(pushed.code).toBe(0);
      expect(pushed.stdout).toMatch(/the signed head: 1 events, root [0-9a-f]{64}/);
      expect(pushed.stdout).toMatch(/keys\/audit-witness\.json\n {2}unchanged: already holds this head/);
      expect(pushed.stdout).toMatch(/witness\/perimeter\.json\n {2}recorded: now holds the head of 1 events\n {2}holds: 1 events/);
      expect(httpHeld()).toMatchObject({ size: 1 });
      const after = await run(["audit", "witness", "show"]);
      expect(after.code).toBe(0);
      expect(after.stdout.match(/consistent: the log \(1 events\) extends it/g)?.length).toBe(3);
    } finally {
      await env.cleanup();
    }
  });

  it("the file witness written today is read and written as before", async () => {
    const env = await createTestEnv("sqlite");
    try {
      const run = (args: string[]) => perimeterAsync(args, { cwd: env.dir, env: env.env });
      expect((await run(["audit", "checkpoint"])).code).toBe(0);
      const file = auditWitnessFile(env.loaded);
      const text = readFileSync(file, "utf8");
      expect(JSON.parse(text)).toMatchObject({ type: "perimeter-audit-witness", size: 1 });
      writeFileSync(join(env.dir, "copy.json"), text);
      expect((await run(["audit", "verify", "--witness", "copy.json"])).code).toBe(0);
    } finally {
      await env.cleanup();
    }
  });
});
