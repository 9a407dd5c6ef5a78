import { PerimeterError } from "../errors.js";
import type { Store } from "../store/store.js";
import { verifyCheckpointNote, type AuditVerifierKey } from "./checkpoint.js";
import { canonicalJson } from "./canonical.js";
import { eventHash, toAuditEvent, type AuditEvent } from "./event.js";
import { rootFromInclusionProof, inclusionProof, subtreeRoot } from "./merkle.js";

export interface InclusionProof {
  readonly event: AuditEvent;
  /** RFC 6962 leaf index: seq - 1. */
  readonly leafIndex: number;
  readonly leafHash: string;
  readonly treeSize: number;
  readonly rootHash: string;
  /** Sibling hashes from the leaf up to the root. */
  readonly proof: readonly string[];
  /** The signed checkpoint (C2SP signed note) the proof leads to. */
  readonly checkpoint: string;
}

/**
 * Prove that event `seq` is in the log, against the newest stored checkpoint that covers it (or the signed
 * head when no stored checkpoint does yet). The proof carries the signed note so it checks offline.
 */
export async function proveInclusion(store: Store, seq: number, keys: readonly AuditVerifierKey[]): Promise<InclusionProof> {
  const row = await store.db.selectFrom("audit_events").selectAll().where("seq", "=", seq).executeTakeFirst();
  if (row === undefined) throw new PerimeterError("AUDIT_NOT_FOUND", `there is no audit event ${seq}`);

  const cp = await store.db
    .selectFrom("audit_checkpoints")
    .select(["tree_size", "note"])
    .where("tree_size", ">=", seq)
    .orderBy("tree_size", "desc")
    .limit(1)
    .executeTakeFirst();
  const head = await store.db.selectFrom("audit_head").select(["size", "note"]).where("id", "=", 1).executeTakeFirst();
  const note = cp?.note ?? head?.note;
  if (note === undefined || note === "") {
    throw new PerimeterError("AUDIT_TAMPERED", "no signed checkpoint covers this event; run `perimeter audit verify`");
  }
  const signed = verifyCheckpointNote(note, keys);
  if (!signed.ok) throw new PerimeterError("AUDIT_TAMPERED", `the checkpoint covering event ${seq} does not verify: ${signed.reason}`);
  const size = signed.checkpoint.size;

  const hashes = await store.db.selectFrom("audit_events").select("hash").where("seq", "<=", size).orderBy("seq").execute();
  if (hashes.length !== size) {
    throw new PerimeterError("AUDIT_TAMPERED", `the checkpoint covers ${size} events but the log holds ${hashes.length}; run \`perimeter audit verify\``);
  }
  const leaves = hashes.map((h) => h.hash);
  const leaf = eventHash(row);
  if (leaf !== row.hash || subtreeRoot(leaves) !== signed.checkpoint.root.toString("hex")) {
    throw new PerimeterError("AUDIT_TAMPERED", "the stored events do not match the signed checkpoint; run `perimeter audit verify`");
  }
  return {
    event: toAuditEvent(row),
    leafIndex: seq - 1,
    leafHash: leaf,
    treeSize: size,
    rootHash: signed.checkpoint.root.toString("hex"),
    proof: inclusionProof(leaves, seq - 1),
    checkpoint: note,
  };
}

export type ProofCheck = { ok: true } | { ok: false; reason: string };

/** Check an inclusion proof on its own: the event's fields, the audit path and the checkpoint signature. */
export function checkInclusionProof(p: InclusionProof, keys: readonly AuditVerifierKey[]): ProofCheck {
  const signed = verifyCheckpointNote(p.checkpoint, keys);
  if (!signed.ok) return { ok: false, reason: signed.reason };
  // What the proof claims must be what it proves: its event's place in the log, the signed tree.
  if (p.leafIndex !== p.event.seq - 1)
    return { ok: false, reason: `the proof is for leaf ${p.leafIndex}, not for event ${p.event.seq} (leaf ${p.event.seq - 1})` };
  if (p.treeSize !== signed.checkpoint.size || p.rootHash !== signed.checkpoint.root.toString("hex")) {
    return { ok: false, reason: "the proof's tree size or root is not the signed checkpoint's" };
  }
  if (p.event.hash !== p.leafHash) return { ok: false, reason: "the event's hash is not the proven leaf" };
  const leaf = eventHash({
    seq: p.event.seq,
    time: p.event.time,
    actor: p.event.actor,
    action: p.event.action,
    resource: p.event.resource,
    decision: p.event.decision,
    reason: p.event.reason,
    details: canonicalJson(p.event.details),
    prev_hash: p.event.prevHash,
  });
  if (leaf !== p.leafHash) return { ok: false, reason: "the event does not hash to the proven leaf" };
  try {
    const root = rootFromInclusionProof(leaf, p.leafIndex, signed.checkpoint.size, p.proof);
    if (root !== signed.checkpoint.root.toString("hex")) return { ok: false, reason: "the audit path does not lead to the signed root" };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  return { ok: true };
}
