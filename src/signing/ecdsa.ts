import { sign, verify, type KeyObject } from "node:crypto";
import { SignatureCheckError, defaultOmsSchemas, readStatement, type OmsSchemas, type OmsStatement } from "./bundle.js";
import { IN_TOTO_PAYLOAD_TYPE, decodeBase64, preAuthEncoding, type DsseEnvelope } from "./dsse.js";

// What the key and certificate methods share: the curves model_signing accepts, and ECDSA over the DSSE
// pre-authentication encoding in both directions.

/** The curves model_signing accepts, with the hash and Sigstore key-details name that go with each. */
export const CURVES = {
  prime256v1: { name: "P-256", hash: "sha256", keyDetails: "PKIX_ECDSA_P256_SHA_256" },
  secp384r1: { name: "P-384", hash: "sha384", keyDetails: "PKIX_ECDSA_P384_SHA_384" },
  secp521r1: { name: "P-521", hash: "sha512", keyDetails: "PKIX_ECDSA_P521_SHA_512" },
} as const;

export type Curve = (typeof CURVES)[keyof typeof CURVES];

/** The key's curve, or the reason it cannot sign OMS signatures. `method` names the signing method in the message. */
export function curveOf(key: KeyObject, role: string, method: "key" | "certificate"): Curve {
  if (key.asymmetricKeyType !== "ec") {
    throw new SignatureCheckError(
      "key-type",
      `the ${role} key is ${key.asymmetricKeyType ?? "not an asymmetric key"}; OMS ${method} signatures use ECDSA keys (P-256, P-384 or P-521)`,
    );
  }
  const named = key.asymmetricKeyDetails?.namedCurve ?? "";
  const curve = (CURVES as Record<string, Curve>)[named];
  if (!curve) throw new SignatureCheckError("key-curve", `the ${role} key's curve ${named} is not supported; use P-256, P-384 or P-521`);
  return curve;
}

/**
 * Check the envelope's single ECDSA signature over the PAE. `method` and `mismatch` word the messages: which
 * method allows exactly one signature, and what a failed signature means for it.
 */
export function verifyEnvelopeSignature(envelope: DsseEnvelope, key: KeyObject, curve: Curve, method: "key" | "certificate", mismatch: string): void {
  if (envelope.signatures.length !== 1) {
    throw new SignatureCheckError(
      "signature-count",
      `the envelope carries ${envelope.signatures.length} signatures; a ${method}-method signature has exactly one`,
    );
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
  if (!valid) throw new SignatureCheckError("signature", mismatch);
}

/**
 * The DSSE envelope model_signing writes for a statement: pretty-printed JSON payload, one DER signature
 * with keyid "". Refuses to sign a statement a verifier would refuse.
 */
export function signEnvelope(statement: OmsStatement, key: KeyObject, curve: Curve, schemas: OmsSchemas = defaultOmsSchemas()): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(statement, null, 2), "utf8");
  readStatement({ payload: payload.toString("base64"), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [] }, schemas);
  const signature = sign(curve.hash, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), { key, dsaEncoding: "der" });
  return { payload: payload.toString("base64"), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: signature.toString("base64"), keyid: "" }] };
}
