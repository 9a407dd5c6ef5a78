import { createHash, createPublicKey, randomFillSync, sign, type KeyObject } from "node:crypto";
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { canonicalJson } from "../audit/canonical.js";
import { loadOrCreateSigningKey } from "../audit/checkpoint.js";
import { PerimeterError } from "../errors.js";

// Per-call credentials. For every allowed tool call Perimeter mints a JWT bound to one tool server (aud), one
// tool (purpose) and the call's arguments (args, a digest), good for a minute and for one use, and sends it
// instead of the agent's own credential: a token that leaks from a tool server buys that call on that server,
// nothing more. Tool servers verify it against /.well-known/jwks.json; CallTokenVerifier is the reference
// verifier. exchangeToken (RFC 8693) lets a tool server that must call another on the caller's behalf trade
// its token for one to that server: same subject, purpose and arguments, never longer-lived.

/** The only signature algorithm minted or accepted: Ed25519, as JOSE has long named it (RFC 8037). */
export const CALL_TOKEN_ALG = "EdDSA";
export const DEFAULT_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 3600;
/** Far larger than any token Perimeter mints (about 600 bytes); bounds the work done on garbage. */
export const MAX_CALL_TOKEN_LENGTH = 8 * 1024;
/** How many hops an exchanged token may have travelled (act nesting): a chain longer than this is a loop or an abuse. */
export const MAX_DELEGATION_DEPTH = 4;
/** The purpose of the token Perimeter opens its own MCP sessions with: traffic that is not a tool call. */
export const SESSION_PURPOSE = "mcp:session";
/** Purposes that are Perimeter's own, not a tool's (tool purposes are `server__tool`): never exchanged. */
const RESERVED_PURPOSE_PREFIX = "mcp:";
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
const DEFAULT_REPLAY_CACHE_SIZE = 100_000;
const MAX_NAME_LENGTH = 1024;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** 128 random bits, base64url. */
const JTI_SHAPE = /^[A-Za-z0-9_-]{22}$/;
/** SHA-256, base64url: argument digests and RFC 7638 thumbprints (kid). */
const SHA256_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** Our tokens carry these header members and no other: no crit, no embedded jwk, no jku/x5u to fetch keys from. */
const HEADER_MEMBERS = new Set(["alg", "kid", "typ"]);
// typ stays the plain "JWT" that every library accepts (Spring's and Nimbus' refuse others by default). Explicit
// typing guards against confusing one kind of JWT for another under one key; this key signs call tokens only.
const TOKEN_TYPE = "JWT";
const REQUIRED_CLAIMS = ["iss", "sub", "aud", "purpose", "jti", "iat", "exp"];

/** One hop of a delegation chain (RFC 8693 §4.1): who acts for the subject; `act` nests the earlier hops. */
export interface CallTokenActor {
  readonly sub: string;
  readonly act?: CallTokenActor;
}

/** The claims of a per-call credential. */
export interface CallTokenClaims {
  readonly iss: string;
  /** The calling identity's id. */
  readonly sub: string;
  /** The tool server's name: exactly one audience. */
  readonly aud: string;
  /** The tool (`files__read_file`), or SESSION_PURPOSE for a session's non-call traffic. */
  readonly purpose: string;
  /** argumentsDigest of the call's arguments. */
  readonly args?: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** Set on exchanged tokens: the tool server that exchanged it, and the earlier hops. */
  readonly act?: CallTokenActor;
  /** The calling identity's name, for the tool server's logs; sub is what identifies. */
  readonly identity_name?: string;
}

/** Which check refused a token: a closed union callers (and tests) can switch on, in PerimeterError.details.check. */
export type CallTokenCheck =
  | "format"
  | "header"
  | "alg"
  | "kid"
  | "keys"
  | "signature"
  | "issuer"
  | "audience"
  | "expired"
  | "not-yet-valid"
  | "lifetime"
  | "claims"
  | "purpose"
  | "arguments"
  | "replay"
  | "replay-cache-full";

function refuse(check: CallTokenCheck, message: string, cause?: unknown): PerimeterError {
  return new PerimeterError("TOOL_TOKEN_INVALID", message, { cause, details: { check } });
}

/** base64url(SHA-256(RFC 8785 canonical JSON of the arguments)): key order and number spelling do not change it. */
export function argumentsDigest(args: unknown): string {
  let text: string;
  try {
    text = canonicalJson(args ?? {});
  } catch (err) {
    throw new PerimeterError("USAGE", `the tool call's arguments cannot be written as JSON (${(err as Error).message}): send plain JSON arguments`, {
      cause: err,
    });
  }
  return createHash("sha256").update(text).digest("base64url");
}

