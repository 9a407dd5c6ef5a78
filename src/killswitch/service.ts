import type { AuditLog } from "../audit/index.js";
import { PerimeterError } from "../errors.js";
import { IdentityRepository } from "../identity/repository.js";
import type { Identity } from "../identity/types.js";
import { parseModelRef } from "../inventory/models.js";
import { InventoryRepository } from "../inventory/repository.js";
import type { Selectable } from "kysely";
import type { KillTable } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { describeKill, KILL_KINDS, KillSet, type Kill, type KillKind } from "./kill-set.js";
import { clip } from "../clip.js";

// The kill switch: a model version (or every version of a model), an identity or a runtime disabled everywhere
// at once. One service that the gateway, admission, the Kubernetes webhook and the control API consult. A
// target is resolved before anything is stored (an identity's name to its id, a model name to every version of
// it), and a target that resolves to nothing is refused: a kill that matches nothing would print success and
// stop nothing. Every kill and lift, done or refused, is an audit event whose decision says which.

export interface KillSwitchDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  /** Issuers in identity.jwtIssuers: a workload's id `jwt:<issuer>#<subject>` is killable for these. */
  readonly jwtIssuers?: readonly string[];
  /** Tool servers in tools.servers: `tool` kills name one of these, or `server/tool`. */
  readonly toolServers?: readonly string[];
}

export interface KillInput {
  readonly kind: KillKind;
  /** As a person writes it: identity id or name; runtime name; model `name@version`, or `name` for every version. */
  readonly target: string;
  readonly reason: string;
  readonly actor: string;
}

/** A target as resolved: what is stored, and what it covers in words. */
export interface ResolvedTarget {
  readonly kind: KillKind;
  readonly target: string;
  /** e.g. `identity support-bot (id_3f9c…)`, `model llama (every version: llama@1, llama@2)`. */
  readonly covers: string;
}

/** A kill in force, with what it covers now (a model name's versions, an identity's name). */
export interface KillView extends Kill {
  readonly covers: string;
}

/** Targets are echoed in messages and audit events: bounded. */
const MAX_TARGET = 300;
const MAX_REASON = 2000;

export class KillSwitch {
  constructor(private readonly deps: KillSwitchDeps) {}

  /** Resolve what a person named to what is stored; throws KILL_TARGET_NOT_FOUND (exit 1, HTTP 404) when nothing matches. */
  async resolve(kind: KillKind, target: string): Promise<ResolvedTarget> {
    if (!(KILL_KINDS as readonly string[]).includes(kind))
      throw new PerimeterError("USAGE", `the kind must be one of ${KILL_KINDS.join(", ")}, not "${clip(String(kind))}"`);
    if (typeof target !== "string" || target.trim() === "") throw new PerimeterError("USAGE", `name the ${kind} to kill`);
    if (target.length > MAX_TARGET || /[\u0000-\u001f\u007f]/.test(target))
      throw new PerimeterError("USAGE", `"${clip(target)}" is not a ${kind} name: at most ${MAX_TARGET} printable characters`);
    switch (kind) {
      case "identity":
        return this.resolveIdentity(target);
      case "runtime": {
        const runtime = await new InventoryRepository(this.deps.store).getRuntime(target);
        if (runtime === undefined) throw notFound(`no runtime named "${target}" (see perimeter runtime list)`);
        return { kind, target: runtime.name, covers: `runtime ${runtime.name}` };
      }
      case "model":
        return this.resolveModel(target);
      case "tool":
        return this.resolveTool(target);
    }
  }

  /** Kill a target: resolved, stored (replacing an earlier kill of the same target), audited as allow. */
  async kill(input: KillInput): Promise<{ kill: Kill; resolved: ResolvedTarget }> {
    const resolved = await this.refusing(`kill.${String(input.kind)}`, input, async () => {
      checkReason(input.reason, "why");
      return this.resolve(input.kind, input.target);
    });
    const k: Kill = { kind: resolved.kind, target: resolved.target, reason: input.reason, killedAt: new Date().toISOString(), killedBy: input.actor };
    // One statement, one round trip: the kill is in force everywhere as soon as it commits, and every round trip
    // before that is time the target goes on being served.
    await this.deps.store.db
      .insertInto("kills")
      .values({ target_kind: k.kind, target: k.target, reason: k.reason, killed_at: k.killedAt, killed_by: k.killedBy })
      .onConflict((oc) => oc.columns(["target_kind", "target"]).doUpdateSet({ reason: k.reason, killed_at: k.killedAt, killed_by: k.killedBy }))
      .execute();
    // The decision is what was decided about the action: the kill was allowed, and the details say what it disables.
    await this.deps.audit().append({
      actor: input.actor,
      action: `kill.${k.kind}`,
      resource: `${k.kind}:${k.target}`,
      decision: "allow",
      reason: input.reason,
      details: { kill: { kind: k.kind, target: k.target, named: input.target, covers: resolved.covers, killedAt: k.killedAt } },
    });
    return { kill: k, resolved };
  }

