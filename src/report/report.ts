import { createHash } from "node:crypto";
import type { Context } from "../app/context.js";
import { auditVerifierKeys, type AuditWitness } from "../audit/index.js";
import { verifyCheckpointNote } from "../audit/checkpoint.js";
import { VERSION } from "../version.js";
import { type CatalogueControl, controlCatalogue, type FrameworkId, FRAMEWORK_IDS } from "./catalogue.js";
import { type CheckId, type CheckResult, type CheckStatus, type EvidenceLink, runChecks } from "./checks.js";

// A compliance report: every control of the chosen frameworks, judged from the posture checks mapped to it in
// the catalogue — fail when any of them fails, partial when any is partial, not-applicable when none applies,
// pass otherwise — with the evidence they read and the gaps to close. The audit log's signed head at the time
// is part of the report, and the report's digest is recorded in the log, so each can be tied to the other.

export interface ReportControl {
  /** As the framework writes it: LLM03, ASI03, NHI7, MEASURE 2.7, GV.SC-05, A.6.2.8, Art. 12. */
  readonly id: string;
  readonly framework: FrameworkId;
  readonly title: string;
  readonly status: CheckStatus;
  readonly evidence: readonly (EvidenceLink & { readonly check: CheckId })[];
  /** What to do to close it, in words; "" when it passes. */
  readonly gap: string;
  /** How far Perimeter's checks go for this control, and what remains the organisation's. */
  readonly coverage: CatalogueControl["coverage"];
  readonly why: string;
  readonly checks: readonly { readonly id: CheckId; readonly status: CheckStatus; readonly summary: string }[];
}

export interface AuditHead {
  readonly size: number;
  /** Merkle root at `size`, hex; null for an empty log. */
  readonly root: string | null;
  /** The C2SP signed note of the head, as the log holds it. */
  readonly note: string | null;
  /** Whether the note verifies against the audit keys configured here. */
  readonly verified: boolean;
}

export interface ComplianceReport {
  readonly generatedAt: string;
  readonly generator: string;
  readonly auditHead: AuditHead;
  readonly frameworks: readonly { readonly id: FrameworkId; readonly name: string; readonly source: string }[];
  readonly summary: Readonly<Record<CheckStatus, number>>;
  readonly controls: readonly ReportControl[];
}

export interface BuildReportOptions {
  /** Frameworks to report on (default: all). */
  readonly frameworks?: readonly FrameworkId[] | undefined;
  readonly witnesses: readonly AuditWitness[];
  readonly now?: Date | undefined;
}

const ORDER: Readonly<Record<CheckStatus, number>> = { fail: 0, partial: 1, pass: 2, "not-applicable": 3 };

/** One control's status from its checks' (see the module comment). */
export function controlStatus(statuses: readonly CheckStatus[]): CheckStatus {
  if (statuses.length === 0) return "not-applicable";
  if (statuses.includes("fail")) return "fail";
  if (statuses.every((s) => s === "not-applicable")) return "not-applicable";
  if (statuses.includes("partial")) return "partial";
  return "pass";
}

export async function buildReport(ctx: Context, options: BuildReportOptions): Promise<ComplianceReport> {
  const catalogue = controlCatalogue();
  const chosen = new Set(options.frameworks === undefined || options.frameworks.length === 0 ? FRAMEWORK_IDS : options.frameworks);
  // The head first: what the checks read is at least as new as the head the report names.
  const auditHead = await readAuditHead(ctx);
  const checks = await runChecks(ctx, { now: options.now, witnesses: options.witnesses });
  const controls = catalogue.controls.filter((c) => chosen.has(c.framework)).map((c) => judgeControl(c, checks));
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, partial: 0, "not-applicable": 0 };
  for (const c of controls) summary[c.status]++;
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    generator: `perimeter ${VERSION}`,
    auditHead,
    frameworks: catalogue.frameworks.filter((f) => chosen.has(f.id)),
    summary,
    controls,
  };
}

function judgeControl(c: CatalogueControl, checks: ReadonlyMap<CheckId, CheckResult>): ReportControl {
  const results = c.checks.map((id) => checks.get(id) as CheckResult);
  const status = controlStatus(results.map((r) => r.status));
  const gaps = results.filter((r) => r.status === "fail" || r.status === "partial").flatMap((r) => r.gaps.map((g) => `[${r.id}] ${g}`));
  const gap =
    c.checks.length === 0
      ? `No Perimeter check covers this control: ${c.why}`
      : status === "not-applicable"
        ? `Nothing in this deployment for its checks to judge (${results.map((r) => r.summary).join("; ")}).`
        : gaps.join("\n");
  return {
    id: c.id,
    framework: c.framework,
    title: c.title,
    status,
    evidence: results.flatMap((r) => r.evidence.map((e) => ({ ...e, check: r.id }))),
    gap,
    coverage: c.coverage,
    why: c.why,
    checks: results.map((r) => ({ id: r.id, status: r.status, summary: r.summary })),
  };
}

async function readAuditHead(ctx: Context): Promise<AuditHead> {
  const head = await ctx.store.db.selectFrom("audit_head").select(["size", "note"]).where("id", "=", 1).executeTakeFirst();
  const size = Number(head?.size ?? 0);
  const note = head?.note ?? null;
  if (note === null || note === "") return { size, root: null, note: null, verified: false };
  const check = verifyCheckpointNote(note, auditVerifierKeys(ctx.loaded));
  return { size, root: check.ok ? check.checkpoint.root.toString("hex") : null, note, verified: check.ok && check.checkpoint.size === size };
}

/** Sort: failing controls first within each framework, the catalogue's order otherwise. */
export function byUrgency(controls: readonly ReportControl[]): ReportControl[] {
  return [...controls].sort((a, b) => FRAMEWORK_IDS.indexOf(a.framework) - FRAMEWORK_IDS.indexOf(b.framework) || ORDER[a.status] - ORDER[b.status]);
}

/** The report's digest: sha256 over its JSON text exactly as written (the JSON form, or the copy the HTML embeds). */
export function reportDigest(json: string): string {
  return createHash("sha256").update(json, "utf8").digest("hex");
}

/** The report as JSON text: the form the digest is over. */
export function reportJson(report: ComplianceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
