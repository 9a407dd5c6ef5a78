// The access review over a real store: identities nobody owns or that never expire, keys past their rotation
// age, identities and scopes unused for the window, more admins than configured — each named, and each gone
// once it is fixed.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { IdentityService } from "../../src/identity/service.js";
import { PolicyUseRecorder } from "../../src/policy/use.js";
import { accessReview, type AccessFinding } from "../../src/posture/access.js";
import type { Store } from "../../src/store/store.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

const DAY = 86_400_000;
const REVIEW = { unusedDays: 90, keyMaxAgeDays: 90, maxAdmins: 2 };

describe.each(STORE_KINDS)("the access review on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let identities: IdentityService;
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
  const inDays = (days: number) => new Date(now.getTime() + days * DAY);

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    identities = new IdentityService({ store, audit: () => audit, config: env.loaded.config.identity }, { ttlMs: 0, negativeTtlMs: 0 });
  });
  afterEach(async () => {
    await identities.flush();
    await audit.flush();
    await store.close();
    await env.cleanup();
  });

  const create = (name: string, options: { owner?: string; scopes?: string[]; expires?: boolean } = {}) =>
    identities.create({
      name,
      kind: "agent",
      owner: options.owner ?? "ml-platform",
      environment: "prod",
      scopes: options.scopes ?? [],
      expiresAt: options.expires === false ? undefined : inDays(365),
      actor: "alice",
    });
  /** Make an identity (and its keys) as old as `days`, last used `usedDaysAgo` ago. */
  const age = async (id: string, days: number, usedDaysAgo: number | null) => {
    await store.db
      .updateTable("identities")
      .set({ created_at: ago(days), last_used_at: usedDaysAgo === null ? null : ago(usedDaysAgo) })
      .where("id", "=", id)
      .execute();
    await store.db
      .updateTable("api_keys")
      .set({ created_at: ago(days) })
      .where("identity_id", "=", id)
      .execute();
  };
  const rules = (found: readonly AccessFinding[], name: string) =>
    found
      .filter((f) => f.identity?.name === name)
      .map((f) => f.rule)
      .sort();

  it("names each gap under the identity it is about, and leaves a well-kept identity alone", async () => {
    const kept = await create("kept-bot", { scopes: ["tools"] });
    const orphan = await create("orphan-bot", { owner: "Unknown" });
    const forever = await create("forever-bot", { expires: false });
    const stale = await create("stale-bot");
    const idle = await create("idle-bot", { scopes: ["tools", "models"] });
    await age(stale.identity.id, 200, 120);
    await age(idle.identity.id, 200, 1);
    await store.db
      .insertInto("scope_use")
      .values({ identity_id: idle.identity.id, scope: "tools", last_used_at: ago(1) })
      .execute();
    await store.db
      .insertInto("scope_use")
      .values({ identity_id: kept.identity.id, scope: "tools", last_used_at: ago(1) })
      .execute();

    const found = await accessReview(store, REVIEW, now);
    expect(rules(found, "kept-bot")).toEqual([]);
    expect(rules(found, "orphan-bot")).toEqual(["IDENTITY_NO_OWNER"]);
    expect(rules(found, "forever-bot")).toEqual(["IDENTITY_NO_EXPIRY"]);
    expect(rules(found, "stale-bot")).toEqual(["IDENTITY_UNUSED", "KEY_ROTATION_DUE"]);
    expect(rules(found, "idle-bot")).toEqual(["KEY_ROTATION_DUE", "SCOPE_UNUSED"]);
    expect(found.find((f) => f.rule === "SCOPE_UNUSED")?.message).toMatch(/idle-bot .* holds scope models, which no decision has needed for 90 days/);
    expect(found.find((f) => f.rule === "IDENTITY_NO_OWNER")?.controls).toContain("OWASP-NHI:NHI1");
    expect(found.find((f) => f.rule === "KEY_ROTATION_DUE")?.controls).toContain("OWASP-NHI:NHI7");
    void orphan;
    void forever;

    // Fixing each one takes it off the list: a rotation makes a new key, a revoked identity is no longer reviewed.
    await identities.rotate("stale-bot", { actor: "alice", overlapSeconds: 0 });
    await identities.revoke("forever-bot", { actor: "alice", reason: "replaced by one that expires" });
    const after = await accessReview(store, REVIEW, new Date(Date.now() + 1000));
    expect(rules(after, "stale-bot")).toEqual(["IDENTITY_UNUSED"]);
    expect(rules(after, "forever-bot")).toEqual([]);
  });

  it("counts the active admins against the configured most, not the revoked ones", async () => {
    for (const name of ["admin-a", "admin-b"]) await create(name, { scopes: ["admin"] });
    expect((await accessReview(store, REVIEW, now)).filter((f) => f.rule === "ADMINS_EXCESS")).toEqual([]);
    await create("admin-c", { scopes: ["admin"] });
    const excess = (await accessReview(store, REVIEW, now)).filter((f) => f.rule === "ADMINS_EXCESS");
    expect(excess).toHaveLength(1);
    expect(excess[0]?.message).toMatch(/^3 identities hold the admin role \(posture\.accessReview\.maxAdmins is 2\): admin-a .*admin-b .*admin-c/);
    await identities.revoke("admin-c", { actor: "alice", reason: "one too many" });
    expect((await accessReview(store, REVIEW, now)).filter((f) => f.rule === "ADMINS_EXCESS")).toEqual([]);
  });

  it("names a permit that has allowed no call in the window once it has been in force that long, and not one in use", async () => {
    const recorder = new PolicyUseRecorder(store, "gateway");
    recorder.inForce(["models-in-environment", "tools-with-scope", "forbid-killed"]);
    recorder.decided(["models-in-environment"]);
    await recorder.flush();
    const permits = ["models-in-environment", "tools-with-scope"];
    // Just put in force: nothing is judged yet.
    expect((await accessReview(store, REVIEW, now, { permits })).filter((f) => f.rule === "POLICY_UNUSED")).toEqual([]);
    // 120 days later (the rows' times moved back): the permit no call needed is named; the one in use and the forbid are not.
    await store.db
      .updateTable("policy_use")
      .set({ first_seen_at: ago(120) })
      .execute();
    const found = (await accessReview(store, REVIEW, now, { permits })).filter((f) => f.rule === "POLICY_UNUSED");
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(/^policy tools-with-scope permits calls and has allowed none for 90 days \(in force since .*, last never\)/),
    ]);
    expect(found[0]?.controls).toContain("OWASP-NHI:NHI5");
    // A call it decides takes it off the list.
    const later = new PolicyUseRecorder(store, "gateway");
    later.decided(["tools-with-scope"]);
    await later.flush();
    expect((await accessReview(store, REVIEW, now, { permits })).filter((f) => f.rule === "POLICY_UNUSED")).toEqual([]);
  });
});
