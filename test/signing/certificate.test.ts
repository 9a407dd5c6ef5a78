import { execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SignatureCheckError, loadOmsSchemas, parseOmsBundle, type SignatureCheck } from "../../src/signing/bundle.js";
import { signCertificateBundle, verifyCertificateBundle, type CertificateCheck } from "../../src/signing/certificate-method.js";

const VECTORS = join(import.meta.dirname, "../../../shared/vectors");
const MT = join(VECTORS, "model-transparency/scripts/tests");
const KEYS = join(MT, "keys/certificate");
const schemas = loadOmsSchemas(join(VECTORS, "oms-spec/schemas/v1.0"));
const options = { schemas };
const CA = readFileSync(join(KEYS, "ca-cert.pem"), "utf8");
const INT_CA = readFileSync(join(KEYS, "int-ca-cert.pem"), "utf8");
const CERT_DIRS = ["v1.0.1-certificate", "v1.1.0-certificate"];

const modelSig = (dir: string): string => readFileSync(join(MT, dir, "model.sig"), "utf8");
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

function failure(fn: () => unknown): { check: SignatureCheck; certificateCheck: CertificateCheck | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SignatureCheckError);
    const e = err as SignatureCheckError;
    const details = (e as unknown as { details?: Record<string, unknown> }).details;
    return { check: e.check, certificateCheck: details?.["certificateCheck"] as CertificateCheck | undefined, message: e.message };
  }
  throw new Error("expected the check to fail");
}

type Bundle = {
  verificationMaterial: { x509CertificateChain?: { certificates: Array<{ rawBytes: string }> }; publicKey?: unknown };
  dsseEnvelope: { payload: string; signatures: Array<{ sig: string }> };
};
function edit(json: string, change: (b: Bundle) => void): string {
  const bundle = JSON.parse(json) as Bundle;
  change(bundle);
  return JSON.stringify(bundle);
}

