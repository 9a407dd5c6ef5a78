import { availableParallelism } from "node:os";
import { sql } from "kysely";
import { asPerimeterError } from "../errors.js";
import type { OpenStoreOptions, Store } from "../store/store.js";
import { runOnWorkers, workerModule } from "../worker-pool.js";
import { verifyCheckpointNote, type AuditVerifierKey } from "./checkpoint.js";
import { GENESIS_HASH } from "./event.js";
import { MerkleFrontier } from "./merkle.js";
import { verifySegment, type ScanEvents, type SegmentResult, type SegmentTask } from "./segment.js";
import { checkWitnessed, type AuditWitness, type WitnessedCheckpoint } from "./witness.js";

export interface AuditProblem {
  /** The first sequence number the problem makes untrustworthy; null when it cannot be placed. */
  readonly seq: number | null;
  readonly message: string;
}

export interface AuditVerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly checkpoints: number;
  readonly root: string;
  /** The first bad sequence number, when anything failed. */
  readonly firstBadSeq: number | null;
  readonly problems: readonly AuditProblem[];
}

export interface VerifyOptions {
  /**
   * Worker threads to use, each with its own database connection; 1 (the default) verifies on the calling
   * thread. Measured on 2 cores with the database on the same machine, one warm thread beat two cold
   * workers; more threads pay off with more cores and logs of millions of events.
   */
  readonly parallelism?: number;
  /** Events per slice, a power of two. Default: sized so that each thread gets several slices. */
  readonly segmentWidth?: number;
  /**
   * Witnesses of the log's checkpoints (the audit-witness.json file beside the signing key): the log must
   * reach, and agree with, the checkpoint each one holds.
   */
  readonly witnesses?: readonly AuditWitness[];
}

interface ExpectedRoot {
  readonly root: string;
  readonly source: string;
  /** Said when the log falls short of it. */
  readonly hint?: string;
  /** The witnesses that hold this root, when any do. */
  readonly witnesses?: readonly string[];
}

const ROLLBACK_HINT =
  "the log was rolled back or wiped. If you restored or replaced this database on purpose, keep what the witness holds as a record and move it aside; otherwise treat the log as tampered with";

/** Each witness's checkpoint, checked to be signed by a trusted key, as roots the log must reach and agree with. */
async function witnessedRoots(
  witnesses: readonly AuditWitness[],
  keys: readonly AuditVerifierKey[],
  logSize: number,
  expectedRoots: Map<number, ExpectedRoot>,
  problems: AuditProblem[],
): Promise<void> {
  for (const w of witnesses) {
    let held: WitnessedCheckpoint | undefined;
    try {
      held = await w.latest();
    } catch (err) {
      problems.push({ seq: null, message: asPerimeterError(err).message });
      continue;
    }
    if (held === undefined) {
      if (logSize > 0) {
        problems.push({
          seq: null,
          message: `the audit witness ${w.name} does not exist, yet the log holds ${logSize} events: without it a rollback cannot be ruled out. Point --witness at the witness of the host that writes this log; if this log predates the witness, run \`perimeter audit witness push\` to start it; if it was deleted, find out why`,
        });
      }
      continue;
    }
    const check = checkWitnessed(w.name, held, keys);
    if (!check.ok) {
      problems.push({ seq: null, message: check.message });
      continue;
    }
    const root = check.root;
    const existing = expectedRoots.get(held.size);
    if (existing !== undefined && existing.root !== root) {
      problems.push({
        seq: held.size,
        message: `${existing.source} and the audit witness ${w.name} disagree on the root at ${held.size} events: the log was rewritten after the witness saw it`,
      });
      continue;
    }
    // Witnesses that agree are named together: each of them shows the rollback on its own.
    const names = [...(existing?.witnesses ?? []), w.name];
    expectedRoots.set(held.size, {
      root,
      source: names.length === 1 ? `the audit witness ${w.name}` : `the audit witnesses ${names.join(" and ")}`,
      hint: ROLLBACK_HINT,
      witnesses: names,
    });
  }
}

/**
 * Recompute the whole log: sequence numbers contiguous from 1, each event's hash over its fields, each
 * event linked to the one before, every stored checkpoint signed by a trusted key and equal to the
 * recomputed Merkle root at its size, and the signed head equal to the end of the log. Large logs are
 * cut into aligned slices verified on worker threads and spliced back together.
 */
