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
