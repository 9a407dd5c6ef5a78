// The OMS "sigstore" (keyless) signing method: a short-lived Fulcio certificate bound to an OIDC identity,
// the DSSE envelope logged in Rekor. Verification is sigstore-js's (`@sigstore/verify`), fully offline:
// - the certificate chains to a Fulcio CA of the trusted root, valid at the signing time;
// - the certificate carries enough SCTs from the root's CT logs;
// - the Rekor entry verifies (inclusion proof against a signed checkpoint, or the SET), its body matches the
//   envelope, and the RFC 3161 timestamps (when present) verify against the root's TSAs;
// - the signature verifies over the DSSE PAE with the certificate's key.
// Then the certificate's identity (SAN) and OIDC issuer (Fulcio extension) must equal what the caller
// expects, and the statement is read with bundle.ts's readStatement.
//
// The trusted root is the Sigstore public-good instance's `trusted_root.json` embedded in
// `@sigstore/tuf`'s seeds.json (no TUF refresh: no network), or a trusted root JSON the caller gives.
//
// bundle.ts's SignatureCheck union has no Sigstore checks; failures ride on the nearest check, with the
// precise step in `details.sigstoreCheck` and in the message:
// - chain/SCT/identity/issuer → "key-mismatch" (the signer is not one the verifier trusts);
// - transparency log / timestamp / signature → "signature";
// - bundle not decodable by sigstore-js, or no certificate → "bundle-schema" / "bundle-key-material";
// - unreadable trusted root → "key-unreadable".

import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { bundleFromJSON, type Bundle } from "@sigstore/bundle";
import { PolicyError, VerificationError, Verifier, toSignedEntity, toTrustMaterial, type TrustMaterial } from "@sigstore/verify";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import {
  SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
  SignatureCheckError,
  defaultOmsSchemas,
  parseBundle,
  readStatement,
  type OmsSchemas,
  type SignatureCheck,
} from "./bundle.js";
import { IN_TOTO_PAYLOAD_TYPE, decodeBase64 } from "./dsse.js";
import { subjectAltNames, type CertificateVerification } from "./certificate-method.js";
import { publicKeyHint } from "./key-method.js";

/** Which Sigstore step failed (in `details.sigstoreCheck` of the SignatureCheckError). */
export type SigstoreCheck = "trusted-root" | "bundle" | "certificate-missing" | "certificate" | "tlog" | "timestamp" | "signature" | "identity" | "issuer";

export interface SigstoreVerification extends Omit<CertificateVerification, "keyMaterial"> {
  readonly keyMaterial: "certificate";
  /** The certificate's identity (its SubjectAlternativeName: an email, URI, …), equal to the expected one. */
  readonly identity: string;
  /** The OIDC issuer the certificate records, equal to the expected one. */
  readonly issuer: string;
  /** When Rekor logged the entry (the entry's integratedTime), if the bundle's entry carries one. */
  readonly integratedTime?: Date;
}

export interface SigstoreMethodOptions {
  /** The certificate identity (SAN) the signer must have, e.g. an email or a workflow URI. */
  readonly identity: string;
  /** The OIDC issuer that must have authenticated the signer, e.g. https://accounts.google.com. */
  readonly issuer: string;
  /**
   * A Sigstore trusted root (trusted_root.json text or parsed JSON). Default: the public-good instance's
   * root embedded in @sigstore/tuf's seeds.json.
   */
  readonly trustedRoot?: string | Uint8Array | Record<string, unknown>;
  readonly schemas?: OmsSchemas;
}

export const PUBLIC_GOOD_TUF_URL = "https://tuf-repo-cdn.sigstore.dev";

function fail(check: SignatureCheck, sigstoreCheck: SigstoreCheck, message: string, cause?: unknown, details: Record<string, unknown> = {}): never {
  throw new SignatureCheckError(check, message, { cause, details: { ...details, sigstoreCheck } });
}

// ---------------------------------------------------------------------------------------------------------
// Trusted root.

interface LoadedRoot {
  readonly material: TrustMaterial;
  /** Fulcio CA chains (issuer first), to report the verified path. */
  readonly caChains: readonly X509Certificate[][];
}

let publicGood: LoadedRoot | undefined;

