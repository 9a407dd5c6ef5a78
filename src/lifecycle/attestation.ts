import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { decodeBase64, preAuthEncoding, type DsseEnvelope } from "../signing/dsse.js";
import { PerimeterError } from "../errors.js";

// Signed statements the lifecycle issues (approvals, admission bundles): a JSON payload in a DSSE envelope,
// signed with Ed25519 or ECDSA. The same envelope format the OMS signatures use, so one verifier reads both.

export const APPROVAL_PAYLOAD_TYPE = "application/vnd.perimeter.approval.v1+json";
export const ADMISSION_BUNDLE_PAYLOAD_TYPE = "application/vnd.perimeter.admission-bundle.v1+json";

export function keyId(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

function digestFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === "ed25519") return null;
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === "secp384r1" ? "sha384" : curve === "secp521r1" ? "sha512" : "sha256";
  }
  throw new PerimeterError("SIGNING_KEY_INVALID", `a ${key.asymmetricKeyType ?? "unknown"} key cannot sign lifecycle statements: use Ed25519 or ECDSA`);
}

export function signStatement(payload: unknown, payloadType: string, privateKey: KeyObject): DsseEnvelope {
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const publicKey = createPublicKey(privateKey);
  const sig = sign(digestFor(privateKey), preAuthEncoding(payloadType, body), privateKey);
  return { payload: body.toString("base64"), payloadType, signatures: [{ sig: sig.toString("base64"), keyid: keyId(publicKey) }] };
}

/** Verify an envelope against one trusted key and return its payload; any flaw is a coded refusal. */
export function verifyStatement(envelope: unknown, payloadType: string, publicKey: KeyObject, what: string): unknown {
  const e = envelope as Partial<DsseEnvelope> | null;
  if (e === null || typeof e !== "object" || typeof e.payload !== "string" || !Array.isArray(e.signatures)) {
    throw new PerimeterError("ADMISSION_BUNDLE_INVALID", `${what} is not a DSSE envelope`);
  }
  if (e.payloadType !== payloadType)
    throw new PerimeterError("ADMISSION_BUNDLE_INVALID", `${what} has payload type ${String(e.payloadType)}, not ${payloadType}`);
  const body = decodeBase64(e.payload);
  if (body === undefined) throw new PerimeterError("ADMISSION_BUNDLE_INVALID", `${what}'s payload is not base64`);
  const pae = preAuthEncoding(payloadType, body);
  const ok = e.signatures.some((s) => {
    const sig = typeof s?.sig === "string" ? decodeBase64(s.sig) : undefined;
    try {
      return sig !== undefined && verify(digestFor(publicKey), pae, publicKey, sig);
    } catch {
      return false;
    }
  });
  if (!ok) throw new PerimeterError("SIGNATURE_INVALID", `${what} is not signed by the trusted key ${keyId(publicKey).slice(0, 16)}…`);
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw new PerimeterError("ADMISSION_BUNDLE_INVALID", `${what}'s payload is not JSON`);
  }
}

export function privateKeyFromPem(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new PerimeterError("SIGNING_KEY_INVALID", `${what} is not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
}

export function publicKeyFromPem(pem: string, what: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new PerimeterError("SIGNING_KEY_INVALID", `${what} is not a PEM public key: ${(err as Error).message}`, { cause: err });
  }
}
