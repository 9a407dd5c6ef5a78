import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ACCESS_TOKEN_TYPE,
  argumentsDigest,
  CallTokenVerifier,
  CredentialIssuer,
  exchangeToken,
  JWT_TOKEN_TYPE,
  ReplayCache,
  TOKEN_EXCHANGE_GRANT,
  TokenExchange,
  type TokenExchangeDeps,
  verifyCallToken,
} from "../../src/tools/credentials.js";

const ISSUER = "perimeter";
const T0 = 1_800_000_000;
const ARGS = { path: "/srv/data/report.csv", options: { limit: 10, follow: false } };
const CALL = { subject: "id_0123456789ab", subjectName: "support-bot", audience: "files", purpose: "files__read_file", arguments: ARGS };

describe("per-call credentials", () => {
  let key: KeyObject;
  let issuer: CredentialIssuer;
  let now: number;
  const clock = () => now * 1000;

  beforeEach(() => {
    now = T0;
    key = generateKeyPairSync("ed25519").privateKey;
    issuer = CredentialIssuer.fromKey(key, { issuer: ISSUER, clock });
  });

  it("mints a token that jose verifies against the published JWKS, bound to the caller, the tool server, the tool and the arguments", async () => {
    const real = CredentialIssuer.fromKey(key, { issuer: ISSUER });
    const token = real.mint(CALL);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(real.jwks()), { algorithms: ["EdDSA"], issuer: ISSUER, audience: "files" });
    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: real.kid, typ: "JWT" });
    expect(payload).toMatchObject({
      iss: ISSUER,
      sub: "id_0123456789ab",
      identity_name: "support-bot",
      aud: "files",
      purpose: "files__read_file",
      args: argumentsDigest(ARGS),
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.exp!).toBeLessThanOrEqual(Date.now() / 1000 + 60);
    expect(payload).not.toHaveProperty("act");
  });

  it("names its key by the RFC 7638 thumbprint and publishes only the public half", async () => {
    const { keys } = issuer.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.any(String), kid: issuer.kid, alg: "EdDSA", use: "sig" });
    expect(issuer.kid).toBe(await calculateJwkThumbprint(keys[0]!));
    expect(JSON.stringify(issuer.jwks())).not.toContain((key.export({ format: "jwk" }) as { d: string }).d);
    // A caller editing what it was handed does not change what is published.
    (issuer.jwks().keys[0] as { x: string }).x = "tampered";
    expect(issuer.jwks().keys[0]!.x).not.toBe("tampered");
  });

  it("gives every token its own 128-bit jti", () => {
    const jtis = new Set(Array.from({ length: 2000 }, () => decodeJwt(issuer.mint(CALL)).jti));
    expect(jtis.size).toBe(2000);
  });

  it("lives the issuer's ttl (60 s unless configured), or the call's, never beyond an hour", () => {
    const life = (t: string) => {
      const c = decodeJwt(t);
      expect(c.iat).toBe(T0);
      return c.exp! - c.iat!;
    };
    expect(life(issuer.mint(CALL))).toBe(60);
    expect(life(CredentialIssuer.fromKey(key, { issuer: ISSUER, ttlSeconds: 300, clock }).mint(CALL))).toBe(300);
    expect(life(issuer.mint({ ...CALL, ttlSeconds: 5 }))).toBe(5);
    expect(() => CredentialIssuer.fromKey(key, { issuer: ISSUER, ttlSeconds: 3601 })).toThrow(expect.objectContaining({ code: "USAGE" }));
    expect(() => issuer.mint({ ...CALL, ttlSeconds: 0 })).toThrow(expect.objectContaining({ code: "USAGE" }));
    expect(() => issuer.mint({ ...CALL, ttlSeconds: 1.5 })).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it("binds a session token to no arguments and a call token to its actor when one is named", () => {
    const session = decodeJwt(issuer.mint({ subject: "perimeter", audience: "files", purpose: "mcp:session" }));
    expect(session).not.toHaveProperty("args");
    expect(session).toMatchObject({ sub: "perimeter", purpose: "mcp:session" });
    expect(decodeJwt(issuer.mint({ ...CALL, actor: "search" }))).toMatchObject({ act: { sub: "search" } });
  });

  it("refuses to mint for an empty subject, audience or purpose", () => {
    for (const bad of [{ subject: "" }, { audience: "" }, { purpose: "" }]) {
      expect(() => issuer.mint({ ...CALL, ...bad })).toThrow(expect.objectContaining({ code: "USAGE" }));
    }
  });

  it("digests arguments as canonical JSON: key order and number spelling do not change the digest, values do", () => {
    expect(argumentsDigest({ b: 1, a: [1, { y: 2, x: 1 }] })).toBe(argumentsDigest({ a: [1, { x: 1, y: 2 }], b: 1 }));
    expect(argumentsDigest({ n: 1.0 })).toBe(argumentsDigest(JSON.parse('{"n":1e0}')));
    expect(argumentsDigest(undefined)).toBe(createHash("sha256").update("{}").digest("base64url"));
    expect(argumentsDigest(undefined)).toBe(argumentsDigest({}));
    expect(argumentsDigest({ path: "/a" })).not.toBe(argumentsDigest({ path: "/b" }));
    expect(() => argumentsDigest({ n: Number.NaN })).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it("keeps publishing previous keys after a rotation, so tokens they signed verify until they expire", async () => {
    const old = generateKeyPairSync("ed25519").privateKey;
    const before = CredentialIssuer.fromKey(old, { issuer: ISSUER, clock });
    const rotated = CredentialIssuer.fromKey(key, { issuer: ISSUER, clock, previousKeys: [createPublicKey(old), old] });
    expect(rotated.jwks().keys.map((k) => k.kid)).toEqual([rotated.kid, before.kid]);
    const verifier = new CallTokenVerifier({ issuer: ISSUER, audience: "files", keys: createLocalJWKSet(rotated.jwks()), clock });
    await expect(verifier.verify(before.mint(CALL))).resolves.toMatchObject({ sub: CALL.subject });
    await expect(verifier.verify(rotated.mint(CALL))).resolves.toMatchObject({ sub: CALL.subject });
  });

  it("refuses a signing key that is not an Ed25519 private key", () => {
    const invalid = expect.objectContaining({ code: "SIGNING_KEY_INVALID" });
    expect(() => CredentialIssuer.fromKey(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, { issuer: ISSUER })).toThrow(invalid);
    expect(() => CredentialIssuer.fromKey(createPublicKey(key), { issuer: ISSUER })).toThrow(invalid);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    expect(() => CredentialIssuer.fromKey(key, { issuer: ISSUER, previousKeys: [ec] })).toThrow(invalid);
  });

  describe("the signing key file", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "perimeter-tool-key-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("is created once, readable by its owner only, and the same key is loaded after", () => {
      const path = join(dir, "keys", "tool-signing-key.pem");
      const first = CredentialIssuer.load(path, { issuer: ISSUER });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(CredentialIssuer.load(path, { issuer: ISSUER }).kid).toBe(first.kid);
    });

    it("is not created when asked not to, and must be Ed25519", () => {
      expect(() => CredentialIssuer.load(join(dir, "missing.pem"), { issuer: ISSUER, create: false })).toThrow(
        expect.objectContaining({ code: "SIGNING_KEY_INVALID", message: expect.stringContaining("tools.credentials.signingKey") }),
      );
      const rsa = join(dir, "rsa.pem");
      writeFileSync(rsa, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }));
      expect(() => CredentialIssuer.load(rsa, { issuer: ISSUER })).toThrow(expect.objectContaining({ code: "SIGNING_KEY_INVALID" }));
    });
  });

  describe("the reference verifier", () => {
    const verifier = (keys: JWTVerifyGetKey = createLocalJWKSet(issuer.jwks())) => new CallTokenVerifier({ issuer: ISSUER, audience: "files", keys, clock });

    it("returns the claims of a token for this tool server, tool and arguments, whatever their key order", async () => {
      const token = issuer.mint(CALL);
      const reordered = { options: { follow: false, limit: 10 }, path: "/srv/data/report.csv" };
      const claims = await verifier().verify(token, { purpose: "files__read_file", arguments: reordered });
      expect(claims).toEqual({ ...decodeJwt(token) });
    });

    it("verifies against the JWKS as Perimeter serves it over HTTP", async () => {
      const server: Server = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(issuer.jwks()));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const keys = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`));
        await expect(verifier(keys).verify(issuer.mint(CALL), { purpose: "files__read_file" })).resolves.toMatchObject({ aud: "files" });
      } finally {
        server.close();
      }
    });

    it("accepts each token once, and makes room in a full replay cache as the tokens it remembers expire", async () => {
      const v = new CallTokenVerifier({
        issuer: ISSUER,
        audience: "files",
        keys: createLocalJWKSet(issuer.jwks()),
        clock,
        replayCacheSize: 2,
        clockToleranceSeconds: 5,
      });
      const a = issuer.mint(CALL);
      await v.verify(a);
      await v.verify(issuer.mint(CALL));
      await expect(v.verify(issuer.mint(CALL))).rejects.toMatchObject({ code: "RATE_LIMITED" });
      now = T0 + 65;
      await expect(v.verify(issuer.mint(CALL))).resolves.toMatchObject({ iat: T0 + 65 });
      await expect(v.verify(a)).rejects.toMatchObject({ details: { check: "expired" } });
    });

    it("verifyCallToken checks without using the token up", async () => {
      const token = issuer.mint(CALL);
      const options = { issuer: ISSUER, audience: ["files", "search"], keys: createLocalJWKSet(issuer.jwks()), clock };
      await verifyCallToken(token, options);
      await expect(verifyCallToken(token, options, { purpose: "files__read_file", arguments: ARGS })).resolves.toMatchObject({ aud: "files" });
    });
  });

  describe("the replay cache", () => {
    it("forgets only expired entries when full, sweeping no more than it must", () => {
      const cache = new ReplayCache(3);
      expect(cache.claim("a", T0 + 10, T0)).toBe("fresh");
      expect(cache.claim("a", T0 + 10, T0)).toBe("replayed");
      expect(cache.claim("b", T0 + 20, T0)).toBe("fresh");
      expect(cache.claim("c", T0 + 30, T0)).toBe("fresh");
      expect(cache.claim("d", T0 + 30, T0 + 9)).toBe("full");
      expect(cache.claim("d", T0 + 30, T0 + 10)).toBe("fresh");
      expect(cache.size).toBe(3);
      expect(cache.claim("b", T0 + 20, T0 + 10)).toBe("replayed");
    });
  });
});

describe("token exchange (RFC 8693)", () => {
  let issuer: CredentialIssuer;
  let deps: TokenExchangeDeps;
  let now: number;
  const clock = () => now * 1000;
  const audiences = ["files", "search", "mail"];
  const keys = () => createLocalJWKSet(issuer.jwks());

  beforeEach(() => {
    now = T0;
    issuer = CredentialIssuer.fromKey(generateKeyPairSync("ed25519").privateKey, { issuer: ISSUER, clock });
    deps = {
      issuer,
      verify: (token) => verifyCallToken(token, { issuer: ISSUER, audience: audiences, keys: keys(), clock }),
      audiencesFor: (c) => ({ files: ["search", "https://mail.example/"], search: ["mail"] })[c.aud] ?? [],
      exchanged: new ReplayCache(),
    };
  });
  const form = (token: string, params: Record<string, string> = {}) =>
    new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: token, subject_token_type: JWT_TOKEN_TYPE, audience: "search", ...params });

  it("trades a call token for one to another tool server: same caller, tool and arguments, the exchanger as actor", async () => {
    const original = issuer.mint(CALL);
    now = T0 + 10;
    const answer = await exchangeToken(form(original, { scope: "files__read_file", requested_token_type: JWT_TOKEN_TYPE }), deps);
    expect(answer).toMatchObject({
      status: 200,
      json: { issued_token_type: JWT_TOKEN_TYPE, token_type: "Bearer", expires_in: 50, access_token: expect.any(String) },
      headers: { "cache-control": "no-store", pragma: "no-cache" },
    });
    const before = decodeJwt(original);
    const after = decodeJwt(answer.json["access_token"] as string);
    expect(after).toMatchObject({
      sub: before.sub,
      identity_name: "support-bot",
      purpose: before["purpose"],
      args: before["args"],
      aud: "search",
      act: { sub: "files" },
    });
    expect(after.jti).not.toBe(before.jti);
    expect(after.exp).toBe(before.exp);
    expect(decodeProtectedHeader(answer.json["access_token"] as string).kid).toBe(issuer.kid);
    // The search tool server verifies it as any call token, bound to the same call.
    const search = new CallTokenVerifier({ issuer: ISSUER, audience: "search", keys: keys(), clock });
    await expect(search.verify(answer.json["access_token"] as string, { purpose: "files__read_file", arguments: ARGS })).resolves.toMatchObject({
      act: { sub: "files" },
    });
  });

  it("nests the delegation chain on each exchange", async () => {
    const first = await exchangeToken(form(issuer.mint(CALL)), deps);
    const second = await exchangeToken(form(first.json["access_token"] as string, { audience: "mail" }), deps);
    expect(second.status).toBe(200);
    expect(decodeJwt(second.json["access_token"] as string)).toMatchObject({ aud: "mail", act: { sub: "search", act: { sub: "files" } } });
  });

  it("takes the target as a resource URI and the subject token as an access token", async () => {
    const answer = await exchangeToken(
      new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: issuer.mint(CALL),
        subject_token_type: ACCESS_TOKEN_TYPE,
        resource: "https://mail.example/",
        requested_token_type: ACCESS_TOKEN_TYPE,
      }),
      deps,
    );
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.json["access_token"] as string).aud).toBe("https://mail.example/");
  });

  it("TokenExchange keeps its own record of what it exchanged", async () => {
    const exchange = new TokenExchange({ issuer, verify: deps.verify, audiencesFor: deps.audiencesFor });
    const token = issuer.mint(CALL);
    expect((await exchange.exchange(form(token))).status).toBe(200);
    expect((await exchange.exchange(form(token))).json).toMatchObject({ error: "invalid_grant" });
    // Once per audience: the same token may still go to another one it is allowed.
    expect((await exchange.exchange(form(token, { audience: "https://mail.example/" }))).status).toBe(200);
  });
});
