import type { Context } from "../app/context.js";
import { lifecycleDeps } from "../app/services.js";
import { type AuditWitness, auditVerifierKeys, FileWitness, verifyAuditLog, witnessStatuses } from "../audit/index.js";
import { pageAuditEvents } from "../audit/query.js";
import { configDigest } from "../config/digest.js";
import { asPerimeterError } from "../errors.js";
import { approvalCheck } from "../evals/assess.js";
import { EvalRepository, type EvalRun } from "../evals/repository.js";
import { identityStatus } from "../identity/service.js";
import { IdentityRepository } from "../identity/repository.js";
import { InventoryRepository } from "../inventory/repository.js";
import type { ModelVersion, Runtime } from "../inventory/types.js";
import { listKills } from "../killswitch/index.js";
import { provenanceProblem } from "../lifecycle/provenance.js";
import { type Evidence, LifecycleRepository, type LifecycleState } from "../lifecycle/repository.js";
import { servable } from "../lifecycle/servable.js";
import { type ApprovalRecord, approvalRecord } from "../lifecycle/service.js";
import { gatewayPoliciesInForce } from "../policy/use.js";
import { type AccessFinding, type AccessFindingRule, accessReview } from "../posture/access.js";
import { runtimePosture } from "../posture/runtimes.js";
import { ToolRepository } from "../tools/repository.js";

// The posture checks a compliance report is made of: each one a question about the live state (the store, the
// configuration in force, the audit log), answered pass, fail, partial or not-applicable, with links to the
// evidence it read (audit event sequence numbers, scan, approval, eval and provenance ids) and, when it does
// not pass, the gap to close in words a person can act on. An error while checking is a failed check, never a pass.

