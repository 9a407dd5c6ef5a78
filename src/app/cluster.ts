import cluster, { type Worker } from "node:cluster";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { PerimeterError } from "../errors.js";

// `perimeter serve --workers N`: N processes serve one port (node:cluster; the primary accepts connections and
// hands them round-robin to the workers, which run the whole gateway each). Workers share what must be shared
// through the store and Redis, as replicas on other machines do: the audit log (one chain, each commit under
// the database's lock), kills and revocations (pushed by PostgreSQL, relayed between workers here for
// SQLite), limits (Redis). The primary only forks, relays, restarts a worker that dies and stops them all.

/** A message between a worker and the primary: a table whose rows decide calls changed in the sender (SQLite). */
export const CHANGED_MESSAGE = "perimeter:changed";
/** From the primary to a worker: finish the calls in flight and stop. */
export const STOP_MESSAGE = "perimeter:stop";

export interface WorkerPlan {
  readonly workers: number;
  /** Why fewer processes than cores serve, when the count was not asked for. */
  readonly note?: string;
}

/**
 * How many processes serve: the number asked for, else one per usable core. State kept in one process's memory
 * cannot be split: limits without Redis (each process would admit the whole limit) and the tool gateway's
 * MCP sessions (a session opened on one process is unknown to the next). Asking for more than one then is
 * refused; by default one process serves, saying why.
 */
export function planWorkers(
  config: Config,
  asked: number | undefined,
  facts: { readonly cores?: number; readonly embeddedRuntimes?: number; readonly webhook?: boolean } = {},
): WorkerPlan {
  const split: string[] = [];
  const limits = [config.gateway.limits.identity, config.gateway.limits.model].some((l) => Object.values(l).some((v) => v !== undefined));
  if (limits && config.gateway.redisUrl === undefined)
    split.push("gateway.limits are kept in each process's memory without gateway.redisUrl, so every process would admit the whole limit");
  if (config.tools.servers.length > 0) split.push("the tool gateway's MCP sessions live in the process that opened them");
  // Its incidents, quorum and kill budget are counted per process: N processes would need N times the reach
  // to act, and could make N times the kills.
  if (config.evals.monitor.enabled) split.push("the live monitor (evals.monitor) counts incidents and kills in each process");
  if (asked !== undefined) {
    if (asked > 1 && split.length > 0)
      throw new PerimeterError("USAGE", `--workers ${asked} cannot serve this configuration: ${split.join("; ")}. Use --workers 1, or fix what it names`);
    return { workers: asked };
  }
  if (split.length > 0) return { workers: 1, note: `serving on one process: ${split.join("; ")}` };
  // The webhook answers the API server, a trickle; a server that takes it on is one process unless told otherwise.
  if (facts.webhook === true) return { workers: 1 };
  // An embedded llama.cpp runtime loads its models into each process that calls them, and uses every core itself.
  const embedded = facts.embeddedRuntimes ?? 0;
  if (embedded > 0)
    return {
      workers: 1,
      note: `serving on one process: ${embedded} embedded llama.cpp runtime(s) would load their models in every process (--workers N to choose)`,
    };
  return { workers: Math.max(1, facts.cores ?? usableCores()) };
}

/**
 * The cores this process may use: Node 20 counts the machine's, not a container's CPU quota (cgroup v2
 * cpu.max, v1 cfs_quota_us), which would start a process per host core throttled into two.
 */
