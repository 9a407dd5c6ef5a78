import type { GatewayMetrics, TrafficTotals } from "./ops.js";

// The dashboard's live traffic: the gateway's own counters sampled every few seconds into a short ring, off
// the call path. Rates are differences between samples; latency percentiles come from the histogram's
// buckets over the window (interpolated within a bucket, as Prometheus' histogram_quantile does).

export interface TrafficPoint {
  readonly at: string;
  /** How long the interval ending here was. */
  readonly seconds: number;
  /** Calls per second over the interval ending here: answered, refused, failed. */
  readonly allowed: number;
  readonly refused: number;
  readonly failed: number;
}

export interface TrafficView {
  readonly intervalSeconds: number;
  readonly points: readonly TrafficPoint[];
  /** Refusals by error code over the window, and since the gateway started. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly refusalsSinceStart: Readonly<Record<string, number>>;
  /** Latency to the first byte over the window, milliseconds; null without calls. */
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  /** Calls refused by a request, token or concurrency limit over the window. */
  readonly limited: number;
  readonly inFlight: number;
  readonly since: string;
}

interface Sample {
  readonly at: number;
  readonly totals: TrafficTotals;
}

export class TrafficSampler {
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly inFlight: () => number,
    private readonly intervalMs = 5000,
    private readonly keep = 120,
  ) {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The window so far, with a sample taken now as its last point. */
  async view(): Promise<TrafficView> {
    const now: Sample = { at: Date.now(), totals: await this.metrics.totals() };
    const rate = (a: Sample, b: Sample): TrafficPoint => {
      const seconds = Math.max(0.001, (b.at - a.at) / 1000);
      return {
        at: new Date(b.at).toISOString(),
        seconds,
        allowed: (b.totals.allow - a.totals.allow) / seconds,
        refused: (b.totals.deny - a.totals.deny) / seconds,
        failed: (b.totals.error - a.totals.error) / seconds,
      };
    };
    const points: TrafficPoint[] = [];
    for (let i = 1; i < this.samples.length; i++) points.push(rate(this.samples[i - 1] as Sample, this.samples[i] as Sample));
    // The point ending now spans a whole interval back (from the newest sample at least one interval old), not the
    // few milliseconds since the last sample: a page that asks just after a sample would otherwise read 0 calls/s.
    const from = this.samples.findLast((x) => now.at - x.at >= this.intervalMs) ?? this.samples[0];
    if (from !== undefined) points.push(rate(from, now));
    const all = [...this.samples, now];
    const first = (all[0] as Sample).totals;
    const refusals: Record<string, number> = {};
    for (const [code, n] of Object.entries(now.totals.refusals)) {
      const d = n - (first.refusals[code] ?? 0);
      if (d > 0) refusals[code] = d;
    }
    const window = now.totals.latency.map(([le, count]) => [le, count - (first.latency.find(([l]) => l === le)?.[1] ?? 0)] as const);
    return {
      intervalSeconds: this.intervalMs / 1000,
      points,
      refusals,
      refusalsSinceStart: now.totals.refusals,
      latencyMs: { p50: quantile(window, 0.5), p95: quantile(window, 0.95), p99: quantile(window, 0.99) },
      limited: refusals["RATE_LIMITED"] ?? 0,
      inFlight: this.inFlight(),
      since: new Date(this.started).toISOString(),
    };
  }

  private async sample(): Promise<void> {
    this.samples.push({ at: Date.now(), totals: await this.metrics.totals() });
    if (this.samples.length > this.keep) this.samples.shift();
  }
}

/** The q-quantile of a cumulative histogram, in milliseconds, interpolated linearly within its bucket. */
export function quantile(buckets: ReadonlyArray<readonly [number, number]>, q: number): number | null {
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      // Beyond the last finite bound nothing is known but that it is beyond: report the bound.
      if (!Number.isFinite(le)) return lowerBound * 1000;
      const inBucket = count - lowerCount;
      const fraction = inBucket === 0 ? 1 : (rank - lowerCount) / inBucket;
      return (lowerBound + (le - lowerBound) * fraction) * 1000;
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound * 1000;
}
