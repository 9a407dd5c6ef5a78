// Gateway overhead: a fast local upstream, and the same load against it in one run — directly; through a bare
// pass-through proxy (node:http + undici, the ceiling for any Node proxy on this machine); through the
// gateway with authentication, policy, limits and audit on; through Portkey's open-source gateway, a peer
// (@portkey-ai/gateway, provider openai with the upstream as custom host); and, when asked, through the
// gateway of an earlier build (BENCH_BASELINE_REF), so that a change's before and after are measured together.
// Each server runs in a process of its own; the load runs here. For each target: latency at a fixed rate
// (average and p99, µs), maximum req/s and CPU per request.
//
// Latency is measured by our own open-loop client (undici Pool, requests sent on a fixed schedule,
// process.hrtime.bigint() from send to the last byte of the body): autocannon records whole milliseconds and
// its overallRate sends each second's requests in a burst. Maximum throughput is autocannon's.
// Every response is checked: non-2xx answers and errors are counted and printed, never measured.
//
// Usage: npm run build && npx tsx bench/gateway.ts
//   BENCH_SECONDS=10          length of each measured phase (fixed rate; maximum throughput)
//   BENCH_ROUNDS=2            rounds over the targets, every other one in reverse order (latency: all rounds' samples;
//                             max req/s: best round)
//   BENCH_BASELINE_REF=HEAD~1 also measure the gateway built from this git ref (a temporary worktree beside this
//                             one, node_modules linked, `npm run build`; its own bench/gateway-perimeter.ts sets
//                             it up), as target "baseline"; e.g. the commit before a refactor
//   BENCH_PORTKEY=0           leave Portkey out
//   BENCH_WARMUP_SECONDS=2    warm-up per target (at full load, then at the fixed rate), not measured
//   BENCH_RATE=1000           the fixed rate, requests per second
//   BENCH_CONNECTIONS=10      keep-alive connections of the fixed-rate client
//   BENCH_MAX_CONNECTIONS=32  autocannon connections for maximum throughput
//   BENCH_STORE_DIR=/dev/shm  put the gateway's SQLite store there (default: beside the config, on disk), e.g.
//                             on tmpfs to see what the durable commits of the audit log cost
//   BENCH_PROFILE=gateway     V8 CPU profile of these processes (gateway, proxy, upstream, portkey, baseline;
//                             comma-separated)
//                             during their last maximum-throughput run, summarised (throughput then reads low)
//   BENCH_PROFILE_PHASE=rate  profile the fixed-rate run instead
//   BENCH_KEEP=1              keep the scratch directory (config, store, profiles)
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import {
  autocannon,
  fixedRate,
  gatewayConfigWriter,
  int,
  type Latency,
  type LoadRequest,
  maxThroughput,
  num,
  type Proc,
  signed,
  startGateway,
  startProc,
  startUpstream,
  summarise,
  type Throughput,
  table,
} from "./lib/load.js";
import { summariseProfile } from "./lib/profile.js";

