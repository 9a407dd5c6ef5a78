// What the gateway benches share: the servers they measure, each in a process of its own (the fake vLLM
// upstream, a Perimeter gateway from the compiled dist/ with a configuration written as an operator would),
// the load they put on them (an open-loop client at a fixed rate for latency, autocannon for the maximum), and
// the figures they print. Used by bench/gateway.ts and bench/guards.ts.
import { type ChildProcess, fork } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Pool } from "undici";
import { stringify } from "yaml";
import type { FromChild, Ready, ToChild } from "../gateway-child.js";

/** A positive number from the environment, or the fallback. */
export const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return n;
};

/** One kind of request a load sends, the same every time. */
export interface LoadRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

// ---------- autocannon (CommonJS, untyped: the part of its API used here) ----------

export interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly "2xx": number;
  /** Answers verifyBody refused (every non-2xx too, when it is given). */
  readonly mismatches: number;
  readonly statusCodeStats: Record<string, { count: number }>;
}
export type Autocannon = (options: {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  verifyBody?: (body: string) => boolean;
}) => PromiseLike<AutocannonResult>;
export const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

// ---------- the servers, each in its own process ----------

const BENCH_DIR = new URL("../", import.meta.url);

export interface Proc<N extends string = string> {
  readonly name: N;
  readonly ready: Ready;
  ask<T extends FromChild["type"]>(message: ToChild, reply: T): Promise<Extract<FromChild, { type: T }>>;
  stop(): Promise<void>;
}

/**
 * Start one of the bench's servers (`file`: absolute, or relative to bench/) and wait until it is ready. The
 * children are TypeScript too: they inherit this process's tsx loader through execArgv.
 */
