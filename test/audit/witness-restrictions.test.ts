import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  HttpWitness,
  S3Witness,
  auditVerifierKeys,
  openAuditLog,
  verifyAuditLog,
  witnessStatuses,
  type AuditLog,
  type AuditWitness,
  type WitnessedCheckpoint,
} from "../../src/audit/index.js";
import { createSigner } from "../../src/audit/checkpoint.js";
import { loadConfig } from "../../src/config/load.js";
import type { Store } from "../../src/store/store.js";
import { perimeterAsync } from "../helpers/cli.js";
import { startFakeS3, type FakeS3 } from "../helpers/fake-s3.js";
import { createTestEnv, type TestEnv } from "../helpers/stores.js";
import { startWitnessServer, type WitnessServer } from "../helpers/witness-server.js";

// The trust boundary between the audit log and its remote witnesses (an S3 bucket, an HTTP endpoint): what
// comes back from them is untrusted input, like the witness file. Each case is what someone who controls the
// remote store, or the network path to it, could hand back, or a misconfiguration: each is refused with a
// reason that names the witness and says what to check, and no message carries a credential.

const BUCKET = "audit-witness";
const KEY = "perimeter/audit-witness.json";
const CREDS = { accessKeyId: "AKIARESTRICTIONS0001", secretAccessKey: "s3cr3t/RESTRICTIONS/do-not-print-me" };
const TOKEN = "bearer-do-not-print-me";
process.env["TEST_WITNESS_KEY_ID"] = CREDS.accessKeyId;
process.env["TEST_WITNESS_SECRET"] = CREDS.secretAccessKey;
process.env["TEST_WITNESS_WRONG_SECRET"] = "not-the-secret-either";
process.env["TEST_WITNESS_UNKNOWN_KEY_ID"] = "AKIAUNKNOWN000000000";
process.env["TEST_WITNESS_TOKEN"] = TOKEN;
const SECRETS = [CREDS.secretAccessKey, TOKEN, "not-the-secret-either"];

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

const s3Config = (change: Record<string, unknown> = {}) => ({
  type: "s3" as const,
  endpoint: s3.endpoint,
  bucket: BUCKET,
  key: KEY,
  region: "us-east-1",
  accessKeyIdEnv: "TEST_WITNESS_KEY_ID",
  secretAccessKeyEnv: "TEST_WITNESS_SECRET",
  pathStyle: true,
  timeoutMs: 300,
  ...change,
});
const httpConfig = (change: Record<string, unknown> = {}) => ({
  type: "http" as const,
  url: http.url,
  tokenEnv: "TEST_WITNESS_TOKEN",
  timeoutMs: 300,
  ...change,
});
const s3Witness = (change: Record<string, unknown> = {}) => new S3Witness(s3Config(change));
const httpWitness = (change: Record<string, unknown> = {}) => new HttpWitness(httpConfig(change));
const s3Text = () => s3.buckets.get(BUCKET)?.get(KEY)?.body.toString("utf8") ?? "";
const setS3 = (held: unknown) => s3.put(BUCKET, KEY, typeof held === "string" ? held : JSON.stringify(held));
const setHttp = (held: unknown) => {
  http.held = typeof held === "string" ? held : JSON.stringify(held);
};

