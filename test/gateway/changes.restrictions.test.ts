// The change channel (PostgreSQL LISTEN/NOTIFY, migration 0015) is a trust boundary: anyone who can connect to
// the database can send on it. What must not work through it.

import { Writable } from "node:stream";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kill } from "../../src/killswitch/index.js";
import { startPerimeter, type Perimeter } from "./setup.js";

/** What a notification can make a gateway do: read the store, or drop its cached keys (then read them again). */
const WORK = new Set(["read the catalog and kill switch", "read the kill switch", "read the policy sets", "forgot the cached keys"]);

describe("change notifications: what must not work", () => {
  let p: Perimeter;
  let url: string;
  let schema: string;
  const reads: string[] = [];

  beforeAll(async () => {
    // The poll is a minute away, and a key is trusted for a minute once checked: whatever a gateway reads or
    // forgets here, it does because it was told to.
    p = await startPerimeter("postgres", { gateway: { killPollMs: 60_000 } });
    schema = p.env.loaded.config.store.schema;
    const sink = new Writable({
      write: (chunk: Buffer, _e, done) => {
        const line = JSON.parse(chunk.toString()) as { msg: string };
        if (WORK.has(line.msg)) reads.push(line.msg);
        done();
      },
    });
    url = (await p.serve(undefined, { logger: pino({ level: "debug" }, sink), identityCache: { ttlMs: 60_000, negativeTtlMs: 0 } })).url;
  }, 60_000);
  afterAll(async () => p?.close());

  const chat = async (key: string) =>
    (
      await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
      })
    ).status;
  /** Calls every 50 ms until one is answered `status`, for 2 s (the poll and the key cache are a minute away); the last status. */
  const answeredWithin2s = async (key: string, status: number) => {
    let last = 0;
    for (let i = 0; i < 40 && last !== status; i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = await chat(key);
    }
    return last;
  };
  const notify = (payloads: string[]) => sql`select pg_notify('perimeter_changes', p) from unnest(${sql.val(payloads)}::text[]) as p`.execute(p.store.db);
  const quiet = async () => {
    // Until no read has begun for 300 ms.
    let seen = -1;
    while (seen !== reads.length) {
      seen = reads.length;
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  it("to change what a gateway decides by sending a notification: it only makes the gateway read the store", async () => {
    const agent = await p.key("notified-agent");
    expect(await chat(agent.key)).toBe(200);
    await notify([`${schema}.kills`, `${schema}.identities`, `${schema}.policy_sets`]);
    await quiet();
    // Nothing in the store changed, so nothing changed.
    expect(await chat(agent.key)).toBe(200);
    // A kill written by another program is in force at once, a minute before the poll.
    await kill(p.store, p.audit, { kind: "identity", target: agent.id, reason: "written by another process", actor: "soc" });
    expect(await answeredWithin2s(agent.key, 403)).toBe(403);
  });

  it("to go on using a key revoked by another program while the gateway has it cached: the change empties the cache", async () => {
    const agent = await p.key("revoked-elsewhere");
    expect(await chat(agent.key)).toBe(200);
    await p.identities.revoke(agent.id, { actor: "soc", reason: "revoked by another process" });
    expect(await answeredWithin2s(agent.key, 401)).toBe(401);
  });

  it("to make a gateway read the store without end by flooding the channel, or keep its key cache empty: two thousand notifications cost a few reads", async () => {
    await quiet();
    const before = reads.length;
    // Each in a transaction of its own: PostgreSQL folds identical notifications sent in one.
    const one = (table: string) => sql`select pg_notify('perimeter_changes', ${`${schema}.${table}`})`.execute(p.store.db);
    const started = performance.now();
    await Promise.all(Array.from({ length: 2000 }, (_, i) => one(["kills", "identities", "api_keys", "policy_sets"][i % 4] as string)));
    const sending = performance.now() - started;
    await quiet();
    const made = reads.slice(before);
    const count = (what: string) => made.filter((r) => r === what).length;
    console.log(
      `2,000 notifications (kills, identities, api_keys, policy_sets) sent in ${sending.toFixed(0)} ms: ${[...WORK].map((w) => `${w} ×${count(w)}`).join(", ")}`,
    );
    const storeReads = made.length - count("forgot the cached keys");
    expect(storeReads).toBeGreaterThan(0);
    expect(storeReads).toBeLessThanOrEqual(12);
    // Cached keys go at most once per 100 ms while the flood lasts (and once after it), however many arrive.
    expect(count("forgot the cached keys")).toBeGreaterThan(0);
    expect(count("forgot the cached keys")).toBeLessThanOrEqual(Math.ceil(sending / 100) + 2);
  });

  it("to reach a gateway with notifications for another Perimeter on the same database, or for tables that decide nothing", async () => {
    await quiet();
    const before = reads.length;
    await notify(Array.from({ length: 1000 }, (_, i) => `other_${i}.kills`));
    await notify([`${schema}x.kills`, `x${schema}.kills`, schema, "kills", ""]);
    // Nor names of tables that decide nothing (the audit log, usage notes) or none at all.
    await notify([`${schema}.audit_events`, `${schema}.scope_use`, `${schema}.nope`, `${schema}.`, `${schema}.kills.x`]);
    await new Promise((r) => setTimeout(r, 500));
    expect(reads.length).toBe(before);
  });
});
