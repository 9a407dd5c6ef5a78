// Scale-out on one machine: gateway replicas — each a real `perimeter serve` process (bin/perimeter.js) — on one
// PostgreSQL and one Redis, measured in one run beside their baselines:
//   1. throughput with 1, 2 and 3 replicas, the load spread over them as a load balancer would (one autocannon
//      per replica, in parallel, the connections split); baselines: the upstream called directly (the ceiling)
//      and 1 replica (scaling efficiency = rps(n) / (n × rps(1))); CPU per answered call from /proc;
//   2. one `perimeter serve --workers 1` and `--workers 2` (node:cluster, one port) under the same load;
//   3. kill-switch propagation across the 3 replicas (test/helpers/kill-propagation.ts, as test/scale/ does);
//   4. audit appends per second from 1 and 3 writer processes (bench/scale-writer.ts) on one chain in
//      PostgreSQL, group commit as a server uses it; baseline: plain unchained INSERTs into a scratch table from
//      as many processes. The whole log (gateway calls and writers) is verified after each run.
// Set-up as an operator would: bench/gateway-perimeter.ts registers, scans, signs and approves the model, adds
// and discovers the runtime (the fast local upstream of bench/gateway.ts) and issues the client's key, then stops;
// the replicas serve the same perimeter.yaml: store in a fresh PostgreSQL schema bench_<random> (dropped at the
// end), gateway.redisUrl, limits per identity and per model on (high enough never to refuse), default Cedar
// policy set, every call audited before it is answered. Load generator, upstream, replicas, PostgreSQL and Redis
// share this machine's cores: the figures are what they are on it, the extrapolation at the end says how far
// they carry.
//
// Usage: npm run build && npx tsx bench/scale.ts   (npm run bench:scale)
//   BENCH_SECONDS=8            length of each measured phase (throughput, audit appends)
//   BENCH_ROUNDS=2             rounds over the throughput targets, every other one in reverse order (best round kept)
//   BENCH_WARMUP_SECONDS=5     warm-up of each throughput target in the first round, not measured (fresh processes
//                              read up to twice the CPU per call for their first few thousand calls)
//   BENCH_CONNECTIONS=192      keep-alive connections of the load, in total, split over the ports loaded (64 a
//                              replica at 3: with fewer, replicas idle between group commits and read slower)
//   BENCH_KILL_TRIALS=100      measured kill trials (after 6 not counted)
//   BENCH_IN_FLIGHT=64,1024    appends (or inserts) each writer keeps in flight; one audit run per value
//   BENCH_ONLY=throughput,kill,audit   the parts to run
//   BENCH_QUIET=0.1            a measurement during which more than this share of the CPU went to other processes
//                              is made again (at most twice); each waits for the machine to be that quiet first
//   BENCH_QUIET_WAIT_SECONDS=120   how long to wait for that before measuring anyway
//   PERIMETER_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test   the PostgreSQL
//   BENCH_REDIS_URL=redis://127.0.0.1:6379                                the Redis
//   BENCH_PROFILE=1            V8 CPU profile (--cpu-prof) of the 3 replicas over their whole life; the first's and
//                              the third's summarised at the end (the figures then read worse)
//   BENCH_KEEP=1               keep the scratch directory and the schema
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describePropagation, type KillTrial, measureKillPropagation, type Propagation, percentileOf } from "../test/helpers/kill-propagation.js";
import { type Replica, type ReplicaOptions, startReplica } from "../test/helpers/replicas.js";
import { autocannon, type AutocannonResult, gatewayConfigWriter, int, num, type Proc, startGateway, startUpstream, table } from "./lib/load.js";
import { summariseProfile } from "./lib/profile.js";
import type { Store } from "../src/store/store.js";
import type { FromWriter, ToWriter } from "./scale-writer.js";

