import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import { PerimeterError } from "../errors.js";
import type { Database, ModelVersionTable, RuntimeTable, ServedModelTable } from "../store/schema.js";
import { isRuntimeKind } from "../runtimes/types.js";
import type { Store } from "../store/store.js";
import type {
  DiscoveredModel,
  EuAiActRecord,
  LicenseSource,
  LicenseTier,
  ModelCardFields,
  ModelFileRecord,
  ModelKind,
  ModelVersion,
  Runtime,
  RuntimeType,
  RuntimeVersion,
  ServedDigestSource,
  ServedModel,
} from "./types.js";

// The inventory's tables (model_versions, model_files, model_parents, runtimes, served_models): only this
// module reads or writes them. Every multi-row change is one transaction, so nothing is recorded half-way.

/** Lineage deeper than this is refused: no real model has a thousand generations, a loop would. */
export const MAX_LINEAGE_DEPTH = 256;

type Db = Kysely<Database> | Transaction<Database>;

export class InventoryRepository {
  constructor(private readonly store: Store) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  // ---------- model versions ----------

  async modelExists(id: string): Promise<boolean> {
    const row = await this.db.selectFrom("model_versions").select("id").where("id", "=", id).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Insert a model version with its files and parents in one transaction. Parents must exist and the new
   * version must not be among their ancestors; both are checked inside the transaction.
   */
  async insertModel(version: ModelVersion): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        if (await exists(trx, version.id)) throw duplicate(version.id);
        for (const parent of version.parents) {
          if (!(await exists(trx, parent))) throw unknownParent(parent);
        }
        const ancestors = await ancestorIds(trx, version.parents);
        if (version.parents.includes(version.id) || ancestors.has(version.id)) {
          throw new PerimeterError("LINEAGE_INVALID", `${version.id} cannot be its own ancestor: the parents given would form a cycle`);
        }
        await trx.insertInto("model_versions").values(toRow(version)).execute();
        // Chunked: PostgreSQL takes at most 65,535 bind parameters in one statement.
        for (let i = 0; i < version.files.length; i += 1000) {
          await trx
            .insertInto("model_files")
            .values(version.files.slice(i, i + 1000).map((f) => ({ version_id: version.id, path: f.path, size: f.size, sha256: f.sha256, format: f.format })))
            .execute();
        }
        if (version.parents.length > 0) {
          await trx
            .insertInto("model_parents")
            .values(version.parents.map((p, ordinal) => ({ child_id: version.id, parent_id: p, ordinal })))
            .execute();
        }
      });
    } catch (err) {
      if (err instanceof PerimeterError) throw err;
      // Another process registered the same name@version between our check and our insert.
      if (isUniqueViolation(err)) throw duplicate(version.id);
      throw err;
    }
  }

  async getModel(id: string): Promise<ModelVersion | undefined> {
    const row = await this.db.selectFrom("model_versions").selectAll().where("id", "=", id).executeTakeFirst();
    if (row === undefined) return undefined;
    const [version] = await this.hydrate([row]);
    return version;
  }

  async listModels(filter: { name?: string } = {}): Promise<ModelVersion[]> {
    let q = this.db.selectFrom("model_versions").selectAll().orderBy("name").orderBy("registered_at").orderBy("version");
    if (filter.name !== undefined) q = q.where("name", "=", filter.name);
    return this.hydrate(await q.execute());
  }

  async childrenOf(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom("model_parents").select("child_id").where("parent_id", "=", id).orderBy("child_id").execute();
    return rows.map((r) => r.child_id);
  }

  /** Remove a version that no other version descends from. */
  async removeModel(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await exists(trx, id))) throw notFound(id);
      const children = await trx.selectFrom("model_parents").select("child_id").where("parent_id", "=", id).orderBy("child_id").execute();
      if (children.length > 0) {
        throw new PerimeterError(
          "MODEL_HAS_DESCENDANTS",
          `${id} is a parent of ${children.map((c) => c.child_id).join(", ")}: remove those first, or keep ${id} as their lineage`,
        );
      }
      await trx.deleteFrom("model_parents").where("child_id", "=", id).execute();
      await trx.deleteFrom("model_files").where("version_id", "=", id).execute();
      await trx.deleteFrom("model_versions").where("id", "=", id).execute();
    });
  }

  async setEuAiAct(id: string, record: EuAiActRecord): Promise<void> {
    const result = await this.db
      .updateTable("model_versions")
      .set({ eu_ai_act: JSON.stringify(record) })
      .where("id", "=", id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw notFound(id);
  }

  /** Versions whose artifact digest, or the digest of one of whose files, is `digest`. */
  async modelsWithDigest(digest: string): Promise<ModelVersion[]> {
    const rows = await this.db
      .selectFrom("model_versions")
      .selectAll()
      .where((eb) => eb.or([eb("digest", "=", digest), eb("id", "in", eb.selectFrom("model_files").select("version_id").where("sha256", "=", digest))]))
      .orderBy("id")
      .execute();
    return this.hydrate(rows);
  }

  private async hydrate(rows: readonly Selectable<ModelVersionTable>[]): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const files = new Map<string, ModelFileRecord[]>();
    const parents = new Map<string, string[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const f of await this.db.selectFrom("model_files").selectAll().where("version_id", "in", chunk).execute()) {
        const list = files.get(f.version_id) ?? [];
        list.push({ path: f.path, size: f.size, sha256: f.sha256, format: f.format });
        files.set(f.version_id, list);
      }
      for (const p of await this.db.selectFrom("model_parents").selectAll().where("child_id", "in", chunk).orderBy("ordinal").execute()) {
        const list = parents.get(p.child_id) ?? [];
        list.push(p.parent_id);
        parents.set(p.child_id, list);
      }
    }
    return rows.map((row) => fromRow(row, sortFiles(files.get(row.id) ?? []), parents.get(row.id) ?? []));
  }

  // ---------- runtimes ----------

  async insertRuntime(runtime: Runtime): Promise<void> {
    try {
      await this.db
        .insertInto("runtimes")
        .values({
          name: runtime.name,
          type: runtime.type,
          url: runtime.url,
          environment: runtime.environment,
          api_key_env: runtime.apiKeyEnv,
          registered_at: runtime.registeredAt,
          registered_by: runtime.registeredBy,
          discovered_at: runtime.discoveredAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new PerimeterError("RUNTIME_EXISTS", `a runtime named "${runtime.name}" is already registered: pick another name, or remove it first`);
      throw err;
    }
  }

  async getRuntime(name: string): Promise<Runtime | undefined> {
    const row = await this.db.selectFrom("runtimes").selectAll().where("name", "=", name).executeTakeFirst();
    return row === undefined ? undefined : runtimeFromRow(row);
  }

  async listRuntimes(): Promise<Runtime[]> {
    const rows = await this.db.selectFrom("runtimes").selectAll().orderBy("name").execute();
    return rows.map(runtimeFromRow);
  }

  async removeRuntime(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("served_models").where("runtime", "=", name).execute();
      const result = await trx.deleteFrom("runtimes").where("name", "=", name).executeTakeFirst();
      if (result.numDeletedRows === 0n) throw runtimeNotFound(name);
    });
  }

  /** Replace what a runtime serves (and the version it reports) with what discovery just found, in one transaction. */
  async recordDiscovery(name: string, models: readonly DiscoveredModel[], at: string, version?: RuntimeVersion): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("runtimes")
        .set({
          discovered_at: at,
          ...(version === undefined ? {} : { version: version.version, version_kind: version.kind, version_note: version.note }),
        })
        .where("name", "=", name)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw runtimeNotFound(name);
      await trx.deleteFrom("served_models").where("runtime", "=", name).execute();
      for (let i = 0; i < models.length; i += 500) {
        await trx
          .insertInto("served_models")
          .values(
            models.slice(i, i + 500).map((m) => ({
              runtime: name,
              served_name: m.servedName,
              digest: m.digest,
              digest_source: m.digestSource,
              adapter_digests: JSON.stringify(m.adapterDigests),
              details: JSON.stringify(m.details),
              discovered_at: at,
            })),
          )
          .execute();
      }
    });
  }

  /** Record that admission proved `runtime` loaded `digest` under `servedName` (replacing an earlier proof). */
  async attest(runtime: string, servedName: string, digest: string, actor: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if ((await trx.selectFrom("runtimes").select("name").where("name", "=", runtime).executeTakeFirst()) === undefined) throw runtimeNotFound(runtime);
      await trx.deleteFrom("runtime_attestations").where("runtime", "=", runtime).where("served_name", "=", servedName).execute();
      await trx
        .insertInto("runtime_attestations")
        .values({ runtime, served_name: servedName, digest, attested_at: new Date().toISOString(), attested_by: actor })
        .execute();
    });
  }

  async attestations(runtime: string): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom("runtime_attestations").select(["served_name", "digest"]).where("runtime", "=", runtime).execute();
    return new Map(rows.map((r) => [r.served_name, r.digest]));
  }

  async servedModels(runtime?: string): Promise<ServedModel[]> {
    let q = this.db.selectFrom("served_models").selectAll().orderBy("runtime").orderBy("served_name");
    if (runtime !== undefined) q = q.where("runtime", "=", runtime);
    return (await q.execute()).map(servedFromRow);
  }
}