// jti: 128 random bits a call. Filling a pool once and slicing it costs a fraction of a microsecond where one
// randomBytes(16) per token costs several (measured): mint runs on every tool call.
const jtiPool = Buffer.alloc(16 * 512);
let jtiOffset = jtiPool.length;
function newJti(): string {
  if (jtiOffset === jtiPool.length) {
    randomFillSync(jtiPool);
    jtiOffset = 0;
  }
  const jti = jtiPool.toString("base64url", jtiOffset, jtiOffset + 16);
  jtiOffset += 16;
  return jti;
}

/** A public key as the JWKS publishes it. */
export interface PublishedKey {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
  readonly alg: typeof CALL_TOKEN_ALG;
  readonly use: "sig";
}

function publishedKey(key: KeyObject, what: string): PublishedKey {
  const publicKey = key.type === "public" ? key : createPublicKey(key);
  const jwk = publicKey.export({ format: "jwk" });
  if (publicKey.asymmetricKeyType !== "ed25519" || jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new PerimeterError(
      "SIGNING_KEY_INVALID",
      `the ${what} is a ${publicKey.asymmetricKeyType ?? "unknown"} key: tool credentials are signed with Ed25519 keys only`,
    );
  }
  // RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace; x is base64url already.
  const kid = createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`).digest("base64url");
  return { kty: "OKP", crv: "Ed25519", x: jwk.x, kid, alg: CALL_TOKEN_ALG, use: "sig" };
}

function checkTtl(ttl: number, what: string): number {
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    throw new PerimeterError("USAGE", `${what} must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}, not ${ttl}`);
  }
  return ttl;
}

function checkName(what: string, value: unknown): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_NAME_LENGTH) {
    throw new PerimeterError("USAGE", `a call token's ${what} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return value;
}

export interface CredentialIssuerOptions {
  /** The `iss` of every token (tools.credentials.issuer). */
  readonly issuer: string;
  /** Lifetime of a token unless a mint says otherwise: 1 to MAX_TTL_SECONDS, default 60. */
  readonly ttlSeconds?: number;
  /** Earlier signing keys (public or private; only the public half is used), still published so that tokens they signed verify until they expire. */
  readonly previousKeys?: readonly KeyObject[];
  /** Milliseconds since the epoch; tests move it. */
  readonly clock?: () => number;
}

export interface MintInput {
  /** The calling identity's id. */
  readonly subject: string;
  readonly subjectName?: string;
  /** The tool server's name. */
  readonly audience: string;
  /** The tool, or SESSION_PURPOSE. */
  readonly purpose: string;
  /** The call's arguments; their digest goes into `args`. */
  readonly arguments?: unknown;
  /** Or the digest itself, when the caller has it already (exchange; the gateway digests for its audit event). */
  readonly argumentsDigest?: string;
  /** Shorter (or, up to MAX_TTL_SECONDS, longer) than the issuer's lifetime for this token. */
  readonly ttlSeconds?: number;
  /** Who acts for the subject: a name, or a chain. */
  readonly actor?: string | CallTokenActor;
  /** The token expires no later than this (seconds since the epoch): an exchanged token never outlives its subject token. */
  readonly notAfter?: number;
}

export interface IssuedCallToken {
  readonly token: string;
  readonly claims: CallTokenClaims;
}

/** Mints per-call credentials with the Ed25519 signing key and publishes the public keys. */
export class CredentialIssuer {
  readonly issuer: string;
  /** RFC 7638 thumbprint of the signing key. */
  readonly kid: string;
  readonly ttlSeconds: number;
  private readonly key: KeyObject;
  /** `base64url(header).`: the same for every token, so encoded once. */
  private readonly headerPart: string;
  private readonly published: readonly PublishedKey[];
  private readonly clock: () => number;

  private constructor(key: KeyObject, current: PublishedKey, previous: readonly PublishedKey[], options: CredentialIssuerOptions) {
    this.key = key;
    this.kid = current.kid;
    this.issuer = checkName("issuer", options.issuer);
    this.ttlSeconds = checkTtl(options.ttlSeconds ?? DEFAULT_TTL_SECONDS, "tools.credentials.ttlSeconds");
    this.clock = options.clock ?? Date.now;
    this.headerPart = `${Buffer.from(JSON.stringify({ alg: CALL_TOKEN_ALG, kid: current.kid, typ: TOKEN_TYPE })).toString("base64url")}.`;
    const seen = new Set([current.kid]);
    this.published = [current, ...previous.filter((k) => !seen.has(k.kid) && seen.add(k.kid))];
  }

