import type { AuditEventRow, AuditEventTuple } from "../store/audit-repository.js";
import { canonicalJson } from "./canonical.js";
import { leafHashHex } from "./merkle.js";

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

/** An event as callers see it: details parsed, the link to the previous event named in camelCase. */
export interface AuditEvent extends Omit<AuditEventRow, "details" | "prev_hash"> {
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
}

/** An event as stored: details kept as the exact canonical text that was hashed. */
export type StoredAuditEvent = AuditEventRow;

/** A validated event before the log places it: what the caller said, details as canonical JSON text. */
export type EventFields = Omit<StoredAuditEvent, "seq" | "time" | "prev_hash" | "hash">;

export const GENESIS_HASH = "0".repeat(64);
export const MAX_DETAILS_BYTES = 64 * 1024;

/**
 * The leaf an event contributes to the chain and the Merkle tree: the RFC 8785 canonical JSON of every
 * stored field but its own hash. Keys are written in JCS order by hand because this runs once per event
 * on every append and every verify.
 */
export function eventLeaf(e: Omit<StoredAuditEvent, "hash">): string {
  return leafText(e.seq, e.time, e.actor, e.action, e.resource, e.decision, e.reason, e.details, e.prev_hash);
}

/** The event's leaf hash, hex. */
export function eventHash(e: Omit<StoredAuditEvent, "hash">): string {
  return leafHashHex(eventLeaf(e));
}

/** The leaf hash of an event read as a tuple in column order. */
export function tupleHash(t: AuditEventTuple): string {
  return leafHashHex(leafText(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]));
}

function leafText(
  seq: number,
  time: string,
  actor: string,
  action: string,
  resource: string,
  decision: string,
  reason: string,
  details: string,
  prevHash: string,
): string {
  return (
    `{"action":${JSON.stringify(action)},"actor":${JSON.stringify(actor)},"decision":${JSON.stringify(decision)},` +
    `"details":${details},"prev_hash":${JSON.stringify(prevHash)},"reason":${JSON.stringify(reason)},` +
    `"resource":${JSON.stringify(resource)},"seq":${seq},"time":${JSON.stringify(time)}}`
  );
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