const dist = (p: string) => new URL(`../dist/${p}`, import.meta.url).href;
const { loadConfig } = (await import(dist("config/load.js"))) as typeof import("../src/config/load.js");
const { openStoreFor } = (await import(dist("cli/context.js"))) as typeof import("../src/cli/context.js");
const { openAuditLog, auditVerifierKeys, verifyAuditLog } = (await import(dist("audit/index.js"))) as typeof import("../src/audit/index.js");
const { IdentityService } = (await import(dist("identity/service.js"))) as typeof import("../src/identity/service.js");

const SECONDS = num("BENCH_SECONDS", 8);
const WARMUP = num("BENCH_WARMUP_SECONDS", 5);
const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 192));
const KILL_TRIALS = Math.round(num("BENCH_KILL_TRIALS", 100));
const KILL_WARMUP = 6;
const ROUNDS = Math.round(num("BENCH_ROUNDS", 2));
/** A comma-separated list of positive integers from the environment, or the fallback. */
const ints = (name: string, fallback: readonly number[]): number[] => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return [...fallback];
  const out = raw.split(",").map((x) => Number(x.trim()));
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name} must be positive integers separated by commas, not "${raw}"`);
  return out;
};
const IN_FLIGHT = ints("BENCH_IN_FLIGHT", [64, 1024]);
const PARTS = ["throughput", "kill", "audit"] as const;
const ONLY = new Set(
  (process.env["BENCH_ONLY"] || PARTS.join(","))
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== ""),
);
for (const part of ONLY)
  if (!(PARTS as readonly string[]).includes(part)) throw new Error(`BENCH_ONLY takes ${PARTS.join(", ")} (comma-separated), not "${part}"`);
const POSTGRES_URL = process.env["PERIMETER_TEST_DATABASE_URL"] || "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env["BENCH_REDIS_URL"] || "redis://127.0.0.1:6379";
const KEEP = process.env["BENCH_KEEP"] !== undefined;
/** A measurement during which more than this share of the CPU went elsewhere is made again. */
const QUIET = num("BENCH_QUIET", 0.1);
const QUIET_WAIT = num("BENCH_QUIET_WAIT_SECONDS", 120);
const PROFILE = process.env["BENCH_PROFILE"] === "1";

const SERVED_MODEL = "bench-model";
/** The model version the replicas serve it as (bench/gateway-perimeter.ts registers it as version 1). */
const MODEL_VERSION = `${SERVED_MODEL}@1`;
const PATH = "/v1/chat/completions";
const BODY = JSON.stringify({ model: SERVED_MODEL, messages: [{ role: "user", content: "hello" }] });
/** Per identity and per model, across every replica (Redis): never reached here. */
const HIGH = { requestsPerMinute: 10_000_000, tokensPerMinute: 10_000_000_000 };

// ---------- load: autocannon, one instance per gateway process, every answer checked ----------

type CannonResult = AutocannonResult;

interface Load {
  /** Answered 200 with a chat.completion. */
  readonly ok: number;
  readonly rps: number;
  readonly non2xx: number;
  /** Connection errors, timeouts, and 200s whose body was not a chat.completion. */
  readonly errors: number;
  readonly statuses: string;
}

/** Calls answered 200 by each port, warm-ups included (for the profiles). */
const served = new Map<string, number>();

/** `connections` split over `urls`, each its own autocannon, all at once for `seconds`. */
async function spread(urls: readonly string[], key: string, connections: number, seconds: number): Promise<Load> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const results = await Promise.all(
    urls.map((url, i) =>
      autocannon({
        url: `${url}${PATH}`,
        method: "POST",
        headers,
        body: BODY,
        connections: Math.floor(connections / urls.length) + (i < connections % urls.length ? 1 : 0),
        duration: seconds,
        verifyBody: (body) => body.includes('"chat.completion"'),
      }),
    ),
  );
  const statuses = new Map<string, number>();
  for (const r of results)
    for (const [code, s] of Object.entries(r.statusCodeStats)) if (code !== "200") statuses.set(code, (statuses.get(code) ?? 0) + s.count);
  for (const [i, url] of urls.entries()) served.set(url, (served.get(url) ?? 0) + (results[i]?.["2xx"] ?? 0));
  // autocannon checks every body, and no error body holds a chat.completion: the mismatches beyond the
  // non-2xx answers are 200s that were not one. Its errors include its timeouts.
  const wrong = (r: CannonResult) => Math.max(0, r.mismatches - r.non2xx);
  const ok = results.reduce((a, r) => a + r["2xx"] - wrong(r), 0);
  return {
    ok,
    rps: results.reduce((a, r) => a + (r["2xx"] - wrong(r)) / r.duration, 0),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    errors: results.reduce((a, r) => a + r.errors + wrong(r), 0),
    statuses: [...statuses].map(([code, n]) => `${code}×${n}`).join(" "),
  };
}

const us = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "n/a");
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : "n/a");

// ---------- CPU from /proc ----------

const TICK_US = 1e6 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** User + system CPU of one process so far (µs), or undefined when it is gone. */
function cpuOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return undefined;
  }
}

const pgrep = (...args: string[]): number[] => {
  try {
    return execFileSync("pgrep", args, { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};
/** A process and its descendants (a `serve --workers N` primary and its cluster workers). */
const tree = (pid: number): number[] => [pid, ...pgrep("-P", String(pid)).flatMap(tree)];

type Snapshot = Map<number, number>;
const snapshot = (pids: readonly number[]): Snapshot =>
  new Map(
    pids.flatMap((pid) => {
      const us = cpuOf(pid);
      return us === undefined ? [] : [[pid, us] as const];
    }),
  );
/** CPU used between two snapshots (a process that appeared in between counts from zero; one that exited is lost). */
const used = (before: Snapshot, after: Snapshot): number => [...after].reduce((a, [pid, us]) => a + us - (before.get(pid) ?? 0), 0);
/** Busy CPU of the whole machine so far (µs, every core): what was not idle or waiting for I/O. */
function machineBusy(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) * TICK_US;
}
/** The machine's PostgreSQL and Redis processes, every backend included (other clients' too, if any). */
const storePids = (): number[] => [...pgrep("-x", "postgres"), ...pgrep("-x", "redis-server")];

/** What one throughput phase loads: the ports of some gateway processes (none: the upstream itself). */
interface Target {
  readonly target: string;
  readonly processes: string;
  /** Gateway processes (replicas or workers) serving; 0 for the upstream. */
  readonly n: number;
  readonly urls: readonly string[];
  /** The serve processes (their cluster workers are found under them). */
  readonly pids: readonly number[];
}

interface Phase extends Target {
  readonly load: Load;
  /** CPU µs per answered call: the gateway processes, the upstream, the load generator, PostgreSQL + Redis. */
  readonly cpu: { readonly gateway: number; readonly upstream: number; readonly load: number; readonly store: number };
  /** Share of the machine's CPU time (all cores) busy outside those processes: anything else running disturbs the figures. */
  readonly other: number;
}

/** Wait until less than BENCH_QUIET of the machine's CPU is busy over a second (at most BENCH_QUIET_WAIT_SECONDS). */
async function untilQuiet(): Promise<void> {
  const deadline = performance.now() + QUIET_WAIT * 1000;
  let said = false;
  for (;;) {
    const before = machineBusy();
    await sleep(1000);
    const busy = (machineBusy() - before) / (1e6 * availableParallelism());
    if (busy < QUIET) return;
    if (performance.now() > deadline) return void console.log(`  still ${pct(busy)} of the CPU busy after ${QUIET_WAIT} s: measuring anyway`);
    if (!said) console.log(`  waiting for the machine to quiet down (${pct(busy)} of the CPU busy) …`);
    said = true;
  }
}

/** Measure on a quiet machine; again, at most twice, when something else took more than BENCH_QUIET of the CPU meanwhile. */
async function undisturbed<T extends { readonly other: number }>(label: string, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await untilQuiet();
    const result = await run();
    if (result.other <= QUIET || attempt === 3) return result;
    console.log(`  ${label}: ${pct(result.other)} of the CPU was busy outside the processes measured: measuring again`);
  }
}

async function measure(t: Target, upstream: Proc, key: string, warmup: number, label: string): Promise<Phase> {
  if (warmup > 0) {
    const warm = await spread(t.urls, key, CONNECTIONS, warmup);
    if (warm.non2xx + warm.errors > 0) console.log(`  warm-up of ${t.target} ${t.processes}: ${warm.non2xx} non-2xx, ${warm.errors} errors ${warm.statuses}`);
  }
  return undisturbed(`${label} ${t.target} ${t.processes}`, () => measureOnce(t, upstream, key, label));
}

async function measureOnce(t: Target, upstream: Proc, key: string, label: string): Promise<Phase> {
  const gw = t.pids.flatMap(tree);
  const st = storePids();
  const upstreamCpu = async () => (await upstream.ask({ type: "cpu" }, "cpu")).us;
  const [gw0, st0, up0, self0, busy0, t0] = [snapshot(gw), snapshot(st), await upstreamCpu(), process.cpuUsage(), machineBusy(), performance.now()];
  const load = await spread(t.urls, key, CONNECTIONS, SECONDS);
  const [self, busy1, t1] = [process.cpuUsage(self0), machineBusy(), performance.now()];
  const [gw1, st1, up1] = [snapshot(t.pids.flatMap(tree)), snapshot(storePids()), await upstreamCpu()];
  const ours = used(gw0, gw1) + used(st0, st1) + (up1 - up0) + self.user + self.system;
  const per = (us: number) => us / Math.max(1, load.ok);
  const phase: Phase = {
    ...t,
    load,
    cpu: { gateway: per(used(gw0, gw1)), upstream: per(up1 - up0), load: per(self.user + self.system), store: per(used(st0, st1)) },
    other: Math.max(0, busy1 - busy0 - ours) / ((t1 - t0) * 1000 * availableParallelism()),
  };
  console.log(
    `  ${label} ${t.target} ${t.processes}: ${int(load.rps)} req/s, non-2xx ${load.non2xx}, errors ${load.errors}${load.statuses === "" ? "" : ` (${load.statuses})`}; CPU µs/req: gateway ${phase.cpu.gateway.toFixed(0)}, upstream ${phase.cpu.upstream.toFixed(0)}, load ${phase.cpu.load.toFixed(0)}, PG+Redis ${phase.cpu.store.toFixed(0)}; other ${(phase.other * 100).toFixed(0)}% of the machine`,
  );
  return phase;
}

// ---------- audit writers ----------

interface Writers {
  readonly rate: number;
  readonly perWriter: readonly number[];
  /** CPU µs per event: the writer processes, PostgreSQL. */
  readonly cpu: { readonly writers: number; readonly store: number };
  /** As Phase.other. */
  readonly other: number;
}

/** `count` writer processes (bench/scale-writer.ts), started together, then all told to go at once. */
async function runWriters(config: string, mode: "chained" | "plain", count: number, inFlight: number): Promise<Writers> {
  const children: ChildProcess[] = [];
  const next = (child: ChildProcess, name: string): Promise<FromWriter> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: FromWriter) => {
        off();
        if (m.type === "failed") reject(new Error(`${name} failed:\n${m.message}`));
        else resolve(m);
      };
      const onExit = (code: number | null) => {
        off();
        reject(new Error(`${name} exited (${code})`));
      };
      const off = () => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
    });
  try {
    for (let i = 0; i < count; i++) {
      children.push(
        fork(fileURLToPath(new URL("./scale-writer.ts", import.meta.url)), [], {
          env: {
            ...process.env,
            PERIMETER_CONFIG: config,
            PERIMETER_DATABASE_URL: "",
            BENCH_WRITER_MODE: mode,
            BENCH_WRITER_INDEX: String(i + 1),
            BENCH_IN_FLIGHT: String(inFlight),
          },
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        }),
      );
    }
    await Promise.all(children.map((c, i) => next(c, `${mode} writer ${i + 1}`)));
    const done = children.map((c, i) => next(c, `${mode} writer ${i + 1}`));
    const pids = children.map((c) => c.pid as number);
    const [w0, st0, busy0, t0] = [snapshot(pids), snapshot(storePids()), machineBusy(), performance.now()];
    for (const c of children) c.send({ type: "go", seconds: SECONDS } satisfies ToWriter);
    const results = await Promise.all(done);
    const [w1, st1, busy1, t1] = [snapshot(pids), snapshot(storePids()), machineBusy(), performance.now()];
    const events = results.reduce((a, r) => a + (r.type === "done" ? r.count : 0), 0);
    const perWriter = results.map((r) => (r.type === "done" ? r.count / r.seconds : Number.NaN));
    return {
      rate: perWriter.reduce((a, b) => a + b, 0),
      perWriter,
      cpu: { writers: used(w0, w1) / Math.max(1, events), store: used(st0, st1) / Math.max(1, events) },
      other: Math.max(0, busy1 - busy0 - used(w0, w1) - used(st0, st1)) / ((t1 - t0) * 1000 * availableParallelism()),
    };
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const cut = setTimeout(() => c.kill("SIGKILL"), 15_000);
            c.once("exit", () => {
              clearTimeout(cut);
              resolve();
            });
            if (c.connected) c.send({ type: "stop" } satisfies ToWriter);
            else c.kill("SIGTERM");
          }),
      ),
    );
  }
}

// ---------- the run ----------

const scratch = mkdtempSync(join(tmpdir(), "perimeter-bench-scale-"));
const schema = `bench_${randomBytes(4).toString("hex")}`;
const replicas: Replica[] = [];
let upstream: Proc | undefined;
let setup: Proc | undefined;
let store: Store | undefined;
let cleaned = false;
const cleanUp = async (): Promise<void> => {
  if (cleaned) return;
  cleaned = true;
  await Promise.all(replicas.splice(0).map((r) => r.stop()));
  await setup?.stop();
  await upstream?.stop();
  await store?.close();
  if (KEEP) {
    console.log(`kept ${scratch} and schema ${schema}`);
    return;
  }
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
  } catch (err) {
    console.error(`could not drop schema ${schema}: ${(err as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
  rmSync(scratch, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the replicas and dropping ${schema}`);
    void cleanUp().finally(() => process.exit(130));
  });

try {
  const config = gatewayConfigWriter()(scratch, join(scratch, "unused.db"), {
    store: { url: POSTGRES_URL, schema, poolSize: 10 },
    // As deploy/kubernetes runs replicas: every answer after its audit event commits.
    gateway: { redisUrl: REDIS_URL, limits: { identity: HIGH, model: HIGH }, auditBeforeAnswer: true },
  });
  const loaded = loadConfig({ path: config, env: { ...process.env, PERIMETER_DATABASE_URL: "", PERIMETER_REDIS_URL: "" } });

  const pgInfo = new pg.Client({ connectionString: POSTGRES_URL });
  await pgInfo.connect();
  const pgVersion = (await pgInfo.query<{ server_version: string }>("show server_version")).rows[0]?.server_version ?? "?";
  await pgInfo.end();
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: fileURLToPath(new URL("..", import.meta.url)), encoding: "utf8" }).trim();
  const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
  }).trim();

  // Set-up through the bench gateway (model, runtime, the client's identity), which then stops.
  upstream = await startUpstream(SERVED_MODEL);
  setup = await startGateway("setup", { config, upstream, served: SERVED_MODEL });
  const key = setup.ready.key;
  if (key === undefined) throw new Error("the set-up reported no API key");
  const notes = setup.ready.notes ?? [];
  await setup.stop();
  setup = undefined;

  // An admin (trips kills through the control API) and the identities the kill trials kill.
  store = await openStoreFor(loaded);
  const audit = openAuditLog(loaded, store);
  const identities = new IdentityService({ store, audit: () => audit, config: loaded.config.identity });
  const base = { kind: "service-account" as const, owner: "bench", environment: "default", actor: "ops" };
  const admin = await identities.create({ ...base, name: "soc-admin", scopes: ["admin"] });
  const trials: KillTrial[] = [];
  for (let i = 0; i < KILL_WARMUP + KILL_TRIALS; i++) trials.push({ name: `agent-${i}`, key: (await identities.create({ ...base, name: `agent-${i}` })).key });
  await identities.flush();
  await audit.close();

  console.log(
    `scale bench: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, commit ${commit}${dirty === "" ? "" : " (with uncommitted changes)"}`,
  );
  console.log(
    `  measures: gateway throughput with 1, 2, 3 replicas and with one serve --workers 1, 2, beside the upstream called directly; kill propagation over 3 replicas; audit appends from 1 and 3 writer processes beside plain INSERTs`,
  );
  console.log(`  PostgreSQL ${pgVersion} (schema ${schema}), Redis ${REDIS_URL}; the load, the upstream, the gateways, PostgreSQL and Redis share the cores`);
  if (notes[0] !== undefined) console.log(`  ${notes[0]}`);
  const gw = loaded.config.gateway;
  console.log(
    `  gateways: \`perimeter serve\` (bin/perimeter.js) on one perimeter.yaml; limits per identity and per model ${HIGH.requestsPerMinute.toLocaleString("en-US")} requests and ${HIGH.tokensPerMinute.toLocaleString("en-US")} tokens a minute (Redis); default Cedar policy set; every call audited${gw.auditBeforeAnswer ? " and answered after its event commits" : ""} (group commit ${loaded.config.audit.groupCommitMs} ms)`,
  );
  console.log(
    `  load: autocannon in this process, ${CONNECTIONS} keep-alive connections in total split over the ports loaded, ${SECONDS} s per phase (${WARMUP} s warm-up first), ${ROUNDS} round${ROUNDS === 1 ? "" : "s"}; a 200 with a chat.completion counts, anything else is printed`,
  );
  console.log();

  // Every gateway process is started once and stays up; each target loads some of them, the others idle.
  const phases: Phase[][] = [];
  let propagation: Propagation | undefined;
  const profiles: Array<{ replica: number; file: string; requests: number }> = [];
  if (ONLY.has("throughput") || ONLY.has("kill")) {
    // Each is stopped at the end once it is up, even when another fails to start.
    const serve = (options: Partial<ReplicaOptions>) =>
      startReplica({ configFile: config, cwd: scratch, ...options }).then((r) => {
        replicas.push(r);
        return r;
      });
    const started = await Promise.all([
      ...[1, 2, 3].map((i) => serve({ nodeArgs: PROFILE ? ["--cpu-prof", "--cpu-prof-dir", join(scratch, "profiles", `replica-${i}`)] : [] })),
      ...(ONLY.has("throughput") ? [1, 2].map((workers) => serve({ workers })) : []),
    ]);
    const [r1, r2, r3, w1, w2] = started as [Replica, Replica, Replica, Replica | undefined, Replica | undefined];
    if (ONLY.has("throughput")) {
      const targets: Target[] = [
        { target: "upstream direct", processes: "-", n: 0, urls: [upstream.ready.url], pids: [] },
        ...[[r1], [r1, r2], [r1, r2, r3]].map((rs) => ({
          target: "replicas",
          processes: `${rs.length} × serve --workers 1`,
          n: rs.length,
          urls: rs.map((r) => r.url),
          pids: rs.map((r) => r.pid),
        })),
        ...[w1, w2].flatMap((w, i) =>
          w === undefined ? [] : [{ target: "one serve", processes: `--workers ${i + 1}`, n: i + 1, urls: [w.url], pids: [w.pid] }],
        ),
      ];
      console.log("throughput:");
      for (let round = 1; round <= ROUNDS; round++) {
        // Every other round in reverse: what a drifting machine does to the figures falls on both ends.
        for (const t of round % 2 === 1 ? targets : [...targets].reverse()) {
          const phase = await measure(t, upstream, key, round === 1 ? WARMUP : 0, `round ${round}`);
          phases[targets.indexOf(t)] = [...(phases[targets.indexOf(t)] ?? []), phase];
        }
      }
    }
    if (ONLY.has("kill")) {
      console.log(`kill propagation: ${KILL_WARMUP} warm-up + ${KILL_TRIALS} trials over the 3 replicas …`);
      propagation = await measureKillPropagation({
        urls: [r1, r2, r3].map((r) => r.url),
        adminKey: admin.key,
        trials,
        warmup: KILL_WARMUP,
        model: MODEL_VERSION,
      });
    }
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
    if (PROFILE)
      for (const [i, r] of [r1, r3].entries()) {
        const dir = join(scratch, "profiles", `replica-${i === 0 ? 1 : 3}`);
        const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith(".cpuprofile")) : undefined;
        if (file === undefined) continue;
        profiles.push({ replica: i === 0 ? 1 : 3, file: join(dir, file), requests: served.get(r.url) ?? 0 });
      }
  }
  await upstream.stop();
  upstream = undefined;

  // Audit appends: the same chain the replicas wrote, verified whole after each run.
  const audits: Array<{ writers: number; inFlight: number; chained: Writers; plain: Writers; verified: string }> = [];
  if (ONLY.has("audit")) {
    console.log("audit appends:");
    const scratchTable = async (statement: string) => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(statement).finally(() => c.end());
    };
    await scratchTable(`create table ${schema}.plain_events (like ${schema}.audit_events including all)`);
    const verify = async () => {
      const started = performance.now();
      const report = await verifyAuditLog(store as Store, auditVerifierKeys(loaded));
      const seconds = (performance.now() - started) / 1000;
      if (!report.ok) throw new Error(`THE AUDIT LOG DOES NOT VERIFY: ${JSON.stringify(report.problems.slice(0, 3))}`);
      return `ok: ${int(report.events)} events, ${report.checkpoints} checkpoints (${seconds.toFixed(1)} s)`;
    };
    for (const inFlight of IN_FLIGHT)
      for (const writers of [1, 3]) {
        const label = `${writers} writer${writers === 1 ? "" : "s"} × ${inFlight} in flight`;
        const chained = await undisturbed(`${label}, chained`, () => runWriters(config, "chained", writers, inFlight));
        const verified = await verify();
        const plain = await undisturbed(`${label}, plain`, async () => {
          await scratchTable(`truncate ${schema}.plain_events`);
          return runWriters(config, "plain", writers, inFlight);
        });
        console.log(
          `  ${label}: chained ${int(chained.rate)} events/s (${chained.perWriter.map(int).join(" + ")}; CPU µs/event writers ${us(chained.cpu.writers)}, PG ${us(chained.cpu.store)}; other ${pct(chained.other)}), plain ${int(plain.rate)} inserts/s (CPU µs/insert writers ${us(plain.cpu.writers)}, PG ${us(plain.cpu.store)}; other ${pct(plain.other)}); log verifies ${verified}`,
        );
        audits.push({ writers, inFlight, chained, plain, verified });
      }
  }
  await store.close();
  store = undefined;

  // ---------- report ----------
  // Each target's best round (the machine only ever takes away); non-2xx and errors of every round.
  const best = phases.map((ps) => ps.reduce((x, y) => (y.load.rps > x.load.rps ? y : x)));
  const failed = (i: number) =>
    (phases[i] ?? []).reduce((a, p) => ({ non2xx: a.non2xx + p.load.non2xx, errors: a.errors + p.load.errors }), { non2xx: 0, errors: 0 });
  const one = best.find((p) => p.target === "replicas" && p.n === 1);
  const direct = best.find((p) => p.n === 0);
  if (best.length > 0) {
    console.log();
    table(
      [
        "target",
        "processes",
        "req/s",
        "vs 1 replica",
        "of direct",
        "non-2xx",
        "errors",
        "CPU µs/req: gateway",
        "upstream",
        "load gen.",
        "PG+Redis",
        "other CPU",
      ],
      best.map((p, i) => [
        p.target,
        p.processes,
        int(p.load.rps),
        p.n === 0 || one === undefined ? "" : pct(p.load.rps / (p.n * one.load.rps)),
        direct === undefined ? "" : pct(p.load.rps / direct.load.rps),
        int(failed(i).non2xx),
        int(failed(i).errors),
        p.n === 0 ? "-" : us(p.cpu.gateway),
        us(p.cpu.upstream),
        us(p.cpu.load),
        us(p.cpu.store),
        pct(p.other),
      ]),
    );
    console.log(
      `  best of ${ROUNDS} round${ROUNDS === 1 ? "" : "s"} (non-2xx and errors: all rounds). "vs 1 replica": rps / (processes × rps of 1 replica), the scaling efficiency. CPU µs per answered call from /proc (utime+stime, ${TICK_US / 1000} ms ticks): gateway = the serve processes with their cluster workers; PG+Redis = every postgres and redis-server process on the machine; "other CPU" = share of all cores busy outside the processes measured (idle gateways, kernel, anything else), near 0% on a quiet machine`,
    );
  }
  if (propagation !== undefined) {
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    console.log();
    table(
      ["kill propagation, 3 replicas", "trials", "p50", "p99", "max", "kill's own answer p50", "p99"],
      [
        [
          "send kill → refused on the slowest",
          String(propagation.worst.length),
          ms(percentileOf(propagation.worst, 50)),
          ms(percentileOf(propagation.worst, 99)),
          ms(Math.max(...propagation.worst)),
          ms(percentileOf(propagation.acks, 50)),
          ms(percentileOf(propagation.acks, 99)),
        ],
      ],
    );
    console.log(`  ${describePropagation(propagation)}`);
  }
  if (audits.length > 0) {
    console.log();
    table(
      ["audit writers (processes)", "in flight each", "chained events/s", "plain inserts/s", "chained / plain", "whole log verifies"],
      audits.map((a) => [String(a.writers), String(a.inFlight), int(a.chained.rate), int(a.plain.rate), pct(a.chained.rate / a.plain.rate), a.verified]),
    );
    console.log(
      `  ${SECONDS} s each. chained: AuditLog as \`perimeter serve\` opens it (group commit at most every ${loaded.config.audit.groupCommitMs} ms, each commit under the head row's lock), all writers on one chain; plain: one INSERT per event into a scratch table, no chain, pool of ${loaded.config.store.poolSize} per process`,
    );
  }

  // ---------- extrapolation ----------
  const ceiling = Math.max(...audits.filter((a) => a.writers === 3).map((a) => a.chained.rate));
  if (one !== undefined && Number.isFinite(ceiling)) {
    const perCore = 1e6 / one.cpu.gateway;
    const bound = (x: number) =>
      x > ceiling
        ? `capped at ${int(ceiling)} calls/s by the audit chain: the audit log is the bottleneck`
        : `below the audit chain's ${int(ceiling)} events/s: the gateways' CPU is the bottleneck`;
    console.log();
    console.log(
      `extrapolation (assumes throughput linear in cores, which 2 shared cores cannot show): 1 replica spent ${us(one.cpu.gateway)} gateway CPU µs per answered call → ${int(perCore)} calls/s per core. Every call is one audit event on the one chain; 3 writer processes appended at most ${int(ceiling)} events/s here (PostgreSQL on these same ${availableParallelism()} cores).`,
    );
    console.log(`  one 16-core replica (serve --workers 16): ${int(perCore * 16)} calls/s; ${bound(perCore * 16)}`);
    console.log(`  10 such replicas (160 cores): ${int(perCore * 160)} calls/s; ${bound(perCore * 160)}`);
    console.log(
      `  the shared PostgreSQL and Redis spent ${us(one.cpu.store)} CPU µs per call with 1 replica: ${(Math.min(perCore * 160, ceiling) * one.cpu.store * 1e-6).toFixed(1)} cores of theirs at ${int(Math.min(perCore * 160, ceiling))} calls/s`,
    );
  }
  for (const pr of profiles) {
    console.log(
      `\nCPU profile of replica ${pr.replica} over its whole life (start-up, warm-ups, kill trials included; 1 ms sampling; its figures above read worse)`,
    );
    summariseProfile(pr.file, pr.requests);
  }
} finally {
  await cleanUp();
}
