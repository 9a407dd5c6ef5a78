import { readFileSync, statSync } from "node:fs";
import type { LoadedConfig } from "../config/load.js";
import { configPath } from "../config/load.js";
import { asPerimeterError, PerimeterError } from "../errors.js";
import {
  signaturePath,
  verifyModelWithCertificate,
  verifyModelWithKey,
  verifyModelWithSigstore,
  type CertificateIdentity,
  type ModelVerification,
} from "../signing/index.js";

// Trusted signers (lifecycle.trustedSigners), resolved to their key material so that an admission bundle can
// carry them offline, and the check "this model's signature verifies against one of them".

export type ResolvedSigner =
  | { readonly name: string; readonly publicKeyPem: string }
  | { readonly name: string; readonly caPems: readonly string[]; readonly identity?: CertificateIdentity }
  | { readonly name: string; readonly sigstore: { readonly identity: string; readonly issuer: string; readonly trustedRoot?: string } };

export function resolveTrustedSigners(loaded: LoadedConfig): ResolvedSigner[] {
  const read = (file: string, what: string): string => {
    try {
      return readFileSync(configPath(loaded, file), "utf8");
    } catch (err) {
      throw new PerimeterError("CONFIG_INVALID", `lifecycle.trustedSigners: cannot read the ${what} ${file}: ${(err as Error).message}`);
    }
  };
  return loaded.config.lifecycle.trustedSigners.map((s): ResolvedSigner => {
    if ("publicKey" in s) return { name: s.name, publicKeyPem: read(s.publicKey, `public key of ${s.name}`) };
    if ("certificateChain" in s) {
      const caPems = s.certificateChain.map((c) => read(c, `CA certificate of ${s.name}`));
      const identity = { ...(s.subject === undefined ? {} : { subject: s.subject }), ...(s.san ?? {}) };
      return { name: s.name, caPems, ...(Object.keys(identity).length === 0 ? {} : { identity }) };
    }
    const root = s.sigstore.trustedRoot;
    return {
      name: s.name,
      sigstore: {
        identity: s.sigstore.identity,
        issuer: s.sigstore.issuer,
        ...(root === undefined ? {} : { trustedRoot: read(root, `trusted root of ${s.name}`) }),
      },
    };
  });
}

export type SignatureCheck =
  | { readonly ok: true; readonly signer: string; readonly verification: ModelVerification; readonly signature: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Verify the model's OMS signature (model.sig in a directory, FILE.sig beside a file, or `signature`)
 * against each trusted signer; the first that verifies wins. The reason lists why each one failed.
 */
export async function verifyWithTrustedSigners(modelPath: string, signers: readonly ResolvedSigner[], signature?: string): Promise<SignatureCheck> {
  if (signers.length === 0) return { ok: false, reason: "no trusted signers are configured (lifecycle.trustedSigners), so no signature can be trusted" };
  let isDirectory: boolean;
  try {
    isDirectory = statSync(modelPath).isDirectory();
  } catch {
    return { ok: false, reason: `the model files are not at ${modelPath}` };
  }
  const sigPath = signaturePath(modelPath, signature, isDirectory);
  let bundle: string;
  try {
    bundle = readFileSync(sigPath, "utf8");
  } catch {
    return { ok: false, reason: `no signature at ${sigPath}: sign the model (perimeter sign ...) with a trusted signer's key` };
  }
  const failures: string[] = [];
  for (const signer of signers) {
    try {
      const verification =
        "publicKeyPem" in signer
          ? await verifyModelWithKey(modelPath, bundle, signer.publicKeyPem)
          : "caPems" in signer
            ? await verifyModelWithCertificate(modelPath, bundle, signer.caPems, {}, signer.identity)
            : await verifyModelWithSigstore(modelPath, bundle, signer.sigstore);
      return { ok: true, signer: signer.name, verification, signature: sigPath };
    } catch (err) {
      const e = asPerimeterError(err);
      // The files differing from what was signed is the same answer whoever signed: say it once, plainly.
      if (e.code === "MODEL_MISMATCH") return { ok: false, reason: `the signature verifies but the files differ: ${e.message}` };
      failures.push(`${signer.name}: ${e.message}`);
    }
  }
  return { ok: false, reason: `the signature at ${sigPath} does not verify against any trusted signer (${failures.join("; ")})` };
}