describe("a remote audit witness is refused when", () => {
  let env: TestEnv;
  let store: Store;
  let log: AuditLog;

  beforeEach(async () => {
    s3.buckets.get(BUCKET)?.clear();
    s3.delayMs = 0;
    s3.failNext(200, "", 0);
    http.held = undefined;
    http.status = undefined;
    http.delayMs = 0;
    http.padBytes = 0;
    http.losesWrites = false;
    env = await createTestEnv("sqlite", { checkpointEvery: 100, witnessIntervalMs: 0, witnesses: [s3Config(), httpConfig()] });
    store = await env.open();
    log = openAuditLog(env.loaded, store);
    await appendMany(3);
  });
  afterEach(async () => {
    await log.close().catch(() => undefined);
    await store.close();
    await env.cleanup();
  });

  async function appendMany(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await log.append({ actor: "a", action: "test.append", resource: `thing:${i}`, decision: "allow" });
    await log.flush();
  }
  const keys = () => auditVerifierKeys(env.loaded);
  /** What verify says about the log checked against this witness alone. */
  async function refusal(w: AuditWitness): Promise<string> {
    const report = await verifyAuditLog(store, keys(), { witnesses: [w] });
    expect(report.ok).toBe(false);
    const text = report.problems.map((p) => p.message).join("\n");
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    return text;
  }
  const held = (): WitnessedCheckpoint => JSON.parse(s3Text()) as WitnessedCheckpoint;

  it("(baseline) both hold the head and the log verifies against each", async () => {
    expect(held()).toMatchObject({ size: 3 });
    for (const w of [s3Witness(), httpWitness()]) expect(await verifyAuditLog(store, keys(), { witnesses: [w] })).toMatchObject({ ok: true });
  });

  it("its content was edited: a size or root other than its signed note", async () => {
    setS3({ ...held(), type: "perimeter-audit-witness", size: 2 });
    expect(await refusal(s3Witness())).toMatch(
      /the audit witness s3:\/\/audit-witness\/perimeter\/audit-witness\.json \(at http:\/\/127\.0\.0\.1:\d+\) names a size or root other than its signed checkpoint: it was edited/,
    );
    setHttp({ ...held(), type: "perimeter-audit-witness", root: "ab".repeat(32) });
    expect(await refusal(httpWitness())).toMatch(/names a size or root other than its signed checkpoint: it was edited/);
  });

  it("it holds a checkpoint signed by a key this log does not trust", async () => {
    const origin = env.loaded.config.audit.origin;
    const forged = createSigner(origin, generateKeyPairSync("ed25519").privateKey).sign({ origin, size: 9, root: Buffer.alloc(32, 9) });
    setHttp({ ...held(), type: "perimeter-audit-witness", size: 9, root: "09".repeat(32), note: forged.note });
    expect(await refusal(httpWitness())).toMatch(/holds a checkpoint that does not verify: the checkpoint is not signed by any trusted audit key/);
  });

  it("it names another origin than its note, or holds another log's checkpoint; the writer leaves another log's witness alone", async () => {
    setS3({ ...held(), type: "perimeter-audit-witness", origin: "other.example/audit" });
    expect(await refusal(s3Witness())).toMatch(
      /names the log other\.example\/audit, not that of its signed checkpoint \(perimeter\.local\/audit\): it was edited/,
    );
    const other = createSigner("other.example/audit", generateKeyPairSync("ed25519").privateKey).sign({
      origin: "other.example/audit",
      size: 2,
      root: Buffer.alloc(32, 2),
    });
    const otherLog = { ...held(), type: "perimeter-audit-witness", origin: "other.example/audit", size: 2, root: "02".repeat(32), note: other.note };
    setS3(otherLog);
    expect(await refusal(s3Witness())).toMatch(
      /holds a checkpoint of another log \(other\.example\/audit\), not of perimeter\.local\/audit: two logs share this witness/,
    );
    await appendMany(1);
    expect(JSON.parse(s3Text())).toMatchObject({ origin: "other.example/audit", size: 2 });
  });

  it("its answer is larger than any witness", async () => {
    http.held = s3Text();
    http.padBytes = 70_000;
    expect(await refusal(httpWitness())).toMatch(/answered GET with HTTP 200 and more than 64 KB, more than any witness holds/);
  });

  it("its answer is not JSON, or not a witness's JSON", async () => {
    setHttp("<html><body>Welcome to nginx!</body></html>");
    expect(await refusal(httpWitness())).toMatch(
      /the audit witness http:\/\/127\.0\.0\.1:\d+\/witness\/perimeter\.json is not a witness file Perimeter wrote \(not JSON\)/,
    );
    setS3({ ...held(), type: "perimeter-audit-witness", extra: "field" });
    expect(await refusal(s3Witness())).toMatch(/is not a witness file Perimeter wrote \(Unrecognized key: "extra"\)/);
  });

  it("S3 refuses the credentials (403) or fails (500), on a read and on the writer's write", async () => {
    expect(await refusal(s3Witness({ secretAccessKeyEnv: "TEST_WITNESS_WRONG_SECRET" }))).toMatch(
      /answered GET with HTTP 403 SignatureDoesNotMatch \(The request signature we calculated does not match the signature you provided\. Check your key and signing method\.\): check the credentials in TEST_WITNESS_KEY_ID and TEST_WITNESS_WRONG_SECRET, the region \(us-east-1\), and that they may read \(s3:GetObject\)/,
    );
    expect(await refusal(s3Witness({ accessKeyIdEnv: "TEST_WITNESS_UNKNOWN_KEY_ID" }))).toMatch(/HTTP 403 InvalidAccessKeyId/);
    expect(await refusal(s3Witness({ region: "eu-west-1" }))).toMatch(
      /HTTP 400 AuthorizationHeaderMalformed .*: the bucket is in another region or behind another endpoint/,
    );
    s3.failNext(500, "InternalError");
    expect(await refusal(s3Witness())).toMatch(
      /answered GET with HTTP 500 InternalError \(We encountered an internal error\. Please try again\.\): the storage service failed/,
    );
    // The writer: the head is stored, the witness write fails, and the next audited action is refused.
    s3.failNext(403, "AccessDenied", 10);
    await log.append({ actor: "a", action: "test.append", resource: "x", decision: "allow" });
    await log.flush();
    const refused = await log.append({ actor: "a", action: "test.append", resource: "y", decision: "allow" }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(refused?.code).toBe("AUDIT_WITNESS_FAILED");
    expect(refused?.message).toMatch(/not recorded: the audit witness s3:\/\/audit-witness\/.* answered GET with HTTP 403 AccessDenied/);
    for (const secret of SECRETS) expect(refused?.message).not.toContain(secret);
    // The endpoint took the head all the same: one witness failing does not keep it from the others.
    expect(JSON.parse(http.held ?? "{}")).toMatchObject({ size: 4 });
  });

  it("a missing bucket is not read as an empty witness, nor a missing credential as anonymous", async () => {
    expect(await refusal(s3Witness({ bucket: "no-such-bucket" }))).toMatch(/HTTP 404 NoSuchBucket .*check that the bucket no-such-bucket exists/);
    expect(await refusal(s3Witness({ secretAccessKeyEnv: "TEST_WITNESS_UNSET" }))).toMatch(
      /the audit witness s3:\/\/.* needs the environment variable TEST_WITNESS_UNSET \(secretAccessKeyEnv\), which is not set/,
    );
    expect(await refusal(httpWitness({ tokenEnv: undefined }))).toMatch(/answered GET with HTTP 401: it wants credentials: set tokenEnv/);
    http.status = 403;
    expect(await refusal(httpWitness())).toMatch(/answered GET with HTTP 403: check the bearer token in TEST_WITNESS_TOKEN/);
    http.status = 302;
    expect(await refusal(httpWitness())).toMatch(/answered GET with HTTP 302: witnesses do not follow redirects/);
  });

  it("it is ahead of the log: the log was cut back behind it, and the writer does not move it back", async () => {
    const headAt3 = await store.db.selectFrom("audit_head").selectAll().executeTakeFirstOrThrow();
    await appendMany(2);
    expect(held()).toMatchObject({ size: 5 });
    await store.db.deleteFrom("audit_events").where("seq", ">", 3).execute();
    await store.db.deleteFrom("audit_checkpoints").where("tree_size", ">", 3).execute();
    await store.db.updateTable("audit_head").set(headAt3).where("id", "=", 1).execute();
    await log.close();
    log = openAuditLog(env.loaded, store);
    for (const w of [s3Witness(), httpWitness()])
      expect(await refusal(w)).toMatch(/the log ends at 3 but the audit witness .* covers 5 events: events 4\.\.5 were removed/);
    const statuses = await witnessStatuses(store, keys(), [s3Witness(), httpWitness()]);
    expect(statuses.map((s) => [s.state, s.ok])).toEqual([
      ["ahead", false],
      ["ahead", false],
    ]);
    await appendMany(1);
    expect(held()).toMatchObject({ size: 5 });
  });

  it("it does not keep what it is sent: the read-back after a write catches it", async () => {
    http.losesWrites = true;
    await log.append({ actor: "a", action: "test.append", resource: "x", decision: "allow" });
    await log.flush();
    await expect(log.append({ actor: "a", action: "test.append", resource: "y", decision: "allow" })).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(
        /the audit witness http:\/\/127\.0\.0\.1:\d+\/witness\/perimeter\.json did not hold the head of 4 events right after it was written \(it holds 3 events\): another writer replaced it, or the store does not keep what it is sent/,
      ),
    });
  });

  it("it does not answer in time", async () => {
    http.delayMs = 1000;
    expect(await refusal(httpWitness())).toMatch(
      /the audit witness http:\/\/127\.0\.0\.1:\d+\/witness\/perimeter\.json did not answer GET within 300 ms: check that 127\.0\.0\.1:\d+ is up/,
    );
    s3.delayMs = 1000;
    expect(await refusal(s3Witness())).toMatch(/the audit witness s3:\/\/.* did not answer GET within 300 ms/);
  });

  it("the same holds for the writer's write: a witness that changes between its read and write is not overwritten", async () => {
    const w = s3Witness();
    expect(await w.latest()).toMatchObject({ size: 3 });
    const rival = s3Text();
    setS3(rival.replace(/"recordedAt": "[^"]*"/, '"recordedAt": "2000-01-01T00:00:00.000Z"'));
    const current = held();
    await expect(w.record({ ...current, size: 4 })).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(/answered PUT with HTTP 412 PreconditionFailed .*: the object changed between this host's read and its write/),
    });
    expect(held().recordedAt).toBe("2000-01-01T00:00:00.000Z");
  });
});

