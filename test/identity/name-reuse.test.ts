import { Migrator } from "kysely";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { IdentityService } from "../../src/identity/service.js";
import { migrationProvider } from "../../src/store/migrations.js";
import { migrate, openStore, type Store } from "../../src/store/store.js";
import { configPath } from "../../src/config/load.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

// A revoked identity's name may be used again; the revoked identity stays in the record under its id.

describe.each(STORE_KINDS)("reusing a revoked identity's name on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let identities: IdentityService;
  const create = (name: string, expiresAt?: Date) =>
    identities.create({ name, kind: "agent", owner: "ml-platform", environment: "prod", actor: "alice", expiresAt });

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    identities = new IdentityService({ store, audit: () => audit, config: env.loaded.config.identity }, { ttlMs: 0, negativeTtlMs: 0 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await identities.flush();
    await audit.flush();
    await store.close();
    await env.cleanup();
  });

  it("creates a new identity under a revoked one's name: the old keys stay refused, the new key works, the old record keeps its id", async () => {
    const first = await create("support-bot");
    await identities.revoke("support-bot", { actor: "alice", reason: "key leaked" });
    const second = await create("support-bot");
    expect(second.identity.id).not.toBe(first.identity.id);

    expect(await identities.authenticateApiKey(first.key)).toMatchObject({ ok: false, code: "AUTH_IDENTITY_REVOKED" });
    expect(await identities.authenticateApiKey(second.key)).toMatchObject({ ok: true, principal: { id: second.identity.id, name: "support-bot" } });

    // By name: the live one; by id: either; the list shows revoked ones only when asked.
    expect((await identities.get("support-bot")).id).toBe(second.identity.id);
    expect(await identities.get(first.identity.id)).toMatchObject({ id: first.identity.id, revokedReason: "key leaked" });
    expect((await identities.list()).map((i) => i.id)).toEqual([second.identity.id]);
    expect((await identities.list({ all: true })).map((i) => [i.id, i.revokedAt === null])).toEqual([
      [first.identity.id, false],
      [second.identity.id, true],
    ]);

    // The name is taken again while the new identity lives, and the advice (rotate) works.
    await expect(create("support-bot")).rejects.toMatchObject({
      code: "IDENTITY_EXISTS",
      message: expect.stringMatching(/perimeter identity rotate support-bot/),
    });
    expect((await identities.rotate("support-bot", { actor: "alice" })).identity.id).toBe(second.identity.id);
  });

  it("shows the revoked one revoked last when no live identity holds the name, and points a rotation at create", async () => {
    const first = await create("nightly");
    await identities.revoke("nightly", { actor: "alice", reason: "one" });
    const second = await create("nightly");
    await identities.revoke("nightly", { actor: "alice", reason: "two" });
    expect((await identities.get("nightly")).id).toBe(second.identity.id);
    await expect(identities.rotate("nightly", { actor: "alice" })).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/was revoked.*perimeter identity create nightly/),
    });
    await expect(identities.rotate(first.identity.id, { actor: "alice" })).rejects.toMatchObject({ code: "USAGE" });
    expect((await create("nightly")).identity.name).toBe("nightly"); // what the advice said works
  });

  it("ends the advice for an expired identity's name in a command that works: revoke, then create", async () => {
    const expired = await create("short-lived", new Date(Date.now() + 60_000));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 120_000);
    const taken = create("short-lived");
    await expect(taken).rejects.toMatchObject({
      code: "IDENTITY_EXISTS",
      message: expect.stringMatching(/expired at .*revoke it \(perimeter identity revoke id_[0-9a-f]{12} --reason expired\)/),
    });
    await expect(identities.rotate("short-lived", { actor: "alice" })).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/expired at .*revoke it .*then create a new one/),
    });
    await identities.revoke(expired.identity.id, { actor: "alice", reason: "expired" });
    expect((await create("short-lived")).identity.id).not.toBe(expired.identity.id);
  });

  it("the database itself refuses a second live identity with one name (a partial unique index)", async () => {
    const live = await create("bot");
    const row = {
      name: "bot",
      kind: "agent",
      owner: "x",
      environment: "prod",
      scopes: "[]",
      expires_at: null,
      created_at: new Date().toISOString(),
      created_by: "x",
      revoked_at: null,
      revoked_reason: null,
      last_used_at: null,
    };
    await expect(
      store.db
        .insertInto("identities")
        .values({ ...row, id: "id_000000000001" })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    await identities.revoke(live.identity.id, { actor: "alice", reason: "gone" });
    await store.db
      .insertInto("identities")
      .values({ ...row, id: "id_000000000002" })
      .execute();
    await store.db
      .insertInto("identities")
      .values({ ...row, id: "id_000000000003", revoked_at: new Date().toISOString() })
      .execute();
  });

  it("the migration keeps every identity and key of an existing store, and a key still goes when its identity is deleted", async () => {
    // A store as the previous release left it: migrated up to 0004, with an identity and its key.
    const old = await openStore({
      url: env.loaded.config.store.url,
      sqlitePath: configPath(env.loaded, "old.db"),
      schema: `${env.loaded.config.store.schema}_old`,
      migrate: false,
    });
    try {
      const migrator = new Migrator({ db: old.db, provider: migrationProvider, ...(old.schema === undefined ? {} : { migrationTableSchema: old.schema }) });
      expect((await migrator.migrateTo("0004_identity")).error).toBeUndefined();
      const row = {
        id: "id_0000000000aa",
        name: "legacy",
        kind: "agent",
        owner: "x",
        environment: "prod",
        scopes: '["a"]',
        expires_at: null,
        created_at: "2026-01-01T00:00:00.000Z",
        created_by: "x",
        revoked_at: "2026-02-01T00:00:00.000Z",
        revoked_reason: "old",
        last_used_at: null,
      };
      await old.db.insertInto("identities").values(row).execute();
      await old.db
        .insertInto("api_keys")
        .values({
          id: "aaaaaaaaaaaa",
          identity_id: row.id,
          hash: "h",
          created_at: row.created_at,
          expires_at: null,
          revoked_at: row.revoked_at,
          last_used_at: null,
        })
        .execute();

      await migrate(old);
      expect(await old.db.selectFrom("identities").selectAll().execute()).toEqual([row]);
      expect(await old.db.selectFrom("api_keys").select(["id", "identity_id"]).execute()).toEqual([{ id: "aaaaaaaaaaaa", identity_id: row.id }]);
      await old.db
        .insertInto("identities")
        .values({ ...row, id: "id_0000000000bb", revoked_at: null, revoked_reason: null })
        .execute();
      await old.db.deleteFrom("identities").where("id", "=", row.id).execute();
      expect(await old.db.selectFrom("api_keys").select("id").execute()).toEqual([]);
    } finally {
      if (old.dialect === "postgres")
        await old.db.schema
          .dropSchema(old.schema ?? "")
          .ifExists()
          .cascade()
          .execute();
      await old.close();
    }
  });
});
