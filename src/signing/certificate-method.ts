// The OMS "certificate" signing method: an ECDSA key whose X.509 certificate chains to a CA the verifier
// trusts; no transparency log. The bundle carries `verificationMaterial.x509CertificateChain` (base64 DER,
// leaf first, then the rest of the chain as model_signing writes it) and one DER ECDSA signature over the
// DSSE PAE, hashed with the hash that goes with the leaf key's curve.
//
// What is checked mirrors model_signing's certificate Verifier (sign_certificate.py):
// - the chain leaf → bundle intermediates → a given CA certificate, each link issued-by and signed-by;
// - validity of every certificate at the leaf's notBefore: the bundle carries no signing time (no tlog, no
//   timestamp), and model_signing sets the store's time to the leaf's not_valid_before for that reason, so
//   a signature stays verifiable after its certificate expires. `options.validityTime` overrides it;
// - the leaf must carry a KeyUsage extension; it may sign if KeyUsage has digitalSignature, or, failing
//   that, if ExtendedKeyUsage lists codeSigning (model_signing's rule: either one suffices);
// - issuers are CAs (basicConstraints CA:TRUE, keyCertSign when they carry KeyUsage), as OpenSSL checks;
// - the leaf key is ECDSA P-256/P-384/P-521 and verifies the DSSE signature.
//
// bundle.ts's SignatureCheck union has no certificate checks, so chain, validity and usage failures ride on
// "key-mismatch" (the signer's key is not one the verifier trusts) with the precise step in
// `details.certificateCheck` and in the message; missing or undecodable certificates are
// "bundle-key-material".

import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import {
  SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
  SignatureCheckError,
  defaultOmsSchemas,
  parseBundle,
  readStatement,
  type OmsBundle,
  type OmsSchemas,
  type OmsStatement,
  type SignatureCheck,
} from "./bundle.js";
import { decodeBase64 } from "./dsse.js";
import { curveOf, signEnvelope, verifyEnvelopeSignature } from "./ecdsa.js";
import { publicKeyHint, type KeyVerification } from "./key-method.js";

/** Which certificate step failed (in `details.certificateCheck` of the SignatureCheckError). */
export type CertificateCheck =
  | "certificate-missing"
  | "certificate-encoding"
  | "ca-unreadable"
  | "chain"
  | "ca-constraints"
  | "validity"
  | "key-usage";

export interface CertificateVerification extends Omit<KeyVerification, "keyMaterial"> {
  readonly keyMaterial: "x509CertificateChain";
  /** The leaf certificate's subject (OpenSSL one-line-per-RDN form, as node:crypto prints it). */
  readonly leafSubject: string;
  /** Subjects of the verified path, leaf first, ending with the given CA certificate that anchors it. */
  readonly chain: string[];
  /** sha256 fingerprints (colon hex) of the same path. */
  readonly chainFingerprints: string[];
  /** The instant every certificate of the path was checked to be valid at. */
  readonly validityTime: Date;
}

export interface CertificateMethodOptions {
  readonly schemas?: OmsSchemas;
  /** Check validity at this instant instead of the leaf's notBefore (model_signing's choice, the default). */
  readonly validityTime?: Date;
}

const MAX_CHAIN_DEPTH = 10;

function fail(check: SignatureCheck, certificateCheck: CertificateCheck, message: string, cause?: unknown): never {
  throw new SignatureCheckError(check, message, { cause, details: { certificateCheck } });
}

// ---------------------------------------------------------------------------------------------------------
// Just enough DER to read KeyUsage and ExtendedKeyUsage (node:crypto has no accessor for KeyUsage bits).

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function readTlv(der: Buffer, pos: number, limit: number): Tlv {
  const tag = der[pos];
  let len = der[pos + 1];
  if (tag === undefined || len === undefined) throw new Error("truncated DER");
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error("unsupported DER length");
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = der[start + i];
      if (b === undefined) throw new Error("truncated DER");
      len = len * 256 + b;
    }
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error("DER element overruns its container");
  return { tag, start, end };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; ) {
    const tlv = readTlv(der, pos, parent.end);
    out.push(tlv);
    pos = tlv.end;
  }
  return out;
}

const OID_KEY_USAGE = "551d0f";
const OID_EXT_KEY_USAGE = "551d25";
const OID_CODE_SIGNING = "2b06010505070303";

interface Usage {
  /** KeyUsage bits, undefined when the extension is absent. */
  readonly keyUsage?: { readonly digitalSignature: boolean; readonly keyCertSign: boolean };
  /** ExtendedKeyUsage OIDs (DER content hex), undefined when absent. */
  readonly extKeyUsage?: readonly string[];
}

