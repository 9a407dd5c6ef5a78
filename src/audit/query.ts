import { sql } from "kysely";
import type { Store } from "../store/store.js";
import { toAuditEvent, type AuditEvent } from "./event.js";

// Pages of the audit log, newest first, filtered the way people look for things: who, what, which decision,
// on what. Used by `perimeter audit list` and the control API alike.

export interface AuditQuery {
  /** Only events before this sequence number (the previous page's last). */
  readonly before?: number | undefined;
  readonly limit: number;
  readonly actor?: string | undefined;
  /** An action, or a prefix ending in "." or "*" (e.g. "kill." or "control.*"). */
  readonly action?: string | undefined;
  readonly decision?: "allow" | "deny" | undefined;
  readonly resource?: string | undefined;
}

export interface AuditPage {
  readonly events: AuditEvent[];
  /** Pass as `before` for the next (older) page; null on the last. */
  readonly next: number | null;
  /** The newest sequence number in the log (0 when it is empty). */
  readonly size: number;
}

export async function pageAuditEvents(store: Store, query: AuditQuery): Promise<AuditPage> {
  let q = store.db.selectFrom("audit_events").selectAll();
  if (query.before !== undefined) q = q.where("seq", "<", query.before);
  if (query.actor !== undefined) q = q.where("actor", "=", query.actor);
  if (query.decision !== undefined) q = q.where("decision", "=", query.decision);
  if (query.resource !== undefined) q = q.where("resource", "=", query.resource);
  if (query.action !== undefined) {
    const prefix = query.action.endsWith("*") ? query.action.slice(0, -1) : query.action.endsWith(".") ? query.action : undefined;
    // A prefix is compared as a substring, not with LIKE: no wildcard in the value can widen it.
    q = prefix === undefined ? q.where("action", "=", query.action) : q.where(sql<string>`substr(action, 1, ${prefix.length})`, "=", prefix);
  }
  const rows = await q
    .orderBy("seq", "desc")
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const head = await store.db.selectFrom("audit_head").select("size").executeTakeFirst();
  return {
    events: page.map(toAuditEvent),
    next: rows.length > query.limit ? (page[page.length - 1]?.seq ?? null) : null,
    size: head?.size ?? 0,
  };
}
