// The IPC protocol between bench/gateway.ts and the processes it starts (upstream, bare proxy, gateway),
// and the part every child shares: report ready, answer stats, profile on demand, stop on request.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";

export interface Ready {
  readonly url: string;
  /** Gateway only: the API key of the bench identity and what it set up. */
  readonly key?: string;
  readonly notes?: readonly string[];
}

export type ToChild =
  | { readonly type: "stop" }
  | { readonly type: "stats" }
  | { readonly type: "cpu" }
  | { readonly type: "loop" }
  | { readonly type: "profile-start" }
  | { readonly type: "profile-stop"; readonly file: string };

export type FromChild =
  | { readonly type: "ready"; readonly ready: Ready }
  | { readonly type: "stats"; readonly stats: Record<string, number> }
  /** CPU time (user + system) this process has used so far, in microseconds. */
  | { readonly type: "cpu"; readonly us: number }
  /** Event-loop delay since the last "loop" request (µs): how long a ready callback waited for the thread. */
  | { readonly type: "loop"; readonly p99: number; readonly max: number; readonly heapMiB: number }
  | { readonly type: "profiling" }
  | { readonly type: "profiled"; readonly file: string }
  | { readonly type: "failed"; readonly message: string };

export interface Child {
  readonly ready: Ready;
  stats?(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const send = (m: FromChild): void => void process.send?.(m);

/** Start a child's server, then serve the parent's requests until it says stop. */
export async function runChild(start: () => Promise<Child>): Promise<void> {
  if (process.send === undefined) throw new Error("run this through bench/gateway.ts: it talks to its parent over IPC");
  let child: Child;
  try {
    child = await start();
  } catch (err) {
    send({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  }
  // In-process V8 profiler, started and stopped around exactly the phase the parent wants profiled.
  let session: Session | undefined;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  process.on("message", (m: ToChild) => {
    void (async () => {
      if (m.type === "cpu") {
        const u = process.cpuUsage();
        send({ type: "cpu", us: u.user + u.system });
      } else if (m.type === "loop") {
        send({ type: "loop", p99: loop.percentile(99) / 1000, max: loop.max / 1000, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 });
        loop.reset();
      } else if (m.type === "stats") send({ type: "stats", stats: (await child.stats?.()) ?? {} });
      else if (m.type === "profile-start") {
        session = new Session();
        session.connect();
        await session.post("Profiler.enable");
        await session.post("Profiler.setSamplingInterval", { interval: 100 });
        await session.post("Profiler.start");
        send({ type: "profiling" });
      } else if (m.type === "profile-stop" && session !== undefined) {
        const { profile } = await session.post("Profiler.stop");
        writeFileSync(m.file, JSON.stringify(profile));
        session.disconnect();
        session = undefined;
        send({ type: "profiled", file: m.file });
      } else if (m.type === "stop") {
        await child.close();
        process.exit(0);
      }
    })().catch((err: unknown) => {
      send({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1);
    });
  });
  // The parent went away without saying stop: do not linger.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", ready: child.ready });
}
