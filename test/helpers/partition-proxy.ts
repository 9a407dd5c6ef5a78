import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

// A TCP proxy on loopback that can cut a process off from a server the way a network partition does: while
// cut, nothing crosses in either direction and new connections are accepted but go nowhere (packets dropped,
// not refused: the process sees no error, only silence); once healed, what was held flows on and new
// connections reach the server, as TCP does when a link comes back before its timeouts.
//
// It runs in a process of its own, as a network element would: in the test's process every byte the proxied
// replica sends its database would wait on the test's own event loop (busy sending load), a delay no real
// network adds — it once made that replica the slowest to apply a kill.

export interface PartitionProxy {
  /** host:port to connect to instead of the server. */
  readonly port: number;
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

const PROCESS = fileURLToPath(new URL("./partition-proxy-process.mjs", import.meta.url));

function reply<T>(child: ChildProcess, accept: (m: Record<string, unknown>) => T | undefined, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      const value = accept(m);
      if (value === undefined) return;
      done();
      resolve(value);
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`the partition proxy exited (${code}) before it ${what}`));
    };
    const done = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

export async function startPartitionProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<PartitionProxy> {
  const child = fork(PROCESS, [String(targetPort), targetHost], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await reply(child, (m) => (typeof m.port === "number" ? m.port : undefined), "listened");
  const act = (action: "cut" | "heal") => {
    const done = reply(child, (m) => (m.done === action ? true : undefined), `said it had ${action === "cut" ? "cut" : "healed"} the link`);
    child.send(action);
    return done.then(() => undefined);
  };
  return {
    port,
    cut: () => act("cut"),
    heal: () => act("heal"),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
