import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JwtIssuerConfig } from "../../src/config/schema.js";
import { generateApiKey } from "../../src/identity/keys.js";
import { JwtVerifier, bearerKind, looksLikeJwt } from "../../src/identity/jwt.js";
import type { AuthResult } from "../../src/identity/types.js";

const OIDC = "https://oidc.example.test";
const SPIFFE = "spiffe://example.org";
const AUDIENCE = "perimeter-gateway";

interface Signer {
  readonly privateKey: CryptoKey;
  readonly alg: string;
  readonly kid: string;
}

async function signer(alg: "ES256" | "EdDSA" | "RS256", kid: string): Promise<Signer & { jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, alg, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

function token(
  by: Signer,
  claims: JWTPayload & { iss?: string; sub?: string; aud?: string } = {},
  exp: number | null = Math.floor(Date.now() / 1000) + 300,
): Promise<string> {
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: by.alg, kid: by.kid, typ: "JWT" })
    .setIssuer(claims.iss ?? OIDC)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject(claims.sub ?? "svc-billing")
    .setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(by.privateKey);
}

function refusal(result: AuthResult): string {
  expect(result).toMatchObject({ ok: false, code: "AUTH_TOKEN_INVALID" });
  return result.ok ? "" : result.message;
}

describe("JWT and SPIFFE JWT-SVID verification", () => {
  let es: Signer & { jwk: JWK };
  let ed: Signer & { jwk: JWK };
  let rs: Signer & { jwk: JWK };
  let spire: Signer & { jwk: JWK };
  let server: Server;
  let jwksRequests = 0;
  let dir: string;
  let verifier: JwtVerifier;
  let issuers: JwtIssuerConfig[];

  beforeAll(async () => {
    es = await signer("ES256", "es-1");
    ed = await signer("EdDSA", "ed-1");
    rs = await signer("RS256", "rs-1");
    spire = await signer("ES256", "spire-1");
    server = createServer((req, res) => {
      jwksRequests++;
      res.writeHead(req.url === "/jwks.json" ? 200 : 404, { "content-type": "application/json" });
      res.end(req.url === "/jwks.json" ? JSON.stringify({ keys: [es.jwk, ed.jwk, rs.jwk] }) : "{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    dir = mkdtempSync(join(tmpdir(), "perimeter-jwt-"));
    writeFileSync(join(dir, "spire-bundle.jwks"), JSON.stringify({ keys: [spire.jwk] }));
    issuers = [
      {
        issuer: OIDC,
        audience: AUDIENCE,
        jwksUri: `http://127.0.0.1:${port}/jwks.json`,
        algorithms: ["ES256", "EdDSA"],
        environment: "prod",
        owner: "platform-oidc",
      },
      { issuer: SPIFFE, audience: AUDIENCE, jwksFile: "spire-bundle.jwks", algorithms: ["ES256"], environment: "prod", owner: "spire" },
    ];
    verifier = new JwtVerifier(issuers, { baseDir: dir });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts an ES256 token from a JWKS URL, as jwt:<issuer>#<sub> with its scopes, fetching the keys once", async () => {
    const before = jwksRequests;
    const result = await verifier.verify(await token(es, { scope: "models:llama tools:search", scp: ["tools:search", "evals:run"] }));
    expect(result).toEqual({
      ok: true,
      principal: {
        id: `jwt:${OIDC}#svc-billing`,
        name: "svc-billing",
        kind: "jwt",
        owner: "platform-oidc",
        environment: "prod",
        scopes: ["models:llama", "tools:search", "evals:run"],
        via: { method: "jwt", issuer: OIDC, subject: "svc-billing" },
      },
    });
    for (let i = 0; i < 5; i++) expect((await verifier.verify(await token(es))).ok).toBe(true);
    expect(jwksRequests - before).toBeLessThanOrEqual(1);
  });

  it("accepts an EdDSA token", async () => {
    const result = await verifier.verify(await token(ed, { sub: "nightly-eval" }));
    expect(result).toMatchObject({ ok: true, principal: { id: `jwt:${OIDC}#nightly-eval`, scopes: [] } });
  });

  it("accepts a SPIFFE JWT-SVID as is, with keys from a JWKS file", async () => {
    const sub = "spiffe://example.org/ns/prod/sa/support-agent";
    const result = await verifier.verify(await token(spire, { iss: SPIFFE, sub }));
    expect(result).toEqual({
      ok: true,
      principal: {
        id: `jwt:${SPIFFE}#${sub}`,
        name: sub,
        kind: "jwt",
        owner: "spire",
        environment: "prod",
        scopes: [],
        via: { method: "jwt", issuer: SPIFFE, subject: sub },
      },
    });
  });

  it("accepts a token that expired within the clock tolerance", async () => {
    expect((await verifier.verify(await token(es, {}, Math.floor(Date.now() / 1000) - 10))).ok).toBe(true);
  });

  describe("restrictions: refuses with AUTH_TOKEN_INVALID, never repeating the token", () => {
    const refuses = async (bad: string | Promise<string>, reason: RegExp) => {
      const t = await bad;
      const message = refusal(await verifier.verify(t));
      expect(message).toMatch(reason);
      if (t.length > 20) expect(message).not.toContain(t);
    };

    it("a token from an issuer that is not configured, naming it", () =>
      refuses(token(es, { iss: "https://evil.example" }), /tokens from issuer "https:\/\/evil\.example" are not accepted/));
    it("a token for another audience", () => refuses(token(es, { aud: "another-service" }), /audience is not "perimeter-gateway"/));
    it("an unsigned token (alg none)", () => {
      const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
      const payload = base64url.encode(JSON.stringify({ iss: OIDC, aud: AUDIENCE, sub: "svc-billing", exp: Math.floor(Date.now() / 1000) + 300 }));
      return refuses(`${header}.${payload}.`, /unsigned \(alg none\)/);
    });
    it("an HS256 token (a shared-secret alg no issuer allows)", () =>
      refuses(
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer(OIDC)
          .setAudience(AUDIENCE)
          .setSubject("svc-billing")
          .setExpirationTime("5m")
          .sign(new TextEncoder().encode("a".repeat(32))),
        /alg "HS256" is not accepted for issuer https:\/\/oidc\.example\.test \(accepted: ES256, EdDSA\)/,
      ));
    it("an RS256 token whose key the issuer publishes, when RS256 is not in its algorithms", () => refuses(token(rs), /alg "RS256" is not accepted/));
    it("an expired token", () =>
      refuses(token(es, {}, Math.floor(Date.now() / 1000) - 120), /the token expired at .*get a fresh token from https:\/\/oidc\.example\.test/));
    it("a token without exp", () => refuses(token(es, {}, null), /no exp claim/));
    it("a token with a bad signature", async () => {
      const [h, p, s] = (await token(es)).split(".") as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
      const forged = base64url.encode(JSON.stringify({ ...claims, sub: "svc-admin" }));
      await refuses(`${h}.${forged}.${s}`, /signature does not verify/);
    });
    it("a token signed by a stranger's key under a published key id", async () => {
      const stranger = await signer("ES256", "es-1");
      await refuses(token(stranger), /signature does not verify/);
    });
    it("a token signed by a key the issuer's JWKS does not hold", async () => {
      const stranger = await signer("ES256", "unknown-kid");
      await refuses(token(stranger), /signed with a key https:\/\/oidc\.example\.test does not publish/);
    });
    it("a SPIFFE token signed by the OIDC issuer's key", () =>
      refuses(token(es, { iss: SPIFFE, sub: "spiffe://example.org/x" }), /does not publish|signature does not verify/));
    it("something that is not a JWT", async () => {
      await refuses("not.a.jwt!", /not a JWT/);
      await refuses("e30.e30.", /unsigned|no iss/);
      await refuses("x".repeat(20_000), /longer than/);
      await refuses("bm90IGpzb24.bm90IGpzb24.c2ln", /not a well-formed JWT/);
    });
  });

  it("tells a JWT from an API key, so the gateway asks the right verifier", async () => {
    expect(looksLikeJwt(await token(es))).toBe(true);
    expect(bearerKind(await token(ed))).toBe("jwt");
    const { key } = generateApiKey("prm");
    expect(looksLikeJwt(key)).toBe(false);
    expect(bearerKind(key)).toBe("api-key");
    expect(bearerKind("garbage")).toBe("api-key");
  });

  it("refuses configurations that would trust keys fetched in the clear or from nowhere", () => {
    const base = { issuer: OIDC, audience: AUDIENCE, algorithms: ["ES256"] as JwtIssuerConfig["algorithms"], environment: "prod", owner: "x" };
    expect(() => new JwtVerifier([{ ...base, jwksUri: "http://idp.example.com/jwks" }])).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringMatching(/must be https/) }),
    );
    expect(() => new JwtVerifier([base])).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringMatching(/exactly one of jwksUri and jwksFile/) }),
    );
    expect(() => new JwtVerifier([{ ...base, jwksFile: "missing.jwks" }], { baseDir: dir })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringMatching(/cannot read jwksFile/) }),
    );
    expect(new JwtVerifier([{ ...base, jwksUri: "https://idp.example.com/jwks" }]).acceptedIssuers).toEqual([OIDC]);
  });
});
