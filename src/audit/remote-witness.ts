import { createHash } from "node:crypto";
import { AwsV4Signer } from "aws4fetch";
import { request } from "undici";
import type { RemoteWitnessConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import { LISTING_MAX_BYTES, firstListedKey } from "./s3-listing.js";
import { parseWitness, witnessJson, type AuditWitness, type WitnessedCheckpoint } from "./witness.js";

// Witnesses on another host: an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2) or a plain HTTP endpoint.
// Whoever takes over this host holds the database and the witness file, and also the credentials that write
// the remote witness: so a remote witness must not be movable back by a write. The bucket gets one object per
// signed head, written once (S3Witness); the endpoint must refuse a head older than the one it holds
// (HttpWitness, and the protocol it documents). Then the newest head stays there, and a rollback of both
// local copies is still caught by `audit verify`.
//
// Both hold the witness file's JSON and hand it back through the same strict parse. Every read is bounded
// (WITNESS_MAX_BYTES, timeoutMs), redirects are not followed, and messages name the witness, the HTTP status
// and what to check, never a credential: those are read from the environment at each request (so a writer
// thread reads its own process.env) and go only into the signature or the Authorization header.

/** More than any witness holds (its note is at most 10,000 characters): a larger answer is not a witness. */
export const WITNESS_MAX_BYTES = 64 * 1024;

export type S3WitnessConfig = Extract<RemoteWitnessConfig, { type: "s3" }>;
export type HttpWitnessConfig = Extract<RemoteWitnessConfig, { type: "http" }>;
type Env = Readonly<Record<string, string | undefined>>;

/** A witness for each remote witness config, reading credentials from `env` when it sends a request. */
export function createRemoteWitness(config: RemoteWitnessConfig, env: Env = process.env): AuditWitness {
  return config.type === "s3" ? new S3Witness(config, env) : new HttpWitness(config, env);
}

interface Answer {
  readonly status: number;
  readonly etag: string | undefined;
  readonly body: string;
}

/** How many bytes an answer may have, and what a larger one is more than. */
interface Limit {
  readonly bytes: number;
  readonly what: string;
}
const ANY_WITNESS: Limit = { bytes: WITNESS_MAX_BYTES, what: "any witness holds" };

/** One request with a deadline for the whole exchange and a bounded body; `op` names it in messages. */
async function send(
  name: string,
  op: string,
  method: "GET" | "PUT",
  url: URL,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  limit: Limit = ANY_WITNESS,
): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  const late = () =>
    new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `the audit witness ${name} did not answer ${op} within ${timeoutMs} ms: check that ${url.host} is up and reachable from this host`,
    );
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { method, headers, body, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    if (signal.aborted) throw late();
    const e = err as NodeJS.ErrnoException;
    throw new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `cannot reach the audit witness ${name} (${op}): ${e.code ?? e.message}; check the address and that ${url.host} accepts connections from this host`,
      { cause: err },
    );
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    const declared = Number(res.headers["content-length"] ?? 0);
    if (declared > limit.bytes) size = declared;
    else
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit.bytes) break;
        parts.push(chunk);
      }
  } catch (err) {
    res.body.destroy();
    if (signal.aborted) throw late();
    throw new PerimeterError("AUDIT_WITNESS_FAILED", `the audit witness ${name} broke off its answer to ${op}: ${(err as Error).message}`, { cause: err });
  }
  if (size > limit.bytes) {
    res.body.destroy();
    throw new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `the audit witness ${name} answered ${op} with HTTP ${res.statusCode} and more than ${limit.bytes / 1024} KB, more than ${limit.what}: check that the address is the witness's`,
    );
  }
  const etag = res.headers["etag"];
  return { status: res.statusCode, etag: typeof etag === "string" ? etag : undefined, body: Buffer.concat(parts).toString("utf8") };
}

/** A variable the config names, or a message saying which one to set. */
function fromEnv(env: Env, variable: string, witness: string, setting: string): string {
  const value = env[variable];
  if (value === undefined || value === "") {
    throw new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `the audit witness ${witness} needs the environment variable ${variable} (${setting}), which is not set in this process's environment`,
    );
  }
  return value;
}

