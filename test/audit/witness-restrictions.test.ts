import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  HttpWitness,
  S3Witness,
  auditVerifierKeys,
  auditWitnesses,
  openAuditLog,
  pushWitnesses,
  verifyAuditLog,
  witnessStatuses,
  type AuditLog,
  type AuditWitness,
  type WitnessedCheckpoint,
} from "../../src/audit/index.js";
import { createSigner } from "../../src/audit/checkpoint.js";
import { s3WitnessKey } from "../../src/audit/remote-witness.js";
import { LISTING_MAX_BYTES, firstListedKey } from "../../src/audit/s3-listing.js";
import { loadConfig } from "../../src/config/load.js";
import type { Store } from "../../src/store/store.js";
import { perimeterAsync } from "../helpers/cli.js";
import { startFakeS3, type FakeS3 } from "../helpers/fake-s3.js";
import { createTestEnv, type TestEnv } from "../helpers/stores.js";
import { startWitnessServer, type WitnessServer, witnessCredentials } from "../helpers/witness-server.js";

// The trust boundary between the audit log and its remote witnesses (an S3 bucket, an HTTP endpoint): what
// comes back from them is untrusted input, like the witness file. Each case is what someone who controls the
// remote store, or the network path to it, could hand back, or a misconfiguration: each is refused with a
// reason that names the witness and says what to check, and no message carries a credential.