export function usableCores(read: (path: string) => string | undefined = readText): number {
  const cores = availableParallelism();
  const v2 = read("/sys/fs/cgroup/cpu.max")?.trim().split(/\s+/);
  let quota: number | undefined;
  if (v2 !== undefined && v2[0] !== undefined && v2[0] !== "max") quota = Number(v2[0]) / Number(v2[1] ?? 100_000);
  else {
    const q = Number(read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
    const period = Number(read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
    if (q > 0 && period > 0) quota = q / period;
  }
  return quota !== undefined && Number.isFinite(quota) && quota > 0 ? Math.max(1, Math.min(cores, Math.ceil(quota))) : cores;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** Told the listening address once every worker listens. */
  onListening(address: { readonly address: string; readonly port: number }): void;
  /** Which of a worker's listeners is the gateway's (a worker may also serve the admission webhook). */
  readonly isGateway?: (address: { readonly address: string; readonly port: number }) => boolean;
}

/** A worker that dies this soon after it started counts towards giving up. */
const EARLY_EXIT_MS = 5000;
const MAX_EARLY_EXITS = 3;

/**
 * Run the primary: fork the workers, relay change messages between them, replace a worker that dies, and on
 * SIGINT or SIGTERM stop them all (each finishes its requests in flight). Resolves with the exit code: 0 after
 * a signal; a worker's own code when the workers fail before they all listen (a bad configuration stops
 * every one of them the same way) or keep dying at start.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options;
  return new Promise((resolve) => {
    let stopping = false;
    let listening = 0;
    let started = false;
    let earlyExits = 0;
    let exitCode = 0;
    const startedAt = new Map<Worker, number>();
    /** Workers whose gateway listens (and so hear the stop message). */
    const serving = new WeakSet<Worker>();
    const finish = (code: number): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(code);
    };
    // Workers stop when told to over their channel, not by a signal: Ctrl-C or a service manager signals the
    // whole process group, and a worker that took that and then a second one from here would stop at once.
    const stopAll = (): void => {
      for (const w of Object.values(cluster.workers ?? {})) {
        if (w === undefined) continue;
        if (w.isConnected()) w.send({ type: STOP_MESSAGE });
        // One still starting may not listen for the message yet; a signal stops it until it does.
        if (!w.isConnected() || !serving.has(w)) w.process.kill("SIGTERM");
      }
    };
    const alive = (): number => Object.values(cluster.workers ?? {}).filter((w) => w !== undefined && !w.isDead()).length;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal: stop now.
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
        return;
      }
      stopping = true;
      logger.info({ signal }, "stopping the workers");
      stopAll();
      if (alive() === 0) finish(exitCode);
    };
    const fork = (): void => {
      const w = cluster.fork();
      startedAt.set(w, performance.now());
      w.on("message", (m: unknown) => {
        if (m === null || typeof m !== "object" || (m as { type?: unknown }).type !== CHANGED_MESSAGE) return;
        // Passed on as it came: the worker that hears it reads the table's name itself.
        for (const other of Object.values(cluster.workers ?? {})) if (other !== undefined && other !== w && other.isConnected()) other.send(m);
      });
      w.on("listening", function onListening(address) {
        if (options.isGateway !== undefined && !options.isGateway({ address: address.address ?? "", port: address.port })) return;
        w.off("listening", onListening);
        serving.add(w);
        if (started) return;
        listening++;
        if (listening === options.workers) {
          started = true;
          options.onListening({ address: address.address ?? "", port: address.port });
        }
      });
      w.once("exit", (code, signal) => {
        const lived = performance.now() - (startedAt.get(w) ?? 0);
        startedAt.delete(w);
        if (stopping) {
          if (alive() === 0) finish(exitCode);
          return;
        }
        if (!started) {
          // Before every worker listens, a failure is the configuration's or the machine's: the others would
          // fail the same way. Stop them and exit as the worker did.
          stopping = true;
          exitCode = typeof code === "number" && code !== 0 ? code : 1;
          logger.error({ pid: w.process.pid, code, signal }, "a worker stopped before serving: stopping");
          stopAll();
          if (alive() === 0) finish(exitCode);
          return;
        }
        earlyExits = lived < EARLY_EXIT_MS ? earlyExits + 1 : 0;
        if (earlyExits >= MAX_EARLY_EXITS) {
          logger.error({ pid: w.process.pid, code, signal }, `workers died ${MAX_EARLY_EXITS} times within ${EARLY_EXIT_MS} ms of starting: stopping`);
          stopping = true;
          exitCode = 1;
          stopAll();
          if (alive() === 0) finish(exitCode);
          return;
        }
        logger.error({ pid: w.process.pid, code, signal }, "a worker died: starting another");
        fork();
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    for (let i = 0; i < options.workers; i++) fork();
  });
}

/** A worker's side of the cluster. */
export interface ClusterWorker {
  /** Tell the other workers that this table, which decides calls, changed here. */
  broadcast(table: string): void;
  /** Resolves (with why) when the primary says stop, or is gone. */
  readonly stopped: Promise<string>;
  close(): void;
}

/**
 * In a worker: hear the others' changes, tell them of ours, and stop when the primary says so or is gone (a
 * primary that is gone hands out no more connections). SIGINT and SIGTERM are the primary's to act on: a
 * worker only notes them, since a terminal or service manager signals every process of the group at once.
 */
export function joinCluster(onChange: (table: string | undefined) => void): ClusterWorker | undefined {
  if (!cluster.isWorker) return undefined;
  let stop: (why: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const hear = (m: unknown): void => {
    if (m === null || typeof m !== "object") return;
    const type = (m as { type?: unknown }).type;
    if (type === CHANGED_MESSAGE) {
      const table = (m as { table?: unknown }).table;
      onChange(typeof table === "string" ? table : undefined);
    } else if (type === STOP_MESSAGE) stop("the primary said stop");
  };
  const orphaned = (): void => stop("the primary is gone");
  const signalled = (): void => undefined;
  process.on("message", hear);
  process.once("disconnect", orphaned);
  process.on("SIGINT", signalled);
  process.on("SIGTERM", signalled);
  return {
    broadcast: (table) => {
      if (process.connected) process.send?.({ type: CHANGED_MESSAGE, table });
    },
    stopped,
    close: () => {
      process.off("message", hear);
      process.off("disconnect", orphaned);
      process.off("SIGINT", signalled);
      process.off("SIGTERM", signalled);
    },
  };
}
