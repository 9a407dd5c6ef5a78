import { Worker } from "node:worker_threads";
import { PerimeterError } from "./errors.js";

// Runs independent tasks on worker threads. A worker module sits beside its caller: compiled .js in
// dist/, or .ts when running from source (tests, benches), which then loads through tsx.

export interface WorkerModule {
  readonly url: URL;
  /** From source: register tsx in the worker before importing the module. */
  readonly viaTsx: boolean;
}

export function workerModule(callerUrl: string, name: string): WorkerModule {
  if (callerUrl.endsWith(".ts")) return { url: new URL(`./${name}.ts`, callerUrl), viaTsx: true };
  return { url: new URL(`./${name}.js`, callerUrl), viaTsx: false };
}

/**
 * A worker's heap limits, the same from sources (tests, through tsx) as from the build: a tsx worker left with
 * Node's defaults crashed the whole process (V8 "unreachable code" in the deoptimizer, Node 20) within a few
 * Cedar policy checks of 2,000 policies — the "worker exited unexpectedly" of earlier CI runs.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 64 };

export function startWorker(module: WorkerModule, workerData: unknown): Worker {
  if (!module.viaTsx) return new Worker(module.url, { workerData, resourceLimits: RESOURCE_LIMITS });
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(module.url.href)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits: RESOURCE_LIMITS });
}

type FromWorker<R> = { type: "ready" } | { type: "result"; id: number; result: R } | { type: "error"; id: number; message: string };

/**
 * Run every task on `size` workers; resolves with results in task order, rejects on the first failure, and
 * with timeoutMs, rejects (and stops the workers) when they have not finished by then.
 */
export async function runOnWorkers<T, R>(module: WorkerModule, workerData: unknown, tasks: readonly T[], size: number, timeoutMs?: number): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  let next = 0;
  const workers: Worker[] = [];
  let timer: NodeJS.Timeout | undefined;
  const late =
    timeoutMs === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new PerimeterError("INTERNAL", `the work did not finish within ${timeoutMs} ms and was stopped`)), timeoutMs);
        });
  try {
    const all = Promise.all(
      Array.from({ length: Math.max(1, Math.min(size, tasks.length)) }, () => {
        const worker = startWorker(module, workerData);
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          const give = () => {
            if (next >= tasks.length) return resolve();
            const id = next++;
            worker.postMessage({ type: "task", id, task: tasks[id] });
          };
          worker.on("message", (msg: FromWorker<R>) => {
            if (msg.type === "error") return reject(new PerimeterError("INTERNAL", `a worker failed: ${msg.message}`));
            if (msg.type === "result") results[msg.id] = msg.result;
            give();
          });
          worker.on("error", (err) => reject(new PerimeterError("INTERNAL", `a worker failed: ${err.message}`, { cause: err })));
          worker.on("exit", (code) => {
            if (next < tasks.length || code !== 0) reject(new PerimeterError("INTERNAL", `a worker exited early (code ${code})`));
          });
        });
      }),
    );
    await (late === undefined ? all : Promise.race([all, late]));
    return results;
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
