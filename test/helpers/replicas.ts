import { spawn, type ChildProcess } from "node:child_process";
import { get } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { cliEnv, PERIMETER_BIN } from "./cli.js";

// Gateway replicas as an operator runs them: each its own `perimeter serve` process on its own port, sharing
// the store (and Redis) named by one perimeter.yaml, with per-process environment (a database URL through a
// partition proxy, say).

export interface Replica {
  readonly url: string;
  readonly pid: number;
  /** What the process has written to stdout and stderr so far. */
  logs(): string;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, and wait for it to finish its calls and exit. */
  stop(): Promise<void>;
  /** Send a signal (SIGKILL: no chance to finish anything). */
  kill(signal: NodeJS.Signals): void;
}

export interface ReplicaOptions {
  readonly configFile: string;
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly workers?: number;
  /** Options for node itself (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Milliseconds to wait for /readyz to answer 200. */
  readonly readyWithinMs?: number;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** GET /readyz on a connection of its own (agent: false), so that each asks the next worker. */
function readyOnNewConnection(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${url}/readyz`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", () => resolve(false));
  });
}

export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), PERIMETER_BIN, "serve", "--host", "127.0.0.1", "--port", String(port), "--workers", String(options.workers ?? 1)],
    { cwd: options.cwd, env: cliEnv({ PERIMETER_CONFIG: options.configFile, ...options.env }), stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  // Each worker must be ready: readiness is asked on new connections, which the primary hands out in turn.
  const workers = options.workers ?? 1;
  let readyInARow = 0;
  for (;;) {
    if (gone) throw new Error(`the replica exited before it was ready:\n${output}`);
    const ready = await readyOnNewConnection(url);
    readyInARow = ready ? readyInARow + 1 : 0;
    if (readyInARow >= 2 * workers) break;
    if (ready) continue;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the replica was not ready within ${options.readyWithinMs ?? 60_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid as number,
    logs: () => output,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    async stop() {
      if (!gone) child.kill("SIGTERM");
      await exited;
    },
  };
}
