import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openAuditLog, readAuditEvents, type AuditLog } from "../../src/audit/index.js";
import { IdentityRepository } from "../../src/identity/repository.js";
import { IdentityService, type AuthCacheOptions } from "../../src/identity/service.js";
import type { AuthResult } from "../../src/identity/types.js";
import type { Store } from "../../src/store/store.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

const KEY = /^prm_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/;
const HOUR = 3600_000;
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
const secretOf = (key: string) => key.slice(-43);

function refusal(result: AuthResult): { code: string; message: string } {
  expect(result.ok).toBe(false);
  return result.ok ? { code: "", message: "" } : { code: result.code, message: result.message };
}

describe.each(STORE_KINDS)("identities and API keys on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let identities: IdentityService;
  const opened: IdentityService[] = [];

  /** A service as a gateway process holds it; tiny cache TTLs so tests can step past them. */
  const serviceOn = (s: Store, cache: AuthCacheOptions = {}) => {
    const service = new IdentityService({ store: s, audit: () => audit, config: env.loaded.config.identity }, { ttlMs: 50, negativeTtlMs: 50, ...cache });
    opened.push(service);
    return service;
  };
  const create = (name = "support-bot", extra: { expiresAt?: Date; scopes?: string[] } = {}) =>
    identities.create({ name, kind: "agent", owner: "ml-platform", environment: "prod", actor: "alice", ...extra });

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    identities = serviceOn(store);
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.flush();
    await audit.flush();
    await store.close();
    await env.cleanup();
  });

  it("a created key authenticates as its identity, with its owner, environment and scopes", async () => {
    const { identity, key, keyId } = await create("support-bot", { scopes: ["models:llama-3.1", "tools:search"] });
    expect(identity.id).toMatch(/^id_[0-9a-f]{12}$/);
    expect(key).toMatch(KEY);
    expect(key).toContain(`_${keyId}_`);
    const result = await identities.authenticateApiKey(key);
    expect(result).toEqual({
      ok: true,
      principal: {
        id: identity.id,
        name: "support-bot",
        kind: "agent",
        owner: "ml-platform",
        environment: "prod",
        scopes: ["models:llama-3.1", "tools:search"],
        via: { method: "api-key", keyId },
      },
    });
    expect((await identities.get("support-bot")).id).toBe(identity.id);
    expect((await identities.get(identity.id)).name).toBe("support-bot");
  });

  it("refuses a wrong, malformed or foreign key as AUTH_KEY_INVALID without repeating it", async () => {
    const { key } = await create();
    const last = key.endsWith("A") ? "B" : "A";
    const wrongSecret = key.slice(0, -1) + last;
    const unknownId = key.replace(/^prm_[a-z2-7]{12}_/, "prm_aaaaaaaaaaaa_");
    const foreign = key.replace(/^prm_/, "sk_");
    const presented = [
      wrongSecret,
      unknownId,
      foreign,
      "",
      "prm_",
      "prm__",
      `${key}x`,
      ` ${key}`,
      key.toUpperCase(),
      "prm_abc_def",
      "x".repeat(100_000),
      `prm_${"a".repeat(12)}_${"é".repeat(43)}`,
    ];
    for (const p of presented) {
      const { code, message } = refusal(await identities.authenticateApiKey(p));
      expect(code).toBe("AUTH_KEY_INVALID");
      expect(message).not.toContain(secretOf(key));
      expect(message).not.toContain(secretOf(wrongSecret));
    }
    expect(refusal(await identities.authenticateApiKey(foreign)).message).toMatch(/keys start with "prm_"/);
    expect(refusal(await identities.authenticateApiKey("prm_abc_def")).message).toMatch(/malformed: Perimeter keys look like prm_/);
    expect((await identities.authenticateApiKey(key)).ok).toBe(true); // the refusals left the real key alone
  });

  it("refuses the keys of an expired identity with AUTH_IDENTITY_EXPIRED", async () => {
    const now = new Date();
    const { key } = await create("short-lived", { expiresAt: at(now, HOUR) });
    expect((await identities.authenticateApiKey(key, at(now, HOUR - 1000))).ok).toBe(true);
    const { code, message } = refusal(await identities.authenticateApiKey(key, at(now, HOUR + 1000)));
    expect(code).toBe("AUTH_IDENTITY_EXPIRED");
    expect(message).toMatch(/identity short-lived \(id_[0-9a-f]{12}\) expired at .*must create a new identity/);
    await expect(create("already-gone", { expiresAt: at(now, -1000) })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("refuses every key of a revoked identity, in another process once the cache TTL has passed", async () => {
    const { identity, key } = await create();
    const rotated = await identities.rotate(identity.id, { actor: "alice", overlapSeconds: 3600 });
    const store2 = await env.open(); // a gateway in another process, with its own cache
    try {
      const gateway = serviceOn(store2);
      const t0 = new Date();
      expect((await gateway.authenticateApiKey(key, t0)).ok).toBe(true);
      await identities.revoke("support-bot", { actor: "alice", reason: "agent decommissioned" });

      // This process refuses at once; the other still trusts what it read until its TTL (50 ms here) passes.
      expect(refusal(await identities.authenticateApiKey(key, t0)).code).toBe("AUTH_IDENTITY_REVOKED");
      expect((await gateway.authenticateApiKey(key, at(t0, 10))).ok).toBe(true);
      for (const k of [key, rotated.key]) {
        const { code, message } = refusal(await gateway.authenticateApiKey(k, at(t0, 60)));
        expect(code).toBe("AUTH_IDENTITY_REVOKED");
        expect(message).toMatch(/identity support-bot \(id_[0-9a-f]{12}\) was revoked/);
        expect(message).not.toContain(secretOf(k));
      }
    } finally {
      await store2.close();
    }
    const record = await identities.get("support-bot");
    expect(record).toMatchObject({ revokedReason: "agent decommissioned" });
    expect(record.keys.every((k) => k.revokedAt !== null)).toBe(true);
    await expect(identities.rotate("support-bot", { actor: "alice" })).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/was revoked.*gets no new keys/),
    });
    await expect(identities.revoke("support-bot", { actor: "alice", reason: "again" })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("refuses a revoked key with AUTH_KEY_REVOKED while the identity's other keys work", async () => {
    const { key, keyId } = await create();
    const rotated = await identities.rotate("support-bot", { actor: "alice" });
    await identities.revokeKey(keyId, { actor: "alice", reason: "leaked in a CI log" });
    expect(refusal(await identities.authenticateApiKey(key)).code).toBe("AUTH_KEY_REVOKED");
    expect((await identities.authenticateApiKey(rotated.key)).ok).toBe(true);
  });

  it("rotation: the old and new keys both work inside the overlap, and the old one is refused with AUTH_KEY_EXPIRED after it", async () => {
    const { key: first, keyId: firstId } = await create();
    const t0 = new Date();
    const second = await identities.rotate("support-bot", { actor: "alice", overlapSeconds: 3600 });
    expect(second.key).toMatch(KEY);
    expect(second.key).not.toBe(first);
    expect(second.previousKeys).toEqual([firstId]);

    for (const k of [first, second.key]) expect((await identities.authenticateApiKey(k, at(t0, 30 * 60_000))).ok).toBe(true);
    const { code, message } = refusal(await identities.authenticateApiKey(first, at(t0, HOUR + 60_000)));
    expect(code).toBe("AUTH_KEY_EXPIRED");
    expect(message).toMatch(new RegExp(`API key ${firstId} of identity support-bot .* was rotated out and expired at .*use the identity's current key`));
    expect((await identities.authenticateApiKey(second.key, at(t0, HOUR + 60_000))).ok).toBe(true);

    // A later rotation with a longer overlap does not lengthen the life of a key already on its way out.
    const third = await identities.rotate("support-bot", { actor: "alice", overlapSeconds: 7200 });
    expect(third.previousKeys).toEqual([second.keyId]);
    const keys = new Map((await identities.get("support-bot")).keys.map((k) => [k.id, k.expiresAt]));
    expect(keys.get(firstId)).toBe(second.previousKeysExpireAt);
    expect(keys.get(second.keyId)).toBe(third.previousKeysExpireAt);
    expect(keys.get(third.keyId)).toBeNull();

    // No overlap: the previous key stops at once.
    const fourth = await identities.rotate("support-bot", { actor: "alice", overlapSeconds: 0 });
    expect(refusal(await identities.authenticateApiKey(third.key)).code).toBe("AUTH_KEY_EXPIRED");
    expect((await identities.authenticateApiKey(fourth.key)).ok).toBe(true);
  });

  it("stores no secret: the key row holds the sha256 of the whole key, and neither rows nor audit events hold the key", async () => {
    const { key, keyId } = await create();
    const rotated = await identities.rotate("support-bot", { actor: "alice" });
    await identities.revoke("support-bot", { actor: "alice", reason: "test" });
    const rows = JSON.stringify([
      await store.db.selectFrom("identities").selectAll().execute(),
      await store.db.selectFrom("api_keys").selectAll().execute(),
      await store.db.selectFrom("audit_events").selectAll().execute(),
    ]);
    for (const k of [key, rotated.key]) {
      expect(rows).not.toContain(secretOf(k));
      expect(rows).toContain(createHash("sha256").update(k).digest("hex"));
    }
    const row = await store.db.selectFrom("api_keys").selectAll().where("id", "=", keyId).executeTakeFirstOrThrow();
    expect(row.hash).toBe(createHash("sha256").update(key).digest("hex"));
  });

  it("records last use on the identity and the key, but at most once a minute per key", async () => {
    const { identity, key, keyId } = await create();
    const t0 = new Date(Date.now() + 1000);
    const lastUsed = async () => {
      await identities.flush();
      const r = await identities.get(identity.id);
      return [r.lastUsedAt, r.keys.find((k) => k.id === keyId)?.lastUsedAt];
    };
    expect(await lastUsed()).toEqual([null, null]);
    expect((await identities.authenticateApiKey(key, t0)).ok).toBe(true);
    expect(await lastUsed()).toEqual([t0.toISOString(), t0.toISOString()]);

    const writes = vi.spyOn(IdentityRepository.prototype, "recordUse");
    try {
      for (let s = 1; s < 60; s += 3) expect((await identities.authenticateApiKey(key, at(t0, s * 1000))).ok).toBe(true);
      // A fresh process (empty memory) reads the last use from the store and does not write it again either.
      expect((await serviceOn(store).authenticateApiKey(key, at(t0, 30_000))).ok).toBe(true);
      expect(await lastUsed()).toEqual([t0.toISOString(), t0.toISOString()]);
      expect(writes).not.toHaveBeenCalled();

      const later = at(t0, 61_000);
      expect((await identities.authenticateApiKey(key, later)).ok).toBe(true);
      expect(await lastUsed()).toEqual([later.toISOString(), later.toISOString()]);
      expect(writes).toHaveBeenCalledTimes(1);
    } finally {
      writes.mockRestore();
    }
  });

  it("a failed last-use write is logged and never fails the request", async () => {
    const { key } = await create();
    const store2 = await env.open();
    const warnings: string[] = [];
    const gateway = new IdentityService(
      {
        store: store2,
        audit: () => audit,
        config: env.loaded.config.identity,
        logger: { warn: (_obj: unknown, msg?: string) => void warnings.push(String(msg)) },
      },
      { ttlMs: 10 * 60_000 },
    );
    const t0 = new Date();
    expect((await gateway.authenticateApiKey(key, t0)).ok).toBe(true);
    await gateway.flush();
    await store2.close(); // the store goes away; the cached key still authenticates and its write fails
    expect((await gateway.authenticateApiKey(key, at(t0, 61_000))).ok).toBe(true);
    await gateway.flush();
    expect(warnings).toEqual([expect.stringMatching(/could not record the last use of API key [a-z2-7]{12}/)]);
  });

  it("reads the store once per key per TTL, for valid keys and for garbage alike", async () => {
    const { key } = await create();
    const garbage = key.replace(/^prm_[a-z2-7]{12}_/, "prm_bbbbbbbbbbbb_");
    const reads = vi.spyOn(IdentityRepository.prototype, "keyForAuth");
    try {
      const t0 = new Date();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => identities.authenticateApiKey(i % 2 === 0 ? key : garbage, at(t0, i % 10))));
      expect(results.filter((r) => r.ok)).toHaveLength(50);
      expect(results.filter((r) => !r.ok && r.code === "AUTH_KEY_INVALID")).toHaveLength(50);
      expect(reads).toHaveBeenCalledTimes(2);
      await identities.authenticateApiKey(key, at(t0, 100));
      await identities.authenticateApiKey(garbage, at(t0, 100));
      expect(reads).toHaveBeenCalledTimes(4);
      await identities.authenticateApiKey("not even a key", at(t0, 200));
      expect(reads).toHaveBeenCalledTimes(4); // malformed input never reaches the store
    } finally {
      reads.mockRestore();
    }
  });

  it("every change is an audit event on identity:<id> that never holds the key", async () => {
    const { identity, key, keyId } = await create("support-bot", { scopes: ["models:llama"] });
    const rotated = await identities.rotate("support-bot", { actor: "bob", overlapSeconds: 60 });
    await identities.revoke(identity.id, { actor: "carol", reason: "agent retired" });
    await audit.flush();
    const events = [];
    for await (const e of readAuditEvents(store)) events.push(e);
    expect(events.map((e) => [e.action, e.actor, e.resource])).toEqual([
      ["identity.create", "alice", `identity:${identity.id}`],
      ["identity.rotate", "bob", `identity:${identity.id}`],
      ["identity.revoke", "carol", `identity:${identity.id}`],
    ]);
    expect(events[0]?.details).toMatchObject({ name: "support-bot", kind: "agent", owner: "ml-platform", scopes: ["models:llama"], keyId });
    expect(events[1]?.details).toMatchObject({ keyId: rotated.keyId, previousKeys: [keyId], overlapSeconds: 60 });
    expect(events[2]).toMatchObject({ reason: "agent retired" });
    const text = JSON.stringify(events);
    for (const k of [key, rotated.key]) expect(text).not.toContain(secretOf(k));
  });

  it("refuses a duplicate name, a name that looks like an id, and bad scopes; an unknown identity is IDENTITY_NOT_FOUND", async () => {
    await create("support-bot");
    await expect(create("support-bot")).rejects.toMatchObject({ code: "IDENTITY_EXISTS", message: expect.stringMatching(/"support-bot" exists/) });
    await expect(create("id_0123456789ab")).rejects.toMatchObject({ code: "USAGE" });
    await expect(create("has space")).rejects.toMatchObject({ code: "USAGE" });
    await expect(create("scoped", { scopes: ["models read"] })).rejects.toMatchObject({ code: "USAGE", message: expect.stringMatching(/scope "models read"/) });
    await expect(identities.get("nobody")).rejects.toMatchObject({ code: "IDENTITY_NOT_FOUND" });
    await expect(identities.rotate("nobody", { actor: "alice" })).rejects.toMatchObject({ code: "IDENTITY_NOT_FOUND" });
    expect((await identities.list()).map((i) => i.name)).toEqual(["support-bot"]);
  });
});
