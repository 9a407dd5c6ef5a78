import { PerimeterError } from "../errors.js";
import type { Store } from "../store/store.js";
import type { AuditSigner, SignedCheckpoint } from "./checkpoint.js";
import type { AuditWitness } from "./witness.js";
import { InlineAuditCommitter, type AuditCommitter, type AuditCommitterOptions, type Placement } from "./committer.js";
import { AUDIT_DECISIONS, MAX_DETAILS_BYTES, canonicalDetails, toAuditEvent, type AuditEvent, type AuditEventInput, type EventFields } from "./event.js";

export interface AuditLogOptions extends AuditCommitterOptions {
  /** Events written in one transaction at most when callers append concurrently. */
  readonly maxBatch?: number;
  /**
   * Events waiting for their commit at most. Past it an append is refused (STORE_UNAVAILABLE): a log that
   * has fallen this far behind is failing, and whatever must be audited must stop, not pile up in memory.
   */
  readonly maxPending?: number;
  /**
   * Commit at most once per this many milliseconds (default 0): appends that arrive meanwhile wait and go
   * in together. The first append after a quiet spell commits at once.
   */
  readonly groupCommitMs?: number;
  /** Where each checkpoint is also written, outside the database (see witness.ts). */
  readonly witnesses?: readonly AuditWitness[];
}

interface Pending {
  readonly fields: EventFields;
  /** Called with where the event went once its commit is durable. */
  placed(at: Placement): void;
  reject(err: unknown): void;
}

/**
 * The append-only audit log. Each commit holds the log's write lock (across every process on the
 * database), links each event to the one before, extends the Merkle tree and signs the new tree head.
 * A promise resolves only after its commit is durable: an acknowledged event survives a crash.
 * Appends made while a commit is in flight, or within groupCommitMs of the last commit, are grouped into
 * the next one. The commit itself runs inline or on a writer thread (see AuditCommitter).
 */
export class AuditLog {
  private readonly queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private inFlight = 0;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private readonly committer: AuditCommitter;

  constructor(
    private readonly store: Store,
    signer: AuditSigner,
    private readonly options: AuditLogOptions,
    committer?: AuditCommitter,
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxPending = options.maxPending ?? 50_000;
    this.committer = committer ?? new InlineAuditCommitter(() => store.auditRepository(), signer, options, options.witnesses ?? []);
  }

  /** Events accepted and not yet committed. */
  get backlog(): number {
    return this.queue.length + this.inFlight;
  }

  /** How long the commit in progress has been running (ms; 0 when none is): a commit that hangs shows here. */
  get commitAgeMs(): number {
    return this.inFlight === 0 ? 0 : performance.now() - this.lastCommitAt;
  }

  /** Append an event; resolves with it as stored once its commit is durable. */
  append(input: AuditEventInput): Promise<AuditEvent> {
    return this.enqueue(
      input,
      (fields, resolve: (e: AuditEvent) => void) => (at) => resolve(toAuditEvent({ ...fields, seq: at[0], time: at[1], prev_hash: at[2], hash: at[3] })),
    );
  }

  /** Append an event; resolves with its sequence number once its commit is durable. For hot paths. */
  record(input: AuditEventInput): Promise<number> {
    return this.enqueue(input, (_fields, resolve: (seq: number) => void) => (at) => resolve(at[0]));
  }

  /** Append an event; resolves with where it was placed (seq, time, prev_hash, hash) once its commit is durable. */
  place(input: AuditEventInput): Promise<Placement> {
    return this.enqueue(input, (_fields, resolve: (at: Placement) => void) => (at) => resolve(at));
  }

  private enqueue<T>(input: AuditEventInput, onPlaced: (fields: EventFields, resolve: (value: T) => void) => (at: Placement) => void): Promise<T> {
    let fields: EventFields;
    try {
      fields = validate(input);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.backlog >= this.maxPending) {
      return Promise.reject(
        new PerimeterError("STORE_UNAVAILABLE", `the audit event was not recorded: ${this.backlog} events are still waiting for the store to commit them`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fields, placed: onPlaced(fields, resolve), reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves when every append made so far has been committed (and witnessed) or has failed. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    await this.committer.flushWitness();
  }

  /** Commit what is queued, then stop the writer (a writer thread, if the log has one). */
  async close(): Promise<void> {
    await this.flush();
    await this.committer.close();
  }

  /** Store a signed checkpoint of the whole log now; undefined when the log is empty. */
  async checkpoint(): Promise<SignedCheckpoint | undefined> {
    await this.flush();
    const c = await this.committer.commit([], true);
    if (c.size === 0) return undefined;
    return { origin: this.options.origin, size: c.size, root: Buffer.from(c.root, "hex"), note: c.note };
  }

  /** Checkpoint if checkpointSeconds have passed since the last one and events were added since. */
  async checkpointIfDue(now = Date.now()): Promise<SignedCheckpoint | undefined> {
    const head = await this.store.db.selectFrom("audit_head").select(["size", "checkpointed_size", "checkpointed_at"]).where("id", "=", 1).executeTakeFirst();
    if (head === undefined || head.size === head.checkpointed_size) return undefined;
    if (now - Date.parse(head.checkpointed_at) < this.options.checkpointSeconds * 1000) return undefined;
    return this.checkpoint();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const wait = this.lastCommitAt + (this.options.groupCommitMs ?? 0) - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        this.lastCommitAt = performance.now();
        const batch = this.queue.splice(0, this.maxBatch);
        this.inFlight = batch.length;
        try {
          const c = await this.committer.commit(
            batch.map((p) => p.fields),
            false,
          );
          batch.forEach((p, i) => {
            const at = c.placed[i];
            if (at === undefined) p.reject(new PerimeterError("INTERNAL", "the audit writer placed fewer events than it was given"));
            else p.placed(at);
          });
        } catch (err) {
          const wrapped =
            err instanceof PerimeterError
              ? err
              : new PerimeterError("STORE_UNAVAILABLE", `the audit event was not recorded: ${(err as Error).message}`, {
                  cause: err,
                });
          for (const p of batch) p.reject(wrapped);
        } finally {
          this.inFlight = 0;
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

const TEXT_LIMIT = 4096;

function validate(input: AuditEventInput): EventFields {
  const text = (name: string, value: unknown, allowEmpty = false): string => {
    if (typeof value !== "string" || (!allowEmpty && value.length === 0) || value.length > TEXT_LIMIT) {
      throw new PerimeterError("USAGE", `an audit event needs ${name} as a string of 1..${TEXT_LIMIT} characters`);
    }
    return value;
  };
  if (!AUDIT_DECISIONS.includes(input.decision)) {
    throw new PerimeterError("USAGE", `an audit event decision is one of ${AUDIT_DECISIONS.join(", ")}`);
  }
  let details: string;
  try {
    details = canonicalDetails(input.details);
  } catch (err) {
    throw new PerimeterError("USAGE", `audit event details are not JSON: ${(err as Error).message}`);
  }
  if (Buffer.byteLength(details) > MAX_DETAILS_BYTES) {
    throw new PerimeterError("USAGE", `audit event details exceed ${MAX_DETAILS_BYTES} bytes`);
  }
  return {
    actor: text("actor", input.actor),
    action: text("action", input.action),
    resource: text("resource", input.resource, true),
    decision: input.decision,
    reason: text("reason", input.reason ?? "", true),
    details,
  };
}
