import { createHash, createPublicKey, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import {
  SignatureCheckError,
  buildStatement,
  BUILTIN_OMS_SCHEMAS,
  loadOmsSchemas,
  parseOmsBundle,
  type ModelManifest,
  type SignatureCheck,
} from "../../src/signing/bundle.js";
import { preAuthEncoding } from "../../src/signing/dsse.js";
import { signKeyBundle, verifyKeyBundle } from "../../src/signing/key-method.js";

const VECTORS = join(import.meta.dirname, "../../../shared/vectors");
const MT = join(VECTORS, "model-transparency/scripts/tests");
const OMS = join(VECTORS, "oms-spec");
const SCHEMA_DIR = join(OMS, "schemas/v1.0");
const schemas = loadOmsSchemas(SCHEMA_DIR);
const options = { schemas };
const PUBLIC_KEY = readFileSync(join(MT, "keys/certificate/signing-key-pub.pem"), "utf8");
const ELLIPTIC_KEY_DIRS = readdirSync(MT).filter((d) => d.endsWith("-elliptic-key"));

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const modelSig = (dir: string): string => readFileSync(join(MT, dir, "model.sig"), "utf8");

function failedCheck(fn: () => unknown): SignatureCheck {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SignatureCheckError);
    expect(err).toBeInstanceOf(PerimeterError);
    return (err as SignatureCheckError).check;
  }
  throw new Error("expected the check to fail");
}

type Bundle = {
  verificationMaterial: { publicKey: { hint?: string } };
  dsseEnvelope: { payload: string; signatures: Array<{ sig: string }> };
};
function edit(json: string, change: (b: Bundle) => void): string {
  const bundle = JSON.parse(json) as Bundle;
  change(bundle);
  return JSON.stringify(bundle);
}

describe("model_signing key-method signatures (reference vectors)", () => {
  it("finds the three model_signing versions", () => {
    expect(ELLIPTIC_KEY_DIRS.sort()).toEqual(["v0.3.1-elliptic-key", "v1.0.1-elliptic-key", "v1.1.0-elliptic-key"]);
  });

  for (const dir of ELLIPTIC_KEY_DIRS) {
    it(`verifies ${dir}/model.sig with the P-384 public key, listing the files' real digests`, () => {
      const result = verifyKeyBundle(modelSig(dir), PUBLIC_KEY, options);
      expect(result.curve).toBe("P-384");
      expect(result.serialization.method).toBe("files");
      if (dir.startsWith("v0.3.1")) {
        // v0.3.1 signed a single-file model: one resource named "." holding signme-1's digest.
        expect(result.keyMaterial).toBe("rawBytes");
        expect([...result.resources.keys()]).toEqual(["."]);
        expect(result.resources.get(".")).toBe(sha256(readFileSync(join(MT, dir, "signme-1"))));
      } else {
        expect(result.keyMaterial).toBe(dir.startsWith("v1.0") ? "rawBytes" : "hint");
        expect([...result.resources.keys()]).toEqual(["signme-1", "signme-2"]);
        for (const [name, digest] of result.resources) expect(digest).toBe(sha256(readFileSync(join(MT, dir, name))));
        expect(result.resources.has("ignore-me")).toBe(false);
      }
    });

    it(`refuses ${dir}/model.sig with a changed signature byte, naming the signature check`, () => {
      const tampered = edit(modelSig(dir), (b) => {
        const sig = Buffer.from(b.dsseEnvelope.signatures[0]!.sig, "base64");
        sig[sig.length - 5]! ^= 0x01;
        b.dsseEnvelope.signatures[0]!.sig = sig.toString("base64");
      });
      expect(failedCheck(() => verifyKeyBundle(tampered, PUBLIC_KEY, options))).toBe("signature");
    });

    it(`refuses ${dir}/model.sig whose statement had one digest changed`, () => {
      const tampered = edit(modelSig(dir), (b) => {
        const text = Buffer.from(b.dsseEnvelope.payload, "base64").toString("utf8");
        const changed = text.replace("bc9a717db6064a32", "bc9a717db6064a33");
        expect(changed).not.toBe(text);
        b.dsseEnvelope.payload = Buffer.from(changed, "utf8").toString("base64");
      });
      expect(failedCheck(() => verifyKeyBundle(tampered, PUBLIC_KEY, options))).toBe("signature");
    });

    it(`refuses ${dir}/model.sig checked against another P-384 key`, () => {
      const other = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey.export({ type: "spki", format: "pem" });
      expect(failedCheck(() => verifyKeyBundle(modelSig(dir), other, options))).toBe("key-mismatch");
    });
  }

  it("refuses a v1.1.0 bundle whose key hint was changed", () => {
    const tampered = edit(modelSig("v1.1.0-elliptic-key"), (b) => {
      b.verificationMaterial.publicKey.hint = "0".repeat(64);
    });
    expect(failedCheck(() => verifyKeyBundle(tampered, PUBLIC_KEY, options))).toBe("key-mismatch");
  });

  it("refuses a bundle carrying two signatures", () => {
    const doubled = edit(modelSig("v1.1.0-elliptic-key"), (b) => {
      b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0]!);
    });
    expect(failedCheck(() => verifyKeyBundle(doubled, PUBLIC_KEY, options))).toBe("signature-count");
  });
});