/** Whether two heads are the same one (recordedAt aside: it is when, not what). */
function sameHead(a: WitnessedCheckpoint, b: WitnessedCheckpoint): boolean {
  return a.origin === b.origin && a.size === b.size && a.root === b.root && a.note === b.note;
}

/**
 * A witness read back right after a write must hold that head, or a newer one of the same log (another writer
 * of it, a second server on a shared PostgreSQL, may already have moved it on): this catches a store that
 * does not keep what it is sent, or ignores the write's conditions.
 */
function checkReadBack(name: string, checkpoint: WitnessedCheckpoint, back: WitnessedCheckpoint | undefined): void {
  const movedOn = back !== undefined && back.origin === checkpoint.origin && back.size > checkpoint.size;
  if (back !== undefined && (movedOn || sameHead(back, checkpoint))) return;
  throw new PerimeterError(
    "AUDIT_WITNESS_FAILED",
    `the audit witness ${name} did not hold the head of ${checkpoint.size} events right after it was written${back === undefined ? " (it holds none)" : ` (it holds ${back.size} events)`}: another writer replaced it, or the store does not keep what it is sent. Find out who else writes it`,
  );
}

/** An S3 error document's code and message (both short texts a person can act on, never a key). */
function s3Error(body: string): { code: string | undefined; message: string | undefined } {
  const pick = (tag: string) => {
    const m = new RegExp(`<${tag}>([^<]{1,300})</${tag}>`).exec(body);
    return m?.[1]
      ?.replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&")
      .replace(/[\u0000-\u001f\u007f]/g, " ");
  };
  return { code: pick("Code"), message: pick("Message") };
}

/** 10^20 - 1: a key names `KEY_TOP - size` in 20 digits, so the largest size sorts first. */
const KEY_TOP = 10n ** 20n - 1n;

/** The object that holds the head of `size` events: PREFIX/ and 20 digits, the largest size first in a listing. */
export function s3WitnessKey(prefix: string, size: number): string {
  return `${prefix}/${(KEY_TOP - BigInt(size)).toString().padStart(20, "0")}.json`;
}

/** The size a key under `prefix` names, or undefined when it is not a key S3Witness writes. */
function sizeOfKey(prefix: string, key: string): number | undefined {
  if (!key.startsWith(`${prefix}/`)) return undefined;
  const m = /^(\d{20})\.json$/.exec(key.slice(prefix.length + 1));
  if (m === null) return undefined;
  const size = KEY_TOP - BigInt(m[1] as string);
  return size >= 1n && size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : undefined;
}

