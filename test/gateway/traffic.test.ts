// The dashboard's live traffic: rates between samples of the gateway's own counters, refusals by reason and
// latency percentiles over the window — read at any moment, including just after a sample was taken.

import { afterEach, describe, expect, it } from "vitest";
import type { GatewayMetrics, TrafficTotals } from "../../src/gateway/ops.js";
import { quantile, TrafficSampler } from "../../src/gateway/traffic.js";

/** Counters a test moves by hand, read as the sampler reads the gateway's. */
class Counters {
  allow = 0;
  deny = 0;
  error = 0;
  refusals: Record<string, number> = {};
  /** Calls by latency bucket (seconds); cumulative on read. */
  latencies: number[] = [];
  async totals(): Promise<TrafficTotals> {
    const bounds = [0.005, 0.01, 0.05, 0.1, Number.POSITIVE_INFINITY];
    return {
      allow: this.allow,
      deny: this.deny,
      error: this.error,
      refusals: { ...this.refusals },
      latency: bounds.map((le) => [le, this.latencies.filter((l) => l <= le).length] as const),
    };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("live traffic", () => {
  const samplers: TrafficSampler[] = [];
  afterEach(() => {
    for (const s of samplers.splice(0)) s.close();
  });
  const sampler = (c: Counters, intervalMs: number) => {
    const s = new TrafficSampler(c as unknown as GatewayMetrics, () => 3, intervalMs);
    samplers.push(s);
    return s;
  };

  it("reads the current rate over a whole interval, even a moment after a sample", async () => {
    const c = new Counters();
    const s = sampler(c, 300);
    await sleep(20);
    // 40 calls served and 10 refused early in the first interval, then none.
    for (let i = 0; i < 10; i++) {
      c.allow += 4;
      c.deny += 1;
      await sleep(10);
    }
    c.refusals = { RATE_LIMITED: 6, POLICY_DENIED: 4 };
    await sleep(310 - 120); // the second sample has just been taken
    const view = await s.view();
    const last = view.points.at(-1)!;
    expect(last.seconds).toBeGreaterThanOrEqual(0.3);
    // Were the last point only the few milliseconds since that sample, it would read 0 calls/s.
    expect(last.allowed).toBeGreaterThan(40 / 0.9);
    expect(last.refused).toBeGreaterThan(0);
    expect(view.refusals).toEqual({ RATE_LIMITED: 6, POLICY_DENIED: 4 });
    expect(view.limited).toBe(6);
    expect(view.inFlight).toBe(3);
    // Full intervals before it add up to the calls made.
    const served = view.points.slice(0, -1).reduce((n, p) => n + p.allowed * p.seconds, 0);
    expect(Math.round(served)).toBeLessThanOrEqual(40);
  });

  it("takes latency percentiles from the histogram over the window", async () => {
    const c = new Counters();
    const s = sampler(c, 10_000);
    c.latencies = [...Array(90).fill(0.004), ...Array(10).fill(0.08)];
    const view = await s.view();
    expect(view.latencyMs.p50).toBeLessThanOrEqual(5);
    expect(view.latencyMs.p99).toBeGreaterThan(50);
    expect(view.latencyMs.p99).toBeLessThanOrEqual(100);
  });

  it("reports no latency without calls, and the last finite bound for the slowest", () => {
    expect(
      quantile(
        [
          [0.1, 0],
          [Number.POSITIVE_INFINITY, 0],
        ],
        0.99,
      ),
    ).toBeNull();
    expect(
      quantile(
        [
          [0.1, 0],
          [Number.POSITIVE_INFINITY, 5],
        ],
        0.5,
      ),
    ).toBe(100);
  });
});
