import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { z } from "zod";
import type { LoadedConfig } from "../config/load.js";
import type { JwtIssuerConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import type { AuthFailureCode, AuthResult, Principal } from "./types.js";

// Workload tokens: OIDC JWTs and SPIFFE JWT-SVIDs from the issuers in identity.jwtIssuers. The token's own
// (unverified) `iss` only picks which issuer's rules apply; jose then checks signature, issuer, audience,
// algorithm and expiry against that issuer's configuration.

/** Larger than any real workload token; bounds the work done on garbage before decoding. */
export const MAX_JWT_LENGTH = 16 * 1024;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_SCOPES = 256;
const MAX_SUBJECT_LENGTH = 1024;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export interface JwtVerifierOptions {
  /** jwksFile paths resolve against this directory (the config file's). */
  readonly baseDir?: string;
  /** Slack for exp/nbf/iat between the issuer's clock and ours. */
  readonly clockToleranceSeconds?: number;
  /** How long a JWKS fetch may take. */
  readonly fetchTimeoutMs?: number;
}

/**
 * Whether a bearer string has the shape of a compact JWT (three base64url parts; the last may be empty, as
 * in an unsigned token, so that one is refused by the JWT verifier with a JWT reason).
 */
export function looksLikeJwt(bearer: string): boolean {
  return bearer.length <= MAX_JWT_LENGTH && JWT_SHAPE.test(bearer);
}

/** Which verifier a bearer credential goes to; anything not shaped like a JWT is refused as an API key. */
export function bearerKind(bearer: string): "jwt" | "api-key" {
  return looksLikeJwt(bearer) ? "jwt" : "api-key";
}

interface Issuer {
  readonly config: JwtIssuerConfig;
  readonly keys: JWTVerifyGetKey;
  readonly keySource: string;
}

export class JwtVerifier {
  private readonly issuers: readonly Issuer[];
  private readonly clockTolerance: number;

  static fromConfig(loaded: LoadedConfig, options: Omit<JwtVerifierOptions, "baseDir"> = {}): JwtVerifier {
    return new JwtVerifier(loaded.config.identity.jwtIssuers, { ...options, baseDir: loaded.baseDir });
  }

  /** Throws CONFIG_INVALID when an issuer's key source is missing, ambiguous, unreadable or not over TLS. */
  constructor(issuers: readonly JwtIssuerConfig[], options: JwtVerifierOptions = {}) {
    this.clockTolerance = options.clockToleranceSeconds ?? 30;
    const timeoutDuration = options.fetchTimeoutMs ?? 5000;
    this.issuers = issuers.map((config, i) => {
      const where = `identity.jwtIssuers[${i}] (${config.issuer})`;
      if (config.algorithms.some((a) => (a as string).toLowerCase() === "none")) throw configInvalid(where, 'algorithms must not include "none"');
      if ((config.jwksUri === undefined) === (config.jwksFile === undefined)) throw configInvalid(where, "give exactly one of jwksUri and jwksFile");
      if (config.jwksUri !== undefined) {
        const url = new URL(config.jwksUri);
        // Keys fetched in the clear could be swapped by anyone on the path, who could then mint tokens.
        if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
          throw configInvalid(
            where,
            `jwksUri must be https:// (http:// only on loopback), not ${url.protocol}//${url.host}; or fetch the JWKS yourself into jwksFile`,
          );
        }
        return {
          config,
          keySource: url.href,
          keys: createRemoteJWKSet(url, { timeoutDuration, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 }),
        };
      }
      const file = resolve(options.baseDir ?? process.cwd(), config.jwksFile as string);
      return { config, keySource: file, keys: createLocalJWKSet(readJwksFile(file, where)) };
    });
  }

  /** The issuers tokens are accepted from. */
  get acceptedIssuers(): readonly string[] {
    return this.issuers.map((i) => i.config.issuer);
  }

  /** Verify a bearer JWT; refusals are AUTH_TOKEN_INVALID with what is wrong and never contain the token. */
  async verify(token: string, now: Date = new Date()): Promise<AuthResult> {
    if (token.length > MAX_JWT_LENGTH) return refuse(`the bearer token is longer than ${MAX_JWT_LENGTH} characters: it is not a workload token`);
    if (!JWT_SHAPE.test(token)) return refuse("the bearer token is not a JWT (three base64url parts separated by dots)");
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      return refuse("the bearer token is not a well-formed JWT: its header or claims are not base64url JSON");
    }
    if (typeof alg !== "string" || alg.toLowerCase() === "none")
      return refuse("the token is unsigned (alg none), which is never accepted: send a token signed by a configured issuer");
    if (typeof iss !== "string" || iss === "")
      return refuse("the token has no iss claim: Perimeter accepts tokens only from the issuers in identity.jwtIssuers");
    const candidates = this.issuers.filter((i) => i.config.issuer === iss);
    if (candidates.length === 0)
      return refuse(`tokens from issuer ${quote(iss)} are not accepted: add it to identity.jwtIssuers, or get a token from a configured issuer`);

    let first: AuthResult | undefined;
    for (const issuer of candidates) {
      const result = await this.verifyWith(issuer, token, alg, now);
      if (result.ok) return result;
      first ??= result;
    }
    return first as AuthResult;
  }

  private async verifyWith(issuer: Issuer, token: string, alg: string, now: Date): Promise<AuthResult> {
    const { config } = issuer;
    if (!(config.algorithms as readonly string[]).includes(alg)) {
      return refuse(`alg ${quote(alg)} is not accepted for issuer ${config.issuer} (accepted: ${config.algorithms.join(", ")})`);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: [...config.algorithms],
        requiredClaims: ["exp", "sub"],
        clockTolerance: this.clockTolerance,
        currentDate: now,
      }));
    } catch (err) {
      return refuse(explain(err, issuer));
    }
    const sub = payload.sub;
    if (typeof sub !== "string" || sub === "" || sub.length > MAX_SUBJECT_LENGTH)
      return refuse(`the token's sub claim must be a non-empty string of at most ${MAX_SUBJECT_LENGTH} characters`);
    const principal: Principal = {
      id: `jwt:${config.issuer}#${sub}`,
      name: sub,
      kind: "jwt",
      owner: config.owner,
      environment: config.environment,
      scopes: scopesOf(payload),
      via: { method: "jwt", issuer: config.issuer, subject: sub },
    };
    return { ok: true, principal };
  }
}

