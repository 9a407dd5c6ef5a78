import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import type { EvidenceTable } from "../store/schema.js";
import type { Store } from "../store/store.js";

// The lifecycle's tables (lifecycle_states, evidence, deployments): only this module reads or writes them.

export const LIFECYCLE_STATES = ["registered", "evaluated", "approved", "deployed", "deprecated", "revoked"] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export const EVIDENCE_KINDS = ["scan", "signature", "eval", "approval", "oci-image", "provenance"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface Evidence {
  readonly id: string;
  readonly versionId: string;
  readonly kind: EvidenceKind;
  readonly verdict: "pass" | "fail";
  /** The artifact digest the evidence covers (for oci-image: the image digest). */
  readonly digest: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly body: Record<string, unknown>;
}

export interface StateRecord {
  readonly state: LifecycleState;
  readonly changedAt: string;
  readonly changedBy: string;
  readonly reason: string;
}

let sequence = 0;

export class LifecycleRepository {
  constructor(private readonly store: Store) {}

  /** A version with no row is registered: registration is the inventory's, not ours. */
  async state(versionId: string): Promise<StateRecord | undefined> {
    const row = await this.store.db.selectFrom("lifecycle_states").selectAll().where("version_id", "=", versionId).executeTakeFirst();
    return row === undefined ? undefined : { state: row.state as LifecycleState, changedAt: row.changed_at, changedBy: row.changed_by, reason: row.reason };
  }

  async states(versionIds: readonly string[]): Promise<Map<string, StateRecord>> {
    const out = new Map<string, StateRecord>();
    for (let i = 0; i < versionIds.length; i += 500) {
      const rows = await this.store.db
        .selectFrom("lifecycle_states")
        .selectAll()
        .where("version_id", "in", versionIds.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.version_id, { state: r.state as LifecycleState, changedAt: r.changed_at, changedBy: r.changed_by, reason: r.reason });
    }
    return out;
  }

  /**
   * Move a version to `to` only if it is still in one of `from` (compare-and-set), so two operators racing
   * cannot both win. Returns false when the state had moved on.
   */
  async transition(
    versionId: string,
    from: readonly LifecycleState[],
    to: LifecycleState,
    actor: string,
    reason: string,
    extra?: (trx: TrxLike) => Promise<void>,
  ): Promise<boolean> {
    return this.store.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("lifecycle_states").select("state").where("version_id", "=", versionId).executeTakeFirst();
      const current = (row?.state ?? "registered") as LifecycleState;
      if (!from.includes(current)) return false;
      const values = { state: to, changed_at: new Date().toISOString(), changed_by: actor, reason };
      if (row === undefined)
        await trx
          .insertInto("lifecycle_states")
          .values({ version_id: versionId, ...values })
          .execute();
      else await trx.updateTable("lifecycle_states").set(values).where("version_id", "=", versionId).where("state", "=", current).execute();
      if (extra !== undefined) await extra(trx as unknown as TrxLike);
      return true;
    });
  }

  async addEvidence(e: Omit<Evidence, "id" | "createdAt">): Promise<Evidence> {
    const createdAt = new Date().toISOString();
    // Sortable within one millisecond too: "latest" must mean the last one recorded.
    const evidence: Evidence = { ...e, id: `${createdAt}-${String(++sequence).padStart(9, "0")}-${randomUUID()}`, createdAt };
    await this.store.db
      .insertInto("evidence")
      .values({
        id: evidence.id,
        version_id: evidence.versionId,
        kind: evidence.kind,
        verdict: evidence.verdict,
        digest: evidence.digest,
        created_at: evidence.createdAt,
        created_by: evidence.createdBy,
        body: JSON.stringify(evidence.body),
      })
      .execute();
    return evidence;
  }

  async evidence(versionId: string, kind?: EvidenceKind): Promise<Evidence[]> {
    let q = this.store.db.selectFrom("evidence").selectAll().where("version_id", "=", versionId).orderBy("id");
    if (kind !== undefined) q = q.where("kind", "=", kind);
    return (await q.execute()).map(evidenceFromRow);
  }

  /** The latest evidence of a kind for a version, or undefined. */
  async latest(versionId: string, kind: EvidenceKind): Promise<Evidence | undefined> {
    const all = await this.evidence(versionId, kind);
    return all[all.length - 1];
  }

  /** The latest evidence of a kind for each of these versions (none: absent from the map); only those rows are read. */
  async latestOfEach(versionIds: readonly string[], kind: EvidenceKind): Promise<Map<string, Evidence>> {
    const out = new Map<string, Evidence>();
    for (let i = 0; i < versionIds.length; i += 500) {
      const newest = this.store.db
        .selectFrom("evidence")
        .select((eb) => eb.fn.max("id").as("id"))
        .where("kind", "=", kind)
        .where("version_id", "in", versionIds.slice(i, i + 500))
        .groupBy("version_id");
      const rows = await this.store.db.selectFrom("evidence").selectAll().where("id", "in", newest).execute();
      for (const r of rows) out.set(r.version_id, evidenceFromRow(r));
    }
    return out;
  }

  /**
   * The environments each version is approved for: the union of what its approvals name, read from the signed
   * statements (a version approved for staging is not servable or admitted in prod until it is approved there).
   * A version with no readable approval is approved for none.
   */
  async approvedEnvironments(versionIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, Set<string>>();
    for (let i = 0; i < versionIds.length; i += 500) {
      const rows = await this.store.db
        .selectFrom("evidence")
        .select(["version_id", "body"])
        .where("kind", "=", "approval")
        .where("verdict", "=", "pass")
        .where("version_id", "in", versionIds.slice(i, i + 500))
        .execute();
      for (const r of rows) {
        const set = out.get(r.version_id) ?? new Set<string>();
        for (const e of approvalEnvironments(r.body)) set.add(e);
        out.set(r.version_id, set);
      }
    }
    return new Map([...out].map(([id, set]) => [id, [...set].sort()]));
  }

  /** Versions an OCI image digest was attached to. */
  async versionsWithImage(digest: string): Promise<string[]> {
    const rows = await this.store.db.selectFrom("evidence").select("version_id").where("kind", "=", "oci-image").where("digest", "=", digest).execute();
    return [...new Set(rows.map((r) => r.version_id))].sort();
  }

  async imagesOf(versionIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (versionIds.length === 0) return out;
    const rows = await this.store.db
      .selectFrom("evidence")
      .select(["version_id", "digest"])
      .where("kind", "=", "oci-image")
      .where("version_id", "in", [...versionIds])
      .execute();
    for (const r of rows) out.set(r.version_id, [...(out.get(r.version_id) ?? []), r.digest]);
    return out;
  }

  async deployments(
    filter: { versionId?: string; environment?: string } = {},
  ): Promise<Array<{ versionId: string; environment: string; deployedAt: string; deployedBy: string }>> {
    let q = this.store.db.selectFrom("deployments").selectAll().orderBy("environment").orderBy("deployed_at");
    if (filter.versionId !== undefined) q = q.where("version_id", "=", filter.versionId);
    if (filter.environment !== undefined) q = q.where("environment", "=", filter.environment);
    return (await q.execute()).map((r) => ({ versionId: r.version_id, environment: r.environment, deployedAt: r.deployed_at, deployedBy: r.deployed_by }));
  }
}

/** The part of a Kysely transaction the lifecycle's compound changes use. */
export type TrxLike = Pick<Store["db"], "insertInto" | "deleteFrom" | "selectFrom" | "updateTable">;

/** The environments an approval evidence body's signed statement names; none when it cannot be read. */
function approvalEnvironments(body: string): string[] {
  try {
    const envelope = (JSON.parse(body) as { envelope?: { payload?: unknown } }).envelope;
    if (typeof envelope?.payload !== "string") return [];
    const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as { predicate?: { environments?: unknown } };
    const environments = statement.predicate?.environments;
    return Array.isArray(environments) ? environments.filter((e): e is string => typeof e === "string") : [];
  } catch {
    return [];
  }
}

function evidenceFromRow(row: Selectable<EvidenceTable>): Evidence {
  return {
    id: row.id,
    versionId: row.version_id,
    kind: row.kind as EvidenceKind,
    verdict: row.verdict as "pass" | "fail",
    digest: row.digest,
    createdAt: row.created_at,
    createdBy: row.created_by,
    body: JSON.parse(row.body) as Record<string, unknown>,
  };
}
