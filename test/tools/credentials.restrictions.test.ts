import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import {
  argumentsDigest,
  CallTokenVerifier,
  type CallTokenCheck,
  type CallTokenVerifierOptions,
  CredentialIssuer,
  exchangeToken,
  JWT_TOKEN_TYPE,
  MAX_CALL_TOKEN_LENGTH,
  type MintInput,
  ReplayCache,
  SESSION_PURPOSE,
  TOKEN_EXCHANGE_GRANT,
  type TokenExchangeDeps,
  verifyCallToken,
} from "../../src/tools/credentials.js";

// What a tool server's verifier and Perimeter's token exchange must refuse: the trust boundary between
// Perimeter and the tool servers it sends per-call tokens to. Each case is a token or a request an attacker can
// make with what they can see: the public JWKS, a token meant for another tool server, an old token, a token
// they hold legitimately and try to stretch. A control case first shows that the forging helper makes tokens
// that do verify, so that each refusal is the check's doing and not the helper's.

const ISSUER = "perimeter";
const T0 = 1_800_000_000;
const ARGS = { path: "/srv/data/report.csv", limit: 10 };

type Json = Record<string, unknown>;
const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const jti = () => randomBytes(16).toString("base64url");

type Signer = { none: true } | { ed: KeyObject } | { hs: Buffer | string } | { rs: KeyObject } | { es: KeyObject };