const BUCKET = "audit-witness";
const PREFIX = "perimeter/audit-witness";
const { creds: CREDS, token: TOKEN } = witnessCredentials();
process.env["TEST_WITNESS_WRONG_SECRET"] = "not-the-secret-either";
process.env["TEST_WITNESS_UNKNOWN_KEY_ID"] = "AKIAUNKNOWN000000000";
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
  prefix: PREFIX,
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
/** The newest object's key under the prefix (the first in S3's order). */
const newestKey = () => [...(s3.buckets.get(BUCKET)?.keys() ?? [])].filter((k) => k.startsWith(`${PREFIX}/`)).sort()[0] ?? "";
const s3Text = () => s3.buckets.get(BUCKET)?.get(newestKey())?.body.toString("utf8") ?? "";
/** Put this at the key for `size` (default: the newest key), as someone holding this host's credentials could. */
const setS3 = (held: unknown, size?: number) =>
  s3.put(BUCKET, size === undefined ? newestKey() : s3WitnessKey(PREFIX, size), typeof held === "string" ? held : JSON.stringify(held));
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
    s3.rewriteListing = undefined;
    s3.failNext(200, "", 0);
    http.held = undefined;
    http.status = undefined;
    http.delayMs = 0;
    http.padBytes = 0;
    http.losesWrites = false;
    http.movesBack = false;
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
    setS3({ ...held(), type: "perimeter-audit-witness", root: "ab".repeat(32) });
    expect(await refusal(s3Witness())).toMatch(
      /the audit witness s3:\/\/audit-witness\/perimeter\/audit-witness\/ \(at http:\/\/127\.0\.0\.1:\d+\) names a size or root other than its signed checkpoint: it was edited/,
    );
    setHttp({ ...held(), type: "perimeter-audit-witness", size: 2 });
    expect(await refusal(httpWitness())).toMatch(/names a size or root other than its signed checkpoint: it was edited/);
  });

  it("the newest S3 object holds a head of another size than its key names: overwritten with an older head, or put under a larger key", async () => {
    const three = { ...held(), type: "perimeter-audit-witness" };
    await appendMany(2);
    expect(held()).toMatchObject({ size: 5 });
    setS3(three, 5);
    expect(await refusal(s3Witness())).toMatch(
      /the audit witness s3:\/\/audit-witness\/perimeter\/audit-witness\/ \(at [^)]+\) was edited: its object perimeter\/audit-witness\/99999999999999999994\.json is the one for the head of 5 events, but holds a head of 3 events: someone overwrote it with an older head, as one would to hide a rollback of the log to 3 events/,
    );
    // The writer takes it as a failure too: nothing more is stored until it is looked into.
    await log.append({ actor: "a", action: "test.append", resource: "x", decision: "allow" });
    await log.flush();
    await expect(log.append({ actor: "a", action: "test.append", resource: "y", decision: "allow" })).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(/not recorded: the audit witness s3:.* was edited/),
    });
    setS3(three, 2 ** 40);
    expect(await refusal(s3Witness())).toMatch(/is the one for the head of 1099511627776 events, but holds a head of 3 events/);
    // The JSON's size agreeing with the key is not enough: the size its note signs must too.
    setS3({ ...three, size: 2 ** 41 }, 2 ** 41);
    expect(await refusal(s3Witness())).toMatch(/is the one for the head of 2199023255552 events, but holds a note of another size/);
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
    s3.buckets.get(BUCKET)?.clear();
    setS3(otherLog, 2);
    expect(await refusal(s3Witness())).toMatch(
      /holds a checkpoint of another log \(other\.example\/audit\), not of perimeter\.local\/audit: two logs share this witness/,
    );
    await appendMany(1);
    expect(JSON.parse(s3Text())).toMatchObject({ origin: "other.example/audit", size: 2 });
  });

  it("its answer is larger than any witness, or than a listing of one key", async () => {
    http.held = s3Text();
    http.padBytes = 70_000;
    expect(await refusal(httpWitness())).toMatch(/answered GET with HTTP 200 and more than 64 KB, more than any witness holds/);
    setS3(s3Text() + " ".repeat(70_000));
    expect(await refusal(s3Witness())).toMatch(/answered GetObject with HTTP 200 and more than 64 KB, more than any witness holds/);
    s3.rewriteListing = (xml) => xml.replace("<Name>", `<Name>${"x".repeat(LISTING_MAX_BYTES)}`);
    expect(await refusal(s3Witness())).toMatch(/answered ListObjectsV2 with HTTP 200 and more than 16 KB, more than a listing of one key holds/);
  });

  it("its listing is not one S3 sends: malformed, with a DTD or an unknown entity, another root, a Key that is not text", async () => {
    const key = newestKey();
    const cases: [(xml: string) => string, RegExp][] = [
      [(xml) => xml.replace("</ListBucketResult>", ""), /is not well-formed XML \(Unclosed tag 'ListBucketResult'/],
      [() => "<html><body>Welcome to nginx!</body></html>", /its root is not a ListBucketResult/],
      [(xml) => xml.replace("<?xml", '<!DOCTYPE r [<!ENTITY k "perimeter">]><?xml'), /it declares a DTD or entities, which S3 never sends/],
      [(xml) => xml.replace(`<Key>${key}`, `<Key>&k;${key}`), /is not XML S3 sends \(the entity &k; is not one of XML's own\)/],
      [(xml) => xml.replace(`<Key>${key}</Key>`, `<Key><b>${key}</b></Key>`), /its first Contents has no Key of plain text/],
      [(xml) => xml.replace(/<Contents>.*<\/Contents>/, ""), /it counts 1 keys and lists none/],
      [(xml) => xml.replace("<Name>", "<a><b><c><d><e><f><g><h><i>deep</i></h></g></f></e></d></c></b></a><Name>"), /is not XML S3 sends/],
    ];
    for (const [rewrite, why] of cases) {
      s3.rewriteListing = rewrite;
      const text = await refusal(s3Witness());
      expect(text).toMatch(
        /the audit witness s3:\/\/audit-witness\/perimeter\/audit-witness\/ \(at [^)]+\) answered ListObjectsV2 with what is not an S3 listing: /,
      );
      expect(text).toMatch(why);
    }
    // XML's own entities and character references are decoded, as S3 writes them.
    s3.rewriteListing = (xml) => xml.replace(`<Key>${key}`, `<Key>&#112;erimeter&#x2F;${key.slice("perimeter/".length)}`);
    expect(await verifyAuditLog(store, keys(), { witnesses: [s3Witness()] })).toMatchObject({ ok: true });
  });

  it("its listing names a key outside the prefix first, or one Perimeter does not write", async () => {
    s3.rewriteListing = (xml) => xml.replace(`<Key>${PREFIX}/`, "<Key>elsewhere/");
    expect(await refusal(s3Witness())).toMatch(
      /listed "elsewhere\/\d{20}\.json", a key outside its prefix: the store does not honour ListObjectsV2's prefix, or the answer is not S3's/,
    );
    s3.rewriteListing = undefined;
    s3.put(BUCKET, `${PREFIX}/!latest.json`, s3Text());
    expect(await refusal(s3Witness())).toMatch(
      /lists "perimeter\/audit-witness\/!latest\.json" first, which is not a key Perimeter writes \(perimeter\/audit-witness\/ and 20 digits \.json\): someone put it there/,
    );
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
      /answered ListObjectsV2 with HTTP 403 SignatureDoesNotMatch \(The request signature we calculated does not match the signature you provided\. Check your key and signing method\.\): check the credentials in TEST_WITNESS_KEY_ID and TEST_WITNESS_WRONG_SECRET, the region \(us-east-1\), and that they may list \(s3:ListBucket\) under perimeter\/audit-witness\/ in audit-witness/,
    );
    expect(await refusal(s3Witness({ accessKeyIdEnv: "TEST_WITNESS_UNKNOWN_KEY_ID" }))).toMatch(/HTTP 403 InvalidAccessKeyId/);
    expect(await refusal(s3Witness({ region: "eu-west-1" }))).toMatch(
      /HTTP 400 AuthorizationHeaderMalformed .*: the bucket is in another region or behind another endpoint/,
    );
    s3.failNext(500, "InternalError");
    expect(await refusal(s3Witness())).toMatch(
      /answered ListObjectsV2 with HTTP 500 InternalError \(We encountered an internal error\. Please try again\.\): the storage service failed/,
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
    expect(refused?.message).toMatch(/not recorded: the audit witness s3:\/\/audit-witness\/.* answered ListObjectsV2 with HTTP 403 AccessDenied/);
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
    expect(await refusal(s3Witness())).toMatch(/the audit witness s3:\/\/.* did not answer ListObjectsV2 within 300 ms/);
  });

  it("the same holds for the writer's write: an S3 object is never overwritten, an endpoint that changed since its read is not", async () => {
    // Someone else put another head of 4 events there first: it stays, and the write says why it failed.
    const current = held();
    const origin = env.loaded.config.audit.origin;
    const rival = createSigner(origin, generateKeyPairSync("ed25519").privateKey).sign({ origin, size: 4, root: Buffer.alloc(32, 4) });
    setS3({ ...held(), type: "perimeter-audit-witness", size: 4, root: "04".repeat(32), note: rival.note }, 4);
    const w = s3Witness();
    await expect(w.record({ ...current, size: 4 })).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(
        /already holds another head of 4 events \(perimeter\/audit-witness\/99999999999999999995\.json\), and objects there are written once/,
      ),
    });
    expect(held()).toMatchObject({ size: 4, note: rival.note });
    const h = httpWitness();
    expect(await h.latest()).toMatchObject({ size: 3 });
    setHttp((http.held ?? "").replace(/"recordedAt": "[^"]*"/, '"recordedAt": "2000-01-01T00:00:00.000Z"'));
    await expect(h.record({ ...current, size: 4 })).rejects.toMatchObject({
      code: "AUDIT_WITNESS_FAILED",
      message: expect.stringMatching(/answered PUT with HTTP 412: the witness changed between this host's read and its write/),
    });
    expect(JSON.parse(http.held ?? "{}")).toMatchObject({ size: 3, recordedAt: "2000-01-01T00:00:00.000Z" });
  });

  it("the endpoint refuses to move back (409): an older head, or another of the same size", async () => {
    const three = JSON.parse(http.held ?? "{}") as WitnessedCheckpoint;
    await appendMany(2);
    const five = JSON.parse(http.held ?? "{}") as WitnessedCheckpoint;
    expect(five).toMatchObject({ size: 5 });
    for (const older of [three, { ...five, root: "ab".repeat(32) }]) {
      await expect(httpWitness().record(older)).rejects.toMatchObject({
        code: "AUDIT_WITNESS_FAILED",
        message: expect.stringMatching(
          /the audit witness http:\/\/127\.0\.0\.1:\d+\/witness\/perimeter\.json answered PUT with HTTP 409: the witness refused to move back/,
        ),
      });
    }
    expect(JSON.parse(http.held ?? "{}")).toMatchObject({ size: 5, root: five.root });
  });

  it("a witness that held a head answers none: the writer does not seed it again, `audit witness push` does", async () => {
    expect(held()).toMatchObject({ size: 3 });
    s3.buckets.get(BUCKET)?.clear();
    http.held = undefined;
    await log.append({ actor: "a", action: "test.append", resource: "x", decision: "allow" });
    await log.flush();
    const refused = await log.append({ actor: "a", action: "test.append", resource: "y", decision: "allow" }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(refused?.code).toBe("AUDIT_WITNESS_FAILED");
    for (const name of [/s3:\/\/audit-witness\/perimeter\/audit-witness\/ \(at [^)]+\)/, /http:\/\/127\.0\.0\.1:\d+\/witness\/perimeter\.json/]) {
      expect(refused?.message).toMatch(
        new RegExp(
          `the audit witness ${name.source} holds no head, yet it held one earlier in this process: the witness lost what it held: find out why; \`perimeter audit witness push\` starts it again`,
        ),
      );
    }
    // Neither was filled again behind the operator's back.
    expect(s3.buckets.get(BUCKET)?.size).toBe(0);
    expect(http.held).toBeUndefined();
    const pushed = await pushWitnesses(store, keys(), auditWitnesses(env.loaded));
    expect(pushed?.results.map((r) => r.outcome)).toEqual(["unchanged", "recorded", "recorded"]);
    await log.append({ actor: "a", action: "test.append", resource: "y", decision: "allow" });
    await log.flush();
    expect(held()).toMatchObject({ size: 5 });
    expect(JSON.parse(http.held ?? "{}")).toMatchObject({ size: 5 });
  });
});

