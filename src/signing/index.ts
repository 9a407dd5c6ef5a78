import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { PerimeterError } from "../errors.js";
import { buildStatement, type Serialization } from "./bundle.js";
import { signCertificateBundle, verifyCertificateBundle, type CertificateIdentity } from "./certificate-method.js";
import { signKeyBundle, verifyKeyBundle } from "./key-method.js";
import { verifySigstoreBundle } from "./sigstore-method.js";
import { computeManifest, type ManifestOptions, type ModelManifest } from "./manifest.js";

// The signing service the CLI (and later the lifecycle gate) calls: hash a model, sign its manifest, verify
// a signature against the files on disk and say exactly what differs.

export { computeManifest, DEFAULT_SIGNATURE_FILE, signaturePath, type ModelManifest } from "./manifest.js";
export type { CertificateIdentity } from "./certificate-method.js";

export interface SignOptions extends ManifestOptions {
  readonly privateKeyPem: string;
}

/** Hash the model and sign its manifest with an ECDSA key: returns the bundle text and the manifest. */
export async function signModelWithKey(modelPath: string, options: SignOptions): Promise<{ bundle: string; manifest: ModelManifest }> {
  const manifest = await computeManifest(modelPath, options);
  const statement = buildStatement(manifest, manifest.modelName);
  return { bundle: signKeyBundle(statement, options.privateKeyPem), manifest };
}

export interface ModelVerification {
  readonly modelName: string;
  readonly subjectDigest: string;
  readonly files: number;
  /** The signed files' names (OMS resource names), so a caller can compare them with what else covered the model. */
  readonly resources: readonly string[];
  readonly keyHint: string;
}

/**
 * Verify the signature (every check of the key method), then hash the model and compare it with what was
 * signed. The ignore paths the signer recorded are honoured beside the caller's.
 */
export async function verifyModelWithKey(
  modelPath: string,
  bundleText: string,
  publicKeyPem: string,
  options: ManifestOptions = {},
): Promise<ModelVerification> {
  return checkModelFiles(modelPath, verifyKeyBundle(bundleText, publicKeyPem), options);
}

/** Sign with an ECDSA key whose certificate (and chain) the bundle carries. */
export async function signModelWithCertificate(
  modelPath: string,
  options: SignOptions & { readonly signingCertificatePem: string; readonly chainPems: readonly string[] },
): Promise<{ bundle: string; manifest: ModelManifest }> {
  const manifest = await computeManifest(modelPath, options);
  const statement = buildStatement(manifest, manifest.modelName);
  return { bundle: signCertificateBundle(statement, options.privateKeyPem, options.signingCertificatePem, [...options.chainPems]), manifest };
}

/**
 * Verify a certificate-method signature against the given CA certificates (and, when given, the expected
 * leaf subject/SANs), then the files.
 */
export async function verifyModelWithCertificate(
  modelPath: string,
  bundleText: string,
  caCertPems: readonly string[],
  options: ManifestOptions = {},
  identity?: CertificateIdentity,
): Promise<ModelVerification> {
  return checkModelFiles(modelPath, verifyCertificateBundle(bundleText, caCertPems, { identity }), options);
}

/** Verify a keyless (Sigstore) signature offline against a trusted root, with the expected identity and issuer. */
export async function verifyModelWithSigstore(
  modelPath: string,
  bundleText: string,
  expected: { readonly identity: string; readonly issuer: string; readonly trustedRoot?: string },
  options: ManifestOptions = {},
): Promise<ModelVerification> {
  return checkModelFiles(modelPath, verifySigstoreBundle(bundleText, expected), options);
}

/** Hash the model and compare it with what a verified signature covers; the first difference is the reason. */
async function checkModelFiles(
  modelPath: string,
  verified: {
    readonly resources: ReadonlyMap<string, string>;
    readonly serialization: Serialization;
    readonly modelName: string;
    readonly subjectDigest: string;
    readonly keyHint: string;
  },
  options: ManifestOptions,
): Promise<ModelVerification> {
  const recorded = verified.serialization.method === "files" ? (verified.serialization.ignore_paths ?? []) : [];
  const manifest = await computeManifest(modelPath, {
    ...options,
    ignorePaths: [...(options.ignorePaths ?? []), ...recorded.filter((p) => !isAbsolute(p))],
  });
  const signed = verified.resources;
  const actual = new Map(manifest.files.map((f) => [f.name, f.sha256]));
  for (const [name, digest] of signed) {
    const now = actual.get(name);
    if (now === undefined)
      throw new PerimeterError("MODEL_MISMATCH", `${name} was signed but is missing from the model`, { details: { file: name, change: "missing" } });
    if (now !== digest)
      throw new PerimeterError("MODEL_MISMATCH", `${name} changed since it was signed (sha256 ${now}, signed ${digest})`, {
        details: { file: name, change: "changed" },
      });
  }
  for (const name of actual.keys()) {
    if (!signed.has(name))
      throw new PerimeterError("MODEL_MISMATCH", `${name} was added after the model was signed`, { details: { file: name, change: "added" } });
  }
  return { modelName: verified.modelName, subjectDigest: verified.subjectDigest, files: signed.size, resources: [...signed.keys()], keyHint: verified.keyHint };
}

/** Where the signature lives: --signature, else model.sig inside a model directory (beside a single file). */

export function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new PerimeterError("SIGNING_KEY_INVALID", `cannot read the ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}