export async function startProc<N extends string>(name: N, file: string, env: NodeJS.ProcessEnv, stdout: "inherit" | "ignore" = "inherit"): Promise<Proc<N>> {
  const child: ChildProcess = fork(file.startsWith("/") ? file : fileURLToPath(new URL(file, BENCH_DIR)), [], {
    env: { ...process.env, ...env },
    stdio: ["ignore", stdout, "inherit", "ipc"],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onMessage = (m: FromChild) => {
      if (m.type === "ready") done(() => resolve(m.ready));
      else if (m.type === "failed") done(() => reject(new Error(`${name} failed to start:\n${m.message}`)));
    };
    const onExit = (code: number | null) => done(() => reject(new Error(`${name} exited (${code}) before it was ready`)));
    const done = (then: () => void) => {
      child.off("message", onMessage);
      child.off("exit", onExit);
      then();
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
  child.on("message", (m: FromChild) => {
    if (m.type === "failed") process.stderr.write(`${name}: ${m.message}\n`);
  });
  let exited = child.exitCode !== null;
  child.once("exit", () => (exited = true));
  return {
    name,
    ready,
    ask: (message, reply) =>
      new Promise((resolve) => {
        const on = (m: FromChild) => {
          if (m.type !== reply) return;
          child.off("message", on);
          resolve(m as Extract<FromChild, { type: typeof reply }>);
        };
        child.on("message", on);
        child.send(message);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const cut = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", () => {
          clearTimeout(cut);
          resolve();
        });
        child.send({ type: "stop" } satisfies ToChild);
      }),
  };
}

// ---------- load ----------

export interface Latency {
  /** Nanoseconds, one per 200 answer. */
  readonly samples: number[];
  sent: number;
  non2xx: number;
  errors: number;
  statuses: Map<string, number>;
  firstFailure: string | undefined;
  achievedRate: number;
}

/** Open loop: request i leaves at start + i/rate whatever happened to the ones before it. */
export async function fixedRate(pool: Pool, request: LoadRequest, rate: number, seconds: number): Promise<Latency> {
  const { path, headers, body } = request;
  const total = Math.round(rate * seconds);
  const intervalNs = 1e9 / rate;
  const out: Latency = { samples: [], sent: 0, non2xx: 0, errors: 0, statuses: new Map(), firstFailure: undefined, achievedRate: 0 };
  const start = process.hrtime.bigint();
  let finished = 0;
  await new Promise<void>((resolve) => {
    const settle = () => {
      if (++finished === total) resolve();
    };
    const fire = () => {
      const t0 = process.hrtime.bigint();
      pool.request({ method: "POST", path, headers, body }).then(
        async (res) => {
          const text = await res.body.text();
          const t1 = process.hrtime.bigint();
          if (res.statusCode === 200 && text.startsWith('{"id"')) out.samples.push(Number(t1 - t0));
          else {
            out.non2xx++;
            const key = String(res.statusCode);
            out.statuses.set(key, (out.statuses.get(key) ?? 0) + 1);
            out.firstFailure ??= `${res.statusCode} ${text.slice(0, 300)}`;
          }
          settle();
        },
        (err: Error) => {
          out.errors++;
          out.firstFailure ??= err.message;
          settle();
        },
      );
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(Number(process.hrtime.bigint() - start) / intervalNs) + 1);
      while (out.sent < due) {
        out.sent++;
        fire();
      }
      if (out.sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  out.achievedRate = total / (Number(process.hrtime.bigint() - start) / 1e9);
  return out;
}

export interface Throughput {
  readonly rps: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statuses: string;
  /** CPU µs per answered request, by process (over the run). */
  readonly cpuPerRequest: Record<string, number>;
}

export async function maxThroughput(url: string, request: LoadRequest, connections: number, seconds: number, watch: readonly Proc[]): Promise<Throughput> {
  const cpu = async () => Object.fromEntries(await Promise.all(watch.map(async (p) => [p.name, (await p.ask({ type: "cpu" }, "cpu")).us] as const)));
  const selfBefore = process.cpuUsage();
  const before = await cpu();
  const r = await autocannon({ url: `${url}${request.path}`, method: "POST", headers: request.headers, body: request.body, connections, duration: seconds });
  const after = await cpu();
  const self = process.cpuUsage(selfBefore);
  const ok = r["2xx"];
  const cpuPerRequest: Record<string, number> = { load: (self.user + self.system) / Math.max(1, ok) };
  for (const p of watch) cpuPerRequest[p.name] = ((after[p.name] ?? 0) - (before[p.name] ?? 0)) / Math.max(1, ok);
  const statuses = Object.entries(r.statusCodeStats)
    .filter(([code]) => code !== "200")
    .map(([code, s]) => `${code}×${s.count}`)
    .join(" ");
  return { rps: ok / r.duration, ok, non2xx: r.non2xx, errors: r.errors + r.timeouts, statuses, cpuPerRequest };
}

// ---------- figures ----------

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export function summarise(samples: readonly number[]) {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  const us = (ns: number) => ns / 1000;
  return {
    n: sorted.length,
    avg: us(sum / Math.max(1, sorted.length)),
    p50: us(percentile(sorted, 0.5)),
    p99: us(percentile(sorted, 0.99)),
    p999: us(percentile(sorted, 0.999)),
    max: us(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
export const signed = (n: number) => (Number.isFinite(n) ? `${n > 0 ? "+" : ""}${int(n)}` : "n/a");

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log([line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n"));
}

// ---------- the gateway's configuration ----------

/**
 * A writer of gateway configurations as an operator writes them: limits on (high enough never to refuse), the
 * default policy set, the audit log and the store beside the file, a release key trusted for signing; `extra`
 * adds top-level sections (e.g. `guards`). Every configuration it writes trusts the same release key.
 */
export function gatewayConfigWriter(): (dir: string, sqlitePath: string, extra?: Record<string, unknown>) => string {
  const release = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const high = { requestsPerMinute: 10_000_000, tokensPerMinute: 10_000_000_000 };
  return (dir, sqlitePath, extra = {}) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "release.pub"), release.publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(join(dir, "release.pem"), release.privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(
      join(dir, "perimeter.yaml"),
      stringify({
        store: { sqlitePath },
        audit: { signingKey: "keys/audit.pem" },
        lifecycle: {
          roles: { approver: ["bob"], operator: ["olga"] },
          trustedSigners: [{ name: "release", publicKey: "release.pub" }],
          signingKey: "keys/lifecycle.pem",
        },
        gateway: { limits: { identity: high, model: high } },
        ...extra,
      }),
    );
    return join(dir, "perimeter.yaml");
  };
}

/** The fake vLLM upstream (bench/gateway-upstream.ts), serving `served`. */
export function startUpstream(served: string): Promise<Proc<"upstream">> {
  return startProc("upstream", "./gateway-upstream.ts", { BENCH_SERVED_MODEL: served });
}

/**
 * A Perimeter gateway (bench/gateway-perimeter.ts, or another build's `file`) with the configuration at
 * `config`, in front of `upstream`: set up as an operator would, its bench identity's API key in `ready.key`.
 */
export function startGateway<N extends string>(
  name: N,
  options: { readonly config: string; readonly upstream: Proc; readonly served: string; readonly file?: string },
): Promise<Proc<N>> {
  return startProc(name, options.file ?? "./gateway-perimeter.ts", {
    PERIMETER_CONFIG: options.config,
    PERIMETER_DATABASE_URL: "",
    BENCH_SERVED_MODEL: options.served,
    BENCH_UPSTREAM_URL: options.upstream.ready.url,
  });
}
