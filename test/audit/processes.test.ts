import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { auditVerifierKeys, verifyAuditLog } from "../../src/audit/index.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

interface Writer {
  readonly child: ChildProcess;
  readonly acks: number[];
  readonly ready: Promise<void>;
  go(): void;
  /** Resolves when the writer has printed at least n acks. */
  acked(n: number): Promise<void>;
  exited: Promise<number | null>;
}

function startWriter(env: TestEnv, actor: string, count: string, concurrency: number, writer: "inline" | "thread"): Writer {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/audit-writer.ts", actor, count, String(concurrency), writer], {
    env: env.env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const acks: number[] = [];
  let onReady: () => void = () => undefined;
  let onNotReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onNotReady = reject;
  });
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    if (line === "ready") onReady();
    const m = /^ack (\d+)$/.exec(line);
    if (m === null) return;
    acks.push(Number(m[1]));
    for (const w of waiters.filter((w) => acks.length >= w.n)) w.resolve();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // A writer that dies before it is ready fails the test at once (its error is on stderr), not by timeout.
  void exited.then((code) => onNotReady(new Error(`writer ${actor} exited (${code}) before it was ready`)));
  return {
    child,
    acks,
    ready,
    go: () => child.stdin?.write("go\n"),
    exited,
    acked: (n) =>
      new Promise<void>((resolve, reject) => {
        if (acks.length >= n) return resolve();
        waiters.push({ n, resolve });
        void exited.then((code) => reject(new Error(`writer exited (${code}) after ${acks.length} acks`)));
      }),
  };
}

// Each process commits inline, or as `perimeter serve` does on SQLite, on a writer thread of its own.
const MODES = STORE_KINDS.flatMap((kind) => [{ kind, writer: "inline" as const }, ...(kind === "sqlite" ? [{ kind, writer: "thread" as const }] : [])]);

describe.each(MODES)("audit log with several writer processes on $kind, committing $writer", ({ kind, writer: mode }) => {
  let env: TestEnv | undefined;
  afterEach(async () => {
    await env?.cleanup();
    env = undefined;
  });

  it("two processes appending at once produce one chain that verifies and holds every event", async () => {
    env = await createTestEnv(kind, { checkpointEvery: 50 });
    await (await env.open()).close(); // migrate once up front, so the writers race on appends, not on set-up
    // Enough events each that, even on a loaded machine, neither writer finishes before the other starts.
    const a = startWriter(env, "writer-a", "800", 4, mode);
    const b = startWriter(env, "writer-b", "800", 4, mode);
    await Promise.all([a.ready, b.ready]);
    a.go();
    b.go();
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    const store = await env.open();
    try {
      const report = await verifyAuditLog(store, auditVerifierKeys(env.loaded));
      expect(report).toMatchObject({ ok: true, events: 1600 });
      const rows = await store.db.selectFrom("audit_events").select(["seq", "actor"]).execute();
      const byActor = (actor: string) =>
        rows
          .filter((r) => r.actor === actor)
          .map((r) => r.seq)
          .sort((x, y) => x - y);
      expect(byActor("writer-a")).toEqual([...a.acks].sort((x, y) => x - y));
      expect(byActor("writer-b")).toEqual([...b.acks].sort((x, y) => x - y));
      // the two writers really interleaved rather than running one after the other
      const firstB = Math.min(...b.acks);
      expect(a.acks.some((s) => s > firstB)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("kill -9 of a writer mid-stream leaves a log that verifies and holds every acknowledged event", async () => {
    env = await createTestEnv(kind, { checkpointEvery: 64 });
    const writer = startWriter(env, "doomed", "forever", 3, mode);
    await writer.ready;
    writer.go();
    await writer.acked(300);
    writer.child.kill("SIGKILL");
    await writer.exited;
    const acknowledged = [...writer.acks];

    const store = await env.open();
    try {
      const report = await verifyAuditLog(store, auditVerifierKeys(env.loaded));
      expect(report.ok).toBe(true);
      expect(report.events).toBeGreaterThanOrEqual(acknowledged.length);
      const stored = new Set((await store.db.selectFrom("audit_events").select("seq").where("actor", "=", "doomed").execute()).map((r) => r.seq));
      expect(acknowledged.filter((s) => !stored.has(s))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
