import type { KeyObject } from "node:crypto";
import type { AuditLog } from "../audit/index.js";
import { InventoryRepository, runtimeNotFound } from "../inventory/repository.js";
import type { Store } from "../store/store.js";
import { admitFiles, bundleSource, storeSource, type AdmissionDecision } from "./admission.js";
import type { ResolvedSigner } from "./signers.js";

// perimeter admit, as a service: may these files be loaded in this environment? Decided from the store
// (recorded, and with --runtime proving what an OpenAI-compatible server loaded) or offline from a signed
// bundle (nothing recorded: there is no store).

export interface AdmitFilesRequest {
  /** The model file or directory about to be loaded. */
  readonly path: string;
  readonly environment: string;
  /** The OMS signature, if not model.sig in the model directory. */
  readonly signature?: string | undefined;
  /** The runtime about to load the files: on admission, record that it serves their digest. */
  readonly runtime?: string | undefined;
  /** The name the runtime serves the model under (default: the admitted version's name). */
  readonly servedName?: string | undefined;
  readonly actor: string;
}

export interface AdmitDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  readonly signers: readonly ResolvedSigner[];
}

/** Decide from the store, record the decision, and on admission with a runtime, attest what it loads. */
export async function admitFromStore(deps: AdmitDeps, request: AdmitFilesRequest): Promise<AdmissionDecision> {
  const inventory = new InventoryRepository(deps.store);
  // Named before anything is hashed: an attestation for a runtime nobody registered would be lost after an admission.
  if (request.runtime !== undefined && (await inventory.getRuntime(request.runtime)) === undefined) throw runtimeNotFound(request.runtime);
  const decision = await admitFiles(storeSource(deps.store, deps.signers), request.path, request.environment, request.signature, request.runtime);
  await deps.audit().append({
    actor: request.actor,
    action: "admission.admit",
    resource: decision.model === null ? `path:${request.path}` : `model:${decision.model}`,
    decision: decision.allow ? "allow" : "deny",
    reason: decision.reason,
    details: { environment: request.environment, digest: decision.digest, path: request.path, runtime: request.runtime ?? null },
  });
  if (decision.allow && request.runtime !== undefined && decision.digest !== null && decision.model !== null) {
    const servedName = request.servedName ?? decision.model.slice(0, decision.model.lastIndexOf("@"));
    await inventory.attest(request.runtime, servedName, decision.digest, request.actor);
  }
  return decision;
}

/** Decide offline from an exported admission bundle that `trustedKey` must have signed. */
export async function admitFromBundle(
  bundle: { readonly text: string; readonly trustedKey: KeyObject },
  request: Pick<AdmitFilesRequest, "path" | "environment" | "signature">,
): Promise<AdmissionDecision> {
  return admitFiles(bundleSource(bundle.text, bundle.trustedKey), request.path, request.environment, request.signature);
}