/** The public-good trusted_root.json, as embedded (base64) in @sigstore/tuf's seeds.json. */
export function publicGoodTrustedRoot(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const seedsPath = require.resolve("@sigstore/tuf/seeds.json");
  let target: unknown;
  try {
    const seeds = JSON.parse(readFileSync(seedsPath, "utf8")) as Record<string, { targets?: Record<string, unknown> } | undefined>;
    target = seeds[PUBLIC_GOOD_TUF_URL]?.targets?.["trusted_root.json"];
  } catch (err) {
    return fail("key-unreadable", "trusted-root", `cannot read @sigstore/tuf's seeds.json at ${seedsPath}`, err);
  }
  if (typeof target !== "string")
    fail("key-unreadable", "trusted-root", `@sigstore/tuf's seeds.json has no trusted_root.json target for ${PUBLIC_GOOD_TUF_URL}`);
  return JSON.parse(Buffer.from(target, "base64").toString("utf8")) as Record<string, unknown>;
}

function loadRoot(json: Record<string, unknown>): LoadedRoot {
  let root: TrustedRoot;
  let material: TrustMaterial;
  try {
    root = TrustedRoot.fromJSON(json);
    material = toTrustMaterial(root);
  } catch (err) {
    return fail("key-unreadable", "trusted-root", "the trusted root is not a Sigstore trusted_root.json", err);
  }
  const caChains: X509Certificate[][] = [];
  for (const ca of root.certificateAuthorities) {
    try {
      caChains.push((ca.certChain?.certificates ?? []).map((c) => new X509Certificate(c.rawBytes)));
    } catch {
      // sigstore-js decides whether the root is usable; this is only for reporting the path.
    }
  }
  if (root.certificateAuthorities.length === 0) fail("key-unreadable", "trusted-root", "the trusted root lists no certificate authority (Fulcio)");
  if (root.tlogs.length === 0) fail("key-unreadable", "trusted-root", "the trusted root lists no transparency log (Rekor)");
  return { material, caChains };
}

function trustedRootOf(given: SigstoreMethodOptions["trustedRoot"]): LoadedRoot {
  if (given === undefined) {
    publicGood ??= loadRoot(publicGoodTrustedRoot());
    return publicGood;
  }
  if (typeof given === "string" || given instanceof Uint8Array) {
    const text = typeof given === "string" ? given : Buffer.from(given).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return fail("key-unreadable", "trusted-root", "the trusted root is not JSON", err);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) fail("key-unreadable", "trusted-root", "the trusted root is not a JSON object");
    return loadRoot(json as Record<string, unknown>);
  }
  return loadRoot(given);
}

// ---------------------------------------------------------------------------------------------------------

const CURVE_NAMES: Record<string, "P-256" | "P-384" | "P-521"> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

/** The subject on one line; a Fulcio leaf has an empty subject (its identity is in the SAN), so say that. */
function subjectLine(cert: X509Certificate): string {
  const subject = (cert.subject as string | undefined) ?? "";
  if (subject !== "") return subject.replace(/\n/g, ", ");
  return `(empty subject; ${cert.subjectAltName ?? "no SAN"})`;
}

