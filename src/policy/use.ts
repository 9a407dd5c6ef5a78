import type { Logger } from "pino";
import type { AuditLog } from "../audit/index.js";
import type { LoadedConfig } from "../config/load.js";
import type { Store } from "../store/store.js";
import { engineFor, PolicySets, type AppliedPolicySet } from "./applied.js";
import { PolicyEngine } from "./engine.js";

// Which policies are exercised: when a gateway first had each in force, and when each last decided a call (a
// permit that allowed one, a forbid that refused one). The access review names permits no call has needed in
// its window — privilege granted and never used, like an unused scope. Noted only when a decision is not
// served from the cache, at most once a minute per policy, written off the call path.

const WRITE_INTERVAL_MS = 60_000;
const MAX_REMEMBERED = 100_000;

export interface PolicyUse {
  readonly policyId: string;
  readonly firstSeenAt: string;
  readonly lastUsedAt: string | null;
}

export class PolicyUseRecorder {
  private readonly written = new Map<string, number>();
  private readonly pendingUse = new Map<string, string>();
  private readonly pendingSeen = new Set<string>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly target: string,
    private readonly logger?: Pick<Logger, "warn"> | undefined,
  ) {}

  /** The policies now in force (at start and after every change). */
  inForce(ids: readonly string[]): void {
    for (const id of ids) this.pendingSeen.add(id);
    this.flushing ??= this.write();
  }

  /** The policies that decided a call. */
  decided(ids: readonly string[], now = Date.now()): void {
    for (const id of ids) {
      if (now - (this.written.get(id) ?? Number.NEGATIVE_INFINITY) < WRITE_INTERVAL_MS) continue;
      if (this.written.size >= MAX_REMEMBERED) this.written.delete(this.written.keys().next().value as string);
      this.written.set(id, now);
      this.pendingUse.set(id, new Date(now).toISOString());
    }
    if (this.pendingUse.size > 0) this.flushing ??= this.write();
  }

  /** Resolves once what was noted so far is written. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async write(): Promise<void> {
    try {
      while (this.pendingSeen.size > 0 || this.pendingUse.size > 0) {
        const seen = [...this.pendingSeen];
        const used = [...this.pendingUse];
        this.pendingSeen.clear();
        this.pendingUse.clear();
        const now = new Date().toISOString();
        for (const id of seen)
          await this.store.db
            .insertInto("policy_use")
            .values({ target: this.target, policy_id: id, first_seen_at: now, last_used_at: null })
            .onConflict((oc) => oc.columns(["target", "policy_id"]).doNothing())
            .execute();
        for (const [id, at] of used)
          await this.store.db
            .insertInto("policy_use")
            .values({ target: this.target, policy_id: id, first_seen_at: at, last_used_at: at })
            .onConflict((oc) => oc.columns(["target", "policy_id"]).doUpdateSet({ last_used_at: at }))
            .execute();
      }
    } catch (err) {
      // A review aid, not a control: a failed write is reported and the next decision writes again.
      this.written.clear();
      this.logger?.warn({ err }, "recording which policies decided calls failed");
    } finally {
      this.flushing = undefined;
    }
  }
}

/** What the store knows of each policy's use for a target. */
export async function policyUse(store: Store, target: string): Promise<Map<string, PolicyUse>> {
  const rows = await store.db.selectFrom("policy_use").selectAll().where("target", "=", target).execute();
  return new Map(rows.map((r) => [r.policy_id, { policyId: r.policy_id, firstSeenAt: r.first_seen_at, lastUsedAt: r.last_used_at }]));
}

/**
 * The gateway's policy set in force: the newest applied one (with its record), else the configured files (else
 * the defaults), read once so that what is judged and what is named as evidence are the same set.
 */
export async function gatewayPoliciesInForce(ctx: {
  readonly store: Store;
  readonly loaded: LoadedConfig;
  audit(): AuditLog;
}): Promise<{ readonly engine: PolicyEngine; readonly applied: AppliedPolicySet | undefined }> {
  const latest = await new PolicySets(ctx.store, ctx.audit).latest("gateway");
  const applied = latest !== undefined && latest.text !== null ? latest : undefined;
  return {
    engine: applied === undefined ? PolicyEngine.fromConfig(ctx.loaded) : engineFor("gateway", `applied set #${applied.seq}`, applied.text as string),
    applied,
  };
}
