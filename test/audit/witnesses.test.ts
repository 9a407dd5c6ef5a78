import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsClient } from "aws4fetch";
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
import { s3WitnessKey } from "../../src/audit/remote-witness.js";
import type { Store } from "../../src/store/store.js";
import { perimeterAsync } from "../helpers/cli.js";
import { startFakeS3, type FakeS3 } from "../helpers/fake-s3.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";
import { startWitnessServer, type WitnessServer, witnessCredentials } from "../helpers/witness-server.js";

// The audit log's witnesses on other hosts: an S3-compatible bucket (a fake S3 that checks every request's
// Signature V4 itself) and an HTTP endpoint, beside the witness file. One contract for all three, then the
// writer (inline and on its thread) and the CLI, ending with the attack they exist for: a database put back
// to an earlier copy, together with this host's witness file.

const BUCKET = "audit-witness";
const PREFIX = "perimeter/audit-witness";
const { creds: CREDS, token: TOKEN } = witnessCredentials();

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

const s3Config = (prefix = PREFIX) => ({
  type: "s3" as const,
  endpoint: s3.endpoint,
  bucket: BUCKET,
  prefix,
  region: "us-east-1",
  accessKeyIdEnv: "TEST_WITNESS_KEY_ID",
  secretAccessKeyEnv: "TEST_WITNESS_SECRET",
  pathStyle: true,
  timeoutMs: 2000,
});
const httpConfig = () => ({ type: "http" as const, url: http.url, tokenEnv: "TEST_WITNESS_TOKEN", timeoutMs: 2000 });
/** The newest object under the prefix (the first in S3's order), parsed. */
const s3Held = () => {
  const first = [...(s3.buckets.get(BUCKET)?.keys() ?? [])].filter((k) => k.startsWith(`${PREFIX}/`)).sort()[0];
  const o = first === undefined ? undefined : s3.buckets.get(BUCKET)?.get(first);
  return o === undefined ? undefined : (JSON.parse(o.body.toString("utf8")) as WitnessedCheckpoint);
};
const httpHeld = () => (http.held === undefined ? undefined : (JSON.parse(http.held) as WitnessedCheckpoint));

/** A signed head of `size` events, as the committer hands it over (`fill`: another root of that size). */
function head(dir: string, size: number, fill = size): WitnessedCheckpoint {
  const signer = createSigner("perimeter.local/audit", loadOrCreateSigningKey(join(dir, "contract-key.pem"), true));
  const root = Buffer.alloc(32, fill);
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
  { kind: "file", make: (dir: string): AuditWitness => new FileWitness(join(dir, "w", "witness.json")) },
  { kind: "s3", make: (): AuditWitness => new S3Witness(s3Config()) },
  { kind: "http", make: (): AuditWitness => new HttpWitness(httpConfig()) },
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

describe("the http witness", () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv("sqlite");
  });
  afterEach(async () => env.cleanup());

  it("refuses to write over a head another writer put there after it read", async () => {
    const w = new HttpWitness(httpConfig());
    await w.record(head(env.dir, 3));
    expect((await w.latest())?.size).toBe(3);
    // Someone else writes between this writer's read and its write: the conditional write loses, and says so.
    http.held = JSON.stringify({ type: "perimeter-audit-witness", ...head(env.dir, 9) });
    await expect(w.record(head(env.dir, 10))).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(/answered PUT with HTTP 412.*changed between this host's read and its write/),
    });
    expect(httpHeld()?.size).toBe(9);
    // The next attempt reads again first, and may then write.
    await new HttpWitness(httpConfig()).record(head(env.dir, 10));
    expect(httpHeld()?.size).toBe(10);
  });
});

describe("the s3 witness", () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv("sqlite");
  });
  afterEach(async () => env.cleanup());

  it("keeps one object per head, written once, and reads the newest whatever order they were written in", async () => {
    const w = new S3Witness(s3Config());
    const seven = head(env.dir, 7);
    await w.record(seven);
    // Another writer of the same log (a second server on one PostgreSQL) wrote an older head after it: the
    // witness still answers the newest, and this writer's read-back accepts a witness that moved on.
    await new S3Witness(s3Config()).record(head(env.dir, 5));
    expect(await w.latest()).toEqual(seven);
    expect([...(s3.buckets.get(BUCKET)?.keys() ?? [])].sort()).toEqual([s3WitnessKey(PREFIX, 7), s3WitnessKey(PREFIX, 5)]);
    expect(s3WitnessKey(PREFIX, 7)).toBe("perimeter/audit-witness/99999999999999999992.json");
    // Writing a head that is already there (its answer was lost) is no failure; another head of that size is.
    await w.record(head(env.dir, 7));
    await expect(w.record(head(env.dir, 7, 0xee))).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(
        /already holds another head of 7 events \(perimeter\/audit-witness\/99999999999999999992\.json\), and objects there are written once/,
      ),
    });
    expect(await w.latest()).toEqual(seven);
  });
});

