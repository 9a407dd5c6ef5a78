import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asPerimeterError } from "../../src/errors.js";
import { resolveTrustedSigners, verifyWithTrustedSigners, type ResolvedSigner } from "../../src/lifecycle/signers.js";
import { SignatureCheckError, parseOmsBundle } from "../../src/signing/bundle.js";
import { verifyCertificateBundle, type CertificateCheck } from "../../src/signing/certificate-method.js";
import {
  signModelWithCertificate,
  signModelWithKey,
  verifyModelWithCertificate,
  verifyModelWithKey,
  verifyModelWithSigstore,
} from "../../src/signing/index.js";
import { verifyKeyBundle } from "../../src/signing/key-method.js";
import { loadConfig } from "../../src/config/load.js";
import {
  CODE_SIGNING_EXT,
  makeCertificateAuthority,
  makeTlsFixture,
  type CertificateAuthorityFixture,
  type IssuedCertificate,
  type TlsFixture,
} from "../fixtures/tls.js";

// What signature verification must refuse, case by case (the trust boundary between a model's files and
// everything that trusts them: approval, admission, the webhook). Each case signs a real model with a real
// key or certificate and checks that verification refuses it for the reason a person can act on.

const MT = join(import.meta.dirname, "../../../shared/vectors/model-transparency/scripts/tests");