/** A key from someone else's answer, fit for a message. */
const quoteKey = (key: string) => JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}...` : key);

type S3Operation = "ListObjectsV2" | "GetObject" | "PutObject";

/**
 * The witness as objects in an S3-compatible bucket, signed with AWS Signature V4 (aws4fetch): one object
 * per signed head, at PREFIX/KEY where KEY is `10^20 - 1 - size` in 20 digits, so that ListObjectsV2 (which
 * lists keys in UTF-8 binary order) names the newest first. Each is written with If-None-Match: * and so never
 * overwritten by this host; latest() lists one key and reads that object, and refuses one whose head is not
 * of the size its key names: overwriting the newest object with an older head (as someone with this host's
 * credentials could, with a plain PUT) is caught, and an older head written under a smaller size's key is
 * never the newest. Moving the witness back then takes deleting objects: deny this host's credentials
 * s3:DeleteObject and s3:DeleteObjectVersion (the README has the policy), and Object Lock in compliance mode
 * keeps even the account's root from it. A lifecycle rule may expire old objects to bound storage, never the
 * newest: expire only after longer than the log can go without a new event.
 */
export class S3Witness implements AuditWitness {
  readonly name: string;
  private readonly prefix: string;
  private readonly base: string;
  private readonly listUrl: URL;

  constructor(
    private readonly config: S3WitnessConfig,
    private readonly env: Env = process.env,
  ) {
    const endpoint = new URL(config.endpoint);
    this.prefix = config.prefix;
    this.base = config.pathStyle ? `${endpoint.origin}/${config.bucket}` : `${endpoint.protocol}//${config.bucket}.${endpoint.host}`;
    this.listUrl = new URL(config.pathStyle ? this.base : `${this.base}/`);
    this.listUrl.search = new URLSearchParams({ "list-type": "2", prefix: `${this.prefix}/`, "max-keys": "1" }).toString();
    this.name = `s3://${config.bucket}/${config.prefix}/ (at ${endpoint.origin})`;
  }

  async latest(): Promise<WitnessedCheckpoint | undefined> {
    const newest = await this.newestKey();
    return newest === undefined ? undefined : this.object(newest.key, newest.size);
  }

  async record(checkpoint: WitnessedCheckpoint): Promise<void> {
    const key = s3WitnessKey(this.prefix, checkpoint.size);
    const body = witnessJson(checkpoint);
    const res = await this.call(
      "PutObject",
      this.objectUrl(key),
      {
        "content-type": "application/json",
        // S3 requires an integrity header on writes to a bucket with Object Lock; Content-MD5 is the one every
        // S3-compatible store checks. The signature covers the body through x-amz-content-sha256.
        "content-md5": createHash("md5").update(body).digest("base64"),
        // Written once: an object already there is kept, whatever it holds.
        "if-none-match": "*",
      },
      body,
    );
    if (res.status === 412) {
      // The object for this size exists: fine when it holds this very head (a write S3 took before its answer
      // was lost, or another writer of this log); anything else stays there as evidence.
      const there = await this.object(key, checkpoint.size);
      if (!sameHead(there, checkpoint)) {
        throw new PerimeterError(
          "AUDIT_WITNESS_FAILED",
          `the audit witness ${this.name} already holds another head of ${checkpoint.size} events (${key}), and objects there are written once: another log shares this prefix, or someone with this host's credentials wrote it. Keep it as evidence and find out who`,
        );
      }
    } else if (res.status !== 200) throw this.failure("PutObject", res);
    checkReadBack(this.name, checkpoint, await this.latest());
  }

  /** The newest object's key and the size it names; undefined when there is none under the prefix. */
  private async newestKey(): Promise<{ key: string; size: number } | undefined> {
    const res = await this.call("ListObjectsV2", this.listUrl, {}, undefined, { bytes: LISTING_MAX_BYTES, what: "a listing of one key holds" });
    if (res.status !== 200) throw this.failure("ListObjectsV2", res);
    const listing = firstListedKey(res.body);
    if (!listing.ok) {
      throw new PerimeterError(
        "AUDIT_WITNESS_FAILED",
        `the audit witness ${this.name} answered ListObjectsV2 with what is not an S3 listing: ${listing.why}. Check that the endpoint is the S3 API (and pathStyle)`,
      );
    }
    if (listing.firstKey === undefined) return undefined;
    const size = sizeOfKey(this.prefix, listing.firstKey);
    if (size === undefined) {
      const outside = !listing.firstKey.startsWith(`${this.prefix}/`);
      throw new PerimeterError(
        "AUDIT_WITNESS_FAILED",
        outside
          ? `the audit witness ${this.name} listed ${quoteKey(listing.firstKey)}, a key outside its prefix: the store does not honour ListObjectsV2's prefix, or the answer is not S3's. Use a store that does`
          : `the audit witness ${this.name} lists ${quoteKey(listing.firstKey)} first, which is not a key Perimeter writes (${this.prefix}/ and 20 digits .json): someone put it there; keep it as evidence, find out who, and keep the prefix for the witness alone`,
      );
    }
    return { key: listing.firstKey, size };
  }

  /** The head in the object at `key`, which must be of the size the key names. */
  private async object(key: string, size: number): Promise<WitnessedCheckpoint> {
    const res = await this.call("GetObject", this.objectUrl(key), {}, undefined);
    if (res.status === 404 && s3Error(res.body).code === "NoSuchKey") {
      throw new PerimeterError(
        "AUDIT_WITNESS_FAILED",
        `the audit witness ${this.name} listed ${key} and then had no such object: it was deleted meanwhile. Nothing should delete the witness's objects: find out who did (the README says which permissions to deny)`,
      );
    }
    if (res.status !== 200) throw this.failure("GetObject", res);
    const held = parseWitness(res.body, `${this.name}, object ${key},`);
    // The note's own size line (its signature is checked by checkWitnessed, against the trusted keys).
    const signedSize = held.note.split("\n")[1];
    if (held.size !== size || signedSize !== String(size)) {
      const older = held.size < size && signedSize === String(held.size);
      throw new PerimeterError(
        "AUDIT_WITNESS_FAILED",
        `the audit witness ${this.name} was edited: its object ${key} is the one for the head of ${size} events, but holds ${held.size === size ? "a note of another size" : `a head of ${held.size} events`}${older ? `: someone overwrote it with an older head, as one would to hide a rollback of the log to ${held.size} events` : ""}. Keep the bucket's objects (and their versions) as evidence and find out who wrote it`,
      );
    }
    return held;
  }

  private objectUrl(key: string): URL {
    return new URL(`${this.base}/${key.split("/").map(encodeURIComponent).join("/")}`);
  }

  private async call(op: S3Operation, url: URL, headers: Record<string, string>, body: string | undefined, limit: Limit = ANY_WITNESS): Promise<Answer> {
    const c = this.config;
    const method = op === "PutObject" ? "PUT" : "GET";
    const accessKeyId = fromEnv(this.env, c.accessKeyIdEnv, this.name, "accessKeyIdEnv");
    const secretAccessKey = fromEnv(this.env, c.secretAccessKeyEnv, this.name, "secretAccessKeyEnv");
    const sessionToken = c.sessionTokenEnv === undefined ? undefined : fromEnv(this.env, c.sessionTokenEnv, this.name, "sessionTokenEnv");
    // The payload's hash is signed (not UNSIGNED-PAYLOAD): a store cannot be handed other bytes than these.
    const payloadHash = createHash("sha256")
      .update(body ?? "")
      .digest("hex");
    let signed: Awaited<ReturnType<AwsV4Signer["sign"]>>;
    try {
      signed = await new AwsV4Signer({
        method,
        url: url.href,
        headers: { ...headers, "x-amz-content-sha256": payloadHash },
        body: body ?? null,
        accessKeyId,
        secretAccessKey,
        ...(sessionToken === undefined ? {} : { sessionToken }),
        service: "s3",
        region: c.region,
      }).sign();
    } catch (err) {
      // Its message is the library's own (never the key); the cause is kept for a debug trace.
      throw new PerimeterError("AUDIT_WITNESS_FAILED", `cannot sign the request to the audit witness ${this.name}: ${(err as Error).message}`, { cause: err });
    }
    const sent: Record<string, string> = {};
    signed.headers.forEach((value, key) => {
      sent[key] = value;
    });
    return send(this.name, op, method, signed.url, sent, body, c.timeoutMs, limit);
  }

  private failure(op: S3Operation, res: Answer): PerimeterError {
    const c = this.config;
    const { code, message } = s3Error(res.body);
    const what = `the audit witness ${this.name} answered ${op} with HTTP ${res.status}${code === undefined ? "" : ` ${code}`}${message === undefined ? "" : ` (${message})`}`;
    const credentials = `${c.accessKeyIdEnv} and ${c.secretAccessKeyEnv}${c.sessionTokenEnv === undefined ? "" : ` and ${c.sessionTokenEnv}`}`;
    const may = { ListObjectsV2: "list (s3:ListBucket)", GetObject: "read (s3:GetObject)", PutObject: "write (s3:PutObject)" }[op];
    let hint: string;
    if (res.status === 409) hint = "another write of the same object was under way (another writer?); the next write tries again";
    else if (res.status === 403 || res.status === 401)
      hint = `check the credentials in ${credentials}, the region (${c.region}), and that they may ${may} under ${c.prefix}/ in ${c.bucket}`;
    else if (res.status === 404) hint = `check that the bucket ${c.bucket} exists at ${new URL(c.endpoint).origin} (and pathStyle)`;
    else if (res.status === 301 || res.status === 307 || code === "AuthorizationHeaderMalformed")
      hint = "the bucket is in another region or behind another endpoint: check region, endpoint and pathStyle";
    else if (res.status === 501)
      hint =
        op === "PutObject"
          ? "the store does not support conditional writes (If-None-Match: *); use one that does"
          : "the store does not support ListObjectsV2; use one that does";
    else if (res.status >= 500) hint = "the storage service failed; if it keeps failing, check its health";
    else hint = "check the endpoint, bucket and prefix in audit.witnesses";
    return new PerimeterError("AUDIT_WITNESS_FAILED", `${what}: ${hint}`);
  }
}

