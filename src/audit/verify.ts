import type { Store } from "../store/store.js";
import { verifyCheckpointNote, type AuditVerifierKey } from "./checkpoint.js";
import { GENESIS_HASH, eventHash, type StoredAuditEvent } from "./event.js";
import { MerkleFrontier } from "./merkle.js";

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

const PAGE = 10_000;

/**
 * Recompute the whole log: sequence numbers contiguous from 1, each event's hash over its fields, each
 * event linked to the one before, every stored checkpoint signed by a trusted key and equal to the
 * recomputed Merkle root at its size, and the signed head equal to the end of the log.
 */
export async function verifyAuditLog(store: Store, keys: readonly AuditVerifierKey[]): Promise<AuditVerifyReport> {
  const problems: AuditProblem[] = [];
  const db = store.db;

  const checkpoints = await db.selectFrom("audit_checkpoints").selectAll().orderBy("tree_size").execute();
  const expectedRoots = new Map<number, { root: string; source: string }>();
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

  const head = await db.selectFrom("audit_head").selectAll().where("id", "=", 1).executeTakeFirst();
  let headSize: number | undefined;
  if (head === undefined) {
    problems.push({ seq: null, message: "the audit head row is missing" });
  } else if (head.size > 0) {
    const check = verifyCheckpointNote(head.note, keys);
    if (!check.ok) {
      problems.push({ seq: head.size, message: `the signed head: ${check.reason}` });
    } else {
      headSize = check.checkpoint.size;
      const root = check.checkpoint.root.toString("hex");
      const existing = expectedRoots.get(headSize);
      if (existing !== undefined && existing.root !== root) {
        problems.push({ seq: headSize, message: `the signed head and ${existing.source} disagree on the root` });
      } else {
        expectedRoots.set(headSize, { root, source: `the signed head (tree size ${headSize})` });
      }
    }
  }

  const frontier = new MerkleFrontier();
  let expected = 1;
  let prev = GENESIS_HASH;
  let eventProblem = false;
  scan: for (;;) {
    const rows: StoredAuditEvent[] = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", ">=", expected)
      .orderBy("seq")
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const leaf = eventHash(row);
      const problem = checkEvent(row, leaf, expected, prev);
      if (problem !== undefined) {
        problems.push(problem);
        eventProblem = true;
        break scan;
      }
      frontier.append(leaf);
      prev = row.hash;
      const want = expectedRoots.get(frontier.size);
      if (want !== undefined && want.root !== frontier.root().toString("hex")) {
        problems.push({
          seq: firstUncovered(expectedRoots, frontier.size),
          message: `the events up to ${frontier.size} do not match ${want.source}: history was rewritten`,
        });
        eventProblem = true;
        break scan;
      }
      expected += 1;
    }
    if (rows.length < PAGE) break;
  }

  const size = frontier.size;
  if (!eventProblem) {
    const beyond = [...expectedRoots.entries()].filter(([s]) => s > size).sort((a, b) => a[0] - b[0])[0];
    if (beyond !== undefined) {
      problems.push({
        seq: size + 1,
        message: `the log ends at ${size} but ${beyond[1].source} covers ${beyond[0]} events: events ${size + 1}..${beyond[0]} were removed`,
      });
    } else if (head !== undefined && (head.size !== size || (size > 0 && head.last_hash !== prev))) {
      problems.push({ seq: Math.min(head.size, size) + 1, message: `the audit head says ${head.size} events, the log holds ${size}` });
    } else if (head !== undefined && size > 0 && head.frontier !== JSON.stringify(frontier.toJSON())) {
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

function checkEvent(row: StoredAuditEvent, leaf: Buffer, expected: number, prev: string): AuditProblem | undefined {
  if (row.seq !== expected) {
    return { seq: expected, message: `event ${expected} is missing (the next stored event is ${row.seq})` };
  }
  if (leaf.toString("hex") !== row.hash) {
    return { seq: expected, message: `event ${expected} was changed after it was written (its hash does not match its fields)` };
  }
  if (row.prev_hash !== prev) {
    return expected === 1
      ? { seq: 1, message: "event 1 does not start the chain" }
      : { seq: expected - 1, message: `event ${expected} does not link to event ${expected - 1} as stored: one of them was rewritten` };
  }
  return undefined;
}

/** After a rewritten history is caught at a signed root, the first event not vouched for by an earlier one. */
function firstUncovered(roots: Map<number, unknown>, size: number): number {
  let covered = 0;
  for (const s of roots.keys()) if (s < size && s > covered) covered = s;
  return covered + 1;
}