describe("the S3 witness's requests", () => {
  it("are signed (Signature V4, the payload's hash signed too), list one key under the prefix, and never overwrite", async () => {
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
      expect(puts.map((r) => [r.path, r.status])).toEqual([
        [`/${BUCKET}/perimeter/audit-witness/99999999999999999997.json`, 200],
        [`/${BUCKET}/perimeter/audit-witness/99999999999999999995.json`, 200],
      ]);
      expect(puts.map((r) => r.headers["if-none-match"])).toEqual(["*", "*"]);
      expect(puts[0]?.headers["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
      expect(puts[0]?.headers["x-amz-security-token"]).toBe("session-token-1");
      expect(puts[0]?.headers["authorization"]).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/\\d{8}/us-east-1/s3/aws4_request`));
      const lists = s3.requests.filter((r) => r.path.startsWith(`/${BUCKET}?`));
      expect(Object.fromEntries(new URLSearchParams(lists[0]?.path.split("?")[1]))).toEqual({ "list-type": "2", "max-keys": "1", prefix: `${PREFIX}/` });
      // Nothing was refused: each read is a listing (and the object it names), each write a PUT then a read-back.
      expect(s3.requests.map((r) => `${r.method} ${r.path.startsWith(`/${BUCKET}?`) ? "list" : "object"} ${r.code ?? r.status}`)).toEqual([
        "GET list 200",
        "PUT object 200",
        "GET list 200",
        "GET object 200",
        "GET list 200",
        "GET object 200",
        "PUT object 200",
        "GET list 200",
        "GET object 200",
      ]);
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

  /** Someone who took this host: its credentials for the bucket and the endpoint, and any request they allow. */
  const attacker = {
    s3: () => new AwsClient({ accessKeyId: CREDS.accessKeyId, secretAccessKey: CREDS.secretAccessKey, service: "s3", region: s3.region }),
    async putObject(key: string, body: string): Promise<number> {
      return (await attacker.s3().fetch(`${s3.endpoint}/${BUCKET}/${key}`, { method: "PUT", body })).status;
    },
    async putHttp(body: string): Promise<number> {
      const res = await fetch(http.url, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body });
      return res.status;
    },
  };

  it("is refused by verify against the bucket and the endpoint, even when the old head is written back to them", async () => {
    const file = auditWitnessFile(env.loaded);
    for (let i = 0; i < 3; i++) expect((await run(["audit", "checkpoint"])).code).toBe(0);
    const s3Target = `s3://${BUCKET}/${PREFIX}`;
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
    const oldHead = readFileSync(file, "utf8");
    expect(JSON.parse(oldHead)).toMatchObject({ size: 3 });
    expect((await run(["audit", "verify", "--witness", file])).code).toBe(0);
    expect((await run(["audit", "verify", "--no-witness"])).code).toBe(0);
    // With this host's credentials, the old head is written back: the endpoint refuses to move back, and in the
    // bucket it lands under its own key (for 3 events), which is not the newest.
    expect(await attacker.putHttp(oldHead)).toBe(409);
    expect(await attacker.putObject(s3WitnessKey(PREFIX, 3), oldHead)).toBe(200);
    // The remote witnesses still hold how far the log got.
    const s3Name = `s3://${BUCKET}/${PREFIX}/ (at ${s3.endpoint})`;
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

    // Back to the old one, and this time the newest object is overwritten with the old head (a plain PUT, no
    // If-None-Match): the object no longer holds the head its key names, and verify says what that hides.
    await restoreOld();
    expect(await attacker.putObject(s3WitnessKey(PREFIX, 5), oldHead)).toBe(200);
    const overwritten = `the audit witness ${s3Name} was edited: its object ${s3WitnessKey(PREFIX, 5)} is the one for the head of 5 events, but holds a head of 3 events: someone overwrote it with an older head, as one would to hide a rollback of the log to 3 events`;
    for (const w of [["--witness", s3Target], ["--witness"], []]) {
      const r = await run(["audit", "verify", ...w]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(overwritten);
    }
    // Nor does the old head under a key that sorts before every other one (a size the log never reached).
    expect(await attacker.putObject(s3WitnessKey(PREFIX, 1_000_000), oldHead)).toBe(200);
    const r = await run(["audit", "verify", "--witness", s3Target]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`is the one for the head of 1000000 events, but holds a head of 3 events`);
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