// openssl (a system tool that scripts/test-services.sh installs when missing, not a dependency) makes
// certificates for the round trip; node:crypto cannot.
const tmp = mkdtempSync(join(tmpdir(), "perimeter-cert-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Issued {
  readonly cert: string;
  readonly key: string;
}
function issue(name: string, ext: string[], issuer?: { name: string }, curve = "P-256"): Issued {
  const key = join(tmp, `${name}.key`);
  const cert = join(tmp, `${name}.pem`);
  const args = [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    `ec_paramgen_curve:${curve}`,
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-subj",
    `/CN=${name}`,
    "-days",
    "30",
  ];
  if (issuer) args.push("-CA", join(tmp, `${issuer.name}.pem`), "-CAkey", join(tmp, `${issuer.name}.key`));
  for (const e of ext) args.push("-addext", e);
  execFileSync("openssl", args, { stdio: "ignore" });
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}
const CA_EXT = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"];

describe("model_signing certificate-method signatures (reference vectors)", () => {
  for (const dir of CERT_DIRS) {
    it(`verifies ${dir}/model.sig against ca-cert.pem through the bundle's intermediate`, () => {
      const result = verifyCertificateBundle(modelSig(dir), [CA], options);
      expect(result.curve).toBe("P-384");
      expect(result.keyMaterial).toBe("x509CertificateChain");
      expect(result.leafSubject).toBe("CN=intermediate-ca");
      expect(result.chain).toEqual(["CN=intermediate-ca", "CN=intermediate-ca", "CN=root-ca"]);
      expect(result.chainFingerprints[2]).toBe(new X509Certificate(CA).fingerprint256);
      // Checked at the verification time (the bundle carries no signing time we can trust), not the leaf's notBefore.
      expect(Math.abs(result.validityTime.getTime() - Date.now())).toBeLessThan(60_000);
      expect(result.leafSans).toEqual([]);
      for (const file of ["signme-1", "signme-2"]) {
        expect(result.resources.get(file)).toBe(sha256(readFileSync(join(MT, dir, file))));
      }
      expect([...result.resources.keys()].some((n) => n.includes("ignore-me"))).toBe(false);
    });

    it(`verifies ${dir}/model.sig with the intermediate given instead of carried`, () => {
      const leafOnly = edit(modelSig(dir), (b) => {
        b.verificationMaterial.x509CertificateChain!.certificates.splice(1);
      });
      // Any given certificate anchors the path, so it ends at the given intermediate.
      expect(verifyCertificateBundle(leafOnly, [CA, INT_CA], options).chain).toEqual(["CN=intermediate-ca", "CN=intermediate-ca"]);
      expect(verifyCertificateBundle(leafOnly, [CA + INT_CA], options).chain).toHaveLength(2);
      // Without the intermediate there is no path to the root.
      expect(failure(() => verifyCertificateBundle(leafOnly, [CA], options)).certificateCheck).toBe("chain");
    });

    it(`refuses ${dir}/model.sig with a tampered signature or payload`, () => {
      const badSig = edit(modelSig(dir), (b) => {
        const s = b.dsseEnvelope.signatures[0]!;
        const raw = Buffer.from(s.sig, "base64");
        raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 0x01;
        s.sig = raw.toString("base64");
      });
      expect(failure(() => verifyCertificateBundle(badSig, [CA], options)).check).toBe("signature");
      const badPayload = edit(modelSig(dir), (b) => {
        const statement = JSON.parse(Buffer.from(b.dsseEnvelope.payload, "base64").toString("utf8")) as { subject: Array<{ name: string }> };
        statement.subject[0]!.name = "other";
        b.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
      });
      expect(failure(() => verifyCertificateBundle(badPayload, [CA], options)).check).toBe("signature");
    });
  }

  it("refuses a bundle without a certificate chain, and a missing CA", () => {
    const keyBundle = readFileSync(join(MT, "v1.1.0-elliptic-key/model.sig"), "utf8");
    const f = failure(() => verifyCertificateBundle(keyBundle, [CA], options));
    expect(f.check).toBe("bundle-key-material");
    expect(f.certificateCheck).toBe("certificate-missing");
    expect(failure(() => verifyCertificateBundle(modelSig("v1.1.0-certificate"), [], options)).check).toBe("key-missing");
    expect(failure(() => verifyCertificateBundle(modelSig("v1.1.0-certificate"), ["not a pem"], options)).check).toBe("key-unreadable");
  });

  it("checks validity at an explicit instant when asked (the vector's certificates expire in 2035)", () => {
    const late = verifyCertificateBundle(modelSig("v1.1.0-certificate"), [CA], { ...options, validityTime: new Date("2030-01-01T00:00:00Z") });
    expect(late.validityTime.getUTCFullYear()).toBe(2030);
    const f = failure(() => verifyCertificateBundle(modelSig("v1.1.0-certificate"), [CA], { ...options, validityTime: new Date("2036-01-01T00:00:00Z") }));
    expect(f.check).toBe("key-mismatch");
    expect(f.certificateCheck).toBe("validity");
  });

  it("parses the OMS spec's valid certificate bundle, and verifies it against ca-cert.pem", () => {
    const json = readFileSync(join(VECTORS, "oms-spec/test-vectors/v1.0/valid/certificate.bundle.json"), "utf8");
    const parsed = parseOmsBundle(json, schemas);
    expect(parsed.bundle.verificationMaterial.x509CertificateChain?.certificates).toHaveLength(2);
    expect(parsed.resources.size).toBeGreaterThan(0);
    expect(verifyCertificateBundle(json, [CA], options).leafSubject).toBe("CN=intermediate-ca");
  });
});

describe("certificate method with generated certificates (openssl CLI)", () => {
  it("refuses a chain that does not lead to a given CA, naming the chain check", () => {
    const other = issue("other-root", CA_EXT);
    const f = failure(() => verifyCertificateBundle(modelSig("v1.1.0-certificate"), [other.cert], options));
    expect(f.check).toBe("key-mismatch");
    expect(f.certificateCheck).toBe("chain");
    expect(f.message).toMatch(/does not lead to a given CA: CN=intermediate-ca .* is not issued by any of them/);
  });

  it("round-trips: signs with a generated root → intermediate → leaf chain in model_signing's shape, and verifies", () => {
    issue("rt-root", CA_EXT);
    const intermediate = issue("rt-int", CA_EXT, { name: "rt-root" });
    const leaf = issue(
      "rt-leaf",
      ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"],
      { name: "rt-int" },
      "P-521",
    );
    const root = readFileSync(join(tmp, "rt-root.pem"), "utf8");
    const { statement } = parseOmsBundle(modelSig("v1.1.0-certificate"), schemas);

    const json = signCertificateBundle(statement, leaf.key, leaf.cert, [intermediate.cert], options);
    const bundle = JSON.parse(json) as Bundle & { mediaType: string; verificationMaterial: { tlogEntries: unknown[] } };
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(Object.keys(bundle.verificationMaterial)).toEqual(["x509CertificateChain", "tlogEntries"]);
    const ders = bundle.verificationMaterial.x509CertificateChain!.certificates.map((c) => c.rawBytes);
    expect(ders).toEqual([new X509Certificate(leaf.cert).raw.toString("base64"), new X509Certificate(intermediate.cert).raw.toString("base64")]);

    const result = verifyCertificateBundle(json, [root], options);
    expect(result.curve).toBe("P-521");
    expect(result.chain).toEqual(["CN=rt-leaf", "CN=rt-int", "CN=rt-root"]);
    expect(result.statement).toEqual(statement);
    // Not against the reference CA.
    expect(failure(() => verifyCertificateBundle(json, [CA], options)).certificateCheck).toBe("chain");
    // The signer refuses a certificate that is not the key's.
    expect(failure(() => signCertificateBundle(statement, leaf.key, intermediate.cert, [], options)).check).toBe("key-mismatch");
  });

  it("refuses a leaf that is not a code-signing certificate with digitalSignature, and a non-CA issuer", () => {
    issue("ku-root", CA_EXT);
    const noSign = issue("ku-leaf", ["keyUsage=critical,keyAgreement", "extendedKeyUsage=serverAuth"], { name: "ku-root" });
    const root = readFileSync(join(tmp, "ku-root.pem"), "utf8");
    const { statement } = parseOmsBundle(modelSig("v1.1.0-certificate"), schemas);
    const f = failure(() => verifyCertificateBundle(signCertificateBundle(statement, noSign.key, noSign.cert, [], options), [root], options));
    expect(f.certificateCheck).toBe("key-usage");
    expect(f.message).toMatch(/not a code-signing certificate: it has extended key usage serverAuth/);

    // model_signing accepted codeSigning without digitalSignature; a signing key needs both.
    const codeSigning = issue("cs-leaf", ["keyUsage=critical,keyAgreement", "extendedKeyUsage=codeSigning"], { name: "ku-root" });
    const g0 = failure(() => verifyCertificateBundle(signCertificateBundle(statement, codeSigning.key, codeSigning.cert, [], options), [root], options));
    expect(g0.certificateCheck).toBe("key-usage");
    expect(g0.message).toMatch(/lacks digitalSignature/);
    const both = issue("both-leaf", ["keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"], { name: "ku-root" });
    expect(verifyCertificateBundle(signCertificateBundle(statement, both.key, both.cert, [], options), [root], options).leafSubject).toBe("CN=both-leaf");

    const notCa = issue("notca", ["basicConstraints=critical,CA:FALSE"], { name: "ku-root" });
    const under = issue("under-notca", ["keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"], { name: "notca" });
    const g = failure(() => verifyCertificateBundle(signCertificateBundle(statement, under.key, under.cert, [notCa.cert], options), [root], options));
    expect(g.certificateCheck).toBe("ca-constraints");
  });
});