describe("OMS v1.0 specification vectors", () => {
  const dirOf = (name: string) => join(OMS, "test-vectors/v1.0", name);

  for (const file of readdirSync(dirOf("valid"))) {
    it(`accepts valid/${file}`, () => {
      const parsed = parseOmsBundle(readFileSync(join(dirOf("valid"), file)), schemas);
      expect([...parsed.resources.keys()]).toEqual(["signme-1", "signme-2"]);
    });
  }

  it("verifies valid/key.bundle.json with the P-384 public key", () => {
    const result = verifyKeyBundle(readFileSync(join(dirOf("valid"), "key.bundle.json")), PUBLIC_KEY, options);
    expect(result.modelName).toBe("model");
  });

  it("refuses a certificate-method bundle as a key-method signature", () => {
    const check = failedCheck(() => verifyKeyBundle(readFileSync(join(dirOf("valid"), "certificate.bundle.json")), PUBLIC_KEY, options));
    expect(check).toBe("bundle-key-material");
  });

  const expected: Record<string, SignatureCheck> = {
    "invalid/empty.bundle.json": "bundle-json",
    "invalid/missing-envelope.bundle.json": "bundle-schema",
    "invalid/missing-tlog-entries.bundle.json": "bundle-schema",
    "invalid/missing-verification-material.bundle.json": "bundle-schema",
    "invalid-payload/wrong-predicate.bundle.json": "predicate-type",
  };
  for (const group of ["invalid", "invalid-payload"]) {
    for (const file of readdirSync(dirOf(group))) {
      it(`refuses ${group}/${file}`, () => {
        const bytes = readFileSync(join(dirOf(group), file));
        expect(failedCheck(() => parseOmsBundle(bytes, schemas))).toBe(expected[`${group}/${file}`]);
        expect(() => verifyKeyBundle(bytes, PUBLIC_KEY, options)).toThrow(SignatureCheckError);
      });
    }
  }
});

