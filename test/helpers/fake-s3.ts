import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// An S3-compatible object store for tests, on 127.0.0.1: the path-style GetObject, HeadObject, PutObject and
// ListObjectsV2 API with ETags, conditional requests (If-Match, If-None-Match) and S3's XML answers and errors.
// Every request's AWS Signature V4 is checked here with node:crypto, from the AWS specification, not with the
// library the client signs with: a client that signs wrongly is refused with 403 SignatureDoesNotMatch as S3
// refuses it.
// (Debian 12 packages no S3 server that runs without a cluster: radosgw needs a Ceph cluster behind it.)

export interface FakeS3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface FakeS3Object {
  body: Buffer;
  etag: string;
  lastModified?: Date;
}

export interface FakeS3Request {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly status: number;
  readonly code?: string;
}

export interface FakeS3 {
  readonly endpoint: string;
  readonly region: string;
  /** bucket → key → object. Tests edit it as someone with write access to the bucket would. */
  readonly buckets: Map<string, Map<string, FakeS3Object>>;
  readonly requests: FakeS3Request[];
  /** Answer the next `count` requests (after checking their signature) with this status and S3 error code. */
  failNext(status: number, code: string, count?: number): void;
  /** Hold each answer this long (a store that hangs). */
  delayMs: number;
  /** Change each ListObjectsV2 answer's XML before it is sent (a store, or someone on the path, that lies). */
  rewriteListing: ((xml: string) => string) | undefined;
  /** Put an object as another writer would (a new ETag). */
  put(bucket: string, key: string, body: string): void;
  close(): Promise<void>;
}

