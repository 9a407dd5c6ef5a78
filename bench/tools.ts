// Tool gateway overhead: the same MCP tool call (echo, through the official SDK client) made directly to a tool
// server and through Perimeter's /mcp — authentication, pin check, a constraint, Cedar, limits, a per-call JWT
// minted, the guards on the result and an audit event — measured in one run. The tool server and Perimeter run
// in processes of their own; the agents (one SDK client session each) run here.
//
// For each target: per-call latency at a fixed rate (open loop: calls sent on a schedule, p50/p99 from send to
// result), then the most calls per second with BENCH_CONCURRENCY calls in flight. Target: ≤ 1 ms added at p50 and
// ≤ 5 ms at p99, at 200 calls/s.
//
// Usage: npx tsx bench/tools.ts
//   BENCH_SECONDS=10      length of each measured phase
//   BENCH_RATE=200        the fixed rate, calls per second
//   BENCH_CONCURRENCY=16  calls in flight for the throughput phase
//   BENCH_STORE_DIR=/dev/shm  Perimeter's SQLite store there (e.g. tmpfs)
//   BENCH_PROFILE=1       V8 CPU profile of the Perimeter process after its warm-up, summarised per call
import { type ChildProcess, spawn } from "node:child_process";
import { setMaxListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { int, num, signed, summarise, table } from "./lib/load.js";
import { summariseProfile } from "./lib/profile.js";

// The SDK client's transport hands one AbortSignal to every fetch, and fetch lets go of its listener only when
// the request is collected: thousands of calls on one session trip Node's leak warning in this process.
setMaxListeners(0);

const SECONDS = num("BENCH_SECONDS", 10);
const RATE = num("BENCH_RATE", 200);
const CONCURRENCY = Math.round(num("BENCH_CONCURRENCY", 16));
const PROFILE = process.env["BENCH_PROFILE"] === "1";
const CHILD = fileURLToPath(new URL("./tools-child.ts", import.meta.url));

interface Started {
  readonly proc: ChildProcess;
  readonly info: { url: string; key?: string };
}

async function child(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    rl.once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)));
  });
  return { proc, info: JSON.parse(line) as Started["info"] };
}

async function agent(url: string, key?: string): Promise<Client> {
  const client = new Client({ name: "bench-agent", version: "1.0.0" });
  const headers: Record<string, string> = key === undefined ? {} : { Authorization: `Bearer ${key}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function call(client: Client, name: string, i: number): Promise<void> {
  const result = await client.callTool({ name, arguments: { text: `call ${i}` } });
  const content = result.content as { text?: string }[];
  if (result.isError === true || content[0]?.text !== `call ${i}`) throw new Error(`unexpected result: ${JSON.stringify(result)}`);
}

/** Calls sent on a fixed schedule, whatever the answers' pace (open loop); latency in ns. */
async function fixedRate(client: Client, name: string, rate: number, seconds: number): Promise<{ samples: number[]; errors: number }> {
  const samples: number[] = [];
  let errors = 0;
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const t0 = process.hrtime.bigint();
    pending.push(
      call(client, name, i).then(
        () => void samples.push(Number(process.hrtime.bigint() - t0)),
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  return { samples, errors };
}

/** As many calls as CONCURRENCY workers make in `seconds` (closed loop). */
async function throughput(client: Client, name: string, seconds: number): Promise<{ perSecond: number; errors: number }> {
  let done = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < end; i++)
      await call(client, name, w * 1_000_000 + i).then(
        () => void done++,
        () => void errors++,
      );
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  return { perSecond: (done * 1000) / (performance.now() - t0), errors };
}

const dir = mkdtempSync(join(tmpdir(), "perimeter-bench-tools-"));
const server = await child(["server"]);
const profileFile = join(dir, "perimeter.cpuprofile");
const perimeter = await child(["perimeter", server.info.url, dir], PROFILE ? { BENCH_PROFILE_FILE: profileFile } : {});
let calls = 0;
try {
  const direct = await agent(server.info.url);
  const gateway = await agent(perimeter.info.url, perimeter.info.key);
  const targets = [
    { name: "direct", client: direct, tool: "echo" },
    { name: "perimeter", client: gateway, tool: "bench__echo" },
  ];
  console.log(`tool calls (echo) through the MCP SDK client: ${RATE} calls/s for ${SECONDS} s, then ${CONCURRENCY} in flight for ${SECONDS} s`);
  const rows: { name: string; p50: number; p99: number; avg: number; perSecond: number; errors: number }[] = [];
  for (const t of targets) {
    // Warm-up: connections, JIT, the gateway's caches.
    await fixedRate(t.client, t.tool, RATE, 2);
    if (PROFILE && t.name === "perimeter") perimeter.proc.kill("SIGUSR2");
    const latency = await fixedRate(t.client, t.tool, RATE, SECONDS);
    const max = await throughput(t.client, t.tool, SECONDS);
    const s = summarise(latency.samples);
    rows.push({ name: t.name, p50: s.p50, p99: s.p99, avg: s.avg, perSecond: max.perSecond, errors: latency.errors + max.errors });
    if (t.name === "perimeter") calls = latency.samples.length + Math.round(max.perSecond * SECONDS);
  }
  const base = rows[0] as (typeof rows)[number];
  table(
    ["target", "p50 µs", "p99 µs", "avg µs", "added p50 µs", "added p99 µs", "max calls/s", "errors"],
    rows.map((r) => [
      r.name,
      int(r.p50),
      int(r.p99),
      int(r.avg),
      r === base ? "" : signed(r.p50 - base.p50),
      r === base ? "" : signed(r.p99 - base.p99),
      int(r.perSecond),
      String(r.errors),
    ]),
  );
  const g = rows[1] as (typeof rows)[number];
  console.log(
    `\ntarget ≤ 1,000 µs added at p50 and ≤ 5,000 µs at p99 (${RATE} calls/s): added ${int(g.p50 - base.p50)} µs p50, ${int(g.p99 - base.p99)} µs p99`,
  );
  await direct.close();
  await gateway.close();
} finally {
  server.proc.kill();
  const exited = new Promise((resolve) => perimeter.proc.once("exit", resolve));
  perimeter.proc.kill();
  await exited;
  if (PROFILE) summariseProfile(profileFile, calls, " src/");
  rmSync(dir, { recursive: true, force: true });
}