const SECONDS = num("BENCH_SECONDS", 10);
const ROUNDS = Math.round(num("BENCH_ROUNDS", 2));
const WARMUP = num("BENCH_WARMUP_SECONDS", 2);
const RATE = num("BENCH_RATE", 1000);
const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 10));
const MAX_CONNECTIONS = Math.round(num("BENCH_MAX_CONNECTIONS", 32));
const STORE_DIR = process.env["BENCH_STORE_DIR"] || undefined;
const PROFILE_PHASE = process.env["BENCH_PROFILE_PHASE"] === "rate" ? "rate" : "max";
const BASELINE_REF = process.env["BENCH_BASELINE_REF"] || undefined;
const PORTKEY = process.env["BENCH_PORTKEY"] !== "0";
const PROFILE = new Set(
  (process.env["BENCH_PROFILE"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== ""),
);

const SERVED_MODEL = "bench-model";
const PATH = "/v1/chat/completions";
const BODY = JSON.stringify({ model: SERVED_MODEL, messages: [{ role: "user", content: "hello" }] });

type Name = "upstream" | "proxy" | "gateway" | "portkey" | "baseline";

// ---------- an earlier build, for before/after ----------

interface Baseline {
  readonly dir: string;
  readonly commit: string;
  readonly subject: string;
  remove(): void;
}

/** Check out `ref` into a temporary worktree, link this checkout's node_modules into it and build it. */
function buildBaseline(ref: string): Baseline {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  let commit: string;
  try {
    commit = git("rev-parse", "--verify", `${ref}^{commit}`);
  } catch {
    throw new Error(`BENCH_BASELINE_REF=${ref} is not a commit in ${root}; give a branch, tag, commit or e.g. HEAD~1`);
  }
  const subject = git("log", "-1", "--format=%h %s", commit).slice(0, 100);
  const parent = mkdtempSync(join(tmpdir(), "perimeter-bench-baseline-"));
  const dir = join(parent, "baseline");
  git("worktree", "add", "--detach", dir, commit);
  const remove = () => {
    try {
      git("worktree", "remove", "--force", dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      git("worktree", "prune");
    }
    rmSync(parent, { recursive: true, force: true });
  };
  try {
    if (!existsSync(join(dir, "bench", "gateway-perimeter.ts")))
      throw new Error(`${ref} (${subject}) has no bench/gateway-perimeter.ts to start its gateway with`);
    symlinkSync(realpathSync(join(root, "node_modules")), join(dir, "node_modules"));
    const started = performance.now();
    process.stdout.write(`building the baseline ${subject} in ${dir} … `);
    execFileSync("npm", ["run", "build"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    console.log(`${((performance.now() - started) / 1000).toFixed(0)} s`);
  } catch (err) {
    remove();
    const out = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(
      `cannot build the baseline ${ref}: ${out.message}\n${out.stdout?.toString().slice(-2000) ?? ""}${out.stderr?.toString().slice(-2000) ?? ""}`,
    );
  }
  return { dir, commit, subject, remove };
}

// ---------- the run ----------

const scratch = mkdtempSync(join(tmpdir(), "perimeter-bench-gateway-"));
const storeDir = STORE_DIR === undefined ? undefined : mkdtempSync(join(STORE_DIR, "perimeter-bench-store-"));
const procs: Proc<Name>[] = [];
let baseline: Baseline | undefined;
try {
  // The gateway's configuration, as an operator writes it: limits on (high enough never to refuse), the
  // default policy set, the audit log and the store beside the file. The baseline gets the same in a
  // directory of its own (its own store, keys and audit log).
  const writeGatewayConfig = gatewayConfigWriter();
  const writeConfig = (dir: string, db: string): string => writeGatewayConfig(dir, storeDir === undefined ? db : join(storeDir, db));
  const config = writeConfig(scratch, "perimeter.db");
  if (BASELINE_REF !== undefined) baseline = buildBaseline(BASELINE_REF);
  const upstream = await startUpstream(SERVED_MODEL);
  procs.push(upstream);
  const upstreamEnv = { BENCH_SERVED_MODEL: SERVED_MODEL, BENCH_UPSTREAM_URL: upstream.ready.url };
  const [proxy, gateway, portkey, before] = await Promise.all([
    startProc("proxy", "./gateway-proxy.ts", upstreamEnv),
    startGateway("gateway", { config, upstream, served: SERVED_MODEL }),
    PORTKEY ? startProc("portkey", "./gateway-portkey.ts", upstreamEnv, "ignore") : undefined,
    baseline === undefined
      ? undefined
      : startGateway("baseline", {
          config: writeConfig(join(scratch, "baseline"), "baseline.db"),
          upstream,
          served: SERVED_MODEL,
          file: join(baseline.dir, "bench", "gateway-perimeter.ts"),
        }),
  ]);
  for (const p of [proxy, gateway, portkey, before]) if (p !== undefined) procs.push(p);
  const keyOf = (p: Proc): string => {
    if (p.ready.key === undefined) throw new Error(`the ${p.name} reported no API key`);
    return p.ready.key;
  };
  // The same body for every target, and the same headers but for what a target needs to route the call:
  // each Perimeter gateway its own API key; Portkey its provider and custom host (it passes the key on).
  const headers = { "content-type": "application/json", authorization: `Bearer ${keyOf(gateway)}` };
  const portkeyHeaders = { ...headers, "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstream.ready.url}/v1` };

  interface Target {
    readonly name: Name | "direct";
    readonly url: string;
    readonly headers: Record<string, string>;
    /** The process the target is: its CPU per request is reported. */
    readonly server: Proc;
    readonly procs: readonly Proc[];
    /** A Perimeter gateway: its audit log is drained before each measured phase. */
    readonly audited: boolean;
  }
  const targets: Target[] = [
    { name: "direct", url: upstream.ready.url, headers, server: upstream, procs: [upstream], audited: false },
    { name: "proxy", url: proxy.ready.url, headers, server: proxy, procs: [upstream, proxy], audited: false },
    { name: "gateway", url: gateway.ready.url, headers, server: gateway, procs: [upstream, gateway], audited: true },
  ];
  if (before !== undefined)
    targets.push({
      name: "baseline",
      url: before.ready.url,
      headers: { ...headers, authorization: `Bearer ${keyOf(before)}` },
      server: before,
      procs: [upstream, before],
      audited: true,
    });
  if (portkey !== undefined)
    targets.push({ name: "portkey", url: portkey.ready.url, headers: portkeyHeaders, server: portkey, procs: [upstream, portkey], audited: false });
  type TargetName = Target["name"];
  const requestOf = (t: Target): LoadRequest => ({ path: PATH, headers: t.headers, body: BODY });

  console.log(
    `gateway bench: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}; load, upstream and proxy/gateway share them`,
  );
  console.log(
    `  fixed rate ${RATE} req/s over ${CONNECTIONS} keep-alive connections (own open-loop undici client, hrtime µs), ${SECONDS} s × ${ROUNDS} rounds`,
  );
  console.log(`  maximum: autocannon, ${MAX_CONNECTIONS} connections, ${SECONDS} s, best of ${ROUNDS} rounds; warm-up ${WARMUP} s + ${WARMUP} s per target`);
  for (const n of gateway.ready.notes ?? []) console.log(`  gateway: ${n}`);
  if (baseline !== undefined)
    console.log(`  baseline: the gateway built from ${BASELINE_REF} = ${baseline.subject}, set up by that commit's bench/gateway-perimeter.ts`);
  for (const n of before?.ready.notes ?? []) console.log(`  baseline: ${n}`);
  for (const n of portkey?.ready.notes ?? []) console.log(`  portkey: ${n}`);

  // Each target answers one request correctly before anything is measured.
  const pools = new Map<TargetName, Pool>();
  for (const t of targets) {
    const pool = new Pool(t.url, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
    pools.set(t.name, pool);
    const res = await pool.request({ method: "POST", path: PATH, headers: t.headers, body: BODY });
    const text = await res.body.text();
    let content: unknown;
    try {
      content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
    } catch {
      content = undefined;
    }
    if (res.statusCode !== 200 || typeof content !== "string")
      throw new Error(`${t.name} answered ${res.statusCode} ${text.slice(0, 300)}: not measuring that`);
  }
  console.log(`  every target answers 200 with a chat.completion\n`);

  /** Before a measured phase: wait until every Perimeter gateway's audit log has committed everything, then settle. */
  const audited = targets.filter((t) => t.audited).map((t) => t.server);
  const quiesce = async (): Promise<Map<Proc, { drainMs: number; stats: Record<string, number> }>> => {
    const out = new Map<Proc, { drainMs: number; stats: Record<string, number> }>();
    await Promise.all(
      audited.map(async (p) => {
        const start = performance.now();
        const stats = (await p.ask({ type: "stats" }, "stats")).stats;
        out.set(p, { drainMs: performance.now() - start, stats });
      }),
    );
    await sleep(300);
    return out;
  };
  const latency = new Map<TargetName, Latency[]>(targets.map((t) => [t.name, []]));
  const throughput = new Map<TargetName, Throughput[]>(targets.map((t) => [t.name, []]));
  const auditCounts: string[] = [];
  const profiles: Array<{ name: string; file: string; requests: number }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Every other round runs the targets in reverse: measured with identical code on both sides, the target
    // measured first read a p99 three times the other's, which is the order, not the code.
    for (const t of round % 2 === 1 ? targets : [...targets].reverse()) {
      const pool = pools.get(t.name) as Pool;
      if (round === 1) {
        const w = await autocannon({ url: `${t.url}${PATH}`, method: "POST", headers: t.headers, body: BODY, connections: MAX_CONNECTIONS, duration: WARMUP });
        await quiesce();
        const wl = await fixedRate(pool, requestOf(t), RATE, WARMUP);
        if (w.non2xx + w.errors + wl.non2xx + wl.errors > 0)
          console.log(
            `  warm-up of ${t.name}: ${w.non2xx + wl.non2xx} non-2xx, ${w.errors + wl.errors} errors${wl.firstFailure === undefined ? "" : ` (${wl.firstFailure})`}`,
          );
      }
      const watched = [...t.procs];
      const profiling = round === ROUNDS ? watched.filter((p) => PROFILE.has(p.name) && (p.name !== "upstream" || t.name === "direct")) : [];
      const profiled = async <T>(phase: "rate" | "max", run: () => Promise<T>, answered: (r: T) => number): Promise<T> => {
        const on = PROFILE_PHASE === phase ? profiling : [];
        for (const p of on) await p.ask({ type: "profile-start" }, "profiling");
        const result = await run();
        for (const p of on) {
          const file = join(scratch, `${p.name}-${t.name}-${phase}.cpuprofile`);
          await p.ask({ type: "profile-stop", file }, "profiled");
          profiles.push({
            name: `${p.name} (target ${t.name}), ${phase === "max" ? "maximum-throughput" : `fixed-rate (${RATE}/s)`} run of round ${round}`,
            file,
            requests: answered(result),
          });
        }
        return result;
      };

      await quiesce();
      for (const p of watched) await p.ask({ type: "loop" }, "loop");
      const l = await profiled(
        "rate",
        () => fixedRate(pool, requestOf(t), RATE, SECONDS),
        (r) => r.samples.length,
      );
      const loops: string[] = [];
      for (const p of watched) {
        const d = await p.ask({ type: "loop" }, "loop");
        loops.push(`${p.name} p99 ${int(d.p99)} µs, max ${int(d.max)} µs (heap ${d.heapMiB.toFixed(0)} MiB)`);
      }
      latency.get(t.name)?.push(l);
      const s = summarise(l.samples);
      await quiesce();
      const m = await profiled(
        "max",
        () => maxThroughput(t.url, requestOf(t), MAX_CONNECTIONS, SECONDS, watched),
        (r) => r.ok,
      );
      throughput.get(t.name)?.push(m);
      const cpu = Object.entries(m.cpuPerRequest)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(", ");
      console.log(
        `round ${round} ${t.name.padEnd(8)}  @${RATE}/s: avg ${int(s.avg)} µs  p99 ${int(s.p99)} µs  (${int(l.achievedRate)} req/s sent, non-2xx ${l.non2xx}, errors ${l.errors})   max: ${int(m.rps)} req/s (non-2xx ${m.non2xx}, errors ${m.errors}${m.statuses === "" ? "" : `, ${m.statuses}`}); CPU µs/req: ${cpu}`,
      );
      if (l.firstFailure !== undefined) console.log(`    first failure at the fixed rate: ${l.firstFailure}`);
      console.log(`    event-loop delay during the fixed rate: ${loops.join("; ")}`);
      const q = t.audited ? (await quiesce()).get(t.server) : undefined;
      if (q !== undefined) {
        // The audit log commits behind the answers: how long its backlog takes to drain after the maximum run.
        console.log(`    ${t.name} audit backlog after the maximum run committed in ${int(q.drainMs)} ms`);
        auditCounts.push(
          `${t.name} audit log (cumulative) after round ${round}: ${Object.entries(q.stats)
            .map(([k, v]) => `${k} ${int(v)}`)
            .join(", ")}`,
        );
      }
    }
  }

  // ---------- report ----------
  const fig = new Map<
    TargetName,
    { lat: ReturnType<typeof summarise>; rps: number; cpu: Record<string, number>; non2xx: number; errors: number; sent: number }
  >();
  for (const t of targets) {
    const ls = latency.get(t.name) ?? [];
    const ms = throughput.get(t.name) ?? [];
    const best = ms.reduce((a, b) => (b.rps > a.rps ? b : a));
    fig.set(t.name, {
      lat: summarise(ls.flatMap((l) => l.samples)),
      rps: best.rps,
      cpu: best.cpuPerRequest,
      non2xx: ls.reduce((a, l) => a + l.non2xx, 0) + ms.reduce((a, m) => a + m.non2xx, 0),
      errors: ls.reduce((a, l) => a + l.errors, 0) + ms.reduce((a, m) => a + m.errors, 0),
      sent: ls.reduce((a, l) => a + l.sent, 0),
    });
  }
  console.log();
  table(
    ["target", `avg µs @${RATE} rps`, `p99 µs @${RATE} rps`, "max req/s", "p50 µs", "p99.9 µs", "max µs", "CPU µs/req at max", "non-2xx", "errors"],
    targets.map((t) => {
      const f = fig.get(t.name);
      if (f === undefined) return [t.name];
      const server = t.server.name;
      const cpu = `${f.cpu[server]?.toFixed(0) ?? "?"} ${server}${t.name === "direct" ? "" : ` + ${f.cpu["upstream"]?.toFixed(0) ?? "?"} upstream`}`;
      return [t.name, int(f.lat.avg), int(f.lat.p99), int(f.rps), int(f.lat.p50), int(f.lat.p999), int(f.lat.max), cpu, int(f.non2xx), int(f.errors)];
    }),
  );
  const d = fig.get("direct");
  const p = fig.get("proxy");
  const g = fig.get("gateway");
  if (d !== undefined && p !== undefined && g !== undefined) {
    const addedAvg = g.lat.avg - d.lat.avg;
    const addedP99 = g.lat.p99 - d.lat.p99;
    const share = g.rps / p.rps;
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    console.log();
    console.log(
      `gateway added latency, average  ${int(addedAvg).padStart(6)} µs   (target <= 300 µs: ${verdict(addedAvg <= 300)})   [bare proxy adds ${int(p.lat.avg - d.lat.avg)} µs]`,
    );
    console.log(
      `gateway added latency, p99      ${int(addedP99).padStart(6)} µs   (target <= 2,000 µs: ${verdict(addedP99 <= 2000)})   [bare proxy adds ${int(p.lat.p99 - d.lat.p99)} µs]`,
    );
    console.log(
      `gateway max / bare proxy max    ${(share * 100).toFixed(0).padStart(6)} %    (target >= 80%: ${verdict(share >= 0.8)})   [${int(g.rps)} vs ${int(p.rps)} req/s]`,
    );
    // The peers and the earlier build, against the same direct and proxy figures of this run.
    for (const [name, label] of [
      ["baseline", `baseline (${BASELINE_REF})`],
      ["portkey", "portkey"],
    ] as const) {
      const o = fig.get(name);
      if (o === undefined) continue;
      const gCpu = g.cpu["gateway"] ?? Number.NaN;
      const oCpu = o.cpu[name] ?? Number.NaN;
      console.log(
        `${label} adds avg ${int(o.lat.avg - d.lat.avg)} µs, p99 ${int(o.lat.p99 - d.lat.p99)} µs; max ${int(o.rps)} req/s (${((o.rps / p.rps) * 100).toFixed(0)}% of the bare proxy); ${oCpu.toFixed(0)} CPU µs/req   [gateway: avg ${signed(addedAvg - (o.lat.avg - d.lat.avg))} µs, p99 ${signed(addedP99 - (o.lat.p99 - d.lat.p99))} µs, max ${signed(((g.rps - o.rps) / o.rps) * 100)}%, CPU ${signed(gCpu - oCpu)} µs/req against it]`,
      );
    }
  }
  console.log(`\nlatency samples, all rounds: ${targets.map((t) => `${t.name} ${int(fig.get(t.name)?.lat.n ?? 0)}`).join(", ")}; max req/s: best round`);
  for (const line of auditCounts) console.log(line);

  for (const pr of profiles) {
    console.log(`\nCPU profile: ${pr.name} (100 µs sampling; that run's figures read worse)`);
    summariseProfile(pr.file, pr.requests);
  }
  for (const pool of pools.values()) await pool.close();
} finally {
  for (const proc of procs.reverse()) await proc.stop();
  baseline?.remove();
  if (process.env["BENCH_KEEP"] === undefined) {
    rmSync(scratch, { recursive: true, force: true });
    if (storeDir !== undefined) rmSync(storeDir, { recursive: true, force: true });
  } else console.log(`kept ${scratch} ${storeDir ?? ""}`);
}
