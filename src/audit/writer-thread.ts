import type { KeyObject } from "node:crypto";
import type { Worker } from "node:worker_threads";
import type { RemoteWitnessConfig } from "../config/schema.js";
import { ERROR_CODES, PerimeterError, type ErrorCode } from "../errors.js";
import type { OpenStoreOptions } from "../store/store.js";
import { startWorker, workerModule } from "../worker-pool.js";
import type { AuditCommit, AuditCommitter, AuditCommitterOptions, Placement } from "./committer.js";
import type { EventFields } from "./event.js";
import type { WriterData } from "./writer-worker.js";

// The audit log's commits on a thread of their own. On the embedded SQLite store a durable commit is a
// synchronous fsync (half a millisecond to several on a shared disk): on the thread that answers requests
// it would stall every call in flight. Here it stalls only the writer; appends keep queueing meanwhile and
// go in the next commit together. Events go over as fields; what comes back is where each was placed.

export interface WriterRequest {
  readonly id: number;
  readonly batch: readonly EventFields[];
  readonly force: boolean;
  /** Only wait until the witnesses hold the newest head (before the thread is stopped). */
  readonly flush?: boolean;
}

export type WriterReply =
  | { readonly type: "done"; readonly id: number; readonly placed: readonly Placement[]; readonly size: number; readonly root: string; readonly note: string }
  | { readonly type: "error"; readonly id: number; readonly code: string | undefined; readonly message: string };

interface Waiting {
  resolve(c: AuditCommit): void;
  reject(err: unknown): void;
}

export class ThreadAuditCommitter implements AuditCommitter {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closed = false;

  constructor(
    private readonly store: OpenStoreOptions,
    private readonly key: KeyObject,
    private readonly options: AuditCommitterOptions,
    private readonly witnessFile?: string,
    /** Remote witnesses as configured (plain data): the thread builds them and reads their credentials from its environment. */
    private readonly remoteWitnesses: readonly RemoteWitnessConfig[] = [],
  ) {}

  commit(batch: readonly EventFields[], force: boolean): Promise<AuditCommit> {
    if (this.closed) return Promise.reject(new PerimeterError("STORE_UNAVAILABLE", "the audit event was not recorded: the audit log is closed"));
    return new Promise<AuditCommit>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      const worker = this.started();
      // Held open only while a commit is outstanding: an idle writer never keeps the process alive.
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ id, batch, force } satisfies WriterRequest);
    });
  }

  /** Ask the writer thread to wait for its witness writes; nothing to wait for when it never started. */
  flushWitness(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve: () => resolve(), reject: () => resolve() });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ id, batch: [], force: false, flush: true } satisfies WriterRequest);
    });
  }

  async close(): Promise<void> {
    // Let the last head reach the witnesses before the thread is stopped.
    await this.flushWitness();
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
    this.failAll("the audit log was closed before the commit finished");
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const data: WriterData = {
      store: this.store,
      key: this.key,
      options: {
        origin: this.options.origin,
        checkpointEvery: this.options.checkpointEvery,
        checkpointSeconds: this.options.checkpointSeconds,
        witnessIntervalMs: this.options.witnessIntervalMs ?? 0,
      },
      witnessFile: this.witnessFile,
      remoteWitnesses: this.remoteWitnesses,
    };
    const worker = startWorker(workerModule(import.meta.url, "writer-worker"), data);
    worker.on("message", (reply: WriterReply) => this.settle(reply));
    // A writer that fails is replaced on the next commit; what it held is refused, never assumed written.
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(why);
    };
    worker.on("error", (err) => lost(`the audit writer thread failed: ${err.message}`));
    worker.on("exit", (code) => lost(`the audit writer thread stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(reply: WriterReply): void {
    const w = this.waiting.get(reply.id);
    if (w === undefined) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (reply.type === "error") {
      const code = reply.code !== undefined && reply.code in ERROR_CODES ? (reply.code as ErrorCode) : "STORE_UNAVAILABLE";
      w.reject(
        new PerimeterError(
          code,
          code === "STORE_UNAVAILABLE" && reply.code === undefined ? `the audit event was not recorded: ${reply.message}` : reply.message,
        ),
      );
      return;
    }
    w.resolve({ placed: reply.placed, size: reply.size, root: reply.root, note: reply.note });
  }

  private failAll(why: string): void {
    const err = new PerimeterError("STORE_UNAVAILABLE", `the audit event was not recorded: ${why}`);
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
