import { PerimeterError } from "../errors.js";
import type { AuditAppendPlan, AuditHeadState, AuditRepository } from "../store/audit-repository.js";
import type { AuditSigner } from "./checkpoint.js";
import { eventHash, type EventFields, type StoredAuditEvent } from "./event.js";
import { MerkleFrontier } from "./merkle.js";
import { witnessStep, type AuditWitness, type WitnessedCheckpoint } from "./witness.js";

// The part of the audit log that holds the write lock: link each event to the one before, extend the
// Merkle tree, sign the new head, store it all in one durable commit. AuditLog feeds it batches; it runs
// on the caller's thread or, for the embedded SQLite store in a server, on a writer thread of its own
// (writer-thread.ts) so that no durable commit ever blocks the event loop that answers requests.

export interface AuditCommitterOptions {
  readonly origin: string;
  readonly checkpointEvery: number;
  readonly checkpointSeconds: number;
  /**
   * At most one witness write per this many ms (the newest head then); 0: after every commit. A write
   * reads the witness back, checks the log extends it and fsyncs a file: after every group commit that
   * was a quarter of the gateway's CPU per call at full load. close() and flushWitness() write at once.
   */
  readonly witnessIntervalMs?: number;
}

/** Where a committed event was placed: seq, time, prev_hash, hash. */
export type Placement = readonly [number, string, string, string];

/** What one commit made: where each event of the batch went, in order, and the new signed head. */
export interface AuditCommit {
  readonly placed: readonly Placement[];
  readonly size: number;
  /** Merkle root of the log after the commit, hex. */
  readonly root: string;
  readonly note: string;
}

export interface AuditCommitter {
  /** Commit a batch (possibly empty) durably; `forceCheckpoint` stores a checkpoint of the new head. */
  commit(batch: readonly EventFields[], forceCheckpoint: boolean): Promise<AuditCommit>;
  /** Resolves when the witnesses hold the newest head committed so far, or failed to take it. */
  flushWitness(): Promise<void>;
  close(): Promise<void>;
}

export class InlineAuditCommitter implements AuditCommitter {
  /** The frontier this process last planned, reused when the head it is handed is still that one. */
  private lastFrontier: { text: string; frontier: MerkleFrontier } | undefined;
  /** The signed head waiting for the witnesses, the write in flight, and why the last one failed. */
  private witnessNext: { head: WitnessedCheckpoint; prev: { size: number; lastHash: string } } | undefined;
  private witnessing: Promise<void> | undefined;
  private witnessFailure: string | undefined;
  /** When the last witness write began (performance.now()), and the timer for the next one. */
  private witnessedAt = Number.NEGATIVE_INFINITY;
  private witnessTimer: NodeJS.Timeout | undefined;
  /** The last head handed to the witnesses. */
  private lastWitnessed: { head: WitnessedCheckpoint; prev: { size: number; lastHash: string } } | undefined;
  /** The witnesses this process has seen holding a head (read or written): none of them is seeded again. */
  private readonly witnessHeld = new Set<AuditWitness>();

  constructor(
    private readonly repository: () => AuditRepository,
    private readonly signer: AuditSigner,
    private readonly options: AuditCommitterOptions,
    private readonly witnesses: readonly AuditWitness[] = [],
  ) {}

  async commit(batch: readonly EventFields[], forceCheckpoint: boolean): Promise<AuditCommit> {
    // The previous head's witness write runs beside this commit; once one has failed, nothing more is stored.
    if (this.witnessFailure !== undefined) {
      // Fail closed: nothing more is stored while no witness can follow the log. Each commit retries first.
      await this.flushWitness();
      if (this.witnessFailure !== undefined) {
        throw new PerimeterError(
          "AUDIT_WITNESS_FAILED",
          `the audit event was not recorded: ${this.witnessFailure}. Without a witness the log could be rolled back unnoticed, so audited actions are refused until it can be written: fix what it names, or change audit.witnessFile or audit.witnesses`,
        );
      }
    }
    let root = "";
    let prev = { size: 0, lastHash: "" };
    const plan = await this.repository().append((head) => {
      const p = this.plan(head, batch, forceCheckpoint);
      root = p.root;
      prev = { size: head.size, lastHash: head.last_hash };
      return p.plan;
    });
    if (this.witnesses.length > 0 && plan.head.size > prev.size) {
      this.witnessNext = {
        head: {
          origin: this.options.origin,
          size: plan.head.size,
          root,
          lastHash: plan.head.last_hash,
          note: plan.head.note,
          recordedAt: plan.head.updated_at,
        },
        prev,
      };
      this.scheduleWitness();
    }
    return { placed: plan.rows.map((r) => [r.seq, r.time, r.prev_hash, r.hash] as const), size: plan.head.size, root, note: plan.head.note };
  }

  /** Wait until the witnesses hold the newest head this committer signed (or failed to take it). */
  async flushWitness(): Promise<void> {
    // After a failure, the head that failed is tried again.
    if (this.witnessFailure !== undefined && this.witnessing === undefined) this.witnessNext ??= this.lastWitnessed;
    while (this.witnessing !== undefined || this.witnessNext !== undefined) {
      if (this.witnessTimer !== undefined) clearTimeout(this.witnessTimer);
      this.witnessTimer = undefined;
      this.witnessing ??= this.drainWitness();
      await this.witnessing;
    }
  }

