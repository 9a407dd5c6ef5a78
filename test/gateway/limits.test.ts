import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Limits } from "../../src/gateway/limits.js";

// Concurrent-stream slots shared through Redis by several gateways (the real Redis on 127.0.0.1:6379): a
// stream's slot is a lease that its gateway renews while the stream runs, so a gateway that dies holding
// streams gives their slots back when the leases run out, and not before.

const REDIS_URL = "redis://127.0.0.1:6379";
const LEASE_SECONDS = 1;

const config = (streams: number) => ({ identity: { concurrentStreams: streams }, model: {}, streamLeaseSeconds: LEASE_SECONDS });

describe("concurrent-stream leases in Redis", () => {
  const clients: Redis[] = [];
  const opened: Limits[] = [];
  const gateway = (streams = 1): Limits => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    const limits = new Limits(config(streams), redis);
    opened.push(limits);
    return limits;
  };
  let admin: Redis;
  /** Two gateways sharing Redis, the first holding the identity's one stream slot. */
  const oneHolding = async (identity: string) => {
    const [a, b] = [gateway(), gateway()];
    const held = await a.admit(identity, "m@1", true);
    expect(held.allow).toBe(true);
    return { held, other: b };
  };

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    await admin.ping();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    for (const l of opened.splice(0)) l.close();
  });
  afterAll(async () => {
    await Promise.all([...clients, admin].map((c) => c.quit()));
  });

  it("hold a running stream's slot past the lease period, on every gateway, until the stream ends", async () => {
    const identity = `id_${randomUUID()}`;
    const { held, other: b } = await oneHolding(identity);
    // Longer than the lease and than the expiry of the set that holds it: renewals must keep both.
    await sleep(LEASE_SECONDS * 2500);
    const meanwhile = await b.admit(identity, "m@1", true);
    expect(meanwhile).toMatchObject({ allow: false, reason: `identity ${identity} has 1 streams open already` });
    expect(meanwhile.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    held.release();
    await expect.poll(async () => (await b.admit(identity, "m@1", true)).allow, { timeout: 2000, interval: 50 }).toBe(true);
  }, 15_000);

  it("give a dead gateway's slots back when their leases run out, and not before", async () => {
    const identity = `id_${randomUUID()}`;
    const module = new URL("../../src/gateway/limits.ts", import.meta.url).href;
    const code = `
      const { Limits } = await import(${JSON.stringify(module)});
      const { Redis } = await import("ioredis");
      const limits = new Limits(${JSON.stringify(config(1))}, new Redis(${JSON.stringify(REDIS_URL)}));
      const a = await limits.admit(${JSON.stringify(identity)}, "m@1", true);
      process.stdout.write(a.allow ? "held\\n" : "refused\\n");
      setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const said = await new Promise<string>((resolve, reject) => {
      child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
      child.once("exit", (c) => reject(new Error(`the other gateway exited (${c}) before taking its slot: ${err}`)));
    });
    expect(said).toBe("held");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // Past a renewal, so what the kill leaves behind is a renewed lease.
    await sleep(LEASE_SECONDS * 400);
    child.kill("SIGKILL");
    await exited;
    const killedAt = performance.now();

    const b = gateway();
    expect((await b.admit(identity, "m@1", true)).allow).toBe(false);
    await expect.poll(async () => (await b.admit(identity, "m@1", true)).allow, { timeout: LEASE_SECONDS * 3000, interval: 50 }).toBe(true);
    const freedAfterMs = performance.now() - killedAt;
    expect(freedAfterMs).toBeLessThanOrEqual(LEASE_SECONDS * 1000 + 500);
  }, 20_000);

  it("agree on what has expired when the gateways' clocks do not: a clock running ahead evicts no one", async () => {
    const identity = `id_${randomUUID()}`;
    const { held, other: b } = await oneHolding(identity);
    // Gateway b's host clock is ten minutes ahead: by its clock every lease a holds has long expired.
    const now = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => now() + 10 * 60_000);
    expect(await b.admit(identity, "m@1", true)).toMatchObject({ allow: false });
    vi.restoreAllMocks();
    held.release();
  });
});

// Token budgets reserved up front and settled after, and concurrent calls, in memory and in Redis (two
// gateways sharing it): parallel calls cannot each pass the check before any is charged.
describe.each([false, true])("token reservations and concurrent calls (shared through Redis: %s)", (shared) => {
  const clients: Redis[] = [];
  const opened: Limits[] = [];
  const gateway = (identity: Record<string, number>): Limits => {
    let redis: Redis | undefined;
    if (shared) {
      redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      clients.push(redis);
    }
    const limits = new Limits({ identity, model: {}, streamLeaseSeconds: 60 }, redis);
    opened.push(limits);
    return limits;
  };
  /** Two gateways (one when not shared) with the same limits. */
  const pair = (identity: Record<string, number>): [Limits, Limits] => {
    const a = gateway(identity);
    return [a, shared ? gateway(identity) : a];
  };
  afterEach(() => {
    for (const l of opened.splice(0)) l.close();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it("admit only the parallel calls whose reservations fit, and refuse the rest before any has been charged", async () => {
    const identity = `id_${randomUUID()}`;
    const [a, b] = pair({ tokensPerMinute: 100 });
    const admitted = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).admit(identity, "m@1", false, 30)));
    expect(admitted.filter((x) => x.allow)).toHaveLength(3);
    expect(admitted.find((x) => !x.allow)?.reason).toMatch(
      new RegExp(`identity ${identity} has used its tokens per minute: 10 of 100 left, and this call may use up to 30`),
    );
  });

  it("give back what a call reserved and did not use when it settles, and charge what it used beyond", async () => {
    const identity = `id_${randomUUID()}`;
    const [a, b] = pair({ tokensPerMinute: 100 });
    const first = await a.admit(identity, "m@1", false, 90);
    expect(first.allow).toBe(true);
    expect((await b.admit(identity, "m@1", false, 20)).allow).toBe(false);
    await first.settle(10); // used 10 of the 90
    expect((await b.admit(identity, "m@1", false, 80)).allow).toBe(true);
    const over = await a.admit(identity, "m@1", false, 5);
    expect(over.allow).toBe(true);
    await over.settle(50); // the runtime used more than reserved: the rest is charged
    expect((await b.admit(identity, "m@1", false, 1)).allow).toBe(false);
  });

  it("keep no part of a reservation it refused", async () => {
    const identity = `id_${randomUUID()}`;
    const [a, b] = pair({ tokensPerMinute: 100 });
    expect((await a.admit(identity, "m@1", false, 60)).allow).toBe(true);
    for (let i = 0; i < 5; i++) expect((await b.admit(identity, "m@1", false, 60)).allow).toBe(false);
    expect((await b.admit(identity, "m@1", false, 40)).allow).toBe(true);
  });

  it("refuse a reservation larger than the whole budget, saying so", async () => {
    const [a] = pair({ tokensPerMinute: 100 });
    expect(await a.admit(`id_${randomUUID()}`, "m@1", false, 101)).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/more than identity .*'s whole 100 tokens per minute/),
    });
  });

  it("hold a slot for every call, streamed or not, under concurrentCalls, and free it when the call ends", async () => {
    const identity = `id_${randomUUID()}`;
    const [a, b] = pair({ concurrentCalls: 1 });
    const running = await a.admit(identity, "m@1", false);
    expect(running.allow).toBe(true);
    expect(await b.admit(identity, "m@1", false)).toMatchObject({ allow: false, reason: `identity ${identity} has 1 calls running already` });
    expect((await b.admit(identity, "m@1", true)).allow).toBe(false);
    running.release();
    await expect
      .poll(
        async () => {
          const next = await b.admit(identity, "m@1", false);
          next.release();
          return next.allow;
        },
        { timeout: 2000, interval: 50 },
      )
      .toBe(true);
  });
});

describe("token reservations across minutes", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("give back nothing unused into the next minute once the minute that bore the reservation is over", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance"] });
    const limits = new Limits({ identity: { tokensPerMinute: 100 }, model: {}, streamLeaseSeconds: 60 });
    try {
      const long = await limits.admit("id_slow", "m@1", false, 90);
      expect(long.allow).toBe(true);
      vi.advanceTimersByTime(61_000); // the call outlives its minute
      const next = await limits.admit("id_slow", "m@1", false, 100);
      expect(next.allow).toBe(true);
      await long.settle(10); // its 80 unused tokens were the old minute's: no refund into this one
      expect((await limits.admit("id_slow", "m@1", false, 1)).allow).toBe(false);
    } finally {
      limits.close();
    }
  });
});
