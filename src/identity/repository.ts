import type { Kysely, Selectable } from "kysely";
import { PerimeterError } from "../errors.js";
import type { ApiKeyTable, Database, IdentityTable } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { ApiKeyRecord, Identity, IdentityRecord } from "./types.js";

// The identity tables (identities, api_keys): only this module reads or writes them. Key hashes leave this
// module only through keyForAuth, which the authentication path compares and drops.

export interface NewApiKey {
  readonly id: string;
  readonly hash: string;
  readonly createdAt: string;
}

/** What authentication needs about one key, read in one query. */
export interface KeyAuthRow {
  readonly keyId: string;
  readonly hash: string;
  readonly keyExpiresAt: string | null;
  readonly keyRevokedAt: string | null;
  readonly keyLastUsedAt: string | null;
  readonly identity: Identity;
}

export class IdentityRepository {
  constructor(private readonly store: Store) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  /** Insert an identity with its first key in one transaction. */
  async insertIdentity(identity: Identity, key: NewApiKey): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        // Names are unique among identities not revoked: a revoked identity's name may be used again.
        const taken = await trx
          .selectFrom("identities")
          .select(["id", "expires_at"])
          .where("name", "=", identity.name)
          .where("revoked_at", "is", null)
          .executeTakeFirst();
        if (taken !== undefined) throw exists(identity.name, taken);
        await trx
          .insertInto("identities")
          .values({
            id: identity.id,
            name: identity.name,
            kind: identity.kind,
            owner: identity.owner,
            environment: identity.environment,
            scopes: JSON.stringify(identity.scopes),
            expires_at: identity.expiresAt,
            created_at: identity.createdAt,
            created_by: identity.createdBy,
            revoked_at: null,
            revoked_reason: null,
            last_used_at: null,
          })
          .execute();
        await trx.insertInto("api_keys").values(keyRow(identity.id, key)).execute();
      });
    } catch (err) {
      if (err instanceof PerimeterError) throw err;
      // Another process created the same name between our check and our insert.
      if (isUniqueViolation(err)) throw exists(identity.name, undefined);
      throw err;
    }
  }

  /**
   * An identity by id, or by name: the one not revoked (at most one holds a name), else the one revoked last.
   * Names never look like ids, so an id and a name cannot match different rows.
   */
  async find(idOrName: string): Promise<IdentityRecord | undefined> {
    const rows = await this.db
      .selectFrom("identities")
      .selectAll()
      .where((eb) => eb.or([eb("id", "=", idOrName), eb("name", "=", idOrName)]))
      .execute();
    const row =
      rows.find((r) => r.id === idOrName) ??
      rows.find((r) => r.revoked_at === null) ??
      rows.sort((a, b) => (b.revoked_at ?? "").localeCompare(a.revoked_at ?? "") || b.created_at.localeCompare(a.created_at))[0];
    if (row === undefined) return undefined;
    const [record] = await this.hydrate([row]);
    return record;
  }

  /**
   * The live identities whose id or name is `target` (a kill names one either way): one indexed read, not the
   * whole list, and without their keys (a kill waits on every round trip).
   */
  async liveMatching(target: string): Promise<Identity[]> {
    const rows = await this.db
      .selectFrom("identities")
      .selectAll()
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("id", "=", target), eb("name", "=", target)]))
      .orderBy("name")
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(identityFromRow);
  }

  /** Identities by name; revoked ones only with includeRevoked (a name may then appear more than once, newest last). */
  async list(options: { readonly includeRevoked?: boolean } = {}): Promise<IdentityRecord[]> {
    let query = this.db.selectFrom("identities").selectAll();
    if (options.includeRevoked !== true) query = query.where("revoked_at", "is", null);
    return this.hydrate(await query.orderBy("name").orderBy("created_at").orderBy("id").execute());
  }

  /**
   * Add a new key and cut every older live key's life to `previousExpireAt` (keys already expiring sooner
   * keep theirs), in one transaction. Returns the ids of the keys whose expiry was cut.
   */
  async rotate(identityId: string, key: NewApiKey, previousExpireAt: string): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const live = await trx
        .selectFrom("api_keys")
        .select("id")
        .where("identity_id", "=", identityId)
        .where("revoked_at", "is", null)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", previousExpireAt)]))
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      const ids = live.map((r) => r.id);
      if (ids.length > 0) await trx.updateTable("api_keys").set({ expires_at: previousExpireAt }).where("id", "in", ids).execute();
      await trx.insertInto("api_keys").values(keyRow(identityId, key)).execute();
      return ids;
    });
  }

  /** Revoke an identity and every key it holds. False when it was already revoked. */
  async revokeIdentity(identityId: string, at: string, reason: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("identities")
        .set({ revoked_at: at, revoked_reason: reason })
        .where("id", "=", identityId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await trx.updateTable("api_keys").set({ revoked_at: at }).where("identity_id", "=", identityId).where("revoked_at", "is", null).execute();
      return true;
    });
  }

  /** Revoke one key. False when it does not exist or was already revoked. */
  async revokeKey(keyId: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable("api_keys").set({ revoked_at: at }).where("id", "=", keyId).where("revoked_at", "is", null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async getKey(keyId: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom("api_keys")
      .select(["id", "identity_id", "created_at", "expires_at", "revoked_at", "last_used_at"])
      .where("id", "=", keyId)
      .executeTakeFirst();
    return row === undefined ? undefined : keyFromRow(row);
  }

  async keyForAuth(keyId: string): Promise<KeyAuthRow | undefined> {
    const row = await this.db
      .selectFrom("api_keys")
      .innerJoin("identities", "identities.id", "api_keys.identity_id")
      .select([
        "api_keys.id as key_id",
        "api_keys.hash as key_hash",
        "api_keys.expires_at as key_expires_at",
        "api_keys.revoked_at as key_revoked_at",
        "api_keys.last_used_at as key_last_used_at",
        "identities.id",
        "identities.name",
        "identities.kind",
        "identities.owner",
        "identities.environment",
        "identities.scopes",
        "identities.expires_at",
        "identities.created_at",
        "identities.created_by",
        "identities.revoked_at",
        "identities.revoked_reason",
        "identities.last_used_at",
      ])
      .where("api_keys.id", "=", keyId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      keyId: row.key_id,
      hash: row.key_hash,
      keyExpiresAt: row.key_expires_at,
      keyRevokedAt: row.key_revoked_at,
      keyLastUsedAt: row.key_last_used_at,
      identity: identityFromRow(row),
    };
  }

  /** Record that a key was used; never moves last_used_at backwards. */
  async recordUse(identityId: string, keyId: string, at: string): Promise<void> {
    await this.db
      .updateTable("api_keys")
      .set({ last_used_at: at })
      .where("id", "=", keyId)
      .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]))
      .execute();
    await this.db
      .updateTable("identities")
      .set({ last_used_at: at })
      .where("id", "=", identityId)
      .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]))
      .execute();
  }

  private async hydrate(rows: readonly Selectable<IdentityTable>[]): Promise<IdentityRecord[]> {
    if (rows.length === 0) return [];
    const keys = new Map<string, ApiKeyRecord[]>();
    const ids = rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      const found = await this.db
        .selectFrom("api_keys")
        .select(["id", "identity_id", "created_at", "expires_at", "revoked_at", "last_used_at"])
        .where("identity_id", "in", ids.slice(i, i + 500))
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      for (const k of found) {
        const list = keys.get(k.identity_id) ?? [];
        list.push(keyFromRow(k));
        keys.set(k.identity_id, list);
      }
    }
    return rows.map((row) => ({ ...identityFromRow(row), revokedReason: row.revoked_reason, keys: keys.get(row.id) ?? [] }));
  }
}