  /** From an Ed25519 private key; SIGNING_KEY_INVALID for any other key. */
  static fromKey(key: KeyObject, options: CredentialIssuerOptions): CredentialIssuer {
    if (key.type !== "private") {
      throw new PerimeterError(
        "SIGNING_KEY_INVALID",
        "the tool credential signing key must be a private key: tools.credentials.signingKey is an Ed25519 PKCS#8 PEM",
      );
    }
    const current = publishedKey(key, "tool credential signing key");
    const previous = (options.previousKeys ?? []).map((k, i) => publishedKey(k, `tools.credentials.previousKeys[${i}]`));
    return new CredentialIssuer(key, current, previous, options);
  }

  /** From the key file at `path` (tools.credentials.signingKey), created (mode 0600) when missing and `create` is not false. */
  static load(path: string, options: CredentialIssuerOptions & { readonly create?: boolean }): CredentialIssuer {
    const key = loadOrCreateSigningKey(path, options.create ?? true, {
      what: "tool credential signing key",
      setting: "tools.credentials.signingKey",
      code: "SIGNING_KEY_INVALID",
    });
    return CredentialIssuer.fromKey(key, options);
  }

  /** A compact JWS for one call. Synchronous: it runs on every tool call. */
  mint(input: MintInput): string {
    return this.issue(input).token;
  }

  /** mint, with the claims the token carries. */
  issue(input: MintInput): IssuedCallToken {
    const iat = Math.floor(this.clock() / 1000);
    let exp = iat + (input.ttlSeconds === undefined ? this.ttlSeconds : checkTtl(input.ttlSeconds, "a call token's ttlSeconds"));
    if (input.notAfter !== undefined) {
      if (!Number.isSafeInteger(input.notAfter)) throw new PerimeterError("USAGE", "a call token's notAfter must be whole seconds since the epoch");
      if (input.notAfter <= iat) throw refuse("expired", "the token would be expired when issued: the token it derives from has expired");
      exp = Math.min(exp, input.notAfter);
    }
    if (input.arguments !== undefined && input.argumentsDigest !== undefined) {
      throw new PerimeterError("USAGE", "give a call token's arguments or their digest, not both");
    }
    if (input.argumentsDigest !== undefined && !SHA256_SHAPE.test(input.argumentsDigest)) {
      throw new PerimeterError("USAGE", "a call token's argumentsDigest must be an argumentsDigest() value");
    }
    const args = input.argumentsDigest ?? (input.arguments === undefined ? undefined : argumentsDigest(input.arguments));
    const claims: { -readonly [K in keyof CallTokenClaims]: CallTokenClaims[K] } = {
      iss: this.issuer,
      sub: checkName("subject", input.subject),
      aud: checkName("audience", input.audience),
      purpose: checkName("purpose", input.purpose),
      jti: newJti(),
      iat,
      exp,
    };
    if (args !== undefined) claims.args = args;
    if (input.actor !== undefined) claims.act = actorChain(typeof input.actor === "string" ? { sub: input.actor } : input.actor);
    if (input.subjectName !== undefined) claims.identity_name = checkName("subjectName", input.subjectName);
    const signingInput = this.headerPart + Buffer.from(JSON.stringify(claims)).toString("base64url");
    const signature = sign(null, Buffer.from(signingInput), this.key).toString("base64url");
    return { token: `${signingInput}.${signature}`, claims };
  }

  /** The JWKS tool servers verify against: the signing key, then the previous keys. A fresh copy each time. */
  jwks(): { keys: PublishedKey[] } {
    return { keys: this.published.map((k) => ({ ...k })) };
  }
}

/** A delegation chain as minted: each hop a name, at most MAX_DELEGATION_DEPTH deep. */
function actorChain(actor: CallTokenActor, depth = 1): CallTokenActor {
  if (depth > MAX_DELEGATION_DEPTH) throw new PerimeterError("USAGE", `a delegation chain is at most ${MAX_DELEGATION_DEPTH} hops long`);
  const sub = checkName("actor", actor.sub);
  return actor.act === undefined ? { sub } : { sub, act: actorChain(actor.act, depth + 1) };
}

