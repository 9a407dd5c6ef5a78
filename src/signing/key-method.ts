// The OMS "key" signing method: an ECDSA key pair, no certificate, no transparency log. Signatures are
// ECDSA (ASN.1 DER, as model_signing writes them) over the DSSE PAE of the statement, hashed with the
// hash that goes with the curve.

import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import {
  SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
  SignatureCheckError,
  defaultOmsSchemas,
  parseBundle,
  readStatement,
  type OmsBundle,
  type OmsSchemas,
  type OmsStatement,
  type VerifiedStatement,
} from "./bundle.js";
import { decodeBase64 } from "./dsse.js";
import { curveOf, signEnvelope, verifyEnvelopeSignature, type Curve } from "./ecdsa.js";

export interface KeyVerification extends VerifiedStatement {
  readonly bundle: OmsBundle;
  /** sha256 hex of the verifying key's SubjectPublicKeyInfo PEM: the `publicKey.hint` model_signing writes. */
  readonly keyHint: string;
  readonly curve: Curve["name"];
  /** Which way the bundle named its key: v1.x `hint`, v0.3.1 `rawBytes`. */
  readonly keyMaterial: "hint" | "rawBytes";
}

export interface KeyMethodOptions {
  readonly schemas?: OmsSchemas;
}

function pemText(pem: string | Uint8Array | undefined, role: "public" | "private"): string {
  const text = pem === undefined ? "" : typeof pem === "string" ? pem : Buffer.from(pem).toString("utf8");
  if (text.trim().length === 0) throw new SignatureCheckError("key-missing", `no ${role} key was given: pass a PEM ${role} key`);
  return text;
}

/** The key hint model_signing writes and checks: sha256 hex of the key's SubjectPublicKeyInfo PEM text. */
export function publicKeyHint(key: KeyObject): string {
  return createHash("sha256")
    .update(key.export({ type: "spki", format: "pem" }))
    .digest("hex");
}

function loadPublicKey(publicKeyPem: string | Uint8Array | undefined): { key: KeyObject; curve: Curve } {
  const text = pemText(publicKeyPem, "public");
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: "pem" });
  } catch (err) {
    throw new SignatureCheckError("key-unreadable", "the public key is not a PEM public key", { cause: err });
  }
  return { key, curve: curveOf(key, "public", "key") };
}

/** The bundle must name the same key: by hint (v1.x) or by embedding it (v0.3.1 rawBytes + keyDetails). */
function checkKeyMaterial(bundle: OmsBundle, key: KeyObject, curve: Curve, hint: string): "hint" | "rawBytes" {
  const material = bundle.verificationMaterial.publicKey;
  if (!material) {
    throw new SignatureCheckError("bundle-key-material", "the bundle was not signed with the key method (it carries a certificate, not a public key)");
  }
  if (material.hint !== undefined && material.hint !== "") {
    if (material.hint !== hint) {
      throw new SignatureCheckError("key-mismatch", "the bundle was signed with a different key: its public key hint does not match the given public key", {
        details: { bundleHint: material.hint, keyHint: hint },
      });
    }
    return "hint";
  }
  const raw = material.rawBytes === undefined ? undefined : decodeBase64(material.rawBytes);
  if (!raw) throw new SignatureCheckError("bundle-key-material", "the bundle's publicKey has neither a hint nor base64 rawBytes");
  let embedded: KeyObject;
  try {
    embedded = createPublicKey({ key: raw.toString("utf8"), format: "pem" });
  } catch (err) {
    throw new SignatureCheckError("bundle-key-material", "the bundle's publicKey.rawBytes is not a PEM public key", { cause: err });
  }
  if (!embedded.equals(key)) {
    throw new SignatureCheckError("key-mismatch", "the bundle was signed with a different key: its embedded public key is not the given public key");
  }
  if (material.keyDetails !== undefined && material.keyDetails !== curve.keyDetails) {
    throw new SignatureCheckError("key-mismatch", `the bundle says ${material.keyDetails}, but the given key is ${curve.keyDetails}`);
  }
  return "rawBytes";
}

/**
 * Verify a model.sig made with the key method. A checklist: every step throws a SignatureCheckError naming
 * the check, and the result says what was verified.
 */
export function verifyKeyBundle(
  bundleJson: string | Uint8Array,
  publicKeyPem: string | Uint8Array | undefined,
  options: KeyMethodOptions = {},
): KeyVerification {
  const schemas = options.schemas ?? defaultOmsSchemas();
  const { key, curve } = loadPublicKey(publicKeyPem);
  const keyHint = publicKeyHint(key);

  const bundle = parseBundle(bundleJson, schemas);
  if (bundle.mediaType !== SIGSTORE_BUNDLE_V03_MEDIA_TYPE) {
    throw new SignatureCheckError(
      "bundle-media-type",
      `the bundle media type is ${bundle.mediaType}; key-method signatures use ${SIGSTORE_BUNDLE_V03_MEDIA_TYPE}`,
    );
  }
  const keyMaterial = checkKeyMaterial(bundle, key, curve, keyHint);

  const envelope = bundle.dsseEnvelope;
  verifyEnvelopeSignature(
    envelope,
    key,
    curve,
    "key",
    `the signature does not verify with the given ${curve.name} key: the bundle or the statement was changed, or another key signed it`,
  );

  return { bundle, keyHint, curve: curve.name, keyMaterial, ...readStatement(envelope, schemas) };
}

/**
 * Sign a statement with an ECDSA private key, producing the model.sig JSON model_signing (v1.x) writes:
 * v0.3 bundle media type, `publicKey.hint`, empty `tlogEntries`, one DER signature with keyid "".
 */
export function signKeyBundle(statement: OmsStatement, privateKeyPem: string | Uint8Array | undefined, options: KeyMethodOptions = {}): string {
  const text = pemText(privateKeyPem, "private");
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: "pem" });
  } catch (err) {
    throw new SignatureCheckError("key-unreadable", "the private key is not an unencrypted PEM private key", { cause: err });
  }
  const curve = curveOf(key, "private", "key");
  const publicKey = createPublicKey(key);

  const bundle: OmsBundle = {
    mediaType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: publicKeyHint(publicKey) }, tlogEntries: [] },
    dsseEnvelope: signEnvelope(statement, key, curve, options.schemas),
  };
  return JSON.stringify(bundle);
}