/**
 * The witness as an HTTP resource. The protocol, for whoever runs the endpoint:
 *
 * - GET answers 200 with the witness JSON of the newest head it holds (what witnessJson writes), or 404 while
 *   it holds none. It may send an ETag.
 * - PUT carries the witness JSON of a new head; any 2xx means it is stored. It is append-only: it refuses with
 *   409 a head whose size is smaller than the one it holds, or equal to it with another root, so that whoever
 *   holds this host's token cannot move it back. It honours If-Match / If-None-Match on its ETag (412).
 * - It never answers 404 again once it has held a head: losing a head is a failure, not a fresh start.
 *
 * Perimeter cannot force a remote server to be honest: one that takes an older head is only as good as the
 * secrecy of its token. Writes are conditional on the ETag the read before them returned (If-None-Match: *
 * when it held none), and read back, which also catches an endpoint that ignores the conditions.
 */
export class HttpWitness implements AuditWitness {
  readonly name: string;
  private readonly url: URL;
  /** The ETag the last read returned, for the next write (undefined: it held none); one write per read. */
  private read: { readonly etag: string | undefined } | undefined;

  constructor(
    private readonly config: HttpWitnessConfig,
    private readonly env: Env = process.env,
  ) {
    this.url = new URL(config.url);
    // Named without its query, in case someone put a secret there after all.
    this.name = `${this.url.origin}${this.url.pathname}`;
  }

