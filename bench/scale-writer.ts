// One audit writer of bench/scale.ts, in a process of its own as a gateway replica is: it opens the store named
// by PERIMETER_CONFIG and the audit log as `perimeter serve` does (group commit, audit.groupCommitMs), and on
// "go" keeps BENCH_IN_FLIGHT appends in flight for the given seconds, then reports how many were committed.
// BENCH_WRITER_MODE=plain: the baseline instead, one plain INSERT per event into the scratch table
// plain_events (same columns as audit_events; no chain, no lock, no signature) over a pool of store.poolSize.
import { randomBytes } from "node:crypto";
import pg from "pg";

const dist = (p: string) => new URL(`../dist/${p}`, import.meta.url).href;
const { loadConfig } = (await import(dist("config/load.js"))) as typeof import("../src/config/load.js");
const { openStoreFor } = (await import(dist("cli/context.js"))) as typeof import("../src/cli/context.js");
const { openAuditLog } = (await import(dist("audit/index.js"))) as typeof import("../src/audit/index.js");
const { canonicalDetails } = (await import(dist("audit/event.js"))) as typeof import("../src/audit/event.js");

export type ToWriter = { readonly type: "go"; readonly seconds: number } | { readonly type: "stop" };
export type FromWriter =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly count: number; readonly seconds: number }
  | { readonly type: "failed"; readonly message: string };

const MODE = process.env["BENCH_WRITER_MODE"] === "plain" ? "plain" : "chained";
const INDEX = Number(process.env["BENCH_WRITER_INDEX"] ?? "0");
const IN_FLIGHT = Number(process.env["BENCH_IN_FLIGHT"] ?? "64");
const send = (m: FromWriter): void => void process.send?.(m);
if (process.send === undefined) throw new Error("run this through bench/scale.ts: it talks to its parent over IPC");

/** What a gateway call's audit event looks like (bench/audit.ts's sample). */
const event = (i: number) => ({
  actor: "identity:id_bench",
  action: "gateway.call",
  resource: "model:bench-model@1",
  decision: "allow" as const,
  reason: "",
  details: { writer: INDEX, tokens: { prompt: 9, completion: 9 }, latencyMs: 1.7, i },
});

interface Writer {
  write(i: number): Promise<unknown>;
  close(): Promise<void>;
}

async function open(): Promise<Writer> {
  const loaded = loadConfig();
  if (MODE === "chained") {
    const store = await openStoreFor(loaded);
    const audit = openAuditLog(loaded, store, { thread: true }); // as `perimeter serve` opens it
    return {
      write: (i) => audit.record(event(i)),
      close: async () => {
        await audit.close();
        await store.close();
      },
    };
  }
  const { url, schema, poolSize } = loaded.config.store;
  if (url === undefined) throw new Error("the plain-insert baseline needs store.url (PostgreSQL)");
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path=${schema}` });
  const filler = randomBytes(32).toString("hex");
  const text =
    "insert into plain_events (seq, time, actor, action, resource, decision, reason, details, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
  return {
    write: (i) => {
      const e = event(i);
      // Rows of the same size as chained ones (two 64-character hashes), just not computed or linked.
      const values = [
        INDEX * 1e9 + i,
        new Date().toISOString(),
        e.actor,
        e.action,
        e.resource,
        e.decision,
        e.reason,
        canonicalDetails(e.details),
        filler,
        filler,
      ];
      return pool.query({ name: "plain_insert", text, values });
    },
    close: () => pool.end(),
  };
}

try {
  const writer = await open();
  let next = 0;
  // Warm up: the connection, the prepared statement, the JIT.
  for (let k = 0; k < 20; k++) await Promise.all(Array.from({ length: 8 }, () => writer.write(next++)));
  process.on("message", (m: ToWriter) => {
    void (async () => {
      if (m.type === "go") {
        const start = performance.now();
        const deadline = start + m.seconds * 1000;
        let count = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (performance.now() < deadline) {
              await writer.write(next++);
              count++;
            }
          }),
        );
        send({ type: "done", count, seconds: (performance.now() - start) / 1000 });
      } else if (m.type === "stop") {
        await writer.close();
        process.exit(0);
      }
    })().catch((err: unknown) => {
      send({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1);
    });
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready" });
} catch (err) {
  send({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