describe("the ListObjectsV2 reader", () => {
  it("never throws, whatever it is handed, and takes only a plain first Key", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        const r = firstListedKey(text);
        return r.ok ? r.firstKey === undefined || typeof r.firstKey === "string" : r.why.length > 0;
      }),
      { numRuns: 500 },
    );
    const xmlish = fc.array(
      fc.constantFrom(
        "<ListBucketResult>",
        "</ListBucketResult>",
        "<Contents>",
        "</Contents>",
        "<Key>",
        "</Key>",
        "a/b",
        "&amp;",
        "&#65;",
        "&x;",
        "<![CDATA[k]]>",
        "<KeyCount>1</KeyCount>",
        "<!DOCTYPE x>",
        '<?xml version="1.0"?>',
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(xmlish, (parts) => {
        const r = firstListedKey(parts.join(""));
        return r.ok ? r.firstKey === undefined || r.firstKey.length > 0 : r.why.length > 0;
      }),
      { numRuns: 2000 },
    );
    expect(
      firstListedKey("<ListBucketResult><KeyCount>2</KeyCount><Contents><Key>p/a&amp;b</Key></Contents><Contents><Key>p/c</Key></Contents></ListBucketResult>"),
    ).toEqual({ ok: true, firstKey: "p/a&b" });
    expect(firstListedKey("<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount></ListBucketResult>")).toEqual({ ok: true, firstKey: undefined });
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
    expect(load({ ...s3, endpoint: "https://minio.internal:9000", prefix: "../escape" })).toMatchObject({ code: "CONFIG_INVALID" });
    expect(load({ ...s3, endpoint: "https://minio.internal:9000", prefix: "witness/" })).toMatchObject({ code: "CONFIG_INVALID" });
    expect(load({ ...s3, endpoint: "https://minio.internal:9000", key: "perimeter/audit-witness.json" })).toMatchObject({
      message: expect.stringMatching(/audit\.witnesses\[0\]\.key: renamed to prefix: the witness is now one object per signed head/),
    });
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