/**
 * The jtis a verifier has accepted, each remembered until its token can no longer verify (exp plus the clock
 * tolerance), so that a replay is refused for as long as it could otherwise succeed. Bounded: when full, it
 * forgets only entries that have expired; if every entry is still live it refuses to take a new one ("full")
 * rather than forget one, because a forgotten live jti is a replay that would be accepted (fail closed).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  /** No entry expires before this (seconds): a full cache is not swept again until then. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(readonly maxEntries: number = DEFAULT_REPLAY_CACHE_SIZE) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new PerimeterError("USAGE", `a replay cache holds at least 1 entry, not ${maxEntries}`);
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * Record `key` as used until `liveUntil` (seconds since the epoch). Check and record are one synchronous
   * step, so of two verifications of one token racing each other exactly one gets "fresh".
   */
  claim(key: string, liveUntil: number, now: number): "fresh" | "replayed" | "full" {
    if (this.seen.has(key)) return "replayed";
    if (this.seen.size >= this.maxEntries) {
      // Sweeps only when something can have expired: timestamps are whole seconds, so at most about once a
      // second at capacity, each clearing all that second's expiries.
      if (now < this.earliestExpiry) return "full";
      let earliest = Number.POSITIVE_INFINITY;
      for (const [k, until] of this.seen) {
        if (until <= now) this.seen.delete(k);
        else if (until < earliest) earliest = until;
      }
      this.earliestExpiry = earliest;
      if (this.seen.size >= this.maxEntries) return "full";
    }
    this.seen.set(key, liveUntil);
    if (liveUntil < this.earliestExpiry) this.earliestExpiry = liveUntil;
    return "fresh";
  }
}

export interface CallTokenVerifierOptions {
  /** The issuer Perimeter is configured with (tools.credentials.issuer). */
  readonly issuer: string;
  /** This tool server's name; a list only for a verifier that serves several (the token exchange). */
  readonly audience: string | readonly string[];
  /** Perimeter's keys: createRemoteJWKSet(new URL(".../.well-known/jwks.json")) or createLocalJWKSet(jwks). */
  readonly keys: JWTVerifyGetKey;
  /** Slack between Perimeter's clock and this one, for exp, nbf and iat (default 5 s). */
  readonly clockToleranceSeconds?: number;
  /** Longest lifetime (exp - iat) accepted (default MAX_TTL_SECONDS): a longer-lived token was not minted by a well-configured Perimeter. */
  readonly maxTtlSeconds?: number;
  /** How many live jtis are remembered (default 100 000); see ReplayCache for what happens when it is full. */
  readonly replayCacheSize?: number;
  /** false: accept a token seen before (the exchange, which keeps its own record per audience). Default true. */
  readonly refuseReplays?: boolean;
  /** Milliseconds since the epoch; tests move it. */
  readonly clock?: () => number;
}

/** What the call in hand requires of its token. */
export interface CallTokenExpectation {
  /** The tool being called: the token's purpose must be exactly this. */
  readonly purpose?: string;
  /** The arguments being called with: the token's args must be their digest (key order does not matter). */
  readonly arguments?: unknown;
}

/**
 * Perimeter's reference verifier, for tool servers written in TypeScript. verify() reads as the checklist it
 * is: each step refuses with TOOL_TOKEN_INVALID and `details.check` naming the step, and what it returns has
 * passed every step.
 */
export class CallTokenVerifier {
  private readonly issuer: string;
  private readonly audiences: ReadonlySet<string>;
  private readonly keys: JWTVerifyGetKey;
  private readonly tolerance: number;
  private readonly maxTtl: number;
  private readonly replays: ReplayCache | undefined;
  private readonly clock: () => number;

  constructor(options: CallTokenVerifierOptions) {
    this.issuer = checkName("issuer", options.issuer);
    const audiences = typeof options.audience === "string" ? [options.audience] : options.audience;
    if (audiences.length === 0) throw new PerimeterError("USAGE", "a call token verifier needs the audience (tool server name) it verifies for");
    this.audiences = new Set(audiences.map((a) => checkName("audience", a)));
    this.keys = options.keys;
    this.tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (!Number.isSafeInteger(this.tolerance) || this.tolerance < 0 || this.tolerance > 300) {
      throw new PerimeterError("USAGE", `clockToleranceSeconds must be whole seconds from 0 to 300, not ${this.tolerance}`);
    }
    this.maxTtl = checkTtl(options.maxTtlSeconds ?? MAX_TTL_SECONDS, "maxTtlSeconds");
    this.replays = options.refuseReplays === false ? undefined : new ReplayCache(options.replayCacheSize ?? DEFAULT_REPLAY_CACHE_SIZE);
    this.clock = options.clock ?? Date.now;
  }