  /** Lift a kill, the target named as for kill (a target since removed from the inventory is lifted by its stored name). */
  async lift(input: KillInput): Promise<{ lifted: Kill; resolved: ResolvedTarget }> {
    const { resolved, existing } = await this.refusing("kill.lift", input, async () => {
      checkReason(input.reason, "why it is safe again");
      let resolved: ResolvedTarget;
      try {
        resolved = await this.resolve(input.kind, input.target);
      } catch (err) {
        // Killed, then removed from the inventory: the kill is still there to lift under the name it was stored as.
        if (!(err instanceof PerimeterError && err.code === "KILL_TARGET_NOT_FOUND")) throw err;
        const stored = await this.find(input.kind, input.target);
        if (stored === undefined) throw err;
        resolved = { kind: input.kind, target: input.target, covers: `${input.kind} ${input.target} (no longer in the inventory)` };
      }
      const existing = await this.find(resolved.kind, resolved.target);
      if (existing === undefined) throw new PerimeterError("KILL_NOT_FOUND", `${resolved.covers} is not killed (see perimeter kill list)`);
      return { resolved, existing };
    });
    await this.deps.store.db.deleteFrom("kills").where("target_kind", "=", existing.kind).where("target", "=", existing.target).execute();
    await this.deps.audit().append({
      actor: input.actor,
      action: "kill.lift",
      resource: `${existing.kind}:${existing.target}`,
      decision: "allow",
      reason: input.reason,
      details: {
        lifted: {
          kind: existing.kind,
          target: existing.target,
          named: input.target,
          covers: resolved.covers,
          killedAt: existing.killedAt,
          killedBy: existing.killedBy,
          killReason: existing.reason,
        },
      },
    });
    return { lifted: existing, resolved };
  }

  /** Every kill in force, oldest first, with what each covers now. */
  async list(): Promise<KillView[]> {
    const kills = await listKills(this.deps.store);
    if (kills.length === 0) return [];
    const inventory = new InventoryRepository(this.deps.store);
    const identities = kills.some((k) => k.kind === "identity") ? await new IdentityRepository(this.deps.store).list() : [];
    return Promise.all(
      kills.map(async (k): Promise<KillView> => {
        let covers: string;
        if (k.kind === "identity") {
          const named = identities.find((i) => i.id === k.target);
          covers =
            named === undefined
              ? k.target.startsWith("jwt:")
                ? `workload ${k.target}`
                : `identity ${k.target} (no longer known)`
              : `identity ${named.name} (${named.id})`;
        } else if (k.kind === "model" && !k.target.includes("@")) {
          const versions = await inventory.listModels({ name: k.target });
          covers = `model ${k.target}, every version${versions.length === 0 ? " (none registered now)" : `: ${versions.map((v) => v.id).join(", ")}`}, and versions registered later`;
        } else {
          covers = `${k.kind} ${k.target}`;
        }
        return { ...k, covers };
      }),
    );
  }

  /** The kills in force, read from the store now. */
  async current(): Promise<KillSet> {
    return KillSet.of(await listKills(this.deps.store));
  }

  /** Why this identity is killed, or null: one indexed row read, for a check made on every control request. */
  async identityKilled(identityId: string): Promise<string | null> {
    const k = await this.find("identity", identityId);
    return k === undefined ? null : describeKill(k);
  }

  /** Why a model version may not be loaded or served, or null: a kill of the version or of its name. */
  async modelKilled(modelId: string): Promise<string | null> {
    const k = (await this.current()).modelKill(modelId);
    return k === undefined ? null : describeKill(k);
  }

  /** Why a runtime may not load or serve anything, or null. */
  async runtimeKilled(name: string): Promise<string | null> {
    const k = (await this.current()).runtimeKill(name);
    return k === undefined ? null : describeKill(k);
  }

  private async find(kind: KillKind, target: string): Promise<Kill | undefined> {
    const row = await this.deps.store.db.selectFrom("kills").selectAll().where("target_kind", "=", kind).where("target", "=", target).executeTakeFirst();
    return row === undefined ? undefined : killFromRow(row);
  }

  /** Run a check; when it refuses, the refusal is an audit event (decision deny) before it is thrown. */
  private async refusing<T>(action: string, input: KillInput, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (err) {
      const e = err instanceof PerimeterError ? err : undefined;
      await this.deps.audit().append({
        actor: input.actor,
        action,
        resource: `${clip(String(input.kind))}:${clip(String(input.target))}`,
        decision: e === undefined ? "error" : "deny",
        reason: clip(e?.message ?? (err instanceof Error ? err.message : String(err)), 1000),
        details: { code: e?.code ?? "INTERNAL", kind: clip(String(input.kind)), target: clip(String(input.target)) },
      });
      throw err;
    }
  }