/** OAuth `scope` (space-separated) and Microsoft/Okta-style `scp` (array or space-separated), merged. */
function scopesOf(payload: JWTPayload): string[] {
  const out = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === "string") for (const s of value.split(" ")) if (s !== "") out.add(s);
    if (Array.isArray(value)) for (const s of value) if (typeof s === "string" && s !== "" && !s.includes(" ")) out.add(s);
  };
  add(payload["scope"]);
  add(payload["scp"]);
  return [...out].slice(0, MAX_SCOPES);
}

function explain(err: unknown, issuer: Issuer): string {
  const { config } = issuer;
  if (err instanceof errors.JWTExpired) {
    const exp = typeof err.payload.exp === "number" ? ` at ${new Date(err.payload.exp * 1000).toISOString()}` : "";
    return `the token expired${exp}: get a fresh token from ${config.issuer}`;
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === "missing") return `the token has no ${err.claim} claim, which ${config.issuer} tokens must carry`;
    if (err.claim === "aud") return `the token's audience is not ${quote(config.audience)}: request a token for this audience from ${config.issuer}`;
    if (err.claim === "nbf") return "the token is not valid yet (nbf is in the future): check the issuer's clock";
    return `the token's ${err.claim} claim does not verify (${err.reason}) for issuer ${config.issuer}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `the token's alg is not accepted for issuer ${config.issuer} (accepted: ${config.algorithms.join(", ")})`;
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return `the token's signature does not verify with ${config.issuer}'s key: it was altered or not signed by the issuer`;
  // Messages go to the caller: they name the issuer, never where its keys are kept (a file path on this server).
  if (err instanceof errors.JWKSNoMatchingKey)
    return `the token is signed with a key ${config.issuer} does not publish: it was not issued by ${config.issuer}, or the issuer rotated keys`;
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return `the token names no key id and ${config.issuer} publishes several keys that fit: the issuer must set kid`;
  if (err instanceof errors.JWKSTimeout) return `${config.issuer}'s keys could not be fetched in time: try again shortly`;
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return `the token is not a well-formed JWT: ${(err as Error).message}`;
  // A JWKS that cannot be fetched or parsed, or a key type jose cannot use: still a refusal, never an allow,
  // and the library's words (which may name the key source) stay out of the answer.
  const kind = err instanceof errors.JOSEError ? ` (${err.code})` : "";
  return `the token could not be verified against ${config.issuer}'s keys${kind}: try again shortly, or ask the issuer's operator to check its published keys`;
}

const jwksFileSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });

function readJwksFile(file: string, where: string): JSONWebKeySet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw configInvalid(where, `cannot read jwksFile ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw configInvalid(where, `jwksFile ${file} is not JSON`);
  }
  const result = jwksFileSchema.safeParse(parsed);
  if (!result.success) throw configInvalid(where, `jwksFile ${file} is not a JWKS ({"keys": [ ... ]} with at least one key)`);
  return result.data as unknown as JSONWebKeySet;
}

function configInvalid(where: string, message: string): PerimeterError {
  return new PerimeterError("CONFIG_INVALID", `invalid configuration:\n  ${where}: ${message}`);
}

/** Attacker-chosen text in a message: quoted, and cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

function refuse(message: string): AuthResult {
  const code: AuthFailureCode = "AUTH_TOKEN_INVALID";
  return { ok: false, code, message };
}
