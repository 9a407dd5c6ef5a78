import type { AuditLog } from "../audit/index.js";
import type { ToolServerConfig, ToolsConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import { ownerKey } from "../identity/owner.js";
import type { Store } from "../store/store.js";
import type { ToolDefinition } from "./definition.js";
import { TOOL_GUARD_CONTROLS, type ToolFinding, type ToolGuards } from "./inspect.js";
import { ToolRepository, type ApprovalState, type ToolApproval, type ToolPin } from "./repository.js";
import { Upstream, type ListedTool, type UpstreamDeps } from "./upstream.js";

// What operators do with tool servers, from the CLI or the control API: approve a server's tools as they are
// now (pinning each definition by digest), see what is pinned and what changed, and decide calls that wait for
// an approver. Every decision is an audit event.

export interface ToolsServiceDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  readonly config: ToolsConfig;
  readonly guards: ToolGuards;
  /** How to reach a tool server (egress-checked fetch, Perimeter's own credential). */
  readonly upstream: UpstreamDeps;
}

/** One tool of a server as `tools approve` and `tools list` report it. */
export interface ToolReview {
  readonly server: string;
  readonly tool: string;
  /** new: not approved before; unchanged; changed: differs from its pin; removed: pinned, no longer listed. */
  readonly status: "new" | "unchanged" | "changed" | "removed";
  readonly digest: string;
  readonly pinned?: string;
  /** Injection or jailbreak found in its description or schema (tool poisoning): such a tool is not approved. */
  readonly findings: readonly ToolFinding[];
  readonly description?: string;
}

export interface ApproveResult {
  readonly server: string;
  readonly approved: readonly ToolReview[];
  /** Tools held back: their description is poisoned (unless accepted by name). */
  readonly refused: readonly ToolReview[];
  readonly removed: readonly ToolReview[];
}

export class ToolsService {
  private readonly repo: ToolRepository;

  constructor(private readonly deps: ToolsServiceDeps) {
    this.repo = new ToolRepository(deps.store);
  }

  /** The tool servers configured (tools.servers). */
  servers(): readonly ToolServerConfig[] {
    return this.deps.config.servers;
  }

  server(name: string): ToolServerConfig {
    const s = this.deps.config.servers.find((x) => x.name === name);
    if (s === undefined)
      throw new PerimeterError(
        "TOOL_NOT_FOUND",
        `no tool server named "${name}" in tools.servers (${this.deps.config.servers.map((x) => x.name).join(", ") || "none configured"})`,
      );
    return s;
  }

  /** The server's tools now, beside their pins: what an approval would change. */
  async review(name: string): Promise<ToolReview[]> {
    const server = this.server(name);
    return this.reviewOf(server, await this.listNow(server));
  }

  /** One listing beside the pins: what is reviewed is exactly what would be pinned. */
  private async reviewOf(server: ToolServerConfig, listed: ReadonlyMap<string, ListedTool>): Promise<ToolReview[]> {
    const pins = new Map((await this.repo.pins(server.name)).map((p) => [p.tool, p]));
    const out: ToolReview[] = [];
    for (const t of listed.values()) {
      const pin = pins.get(t.definition.name);
      out.push({
        server: server.name,
        tool: t.definition.name,
        status: pin === undefined ? "new" : pin.digest === t.digest ? "unchanged" : "changed",
        digest: t.digest,
        ...(pin === undefined ? {} : { pinned: pin.digest }),
        findings: this.deps.guards.poisoning(t.definition),
        ...(t.definition.description === undefined ? {} : { description: t.definition.description }),
      });
    }
    for (const pin of pins.values())
      if (!listed.has(pin.tool)) out.push({ server: server.name, tool: pin.tool, status: "removed", digest: pin.digest, pinned: pin.digest, findings: [] });
    return out;
  }