  async latest(): Promise<WitnessedCheckpoint | undefined> {
    const res = await this.call("GET", { accept: "application/json" }, undefined);
    if (res.status !== 200 && res.status !== 404) throw this.failure("GET", res.status);
    this.read = { etag: res.status === 200 ? res.etag : undefined };
    return res.status === 404 ? undefined : parseWitness(res.body, this.name);
  }

  async record(checkpoint: WitnessedCheckpoint): Promise<void> {
    if (this.read === undefined) await this.latest();
    const etag = this.read?.etag;
    this.read = undefined;
    const condition: Record<string, string> = etag === undefined ? { "if-none-match": "*" } : { "if-match": etag };
    const res = await this.call("PUT", { "content-type": "application/json", ...condition }, witnessJson(checkpoint));
    if (res.status < 200 || res.status > 299) throw this.failure("PUT", res.status);
    checkReadBack(this.name, checkpoint, await this.latest());
  }

  private call(method: "GET" | "PUT", headers: Record<string, string>, body: string | undefined): Promise<Answer> {
    const tokenEnv = this.config.tokenEnv;
    const auth: Record<string, string> = tokenEnv === undefined ? {} : { authorization: `Bearer ${fromEnv(this.env, tokenEnv, this.name, "tokenEnv")}` };
    return send(this.name, method, method, this.url, { ...headers, ...auth }, body, this.config.timeoutMs);
  }

  private failure(method: "GET" | "PUT", status: number): PerimeterError {
    const tokenEnv = this.config.tokenEnv;
    let hint: string;
    if (status === 401 || status === 403)
      hint =
        tokenEnv === undefined
          ? "it wants credentials: set tokenEnv to the environment variable holding its bearer token"
          : `check the bearer token in ${tokenEnv} and that it may ${method === "GET" ? "read" : "write"} the witness`;
    else if (status === 409 && method === "PUT")
      hint =
        "the witness refused to move back: it holds a newer head than this one, or another head of the same size. Run `perimeter audit verify` to see which";
    else if (status === 412 || status === 409)
      hint = "the witness changed between this host's read and its write (another writer?); the next write reads it again";
    else if (status >= 300 && status < 400) hint = "witnesses do not follow redirects: configure the URL it redirects to";
    else if (status >= 500) hint = "the endpoint failed; if it keeps failing, check its health";
    else hint = "check that the URL is an audit witness endpoint (GET answers the witness JSON or 404, PUT stores a newer head)";
    return new PerimeterError("AUDIT_WITNESS_FAILED", `the audit witness ${this.name} answered ${method} with HTTP ${status}: ${hint}`);
  }
}