function usageOf(cert: X509Certificate): Usage {
  const der = cert.raw;
  const top = readTlv(der, 0, der.length);
  const tbsTlv = children(der, top)[0];
  if (!tbsTlv) throw new Error("no tbsCertificate");
  const extsWrapper = children(der, tbsTlv).find((t) => t.tag === 0xa3);
  if (!extsWrapper) return {};
  const extsSeq = children(der, extsWrapper)[0];
  if (!extsSeq) return {};
  let keyUsage: Usage["keyUsage"];
  let extKeyUsage: string[] | undefined;
  for (const ext of children(der, extsSeq)) {
    const parts = children(der, ext);
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (!oid || !value || oid.tag !== 0x06 || value.tag !== 0x04) continue;
    const oidHex = der.subarray(oid.start, oid.end).toString("hex");
    const inner = readTlv(der, value.start, value.end);
    if (oidHex === OID_KEY_USAGE && inner.tag === 0x03) {
      const first = inner.end - inner.start >= 2 ? (der[inner.start + 1] ?? 0) : 0;
      keyUsage = { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
    } else if (oidHex === OID_EXT_KEY_USAGE && inner.tag === 0x30) {
      extKeyUsage = children(der, inner).filter((t) => t.tag === 0x06).map((t) => der.subarray(t.start, t.end).toString("hex"));
    }
  }
  return { ...(keyUsage ? { keyUsage } : {}), ...(extKeyUsage ? { extKeyUsage } : {}) };
}

// ---------------------------------------------------------------------------------------------------------

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in the given PEM texts (a text may hold several, as model_signing allows). */
function certificatesFromPems(pems: readonly string[], role: string, check: SignatureCheck, certificateCheck: CertificateCheck): X509Certificate[] {
  const certs: X509Certificate[] = [];
  for (const [i, pem] of pems.entries()) {
    const blocks = pem.match(PEM_CERT) ?? [];
    if (blocks.length === 0) fail(check, certificateCheck, `${role} ${i + 1} holds no PEM certificate`);
    for (const block of blocks) {
      try {
        certs.push(new X509Certificate(block));
      } catch (err) {
        fail(check, certificateCheck, `${role} ${i + 1} is not a readable X.509 certificate`, err);
      }
    }
  }
  return certs;
}

function bundleCertificates(bundle: OmsBundle): X509Certificate[] {
  const material = bundle.verificationMaterial;
  const entries = material.x509CertificateChain?.certificates;
  if (!entries || entries.length === 0) {
    const what = material.publicKey ? "a public key (key method)" : material.certificate ? "a single certificate (Sigstore keyless)" : "no certificate chain";
    fail("bundle-key-material", "certificate-missing", `the bundle was not signed with the certificate method: it carries ${what}, not verificationMaterial.x509CertificateChain`);
  }
  return entries.map((entry, i) => {
    const der = decodeBase64(entry.rawBytes);
    if (!der) fail("bundle-key-material", "certificate-encoding", `certificate ${i} of the bundle's chain is not valid base64`);
    try {
      return new X509Certificate(der);
    } catch (err) {
      return fail("bundle-key-material", "certificate-encoding", `certificate ${i} of the bundle's chain is not a DER X.509 certificate`, err);
    }
  });
}

function issues(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Depth-first search from the leaf to a given CA certificate through the bundle's intermediates. */
function buildPath(leaf: X509Certificate, intermediates: readonly X509Certificate[], anchors: readonly X509Certificate[]): X509Certificate[] | undefined {
  const walk = (path: X509Certificate[]): X509Certificate[] | undefined => {
    const current = path[path.length - 1];
    if (!current || path.length > MAX_CHAIN_DEPTH) return undefined;
    for (const anchor of anchors) if (issues(anchor, current)) return [...path, anchor];
    for (const next of intermediates) {
      if (path.some((p) => p.raw.equals(next.raw))) continue;
      if (issues(next, current)) {
        const found = walk([...path, next]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk([leaf]);
}

function subjectLine(cert: X509Certificate): string {
  return cert.subject.replace(/\n/g, ", ");
}

function checkPath(path: readonly X509Certificate[], at: Date): void {
  for (const [i, cert] of path.entries()) {
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (!(from <= at.getTime() && at.getTime() <= to)) {
      fail("key-mismatch", "validity", `certificate ${subjectLine(cert)} is not valid at ${at.toISOString()} (valid ${cert.validFrom} to ${cert.validTo})`);
    }
    if (i === 0) continue;
    if (!cert.ca) fail("key-mismatch", "ca-constraints", `certificate ${subjectLine(cert)} issued part of the chain but is not a CA (basicConstraints CA:TRUE missing)`);
    let usage: Usage;
    try {
      usage = usageOf(cert);
    } catch (err) {
      return fail("key-mismatch", "certificate-encoding", `cannot read the extensions of ${subjectLine(cert)}`, err);
    }
    if (usage.keyUsage && !usage.keyUsage.keyCertSign) {
      fail("key-mismatch", "ca-constraints", `certificate ${subjectLine(cert)} issued part of the chain but its key usage lacks keyCertSign`);
    }
  }
}

function checkLeafUsage(leaf: X509Certificate): void {
  let usage: Usage;
  try {
    usage = usageOf(leaf);
  } catch (err) {
    return fail("bundle-key-material", "certificate-encoding", `cannot read the extensions of the signing certificate ${subjectLine(leaf)}`, err);
  }
  if (!usage.keyUsage) {
    fail("key-mismatch", "key-usage", `the signing certificate ${subjectLine(leaf)} has no KeyUsage extension; model_signing requires one`);
  }
  if (usage.keyUsage.digitalSignature) return;
  if (usage.extKeyUsage?.includes(OID_CODE_SIGNING)) return;
  fail("key-mismatch", "key-usage", `the signing certificate ${subjectLine(leaf)} cannot be used for signing: its key usage lacks digitalSignature and its extended key usage lacks codeSigning`);
}

/**
 * Verify a model.sig made with the certificate method against the CA certificates the caller trusts
 * (PEM texts; a text may hold several). Intermediates come from the bundle or may be given alongside
 * the root: any given certificate anchors the chain.
 */
export function verifyCertificateBundle(
  bundleJson: string | Uint8Array,
  caCertPems: readonly string[],
  options: CertificateMethodOptions = {},
): CertificateVerification {
  const schemas = options.schemas ?? defaultOmsSchemas();
  if (caCertPems.length === 0) fail("key-missing", "ca-unreadable", "no CA certificate was given: pass the PEM certificate(s) of the CA(s) you trust");
  const anchors = certificatesFromPems(caCertPems, "CA certificate", "key-unreadable", "ca-unreadable");

  const bundle = parseBundle(bundleJson, schemas);
  if (bundle.mediaType !== SIGSTORE_BUNDLE_V03_MEDIA_TYPE) {
    throw new SignatureCheckError("bundle-media-type", `the bundle media type is ${bundle.mediaType}; certificate-method signatures use ${SIGSTORE_BUNDLE_V03_MEDIA_TYPE}`);
  }
  const [leaf, ...intermediates] = bundleCertificates(bundle);
  if (!leaf) return fail("bundle-key-material", "certificate-missing", "the bundle's certificate chain is empty");

  const path = buildPath(leaf, intermediates, anchors);
  if (!path) {
    fail("key-mismatch", "chain", `the certificate chain does not lead to a given CA: ${subjectLine(leaf)} (issuer ${leaf.issuer.replace(/\n/g, ", ")}) is not issued by any of them, directly or through the bundle's ${intermediates.length} intermediate certificate(s)`);
  }
  const validityTime = options.validityTime ?? new Date(Date.parse(leaf.validFrom));
  checkPath(path, validityTime);
  checkLeafUsage(leaf);

  const key = leaf.publicKey;
  const curve = curveOf(key, "signing certificate's", "certificate");

  const envelope = bundle.dsseEnvelope;
  verifyEnvelopeSignature(envelope, key, curve, "certificate", `the signature does not verify with the ${curve.name} key of the signing certificate ${subjectLine(leaf)}: the bundle or the statement was changed`);

  return {
    bundle,
    keyHint: publicKeyHint(key),
    curve: curve.name,
    keyMaterial: "x509CertificateChain",
    leafSubject: subjectLine(leaf),
    chain: path.map(subjectLine),
    chainFingerprints: path.map((c) => c.fingerprint256),
    validityTime,
    ...readStatement(envelope, schemas),
  };
}

/**
 * Sign a statement with an ECDSA private key and its certificate, producing the model.sig JSON
 * model_signing (v1.x) writes: v0.3 media type, `x509CertificateChain` with the signing certificate
 * first then the chain certificates in the order given (base64 DER), empty `tlogEntries`, one DER
 * signature with keyid "".
 */
export function signCertificateBundle(
  statement: OmsStatement,
  privateKeyPem: string,
  signingCertPem: string,
  chainPems: readonly string[],
  options: Pick<CertificateMethodOptions, "schemas"> = {},
): string {
  if (privateKeyPem.trim() === "") throw new SignatureCheckError("key-missing", "no private key was given: pass a PEM private key");
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: privateKeyPem, format: "pem" });
  } catch (err) {
    throw new SignatureCheckError("key-unreadable", "the private key is not an unencrypted PEM private key", { cause: err });
  }
  const curve = curveOf(key, "private", "certificate");
  const [leaf, ...extra] = certificatesFromPems([signingCertPem], "signing certificate", "bundle-key-material", "certificate-encoding");
  if (!leaf || extra.length > 0) fail("bundle-key-material", "certificate-encoding", "the signing certificate PEM must hold exactly one certificate");
  if (!leaf.publicKey.equals(createPublicKey(key))) {
    throw new SignatureCheckError("key-mismatch", "the signing certificate's public key does not match the private key");
  }
  const chain = certificatesFromPems(chainPems, "chain certificate", "bundle-key-material", "certificate-encoding");

  const bundle: OmsBundle = {
    mediaType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      x509CertificateChain: { certificates: [leaf, ...chain].map((c) => ({ rawBytes: c.raw.toString("base64") })) },
      tlogEntries: [],
    },
    dsseEnvelope: signEnvelope(statement, key, curve, options.schemas),
  };
  return JSON.stringify(bundle);
}