  /**
   * Pin every tool the server lists now. A tool whose description or schema carries instructions (tool
   * poisoning) is held back unless named in `accept`; held-back tools stay hidden and refused.
   */
  async approve(name: string, actor: string, accept: readonly string[] = [], reviewed?: Readonly<Record<string, string>>): Promise<ApproveResult> {
    const server = this.server(name);
    // One listing: the definitions checked for instructions are the ones pinned (a server that answers a
    // second listing differently pins nothing it was not checked for).
    const listed = await this.listNow(server);
    const reviews = await this.reviewOf(server, listed);
    if (reviewed !== undefined) {
      const now = reviews.filter((r) => r.status !== "removed");
      const differ = [
        ...now.filter((r) => reviewed[r.tool] !== r.digest).map((r) => r.tool),
        ...Object.keys(reviewed).filter((tool) => !now.some((r) => r.tool === tool)),
      ];
      if (differ.length > 0)
        throw new PerimeterError(
          "TOOL_DENIED",
          `the tools of ${server.name} changed since they were reviewed (${[...new Set(differ)].sort().join(", ")}): nothing was pinned; review them again`,
        );
    }
    const approved: ToolReview[] = [];
    const refused: ToolReview[] = [];
    const pins: Omit<ToolPin, "server">[] = [];
    const now = new Date().toISOString();
    for (const r of reviews) {
      if (r.status === "removed") continue;
      if (r.findings.length > 0 && !accept.includes(r.tool)) {
        refused.push(r);
        continue;
      }
      const t = listed.get(r.tool);
      if (t === undefined) throw new PerimeterError("INTERNAL", `${r.tool} was reviewed but is not in the listing it was reviewed from`);
      approved.push(r);
      pins.push({ tool: r.tool, digest: t.digest, definition: t.definition as ToolDefinition, approvedBy: actor, approvedAt: now });
    }
    await this.repo.replacePins(server.name, pins);
    const removed = reviews.filter((r) => r.status === "removed");
    await this.deps.audit().append({
      actor,
      action: "tool.approve",
      resource: `tool:${server.name}`,
      decision: refused.length === 0 ? "allow" : "deny",
      reason:
        refused.length === 0
          ? `approved ${approved.length} tools of ${server.name}`
          : `approved ${approved.length} tools of ${server.name}; held back ${refused.length} whose descriptions carry instructions: ${refused.map((r) => r.tool).join(", ")}`,
      details: {
        server: server.name,
        approved: approved.map((r) => ({ tool: r.tool, digest: r.digest, status: r.status })),
        refused: refused.map((r) => ({ tool: r.tool, digest: r.digest, findings: r.findings })),
        removed: removed.map((r) => r.tool),
        ...(refused.length === 0 ? {} : { finding: { rule: "tool-poisoning", severity: "high", controls: TOOL_GUARD_CONTROLS } }),
      },
    });
    return { server: server.name, approved, refused, removed };
  }

  async pins(server?: string): Promise<ToolPin[]> {
    if (server !== undefined) this.server(server);
    return this.repo.pins(server);
  }

  /** Calls waiting for approval; with "all", decided and expired ones too. */
  async pending(state: ApprovalState | "all" = "pending"): Promise<ToolApproval[]> {
    return this.repo.listApprovals(state === "all" ? undefined : state);
  }

  /**
   * Allow or deny a call that waits for approval. The identity that made the call may not decide it, and the
   * person who owns that identity may not allow it (their own agent's call): another person must. Anyone with
   * the role may deny.
   */
  async decide(id: string, decision: "allow" | "deny", actor: string, reason: string, deciderIdentity?: string, deciderOwner?: string): Promise<ToolApproval> {
    const a = await this.repo.approval(id);
    if (a === undefined) throw new PerimeterError("TOOL_NOT_FOUND", `no tool call waits for approval with id ${id} (see perimeter tools pending)`);
    if (actor === a.identityId || actor === `identity:${a.identityId}` || deciderIdentity === a.identityId)
      throw new PerimeterError("PERMISSION_DENIED", `${actor} made this call and cannot approve it: another person must decide`);
    if (decision === "allow") {
      const owner = a.identityOwner ?? (await this.ownerOf(a.identityId));
      // A caller whose owner cannot be told has no owner to tell apart from the approver: refuse rather than guess.
      if (owner === undefined)
        throw new PerimeterError(
          "PERMISSION_DENIED",
          `the owner of ${a.identityName} (${a.identityId}), which made call ${id}, is not known: the call cannot be allowed`,
        );
      const deciders = [actor, ...(deciderOwner === undefined ? [] : [deciderOwner])];
      if (deciders.some((d) => ownerKey(d) === ownerKey(owner)))
        throw new PerimeterError(
          "PERMISSION_DENIED",
          `${actor} owns ${a.identityName}, which made this call, and cannot allow it (separation of duties): another person must decide, or deny it`,
        );
    }
    const state = decision === "allow" ? "allowed" : "denied";
    const changed = await this.repo.decide(id, state, actor, reason);
    const after = (await this.repo.approval(id)) as ToolApproval;
    await this.deps.audit().append({
      actor,
      action: "tool.decide",
      resource: `tool:${a.server}/${a.tool}`,
      decision: changed ? decision : "deny",
      reason: changed
        ? `${decision === "allow" ? "approved" : "denied"} tool call ${id}${reason === "" ? "" : `: ${reason}`}`
        : `tool call ${id} was ${after.state} already`,
      details: { approval: id, identity: a.identityId, argumentsDigest: a.argumentsDigest, state: after.state },
    });
    if (!changed) throw new PerimeterError("TOOL_DENIED", `tool call ${id} is ${after.state} already: nothing was changed`);
    return after;
  }

  /** An identity's owner from the store, for calls held before owners were recorded with them. */
  private async ownerOf(identityId: string): Promise<string | undefined> {
    const row = await this.deps.store.db.selectFrom("identities").select("owner").where("id", "=", identityId).executeTakeFirst();
    return row?.owner;
  }

  private async listNow(server: ToolServerConfig): Promise<Map<string, ListedTool>> {
    const upstream = await Upstream.connect(server, this.deps.upstream, {});
    try {
      return await upstream.list();
    } finally {
      await upstream.close();
    }
  }
}
