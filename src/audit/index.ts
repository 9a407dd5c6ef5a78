import type { LoadedConfig } from "../config/load.js";
import { configPath } from "../config/load.js";
import type { Store } from "../store/store.js";
import { createSigner, loadOrCreateSigningKey, loadVerifierKey, type AuditVerifierKey } from "./checkpoint.js";
import { toAuditEvent, type AuditEvent } from "./event.js";
import { AuditLog } from "./log.js";
import { auditWitnessFile, auditWitnesses } from "./witnesses.js";
import { ThreadAuditCommitter } from "./writer-thread.js";

export { AuditLog } from "./log.js";
export type { AuditEvent, AuditEventInput, AuditDecision } from "./event.js";
export { verifyAuditLog, type AuditVerifyReport, type AuditProblem } from "./verify.js";
export { proveInclusion, checkInclusionProof, type InclusionProof } from "./proof.js";
export { FileWitness, type AuditWitness, type WitnessedCheckpoint } from "./witness.js";
export { HttpWitness, S3Witness, createRemoteWitness } from "./remote-witness.js";
export {
  auditWitnessFile,
  auditWitnesses,
  pushWitnesses,
  witnessFromTarget,
  witnessStatuses,
  type WitnessPush,
  type WitnessState,
  type WitnessStatus,
} from "./witnesses.js";

export interface OpenAuditLogOptions {
  /**
   * Commit on a writer thread of its own when the store is the embedded SQLite file, whose durable commit
   * is a synchronous fsync: for servers, where the thread that commits is the one answering requests.
   * Close the log (`close()`) when done. One-shot commands commit inline.
   */
  readonly thread?: boolean;
}

/** Open the audit log for writing: loads (or on first use creates) the signing key named in the config. */
export function openAuditLog(loaded: LoadedConfig, store: Store, options: OpenAuditLogOptions = {}): AuditLog {
  const audit = loaded.config.audit;
  const key = loadOrCreateSigningKey(configPath(loaded, audit.signingKey), true);
  const committer =
    options.thread === true && store.dialect === "sqlite"
      ? new ThreadAuditCommitter(store.options, key, audit, auditWitnessFile(loaded), audit.witnesses)
      : undefined;
  // One-shot commands commit each append at once; servers group commits (audit.groupCommitMs).
  return new AuditLog(
    store,
    createSigner(audit.origin, key),
    { ...audit, groupCommitMs: options.thread === true ? audit.groupCommitMs : 0, witnesses: committer === undefined ? auditWitnesses(loaded) : [] },
    committer,
  );
}

/**
 * The keys whose checkpoints verify: the configured signing key's public half (or an explicit public key
 * file, as an auditor without the private key would use) plus audit.trustedKeys.
 */
export function auditVerifierKeys(loaded: LoadedConfig, publicKeyFile?: string): AuditVerifierKey[] {
  const audit = loaded.config.audit;
  const primary = publicKeyFile ?? configPath(loaded, audit.signingKey);
  return [primary, ...audit.trustedKeys.map((k) => configPath(loaded, k))].map((p) => loadVerifierKey(audit.origin, p));
}

/** Stream every event in order, a page at a time, so exports of any size run in bounded memory. */
export async function* readAuditEvents(store: Store, fromSeq = 1, pageSize = 5000): AsyncGenerator<AuditEvent> {
  let next = fromSeq;
  for (;;) {
    const rows = await store.db.selectFrom("audit_events").selectAll().where("seq", ">=", next).orderBy("seq").limit(pageSize).execute();
    for (const row of rows) yield toAuditEvent(row);
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < pageSize) return;
    next = last.seq + 1;
  }
}