  /** Start the witness write of the newest head now, or once witnessIntervalMs has passed since the last one. */
  private scheduleWitness(): void {
    if (this.witnessing !== undefined || this.witnessTimer !== undefined || this.witnessNext === undefined) return;
    const wait = this.witnessedAt + (this.options.witnessIntervalMs ?? 0) - performance.now();
    if (wait <= 0) {
      this.witnessing = this.drainWitness();
      return;
    }
    this.witnessTimer = setTimeout(() => {
      this.witnessTimer = undefined;
      this.scheduleWitness();
    }, wait);
    this.witnessTimer.unref();
  }

  /**
   * Hand each new signed head to the witnesses after its commit is durable (a witness ahead of the database
   * would accuse an honest log), off the commit's path: the commit does not wait for the witness's fsync,
   * and heads signed meanwhile are coalesced into the newest. A witness ahead of this log, or on another
   * history, is left as it is: it is the evidence `audit verify` reports.
   */
  private async drainWitness(): Promise<void> {
    try {
      const next = this.witnessNext;
      if (next !== undefined) {
        this.witnessNext = undefined;
        this.lastWitnessed = next;
        this.witnessedAt = performance.now();
        // A head this committer planned on is known to extend the one before it; otherwise ask the store.
        const hashAt = async (seq: number) => {
          if (seq === next.prev.size) return next.prev.lastHash;
          const [row] = await this.repository().scan(seq, 1);
          return row !== undefined && row[0] === seq ? row[9] : undefined;
        };
        // Each witness on its own, at once: one that fails or is slow (a remote one timing out) neither keeps
        // the head from the others nor delays them.
        const failures = await Promise.all(
          this.witnesses.map(async (w) => {
            try {
              const held = await w.latest();
              // An empty witness is seeded only by a process's first write or by `audit witness push`: one that
              // held a head before and answers "none" now lost its history, which seeding it would hide.
              if (held === undefined && this.witnessHeld.has(w)) {
                throw new PerimeterError(
                  "AUDIT_WITNESS_FAILED",
                  `the audit witness ${w.name} holds no head, yet it held one earlier in this process: the witness lost what it held: find out why; \`perimeter audit witness push\` starts it again`,
                );
              }
              if (held !== undefined) this.witnessHeld.add(w);
              const step = await witnessStep(held, next.head, hashAt);
              if (step.record) {
                await w.record(next.head);
                this.witnessHeld.add(w);
              }
              return undefined;
            } catch (err) {
              return err instanceof PerimeterError ? err.message : String(err);
            }
          }),
        );
        const failed = failures.filter((f): f is string => f !== undefined);
        this.witnessFailure = failed.length === 0 ? undefined : failed.join("; ");
      }
    } finally {
      this.witnessing = undefined;
      // Heads signed meanwhile wait for the interval (flushWitness writes them at once).
      this.scheduleWitness();
    }
  }

  close(): Promise<void> {
    return this.flushWitness();
  }

  private frontierOf(head: AuditHeadState): MerkleFrontier {
    const last = this.lastFrontier;
    // Planning mutates the frontier it is given, so the cached one is copied; parsing and checking the
    // stored JSON on every commit cost more than the copy.
    if (last !== undefined && last.frontier.size === head.size && last.text === head.frontier)
      return MerkleFrontier.fromJSON(head.size, last.frontier.toJSON());
    return MerkleFrontier.fromJSON(head.size, parseFrontier(head.frontier));
  }

  /** Given the head, the rows, new head and checkpoint of one commit. Pure: it may run again on a newer head. */
  private plan(head: AuditHeadState, batch: readonly EventFields[], forceCheckpoint: boolean): { plan: AuditAppendPlan; root: string } {
    const frontier = this.frontierOf(head);
    const time = new Date().toISOString();
    let prev = head.last_hash;
    const rows: StoredAuditEvent[] = [];
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i] as EventFields;
      const row = {
        seq: head.size + i + 1,
        time,
        actor: f.actor,
        action: f.action,
        resource: f.resource,
        decision: f.decision,
        reason: f.reason,
        details: f.details,
        prev_hash: prev,
        hash: "",
      };
      row.hash = eventHash(row);
      frontier.append(row.hash);
      prev = row.hash;
      rows.push(row);
    }
    const size = frontier.size;
    const root = frontier.root();
    const frontierText = JSON.stringify(frontier.toJSON());
    this.lastFrontier = { text: frontierText, frontier };
    // Every commit signs its head: the signed head is what shows a tail cut off after the last checkpoint.
    const note = size === 0 ? "" : this.signer.sign({ origin: this.options.origin, size, root }).note;

    const every = this.options.checkpointEvery;
    const crossed = Math.floor(size / every) > Math.floor(head.checkpointed_size / every);
    const stale = Date.parse(time) - Date.parse(head.checkpointed_at) >= this.options.checkpointSeconds * 1000;
    const due = size > head.checkpointed_size && (crossed || stale || forceCheckpoint);
    return {
      root: root.toString("hex"),
      plan: {
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
      },
    };
  }
}

export function parseFrontier(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === "string" && /^[0-9a-f]{64}$/.test(n))) {
    throw new PerimeterError("AUDIT_TAMPERED", "the audit log head is corrupt; run `perimeter audit verify`");
  }
  return parsed as string[];
}