function keyRow(identityId: string, key: NewApiKey): Selectable<ApiKeyTable> {
  return { id: key.id, identity_id: identityId, hash: key.hash, created_at: key.createdAt, expires_at: null, revoked_at: null, last_used_at: null };
}

function keyFromRow(row: Omit<Selectable<ApiKeyTable>, "hash">): ApiKeyRecord {
  return {
    id: row.id,
    identityId: row.identity_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

function identityFromRow(row: Selectable<IdentityTable>): Identity {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as Identity["kind"],
    owner: row.owner,
    environment: row.environment,
    scopes: JSON.parse(row.scopes) as string[],
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

function exists(name: string, taken: { readonly id: string; readonly expires_at: string | null } | undefined): PerimeterError {
  const expiredAt = taken?.expires_at ?? null;
  if (taken !== undefined && expiredAt !== null && Date.parse(expiredAt) <= Date.now()) {
    // Rotating an expired identity is refused, so the advice is to revoke it: its name is then free.
    return new PerimeterError(
      "IDENTITY_EXISTS",
      `an identity named "${name}" (${taken.id}) exists and expired at ${expiredAt}: revoke it (perimeter identity revoke ${taken.id} --reason expired) and its name can be used again, or pick another name`,
    );
  }
  return new PerimeterError(
    "IDENTITY_EXISTS",
    `an identity named "${name}" exists${taken === undefined ? "" : ` (${taken.id})`} and is not revoked: pick another name, or give it a new key (perimeter identity rotate ${name})`,
  );
}

export function identityNotFound(idOrName: string): PerimeterError {
  return new PerimeterError("IDENTITY_NOT_FOUND", `no identity with id or name "${idOrName}" (see perimeter identity list)`);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown };
  // PostgreSQL unique_violation; SQLite's constraint error codes.
  return e.code === "23505" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || e.code === "SQLITE_CONSTRAINT_UNIQUE";
}