  async verify(token: string, expect: CallTokenExpectation = {}): Promise<CallTokenClaims> {
    // 1. A compact JWS of bounded size, before anything is decoded.
    if (typeof token !== "string" || token.length > MAX_CALL_TOKEN_LENGTH) {
      throw refuse("format", `the call token is longer than ${MAX_CALL_TOKEN_LENGTH} characters: Perimeter mints none that long`);
    }
    if (!TOKEN_SHAPE.test(token)) throw refuse("format", "the call token is not a signed JWT (three base64url parts separated by dots)");

    // 2. Our header: EdDSA, a kid, typ JWT and nothing else. Whatever the header says, only Ed25519 keys from
    //    Perimeter's JWKS are tried: a none, HS256-with-the-public-key or RS256 token never reaches a key.
    const header = parseHeader(token);
    const extra = Object.keys(header).find((m) => !HEADER_MEMBERS.has(m));
    if (extra !== undefined) {
      throw refuse("header", `the call token's header carries ${quote(extra)}, which Perimeter never sets (crit, jwk, jku, x5u, ... are refused)`);
    }
    if (header["alg"] !== CALL_TOKEN_ALG) {
      throw refuse("alg", `the call token's alg is ${quote(String(header["alg"]))}: only ${CALL_TOKEN_ALG} (Ed25519) tokens from Perimeter are accepted`);
    }
    if (header["typ"] !== TOKEN_TYPE) throw refuse("header", `the call token's typ is ${quote(String(header["typ"]))}, not ${TOKEN_TYPE}`);
    if (typeof header["kid"] !== "string" || !SHA256_SHAPE.test(header["kid"])) {
      throw refuse("kid", "the call token names no key (kid) of the form Perimeter publishes");
    }

    // 3. Signature with the key the kid names, issuer, exp and nbf: jose, held to EdDSA.
    const nowMs = this.clock();
    const now = Math.floor(nowMs / 1000);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        algorithms: [CALL_TOKEN_ALG],
        issuer: this.issuer,
        typ: TOKEN_TYPE,
        requiredClaims: REQUIRED_CLAIMS,
        clockTolerance: this.tolerance,
        currentDate: new Date(nowMs),
      }));
    } catch (err) {
      throw explain(err, this.issuer);
    }

    // 4. Every claim present and of its type.
    const claims = parseClaims(payload);

    // 5. Exactly one audience, and it is ours: a token for another tool server is not good here.
    if (!this.audiences.has(claims.aud)) {
      throw refuse("audience", `the call token is for ${quote(claims.aud)}, not for ${[...this.audiences].map(quote).join(" or ")}`);
    }

    // 6. Issued in the past, for no longer than a well-configured Perimeter issues.
    if (claims.iat > now + this.tolerance)
      throw refuse("not-yet-valid", "the call token's iat is in the future: check the clocks of Perimeter and the tool server");
    if (claims.exp <= claims.iat || claims.exp - claims.iat > this.maxTtl) {
      throw refuse("lifetime", `the call token lives ${claims.exp - claims.iat} s: call tokens live from 1 to ${this.maxTtl} s`);
    }

    // 7. For this tool, with these arguments.
    if (expect.purpose !== undefined && claims.purpose !== expect.purpose) {
      throw refuse("purpose", `the call token is for ${quote(claims.purpose)}, not for ${quote(expect.purpose)}`);
    }
    if (expect.arguments !== undefined) {
      if (claims.args === undefined) throw refuse("arguments", "the call token is not bound to any arguments, and this call has some");
      let digest: string;
      try {
        digest = argumentsDigest(expect.arguments);
      } catch (err) {
        throw refuse("arguments", "the call's arguments cannot be digested to compare with the call token's", err);
      }
      if (digest !== claims.args) throw refuse("arguments", "the call token was minted for other arguments than this call's");
    }

    // 8. Never used before. Last, so that a token refused above is not used up.
    if (this.replays !== undefined) {
      const seen = this.replays.claim(claims.jti, claims.exp + this.tolerance, now);
      if (seen === "replayed") throw refuse("replay", "the call token was used before: each token is good for one call, and Perimeter mints one per call");
      if (seen === "full") {
        throw new PerimeterError("RATE_LIMITED", "too many call tokens are live to remember another: try again in a few seconds", {
          details: { check: "replay-cache-full" satisfies CallTokenCheck },
        });
      }
    }
    return claims;
  }
}

