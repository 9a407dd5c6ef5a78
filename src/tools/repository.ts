import type { ToolApprovalTable } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { ToolDefinition } from "./definition.js";

// The tool gateway's tables: pinned tool definitions (tool_pins) and calls waiting for an approver
// (tool_approvals). Both live in the store so that every gateway process and the CLI see the same ones.

export interface ToolPin {
  readonly server: string;
  readonly tool: string;
  readonly digest: string;
  readonly definition: ToolDefinition;
  readonly approvedBy: string;
  readonly approvedAt: string;
}

export const APPROVAL_STATES = ["pending", "allowed", "denied", "expired"] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface ToolApproval {
  readonly id: string;
  readonly identityId: string;
  readonly identityName: string;
  /** Who owns the calling identity (null: held before owners were recorded). */
  readonly identityOwner: string | null;
  readonly server: string;
  readonly tool: string;
  readonly argumentsDigest: string;
  /** The arguments as the approver sees them (redacted by the guards). */
  readonly arguments: unknown;
  readonly state: ApprovalState;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly reason: string | null;
}

export class ToolRepository {
  constructor(private readonly store: Store) {}

  async pins(server?: string): Promise<ToolPin[]> {
    let q = this.store.db.selectFrom("tool_pins").selectAll();
    if (server !== undefined) q = q.where("server", "=", server);
    const rows = await q.orderBy("server").orderBy("tool").execute();
    return rows.map((r) => ({
      server: r.server,
      tool: r.tool,
      digest: r.digest,
      definition: JSON.parse(r.definition) as ToolDefinition,
      approvedBy: r.approved_by,
      approvedAt: r.approved_at,
    }));
  }

  /** Replace a server's pins with these, in one transaction: tools no longer offered lose their pin. */
  async replacePins(server: string, pins: readonly Omit<ToolPin, "server">[]): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("tool_pins").where("server", "=", server).execute();
      for (const p of pins)
        await trx
          .insertInto("tool_pins")
          .values({
            server,
            tool: p.tool,
            digest: p.digest,
            definition: JSON.stringify(p.definition),
            approved_by: p.approvedBy,
            approved_at: p.approvedAt,
          })
          .execute();
    });
  }

  async addApproval(a: ToolApproval): Promise<void> {
    await this.store.db
      .insertInto("tool_approvals")
      .values({
        id: a.id,
        identity_id: a.identityId,
        identity_name: a.identityName,
        identity_owner: a.identityOwner,
        server: a.server,
        tool: a.tool,
        arguments_digest: a.argumentsDigest,
        arguments: JSON.stringify(a.arguments ?? null),
        state: a.state,
        created_at: a.createdAt,
        expires_at: a.expiresAt,
        decided_by: a.decidedBy,
        decided_at: a.decidedAt,
        reason: a.reason,
      })
      .execute();
  }

  async approval(id: string): Promise<ToolApproval | undefined> {
    const r = await this.store.db.selectFrom("tool_approvals").selectAll().where("id", "=", id).executeTakeFirst();
    return r === undefined ? undefined : toApproval(r);
  }

  async approvals(ids: readonly string[]): Promise<ToolApproval[]> {
    if (ids.length === 0) return [];
    const rows = await this.store.db
      .selectFrom("tool_approvals")
      .selectAll()
      .where("id", "in", [...ids])
      .execute();
    return rows.map(toApproval);
  }

  async listApprovals(state?: ApprovalState): Promise<ToolApproval[]> {
    let q = this.store.db.selectFrom("tool_approvals").selectAll();
    if (state !== undefined) q = q.where("state", "=", state);
    return (await q.orderBy("created_at").limit(1000).execute()).map(toApproval);
  }

  /** Move a pending approval to a decided state; false when it was not pending (decided already, or expired). */
  async decide(id: string, state: Exclude<ApprovalState, "pending">, by: string, reason: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable("tool_approvals")
      .set({ state, decided_by: by, decided_at: new Date().toISOString(), reason })
      .where("id", "=", id)
      .where("state", "=", "pending")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

function toApproval(r: ToolApprovalTable): ToolApproval {
  return {
    id: r.id,
    identityId: r.identity_id,
    identityName: r.identity_name,
    identityOwner: r.identity_owner,
    server: r.server,
    tool: r.tool,
    argumentsDigest: r.arguments_digest,
    arguments: JSON.parse(r.arguments) as unknown,
    state: r.state as ApprovalState,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    reason: r.reason,
  };
}
