import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SignatureCheckError, loadOmsSchemas, type SignatureCheck } from "../../src/signing/bundle.js";
import { publicGoodTrustedRoot, verifySigstoreBundle, type SigstoreCheck } from "../../src/signing/sigstore-method.js";

const VECTORS = join(import.meta.dirname, "../../../shared/vectors");
const MT = join(VECTORS, "model-transparency/scripts/tests");
const schemas = loadOmsSchemas(join(VECTORS, "oms-spec/schemas/v1.0"));

// Read from the vectors' Fulcio certificates (SAN email; extensions 1.3.6.1.4.1.57264.1.1 and .1.8).
const IDENTITY = "stefanb@us.ibm.com";
const ISSUER = "https://sigstore.verify.ibm.com/oauth2";
// The Rekor entries' integratedTime.
const LOGGED: Record<string, number> = { "v1.0.1-sigstore": 1759851228, "v1.1.0-sigstore": 1760062340 };
const SIGSTORE_DIRS = ["v1.0.1-sigstore", "v1.1.0-sigstore"] as const;
const options = { identity: IDENTITY, issuer: ISSUER, schemas };

const modelSig = (dir: string): string => readFileSync(join(MT, dir, "model.sig"), "utf8");
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

function failure(fn: () => unknown): { check: SignatureCheck; sigstoreCheck: SigstoreCheck | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SignatureCheckError);
    const e = err as SignatureCheckError;
    const details = (e as unknown as { details?: Record<string, unknown> }).details;
    return { check: e.check, sigstoreCheck: details?.["sigstoreCheck"] as SigstoreCheck | undefined, message: e.message };
  }
  throw new Error("expected a SignatureCheckError");
}

/** Edit the bundle JSON (the DSSE envelope) and re-serialize it. */
function tampered(dir: string, edit: (env: { payload: string; signatures: { sig: string }[] }) => void): string {
  const bundle = JSON.parse(modelSig(dir)) as { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
  edit(bundle.dsseEnvelope);
  return JSON.stringify(bundle);
}

describe("verifySigstoreBundle (offline, public-good trusted root from @sigstore/tuf seeds.json)", () => {
  for (const dir of SIGSTORE_DIRS) {
    it(`verifies ${dir} with its true identity and issuer`, () => {
      const t0 = performance.now();
      const result = verifySigstoreBundle(modelSig(dir), options);
      const ms = performance.now() - t0;
      console.log(
        `${dir}: identity=${result.identity} issuer=${result.issuer} integratedTime=${result.integratedTime?.toISOString()} chain=${JSON.stringify(result.chain)} verified in ${ms.toFixed(1)} ms`,
      );
      expect(result.identity).toBe(IDENTITY);
      expect(result.issuer).toBe(ISSUER);
      expect(result.keyMaterial).toBe("certificate");
      expect(result.curve).toBe("P-256");
      expect(result.integratedTime?.getTime()).toBe((LOGGED[dir] ?? 0) * 1000);
      expect(result.chain.at(-1)).toContain("CN=sigstore");
      expect(result.statement.predicateType).toBe("https://model_signing/signature/v1.0");
      const onDisk = new Map(["signme-1", "signme-2"].map((name) => [name, sha256(readFileSync(join(MT, dir, name)))]));
      expect(new Map(result.resources)).toEqual(onDisk);
    });

    it(`${dir}: refuses a wrong identity, naming it`, () => {
      const f = failure(() => verifySigstoreBundle(modelSig(dir), { ...options, identity: "mallory@example.com" }));
      expect(f.check).toBe("key-mismatch");
      expect(f.sigstoreCheck).toBe("identity");
      expect(f.message).toBe(`the certificate identity is ${IDENTITY}, expected mallory@example.com`);
    });

    it(`${dir}: refuses a wrong issuer, naming it`, () => {
      const f = failure(() => verifySigstoreBundle(modelSig(dir), { ...options, issuer: "https://accounts.google.com" }));
      expect(f.check).toBe("key-mismatch");
      expect(f.sigstoreCheck).toBe("issuer");
      expect(f.message).toBe(`the certificate OIDC issuer is ${ISSUER}, expected https://accounts.google.com`);
    });

    it(`${dir}: refuses a tampered payload`, () => {
      const json = tampered(dir, (env) => {
        const statement = JSON.parse(Buffer.from(env.payload, "base64").toString("utf8")) as { predicate: { resources: { digest: string }[] } };
        const first = statement.predicate.resources[0];
        if (first) first.digest = "0".repeat(64);
        env.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
      });
      const f = failure(() => verifySigstoreBundle(json, options));
      expect(f.check).toBe("signature");
      expect(["tlog", "signature"]).toContain(f.sigstoreCheck);
      console.log(`${dir} tampered payload: ${f.sigstoreCheck}: ${f.message}`);
    });

    it(`${dir}: refuses a tampered signature`, () => {
      const json = tampered(dir, (env) => {
        const sig = Buffer.from(env.signatures[0]?.sig ?? "", "base64");
        sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0x01;
        if (env.signatures[0]) env.signatures[0].sig = sig.toString("base64");
      });
      const f = failure(() => verifySigstoreBundle(json, options));
      console.log(`${dir} tampered signature: ${f.sigstoreCheck}: ${f.message}`);
      expect(f.check).toBe("signature");
      // v1.1.0 also carries an RFC 3161 timestamp over the signature bytes, checked first.
      expect(["tlog", "timestamp", "signature"]).toContain(f.sigstoreCheck);
    });
  }

  it("accepts an explicit trusted root (JSON text) and refuses one without the signing Fulcio CA", () => {
    const root = publicGoodTrustedRoot();
    expect(verifySigstoreBundle(modelSig("v1.1.0-sigstore"), { ...options, trustedRoot: JSON.stringify(root) }).identity).toBe(IDENTITY);
    const cas = root["certificateAuthorities"] as unknown[];
    const withoutCurrentFulcio = { ...root, certificateAuthorities: cas.slice(0, 1) };
    const f = failure(() => verifySigstoreBundle(modelSig("v1.1.0-sigstore"), { ...options, trustedRoot: withoutCurrentFulcio }));
    expect(f.check).toBe("key-mismatch");
    expect(f.sigstoreCheck).toBe("certificate");
  });

  it("refuses a key-method bundle as not Sigstore", () => {
    const f = failure(() => verifySigstoreBundle(readFileSync(join(MT, "v1.1.0-elliptic-key", "model.sig"), "utf8"), options));
    expect(f.check).toBe("bundle-key-material");
    expect(f.sigstoreCheck).toBe("certificate-missing");
  });
});