describe("buildStatement", () => {
  const dir = join(MT, "v1.1.0-elliptic-key");
  const signed = parseOmsBundle(modelSig("v1.1.0-elliptic-key"), schemas);
  const manifest: ModelManifest = {
    // deliberately out of order: the statement puts resources in model_signing's canonical order
    files: ["signme-2", "signme-1"].map((name) => ({ name, sha256: sha256(readFileSync(join(dir, name))) })),
    serialization: signed.serialization,
  };

  it("reproduces the statement model_signing v1.1.0 signed, subject digest included", () => {
    const statement = buildStatement(manifest, "v1.1.0-elliptic-key");
    expect(statement).toEqual(signed.statement);
    expect(statement.subject[0].digest.sha256).toBe("92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4");
  });

  it("orders paths component by component, as a Python PurePosixPath sorts", () => {
    const digest = "0".repeat(64);
    const statement = buildStatement({ files: ["a.b", "a/b", "a-c", "B"].map((name) => ({ name, sha256: digest })), serialization: signed.serialization }, "m");
    expect(statement.predicate.resources.map((r) => r.name)).toEqual(["B", "a/b", "a-c", "a.b"]);
  });

  it("orders shards by path, then numeric offsets", () => {
    const digest = "0".repeat(64);
    const statement = buildStatement(
      {
        files: ["w:10:20", "w:2:10", "v:0:5"].map((name) => ({ name, sha256: digest })),
        serialization: { method: "shards", hash_type: "sha256", allow_symlinks: false, shard_size: 10 },
      },
      "m",
    );
    expect(statement.predicate.resources.map((r) => r.name)).toEqual(["v:0:5", "w:2:10", "w:10:20"]);
  });

  it("refuses a file listed twice or a digest that is not sha256 hex", () => {
    const serialization = signed.serialization;
    expect(() =>
      buildStatement(
        {
          files: [
            { name: "a", sha256: "0".repeat(64) },
            { name: "a", sha256: "1".repeat(64) },
          ],
          serialization,
        },
        "m",
      ),
    ).toThrow(/twice/);
    expect(() => buildStatement({ files: [{ name: "a", sha256: "XYZ" }], serialization }, "m")).toThrow(/sha256/);
  });
});

