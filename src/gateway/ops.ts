import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Route } from "../http/server.js";
import type { Usage } from "./dialects.js";

// What operators read of a gateway: Prometheus metrics (/metrics) and readiness (/readyz), off the call path.

export interface RouteMetrics {
  readonly allow: Counter.Internal;
  readonly deny: Counter.Internal;
  readonly error: Counter.Internal;
  readonly latency: Histogram.Internal<string>;
}

export interface GaugeSources {
  backlog(): number;
  inFlight(): number;
  catalogAgeSeconds(): number;
  /** The live monitor's counts (sampled, dropped, judged, unjudged, flagged, queued…), when it is on. */
  monitor?(): Readonly<Record<string, number>>;
}

/** Counters since the gateway started. */
export interface TrafficTotals {
  readonly allow: number;
  readonly deny: number;
  readonly error: number;
  readonly refusals: Readonly<Record<string, number>>;
  /** Latency histogram: [upper bound in seconds, cumulative count], ascending, the last +Infinity. */
  readonly latency: ReadonlyArray<readonly [number, number]>;
}

export interface GuardCount {
  readonly direction: string;
  readonly category: string;
  readonly action: string;
  readonly count: number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "perimeter_gateway_requests_total",
    help: "Gateway calls by route and decision",
    labelNames: ["route", "decision"],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({ name: "perimeter_gateway_tokens_total", help: "Tokens by kind", labelNames: ["kind"], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: "perimeter_gateway_request_seconds",
    help: "Time to the first byte of the answer, by route",
    labelNames: ["route"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly promptTokens = this.tokens.labels("prompt");
  private readonly completionTokens = this.tokens.labels("completion");
  /** Per-route metric children, bound once: prom-client hashes label values on every labelled call. */
  private readonly routes = new Map<string, RouteMetrics>();

  constructor(sources: GaugeSources) {
    new Gauge({
      name: "perimeter_audit_backlog_events",
      help: "Audit events accepted and not yet committed",
      registers: [this.registry],
      collect() {
        this.set(sources.backlog());
      },
    });
    new Gauge({
      name: "perimeter_gateway_calls_in_flight",
      help: "Calls being answered now",
      registers: [this.registry],
      collect() {
        this.set(sources.inFlight());
      },
    });
    new Gauge({
      name: "perimeter_gateway_catalog_age_seconds",
      help: "Seconds since the catalog and kill switch were last read from the store",
      registers: [this.registry],
      collect() {
        this.set(sources.catalogAgeSeconds());
      },
    });
    const monitor = sources.monitor;
    if (monitor !== undefined)
      new Gauge({
        name: "perimeter_monitor_samples",
        help: "The live monitor's samples since start, by state (sampled, dropped for a full queue, judged, unjudged, flagged, queued now)",
        labelNames: ["state"],
        registers: [this.registry],
        collect() {
          for (const [state, n] of Object.entries(monitor())) this.set({ state }, n);
        },
      });
  }

  forRoute(route: string): RouteMetrics {
    let m = this.routes.get(route);
    if (m === undefined) {
      m = {
        allow: this.requests.labels(route, "allow"),
        deny: this.requests.labels(route, "deny"),
        error: this.requests.labels(route, "error"),
        latency: this.latency.labels(route),
      };
      this.routes.set(route, m);
    }
    return m;
  }

  private readonly refusals = new Counter({
    name: "perimeter_gateway_refusals_total",
    help: "Calls the gateway refused, by error code (RATE_LIMITED for limits, POLICY_DENIED, KILLED, GUARD_BLOCKED, …)",
    labelNames: ["code"],
    registers: [this.registry],
  });
  private readonly refusalsByCode = new Map<string, Counter.Internal>();

  /** One refusal, by its code (children bound once per code). */
  countRefusal(code: string): void {
    let c = this.refusalsByCode.get(code);
    if (c === undefined) {
      c = this.refusals.labels(code);
      this.refusalsByCode.set(code, c);
    }
    c.inc();
  }

  /** Totals since start, as the dashboard's traffic page samples them. */
  async totals(): Promise<TrafficTotals> {
    const requests = await this.requests.get();
    const by = { allow: 0, deny: 0, error: 0 };
    for (const v of requests.values) {
      const d = v.labels["decision"];
      if (d === "allow" || d === "deny" || d === "error") by[d] += v.value;
    }
    const refusals: Record<string, number> = {};
    for (const v of (await this.refusals.get()).values) refusals[String(v.labels["code"])] = v.value;
    // Buckets summed over routes: upper bound (seconds) → cumulative count.
    const buckets = new Map<number, number>();
    for (const v of (await this.latency.get()).values) {
      if (v.metricName !== "perimeter_gateway_request_seconds_bucket") continue;
      const bound = (v.labels as Record<string, string | number | undefined>)["le"];
      const le = bound === "+Inf" ? Number.POSITIVE_INFINITY : Number(bound);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    }
    return { ...by, refusals, latency: [...buckets].sort((a, b) => a[0] - b[0]) };
  }

  private readonly guardFindings = new Counter({
    name: "perimeter_guard_findings_total",
    help: "Guard findings by direction, category and what was done",
    labelNames: ["direction", "category", "action"],
    registers: [this.registry],
  });

  /** Guard findings since this gateway started, by direction, category and what was done. */
  async guardTotals(): Promise<GuardCount[]> {
    const counted = await this.guardFindings.get();
    return counted.values
      .filter((v) => v.value > 0)
      .map((v) => ({
        direction: String(v.labels["direction"]),
        category: String(v.labels["category"]),
        action: String(v.labels["action"]),
        count: v.value,
      }));
  }

  /** What a call's guards found (CallGuardStages.summary()). */
  countGuardFindings(summary: readonly Record<string, unknown>[] | undefined): void {
    if (summary === undefined) return;
    for (const f of summary) this.guardFindings.labels(String(f["direction"]), String(f["category"]), String(f["action"])).inc(Number(f["count"]));
  }

  countTokens(usage: Usage | undefined): void {
    if (usage?.prompt) this.promptTokens.inc(usage.prompt);
    if (usage?.completion) this.completionTokens.inc(usage.completion);
  }
}

/** GET /readyz (503 with the reasons when calls would be refused, for a load balancer or Kubernetes probe) and GET /metrics. */
export function opsRoutes(metrics: GatewayMetrics, readiness: () => { ready: boolean; body: Record<string, unknown> }): Route[] {
  return [
    {
      method: "GET",
      path: "/readyz",
      handle: () => {
        const r = readiness();
        return Promise.resolve({ status: r.ready ? 200 : 503, json: r.body });
      },
    },
    {
      method: "GET",
      path: "/metrics",
      handle: async () => ({ status: 200, text: await metrics.registry.metrics(), headers: { "content-type": metrics.registry.contentType } }),
    },
  ];
}
