import type { Kysely, Transaction } from "kysely";
import { PerimeterError } from "../errors.js";
import type { Database } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { AuditSigner, SignedCheckpoint } from "./checkpoint.js";
import {
  AUDIT_DECISIONS,
  MAX_DETAILS_BYTES,
  canonicalDetails,
  eventHash,
  toAuditEvent,
  type AuditEvent,
  type AuditEventInput,
  type StoredAuditEvent,
} from "./event.js";
import { MerkleFrontier } from "./merkle.js";

export interface AuditLogOptions {
  readonly origin: string;
  readonly checkpointEvery: number;
  readonly checkpointSeconds: number;
  /** Events written in one transaction at most when callers append concurrently. */
  readonly maxBatch?: number;
}

interface Pending {
  readonly row: Omit<StoredAuditEvent, "seq" | "time" | "prev_hash" | "hash">;
  resolve(event: AuditEvent): void;
  reject(err: unknown): void;
}

interface Head {
  size: number;
  last_hash: string;
  frontier: string;
  checkpointed_size: number;
  checkpointed_at: string;
}

/**
 * The append-only audit log. Every append is one transaction that locks the head row (so writers in any
 * number of processes form one chain), links each event to the previous one, extends the Merkle tree,
 * and signs the new tree head. A promise resolves only after its transaction committed: an acknowledged
 * event survives a crash. Concurrent appends from one process are grouped into one transaction.
 */
export class AuditLog {
  private readonly queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly maxBatch: number;

  constructor(
    private readonly store: Store,
    private readonly signer: AuditSigner,
    private readonly options: AuditLogOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 256;
  }

  append(input: AuditEventInput): Promise<AuditEvent> {
    let row: Pending["row"];
    try {
      row = validate(input);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<AuditEvent>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves when every append made so far has been committed or has failed. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Persist a signed checkpoint of the current tree now (no-op when the latest is already current). */
  async checkpoint(): Promise<SignedCheckpoint | undefined> {
    await this.flush();
    return this.store.db.transaction().execute(async (trx) => {
      const head = await lockHead(trx);
      if (head.size === 0) return undefined;
      const frontier = MerkleFrontier.fromJSON(head.size, parseFrontier(head.frontier));
      const signed = this.signer.sign({ origin: this.options.origin, size: head.size, root: frontier.root() });
      if (head.checkpointed_size !== head.size) await this.persistCheckpoint(trx, signed, new Date().toISOString());
      return signed;
    });
  }

  /** Checkpoint if checkpointSeconds have passed since the last one and events were added since. */
  async checkpointIfDue(now = Date.now()): Promise<SignedCheckpoint | undefined> {
    const head = await this.store.db
      .selectFrom("audit_head")
      .select(["size", "checkpointed_size", "checkpointed_at"])
      .where("id", "=", 1)
      .executeTakeFirst();
    if (head === undefined || head.size === head.checkpointed_size) return undefined;
    if (now - Date.parse(head.checkpointed_at) < this.options.checkpointSeconds * 1000) return undefined;
    return this.checkpoint();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const events = await this.commit(batch);
          batch.forEach((p, i) => p.resolve(events[i] as AuditEvent));
        } catch (err) {
          const wrapped =
            err instanceof PerimeterError
              ? err
              : new PerimeterError("STORE_UNAVAILABLE", `the audit event was not recorded: ${(err as Error).message}`, {
                  cause: err,
                });
          for (const p of batch) p.reject(wrapped);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private commit(batch: readonly Pending[]): Promise<AuditEvent[]> {
    return this.store.db.transaction().execute(async (trx) => {
      const head = await lockHead(trx);
      const frontier = MerkleFrontier.fromJSON(head.size, parseFrontier(head.frontier));
      const time = new Date().toISOString();
      let prev = head.last_hash;
      const rows: StoredAuditEvent[] = [];
      for (const [i, p] of batch.entries()) {
        const unsigned = { ...p.row, seq: head.size + i + 1, time, prev_hash: prev };
        const leaf = eventHash(unsigned);
        frontier.append(leaf);
        prev = leaf.toString("hex");
        rows.push({ ...unsigned, hash: prev });
      }
      await trx.insertInto("audit_events").values(rows).execute();

      const signed = this.signer.sign({ origin: this.options.origin, size: frontier.size, root: frontier.root() });
      await trx
        .updateTable("audit_head")
        .set({ size: frontier.size, last_hash: prev, frontier: JSON.stringify(frontier.toJSON()), note: signed.note, updated_at: time })
        .where("id", "=", 1)
        .execute();

      const every = this.options.checkpointEvery;
      const crossed = Math.floor(frontier.size / every) > Math.floor(head.checkpointed_size / every);
      const stale = Date.parse(time) - Date.parse(head.checkpointed_at) >= this.options.checkpointSeconds * 1000;
      if (crossed || stale) await this.persistCheckpoint(trx, signed, time);
      return rows.map(toAuditEvent);
    });
  }

  private async persistCheckpoint(trx: Transaction<Database>, signed: SignedCheckpoint, time: string): Promise<void> {
    await trx
      .insertInto("audit_checkpoints")
      .values({ tree_size: signed.size, root_hash: signed.root.toString("hex"), time, note: signed.note })
      .execute();
    await trx
      .updateTable("audit_head")
      .set({ checkpointed_size: signed.size, checkpointed_at: time })
      .where("id", "=", 1)
      .execute();
  }
}

/** Lock the head row for this transaction and read it. The write comes first so SQLite takes its write
 * lock (and waits on busy_timeout) before reading; PostgreSQL holds the row lock until commit. */
async function lockHead(trx: Kysely<Database>): Promise<Head> {
  const head = await trx
    .updateTable("audit_head")
    .set((eb) => ({ size: eb.ref("size") }))
    .where("id", "=", 1)
    .returning(["size", "last_hash", "frontier", "checkpointed_size", "checkpointed_at"])
    .executeTakeFirst();
  if (head === undefined) {
    throw new PerimeterError("AUDIT_TAMPERED", "the audit log head row is missing; run `perimeter audit verify`");
  }
  return head;
}

function parseFrontier(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === "string" && /^[0-9a-f]{64}$/.test(n))) {
    throw new PerimeterError("AUDIT_TAMPERED", "the audit log head is corrupt; run `perimeter audit verify`");
  }
  return parsed as string[];
}

const TEXT_LIMIT = 4096;

function validate(input: AuditEventInput): Pending["row"] {
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