/** AWS's UriEncode: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded in upper case; "/" kept in paths. */
function uriEncode(text: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function xmlError(code: string, message: string, extra: Record<string, string> = {}): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${esc(v)}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc(message)}</Message>${fields}<RequestId>4442587FB7D0A2F9</RequestId><HostId>fake</HostId></Error>`;
}

class S3Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Check an Authorization: AWS4-HMAC-SHA256 header against the request, as S3 does. */
function checkSignature(req: IncomingMessage, body: Buffer, credentials: readonly FakeS3Credentials[], region: string): void {
  const auth = req.headers["authorization"];
  if (auth === undefined) throw new S3Refusal(403, "AccessDenied", "Access Denied");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
    auth,
  );
  if (m === null) throw new S3Refusal(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.");
  const [, accessKeyId, date, scopeRegion, signedHeaderList, signature] = m as unknown as [string, string, string, string, string, string];
  const creds = credentials.find((c) => c.accessKeyId === accessKeyId);
  if (creds === undefined) throw new S3Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
  if (scopeRegion !== region) {
    throw new S3Refusal(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`,
      {
        Region: region,
      },
    );
  }
  const amzDate = req.headers["x-amz-date"];
  if (typeof amzDate !== "string" || !/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) {
    throw new S3Refusal(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  }
  const when = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(Date.now() - when) > 15 * 60_000)
    throw new S3Refusal(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
  const signed = signedHeaderList.split(";");
  for (const required of ["host", "x-amz-content-sha256", "x-amz-date"]) {
    if (!signed.includes(required)) throw new S3Refusal(403, "AccessDenied", `There were headers present in the request which were not signed: ${required}`);
  }
  // Every x-amz-* header and Content-MD5 present must be signed, as S3 requires.
  for (const name of Object.keys(req.headers)) {
    if ((name.startsWith("x-amz-") || name === "content-md5") && !signed.includes(name)) {
      throw new S3Refusal(403, "AccessDenied", `There were headers present in the request which were not signed: ${name}`);
    }
  }
  const token = req.headers["x-amz-security-token"];
  if (creds.sessionToken !== undefined && token !== creds.sessionToken)
    throw new S3Refusal(403, "InvalidToken", "The provided token is malformed or otherwise invalid.");
  const payloadHash = req.headers["x-amz-content-sha256"];
  if (typeof payloadHash !== "string") throw new S3Refusal(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== createHash("sha256").update(body).digest("hex")) {
    throw new S3Refusal(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const url = new URL(req.url ?? "/", "http://placeholder");
  const canonicalUri = uriEncode(decodeURIComponent(url.pathname), true);
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signed
    .map((name) => {
      const value = req.headers[name];
      const text = Array.isArray(value) ? value.join(",") : (value ?? "");
      return `${name}:${text.trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const canonicalRequest = [req.method ?? "GET", canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, payloadHash].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date), region), "s3"), "aws4_request");
  const expected = createHmac("sha256", signingKey).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    throw new S3Refusal(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      {
        AWSAccessKeyId: accessKeyId,
        StringToSign: stringToSign,
        SignatureProvided: signature,
        CanonicalRequest: canonicalRequest,
      },
    );
  }
}

/** Does an If-Match / If-None-Match list (or *) match this ETag (undefined: no object)? */
function matches(header: string, etag: string | undefined): boolean {
  if (etag === undefined) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * GET /BUCKET?list-type=2 as S3 answers it: keys in UTF-8 binary order, those that begin with `prefix`, after
 * `start-after` and the continuation token, at most `max-keys` (default and most 1000), with KeyCount,
 * IsTruncated and NextContinuationToken. Delimiters and ListObjects (V1) are not implemented here.
 */
function listObjectsV2(name: string, bucket: Map<string, FakeS3Object>, query: URLSearchParams): string {
  if (query.get("list-type") !== "2") throw new S3Refusal(501, "NotImplemented", "This fake implements ListObjectsV2 only (list-type=2)");
  if (query.has("delimiter")) throw new S3Refusal(501, "NotImplemented", "This fake does not implement delimiters");
  const prefix = query.get("prefix") ?? "";
  const maxText = query.get("max-keys");
  if (maxText !== null && !/^\d{1,10}$/.test(maxText)) throw new S3Refusal(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
  const maxKeys = Math.min(1000, maxText === null ? 1000 : Number(maxText));
  const startAfter = query.get("start-after") ?? "";
  const token = query.get("continuation-token");
  let after = startAfter;
  if (token !== null) {
    const decoded = Buffer.from(token, "base64url").toString("utf8");
    if (token === "" || !decoded.startsWith("fake:")) throw new S3Refusal(400, "InvalidArgument", "The continuation token provided is incorrect");
    after = decoded.slice("fake:".length);
  }
  const bytes = (k: string) => Buffer.from(k, "utf8");
  const matching = [...bucket.keys()]
    .filter((k) => k.startsWith(prefix) && Buffer.compare(bytes(k), bytes(after)) > 0)
    .sort((a, b) => Buffer.compare(bytes(a), bytes(b)));
  const page = matching.slice(0, maxKeys);
  const truncated = matching.length > page.length;
  const last = page[page.length - 1];
  const contents = page
    .map((k) => {
      const o = bucket.get(k) as FakeS3Object;
      return `<Contents><Key>${xmlText(k)}</Key><LastModified>${(o.lastModified ?? new Date()).toISOString()}</LastModified><ETag>${xmlText(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    })
    .join("");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${xmlText(name)}</Name><Prefix>${xmlText(prefix)}</Prefix>`,
    startAfter === "" ? "" : `<StartAfter>${xmlText(startAfter)}</StartAfter>`,
    token === null ? "" : `<ContinuationToken>${xmlText(token)}</ContinuationToken>`,
    `<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>`,
    truncated && last !== undefined ? `<NextContinuationToken>${Buffer.from(`fake:${last}`).toString("base64url")}</NextContinuationToken>` : "",
    contents,
    "</ListBucketResult>",
  ].join("");
}

export async function startFakeS3(options: { credentials: readonly FakeS3Credentials[]; buckets: readonly string[]; region?: string }): Promise<FakeS3> {
  const region = options.region ?? "us-east-1";
  const buckets = new Map(options.buckets.map((b) => [b, new Map<string, FakeS3Object>()]));
  const requests: FakeS3Request[] = [];
  let failures: { status: number; code: string; count: number } | undefined;

  const handle = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const answer = (status: number, headers: Record<string, string>, payload?: Buffer | string, code?: string) => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, status, ...(code === undefined ? {} : { code }) });
      const send = () => {
        res.writeHead(status, { "x-amz-request-id": "4442587FB7D0A2F9", ...headers });
        res.end(req.method === "HEAD" ? undefined : payload);
      };
      if (fake.delayMs > 0) setTimeout(send, fake.delayMs).unref();
      else send();
    };
    const refuse = (r: S3Refusal) => answer(r.status, { "content-type": "application/xml" }, xmlError(r.code, r.message, r.extra), r.code);
    try {
      checkSignature(req, body, options.credentials, region);
      if (failures !== undefined && failures.count > 0) {
        failures.count -= 1;
        const f = failures;
        throw new S3Refusal(f.status, f.code, f.code === "InternalError" ? "We encountered an internal error. Please try again." : "Access Denied");
      }
      const url = new URL(req.url ?? "/", "http://placeholder");
      const path = decodeURIComponent(url.pathname);
      const slash = path.indexOf("/", 1);
      const bucketName = slash < 0 ? path.slice(1) : path.slice(1, slash);
      const key = slash < 0 ? "" : path.slice(slash + 1);
      const bucket = buckets.get(bucketName);
      if (bucket === undefined) throw new S3Refusal(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucketName });
      if (key === "") {
        if (req.method !== "GET") throw new S3Refusal(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
        const xml = listObjectsV2(bucketName, bucket, url.searchParams);
        return answer(200, { "content-type": "application/xml" }, fake.rewriteListing === undefined ? xml : fake.rewriteListing(xml));
      }
      const current = bucket.get(key);
      const ifMatch = req.headers["if-match"];
      const ifNoneMatch = req.headers["if-none-match"];
      if (req.method === "GET" || req.method === "HEAD") {
        if (current === undefined) throw new S3Refusal(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
        if (ifMatch !== undefined && !matches(ifMatch, current.etag))
          throw new S3Refusal(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-Match" });
        if (ifNoneMatch !== undefined && matches(ifNoneMatch, current.etag)) return answer(304, { etag: current.etag });
        return answer(
          200,
          { etag: current.etag, "content-type": "application/json", "content-length": String(current.body.length), "last-modified": new Date().toUTCString() },
          current.body,
        );
      }
      if (req.method === "PUT") {
        const md5 = req.headers["content-md5"];
        if (md5 !== undefined && md5 !== createHash("md5").update(body).digest("base64")) {
          throw new S3Refusal(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        }
        if (ifMatch !== undefined && (current === undefined || !matches(ifMatch, current.etag))) {
          if (current === undefined) throw new S3Refusal(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
          throw new S3Refusal(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-Match" });
        }
        if (ifNoneMatch !== undefined && (ifNoneMatch.trim() !== "*" || current !== undefined)) {
          throw new S3Refusal(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-None-Match" });
        }
        const etag = `"${createHash("md5").update(body).digest("hex")}"`;
        bucket.set(key, { body, etag, lastModified: new Date() });
        return answer(200, { etag, "content-length": "0" });
      }
      throw new S3Refusal(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    } catch (err) {
      if (err instanceof S3Refusal) return refuse(err);
      return refuse(new S3Refusal(500, "InternalError", (err as Error).message));
    }
  };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => handle(req, Buffer.concat(parts), res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const fake: FakeS3 = {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    buckets,
    requests,
    delayMs: 0,
    rewriteListing: undefined,
    failNext(status, code, count = 1) {
      failures = { status, code, count };
    },
    put(bucket, key, body) {
      const b = Buffer.from(body);
      buckets.get(bucket)?.set(key, { body: b, etag: `"${createHash("md5").update(b).digest("hex")}"`, lastModified: new Date() });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
