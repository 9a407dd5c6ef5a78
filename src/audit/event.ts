import { canonicalJson } from "./canonical.js";
import { leafHash } from "./merkle.js";

/** What the decision was: a permitted and completed action, a refusal, a failure, or a plain record. */
export type AuditDecision = "allow" | "deny" | "error" | "info";

export const AUDIT_DECISIONS: readonly AuditDecision[] = ["allow", "deny", "error", "info"];

export interface AuditEventInput {
  readonly actor: string;
  /** Dotted verb, e.g. "demo-model.write", "model.approve", "gateway.call". */
  readonly action: string;
  /** What it acted on, e.g. "model:llama@1", a path, an identity id. */
  readonly resource: string;
  readonly decision: AuditDecision;
  readonly reason?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditEvent {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly reason: string;
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

/** An event as stored: details kept as the exact canonical text that was hashed. */
export interface StoredAuditEvent {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly reason: string;
  readonly details: string;
  readonly prev_hash: string;
  readonly hash: string;
}

export const GENESIS_HASH = "0".repeat(64);
export const MAX_DETAILS_BYTES = 64 * 1024;

/**
 * The leaf an event contributes to the chain and the Merkle tree: the RFC 8785 canonical JSON of every
 * stored field but its own hash. Keys are written in JCS order by hand because this runs once per event
 * on every append and every verify.
 */
export function eventLeaf(e: Omit<StoredAuditEvent, "hash">): string {
  return (
    `{"action":${JSON.stringify(e.action)},"actor":${JSON.stringify(e.actor)},"decision":${JSON.stringify(e.decision)},` +
    `"details":${e.details},"prev_hash":${JSON.stringify(e.prev_hash)},"reason":${JSON.stringify(e.reason)},` +
    `"resource":${JSON.stringify(e.resource)},"seq":${e.seq},"time":${JSON.stringify(e.time)}}`
  );
}

export function eventHash(e: Omit<StoredAuditEvent, "hash">): Buffer {
  return leafHash(eventLeaf(e));
}

export function canonicalDetails(details: Readonly<Record<string, unknown>> | undefined): string {
  return canonicalJson(details ?? {});
}

export function toAuditEvent(row: StoredAuditEvent): AuditEvent {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    details = { unparseable: row.details };
  }
  return {
    seq: row.seq,
    time: row.time,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    decision: row.decision,
    reason: row.reason,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
