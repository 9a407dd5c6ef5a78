import type { AuditLog } from "../audit/index.js";
import { PerimeterError } from "../errors.js";
import type { Store } from "../store/store.js";

// The kill switch: a model version, an identity or a runtime disabled everywhere at once. The store holds what
// is killed; every gateway reads it on a short timer, refuses new calls and cuts what is in flight.

export const KILL_KINDS = ["model", "identity", "runtime"] as const;
export type KillKind = (typeof KILL_KINDS)[number];

export interface Kill {
  readonly kind: KillKind;
  readonly target: string;
  readonly reason: string;
  readonly killedAt: string;
  readonly killedBy: string;
}

export async function kill(store: Store, audit: AuditLog, input: { kind: KillKind; target: string; reason: string; actor: string }): Promise<Kill> {
  if (input.reason.trim() === "") throw new PerimeterError("USAGE", "--reason must say why (it is kept as evidence)");
  const k: Kill = { kind: input.kind, target: input.target, reason: input.reason, killedAt: new Date().toISOString(), killedBy: input.actor };
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("kills").where("target_kind", "=", k.kind).where("target", "=", k.target).execute();
    await trx.insertInto("kills").values({ target_kind: k.kind, target: k.target, reason: k.reason, killed_at: k.killedAt, killed_by: k.killedBy }).execute();
  });
  await audit.append({ actor: input.actor, action: `kill.${input.kind}`, resource: `${input.kind}:${input.target}`, decision: "deny", reason: input.reason });
  return k;
}

export async function lift(store: Store, audit: AuditLog, input: { kind: KillKind; target: string; reason: string; actor: string }): Promise<void> {
  const result = await store.db.deleteFrom("kills").where("target_kind", "=", input.kind).where("target", "=", input.target).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new PerimeterError("USAGE", `${input.kind} ${input.target} is not killed`);
  await audit.append({ actor: input.actor, action: `kill.lift`, resource: `${input.kind}:${input.target}`, decision: "allow", reason: input.reason });
}

export async function listKills(store: Store): Promise<Kill[]> {
  const rows = await store.db.selectFrom("kills").selectAll().orderBy("killed_at").execute();
  return rows.map((r) => ({ kind: r.target_kind as KillKind, target: r.target, reason: r.reason, killedAt: r.killed_at, killedBy: r.killed_by }));
}

/** What a call in flight is, so the kill switch can find it. */
export interface InFlightCall {
  readonly identityId: string;
  readonly modelId: string;
  readonly runtime: string;
  abort(reason: string): void;
}

export class InFlight {
  private readonly calls = new Set<InFlightCall>();

  add(call: InFlightCall): () => void {
    this.calls.add(call);
    return () => this.calls.delete(call);
  }

  /** Abort every call a kill covers; returns how many were cut. */
  cut(killed: KillSet): number {
    let n = 0;
    for (const call of this.calls) {
      const why = killed.covers(call.identityId, call.modelId, call.runtime);
      if (why !== null) {
        call.abort(why);
        this.calls.delete(call);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.calls.size;
  }
}

/** The kills in force, as map lookups for the hot path. */
export class KillSet {
  constructor(private readonly kills: ReadonlyMap<string, Kill> = new Map()) {}

  static of(list: readonly Kill[]): KillSet {
    return new KillSet(new Map(list.map((k) => [`${k.kind}:${k.target}`, k])));
  }

  /** Why a call is killed, or null. */
  covers(identityId: string, modelId: string, runtime: string): string | null {
    const k = this.kills.get(`identity:${identityId}`) ?? this.kills.get(`model:${modelId}`) ?? this.kills.get(`runtime:${runtime}`);
    return k === undefined ? null : `${k.kind} ${k.target} was killed by ${k.killedBy}: ${k.reason}`;
  }

  get size(): number {
    return this.kills.size;
  }
}
