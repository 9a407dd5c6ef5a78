import { createHash } from "node:crypto";
import { AwsV4Signer } from "aws4fetch";
import { request } from "undici";
import type { RemoteWitnessConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import { parseWitness, witnessJson, type AuditWitness, type WitnessedCheckpoint } from "./witness.js";

// Witnesses on another host: an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2) or a plain HTTP endpoint.
// Whoever takes over this host holds the database and the witness file, but not the remote store: the head
// it last took stays there, so a rollback of both local copies is still caught by `audit verify`.
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

/** One request with a deadline for the whole exchange and a bounded body. */
async function send(
  name: string,
  method: "GET" | "PUT",
  url: URL,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  const late = () =>
    new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `the audit witness ${name} did not answer ${method} within ${timeoutMs} ms: check that ${url.host} is up and reachable from this host`,
    );
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { method, headers, body, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    if (signal.aborted) throw late();
    const e = err as NodeJS.ErrnoException;
    throw new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `cannot reach the audit witness ${name} (${method}): ${e.code ?? e.message}; check the address and that ${url.host} accepts connections from this host`,
      { cause: err },
    );
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    const declared = Number(res.headers["content-length"] ?? 0);
    if (declared > WITNESS_MAX_BYTES) size = declared;
    else
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > WITNESS_MAX_BYTES) break;
        parts.push(chunk);
      }
  } catch (err) {
    res.body.destroy();
    if (signal.aborted) throw late();
    throw new PerimeterError("AUDIT_WITNESS_FAILED", `the audit witness ${name} broke off its answer to ${method}: ${(err as Error).message}`, { cause: err });
  }
  if (size > WITNESS_MAX_BYTES) {
    res.body.destroy();
    throw new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `the audit witness ${name} answered ${method} with HTTP ${res.statusCode} and more than ${WITNESS_MAX_BYTES / 1024} KB, more than any witness holds: check that the address is the witness's`,
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

/** What a witness's last read saw: the ETag to make the next write conditional on (undefined: it held none). */
interface Read {
  readonly etag: string | undefined;
}

/**
 * Each write is conditional on the read before it, so two writers (two hosts, or a host and an attacker's
 * script) cannot both replace the same head unseen: If-Match on the ETag that read returned, or
 * If-None-Match: * when it held none. A write that loses is refused (412) and tried again on the next commit
 * from a fresh read. The witness is then read back, which also catches a store that ignores the conditions.
 */
abstract class ConditionalWitness implements AuditWitness {
  abstract readonly name: string;
  private read: Read | undefined;

  protected abstract get(): Promise<{ held: string | undefined; etag: string | undefined }>;
  protected abstract put(body: string, condition: Record<string, string>): Promise<void>;

  async latest(): Promise<WitnessedCheckpoint | undefined> {
    const { held, etag } = await this.get();
    this.read = { etag };
    return held === undefined ? undefined : parseWitness(held, this.name);
  }

  async record(checkpoint: WitnessedCheckpoint): Promise<void> {
    if (this.read === undefined) await this.latest();
    const etag = this.read?.etag;
    // One write per read: a second write would be conditional on what this one replaced.
    this.read = undefined;
    await this.put(witnessJson(checkpoint), etag === undefined ? { "if-none-match": "*" } : { "if-match": etag });
    const back = await this.latest();
    // Another writer of the same log (a second server on a shared PostgreSQL) may already have moved it on.
    const movedOn = back !== undefined && back.origin === checkpoint.origin && back.size > checkpoint.size;
    const same =
      back !== undefined &&
      back.origin === checkpoint.origin &&
      back.size === checkpoint.size &&
      back.root === checkpoint.root &&
      back.note === checkpoint.note;
    if (!same && !movedOn) {
      throw new PerimeterError(
        "AUDIT_WITNESS_FAILED",
        `the audit witness ${this.name} did not hold the head of ${checkpoint.size} events right after it was written${back === undefined ? " (it holds none)" : ` (it holds ${back.size} events)`}: another writer replaced it, or the store does not keep what it is sent. Find out who else writes it`,
      );
    }
  }
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

/**
 * The witness as an object in an S3-compatible bucket, signed with AWS Signature V4 (aws4fetch). Grant this
 * host's credentials only s3:GetObject and s3:PutObject on the one key. With versioning on, every head
 * written stays as a version, so an overwrite with an older head (by someone holding these credentials) leaves
 * the newer one in the bucket's history; with Object Lock in compliance mode those versions cannot be deleted
 * before their retention ends, not even by the account's root: then nobody who took this host can make the
 * bucket forget how far the log got. Without them, the witness is as good as the secrecy of its credentials.
 */
export class S3Witness extends ConditionalWitness {
  readonly name: string;
  private readonly url: URL;

  constructor(
    private readonly config: S3WitnessConfig,
    private readonly env: Env = process.env,
  ) {
    super();
    const endpoint = new URL(config.endpoint);
    const path = config.key.split("/").map(encodeURIComponent).join("/");
    this.url = config.pathStyle
      ? new URL(`${endpoint.origin}/${config.bucket}/${path}`)
      : new URL(`${endpoint.protocol}//${config.bucket}.${endpoint.host}/${path}`);
    this.name = `s3://${config.bucket}/${config.key} (at ${endpoint.origin})`;
  }

  protected async get(): Promise<{ held: string | undefined; etag: string | undefined }> {
    const res = await this.call("GET", {}, undefined);
    if (res.status === 200) return { held: res.body, etag: res.etag };
    // Only NoSuchKey means "none yet": a 404 for a missing bucket or from some other server is a misconfiguration.
    if (res.status === 404 && s3Error(res.body).code === "NoSuchKey") return { held: undefined, etag: undefined };
    throw this.failure("GET", res);
  }

  protected async put(body: string, condition: Record<string, string>): Promise<void> {
    const res = await this.call(
      "PUT",
      {
        "content-type": "application/json",
        // S3 requires an integrity header on writes to a bucket with Object Lock; Content-MD5 is the one every
        // S3-compatible store checks. The signature covers the body through x-amz-content-sha256.
        "content-md5": createHash("md5").update(body).digest("base64"),
        ...condition,
      },
      body,
    );
    if (res.status !== 200) throw this.failure("PUT", res);
  }

  private async call(method: "GET" | "PUT", headers: Record<string, string>, body: string | undefined): Promise<Answer> {
    const c = this.config;
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
        url: this.url.href,
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
    return send(this.name, method, this.url, sent, body, c.timeoutMs);
  }

  private failure(method: "GET" | "PUT", res: Answer): PerimeterError {
    const c = this.config;
    const { code, message } = s3Error(res.body);
    const what = `the audit witness ${this.name} answered ${method} with HTTP ${res.status}${code === undefined ? "" : ` ${code}`}${message === undefined ? "" : ` (${message})`}`;
    const credentials = `${c.accessKeyIdEnv} and ${c.secretAccessKeyEnv}${c.sessionTokenEnv === undefined ? "" : ` and ${c.sessionTokenEnv}`}`;
    let hint: string;
    if (res.status === 412 || res.status === 409)
      hint = "the object changed between this host's read and its write (another writer?); the next write reads it again";
    else if (res.status === 403 || res.status === 401)
      hint = `check the credentials in ${credentials}, the region (${c.region}), and that they may ${method === "GET" ? "read (s3:GetObject)" : "write (s3:PutObject)"} ${c.key} in ${c.bucket}`;
    else if (res.status === 404) hint = `check that the bucket ${c.bucket} exists at ${new URL(c.endpoint).origin} (and pathStyle)`;
    else if (res.status === 301 || res.status === 307 || code === "AuthorizationHeaderMalformed")
      hint = "the bucket is in another region or behind another endpoint: check region, endpoint and pathStyle";
    else if (res.status === 501) hint = "the store does not support conditional writes (If-Match, If-None-Match); use one that does";
    else if (res.status >= 500) hint = "the storage service failed; if it keeps failing, check its health";
    else hint = "check the endpoint, bucket and key in audit.witnesses";
    return new PerimeterError("AUDIT_WITNESS_FAILED", `${what}: ${hint}`);
  }
}

/**
 * The witness as an HTTP resource: GET answers the witness JSON (404: none yet), PUT replaces it (any 2xx).
 * The conditions use the ETag the endpoint sends, if it sends one; one that ignores them still gets read back.
 */
export class HttpWitness extends ConditionalWitness {
  readonly name: string;
  private readonly url: URL;

  constructor(
    private readonly config: HttpWitnessConfig,
    private readonly env: Env = process.env,
  ) {
    super();
    this.url = new URL(config.url);
    // Named without its query, in case someone put a secret there after all.
    this.name = `${this.url.origin}${this.url.pathname}`;
  }

  protected async get(): Promise<{ held: string | undefined; etag: string | undefined }> {
    const res = await this.call("GET", { accept: "application/json" }, undefined);
    if (res.status === 200) return { held: res.body, etag: res.etag };
    if (res.status === 404) return { held: undefined, etag: undefined };
    throw this.failure("GET", res.status);
  }

  protected async put(body: string, condition: Record<string, string>): Promise<void> {
    const res = await this.call("PUT", { "content-type": "application/json", ...condition }, body);
    if (res.status < 200 || res.status > 299) throw this.failure("PUT", res.status);
  }

  private call(method: "GET" | "PUT", headers: Record<string, string>, body: string | undefined): Promise<Answer> {
    const tokenEnv = this.config.tokenEnv;
    const auth: Record<string, string> = tokenEnv === undefined ? {} : { authorization: `Bearer ${fromEnv(this.env, tokenEnv, this.name, "tokenEnv")}` };
    return send(this.name, method, this.url, { ...headers, ...auth }, body, this.config.timeoutMs);
  }

  private failure(method: "GET" | "PUT", status: number): PerimeterError {
    const tokenEnv = this.config.tokenEnv;
    let hint: string;
    if (status === 401 || status === 403)
      hint =
        tokenEnv === undefined
          ? "it wants credentials: set tokenEnv to the environment variable holding its bearer token"
          : `check the bearer token in ${tokenEnv} and that it may ${method === "GET" ? "read" : "write"} the witness`;
    else if (status === 412 || status === 409)
      hint = "the witness changed between this host's read and its write (another writer?); the next write reads it again";
    else if (status >= 300 && status < 400) hint = "witnesses do not follow redirects: configure the URL it redirects to";
    else if (status >= 500) hint = "the endpoint failed; if it keeps failing, check its health";
    else hint = "check that the URL is an audit witness endpoint (GET answers the witness JSON or 404, PUT stores it)";
    return new PerimeterError("AUDIT_WITNESS_FAILED", `the audit witness ${this.name} answered ${method} with HTTP ${status}: ${hint}`);
  }
}
