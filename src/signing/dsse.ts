// DSSE (https://github.com/secure-systems-lab/dsse/blob/v1.0.0/protocol.md): what a signature covers.
// Only the pre-authentication encoding lives here; the envelope's JSON shape is validated with the OMS
// schemas in bundle.ts.

/** The DSSE payload type of an in-toto statement, the only one an OMS signature carries. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** One signature of a DSSE envelope, as written in a bundle (base64 `sig`; `keyid` unused by OMS). */
export interface DsseSignature {
  readonly sig: string;
  readonly keyid?: string | null;
}

/** A DSSE envelope as written in a Sigstore bundle: the payload is base64 of the statement's bytes. */
export interface DsseEnvelope {
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

/**
 * PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths as ASCII decimal byte
 * counts. This is the exact byte string a DSSE signature is computed over.
 */
export function preAuthEncoding(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  const header = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${body.length} `, "utf8");
  return Buffer.concat([header, body]);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (Buffer.from is lenient and would silently skip foreign characters). */
export function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, "base64") : undefined;
}
