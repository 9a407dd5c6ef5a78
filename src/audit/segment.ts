import type { AuditEventTuple } from "../store/audit-repository.js";
import { tupleHash } from "./event.js";
import { MerkleFrontier } from "./merkle.js";

// Verification of one aligned slice of the log, independent of every other slice, so that slices can be
// checked on several threads. A slice starts right after a multiple of its width (a power of two), so its
// leaves form a perfect subtree of the whole tree and its local Merkle frontier splices onto the global one.

export interface SegmentTask {
  /** First sequence number of the slice: a multiple of `width`, plus one. */
  readonly start: number;
  /** Last sequence number to read (inclusive), at most start + width - 1. */
  readonly end: number;
  readonly width: number;
  /** Tree sizes inside the slice whose roots must be checked (signed checkpoints, the signed head). */
  readonly snapshotSizes: readonly number[];
}

export interface SegmentProblem {
  readonly seq: number;
  readonly message: string;
}

export interface SegmentResult {
  readonly start: number;
  /** Events verified, contiguous from start. */
  readonly count: number;
  /** prev_hash of the first event, to be checked against the previous slice's last hash. */
  readonly firstPrev: string | null;
  readonly lastHash: string | null;
  /** The first problem inside the slice; verification of the slice stopped there. */
  readonly problem: SegmentProblem | null;
  /** The slice's local Merkle frontier (hex, largest first) after `count` events. */
  readonly subtrees: readonly string[];
  /** Local frontiers at each requested tree size that was reached. */
  readonly snapshots: ReadonlyArray<readonly [size: number, subtrees: readonly string[]]>;
}

export type ScanEvents = (fromSeq: number, limit: number) => Promise<AuditEventTuple[]>;

/** Rows a read. Small pages let each row's strings die young: at 8192 rows, garbage collection made
 * verification 40% slower on SQLite, and PostgreSQL was no faster. */
const PAGE = 1024;

export async function verifySegment(scan: ScanEvents, task: SegmentTask): Promise<SegmentResult> {
  const frontier = new MerkleFrontier();
  const wanted = new Set(task.snapshotSizes);
  const snapshots: Array<readonly [number, string[]]> = [];
  let expected = task.start;
  let firstPrev: string | null = null;
  let prev: string | null = null;
  let problem: SegmentProblem | null = null;

  // The next page is requested before this one is hashed, so a database in another process works on it
  // meanwhile.
  const page = (from: number) => {
    const limit = Math.min(PAGE, task.end - from + 1);
    return limit > 0 ? scan(from, limit).then((rows) => ({ rows, limit })) : undefined;
  };
  let pending = page(expected);
  read: while (pending !== undefined) {
    const { rows, limit } = await pending;
    const last = rows[rows.length - 1];
    pending = rows.length === limit && last !== undefined ? page(last[0] + 1) : undefined;
    for (const row of rows) {
      const [seq, , , , , , , , prevHash, hash] = row;
      if (seq > task.end) break read;
      if (seq !== expected) {
        problem = { seq: expected, message: `event ${expected} is missing (the next stored event is ${seq})` };
        break read;
      }
      const leaf = tupleHash(row);
      if (leaf !== hash) {
        problem = { seq, message: `event ${seq} was changed after it was written (its hash does not match its fields)` };
        break read;
      }
      if (prev === null) firstPrev = prevHash;
      else if (prevHash !== prev) {
        problem = { seq: seq - 1, message: `event ${seq} does not link to event ${seq - 1} as stored: one of them was rewritten` };
        break read;
      }
      frontier.append(leaf);
      prev = hash;
      expected += 1;
      if (wanted.has(seq)) snapshots.push([seq, frontier.toJSON()]);
    }
  }
  // A page requested but not needed after a problem must not be left to fail unobserved.
  await pending?.catch(() => undefined);
  return {
    start: task.start,
    count: expected - task.start,
    firstPrev,
    lastHash: prev,
    problem,
    subtrees: frontier.toJSON(),
    snapshots,
  };
}