export const CHECK_IDS = [
  "served-models-approved",
  "model-scans-clean",
  "model-signatures",
  "model-files-no-secrets",
  "approvals-separated",
  "models-evaluated",
  "derived-models-evaluated",
  "derived-models-provenance",
  "inventory-complete",
  "runtime-patch-level",
  "identities-owned-expiring",
  "keys-rotated",
  "identities-least-privilege",
  "identities-active",
  "environments-separated",
  "policies-enforced",
  "limits-configured",
  "guards-injection",
  "guards-sensitive-data",
  "guards-output",
  "tool-servers-pinned",
  "tool-credentials-per-call",
  "kill-switch-ready",
  "live-monitoring",
  "audit-log-verifies",
  "audit-log-witnessed",
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export type CheckStatus = "pass" | "fail" | "partial" | "not-applicable";

/** Where an auditor finds what a check read. */
export interface EvidenceLink {
  readonly kind:
    | "audit-event"
    | "audit-head"
    | "scan"
    | "approval"
    | "eval"
    | "provenance"
    | "model"
    | "runtime"
    | "identity"
    | "policy-set"
    | "tool-pin"
    | "kill"
    | "config";
  /** The id to look up: an audit sequence number (#123), an evidence or eval id, a name, a config path. */
  readonly ref: string;
  readonly about: string;
}

export interface CheckResult {
  readonly id: CheckId;
  readonly status: CheckStatus;
  /** One line: what was checked and what it found. */
  readonly summary: string;
  readonly evidence: readonly EvidenceLink[];
  /** What to do, one line per gap; empty when it passes. */
  readonly gaps: readonly string[];
}

/** What a report is judged on, read once. */
interface State {
  readonly ctx: Context;
  readonly now: Date;
  readonly versions: readonly ModelVersion[];
  readonly states: ReadonlyMap<string, LifecycleState>;
  readonly approvedFor: ReadonlyMap<string, readonly string[]>;
  readonly runtimes: readonly Runtime[];
  readonly access: readonly AccessFinding[];
  readonly identities: number;
  /** model:<id> → sequence number of its newest allowed model.approve event. */
  readonly approvalEvents: ReadonlyMap<string, number>;
  /** Every approval of each approved version, verified (read once: two checks judge them). */
  readonly approvals: ReadonlyMap<string, readonly { evidence: Evidence; record: ApprovalRecord }[]>;
  /** The gateway's policy set in force, or why it could not be built. */
  readonly policies: Awaited<ReturnType<typeof gatewayPoliciesInForce>> | Error;
  readonly witnesses: readonly AuditWitness[];
  /** The newest gateway start whose configuration differs from the one this report reads, if it does. */
  readonly otherConfig: { readonly seq: number; readonly time: string; readonly digest: string } | undefined;
}

/** Checks that read the configuration (not the store): judged on the report's own, which may not be the gateways'. */
const CONFIG_CHECKS: ReadonlySet<CheckId> = new Set([
  "environments-separated",
  "policies-enforced",
  "limits-configured",
  "guards-injection",
  "guards-sensitive-data",
  "guards-output",
  "tool-servers-pinned",
  "tool-credentials-per-call",
  "live-monitoring",
  "audit-log-witnessed",
]);

const ACTIVE_STATES: ReadonlySet<LifecycleState> = new Set(["approved", "deployed"]);
const DERIVED_KINDS: ReadonlySet<string> = new Set(["fine-tune", "adapter", "merge", "quantization"]);
/** Evidence links listed per check at most; the summary gives the full count. */
const MAX_LINKS = 50;

export interface CheckOptions {
  readonly now?: Date | undefined;
  /** The witnesses `audit-log-witnessed` checks the log against (default: the file witness beside the audit key). */
  readonly witnesses: readonly AuditWitness[];
}

/** Run every check over the live state. */
export async function runChecks(ctx: Context, options: CheckOptions): Promise<Map<CheckId, CheckResult>> {
  const state = await readState(ctx, options);
  const out = new Map<CheckId, CheckResult>();
  for (const id of CHECK_IDS) {
    let result: CheckResult;
    try {
      result = await CHECKS[id](state);
    } catch (err) {
      result = {
        id,
        status: "fail",
        summary: "the check could not run",
        evidence: [],
        gaps: [`the check failed with an error, so it cannot be shown to hold: ${asPerimeterError(err).message}`],
      };
    }
    const other = state.otherConfig;
    if (other !== undefined && CONFIG_CHECKS.has(id) && result.status === "pass")
      result = {
        ...result,
        status: "partial",
        gaps: [
          `judged on the configuration this report was run with, which is not the one the gateway that started at ${other.time} runs with (audit event #${other.seq}, configuration sha256 ${other.digest.slice(0, 12)}…): run the report with the gateways' configuration`,
        ],
      };
    out.set(id, { ...result, evidence: result.evidence.slice(0, MAX_LINKS) });
  }
  return out;
}

async function readState(ctx: Context, options: CheckOptions): Promise<State> {
  const inventory = new InventoryRepository(ctx.store);
  const lifecycle = new LifecycleRepository(ctx.store);
  const versions = await inventory.listModels();
  const stateRecords = await lifecycle.states(versions.map((v) => v.id));
  const states = new Map(versions.map((v) => [v.id, stateRecords.get(v.id)?.state ?? ("registered" as LifecycleState)]));
  const approvedFor = await lifecycle.approvedEnvironments(versions.map((v) => v.id));
  const runtimes = await inventory.listRuntimes();
  const now = options.now ?? new Date();
  // Built once (Cedar parses and validates the set): an error is policies-enforced's failure, not the report's.
  const policies = await gatewayPoliciesInForce(ctx).catch((err: unknown) => asPerimeterError(err));
  const permits = policies instanceof Error ? undefined : policies.engine.policies.filter((p) => p.effect === "permit").map((p) => p.id);
  const access = await accessReview(ctx.store, ctx.loaded.config.posture.accessReview, now, { permits });
  const approvals = await approvalRecords(
    ctx,
    versions.filter((v) => ACTIVE_STATES.has(states.get(v.id) ?? "registered")),
  );
  const identities = (await new IdentityRepository(ctx.store).list()).filter((i) => identityStatus(i, now) === "active").length;
  const approvalEvents = new Map<string, number>();
  let before: number | undefined;
  for (let page = 0; page < 100; page++) {
    const events = await pageAuditEvents(ctx.store, { action: "model.approve", decision: "allow", limit: 1000, before });
    for (const e of events.events) if (!approvalEvents.has(e.resource)) approvalEvents.set(e.resource, e.seq);
    if (events.next === null) break;
    before = events.next;
  }
  const started = (await pageAuditEvents(ctx.store, { action: "gateway.start", limit: 1 })).events[0];
  const theirs = started?.details["configDigest"];
  const otherConfig =
    started !== undefined && typeof theirs === "string" && theirs !== configDigest(ctx.loaded.config)
      ? { seq: started.seq, time: started.time, digest: theirs }
      : undefined;
  return {
    ctx,
    now,
    versions,
    states,
    approvedFor,
    runtimes,
    access,
    identities,
    approvalEvents,
    approvals,
    policies,
    witnesses: options.witnesses,
    otherConfig,
  };
}

// ---------- helpers ----------

const result = (id: CheckId, status: CheckStatus, summary: string, evidence: EvidenceLink[], gaps: string[] = []): CheckResult => ({
  id,
  status,
  summary,
  evidence,
  gaps,
});

/** pass when no gap, fail otherwise; not-applicable when nothing was there to check. */
function judged(id: CheckId, checked: number, what: string, evidence: EvidenceLink[], gaps: string[]): CheckResult {
  if (checked === 0) return result(id, "not-applicable", `no ${what} to check`, evidence);
  if (gaps.length === 0) return result(id, "pass", `${checked} ${what} checked: all hold`, evidence);
  return result(id, "fail", `${gaps.length} gap${gaps.length === 1 ? "" : "s"} in ${checked} ${what}`, evidence, gaps);
}

const activeVersions = (s: State) => s.versions.filter((v) => ACTIVE_STATES.has(s.states.get(v.id) ?? "registered"));
/** Versions still in play: not revoked or deprecated. */
const liveVersions = (s: State) => s.versions.filter((v) => !["revoked", "deprecated"].includes(s.states.get(v.id) ?? "registered"));
const approvalLink = (s: State, v: ModelVersion): EvidenceLink[] => {
  const seq = s.approvalEvents.get(`model:${v.id}`);
  return seq === undefined ? [] : [{ kind: "audit-event", ref: `#${seq}`, about: `model.approve of ${v.id}` }];
};

const derivedVersions = (s: State) => liveVersions(s).filter((v) => DERIVED_KINDS.has(v.kind));

function latestOfEach(s: State, kind: "scan" | "approval" | "provenance", versions: readonly ModelVersion[]): Promise<Map<string, Evidence>> {
  return new LifecycleRepository(s.ctx.store).latestOfEach(
    versions.map((v) => v.id),
    kind,
  );
}

/**
 * Every approval of each approved version, read back and verified against the lifecycle's keys, oldest first:
 * each one counts (a later approval for another environment widens what the version may serve), so each must verify.
 */
async function approvalRecords(ctx: Context, active: readonly ModelVersion[]): Promise<Map<string, { evidence: Evidence; record: ApprovalRecord }[]>> {
  const deps = lifecycleDeps(ctx);
  const repo = new LifecycleRepository(ctx.store);
  const out = new Map<string, { evidence: Evidence; record: ApprovalRecord }[]>();
  for (const v of active) {
    const rows = (await repo.evidence(v.id, "approval")).filter((e) => e.verdict === "pass");
    if (rows.length > 0)
      out.set(
        v.id,
        rows.map((evidence) => ({ evidence, record: approvalRecord(deps, evidence) })),
      );
  }
  return out;
}

/** What a check says of one version: a gap, the evidence that it holds, or null when it does not apply. */
type VersionVerdict = { readonly gap: string } | { readonly evidence: readonly EvidenceLink[] } | null;

async function eachVersion(
  id: CheckId,
  versions: readonly ModelVersion[],
  what: string,
  judge: (v: ModelVersion) => VersionVerdict | Promise<VersionVerdict>,
): Promise<CheckResult> {
  const evidence: EvidenceLink[] = [];
  const gaps: string[] = [];
  let checked = 0;
  for (const v of versions) {
    const verdict = await judge(v);
    if (verdict === null) continue;
    checked++;
    if ("gap" in verdict) gaps.push(verdict.gap);
    else evidence.push(...verdict.evidence);
  }
  return judged(id, checked, what, evidence, gaps);
}

async function evalRuns(s: State, v: ModelVersion): Promise<EvalRun[]> {
  return (await new EvalRepository(s.ctx.store).runs(v.id)).filter((r) => r.status === "complete" && r.digest === v.digest && r.evaluation !== null);
}

function accessCheck(id: CheckId, s: State, rules: readonly AccessFindingRule[], what: string): CheckResult {
  const found = s.access.filter((f) => rules.includes(f.rule));
  const evidence: EvidenceLink[] = found.flatMap((f) => (f.identity === null ? [] : [{ kind: "identity" as const, ref: f.identity.id, about: f.rule }]));
  if (s.identities === 0) return result(id, "not-applicable", "no active identities", []);
  if (found.length === 0)
    return result(id, "pass", `${s.identities} active identit${s.identities === 1 ? "y" : "ies"} reviewed: ${what}`, [
      { kind: "config", ref: "posture.accessReview", about: JSON.stringify(s.ctx.loaded.config.posture.accessReview) },
    ]);
  return result(
    id,
    "fail",
    `${found.length} finding${found.length === 1 ? "" : "s"} in the access review`,
    evidence,
    found.map((f) => f.message),
  );
}

// ---------- the checks ----------

const CHECKS: Record<CheckId, (s: State) => Promise<CheckResult> | CheckResult> = {
  async "served-models-approved"(s) {
    const served = await new InventoryRepository(s.ctx.store).servedModels();
    const runtimes = new Map(s.runtimes.map((r) => [r.name, r]));
    const evidence: EvidenceLink[] = [];
    const gaps: string[] = [];
    let checked = 0;
    for (const m of served) {
      const runtime = runtimes.get(m.runtime);
      if (runtime === undefined) continue;
      checked++;
      const where = `runtime ${runtime.name} (${runtime.environment}) serves "${m.servedName}"`;
      if (m.digest === null) {
        gaps.push(
          `${where} and vouches for no digest, so it cannot be shown to be an approved version: attest it (perimeter admit PATH --runtime ${runtime.name} --served-name ${m.servedName})`,
        );
        continue;
      }
      const candidates = s.versions.filter((v) => v.digest === m.digest || v.files.some((f) => f.sha256 === m.digest));
      const ok = candidates.find(
        (v) =>
          servable({ ...v, approvedFor: s.approvedFor.get(v.id) ?? [] }, s.states.get(v.id) ?? "registered", {
            runtime: runtime.name,
            environment: runtime.environment,
            digest: m.digest,
          }).allow,
      );
      if (ok !== undefined) {
        evidence.push({ kind: "runtime", ref: runtime.name, about: `serves ${ok.id} with its approved digest` }, ...approvalLink(s, ok));
        continue;
      }
      if (candidates.length === 0)
        gaps.push(
          `${where} with bytes (sha256 ${m.digest.slice(0, 12)}…) that are in no inventory version: they were never scanned, signed or approved — register, scan, sign and approve them, or take the model off the runtime`,
        );
      else
        gaps.push(
          `${where}, which is ${candidates.map((v) => `${v.id} (${s.states.get(v.id) ?? "registered"}${ACTIVE_STATES.has(s.states.get(v.id) ?? "registered") ? `, approved for ${(s.approvedFor.get(v.id) ?? []).join(", ") || "no environment"}` : ""})`).join(", ")}: it is served without an approval for ${runtime.environment} — sign it, have an approver approve it (perimeter approve), or take it off the runtime`,
        );
    }
    return judged("served-models-approved", checked, "served models", evidence, gaps);
  },

  async "model-scans-clean"(s) {
    const scans = await latestOfEach(s, "scan", activeVersions(s));
    return eachVersion("model-scans-clean", activeVersions(s), "approved versions", (v) => {
      const scan = scans.get(v.id);
      if (scan === undefined) return { gap: `${v.id} is ${s.states.get(v.id)} with no scan on record: scan it (perimeter scan PATH --model ${v.id})` };
      if (scan.verdict !== "pass" || scan.digest !== v.digest)
        return { gap: `${v.id}'s last scan (${scan.id}) is not a clean scan of its approved files: scan it again, and revoke it if the files are unsafe` };
      return { evidence: [{ kind: "scan", ref: scan.id, about: `clean scan of ${v.id}` }] };
    });
  },

  async "model-signatures"(s) {
    const approvals = s.approvals;
    return eachVersion("model-signatures", activeVersions(s), "approved versions", (v) => {
      const all = approvals.get(v.id) ?? [];
      const newest = all[all.length - 1];
      if (newest === undefined)
        return {
          gap: `${v.id} is ${s.states.get(v.id)} with no approval on record, so no signature check is recorded: revoke it, or approve it through perimeter approve`,
        };
      const bad = all.find((a) => !a.record.verified);
      if (bad !== undefined)
        return {
          gap: `${v.id}'s approval ${bad.evidence.id} does not verify${bad.record.problem === null ? "" : ` (${bad.record.problem})`}: an approval nobody signed was added or changed in the store — find out why, and revoke ${v.id} until it is approved again`,
        };
      if (newest.record.signer === null)
        return { gap: `${v.id}'s approval (${newest.evidence.id}) names no verified OMS signature; approve it again with a signature by a trusted signer` };
      return {
        evidence: [
          ...all.map((a) => ({ kind: "approval" as const, ref: a.evidence.id, about: `${v.id} signed by ${a.record.signer ?? "?"}, verified at approval` })),
          ...approvalLink(s, v),
        ],
      };
    });
  },

  async "model-files-no-secrets"(s) {
    const live = liveVersions(s);
    const scans = await latestOfEach(s, "scan", live);
    const out = await eachVersion("model-files-no-secrets", live, "scanned versions", (v) => {
      const scan = scans.get(v.id);
      if (scan === undefined) return null;
      const refused = (scan.body["refused"] as Array<{ path?: unknown; rules?: unknown }> | undefined) ?? [];
      const withSecrets = refused.filter((f) => Array.isArray(f.rules) && f.rules.includes("SECRET_IN_FILE")).map((f) => String(f.path));
      if (withSecrets.length > 0)
        return {
          gap: `${v.id}'s files hold credentials (${withSecrets.slice(0, 5).join(", ")}; see scan ${scan.id}): revoke the credentials, remove them from the files, and register the cleaned files as a new version`,
        };
      return { evidence: [{ kind: "scan", ref: scan.id, about: `no credentials found in ${v.id}'s files` }] };
    });
    const unscanned = live.filter((v) => !scans.has(v.id)).length;
    if (out.status === "pass" && unscanned > 0)
      return { ...out, status: "partial", gaps: [`${unscanned} registered version(s) have no scan, so their files were not read for credentials: scan them`] };
    return out;
  },

  async "approvals-separated"(s) {
    const approvals = s.approvals;
    return eachVersion("approvals-separated", activeVersions(s), "approved versions", (v) => {
      const all = approvals.get(v.id) ?? [];
      if (all.length === 0) return { gap: `${v.id} is ${s.states.get(v.id)} with no recorded approval: revoke it, or have an approver approve it` };
      for (const { evidence, record } of all) {
        if (!record.verified) return { gap: `${v.id}'s approval (${evidence.id}) does not verify${record.problem === null ? "" : `: ${record.problem}`}` };
        if (record.submitter !== null && record.submitter === record.approver)
          return { gap: `${v.id} was approved by its own submitter ${record.approver} (${evidence.id}): have another approver approve it` };
      }
      return {
        evidence: [
          ...all.map((a) => ({
            kind: "approval" as const,
            ref: a.evidence.id,
            about: `${v.id} approved by ${a.record.approver}, submitted by ${a.record.submitter ?? "?"}`,
          })),
          ...approvalLink(s, v),
        ],
      };
    });
  },

  "models-evaluated": (s) =>
    eachVersion("models-evaluated", activeVersions(s), "approved versions", async (v) => {
      // As approval judges it: the newest complete evaluation of these bytes, its cases judged again under today's gate.
      const check = await approvalCheck(s.ctx.store, s.ctx.loaded.config.evals, v);
      if (check.pass && check.evaluation !== undefined)
        return { evidence: [{ kind: "eval", ref: check.evaluation, about: `${v.id} passes the eval gate as configured now` }] };
      return {
        gap: `${v.id} is in use and does not pass the eval gate: ${check.reasons.join("; ") || "no evaluation"} (revoke it, or fix and evaluate it again; set lifecycle.requireEval)`,
      };
    }),

  "derived-models-evaluated": (s) =>
    eachVersion("derived-models-evaluated", derivedVersions(s), "fine-tunes, adapters and merges", async (v) => {
      const newest = (await evalRuns(s, v))[0];
      if (newest === undefined)
        return {
          gap: `${v.id} is a ${v.kind} of ${v.parents.join(", ") || "an unrecorded parent"} and was never evaluated itself (its parent's evaluation does not carry over): run perimeter eval run ${v.id}`,
        };
      return { evidence: [{ kind: "eval", ref: newest.id, about: `${v.kind} ${v.id} evaluated ${newest.finishedAt ?? newest.startedAt}` }] };
    }),

  async "derived-models-provenance"(s) {
    const deps = lifecycleDeps(s.ctx);
    const statements = await latestOfEach(s, "provenance", derivedVersions(s));
    return eachVersion("derived-models-provenance", derivedVersions(s), "fine-tunes, adapters and merges", async (v) => {
      const problem = await provenanceProblem(deps, v);
      if (problem !== undefined) return { gap: `${v.id}: ${problem}` };
      return { evidence: [{ kind: "provenance", ref: statements.get(v.id)?.id ?? v.id, about: `SLSA provenance of ${v.id} verifies and names its parents` }] };
    });
  },

  "inventory-complete"(s) {
    const known = new Set(s.versions.map((v) => v.id));
    return eachVersion("inventory-complete", liveVersions(s), "model versions", (v) => {
      const missing: string[] = [];
      if (v.owner === null || v.owner.trim() === "") missing.push("an owner");
      if (v.license.tier === "unknown") missing.push("a known licence");
      if (DERIVED_KINDS.has(v.kind) && v.parents.length === 0) missing.push("its parents");
      const unknownParents = v.parents.filter((p) => !known.has(p));
      if (unknownParents.length > 0) missing.push(`parents in the inventory (${unknownParents.join(", ")})`);
      if (missing.length > 0) return { gap: `${v.id} lacks ${missing.join(", ")}: record them (perimeter model register … --owner, --license, --parent)` };
      return {
        evidence: [{ kind: "model", ref: v.id, about: `digest ${v.digest.slice(0, 12)}…, ${v.license.expression ?? v.license.tier}, owner ${v.owner}` }],
      };
    });
  },

  "runtime-patch-level"(s) {
    const evidence: EvidenceLink[] = [];
    const gaps: string[] = [];
    let unknown = 0;
    for (const r of s.runtimes) {
      const p = runtimePosture(r);
      if (p.status === "patched") evidence.push({ kind: "runtime", ref: r.name, about: `${p.kind ?? r.type} ${p.version ?? "?"}: no known advisory` });
      else if (p.status === "vulnerable")
        gaps.push(
          `runtime ${r.name} runs ${p.kind} ${p.version}, affected by ${p.advisories.map((a) => a.ids[0]).join(", ")}: upgrade to ${p.upgradeTo ?? "a release that fixes them (none is published yet: restrict or retire it)"}`,
        );
      else {
        unknown++;
        gaps.push(
          `runtime ${r.name}'s version cannot be told or compared (${p.findings[0]?.message ?? "not reported"}): find its version and upgrade it, or discover it again`,
        );
      }
    }
    const out = judged("runtime-patch-level", s.runtimes.length, "runtimes", evidence, gaps);
    // Runtimes that only would not say: the patch level is not shown, not shown wrong.
    if (out.status === "fail" && unknown === gaps.length) return { ...out, status: "partial" };
    return out;
  },

  "identities-owned-expiring": (s) =>
    accessCheck("identities-owned-expiring", s, ["IDENTITY_NO_OWNER", "IDENTITY_NO_EXPIRY"], "each has an owner and an expiry"),
  "keys-rotated": (s) => accessCheck("keys-rotated", s, ["KEY_ROTATION_DUE"], "no key is past its rotation age"),
  "identities-least-privilege": (s) =>
    accessCheck(
      "identities-least-privilege",
      s,
      ["SCOPE_UNUSED", "ADMINS_EXCESS", "POLICY_UNUSED"],
      "every scope held and every permit in force was needed, and admins are within the limit",
    ),
  "identities-active": (s) => accessCheck("identities-active", s, ["IDENTITY_UNUSED"], "each was used within the review window"),
  "environments-separated"(s) {
    const out = accessCheck("environments-separated", s, ["IDENTITY_SPANS_ENVIRONMENTS"], "no identity's credentials were presented in another environment");
    const environments = new Set([...s.runtimes.map((r) => r.environment), ...s.versions.flatMap((v) => v.environments)]);
    const pinned = s.ctx.loaded.config.gateway.environments;
    const evidence = [
      ...out.evidence,
      { kind: "config" as const, ref: "gateway.environments", about: pinned.length === 0 ? "every environment" : pinned.join(", ") },
    ];
    if (out.status === "pass" && environments.size > 1 && pinned.length === 0)
      return {
        ...out,
        status: "partial",
        evidence,
        gaps: [
          `runtimes and models span ${[...environments].sort().join(", ")} and this gateway serves all of them: run one gateway per environment with gateway.environments set, so that a key of one is refused in another`,
        ],
      };
    return { ...out, evidence };
  },

  async "policies-enforced"(s) {
    if (s.policies instanceof Error) throw s.policies;
    const { engine, applied: latest } = s.policies;
    const permits = engine.policies.filter((p) => p.effect === "permit").length;
    const evidence: EvidenceLink[] =
      latest !== undefined
        ? [{ kind: "policy-set", ref: `gateway#${latest.seq}`, about: `applied by ${latest.appliedBy} at ${latest.appliedAt}, sha256 ${latest.digest}` }]
        : [{ kind: "config", ref: "policy.files", about: `${engine.policies.length} policies validated against the schema` }];
    if (engine.blanketPermits.length > 0)
      return result(
        "policies-enforced",
        "fail",
        `${engine.blanketPermits.length} permit(s) grant every caller everything they name`,
        evidence,
        engine.blanketPermits.map(
          (id) =>
            `policy ${id} permits with no principal, no resource and no condition, so default deny means nothing for what it names: constrain it to identities, scopes or models`,
        ),
      );
    return result(
      "policies-enforced",
      "pass",
      `every model and tool call is decided by a validated Cedar policy set of ${engine.policies.length} policies (${permits} permits; anything not permitted is refused)`,
      evidence,
    );
  },

  "limits-configured"(s) {
    const limits = s.ctx.loaded.config.gateway.limits.identity;
    const set = [
      limits.requestsPerMinute === undefined ? undefined : "requestsPerMinute",
      limits.tokensPerMinute === undefined ? undefined : "tokensPerMinute",
    ].filter((x) => x !== undefined);
    const evidence: EvidenceLink[] = [{ kind: "config", ref: "gateway.limits.identity", about: JSON.stringify(limits) }];
    if (set.length === 2) return result("limits-configured", "pass", "requests and tokens per minute are limited per identity", evidence);
    const missing = ["requestsPerMinute", "tokensPerMinute"].filter((x) => !set.includes(x));
    return result("limits-configured", set.length === 0 ? "fail" : "partial", `per-identity limits set: ${set.join(", ") || "none"}`, evidence, [
      `set gateway.limits.identity.${missing.join(" and ")} so that one identity cannot consume without bound`,
    ]);
  },

  "guards-injection"(s) {
    const g = s.ctx.loaded.config.guards;
    const evidence: EvidenceLink[] = [
      {
        kind: "config",
        ref: "guards",
        about: `enabled ${g.enabled}, detectors ${g.detectors.join(", ")}, input injection ${g.actions.input["injection"] ?? g.actions.other}`,
      },
    ];
    const injection = g.actions.input["injection"] ?? g.actions.other;
    if (!g.enabled || !g.detectors.includes("injection") || injection === "allow")
      return result("guards-injection", "fail", "no prompt-injection detector inspects inputs", evidence, [
        "turn the injection detector on (guards.enabled, guards.detectors: injection, guards.actions.input.injection: block)",
      ]);
    if (injection === "flag")
      return result("guards-injection", "partial", "prompt injection is detected on inputs and only flagged", evidence, [
        "injection is flagged, not stopped: set guards.actions.input.injection to block, or deny on context.guards in a policy",
      ]);
    return result("guards-injection", "pass", `prompt injection on inputs is ${injection === "block" ? "blocked" : "redacted"}`, evidence);
  },

  "guards-sensitive-data"(s) {
    const g = s.ctx.loaded.config.guards;
    // A category no entry names takes guards.actions.other.
    const input = (category: string) => g.actions.input[category] ?? g.actions.other;
    const output = (category: string) => g.actions.output[category] ?? g.actions.other;
    const evidence: EvidenceLink[] = [
      { kind: "config", ref: "guards.actions", about: `secrets in ${input("secret")}/out ${output("secret")}, PII in ${input("pii")}/out ${output("pii")}` },
    ];
    const stops = (a: string) => a === "block" || a === "redact";
    const gaps: string[] = [];
    if (!g.enabled || !g.detectors.includes("secrets") || !stops(input("secret")) || !stops(output("secret")))
      gaps.push(
        "secrets must be redacted or blocked in both directions: guards.detectors includes secrets, guards.actions.input.secret and output.secret redact or block",
      );
    if (gaps.length > 0) return result("guards-sensitive-data", "fail", "secrets can pass through prompts or answers", evidence, gaps);
    if (!g.detectors.includes("pii") || !stops(output("pii")))
      return result("guards-sensitive-data", "partial", "secrets are redacted or blocked; PII in answers is only flagged", evidence, [
        "set guards.actions.output.pii to redact (or block) so personal data in answers does not reach the client",
      ]);
    return result("guards-sensitive-data", "pass", "secrets and PII are redacted or blocked in prompts and answers", evidence);
  },

  "guards-output"(s) {
    const g = s.ctx.loaded.config.guards;
    const stops = Object.values(g.actions.output).some((a) => a === "block" || a === "redact") || g.models.some((m) => m.directions.includes("output"));
    const evidence: EvidenceLink[] = [
      { kind: "config", ref: "guards", about: `output ${JSON.stringify(g.actions.output)}, hold-back ${g.holdBackTokens} tokens on streams` },
    ];
    if (!g.enabled || !stops)
      return result("guards-output", "fail", "nothing inspects answers before they reach the client", evidence, [
        "turn the guards on and block or redact something on output (guards.actions.output), or add an output guard model",
      ]);
    return result("guards-output", "pass", `answers are inspected, streamed ones ${g.holdBackTokens} tokens behind, and cut on a block`, evidence);
  },

  async "tool-servers-pinned"(s) {
    const tools = s.ctx.loaded.config.tools;
    if (tools.servers.length === 0) return result("tool-servers-pinned", "not-applicable", "no MCP tool servers are configured", []);
    const pins = await new ToolRepository(s.ctx.store).pins();
    const evidence: EvidenceLink[] = [];
    const gaps: string[] = [];
    for (const server of tools.servers) {
      const mine = pins.filter((p) => p.server === server.name);
      if (mine.length === 0)
        gaps.push(`tool server ${server.name}'s tools were never reviewed and pinned: review them (perimeter tools review ${server.name}) and pin them`);
      else evidence.push({ kind: "tool-pin", ref: server.name, about: `${mine.length} tools pinned, last by ${mine[0]?.approvedBy}` });
    }
    if (tools.servers.some((srv) => srv.url !== undefined) && tools.egress.allow.length === 0)
      gaps.push("tools.egress.allow is empty: list the hosts tool servers may reach, so a server cannot be pointed anywhere");
    return judged("tool-servers-pinned", tools.servers.length, "tool servers", evidence, gaps);
  },

  "tool-credentials-per-call"(s) {
    const servers = s.ctx.loaded.config.tools.servers;
    if (servers.length === 0) return result("tool-credentials-per-call", "not-applicable", "no MCP tool servers are configured", []);
    const standing = servers.filter((srv) => srv.credential.type === "static");
    const evidence: EvidenceLink[] = servers
      .filter((srv) => srv.credential.type === "jwt")
      .map((srv) => ({ kind: "config" as const, ref: `tools.servers.${srv.name}.credential`, about: "a per-call token bound to the identity and the tool" }));
    if (standing.length === 0) return result("tool-credentials-per-call", "pass", "every tool server gets per-call, short-lived credentials", evidence);
    return result("tool-credentials-per-call", "partial", `${standing.length} tool server(s) get a standing secret`, evidence, [
      `${standing.map((srv) => srv.name).join(", ")} receive a static secret on every call: give them per-call tokens (credential type jwt) when the server can verify them`,
    ]);
  },

  async "kill-switch-ready"(s) {
    const kills = await listKills(s.ctx.store);
    const events = await pageAuditEvents(s.ctx.store, { action: "kill.", limit: 20 });
    const evidence: EvidenceLink[] = [
      ...kills.map((k) => ({ kind: "kill" as const, ref: `${k.kind}:${k.target}`, about: `in force since ${k.killedAt}, by ${k.killedBy}` })),
      ...events.events.map((e) => ({ kind: "audit-event" as const, ref: `#${e.seq}`, about: `${e.action} ${e.resource} by ${e.actor}` })),
      {
        kind: "config",
        ref: "gateway.killPollMs",
        about: `every gateway reads kills every ${s.ctx.loaded.config.gateway.killPollMs} ms and refuses when it cannot`,
      },
    ];
    return result("kill-switch-ready", "pass", `the kill switch is readable from the store; ${kills.length} kill(s) in force`, evidence);
  },

  "live-monitoring"(s) {
    const m = s.ctx.loaded.config.evals.monitor;
    const judges = ["the built-in judges", ...m.judges].join(", ");
    const evidence: EvidenceLink[] = [{ kind: "config", ref: "evals.monitor", about: `enabled ${m.enabled}, sample rate ${m.sampleRate}, judges: ${judges}` }];
    if (!m.enabled || m.sampleRate === 0)
      return result("live-monitoring", "fail", "live traffic is not sampled and judged", evidence, [
        "turn on the live monitor (evals.monitor.enabled, with a sampleRate above 0) so that live traffic is judged and a critical finding trips the kill switch",
      ]);
    if (m.decisions.critical !== "act")
      return result("live-monitoring", "partial", "live traffic is judged, and a critical finding does not trip the kill switch", evidence, [
        "set evals.monitor.decisions.critical to act, so that a critical finding in live traffic stops the model",
      ]);
    return result(
      "live-monitoring",
      "pass",
      `${Math.round(m.sampleRate * 1000) / 10}% of live traffic is judged by ${judges}; a critical finding trips the kill switch`,
      evidence,
    );
  },

  async "audit-log-verifies"(s) {
    const report = await verifyAuditLog(s.ctx.store, auditVerifierKeys(s.ctx.loaded), {});
    const evidence: EvidenceLink[] = [
      { kind: "audit-head", ref: `size ${report.events}`, about: `${report.checkpoints} signed checkpoints, root ${report.root}` },
    ];
    if (report.ok) return result("audit-log-verifies", "pass", `${report.events} events and ${report.checkpoints} checkpoints verify`, evidence);
    return result(
      "audit-log-verifies",
      "fail",
      `the audit log does not verify${report.firstBadSeq === null ? "" : ` from event ${report.firstBadSeq}`}`,
      evidence,
      report.problems.slice(0, 5).map((p) => `${p.seq === null ? "" : `event ${p.seq}: `}${p.message}`),
    );
  },

  async "audit-log-witnessed"(s) {
    if (s.witnesses.length === 0)
      return result(
        "audit-log-witnessed",
        "fail",
        "no witness holds the log's signed head",
        [],
        ["configure a witness (audit.witnessFile, or a remote one in audit.witnesses) so that a rolled-back log is caught"],
      );
    // Whether the log extends what each witness holds; the log itself is verified whole by audit-log-verifies.
    const statuses = await witnessStatuses(s.ctx.store, auditVerifierKeys(s.ctx.loaded), s.witnesses);
    const evidence: EvidenceLink[] = statuses.map((w) => ({ kind: "config" as const, ref: w.name, about: `audit witness: ${w.message}` }));
    const inconsistent = statuses.filter((w) => !w.ok);
    if (inconsistent.length > 0)
      return result(
        "audit-log-witnessed",
        "fail",
        "the audit log is not consistent with its witness",
        evidence,
        inconsistent.map((w) => `the audit witness ${w.name} ${w.message}`),
      );
    const remote = s.witnesses.some((w) => !(w instanceof FileWitness));
    if (!remote)
      return result("audit-log-witnessed", "partial", "the log is consistent with its witness file on this host", evidence, [
        "the only witness is a file on the same host as the store: add a remote witness (audit.witnesses: an S3-compatible bucket or an HTTP endpoint) so that a host restored from backup is caught",
      ]);
    return result("audit-log-witnessed", "pass", `the log is consistent with ${s.witnesses.length} witness(es)`, evidence);
  },
};
