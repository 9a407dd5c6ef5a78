import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { PerimeterError } from "../errors.js";
import type { AuditEventTuple } from "../store/audit-repository.js";
import type { Store } from "../store/store.js";
import { canonicalJson } from "./canonical.js";
import type { AuditVerifierKey } from "./checkpoint.js";
import { toAuditEvent } from "./event.js";
import { verifyAuditSource, type AuditVerifyReport, type VerifyOptions } from "./verify.js";

// An export is the log as JSON lines that an auditor can verify without the store: a header naming the
// log and the public keys that sign its checkpoints, every event, every stored checkpoint (C2SP signed
// notes) and the signed head it was cut at. `perimeter audit verify --from-export` recomputes it all.
//
//   {"type":"header","format":"perimeter-audit-export","version":1,"origin":...,"from":1,"treeSize":N,"publicKeys":[...]}
//   {"type":"event","seq":1,...}             one per event, in order
//   {"type":"checkpoint","treeSize":...,"rootHash":...,"note":...}
//   {"type":"head","treeSize":N,"rootHash":...,"note":...}
//
// The header's keys are a reference (which key to ask the log's owner for, by key id and PEM), never the
// trust: verification uses the keys the auditor brings (--public-key) or the configured ones.

export const AUDIT_EXPORT_FORMAT = "perimeter-audit-export";