async function exists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom("model_versions").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;
}

/** Every ancestor of the given versions, walked breadth-first with a depth bound. */
async function ancestorIds(db: Db, start: readonly string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  let frontier = [...start];
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth > MAX_LINEAGE_DEPTH)
      throw new PerimeterError("LINEAGE_INVALID", `lineage is deeper than ${MAX_LINEAGE_DEPTH} generations: the inventory holds a cycle`);
    const rows = await db.selectFrom("model_parents").select("parent_id").where("child_id", "in", frontier).execute();
    frontier = [];
    for (const r of rows) {
      if (!seen.has(r.parent_id)) {
        seen.add(r.parent_id);
        frontier.push(r.parent_id);
      }
    }
  }
  return seen;
}

function duplicate(id: string): PerimeterError {
  return new PerimeterError(
    "MODEL_VERSION_EXISTS",
    `${id} is already in the inventory: a model version never changes, register the new files as another version`,
  );
}

function unknownParent(id: string): PerimeterError {
  return new PerimeterError("LINEAGE_INVALID", `parent ${id} is not in the inventory: register it first (perimeter model add), or fix --parent`);
}

export function notFound(id: string): PerimeterError {
  return new PerimeterError("MODEL_VERSION_NOT_FOUND", `${id} is not in the inventory (see perimeter model list)`);
}