export async function verifyAuditLog(store: Store, keys: readonly AuditVerifierKey[], options: VerifyOptions = {}): Promise<AuditVerifyReport> {
  // The witnesses are read before the log: a witness that moved on meanwhile must not look ahead of it.
  const witnesses = await Promise.all((options.witnesses ?? []).map(snapshotOf));
  // The checkpoints, the head and the events' bounds are read as of one moment (one repeatable-read
  // transaction; on SQLite, one that holds the write lock for three reads): other processes commit meanwhile,
  // and events past a head read a moment earlier would look like a tail nobody signed.
  const { checkpoints, head, bounds } = await store.db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => ({
      checkpoints: await trx.selectFrom("audit_checkpoints").select(["tree_size", "root_hash", "note"]).orderBy("tree_size").execute(),
      head: await trx.selectFrom("audit_head").select(["size", "note", "frontier"]).where("id", "=", 1).executeTakeFirst(),
      bounds: (await sql<{ lo: number | null; hi: number | null }>`select min(seq) as lo, max(seq) as hi from audit_events`.execute(trx)).rows[0],
    }));
  return verifyAuditSource(
    {
      checkpoints,
      head: head ?? null,
      lo: Number(bounds?.lo ?? 1),
      hi: Number(bounds?.hi ?? 0),
      scan: (from, limit) => store.auditRepository().scan(from, limit),
      workers: store.options,
    },
    keys,
    { ...options, witnesses },
  );
}

/** A witness as it was read once: what it held, or why it could not be read. */
function snapshotOf(w: AuditWitness): Promise<AuditWitness> {
  const fixed = (latest: () => Promise<WitnessedCheckpoint | undefined>): AuditWitness => ({
    name: w.name,
    latest,
    record: () => Promise.reject(new Error("a witness snapshot is read-only")),
  });
  return w.latest().then(
    (held) => fixed(() => Promise.resolve(held)),
    (err: unknown) => fixed(() => Promise.reject(err)),
  );
}

/** A log to verify: the store's tables, or an export read back. */
export interface AuditSource {
  readonly checkpoints: readonly { readonly tree_size: number; readonly root_hash: string; readonly note: string }[];
  /** The signed head; null when it is missing. `frontier` only where the log keeps one (the store). */
  readonly head: { readonly size: number; readonly note: string; readonly frontier?: string } | null;
  /** Lowest and highest sequence numbers present (1 and 0 when empty). */
  readonly lo: number;
  readonly hi: number;
  /** Events in order from a sequence number. Without `workers`, called in increasing order on one thread. */
  readonly scan: ScanEvents;
  /** Where worker threads can open the same log (the store), for parallel verification. */
  readonly workers?: OpenStoreOptions;
}

export async function verifyAuditSource(source: AuditSource, keys: readonly AuditVerifierKey[], options: VerifyOptions = {}): Promise<AuditVerifyReport> {
  const problems: AuditProblem[] = [];
  const { checkpoints, head, lo, hi } = source;
  const expectedRoots = new Map<number, ExpectedRoot>();
  for (const cp of checkpoints) {
    const check = verifyCheckpointNote(cp.note, keys);
    if (!check.ok) {
      problems.push({ seq: cp.tree_size, message: `checkpoint at tree size ${cp.tree_size}: ${check.reason}` });
      continue;
    }
    const root = check.checkpoint.root.toString("hex");
    if (check.checkpoint.size !== cp.tree_size || root !== cp.root_hash) {
      problems.push({ seq: cp.tree_size, message: `checkpoint at tree size ${cp.tree_size}: its stored size or root differs from what was signed` });
      continue;
    }
    expectedRoots.set(cp.tree_size, { root, source: `the signed checkpoint at tree size ${cp.tree_size}` });
  }

  if (head === null) {
    problems.push({ seq: null, message: "the audit head row is missing" });
  } else if (head.size > 0) {
    const check = verifyCheckpointNote(head.note, keys);
    if (!check.ok) {
      problems.push({ seq: head.size, message: `the signed head: ${check.reason}` });
    } else {
      const size = check.checkpoint.size;
      const root = check.checkpoint.root.toString("hex");
      const existing = expectedRoots.get(size);
      if (existing !== undefined && existing.root !== root) {
        problems.push({ seq: size, message: `the signed head and ${existing.source} disagree on the root` });
      } else {
        expectedRoots.set(size, { root, source: `the signed head (tree size ${size})` });
      }
    }
  }

  await witnessedRoots(options.witnesses ?? [], keys, Math.max(head?.size ?? 0, hi), expectedRoots, problems);

  if (lo < 1) problems.push({ seq: 1, message: `an event numbered ${lo} was put before the start of the log` });

  const workers = source.workers;
  const parallelism = workers === undefined ? 1 : Math.max(1, Math.min(options.parallelism ?? 1, availableParallelism() * 2));
  // A source read in one pass (an export) is verified as one slice.
  const width = workers === undefined ? segmentWidthFor(hi, 1, true) : (options.segmentWidth ?? segmentWidthFor(hi, parallelism));
  const tasks: SegmentTask[] = [];
  for (let start = 1; start <= Math.max(hi, 1); start += width) {
    const end = Math.min(start + width - 1, hi);
    tasks.push({ start, end, width, snapshotSizes: [...expectedRoots.keys()].filter((s) => s >= start && s <= end) });
  }
  const results =
    workers !== undefined && parallelism > 1 && tasks.length > 1
      ? await runOnWorkers<SegmentTask, SegmentResult>(workerModule(import.meta.url, "verify-worker"), workers, tasks, parallelism)
      : await sequentially(tasks, (t) => verifySegment(source.scan, t));

  const { size, frontier, problem } = splice(results, width, expectedRoots);
  if (problem !== undefined) problems.push(problem);
  else {
    const beyond = [...expectedRoots.entries()].filter(([s]) => s > size).sort((a, b) => a[0] - b[0])[0];
    if (beyond !== undefined) {
      problems.push({
        seq: size + 1,
        message: `the log ends at ${size} but ${beyond[1].source} ${(beyond[1].witnesses?.length ?? 0) > 1 ? "cover" : "covers"} ${beyond[0]} events: events ${size + 1}..${beyond[0]} were removed${beyond[1].hint === undefined ? "" : `; ${beyond[1].hint}`}`,
      });
    } else if (head !== null && head.size !== size) {
      problems.push({ seq: Math.min(head.size, size) + 1, message: `the audit head says ${head.size} events, the log holds ${size}` });
    } else if (head !== null && head.frontier !== undefined && size > 0 && head.frontier !== JSON.stringify(frontier.toJSON())) {
      problems.push({ seq: null, message: "the audit head's Merkle frontier is corrupt: the next append would sign a wrong root" });
    }
  }

  const seqs = problems.map((p) => p.seq).filter((s): s is number => s !== null);
  return {
    ok: problems.length === 0,
    events: size,
    checkpoints: checkpoints.length,
    root: frontier.root().toString("hex"),
    firstBadSeq: seqs.length > 0 ? Math.min(...seqs) : problems.length > 0 ? 1 : null,
    problems: problems.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)),
  };
}