/**
 * One verification without the replay record: for the token exchange (which keeps its own, per audience) or a
 * caller that records jtis itself. A tool server accepting calls uses a CallTokenVerifier, which refuses replays.
 */
export function verifyCallToken(
  token: string,
  options: Omit<CallTokenVerifierOptions, "refuseReplays" | "replayCacheSize">,
  expect?: CallTokenExpectation,
): Promise<CallTokenClaims> {
  return new CallTokenVerifier({ ...options, refuseReplays: false }).verify(token, expect);
}

function parseHeader(token: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8"));
  } catch (err) {
    throw refuse("format", "the call token's header is not base64url JSON", err);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw refuse("format", "the call token's header is not a JSON object");
  return header as Record<string, unknown>;
}

function parseClaims(p: JWTPayload): CallTokenClaims {
  const str = (name: string, max = MAX_NAME_LENGTH): string => {
    const v = p[name];
    if (typeof v !== "string" || v === "" || v.length > max) {
      throw refuse(
        "claims",
        `the call token's ${name} must be a non-empty string of at most ${max} characters${Array.isArray(v) ? " (one audience, not a list)" : ""}`,
      );
    }
    return v;
  };
  const time = (name: "iat" | "exp"): number => {
    const v = p[name];
    if (!Number.isSafeInteger(v)) throw refuse("claims", `the call token's ${name} must be whole seconds since the epoch`);
    return v as number;
  };
  const claims: { -readonly [K in keyof CallTokenClaims]: CallTokenClaims[K] } = {
    iss: str("iss"),
    sub: str("sub"),
    aud: str("aud"),
    purpose: str("purpose"),
    jti: str("jti"),
    iat: time("iat"),
    exp: time("exp"),
  };
  if (!JTI_SHAPE.test(claims.jti)) throw refuse("claims", "the call token's jti is not 128 bits in base64url, as Perimeter mints them");
  if (p["args"] !== undefined) {
    if (typeof p["args"] !== "string" || !SHA256_SHAPE.test(p["args"])) throw refuse("claims", "the call token's args is not an arguments digest");
    claims.args = p["args"];
  }
  if (p["act"] !== undefined) claims.act = parseActor(p["act"], 1);
  if (p["identity_name"] !== undefined) claims.identity_name = str("identity_name");
  return claims;
}

function parseActor(value: unknown, depth: number): CallTokenActor {
  if (depth > MAX_DELEGATION_DEPTH) throw refuse("claims", `the call token's delegation chain (act) is longer than ${MAX_DELEGATION_DEPTH} hops`);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw refuse("claims", "the call token's act is not an object");
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  if (typeof sub !== "string" || sub === "" || sub.length > MAX_NAME_LENGTH) throw refuse("claims", "the call token's act has no sub");
  return act === undefined ? { sub } : { sub, act: parseActor(act, depth + 1) };
}