function forge(header: Json, payload: Json | string, by: Signer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  if ("none" in by) signature = Buffer.alloc(0);
  else if ("ed" in by) signature = sign(null, data, by.ed);
  else if ("hs" in by) signature = createHmac("sha256", by.hs).update(data).digest();
  else if ("rs" in by) signature = sign("sha256", data, by.rs);
  else signature = sign("sha256", data, { key: by.es, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

describe("a call token verifier refuses", () => {
  let key: KeyObject;
  let issuer: CredentialIssuer;
  let keys: JWTVerifyGetKey;
  let now: number;
  const clock = () => now * 1000;
  const header = (extra: Json = {}): Json => ({ alg: "EdDSA", kid: issuer.kid, typ: "JWT", ...extra });
  const claims = (extra: Json = {}): Json => ({
    iss: ISSUER,
    sub: "id_0123456789ab",
    aud: "files",
    purpose: "files__read_file",
    args: argumentsDigest(ARGS),
    jti: jti(),
    iat: now,
    exp: now + 60,
    ...extra,
  });
  const without = (name: string): Json => {
    const c = claims();
    delete c[name];
    return c;
  };
  const ours = (payload: Json | string = claims(), h: Json = header()) => forge(h, payload, { ed: key });
  const verifier = (options: Partial<CallTokenVerifierOptions> = {}) => new CallTokenVerifier({ issuer: ISSUER, audience: "files", keys, clock, ...options });
  const verify = (token: string, options: Partial<CallTokenVerifierOptions> = {}) =>
    verifier(options).verify(token, { purpose: "files__read_file", arguments: ARGS });
  const refused = (p: Promise<unknown>, check: CallTokenCheck) => expect(p).rejects.toMatchObject({ code: "TOOL_TOKEN_INVALID", details: { check } });

  beforeEach(() => {
    now = T0;
    key = generateKeyPairSync("ed25519").privateKey;
    issuer = CredentialIssuer.fromKey(key, { issuer: ISSUER, clock });
    keys = createLocalJWKSet(issuer.jwks());
  });

  it("nothing that Perimeter mints, nor a token forged with its key and the claims it sets (control)", async () => {
    await expect(verify(issuer.mint({ subject: "id_0123456789ab", audience: "files", purpose: "files__read_file", arguments: ARGS }))).resolves.toMatchObject({
      aud: "files",
    });
    await expect(verify(ours())).resolves.toMatchObject({ aud: "files", purpose: "files__read_file" });
  });

  describe("an algorithm other than EdDSA", () => {
    const x = () => issuer.jwks().keys[0]!.x;
    it("alg none, unsigned", () => refused(verify(forge(header({ alg: "none" }), claims(), { none: true })), "format"));
    it("alg none, with a signature part", () => refused(verify(`${forge(header({ alg: "none" }), claims(), { none: true })}AAAA`), "alg"));
    it.each([
      ["the raw public key bytes", () => Buffer.from(x(), "base64url")],
      ["the public key's base64url text", () => x()],
      ["the published JWK as JSON", () => JSON.stringify(issuer.jwks().keys[0])],
      ["the public key's PEM", () => createPublicKey(key).export({ type: "spki", format: "pem" }).toString()],
    ])("HS256 keyed with %s (key confusion)", (_, secret) => refused(verify(forge(header({ alg: "HS256" }), claims(), { hs: secret() })), "alg"));
    it("RS256 with an RSA key under Perimeter's kid", () =>
      refused(verify(forge(header({ alg: "RS256" }), claims(), { rs: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey })), "alg"));
    it("ES256 with an EC key under Perimeter's kid", () =>
      refused(verify(forge(header({ alg: "ES256" }), claims(), { es: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey })), "alg"));
    it("Ed25519 (the fully-specified name), even signed with Perimeter's own key", () => refused(verify(ours(claims(), header({ alg: "Ed25519" }))), "alg"));
  });

  describe("a key that is not Perimeter's", () => {
    it("EdDSA signed by another Ed25519 key that names Perimeter's kid", () =>
      refused(verify(forge(header(), claims(), { ed: generateKeyPairSync("ed25519").privateKey })), "signature"));
    it("a JWKS holding another key under Perimeter's kid: ambiguous, so even a genuine token is refused", async () => {
      const other = generateKeyPairSync("ed25519").privateKey;
      const impostor = { ...(createPublicKey(other).export({ format: "jwk" }) as Json), kid: issuer.kid, alg: "EdDSA", use: "sig" };
      const confused = createLocalJWKSet({ keys: [...issuer.jwks().keys, impostor] });
      await refused(verify(forge(header(), claims(), { ed: other }), { keys: confused }), "kid");
      await refused(verify(ours(), { keys: confused }), "kid");
    });
    it("a kid Perimeter does not publish", () => refused(verify(ours(claims(), header({ kid: b64("x".repeat(32)) }))), "kid"));
    it("no kid", () => refused(verify(ours(claims(), { alg: "EdDSA", typ: "JWT" })), "kid"));
    it("a genuine token whose claims were edited (aud changed, signature kept)", () => {
      const [h, , s] = ours(claims({ aud: "search" })).split(".");
      return refused(verify(`${h}.${b64(claims())}.${s}`), "signature");
    });
  });

  describe("a header Perimeter never writes", () => {
    it.each([
      ["a critical extension (crit)", { crit: ["exp"], exp: T0 }],
      ["an unencoded payload (b64: false)", { crit: ["b64"], b64: false }],
      ["an embedded key (jwk)", { jwk: { kty: "OKP", crv: "Ed25519", x: b64("k".repeat(32)) } }],
      ["a key URL (jku)", { jku: "https://attacker.example/jwks.json" }],
      ["a certificate URL (x5u)", { x5u: "https://attacker.example/cert.pem" }],
    ])("%s", (_, extra) => refused(verify(ours(claims(), header(extra))), "header"));
    it("another typ (at+jwt)", () => refused(verify(ours(claims(), header({ typ: "at+jwt" }))), "header"));
    it("a header that is not JSON", () => refused(verify(`${b64("{alg")}.${b64(claims())}.${b64("sig")}`), "format"));
    it("a header that is a JSON array", () => refused(verify(`${b64(["EdDSA"])}.${b64(claims())}.${b64("sig")}`), "format"));
  });

  describe("something that is not a compact JWS of sane size", () => {
    it("a token longer than the limit, before anything is decoded", () =>
      refused(verify(ours(claims({ padding: "p".repeat(MAX_CALL_TOKEN_LENGTH) }))), "format"));
    it("a JWE (five parts)", () => refused(verify(["a", "b", "c", "d", "e"].map(b64).join(".")), "format"));
    it("two parts", () => refused(verify(ours().split(".").slice(0, 2).join(".")), "format"));
    it("characters outside base64url", () => refused(verify(`${ours()}=`), "format"));
    it("not a string", () => refused(verify(42 as unknown as string), "format"));
    it("a payload that is not a JSON object", () => refused(verify(ours("[1,2,3]")), "format"));
  });

  describe("a token for somewhere else", () => {
    it("another tool server's token", () => refused(verify(ours(claims({ aud: "search" }))), "audience"));
    it("several audiences, ours among them", () => refused(verify(ours(claims({ aud: ["files", "search"] }))), "claims"));
    it("a list of one audience: Perimeter mints a string", () => refused(verify(ours(claims({ aud: ["files"] }))), "claims"));
    it("another issuer", () => refused(verify(ours(claims({ iss: "https://attacker.example" }))), "issuer"));
    it("another tool", async () => {
      const token = ours(claims({ purpose: "files__delete_file" }));
      await refused(verify(token), "purpose");
    });
    it("other arguments", () => refused(verify(ours(claims({ args: argumentsDigest({ ...ARGS, path: "/etc/shadow" }) }))), "arguments"));
    it("no arguments at all, when the call has some", () => refused(verify(ours(without("args"))), "arguments"));
  });

  describe("a token outside its time", () => {
    it("expired", () => refused(verify(ours(claims({ iat: T0 - 120, exp: T0 - 60 }))), "expired"));
    it("expired by more than the clock tolerance", () => refused(verify(ours(claims({ iat: T0 - 66, exp: T0 - 6 }))), "expired"));
    it("not valid yet (nbf in the future)", () => refused(verify(ours(claims({ nbf: T0 + 30 }))), "not-yet-valid"));
    it("issued in the future (iat)", () => refused(verify(ours(claims({ iat: T0 + 30, exp: T0 + 90 }))), "not-yet-valid"));
    it("living longer than maxTtlSeconds (exp far in the future)", () => refused(verify(ours(claims({ exp: T0 + 86_400 }))), "lifetime"));
    it("living longer than a tighter maxTtlSeconds", () => refused(verify(ours(claims({ exp: T0 + 120 })), { maxTtlSeconds: 60 }), "lifetime"));
    it("expiring before it was issued", () => refused(verify(ours(claims({ iat: T0, exp: T0 })), { clockToleranceSeconds: 5 }), "lifetime"));
  });

  describe("missing or mistyped claims", () => {
    it.each(["iss", "sub", "aud", "purpose", "jti", "iat", "exp"])("no %s", (name) =>
      refused(verify(ours(without(name))), name === "iss" ? "claims" : "claims"),
    );
    it.each([
      ["exp as a string", { exp: String(T0 + 60) }],
      ["iat as a fraction", { iat: T0 + 0.5 }],
      ["sub as a number", { sub: 42 }],
      ["an empty sub", { sub: "" }],
      ["purpose as a list", { purpose: ["files__read_file"] }],
      ["args that is not a digest", { args: "AAAA" }],
      ["a jti that is not 128 bits", { jti: "1" }],
      ["act without sub", { act: { client: "x" } }],
      ["act that is a string", { act: "search" }],
      ["a delegation chain five hops long", { act: { sub: "a", act: { sub: "b", act: { sub: "c", act: { sub: "d", act: { sub: "e" } } } } } }],
      ["identity_name as a number", { identity_name: 7 }],
    ])("%s", (_, extra) => refused(verify(ours(claims(extra))), "claims"));
  });

  describe("a token used before", () => {
    it("the same token twice", async () => {
      const v = verifier();
      const token = ours();
      await v.verify(token);
      await refused(v.verify(token), "replay");
    });
    it("the same token several times at once: exactly one verification succeeds", async () => {
      const v = verifier();
      const token = ours();
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => v.verify(token)));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results.filter((r) => r.status === "rejected")) expect(r.reason).toMatchObject({ details: { check: "replay" } });
    });
    it("still refused at the end of its life plus the clock tolerance", async () => {
      const v = verifier({ clockToleranceSeconds: 5 });
      const token = ours();
      await v.verify(token);
      now = T0 + 64;
      await refused(v.verify(token), "replay");
      now = T0 + 65;
      await refused(v.verify(token), "expired");
    });
    it("a new token, when the replay cache is full of live ones (it forgets none)", async () => {
      const v = verifier({ replayCacheSize: 2 });
      await v.verify(ours());
      await v.verify(ours());
      await expect(v.verify(ours())).rejects.toMatchObject({ code: "RATE_LIMITED", details: { check: "replay-cache-full" } });
    });
  });

  it("but a token refused for its purpose is not used up by the refusal", async () => {
    const v = verifier();
    const token = ours();
    await refused(v.verify(token, { purpose: "files__delete_file" }), "purpose");
    await expect(v.verify(token, { purpose: "files__read_file" })).resolves.toMatchObject({ purpose: "files__read_file" });
  });

  it("and keys that cannot be fetched refuse, never pass", async () => {
    const broken: JWTVerifyGetKey = async () => {
      throw new Error("connection refused");
    };
    await refused(verify(ours(), { keys: broken }), "keys");
  });
});

