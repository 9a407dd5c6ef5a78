import { readFileSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { z } from "zod";
import { PerimeterError } from "../errors.js";
import { verifyCheckpointNote, type AuditVerifierKey } from "./checkpoint.js";

// A witness holds the latest signed head of the audit log somewhere the database's writers cannot rewrite:
// a database (or a backup of it) put back to an earlier signed state verifies on its own, since every old
// checkpoint and head it holds was really signed. The witness remembers how far the log got, so `audit
// verify` refuses a log that is shorter than it, or that differs from it at its size. Every commit's head is
// witnessed (not only the stored checkpoints): otherwise the events after the last checkpoint could still be
// cut off, with that checkpoint's note copied into the head.
//
// The first witness is a file beside the audit signing key (audit.witnessFile); remote ones (an S3-compatible
// bucket, an HTTP endpoint: remote-witness.ts, audit.witnesses) implement the same interface, each written
// on its own so that one failing does not keep the head from the others.

/** The log as a witness saw it: a signed checkpoint and the hash of the event at its size. */
export interface WitnessedCheckpoint {
  readonly origin: string;
  readonly size: number;
  /** Merkle root at `size`, hex. */
  readonly root: string;
  /** Hash of event `size` (it covers the whole chain before it), so a writer can tell its log extends this one. */
  readonly lastHash: string;
  /** The C2SP signed note of the checkpoint. */
  readonly note: string;
  readonly recordedAt: string;
}

export interface AuditWitness {
  /** How messages name it, e.g. its file path. */
  readonly name: string;
  /** The latest checkpoint it holds; undefined when it holds none yet. Throws when it cannot be read. */
  latest(): Promise<WitnessedCheckpoint | undefined>;
  /** Replace what it holds with a newer checkpoint. Throws when it cannot be written. */
  record(checkpoint: WitnessedCheckpoint): Promise<void>;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const witnessFileSchema = z.strictObject({
  type: z.literal("perimeter-audit-witness"),
  origin: z.string().min(1),
  size: z.number().int().min(1),
  root: hex64,
  lastHash: hex64,
  note: z.string().min(1).max(10_000),
  recordedAt: z.string(),
});

/** A witness as JSON: the witness file's content, and what a remote witness stores and answers. */
export function witnessJson(checkpoint: WitnessedCheckpoint): string {
  return `${JSON.stringify({ type: "perimeter-audit-witness", ...checkpoint }, null, 2)}\n`;
}

/**
 * Parse what a witness holds, whoever it came from (a file, a bucket, an endpoint): the same strict shape
 * everywhere, so a remote witness can hand over nothing a file could not hold. Throws AUDIT_WITNESS_FAILED.
 */
export function parseWitness(text: string, name: string): WitnessedCheckpoint {
  let parsed: unknown;
  let why = "not JSON";
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = witnessFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (parsed !== undefined && issue !== undefined) why = `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`;
    throw new PerimeterError(
      "AUDIT_WITNESS_FAILED",
      `the audit witness ${name} is not a witness file Perimeter wrote (${why}); it was changed or damaged. Keep it as evidence and find out why.`,
    );
  }
  const { type: _type, ...checkpoint } = result.data;
  return checkpoint;
}

/**
 * The witness as a file: replaced whole (written to a file of its own, flushed, renamed over the old one, the
 * directory flushed), so a crash leaves the old checkpoint or the new one, never a torn file.
 */
export class FileWitness implements AuditWitness {
  constructor(readonly path: string) {}

  get name(): string {
    return this.path;
  }

  latest(): Promise<WitnessedCheckpoint | undefined> {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return Promise.resolve(undefined);
      return Promise.reject(
        new PerimeterError("AUDIT_WITNESS_FAILED", `cannot read the audit witness ${this.path}: ${(err as Error).message}`, { cause: err }),
      );
    }
    try {
      return Promise.resolve(parseWitness(text, this.path));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Written with asynchronous I/O: the fsync runs off the thread that commits (and, inline, answers requests). */
  async record(checkpoint: WitnessedCheckpoint): Promise<void> {
    const tmp = `${this.path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const file = await open(tmp, "wx", 0o644);
      try {
        await file.writeFile(witnessJson(checkpoint));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
      await syncDirectory(dirname(this.path));
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new PerimeterError("AUDIT_WITNESS_FAILED", `cannot write the audit witness ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}

/** What a writer should do with a new checkpoint, given what the witness holds. */
export type WitnessStep = { readonly record: true } | { readonly record: false; readonly why: string };

/**
 * A witness only moves forward along one history: it takes a checkpoint that is larger than what it holds
 * and whose log holds, at the held size, the event the witness remembers. Anything else (a log behind its
 * witness, or one that differs from it) is kept as it is, for `audit verify` to report.
 */
export function witnessStep(
  held: WitnessedCheckpoint | undefined,
  next: { origin: string; size: number; root: string },
  hashAt: (seq: number) => Promise<string | undefined>,
): Promise<WitnessStep> {
  if (held === undefined) return Promise.resolve({ record: true });
  // Two logs pointed at one witness would each take the other's place: the first one there keeps it.
  if (held.origin !== next.origin) return Promise.resolve({ record: false, why: `the witness holds the log ${held.origin}, not ${next.origin}` });
  if (held.size > next.size) return Promise.resolve({ record: false, why: `the witness holds ${held.size} events and the log ${next.size}` });
  if (held.size === next.size)
    return Promise.resolve(
      held.root === next.root ? { record: false, why: "already witnessed" } : { record: false, why: `the log differs from the witness at ${held.size} events` },
    );
  return hashAt(held.size).then((hash) =>
    hash === held.lastHash ? { record: true } : { record: false, why: `event ${held.size} is not the one the witness saw` },
  );
}

/**
 * What a witness holds, checked as far as it can be without the log: its note signed by a trusted key, for
 * this log, and naming the size, root and origin it says. The root it vouches for, or why not.
 */
export function checkWitnessed(
  name: string,
  held: WitnessedCheckpoint,
  keys: readonly AuditVerifierKey[],
): { readonly ok: true; readonly root: string } | { readonly ok: false; readonly message: string } {
  const check = verifyCheckpointNote(held.note, keys);
  if (!check.ok) {
    const noteOrigin = held.note.slice(0, Math.max(0, held.note.indexOf("\n")));
    if (noteOrigin !== "" && !keys.some((k) => k.name === noteOrigin)) {
      return {
        ok: false,
        message: `the audit witness ${name} holds a checkpoint of another log (${noteOrigin}), not of ${[...new Set(keys.map((k) => k.name))].join(", ")}: two logs share this witness, or it was replaced. Give each log a witness of its own`,
      };
    }
    return { ok: false, message: `the audit witness ${name} holds a checkpoint that does not verify: ${check.reason}` };
  }
  const root = check.checkpoint.root.toString("hex");
  if (check.checkpoint.size !== held.size || root !== held.root) {
    return { ok: false, message: `the audit witness ${name} names a size or root other than its signed checkpoint: it was edited` };
  }
  if (check.checkpoint.origin !== held.origin) {
    return {
      ok: false,
      message: `the audit witness ${name} names the log ${held.origin}, not that of its signed checkpoint (${check.checkpoint.origin}): it was edited`,
    };
  }
  return { ok: true, root };
}
