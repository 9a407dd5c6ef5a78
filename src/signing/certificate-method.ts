// The OMS "certificate" signing method: an ECDSA key whose X.509 certificate chains to a CA the verifier
// trusts; no transparency log. The bundle carries `verificationMaterial.x509CertificateChain` (base64 DER,
// leaf first, then the rest of the chain as model_signing writes it) and one DER ECDSA signature over the
// DSSE PAE, hashed with the hash that goes with the leaf key's curve.
//
// What is checked (stricter than model_signing's certificate Verifier, sign_certificate.py, where it let
// any certificate of the CA sign, and one that had expired before the signature was made):
// - the chain leaf → bundle intermediates → a given CA certificate, each link issued-by and signed-by;
// - validity of every certificate at the signing time. The certificate method has no transparency log and
//   no timestamp we can verify (an RFC 3161 timestamp would need a TSA the verifier trusts, which the
//   method does not name), so the only time the verifier knows is its own: certificates are checked at the
//   verification time. model_signing checks at the leaf's notBefore, which accepts a signature made with a
//   certificate that expired (or was compromised) years ago. `options.validityTime` overrides it when the
//   caller has a signing time it trusts;
// - the leaf is a code-signing certificate: ExtendedKeyUsage lists codeSigning (1.3.6.1.5.5.7.3.3) and
//   KeyUsage is present with digitalSignature. A TLS server or client certificate from the same CA is not a
//   signer (model_signing accepted either usage alone);
// - the leaf is the one the verifier expects, when it pins one: its subject and/or SANs (email, URI, DNS);
// - issuers are CAs (basicConstraints CA:TRUE, keyCertSign when they carry KeyUsage), as OpenSSL checks;
// - the leaf key is ECDSA P-256/P-384/P-521 and verifies the DSSE signature.
//
// bundle.ts's SignatureCheck union has no certificate checks, so chain, validity, usage and identity
// failures ride on "key-mismatch" (the signer's key is not one the verifier trusts) with the precise step in
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
  | "key-usage"
  | "identity";

/**
 * The leaf a verifier expects, beyond "issued by this CA": every field given must match. `subject` is the
 * leaf's subject as `perimeter verify certificate` prints it ("CN=alice, O=Acme"); the SANs must each be
 * among the leaf's subjectAltName entries of that type, compared exactly (no wildcards).
 */
export interface CertificateIdentity {
  readonly subject?: string | undefined;
  readonly email?: string | undefined;
  readonly uri?: string | undefined;
  readonly dns?: string | undefined;
}

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
  /** The leaf's subjectAltName entries, e.g. "email:alice@example.com", "URI:https://ci.example.com/job". */
  readonly leafSans: string[];
}

export interface CertificateMethodOptions {
  readonly schemas?: OmsSchemas;
  /** Check validity at this instant (a signing time the caller trusts) instead of now. */
  readonly validityTime?: Date | undefined;
  /** Refuse a leaf that is not this one (a different certificate from the same CA). */
  readonly identity?: CertificateIdentity | undefined;
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
      extKeyUsage = children(der, inner)
        .filter((t) => t.tag === 0x06)
        .map((t) => der.subarray(t.start, t.end).toString("hex"));
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
    fail(
      "bundle-key-material",
      "certificate-missing",
      `the bundle was not signed with the certificate method: it carries ${what}, not verificationMaterial.x509CertificateChain`,
    );
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
      const when = at.getTime() > to ? `expired on ${new Date(to).toISOString()}` : `is not valid until ${new Date(from).toISOString()}`;
      fail(
        "key-mismatch",
        "validity",
        `certificate ${subjectLine(cert)} ${when}, and signatures are checked at ${at.toISOString()} (the certificate method carries no signing time the verifier can trust): sign again with a current certificate`,
      );
    }
    if (i === 0) continue;
    if (!cert.ca)
      fail("key-mismatch", "ca-constraints", `certificate ${subjectLine(cert)} issued part of the chain but is not a CA (basicConstraints CA:TRUE missing)`);
    let usage: Usage;
    try {
      usage = usageOf(cert);
    } catch (err) {
      fail("key-mismatch", "certificate-encoding", `cannot read the extensions of ${subjectLine(cert)}`, err);
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
    fail("bundle-key-material", "certificate-encoding", `cannot read the extensions of the signing certificate ${subjectLine(leaf)}`, err);
  }
  if (!usage.extKeyUsage?.includes(OID_CODE_SIGNING)) {
    const has = usage.extKeyUsage === undefined ? "has no extended key usage" : `has extended key usage ${usage.extKeyUsage.map(oidName).join(", ")}`;
    fail(
      "key-mismatch",
      "key-usage",
      `the signing certificate ${subjectLine(leaf)} is not a code-signing certificate: it ${has}, and a model signature needs codeSigning (1.3.6.1.5.5.7.3.3). Ask the CA for a code-signing certificate`,
    );
  }
  if (!usage.keyUsage) {
    fail(
      "key-mismatch",
      "key-usage",
      `the signing certificate ${subjectLine(leaf)} has no KeyUsage extension; a signing certificate needs one with digitalSignature`,
    );
  }
  if (!usage.keyUsage.digitalSignature) {
    fail("key-mismatch", "key-usage", `the signing certificate ${subjectLine(leaf)} cannot be used for signing: its key usage lacks digitalSignature`);
  }
}