/** Join verified slices in order: links across slice borders, roots at every checkpoint, the whole frontier. */
function splice(
  results: readonly SegmentResult[],
  width: number,
  expectedRoots: ReadonlyMap<number, ExpectedRoot>,
): { size: number; frontier: MerkleFrontier; problem?: AuditProblem } {
  const global = new MerkleFrontier();
  let prev = GENESIS_HASH;
  for (const [i, seg] of results.entries()) {
    const base = seg.start - 1;
    const here = (subtrees: readonly string[], count: number) => extend(global, subtrees, count);
    if (seg.count > 0 && seg.firstPrev !== prev) {
      const problem =
        seg.start === 1
          ? { seq: 1, message: "event 1 does not start the chain" }
          : { seq: base, message: `event ${seg.start} does not link to event ${base} as stored: one of them was rewritten` };
      return { size: base, frontier: global, problem };
    }
    for (const [size, subtrees] of seg.snapshots) {
      const want = expectedRoots.get(size);
      if (
        want !== undefined &&
        want.root !==
          here(subtrees, size - base)
            .root()
            .toString("hex")
      ) {
        const problem = { seq: firstUncovered(expectedRoots, size), message: `the events up to ${size} do not match ${want.source}: history was rewritten` };
        return { size: base, frontier: global, problem };
      }
    }
    if (seg.problem !== null) return { size: base + seg.count, frontier: here(seg.subtrees, seg.count), problem: seg.problem };
    const full = seg.count === width;
    const later = results.slice(i + 1).find((r) => r.count > 0 || r.problem !== null);
    if (!full && later !== undefined) {
      const missing = seg.start + seg.count;
      return {
        size: base + seg.count,
        frontier: here(seg.subtrees, seg.count),
        problem: { seq: missing, message: `event ${missing} is missing (later events exist)` },
      };
    }
    if (!full || later === undefined) return { size: base + seg.count, frontier: here(seg.subtrees, seg.count) };
    global.appendSubtree(seg.subtrees[0] as string, width);
    prev = seg.lastHash as string;
  }
  return { size: global.size, frontier: global };
}

/** The global frontier followed by a slice's local one (`count` leaves; subtrees largest first). */
function extend(global: MerkleFrontier, subtrees: readonly string[], count: number): MerkleFrontier {
  const f = MerkleFrontier.fromJSON(global.size, global.toJSON());
  let i = 0;
  for (let width = 2 ** Math.floor(Math.log2(Math.max(count, 1))); width >= 1; width /= 2) {
    if ((count & width) === 0) continue;
    f.appendSubtree(subtrees[i++] as string, width);
  }
  return f;
}

/** After a rewritten history is caught at a signed root, the first event not vouched for by an earlier one. */
function firstUncovered(roots: ReadonlyMap<number, unknown>, size: number): number {
  let covered = 0;
  for (const s of roots.keys()) if (s < size && s > covered) covered = s;
  return covered + 1;
}

function segmentWidthFor(events: number, parallelism: number, whole = false): number {
  // Several slices per thread keep every thread busy to the end. On one thread, one slice per 4096 events.
  const target = whole ? Math.max(1, events) : parallelism === 1 ? 4096 : Math.max(1, Math.ceil(events / (parallelism * 4)));
  let width = 1;
  while (width < target) width *= 2;
  return width;
}

async function sequentially<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}
