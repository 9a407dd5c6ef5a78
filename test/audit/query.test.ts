import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { pageAuditEvents } from "../../src/audit/query.js";
import type { Store } from "../../src/store/store.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

describe.each(STORE_KINDS)("pages of the audit log on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let log: AuditLog;
  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    log = openAuditLog(env.loaded, store);
    for (const [actor, action, decision] of [
      ["ada", "kill.model", "allow"],
      ["bob", "model.approve", "allow"],
      ["ada", "kill.lift", "allow"],
      ["eve", "control.kill", "deny"],
      ["ada", "killjoy", "allow"],
      ["eve", "k%", "deny"],
    ] as const)
      await log.append({ actor, action, resource: "r", decision });
  });
  afterEach(async () => {
    await log.close();
    await store.close();
    await env.cleanup();
  });

  it("pages newest first, and filters by actor, decision and action or action prefix", async () => {
    const first = await pageAuditEvents(store, { limit: 4 });
    expect(first.events.map((e) => e.seq)).toEqual([6, 5, 4, 3]);
    expect(first).toMatchObject({ next: 3, size: 6 });
    const second = await pageAuditEvents(store, { limit: 4, before: first.next ?? 0 });
    expect(second.events.map((e) => e.seq)).toEqual([2, 1]);
    expect(second.next).toBeNull();

    expect((await pageAuditEvents(store, { limit: 10, actor: "ada" })).events.map((e) => e.action)).toEqual(["killjoy", "kill.lift", "kill.model"]);
    expect((await pageAuditEvents(store, { limit: 10, decision: "deny" })).events.map((e) => e.actor)).toEqual(["eve", "eve"]);
    expect((await pageAuditEvents(store, { limit: 10, action: "kill.*" })).events.map((e) => e.action)).toEqual(["kill.lift", "kill.model"]);
    expect((await pageAuditEvents(store, { limit: 10, action: "kill." })).events.map((e) => e.action)).toEqual(["kill.lift", "kill.model"]);
    expect((await pageAuditEvents(store, { limit: 10, action: "kill.model" })).events.map((e) => e.seq)).toEqual([1]);
    // A wildcard in the value is a character, never a pattern.
    expect((await pageAuditEvents(store, { limit: 10, action: "k%" })).events.map((e) => e.seq)).toEqual([6]);
    expect((await pageAuditEvents(store, { limit: 10, action: "%*" })).events).toEqual([]);
  });
});