const OID_NAMES: Record<string, string> = {
  "2b06010505070301": "serverAuth",
  "2b06010505070302": "clientAuth",
  [OID_CODE_SIGNING]: "codeSigning",
  "2b06010505070304": "emailProtection",
  "2b06010505070308": "timeStamping",
  "551d2500": "anyExtendedKeyUsage",
};

function oidName(hex: string): string {
  return OID_NAMES[hex] ?? `OID ${hex}`;
}

/**
 * The subjectAltName entries as "type:value". node:crypto prints them comma-separated and, since it escaped
 * them (CVE-2021-44532), quotes a value that holds a comma or quote as a JSON string.
 */
export function subjectAltNames(cert: X509Certificate): string[] {
  const text = cert.subjectAltName;
  if (text === undefined || text === "") return [];
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(":", i);
    if (colon < 0) throw new Error(`unreadable subjectAltName: ${text}`);
    const type = text.slice(i, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      next = end + 1;
    } else {
      const comma = text.indexOf(", ", colon);
      next = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, next);
    }
    out.push(`${type}:${value}`);
    i = next;
    if (text.startsWith(", ", i)) i += 2;
  }
  return out;
}

function normalizeSubject(subject: string): string {
  return subject
    .split(/\s*(?:,|\n)\s*/)
    .map((rdn) => rdn.trim())
    .filter((rdn) => rdn !== "")
    .join(", ");
}

function checkLeafIdentity(leaf: X509Certificate, identity: CertificateIdentity): string[] {
  let sans: string[];
  try {
    sans = subjectAltNames(leaf);
  } catch (err) {
    return fail("bundle-key-material", "certificate-encoding", `cannot read the subjectAltName of the signing certificate ${subjectLine(leaf)}`, err);
  }
  const wrong: string[] = [];
  if (identity.subject !== undefined && normalizeSubject(identity.subject) !== normalizeSubject(subjectLine(leaf))) {
    wrong.push(`its subject is ${subjectLine(leaf)}, not ${identity.subject}`);
  }
  for (const [type, label] of [
    ["email", "email"],
    ["uri", "URI"],
    ["dns", "DNS"],
  ] as const) {
    const want = identity[type];
    if (want !== undefined && !sans.includes(`${label}:${want}`)) {
      const has = sans.filter((s) => s.startsWith(`${label}:`));
      wrong.push(`it does not name ${label}:${want} (its ${label} names: ${has.length === 0 ? "none" : has.join(", ")})`);
    }
  }
  if (wrong.length > 0) {
    fail(
      "key-mismatch",
      "identity",
      `the signing certificate ${subjectLine(leaf)} is issued by a trusted CA but is not the expected signer: ${wrong.join("; ")}`,
    );
  }
  return sans;
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
    throw new SignatureCheckError(
      "bundle-media-type",
      `the bundle media type is ${bundle.mediaType}; certificate-method signatures use ${SIGSTORE_BUNDLE_V03_MEDIA_TYPE}`,
    );
  }
  const [leaf, ...intermediates] = bundleCertificates(bundle);
  if (!leaf) return fail("bundle-key-material", "certificate-missing", "the bundle's certificate chain is empty");

  const path = buildPath(leaf, intermediates, anchors);
  if (!path) {
    fail(
      "key-mismatch",
      "chain",
      `the certificate chain does not lead to a given CA: ${subjectLine(leaf)} (issuer ${leaf.issuer.replace(/\n/g, ", ")}) is not issued by any of them, directly or through the bundle's ${intermediates.length} intermediate certificate(s)`,
    );
  }
  const validityTime = options.validityTime ?? new Date();
  checkPath(path, validityTime);
  checkLeafUsage(leaf);
  const leafSans = checkLeafIdentity(leaf, options.identity ?? {});

  const key = leaf.publicKey;
  const curve = curveOf(key, "signing certificate's", "certificate");

  const envelope = bundle.dsseEnvelope;
  verifyEnvelopeSignature(
    envelope,
    key,
    curve,
    "certificate",
    `the signature does not verify with the ${curve.name} key of the signing certificate ${subjectLine(leaf)}: the bundle or the statement was changed`,
  );

  return {
    bundle,
    keyHint: publicKeyHint(key),
    curve: curve.name,
    keyMaterial: "x509CertificateChain",
    leafSubject: subjectLine(leaf),
    chain: path.map(subjectLine),
    chainFingerprints: path.map((c) => c.fingerprint256),
    validityTime,
    leafSans,
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