export function runtimeNotFound(name: string): PerimeterError {
  return new PerimeterError("RUNTIME_NOT_FOUND", `no runtime named "${name}" (see perimeter runtime list)`);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  // PostgreSQL unique_violation; SQLite's constraint error codes.
  return e.code === "23505" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || e.code === "SQLITE_CONSTRAINT_UNIQUE";
}

function sortFiles(files: ModelFileRecord[]): ModelFileRecord[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function toRow(v: ModelVersion): Insertable<ModelVersionTable> {
  return {
    id: v.id,
    name: v.name,
    version: v.version,
    kind: v.kind,
    digest: v.digest,
    size: v.size,
    formats: JSON.stringify(v.formats),
    license_expression: v.license.expression,
    license_tier: v.license.tier,
    license_source: v.license.source,
    license_detail: v.license.detail,
    owner: v.owner,
    source: v.source,
    environments: JSON.stringify(v.environments),
    general_purpose: v.generalPurpose ? 1 : 0,
    eu_ai_act: JSON.stringify(v.euAiAct),
    model_card: JSON.stringify(v.modelCard),
    registered_at: v.registeredAt,
    registered_by: v.registeredBy,
    location: v.location,
  };
}

function fromRow(row: Selectable<ModelVersionTable>, files: ModelFileRecord[], parents: string[]): ModelVersion {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    kind: row.kind as ModelKind,
    parents,
    digest: row.digest,
    size: row.size,
    files,
    formats: JSON.parse(row.formats) as string[],
    license: {
      expression: row.license_expression,
      tier: row.license_tier as LicenseTier,
      source: row.license_source as LicenseSource,
      detail: row.license_detail,
    },
    owner: row.owner,
    source: row.source,
    environments: JSON.parse(row.environments) as string[],
    generalPurpose: row.general_purpose === 1,
    euAiAct: JSON.parse(row.eu_ai_act) as EuAiActRecord,
    modelCard: JSON.parse(row.model_card) as ModelCardFields,
    registeredAt: row.registered_at,
    registeredBy: row.registered_by,
    location: row.location,
  };
}

function runtimeFromRow(row: Selectable<RuntimeTable>): Runtime {
  return {
    name: row.name,
    type: row.type as RuntimeType,
    url: row.url,
    environment: row.environment,
    apiKeyEnv: row.api_key_env,
    registeredAt: row.registered_at,
    registeredBy: row.registered_by,
    discoveredAt: row.discovered_at,
    version:
      row.version_note === null ? null : { version: row.version, kind: isRuntimeKind(row.version_kind) ? row.version_kind : null, note: row.version_note },
  };
}

function servedFromRow(row: Selectable<ServedModelTable>): ServedModel {
  return {
    runtime: row.runtime,
    servedName: row.served_name,
    digest: row.digest,
    digestSource: row.digest_source as ServedDigestSource,
    adapterDigests: JSON.parse(row.adapter_digests) as string[],
    details: JSON.parse(row.details) as Record<string, string | number | boolean>,
    discoveredAt: row.discovered_at,
  };
}