  private async resolveIdentity(target: string): Promise<ResolvedTarget> {
    // A workload authenticated by JWT has no row: its id names a configured issuer and a subject.
    const issuer = (this.deps.jwtIssuers ?? []).find((iss) => target.startsWith(`jwt:${iss}#`) && target.length > `jwt:${iss}#`.length);
    if (issuer !== undefined) return { kind: "identity", target, covers: `workload ${target} (JWT issuer ${issuer})` };
    const all = await new IdentityRepository(this.deps.store).liveMatching(target);
    const byId = all.find((i) => i.id === target);
    if (byId !== undefined) return identityTarget(byId);
    // Live ones only: a revoked identity's name may be given to a new one, and the name means the one that holds it now.
    const named = all.filter((i) => i.name === target);
    if (named.length > 1)
      throw new PerimeterError(
        "USAGE",
        `the name "${target}" is held by ${named.length} identities (${named.map((i) => i.id).join(", ")}): kill one by its id`,
      );
    const chosen = named[0];
    if (chosen === undefined) {
      const jwt = target.startsWith("jwt:")
        ? `; a workload's id must name an issuer in identity.jwtIssuers (${(this.deps.jwtIssuers ?? []).join(", ") || "none configured"})`
        : "";
      throw notFound(`no identity with id or name "${target}" (see perimeter identity list)${jwt}`);
    }
    return identityTarget(chosen);
  }

  /** A tool server in tools.servers, or `server/tool`: a tool need not be listed now to be killed. */
  private resolveTool(target: string): ResolvedTarget {
    const slash = target.indexOf("/");
    const server = slash === -1 ? target : target.slice(0, slash);
    const tool = slash === -1 ? undefined : target.slice(slash + 1);
    const servers = this.deps.toolServers ?? [];
    if (!servers.includes(server)) throw notFound(`no tool server named "${server}" in tools.servers (${servers.join(", ") || "none configured"})`);
    if (tool === undefined) return { kind: "tool", target: server, covers: `tool server ${server} (every tool of it)` };
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(tool)) throw new PerimeterError("USAGE", `"${tool}" is not a tool name: name it as its server does`);
    return { kind: "tool", target: `${server}/${tool}`, covers: `tool ${tool} of tool server ${server}` };
  }

  private async resolveModel(target: string): Promise<ResolvedTarget> {
    const inventory = new InventoryRepository(this.deps.store);
    if (target.includes("@")) {
      const { id } = parseModelRef(target);
      if ((await inventory.getModel(id)) === undefined) throw notFound(`${id} is not in the inventory (see perimeter model list)`);
      return { kind: "model", target: id, covers: `model ${id}` };
    }
    const versions = await inventory.listModels({ name: target });
    if (versions.length === 0)
      throw notFound(
        `no model named "${target}" is in the inventory (see perimeter model list); kill one version with name@version, or every version of a model with its name`,
      );
    return { kind: "model", target, covers: `model ${target}, every version (${versions.map((v) => v.id).join(", ")}) and versions registered later` };
  }
}

// ---------- the functions gateway/kill.ts has always exported ----------

export async function kill(store: Store, audit: AuditLog, input: KillInput, options: { jwtIssuers?: readonly string[] } = {}): Promise<Kill> {
  return (await new KillSwitch({ store, audit: () => audit, ...options }).kill(input)).kill;
}

export async function lift(store: Store, audit: AuditLog, input: KillInput, options: { jwtIssuers?: readonly string[] } = {}): Promise<void> {
  await new KillSwitch({ store, audit: () => audit, ...options }).lift(input);
}

export async function listKills(store: Store): Promise<Kill[]> {
  const rows = await store.db.selectFrom("kills").selectAll().orderBy("killed_at").execute();
  return rows.map(killFromRow);
}

function killFromRow(row: Selectable<KillTable>): Kill {
  return { kind: row.target_kind as KillKind, target: row.target, reason: row.reason, killedAt: row.killed_at, killedBy: row.killed_by };
}

function identityTarget(i: Identity): ResolvedTarget {
  return { kind: "identity", target: i.id, covers: `identity ${i.name} (${i.id})` };
}

function checkReason(reason: unknown, what: string): void {
  if (typeof reason !== "string" || reason.trim() === "") throw new PerimeterError("USAGE", `the reason must say ${what} (it is kept as evidence)`);
  if (reason.length > MAX_REASON) throw new PerimeterError("USAGE", `the reason is ${reason.length} characters; at most ${MAX_REASON}`);
}

function notFound(message: string): PerimeterError {
  return new PerimeterError("KILL_TARGET_NOT_FOUND", `${message}; nothing was killed or lifted`);
}