function issues(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function mapVerificationError(err: VerificationError): never {
  const detail = { sigstoreCode: err.code };
  const why = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  switch (err.code) {
    case "CERTIFICATE_ERROR":
    case "PUBLIC_KEY_ERROR":
      return fail("key-mismatch", "certificate", `the signing certificate is not trusted: ${err.message}${why}`, err, detail);
    case "SIGNATURE_ERROR":
      return fail(
        "signature",
        "signature",
        `the signature does not verify with the signing certificate's key: the bundle or the statement was changed (${err.message})`,
        err,
        detail,
      );
    case "TIMESTAMP_ERROR":
      return fail("signature", "timestamp", `the signing time is not proven: ${err.message}${why}`, err, detail);
    default:
      return fail("signature", "tlog", `the transparency log entry does not verify (${err.code}): ${err.message}${why}`, err, detail);
  }
}

/**
 * Verify a model.sig made with Sigstore keyless signing, offline, against the public-good trusted root
 * (or `options.trustedRoot`), and require the signer's identity and OIDC issuer to be the given ones.
 */
export function verifySigstoreBundle(bundleJson: string | Uint8Array, options: SigstoreMethodOptions): SigstoreVerification {
  const schemas = options.schemas ?? defaultOmsSchemas();
  if (!options.identity) fail("key-missing", "identity", "no expected identity was given: pass the signer's certificate identity (email or URI)");
  if (!options.issuer) fail("key-missing", "issuer", "no expected OIDC issuer was given: pass the issuer URL that authenticated the signer");
  const root = trustedRootOf(options.trustedRoot);

  const bundle = parseBundle(bundleJson, schemas);
  if (bundle.mediaType !== SIGSTORE_BUNDLE_V03_MEDIA_TYPE) {
    throw new SignatureCheckError(
      "bundle-media-type",
      `the bundle media type is ${bundle.mediaType}; Sigstore-method signatures use ${SIGSTORE_BUNDLE_V03_MEDIA_TYPE}`,
    );
  }
  const material = bundle.verificationMaterial;
  if (!material.certificate) {
    const what = material.publicKey
      ? "a public key (key method)"
      : material.x509CertificateChain
        ? "a certificate chain (certificate method)"
        : "no certificate";
    fail("bundle-key-material", "certificate-missing", `the bundle was not signed with Sigstore: it carries ${what}, not verificationMaterial.certificate`);
  }
  const der = decodeBase64(material.certificate.rawBytes);
  let leaf: X509Certificate;
  try {
    if (!der) throw new Error("not base64");
    leaf = new X509Certificate(der);
  } catch (err) {
    return fail("bundle-key-material", "certificate-missing", "the bundle's certificate is not a base64 DER X.509 certificate", err);
  }
  const envelope = bundle.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SignatureCheckError("statement-encoding", `the DSSE payload type is ${envelope.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  if (envelope.signatures.length !== 1) {
    throw new SignatureCheckError("signature-count", `the envelope carries ${envelope.signatures.length} signatures; a Sigstore signature has exactly one`);
  }

  let sigstoreBundle: Bundle;
  try {
    sigstoreBundle = bundleFromJSON(bundle);
  } catch (err) {
    return fail("bundle-schema", "bundle", `sigstore-js cannot read the bundle: ${err instanceof Error ? err.message : String(err)}`, err);
  }

  let identity: string | undefined;
  let issuer: string | undefined;
  try {
    const signer = new Verifier(root.material).verify(toSignedEntity(sigstoreBundle));
    identity = signer.identity?.subjectAlternativeName;
    issuer = signer.identity?.extensions?.issuer;
  } catch (err) {
    if (err instanceof VerificationError) mapVerificationError(err);
    if (err instanceof PolicyError) fail("key-mismatch", "identity", err.message, err);
    return fail("signature", "signature", `Sigstore verification failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }

  if (identity !== options.identity) {
    fail("key-mismatch", "identity", `the certificate identity is ${identity ?? "(none)"}, expected ${options.identity}`, undefined, {
      identity,
      expectedIdentity: options.identity,
    });
  }
  if (issuer !== options.issuer) {
    fail("key-mismatch", "issuer", `the certificate OIDC issuer is ${issuer ?? "(none)"}, expected ${options.issuer}`, undefined, {
      issuer,
      expectedIssuer: options.issuer,
    });
  }

  const times = (material.tlogEntries ?? [])
    .map((e) => Number((e as { integratedTime?: unknown }).integratedTime ?? 0))
    .filter((t) => Number.isFinite(t) && t > 0);
  const integratedTime = times.length > 0 ? new Date(Math.min(...times) * 1000) : undefined;

  const caChain = root.caChains.find((chain) => chain[0] !== undefined && issues(chain[0], leaf)) ?? [];
  const path = [leaf, ...caChain];
  const curve = CURVE_NAMES[leaf.publicKey.asymmetricKeyDetails?.namedCurve ?? ""];
  if (!curve) fail("key-curve", "certificate", `the signing certificate's key is not ECDSA P-256/P-384/P-521`);

  return {
    bundle,
    keyHint: publicKeyHint(leaf.publicKey),
    curve,
    keyMaterial: "certificate",
    leafSubject: subjectLine(leaf),
    chain: path.map(subjectLine),
    chainFingerprints: path.map((c) => c.fingerprint256),
    validityTime: integratedTime ?? new Date(Date.parse(leaf.validFrom)),
    leafSans: sansOrNone(leaf),
    identity,
    issuer,
    ...(integratedTime ? { integratedTime } : {}),
    ...readStatement(envelope, schemas),
  };
}

/** The SANs for the report; sigstore-js has already matched the identity, so an unreadable list is not a refusal here. */
function sansOrNone(leaf: X509Certificate): string[] {
  try {
    return subjectAltNames(leaf);
  } catch {
    return [];
  }
}