describe("a remote audit witness's address is refused when", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "perimeter-witness-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const load = (witness: Record<string, unknown>) => {
    writeFileSync(join(dir, "perimeter.yaml"), stringify({ audit: { witnesses: [witness] } }));
    try {
      loadConfig({ cwd: dir, env: {} });
      return undefined;
    } catch (err) {
      return err as Error & { code?: string };
    }
  };

  it("it is http:// to a host other than loopback, or carries a credential, at config load", () => {
    const http = { type: "http", url: "http://witness.example.com/perimeter" };
    expect(load(http)).toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringMatching(/audit\.witnesses\[0\]\.url: https:\/\/ \(http:\/\/ only on loopback/),
    });
    expect(load({ ...http, url: "http://127.0.0.1:8080/w" })).toBeUndefined();
    expect(load({ ...http, url: "http://[::1]:8080/w" })).toBeUndefined();
    expect(load({ ...http, url: "https://user:pw@witness.example.com/w" })).toMatchObject({
      message: expect.stringMatching(/a URL without user or password in it: name the environment variable/),
    });
    const s3 = { type: "s3", endpoint: "http://minio.internal:9000", bucket: "b-1", accessKeyIdEnv: "A", secretAccessKeyEnv: "B" };
    expect(load(s3)).toMatchObject({ message: expect.stringMatching(/audit\.witnesses\[0\]\.endpoint: https:\/\/ \(http:\/\/ only on loopback/) });
    expect(load({ ...s3, endpoint: "https://minio.internal:9000/some/path" })).toMatchObject({ message: expect.stringMatching(/no path or query/) });
    expect(load({ ...s3, endpoint: "https://minio.internal:9000", secretAccessKey: "inline" })).toMatchObject({
      message: expect.stringMatching(/unknown key/),
    });
    expect(load({ ...s3, endpoint: "https://minio.internal:9000", key: "../escape" })).toMatchObject({ code: "CONFIG_INVALID" });
    expect(load({ ...s3, endpoint: "https://minio.internal:9000" })).toBeUndefined();
  });

  it("it is http:// to a host other than loopback on the command line", async () => {
    writeFileSync(join(dir, "perimeter.yaml"), stringify({ audit: { signingKey: "keys/audit.pem" } }));
    const env = { PERIMETER_CONFIG: join(dir, "perimeter.yaml"), PERIMETER_ACTOR: "a" };
    expect((await perimeterAsync(["audit", "checkpoint"], { cwd: dir, env })).code).toBe(0);
    const r = await perimeterAsync(["audit", "verify", "--witness", "http://witness.example.com/w"], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--witness http:\/\/witness\.example\.com\/w: url: https:\/\/ \(http:\/\/ only on loopback/);
  });
});
