// The OMS "key" signing method: an ECDSA key pair, no certificate, no transparency log. Signatures are
// ECDSA (ASN.1 DER, as model_signing writes them) over the DSSE PAE of the statement, hashed with the
// hash that goes with the curve.

import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
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
import { IN_TOTO_PAYLOAD_TYPE, decodeBase64, preAuthEncoding } from "./dsse.js";

/** The curves model_signing accepts, with the hash and Sigstore key-details name that go with each. */
const CURVES = {
  prime256v1: { name: "P-256", hash: "sha256", keyDetails: "PKIX_ECDSA_P256_SHA_256" },
  secp384r1: { name: "P-384", hash: "sha384", keyDetails: "PKIX_ECDSA_P384_SHA_384" },
  secp521r1: { name: "P-521", hash: "sha512", keyDetails: "PKIX_ECDSA_P521_SHA_512" },
} as const;

type Curve = (typeof CURVES)[keyof typeof CURVES];

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

function curveOf(key: KeyObject, role: "public" | "private"): Curve {
  if (key.asymmetricKeyType !== "ec") {
    throw new SignatureCheckError(
      "key-type",
      `the ${role} key is ${key.asymmetricKeyType ?? "not an asymmetric key"}; OMS key signatures use ECDSA keys (P-256, P-384 or P-521)`,
    );
  }
  const named = key.asymmetricKeyDetails?.namedCurve ?? "";
  const curve = (CURVES as Record<string, Curve>)[named];
  if (!curve) throw new SignatureCheckError("key-curve", `the ${role} key's curve ${named} is not supported; use P-256, P-384 or P-521`);
  return curve;
}

function pemText(pem: string | Uint8Array | undefined, role: "public" | "private"): string {
  const text = pem === undefined ? "" : typeof pem === "string" ? pem : Buffer.from(pem).toString("utf8");
  if (text.trim().length === 0) throw new SignatureCheckError("key-missing", `no ${role} key was given: pass a PEM ${role} key`);
  return text;
}

/** The key hint model_signing writes and checks: sha256 hex of the key's SubjectPublicKeyInfo PEM text. */
export function publicKeyHint(key: KeyObject): string {
  return createHash("sha256").update(key.export({ type: "spki", format: "pem" })).digest("hex");
}

function loadPublicKey(publicKeyPem: string | Uint8Array | undefined): { key: KeyObject; curve: Curve } {
  const text = pemText(publicKeyPem, "public");
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: "pem" });
  } catch (err) {
    throw new SignatureCheckError("key-unreadable", "the public key is not a PEM public key", { cause: err });
  }
  return { key, curve: curveOf(key, "public") };
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
    throw new SignatureCheckError("bundle-media-type", `the bundle media type is ${bundle.mediaType}; key-method signatures use ${SIGSTORE_BUNDLE_V03_MEDIA_TYPE}`);
  }
  const keyMaterial = checkKeyMaterial(bundle, key, curve, keyHint);

  const envelope = bundle.dsseEnvelope;
  if (envelope.signatures.length !== 1) {
    throw new SignatureCheckError("signature-count", `the envelope carries ${envelope.signatures.length} signatures; a key-method signature has exactly one`);
  }
  const [only] = envelope.signatures;
  const signature = only === undefined ? undefined : decodeBase64(only.sig);
  const payload = decodeBase64(envelope.payload);
  if (!signature || !payload) throw new SignatureCheckError("signature-encoding", "the envelope's signature or payload is not valid base64");
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SignatureCheckError("statement-encoding", `the DSSE payload type is ${envelope.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let valid: boolean;
  try {
    valid = verify(curve.hash, preAuthEncoding(envelope.payloadType, payload), { key, dsaEncoding: "der" }, signature);
  } catch (err) {
    throw new SignatureCheckError("signature", "the signature is not a DER ECDSA signature", { cause: err });
  }
  if (!valid) {
    throw new SignatureCheckError("signature", `the signature does not verify with the given ${curve.name} key: the bundle or the statement was changed, or another key signed it`);
  }

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
  const curve = curveOf(key, "private");
  const publicKey = createPublicKey(key);

  const payload = Buffer.from(JSON.stringify(statement, null, 2), "utf8");
  // Refuse to sign what a verifier would refuse to accept.
  readStatement({ payload: payload.toString("base64"), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [] }, options.schemas ?? defaultOmsSchemas());

  const signature = sign(curve.hash, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), { key, dsaEncoding: "der" });
  const bundle: OmsBundle = {
    mediaType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: publicKeyHint(publicKey) }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString("base64"),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: signature.toString("base64"), keyid: "" }],
    },
  };
  return JSON.stringify(bundle);
}