function explain(err: unknown, issuer: string): PerimeterError {
  if (err instanceof PerimeterError) return err;
  if (err instanceof errors.JWTExpired) return refuse("expired", "the call token has expired: tokens are minted per call and live seconds", err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === "missing") return refuse("claims", `the call token has no ${err.claim} claim`, err);
    if (err.claim === "iss") return refuse("issuer", `the call token was not issued by ${quote(issuer)}`, err);
    if (err.claim === "nbf") return refuse("not-yet-valid", "the call token is not valid yet (nbf is in the future)", err);
    if (err.claim === "typ") return refuse("header", `the call token's typ is not ${TOKEN_TYPE}`, err);
    return refuse("claims", `the call token's ${err.claim} claim is invalid (${err.reason})`, err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return refuse("alg", `only ${CALL_TOKEN_ALG} call tokens are accepted`, err);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return refuse("signature", "the call token's signature does not verify: it was altered or not signed by Perimeter", err);
  if (err instanceof errors.JWKSNoMatchingKey) return refuse("kid", "the call token is signed with a key Perimeter does not publish", err);
  // Two published keys under one kid: refused rather than each tried, since one of them is not Perimeter's.
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return refuse("kid", "the JWKS holds several keys under the call token's kid: refusing to guess which is Perimeter's", err);
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return refuse("format", "the call token is not a well-formed JWT", err);
  // Keys that cannot be fetched or used: still a refusal, never a pass.
  const code = err instanceof errors.JOSEError ? ` (${err.code})` : "";
  return refuse("keys", `the call token could not be checked against Perimeter's keys${code}: try again shortly`, err);
}

/** Attacker-chosen text in a message: quoted, and cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
}

// ---------- RFC 8693 token exchange ----------

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const ACCEPTED_TOKEN_TYPES = new Set([JWT_TOKEN_TYPE, ACCESS_TOKEN_TYPE]);

/** RFC 6749 §5.2 and RFC 8693 §2.2.2 error codes the exchange answers with. */
export type TokenExchangeError =
  | "invalid_request"
  | "invalid_grant"
  | "unsupported_grant_type"
  | "invalid_target"
  | "invalid_scope"
  | "temporarily_unavailable";

export interface TokenExchangeDeps {
  readonly issuer: CredentialIssuer;
  /** Verifies a call token Perimeter minted, for any of its audiences, without using up its jti: verifyCallToken. */
  readonly verify: (token: string) => Promise<CallTokenClaims>;
  /** The audiences the holder of this token may exchange it for. */
  readonly audiencesFor: (claims: CallTokenClaims) => readonly string[];
  /** (subject jti, audience) pairs exchanged already: each is exchanged once. */
  readonly exchanged: ReplayCache;
}

export interface TokenExchangeAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

/** RFC 6749 §5.1: token responses are not cached. */
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

class ExchangeRefusal {
  constructor(
    readonly error: TokenExchangeError,
    readonly description: string,
    readonly status = 400,
  ) {}
}

/**
 * RFC 8693 token exchange of a call token for one to another tool server. The new token keeps the subject,
 * purpose and arguments, is for the one requested audience, records the exchanging tool server in `act`
 * (nesting the chain), expires no later than the token it came from, and is minted once per (token, audience).
 * The subject token is the credential: whoever holds a call token may exchange it as far as audiencesFor allows.
 * `scope`, when sent, must be the token's purpose: an exchange narrows or keeps, never widens.
 * Never throws: every failure is an RFC 6749 §5.2 error answer.
 */
export async function exchangeToken(form: URLSearchParams, deps: TokenExchangeDeps): Promise<TokenExchangeAnswer> {
  try {
    return await exchange(form, deps);
  } catch (err) {
    const r = err instanceof ExchangeRefusal ? err : new ExchangeRefusal("invalid_grant", "the token could not be exchanged");
    return { status: r.status, json: { error: r.error, error_description: oauthText(r.description) }, headers: { ...NO_STORE } };
  }
}

async function exchange(form: URLSearchParams, deps: TokenExchangeDeps): Promise<TokenExchangeAnswer> {
  // RFC 6749 §3.1: an empty parameter is an omitted one; §3.2: none is sent twice (audience and resource
  // may be, per RFC 8693, but Perimeter issues for one target only).
  const single = (name: string): string | undefined => {
    const all = form.getAll(name).filter((v) => v !== "");
    if (all.length > 1)
      throw new ExchangeRefusal(name === "audience" || name === "resource" ? "invalid_target" : "invalid_request", `${name} is given more than once`);
    return all[0];
  };

  // 1. The grant is token exchange.
  const grant = single("grant_type");
  if (grant === undefined) throw new ExchangeRefusal("invalid_request", "grant_type is missing");
  if (grant !== TOKEN_EXCHANGE_GRANT) throw new ExchangeRefusal("unsupported_grant_type", `only ${TOKEN_EXCHANGE_GRANT} is supported here`);

  // 2. The request is well-formed: a subject token of a type we issue, no actor token, a type we can issue.
  const subjectToken = single("subject_token");
  if (subjectToken === undefined) throw new ExchangeRefusal("invalid_request", "subject_token is missing: send the call token Perimeter minted");
  const subjectType = single("subject_token_type");
  if (subjectType === undefined || !ACCEPTED_TOKEN_TYPES.has(subjectType)) {
    throw new ExchangeRefusal("invalid_request", `subject_token_type must be ${JWT_TOKEN_TYPE} or ${ACCESS_TOKEN_TYPE}`);
  }
  // The actor is the tool server the subject token was minted for; another actor token would be a claim we do not check.
  if (single("actor_token") !== undefined || single("actor_token_type") !== undefined) {
    throw new ExchangeRefusal("invalid_request", "actor_token is not supported: the actor is the subject token's audience");
  }
  const requested = single("requested_token_type");
  if (requested !== undefined && !ACCEPTED_TOKEN_TYPES.has(requested)) {
    throw new ExchangeRefusal("invalid_request", `requested_token_type must be ${JWT_TOKEN_TYPE} or ${ACCESS_TOKEN_TYPE}`);
  }
  const scope = single("scope");

  // 3. One target: audience, resource, or both naming the same.
  const audience = single("audience");
  const resource = single("resource");
  if (resource !== undefined && !isAbsoluteUriWithoutFragment(resource)) {
    throw new ExchangeRefusal("invalid_target", "resource must be an absolute URI without a fragment (RFC 8707)");
  }
  if (audience !== undefined && resource !== undefined && audience !== resource) {
    throw new ExchangeRefusal("invalid_target", "audience and resource name different targets: a token is issued for one");
  }
  const target = audience ?? resource;
  if (target === undefined) throw new ExchangeRefusal("invalid_request", "audience (or resource) is missing: name the tool server the token is for");

  // 4. The subject token is one Perimeter minted and still good.
  let claims: CallTokenClaims;
  try {
    claims = await deps.verify(subjectToken);
  } catch (err) {
    throw new ExchangeRefusal("invalid_grant", err instanceof PerimeterError ? err.message : "the subject token could not be verified");
  }

  // 5. What it is for may be delegated, and no further than allowed.
  if (claims.purpose.startsWith(RESERVED_PURPOSE_PREFIX)) {
    throw new ExchangeRefusal("invalid_grant", `a ${claims.purpose} token is Perimeter's own credential and is not exchanged`);
  }
  if (scope !== undefined && scope !== claims.purpose) {
    throw new ExchangeRefusal("invalid_scope", "scope, when sent, must be the subject token's purpose: an exchange cannot change or widen it");
  }
  const chain = actorsOf(claims);
  if (chain.length >= MAX_DELEGATION_DEPTH) throw new ExchangeRefusal("invalid_grant", `the token has been exchanged ${chain.length} times, the most allowed`);
  if (target === claims.aud || chain.includes(target)) {
    throw new ExchangeRefusal("invalid_target", `the token has been for ${quote(target)} already: an exchange goes to a new tool server`);
  }
  const allowed = deps.audiencesFor(claims);
  if (!allowed.includes(target)) throw new ExchangeRefusal("invalid_target", `the holder of this token may not exchange it for ${quote(target)}`);

  // 6. Minted no later-expiring than the subject token, once per (token, audience).
  let issued: IssuedCallToken;
  try {
    issued = deps.issuer.issue({
      subject: claims.sub,
      ...(claims.identity_name === undefined ? {} : { subjectName: claims.identity_name }),
      audience: target,
      purpose: claims.purpose,
      ...(claims.args === undefined ? {} : { argumentsDigest: claims.args }),
      actor: claims.act === undefined ? { sub: claims.aud } : { sub: claims.aud, act: claims.act },
      notAfter: claims.exp,
    });
  } catch (err) {
    throw new ExchangeRefusal("invalid_grant", err instanceof PerimeterError ? err.message : "the token could not be exchanged");
  }
  const seen = deps.exchanged.claim(`${claims.jti} ${target}`, claims.exp, issued.claims.iat);
  if (seen === "replayed")
    throw new ExchangeRefusal("invalid_grant", `the token was exchanged for ${quote(target)} before: each token is exchanged once per audience`);
  if (seen === "full") throw new ExchangeRefusal("temporarily_unavailable", "too many exchanges are live to remember another: try again shortly", 503);

  return {
    status: 200,
    json: {
      access_token: issued.token,
      issued_token_type: JWT_TOKEN_TYPE,
      token_type: "Bearer",
      expires_in: issued.claims.exp - issued.claims.iat,
    },
    headers: { ...NO_STORE },
  };
}

/** exchangeToken with its own record of what was exchanged: what the gateway's /oauth/token route holds. */
export class TokenExchange {
  private readonly deps: TokenExchangeDeps;

  constructor(deps: Omit<TokenExchangeDeps, "exchanged"> & { readonly exchanged?: ReplayCache }) {
    this.deps = { ...deps, exchanged: deps.exchanged ?? new ReplayCache() };
  }

  exchange(form: URLSearchParams): Promise<TokenExchangeAnswer> {
    return exchangeToken(form, this.deps);
  }
}

/** The audiences a token has passed through, most recent first. */
function actorsOf(claims: CallTokenClaims): string[] {
  const out: string[] = [];
  for (let a = claims.act; a !== undefined; a = a.act) out.push(a.sub);
  return out;
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  try {
    return new URL(value).hash === "" && !value.includes("#");
  } catch {
    return false;
  }
}

/** RFC 6749 §5.2: error_description is printable ASCII without `"` and `\`. */
function oauthText(text: string): string {
  return text.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "?");
}