describe("the token exchange refuses", () => {
  let key: KeyObject;
  let issuer: CredentialIssuer;
  let deps: TokenExchangeDeps;
  let now: number;
  const clock = () => now * 1000;
  /** files may exchange for search, search for mail and files (a loop, which the exchange must still refuse), and on. */
  const allowed: Record<string, string[]> = { files: ["search"], search: ["mail", "files"], mail: ["calendar"], calendar: ["drive"], drive: ["archive"] };
  const audiences = ["files", "search", "mail", "calendar", "drive", "archive"];
  const callToken = (extra: Partial<MintInput> = {}) =>
    issuer.mint({ subject: "id_0123456789ab", audience: "files", purpose: "files__read_file", arguments: ARGS, ...extra });
  const form = (token: string, params: Record<string, string | string[]> = {}) => {
    const f = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: token, subject_token_type: JWT_TOKEN_TYPE, audience: "search" });
    for (const [k, v] of Object.entries(params)) {
      f.delete(k);
      for (const one of Array.isArray(v) ? v : [v]) f.append(k, one);
    }
    return f;
  };
  const exchanged = (token: string, params: Record<string, string | string[]> = {}) => exchangeToken(form(token, params), deps);
  const refusedWith = async (p: ReturnType<typeof exchangeToken>, error: string) => {
    const answer = await p;
    expect(answer.json).toMatchObject({ error });
    expect(answer.status).toBe(error === "temporarily_unavailable" ? 503 : 400);
    expect(answer.json).not.toHaveProperty("access_token");
    // RFC 6749 §5.2: error_description is printable ASCII without '"' and '\'.
    expect(answer.json["error_description"]).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
    expect(answer.headers["cache-control"]).toBe("no-store");
  };

  beforeEach(() => {
    now = T0;
    key = generateKeyPairSync("ed25519").privateKey;
    issuer = CredentialIssuer.fromKey(key, { issuer: ISSUER, clock });
    const keys = createLocalJWKSet(issuer.jwks());
    deps = {
      issuer,
      verify: (token) => verifyCallToken(token, { issuer: ISSUER, audience: audiences, keys, clock }),
      audiencesFor: (c) => allowed[c.aud] ?? [],
      exchanged: new ReplayCache(),
    };
  });

  it("nothing in a well-formed request for an allowed audience (control)", async () => {
    expect((await exchanged(callToken())).status).toBe(200);
  });

  it.each<[string, Record<string, string | string[]>, string]>([
    ["another grant type", { grant_type: "client_credentials" }, "unsupported_grant_type"],
    ["no grant type", { grant_type: [] }, "invalid_request"],
    ["the grant type twice", { grant_type: [TOKEN_EXCHANGE_GRANT, TOKEN_EXCHANGE_GRANT] }, "invalid_request"],
    ["no subject token", { subject_token: [] }, "invalid_request"],
    ["an empty subject token", { subject_token: "" }, "invalid_request"],
    ["a subject token type it does not issue", { subject_token_type: "urn:ietf:params:oauth:token-type:saml2" }, "invalid_request"],
    ["a requested token type it cannot issue", { requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }, "invalid_request"],
    ["an actor token", { actor_token: "x", actor_token_type: JWT_TOKEN_TYPE }, "invalid_request"],
    ["no audience or resource", { audience: [] }, "invalid_request"],
    ["two audiences", { audience: ["search", "mail"] }, "invalid_target"],
    ["an audience and a resource that differ", { resource: "https://mail.example/" }, "invalid_target"],
    ["a resource that is not an absolute URI", { audience: [], resource: "search" }, "invalid_target"],
    ["an audience the holder may not exchange for (widening)", { audience: "mail" }, "invalid_target"],
    ["an audience Perimeter does not know", { audience: "attacker" }, "invalid_target"],
    ["the audience the token is for already", { audience: "files" }, "invalid_target"],
    ["a scope other than the token's purpose", { scope: "files__delete_file" }, "invalid_scope"],
    ["a scope wider than the token's purpose", { scope: "files__read_file files__delete_file" }, "invalid_scope"],
  ])("%s", (_, params, error) => refusedWith(exchanged(callToken(), params), error));

  it("a subject token Perimeter did not sign", async () => {
    const forged = forge(
      { alg: "EdDSA", kid: issuer.kid, typ: "JWT" },
      { iss: ISSUER, sub: "id_0123456789ab", aud: "files", purpose: "files__read_file", jti: jti(), iat: now, exp: now + 60 },
      { ed: generateKeyPairSync("ed25519").privateKey },
    );
    await refusedWith(exchanged(forged), "invalid_grant");
  });

  it("a subject token that is not a JWT", () => refusedWith(exchanged("prm_abcdefghijkl_secret"), "invalid_grant"));

  it("an expired subject token, even within the verifier's clock tolerance", async () => {
    const token = callToken();
    now = T0 + 61;
    await refusedWith(exchanged(token), "invalid_grant");
    now = T0 + 600;
    await refusedWith(exchanged(token), "invalid_grant");
  });

  it("Perimeter's own session token", () => refusedWith(exchanged(callToken({ purpose: SESSION_PURPOSE, arguments: undefined })), "invalid_grant"));

  it("the same token exchanged twice for one audience, also at once", async () => {
    const token = callToken();
    const answers = await Promise.all([exchanged(token), exchanged(token), exchanged(token)]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    await refusedWith(exchanged(token), "invalid_grant");
  });

  it("a chain that would lengthen the token's life: each hop expires no later than the first", async () => {
    const first = callToken();
    now = T0 + 50;
    const second = await exchanged(first);
    expect(second.json["expires_in"]).toBe(10);
    const hop = second.json["access_token"] as string;
    const claims = JSON.parse(Buffer.from(hop.split(".")[1]!, "base64url").toString()) as { exp: number };
    expect(claims.exp).toBe(T0 + 60);
    now = T0 + 60;
    await refusedWith(exchanged(hop, { audience: "mail" }), "invalid_grant");
  });

  it("a chain that loops back to a tool server it passed through", async () => {
    const second = await exchanged(callToken());
    await refusedWith(exchanged(second.json["access_token"] as string, { audience: "files" }), "invalid_target");
  });

  it("a chain longer than the most hops allowed", async () => {
    let token = callToken();
    for (const audience of ["search", "mail", "calendar"]) {
      const answer = await exchanged(token, { audience });
      expect(answer.status).toBe(200);
      token = answer.json["access_token"] as string;
    }
    // The fourth exchange makes a chain of four actors, the most a verifier accepts; the fifth is refused.
    const fourth = await exchanged(token, { audience: "drive" });
    expect(fourth.status).toBe(200);
    await refusedWith(exchanged(fourth.json["access_token"] as string, { audience: "archive" }), "invalid_grant");
  });

  it("when asking which audiences are allowed fails", async () => {
    deps = {
      ...deps,
      audiencesFor: () => {
        throw new Error("policy store down");
      },
    };
    await refusedWith(exchanged(callToken()), "invalid_grant");
  });

  it("a new exchange when the record of exchanges is full of live ones (it forgets none)", async () => {
    deps = { ...deps, exchanged: new ReplayCache(1) };
    expect((await exchanged(callToken())).status).toBe(200);
    await refusedWith(exchanged(callToken()), "temporarily_unavailable");
  });
});