let tmp: string;
let ca: CertificateAuthorityFixture;
let tlsFixture: TlsFixture;
let signer: IssuedCertificate;
let model: string;
let n = 0;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "perimeter-sign-restrictions-"));
  ca = makeCertificateAuthority();
  tlsFixture = makeTlsFixture();
  signer = ca.issue("release-bot", {
    subject: "/CN=release-bot/O=Acme",
    extensions: [...CODE_SIGNING_EXT, "subjectAltName=email:release-bot@acme.example,URI:https://ci.acme.example/release,DNS:ci.acme.example"],
  });
  model = freshModel();
});
afterAll(() => {
  ca.cleanup();
  tlsFixture.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

function freshModel(): string {
  const dir = join(tmp, `model-${++n}`);
  mkdirSync(join(dir, "weights"), { recursive: true });
  writeFileSync(join(dir, "config.json"), '{"hidden_size": 64}');
  writeFileSync(join(dir, "weights/model.safetensors"), "weights");
  return dir;
}

async function signWith(dir: string, cert: IssuedCertificate, chain: readonly string[] = []): Promise<string> {
  return (await signModelWithCertificate(dir, { privateKeyPem: cert.key, signingCertificatePem: cert.cert, chainPems: chain })).bundle;
}

async function certificateRefusal(
  fn: () => Promise<unknown> | unknown,
): Promise<{ certificateCheck: CertificateCheck | undefined; check: string; code: string; message: string }> {
  try {
    await fn();
  } catch (err) {
    const e = asPerimeterError(err);
    const details = e.details ?? {};
    return { certificateCheck: details["certificateCheck"] as CertificateCheck | undefined, check: String(details["check"]), code: e.code, message: e.message };
  }
  throw new Error("expected verification to refuse");
}

describe("certificate method: which certificate may sign", () => {
  it("accepts a code-signing certificate of the trusted CA (the baseline every refusal below departs from)", async () => {
    const bundle = await signWith(model, signer);
    const v = verifyCertificateBundle(bundle, [ca.ca]);
    expect(v.leafSubject).toBe("CN=release-bot, O=Acme");
    expect(v.leafSans).toEqual(["email:release-bot@acme.example", "URI:https://ci.acme.example/release", "DNS:ci.acme.example"]);
    await expect(verifyModelWithCertificate(model, bundle, [ca.ca])).resolves.toMatchObject({ files: 2 });
  });

  it("refuses a TLS server certificate from the trusted CA (no codeSigning extended key usage)", async () => {
    const webhookCert = { cert: tlsFixture.tls.cert.toString("utf8"), key: tlsFixture.tls.key.toString("utf8") };
    const bundle = await signWith(model, webhookCert);
    const f = await certificateRefusal(() => verifyModelWithCertificate(model, bundle, [tlsFixture.ca]));
    expect(f.code).toBe("SIGNATURE_INVALID");
    expect(f.certificateCheck).toBe("key-usage");
    expect(f.message).toMatch(/not a code-signing certificate: it has extended key usage serverAuth/);
  });

  it("refuses a certificate with digitalSignature but no extended key usage at all", async () => {
    const plain = ca.issue("no-eku", { extensions: ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"] });
    const f = await certificateRefusal(async () => verifyCertificateBundle(await signWith(model, plain), [ca.ca]));
    expect(f.certificateCheck).toBe("key-usage");
    expect(f.message).toMatch(/has no extended key usage/);
  });

  it("refuses anyExtendedKeyUsage in place of codeSigning", async () => {
    const any = ca.issue("any-eku", {
      extensions: ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=anyExtendedKeyUsage"],
    });
    const f = await certificateRefusal(async () => verifyCertificateBundle(await signWith(model, any), [ca.ca]));
    expect(f.certificateCheck).toBe("key-usage");
    expect(f.message).toMatch(/anyExtendedKeyUsage/);
  });

  it("refuses a code-signing certificate that expired before the signature is checked", async () => {
    const expired = ca.issue("expired-bot", { extensions: [...CODE_SIGNING_EXT], startDate: "20200101000000Z", endDate: "20201231000000Z" });
    const f = await certificateRefusal(async () => verifyModelWithCertificate(model, await signWith(model, expired), [ca.ca]));
    expect(f.certificateCheck).toBe("validity");
    expect(f.message).toMatch(/CN=expired-bot expired on 2020-12-31T00:00:00.000Z.*sign again with a current certificate/);
  });

  it("refuses a certificate that is not valid yet", async () => {
    const future = ca.issue("future-bot", { extensions: [...CODE_SIGNING_EXT], startDate: "20900101000000Z", endDate: "20910101000000Z" });
    const f = await certificateRefusal(async () => verifyCertificateBundle(await signWith(model, future), [ca.ca]));
    expect(f.certificateCheck).toBe("validity");
    expect(f.message).toMatch(/is not valid until 2090-01-01/);
  });

  it("does not take the leaf's notBefore as the signing time (model_signing's rule accepted long-expired certificates)", async () => {
    const expired = ca.issue("expired-2", { extensions: [...CODE_SIGNING_EXT], startDate: "20200101000000Z", endDate: "20200201000000Z" });
    const bundle = await signWith(model, expired);
    // Signed today with a certificate that was valid at its notBefore, in 2020: refused all the same.
    expect((await certificateRefusal(() => verifyCertificateBundle(bundle, [ca.ca]))).certificateCheck).toBe("validity");
    expect(Math.abs(verifyCertificateBundle(await signWith(model, signer), [ca.ca]).validityTime.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("refuses a certificate from a CA that is not trusted", async () => {
    const f = await certificateRefusal(async () => verifyCertificateBundle(await signWith(model, signer), [tlsFixture.otherCa]));
    expect(f.certificateCheck).toBe("chain");
  });

  it("refuses an intermediate that is not a CA issuing the signer", async () => {
    const notCa = ca.issue("not-a-ca", { extensions: ["basicConstraints=critical,CA:FALSE"] });
    const under = ca.issue("under-not-a-ca", { extensions: [...CODE_SIGNING_EXT] }, "not-a-ca");
    const f = await certificateRefusal(async () => verifyCertificateBundle(await signWith(model, under, [notCa.cert]), [ca.ca]));
    expect(f.certificateCheck).toBe("ca-constraints");
  });
});

describe("certificate method: a pinned signer refuses another leaf of the same CA", () => {
  const pinned = (identity: Parameters<typeof verifyCertificateBundle>[2] extends infer O ? (O extends { identity?: infer I } ? I : never) : never) => identity;

  it("accepts the pinned subject and SANs", async () => {
    const bundle = await signWith(model, signer);
    const identity = pinned({
      subject: "CN=release-bot, O=Acme",
      email: "release-bot@acme.example",
      uri: "https://ci.acme.example/release",
      dns: "ci.acme.example",
    });
    expect(verifyCertificateBundle(bundle, [ca.ca], { identity }).leafSubject).toBe("CN=release-bot, O=Acme");
  });

  it("refuses a different subject", async () => {
    const mallory = ca.issue("mallory", { subject: "/CN=mallory/O=Acme", extensions: [...CODE_SIGNING_EXT, "subjectAltName=email:release-bot@acme.example"] });
    const f = await certificateRefusal(async () =>
      verifyCertificateBundle(await signWith(model, mallory), [ca.ca], { identity: { subject: "CN=release-bot, O=Acme" } }),
    );
    expect(f.certificateCheck).toBe("identity");
    expect(f.message).toMatch(/not the expected signer: its subject is CN=mallory, O=Acme, not CN=release-bot, O=Acme/);
  });

  it("refuses a different email, URI or DNS SAN, and a leaf with no SAN", async () => {
    const other = ca.issue("other-bot", {
      subject: "/CN=release-bot/O=Acme",
      extensions: [...CODE_SIGNING_EXT, "subjectAltName=email:mallory@acme.example,URI:https://ci.acme.example/mallory,DNS:evil.example"],
    });
    const bundle = await signWith(model, other);
    for (const identity of [{ email: "release-bot@acme.example" }, { uri: "https://ci.acme.example/release" }, { dns: "ci.acme.example" }]) {
      const f = await certificateRefusal(() => verifyCertificateBundle(bundle, [ca.ca], { identity }));
      expect(f.certificateCheck).toBe("identity");
    }
    // The subject alone matching is not enough when a SAN is pinned too.
    const f = await certificateRefusal(() =>
      verifyCertificateBundle(bundle, [ca.ca], { identity: { subject: "CN=release-bot, O=Acme", email: "release-bot@acme.example" } }),
    );
    expect(f.message).toMatch(/does not name email:release-bot@acme.example \(its email names: email:mallory@acme.example\)/);
    const noSan = ca.issue("no-san", { subject: "/CN=release-bot/O=Acme", extensions: [...CODE_SIGNING_EXT] });
    const g = await certificateRefusal(async () => verifyCertificateBundle(await signWith(model, noSan), [ca.ca], { identity: { dns: "ci.acme.example" } }));
    expect(g.message).toMatch(/its DNS names: none/);
  });

  it("refuses a SAN that only contains the pinned one (no substring or wildcard match)", async () => {
    const sneaky = ca.issue("sneaky", { extensions: [...CODE_SIGNING_EXT, "subjectAltName=DNS:*.acme.example,email:release-bot@acme.example.evil"] });
    const bundle = await signWith(model, sneaky);
    expect((await certificateRefusal(() => verifyCertificateBundle(bundle, [ca.ca], { identity: { dns: "ci.acme.example" } }))).certificateCheck).toBe(
      "identity",
    );
    expect(
      (await certificateRefusal(() => verifyCertificateBundle(bundle, [ca.ca], { identity: { email: "release-bot@acme.example" } }))).certificateCheck,
    ).toBe("identity");
  });

  it("applies a trusted signer's pin from perimeter.yaml at approval and admission (lifecycle.trustedSigners)", async () => {
    const dir = freshModel();
    writeFileSync(join(tmp, "ca.pem"), ca.ca);
    const config = join(tmp, `perimeter-${n}.yaml`);
    writeFileSync(
      config,
      `lifecycle:\n  trustedSigners:\n    - name: release\n      certificateChain: [ca.pem]\n      subject: "CN=release-bot, O=Acme"\n      san: { email: release-bot@acme.example }\n`,
    );
    const signers: ResolvedSigner[] = resolveTrustedSigners(loadConfig({ path: config, env: {} }));
    expect(signers[0]).toMatchObject({ name: "release", identity: { subject: "CN=release-bot, O=Acme", email: "release-bot@acme.example" } });

    writeFileSync(join(dir, "model.sig"), await signWith(dir, signer));
    expect(await verifyWithTrustedSigners(dir, signers)).toMatchObject({ ok: true, signer: "release" });

    const colleague = ca.issue("colleague", {
      subject: "/CN=colleague/O=Acme",
      extensions: [...CODE_SIGNING_EXT, "subjectAltName=email:colleague@acme.example"],
    });
    writeFileSync(join(dir, "model.sig"), await signWith(dir, colleague));
    const refused = await verifyWithTrustedSigners(dir, signers);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/release: .*not the expected signer/);
  });
});

describe("what already held: tampering, wrong keys, type confusion", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const pubPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const otherPub = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();

  async function signed(): Promise<{ dir: string; bundle: string }> {
    const dir = freshModel();
    return { dir, bundle: (await signModelWithKey(dir, { privateKeyPem: keyPem })).bundle };
  }

  it("refuses a file changed after signing, naming it", async () => {
    const { dir, bundle } = await signed();
    writeFileSync(join(dir, "config.json"), '{"hidden_size": 65}');
    await expect(verifyModelWithKey(dir, bundle, pubPem)).rejects.toMatchObject({
      code: "MODEL_MISMATCH",
      message: expect.stringMatching(/config\.json changed since it was signed/),
    });
  });

  it("refuses a signed file that is missing, and a file added after signing", async () => {
    const { dir, bundle } = await signed();
    unlinkSync(join(dir, "weights/model.safetensors"));
    await expect(verifyModelWithKey(dir, bundle, pubPem)).rejects.toMatchObject({
      code: "MODEL_MISMATCH",
      message: expect.stringMatching(/weights\/model\.safetensors was signed but is missing/),
    });
    const second = await signed();
    writeFileSync(join(second.dir, "extra.bin"), "x");
    await expect(verifyModelWithKey(second.dir, second.bundle, pubPem)).rejects.toMatchObject({
      code: "MODEL_MISMATCH",
      message: expect.stringMatching(/extra\.bin was added/),
    });
  });

  it("refuses a signature checked against another key", async () => {
    const { dir, bundle } = await signed();
    await expect(verifyModelWithKey(dir, bundle, otherPub)).rejects.toBeInstanceOf(SignatureCheckError);
  });

  it("refuses a manifest modified after signing (a digest swapped in the statement)", async () => {
    const { dir, bundle } = await signed();
    const b = JSON.parse(bundle) as { dsseEnvelope: { payload: string } };
    const statement = JSON.parse(Buffer.from(b.dsseEnvelope.payload, "base64").toString("utf8")) as { predicate: { resources: Array<{ digest: string }> } };
    statement.predicate.resources[0]!.digest = "0".repeat(64);
    b.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
    const f = await certificateRefusal(() => verifyModelWithKey(dir, JSON.stringify(b), pubPem));
    expect(f.code).toMatch(/SIGNATURE_INVALID|SIGNATURE_BUNDLE_INVALID/);
  });

  it("refuses a bundle of one method given to another (key ↔ certificate ↔ Sigstore)", async () => {
    const { dir, bundle: keyBundle } = await signed();
    expect((await certificateRefusal(() => verifyCertificateBundle(keyBundle, [ca.ca]))).certificateCheck).toBe("certificate-missing");
    const certBundle = await signWith(dir, signer);
    expect((await certificateRefusal(() => verifyKeyBundle(certBundle, pubPem))).check).toBe("bundle-key-material");
    const f = await certificateRefusal(() =>
      verifyModelWithSigstore(dir, certBundle, { identity: "release-bot@acme.example", issuer: "https://accounts.example" }),
    );
    expect(f.code).toMatch(/SIGNATURE_INVALID|SIGNATURE_BUNDLE_INVALID/);
    // A Sigstore keyless bundle is not a certificate-method bundle, even though both carry a certificate.
    const sigstoreBundle = readFileSync(join(MT, "v1.1.0-sigstore/model.sig"), "utf8");
    expect((await certificateRefusal(() => verifyCertificateBundle(sigstoreBundle, [ca.ca]))).certificateCheck).toBe("certificate-missing");
    expect(parseOmsBundle(certBundle).modelName).toMatch(/^model-/);
  });
});
