import { PerimeterError } from "../errors.js";
import type { AuditAppendPlan, AuditHeadState } from "../store/audit-repository.js";
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

type EventFields = Omit<StoredAuditEvent, "seq" | "time" | "prev_hash" | "hash">;

interface Pending {
  readonly fields: EventFields;
  resolve(event: AuditEvent): void;
  reject(err: unknown): void;
}

/**
 * The append-only audit log. Each commit holds the log's write lock (across every process on the
 * database), links each event to the one before, extends the Merkle tree and signs the new tree head.
 * A promise resolves only after its commit is durable: an acknowledged event survives a crash.
 * Appends made while a commit is in flight are grouped into the next one.
 */
export class AuditLog {
  private readonly queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly maxBatch: number;
  /** The frontier this process last planned, reused when the head it is handed is still that one. */
  private lastFrontier: { text: string; frontier: MerkleFrontier } | undefined;

  constructor(
    private readonly store: Store,
    private readonly signer: AuditSigner,
    private readonly options: AuditLogOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 256;
  }

  append(input: AuditEventInput): Promise<AuditEvent> {
    let fields: EventFields;
    try {
      fields = validate(input);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<AuditEvent>((resolve, reject) => {
      this.queue.push({ fields, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves when every append made so far has been committed or has failed. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Store a signed checkpoint of the whole log now; undefined when the log is empty. */
  async checkpoint(): Promise<SignedCheckpoint | undefined> {
    await this.flush();
    const plan = await this.store.auditRepository().append((head) => this.plan(head, [], true));
    if (plan.head.size === 0) return undefined;
    return { origin: this.options.origin, size: plan.head.size, root: rootOf(plan.head.size, plan.head.frontier), note: plan.head.note };
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
          const plan = await this.store.auditRepository().append((head) => this.plan(head, batch, false));
          batch.forEach((p, i) => p.resolve(toAuditEvent(plan.rows[i] as StoredAuditEvent)));
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

  private frontierOf(head: AuditHeadState): MerkleFrontier {
    const last = this.lastFrontier;
    // Planning mutates the frontier it is given, so the cached one is copied; parsing and checking the
    // stored JSON on every commit cost more than the copy.
    if (last !== undefined && last.frontier.size === head.size && last.text === head.frontier) return MerkleFrontier.fromJSON(head.size, last.frontier.toJSON());
    return MerkleFrontier.fromJSON(head.size, parseFrontier(head.frontier));
  }

  /** Given the head, the rows, new head and checkpoint of one commit. Pure: it may run again on a newer head. */
  private plan(head: AuditHeadState, batch: readonly Pending[], forceCheckpoint: boolean): AuditAppendPlan {
    const frontier = this.frontierOf(head);
    const time = new Date().toISOString();
    let prev = head.last_hash;
    const rows: StoredAuditEvent[] = [];
    for (const [i, p] of batch.entries()) {
      const unsigned = { ...p.fields, seq: head.size + i + 1, time, prev_hash: prev };
      const leaf = eventHash(unsigned);
      frontier.append(leaf);
      prev = leaf;
      rows.push({ ...unsigned, hash: prev });
    }
    const size = frontier.size;
    const root = frontier.root();
    const frontierText = JSON.stringify(frontier.toJSON());
    this.lastFrontier = { text: frontierText, frontier };
    const note = size === 0 ? "" : this.signer.sign({ origin: this.options.origin, size, root }).note;

    const every = this.options.checkpointEvery;
    const crossed = Math.floor(size / every) > Math.floor(head.checkpointed_size / every);
    const stale = Date.parse(time) - Date.parse(head.checkpointed_at) >= this.options.checkpointSeconds * 1000;
    const due = size > head.checkpointed_size && (crossed || stale || forceCheckpoint);
    return {
      rows,
      head: {
        size,
        last_hash: prev,
        frontier: frontierText,
        note,
        checkpointed_size: due ? size : head.checkpointed_size,
        checkpointed_at: due ? time : head.checkpointed_at,
        updated_at: time,
      },
      checkpoint: due ? { tree_size: size, root_hash: root.toString("hex"), time, note } : undefined,
    };
  }
}

function rootOf(size: number, frontier: string): Buffer {
  return MerkleFrontier.fromJSON(size, parseFrontier(frontier)).root();
}

function parseFrontier(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === "string" && /^[0-9a-f]{64}$/.test(n))) {
    throw new PerimeterError("AUDIT_TAMPERED", "the audit log head is corrupt; run `perimeter audit verify`");
  }
  return parsed as string[];
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