describe("our key-method signatures", () => {
  const dir = join(MT, "v1.1.0-elliptic-key");
  const manifest: ModelManifest = {
    files: ["signme-1", "signme-2"].map((name) => ({ name, sha256: sha256(readFileSync(join(dir, name))) })),
    serialization: { method: "files", hash_type: "sha256", allow_symlinks: false, ignore_paths: ["model.sig", "ignore-me"] },
  };
  const statement = buildStatement(manifest, "v1.1.0-elliptic-key");

  // Independent of src/: the OMS schemas compiled here, the PAE and the hint written out inline.
  const ajv = new Ajv2020({ strict: false });
  for (const name of ["predicate", "statement", "envelope", "bundle"]) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.schema.json`), "utf8")));
  const validBundle = ajv.getSchema("https://model_signing/bundle/v1.0/schema")!;
  const validStatement = ajv.getSchema("https://model_signing/statement/v1.0/schema")!;

  const curves = [
    { namedCurve: "prime256v1", hash: "sha256" },
    { namedCurve: "secp384r1", hash: "sha384" },
    { namedCurve: "secp521r1", hash: "sha512" },
  ] as const;

  for (const { namedCurve, hash } of curves) {
    it(`signs with a ${namedCurve} key: schema-valid, verifiable by a plain ECDSA ${hash} check over the PAE, round trip`, () => {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve });
      const json = signKeyBundle(statement, privateKey.export({ type: "pkcs8", format: "pem" }), options);
      const bundle = JSON.parse(json) as {
        mediaType: string;
        verificationMaterial: { publicKey: { hint: string }; tlogEntries: unknown[] };
        dsseEnvelope: { payload: string; payloadType: string; signatures: Array<{ sig: string; keyid: string }> };
      };
      expect(validBundle(bundle)).toBe(true);
      const payload = Buffer.from(bundle.dsseEnvelope.payload, "base64");
      expect(validStatement(JSON.parse(payload.toString("utf8")))).toBe(true);

      expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
      expect(bundle.verificationMaterial.tlogEntries).toEqual([]);
      const pem = publicKey.export({ type: "spki", format: "pem" }) as string;
      expect(bundle.verificationMaterial.publicKey.hint).toBe(sha256(Buffer.from(pem, "utf8")));
      expect(bundle.dsseEnvelope.signatures).toHaveLength(1);
      expect(bundle.dsseEnvelope.signatures[0]!.keyid).toBe("");

      const type = "application/vnd.in-toto+json";
      const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
      expect(preAuthEncoding(type, payload).equals(pae)).toBe(true);
      const sig = Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, "base64");
      expect(sig[0]).toBe(0x30); // ASN.1 DER SEQUENCE, not IEEE P1363 r||s
      expect(verify(hash, pae, { key: publicKey, dsaEncoding: "der" }, sig)).toBe(true);

      const result = verifyKeyBundle(json, pem, options);
      expect(result.statement).toEqual(statement);
      expect(result.subjectDigest).toBe("92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4");
      expect(Object.fromEntries(result.resources)).toEqual(Object.fromEntries(manifest.files.map((f) => [f.name, f.sha256])));
    });
  }
});

describe("key restrictions", () => {
  const sig = modelSig("v1.1.0-elliptic-key");
  const statement = parseOmsBundle(sig, schemas).statement;
  const pem = (key: KeyObject, type: "spki" | "pkcs8") => key.export({ type, format: "pem" });
  const ed25519 = generateKeyPairSync("ed25519");
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const k256 = generateKeyPairSync("ec", { namedCurve: "secp256k1" });

  it("refuses to verify with an Ed25519 or RSA public key", () => {
    expect(failedCheck(() => verifyKeyBundle(sig, pem(ed25519.publicKey, "spki"), options))).toBe("key-type");
    expect(failedCheck(() => verifyKeyBundle(sig, pem(rsa.publicKey, "spki"), options))).toBe("key-type");
  });

  it("refuses to sign with an Ed25519 or RSA private key", () => {
    expect(failedCheck(() => signKeyBundle(statement, pem(ed25519.privateKey, "pkcs8"), options))).toBe("key-type");
    expect(failedCheck(() => signKeyBundle(statement, pem(rsa.privateKey, "pkcs8"), options))).toBe("key-type");
  });

  it("refuses a curve model_signing does not support (secp256k1)", () => {
    expect(failedCheck(() => verifyKeyBundle(sig, pem(k256.publicKey, "spki"), options))).toBe("key-curve");
    expect(failedCheck(() => signKeyBundle(statement, pem(k256.privateKey, "pkcs8"), options))).toBe("key-curve");
  });

  it("says so when no key was given, or the key is not PEM", () => {
    expect(failedCheck(() => verifyKeyBundle(sig, undefined, options))).toBe("key-missing");
    expect(failedCheck(() => verifyKeyBundle(sig, "  \n", options))).toBe("key-missing");
    expect(failedCheck(() => signKeyBundle(statement, "", options))).toBe("key-missing");
    expect(failedCheck(() => verifyKeyBundle(sig, "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", options))).toBe("key-unreadable");
  });

  it("reads the reference public key PEM even with certtool's text before it", () => {
    expect(createPublicKey(PUBLIC_KEY).asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
  });
});

describe("the built-in OMS rules (used at run time, where the spec's schema files are not shipped)", () => {
  const vectors = (kind: string) =>
    readdirSync(join(OMS, "test-vectors/v1.0", kind))
      .filter((f) => f.endsWith(".bundle.json"))
      .map((f) => [f, readFileSync(join(OMS, "test-vectors/v1.0", kind, f), "utf8")] as const);

  it("accept and refuse every OMS bundle vector exactly as the spec's JSON Schemas do", () => {
    for (const kind of ["valid", "invalid", "invalid-payload"]) {
      for (const [name, text] of vectors(kind)) {
        if (text.trim() === "") continue; // not JSON: refused before any schema (see above)
        const value: unknown = JSON.parse(text);
        expect(BUILTIN_OMS_SCHEMAS.bundle(value) === null, `${kind}/${name}`).toBe(schemas.bundle(value) === null);
        const payload = (value as { dsseEnvelope?: { payload?: string } }).dsseEnvelope?.payload;
        if (payload !== undefined) {
          const statement: unknown = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
          expect(BUILTIN_OMS_SCHEMAS.statement(statement) === null, `${kind}/${name} statement`).toBe(schemas.statement(statement) === null);
        }
      }
    }
  });

  it("verify the reference signatures with no schema files at all", () => {
    for (const dir of ELLIPTIC_KEY_DIRS) expect(verifyKeyBundle(modelSig(dir), PUBLIC_KEY).resources.size).toBeGreaterThan(0);
  });
});