export interface ExportedKey {
  readonly name: string;
  /** C2SP note key id, hex. */
  readonly keyId: string;
  /** SPKI PEM. */
  readonly publicKey: string;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const headerSchema = z.strictObject({
  type: z.literal("header"),
  format: z.literal(AUDIT_EXPORT_FORMAT),
  version: z.literal(1),
  origin: z.string(),
  from: z.number().int().min(1),
  treeSize: z.number().int().min(0),
  exportedAt: z.string(),
  publicKeys: z.array(z.strictObject({ name: z.string(), keyId: z.string(), publicKey: z.string() })),
});
/** A stored audit event's fields as read back from a file (an export, a saved proof): checked, never trusted. */
export const auditEventFields = {
  seq: z.number().int().min(1),
  time: z.string(),
  actor: z.string(),
  action: z.string(),
  resource: z.string(),
  decision: z.string(),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
};
const eventSchema = z.strictObject({ type: z.literal("event"), ...auditEventFields });
const noteSchema = z.strictObject({
  type: z.enum(["checkpoint", "head"]),
  treeSize: z.number().int().min(0),
  rootHash: z.union([hex64, z.literal("")]),
  note: z.string(),
});
const lineSchema = z.discriminatedUnion("type", [headerSchema, eventSchema, noteSchema]);

export type AuditExportHeader = z.infer<typeof headerSchema>;

/**
 * The export's lines, cut at the signed head as it was when the export began: events appended meanwhile
 * are left for the next export, so the head line always signs exactly the events before it.
 */
export async function* auditExportLines(store: Store, origin: string, keys: readonly AuditVerifierKey[], from = 1, pageSize = 5000): AsyncGenerator<string> {
  const head = await store.db.selectFrom("audit_head").select(["size", "note"]).where("id", "=", 1).executeTakeFirst();
  const size = head?.size ?? 0;
  const header: AuditExportHeader = {
    type: "header",
    format: AUDIT_EXPORT_FORMAT,
    version: 1,
    origin,
    from,
    treeSize: size,
    exportedAt: new Date().toISOString(),
    publicKeys: keys.map((k) => ({ name: k.name, keyId: k.keyId.toString("hex"), publicKey: k.publicKey.export({ type: "spki", format: "pem" }).toString() })),
  };
  yield JSON.stringify(header);
  for (let next = from; next <= size; ) {
    const rows = await store.db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", ">=", next)
      .where("seq", "<=", size)
      .orderBy("seq")
      .limit(pageSize)
      .execute();
    for (const row of rows) yield JSON.stringify({ type: "event", ...toAuditEvent(row) });
    const last = rows[rows.length - 1];
    if (last === undefined) break;
    next = last.seq + 1;
  }
  const checkpoints = await store.db
    .selectFrom("audit_checkpoints")
    .select(["tree_size", "root_hash", "note"])
    .where("tree_size", "<=", size)
    .orderBy("tree_size")
    .execute();
  for (const cp of checkpoints) yield JSON.stringify({ type: "checkpoint", treeSize: cp.tree_size, rootHash: cp.root_hash, note: cp.note });
  yield JSON.stringify({ type: "head", treeSize: size, rootHash: checkpoints.find((c) => c.tree_size === size)?.root_hash ?? "", note: head?.note ?? "" });
}

type Line = z.infer<typeof lineSchema>;

async function* readLines(file: string): AsyncGenerator<{ line: Line | undefined; number: number; problem?: string }> {
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const text of lines) {
      number += 1;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { line: undefined, number, problem: `line ${number} is not JSON` };
        continue;
      }
      const parsed = lineSchema.safeParse(value);
      yield parsed.success
        ? { line: parsed.data, number }
        : { line: undefined, number, problem: `line ${number} is not an audit export record (${parsed.error.issues[0]?.message ?? "invalid"})` };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * Verify an export with no store: every event's hash and link, the Merkle root at every checkpoint and at
 * the head, each note signed by one of `keys`. Read twice, a line at a time, so an export of any size
 * verifies in bounded memory.
 */
export async function verifyAuditExport(
  file: string,
  keys: readonly AuditVerifierKey[],
  options: Pick<VerifyOptions, "witnesses"> = {},
): Promise<{ report: AuditVerifyReport; header: AuditExportHeader; publicKeys: readonly ExportedKey[] }> {
  // First pass: the header, the notes, the range of sequence numbers, and any line that is not a record.
  let header: AuditExportHeader | undefined;
  const checkpoints: { tree_size: number; root_hash: string; note: string }[] = [];
  let head: { size: number; note: string } | null = null;
  const lineProblems: { seq: number | null; message: string }[] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  try {
    for await (const { line, number, problem } of readLines(file)) {
      if (line === undefined) {
        if (number === 1)
          throw new PerimeterError(
            "USAGE",
            `${file} is not a Perimeter audit export (${problem ?? "no header"}): make one with perimeter audit export --output FILE`,
          );
        lineProblems.push({ seq: null, message: problem ?? `line ${number} is unreadable` });
        continue;
      }
      if (number === 1 || header === undefined) {
        if (line.type !== "header") throw new PerimeterError("USAGE", `${file} is not a Perimeter audit export: its first line is not the export header`);
        header = line;
        continue;
      }
      if (line.type === "header") lineProblems.push({ seq: null, message: `line ${number} is a second header: two exports were joined` });
      else if (line.type === "event") {
        lo = Math.min(lo, line.seq);
        hi = Math.max(hi, line.seq);
      } else if (line.type === "checkpoint") checkpoints.push({ tree_size: line.treeSize, root_hash: line.rootHash, note: line.note });
      else if (head !== null) lineProblems.push({ seq: null, message: `line ${number} is a second head` });
      else head = { size: line.treeSize, note: line.note };
    }
  } catch (err) {
    if (err instanceof PerimeterError) throw err;
    throw new PerimeterError("USAGE", `cannot read the export ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (header === undefined) throw new PerimeterError("USAGE", `${file} is empty: it is not a Perimeter audit export`);
  if (header.from !== 1) {
    throw new PerimeterError(
      "USAGE",
      `${file} starts at event ${header.from}: only a whole export (perimeter audit export, without --from) can be verified, since every checkpoint covers the log from event 1`,
    );
  }
  if (head === null) lineProblems.push({ seq: null, message: "the export has no signed head line: it was cut short" });
  else if (head.size !== header.treeSize) lineProblems.push({ seq: null, message: `the header says ${header.treeSize} events and the head line ${head.size}` });

  // Second pass: the events, in file order, as the store would hand them out.
  const events = (async function* () {
    for await (const { line } of readLines(file)) if (line?.type === "event") yield line;
  })();
  const scan = async (_from: number, limit: number): Promise<AuditEventTuple[]> => {
    const rows: AuditEventTuple[] = [];
    while (rows.length < limit) {
      const next = await events.next();
      if (next.done === true) break;
      const e = next.value;
      let details: string;
      try {
        details = canonicalJson(e.details);
      } catch {
        details = "";
      }
      rows.push([e.seq, e.time, e.actor, e.action, e.resource, e.decision, e.reason, details, e.prevHash, e.hash]);
    }
    return rows;
  };
  let report: AuditVerifyReport;
  try {
    report = await verifyAuditSource(
      { checkpoints: checkpoints.sort((a, b) => a.tree_size - b.tree_size), head: head ?? { size: 0, note: "" }, lo: hi === 0 ? 1 : lo, hi, scan },
      keys,
      options,
    );
  } finally {
    await events.return(undefined);
  }
  if (lineProblems.length > 0) {
    const problems = [...lineProblems, ...report.problems];
    report = { ...report, ok: false, problems, firstBadSeq: report.firstBadSeq ?? 1 };
  }
  return { report, header, publicKeys: header.publicKeys };
}
