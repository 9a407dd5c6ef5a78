import { createPublicKey, type KeyObject } from "node:crypto";
import type { AuditLog } from "../audit/index.js";
import type { LifecycleConfig } from "../config/schema.js";
import { asPerimeterError, PerimeterError } from "../errors.js";
import { getModel } from "../inventory/models.js";
import type { ModelVersion } from "../inventory/types.js";
import type { ScanReport } from "../scan/scan.js";
import type { Store } from "../store/store.js";
import { APPROVAL_PAYLOAD_TYPE, keyId, signStatement, verifyStatement } from "./attestation.js";
import { provenanceProblem } from "./provenance.js";
import { LifecycleRepository, type Evidence, type LifecycleState } from "./repository.js";
import { verifyWithTrustedSigners, type ResolvedSigner } from "./signers.js";

// The model lifecycle: registered → evaluated → approved → deployed → deprecated | revoked, and rollback.
// Approval is a gate with separation of duties; every transition and every refusal is an audit event.

export interface LifecycleDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  readonly config: LifecycleConfig;
  readonly signers: () => ResolvedSigner[];
  /** The instance's lifecycle key: signs approvals when the approver brings none, and admission bundles. */
  readonly instanceKey: () => KeyObject;
  /** Its public half, read without ever creating the key (reading approvals); default: from instanceKey. */
  readonly instancePublicKey?: () => KeyObject;
  /** lifecycle.builders resolved: builder id → the public keys its provenance may be signed with. */
  readonly builderKeys?: () => ReadonlyMap<string, readonly KeyObject[]>;
  /** lifecycle.approverKeys resolved: approver → the public keys an approval by them may be signed with. */
  readonly approverKeys?: () => ReadonlyMap<string, readonly KeyObject[]>;
  /**
   * The eval gate on this version's stored evaluation, assessed now (lifecycle.requireEval). Without it the
   * gate cannot be checked, and an approval that requires it is refused.
   */
  readonly evalGate?: (version: ModelVersion) => Promise<EvalGateCheck>;
}

export interface EvalGateCheck {
  /** The evaluation the check stood on. */
  readonly evaluation?: string | undefined;
  readonly pass: boolean;
  readonly reasons: readonly string[];
}

export type Role = "submitter" | "approver" | "operator" | "auditor";

export function hasRole(config: LifecycleConfig, actor: string, role: Role): boolean {
  return config.roles[role].includes(actor);
}

function requireRole(deps: LifecycleDeps, actor: string, roles: readonly Role[], action: string): void {
  if (roles.some((r) => hasRole(deps.config, actor, r))) return;
  throw new PerimeterError("PERMISSION_DENIED", `${actor} may not ${action}: it takes the ${roles.join(" or ")} role (lifecycle.roles in perimeter.yaml)`);
}

export async function stateOf(store: Store, versionId: string): Promise<LifecycleState> {
  return (await new LifecycleRepository(store).state(versionId))?.state ?? "registered";
}

/** Attach a scan of the model's files as evidence: it counts only if it covered exactly the version's files. */
export async function recordScanEvidence(
  deps: Pick<LifecycleDeps, "store" | "audit">,
  ref: string,
  report: ScanReport,
  scannedDigest: string,
  actor: string,
): Promise<Evidence> {
  const version = await getModel(deps.store, ref);
  const clean = report.summary.files === report.summary.clean;
  const evidence = await new LifecycleRepository(deps.store).addEvidence({
    versionId: version.id,
    kind: "scan",
    verdict: clean && scannedDigest === version.digest ? "pass" : "fail",
    digest: scannedDigest,
    createdBy: actor,
    body: {
      summary: report.summary,
      matchesVersion: scannedDigest === version.digest,
      refused: report.files
        .filter((f) => f.verdict !== "clean")
        .slice(0, 100)
        .map((f) => ({ path: f.path, verdict: f.verdict, rules: [...new Set(f.findings.map((x) => x.rule))] })),
      files: report.files.map((f) => f.name),
    },
  });
  await deps.audit().append({
    actor,
    action: "evidence.scan",
    resource: `model:${version.id}`,
    decision: evidence.verdict === "pass" ? "allow" : "deny",
    details: { evidence: evidence.id, digest: scannedDigest, summary: report.summary },
  });
  return evidence;
}

/**
 * Record an evaluation's result as evidence on the version (the evals runner does, when a run completes); a
 * pass moves a registered version to evaluated. Approval does not take this record's word: it assesses the
 * stored evaluation again (LifecycleDeps.evalGate).
 */
export async function recordEvalEvidence(
  deps: LifecycleDeps,
  ref: string,
  result: "pass" | "fail",
  report: Record<string, unknown>,
  actor: string,
): Promise<Evidence> {
  const version = await getModel(deps.store, ref);
  const repo = new LifecycleRepository(deps.store);
  const evidence = await repo.addEvidence({ versionId: version.id, kind: "eval", verdict: result, digest: version.digest, createdBy: actor, body: report });
  if (result === "pass") await repo.transition(version.id, ["registered"], "evaluated", actor, `eval passed (${evidence.id})`);
  await deps.audit().append({
    actor,
    action: "evidence.eval",
    resource: `model:${version.id}`,
    decision: result === "pass" ? "allow" : "deny",
    details: { evidence: evidence.id },
  });
  return evidence;
}

/** Attach the digest of an OCI image (a KServe modelcar) that carries this version's files. */
export async function attachImage(deps: LifecycleDeps, ref: string, image: string, actor: string): Promise<Evidence> {
  requireRole(deps, actor, ["submitter", "operator"], "attach an image");
  const match = /@sha256:([0-9a-f]{64})$/.exec(image);
  if (match === null)
    throw new PerimeterError("USAGE", `the image must be pinned by digest (registry/repo@sha256:<64 hex>), not "${image}": a tag can be moved`);
  const version = await getModel(deps.store, ref);
  const evidence = await new LifecycleRepository(deps.store).addEvidence({
    versionId: version.id,
    kind: "oci-image",
    verdict: "pass",
    digest: match[1] as string,
    createdBy: actor,
    body: { image },
  });
  await deps.audit().append({ actor, action: "model.attach-image", resource: `model:${version.id}`, decision: "info", details: { image } });
  return evidence;
}

export interface ApprovalOptions {
  readonly actor: string;
  /** The approver's own key (PEM private key); else the instance's lifecycle key signs. */
  readonly signingKey?: KeyObject | undefined;
  /** Where the files are, if not where they were registered from. */
  readonly path?: string | undefined;
  readonly signature?: string | undefined;
  /** Why the approver approved (kept in the signed statement and the audit event). */
  readonly note?: string | undefined;
  /**
   * The environments approved, of those the version is registered for (default: all of them). An approved
   * version is approved for more environments (promoted) by approving it again for them, with every check.
   */
  readonly environments?: readonly string[] | undefined;
}

export interface ApprovalResult {
  readonly version: ModelVersion;
  readonly evidence: Evidence;
  readonly signer: string;
  /** The environments this approval names (new ones only, for a promotion). */
  readonly environments: readonly string[];
}

async function approveChecked(deps: LifecycleDeps, ref: string, options: ApprovalOptions): Promise<ApprovalResult> {
  const version = await getModel(deps.store, ref);
  const repo = new LifecycleRepository(deps.store);
  const state = (await repo.state(version.id))?.state ?? "registered";
  const unmet: string[] = [];
  const asked = options.environments === undefined || options.environments.length === 0 ? version.environments : [...new Set(options.environments)].sort();
  const unregistered = asked.filter((e) => !version.environments.includes(e));
  if (unregistered.length > 0)
    throw new PerimeterError(
      "USAGE",
      `${version.id} is registered for ${version.environments.join(", ") || "no environment"}, not for ${unregistered.join(", ")}: approve it only for those it is registered for`,
    );
  // A version already approved is promoted: approved again, with every check, for environments it is not approved for yet.
  const promotion = state === "approved" || state === "deployed";
  if (!promotion && state !== "registered" && state !== "evaluated") {
    throw new PerimeterError("LIFECYCLE_TRANSITION_INVALID", `${version.id} is ${state}: only a registered or evaluated version can be approved`);
  }
  const already = promotion ? ((await repo.approvedEnvironments([version.id])).get(version.id) ?? []) : [];
  const environments = asked.filter((e) => !already.includes(e));
  if (environments.length === 0) throw new PerimeterError("LIFECYCLE_TRANSITION_INVALID", `${version.id} is already approved for ${asked.join(", ")}`);
  if (!hasRole(deps.config, options.actor, "approver")) unmet.push(`${options.actor} does not hold the approver role (lifecycle.roles.approver)`);
  if (options.actor === version.registeredBy) unmet.push(`${options.actor} submitted ${version.id} and cannot also approve it (separation of duties)`);
  const keyProblem = approverKeyProblem(deps, options.actor, options.signingKey);
  if (keyProblem !== undefined) unmet.push(keyProblem);

  const scan = await repo.latest(version.id, "scan");
  if (scan === undefined) unmet.push(`no scan on record: run perimeter scan ${version.location ?? "PATH"} --model ${version.id}`);
  else if (scan.digest !== version.digest)
    unmet.push(
      `the last scan (${scan.createdAt}) covered other files (digest ${scan.digest.slice(0, 12)}…, not ${version.digest.slice(0, 12)}…): scan exactly this version's files`,
    );
  else if (scan.verdict !== "pass") unmet.push(`the last scan (${scan.createdAt}) was not clean: ${describeRefused(scan)}`);

  const path = options.path ?? version.location;
  let signer = "";
  if (path === null) unmet.push("the version has no recorded location: pass --path to its files so the signature can be checked");
  else {
    const check = await verifyWithTrustedSigners(path, deps.signers(), options.signature);
    if (!check.ok) unmet.push(check.reason);
    else if (check.verification.subjectDigest !== version.digest) {
      unmet.push(
        `the signature covers other files (digest ${check.verification.subjectDigest.slice(0, 12)}…) than ${version.id} (${version.digest.slice(0, 12)}…)`,
      );
    } else {
      signer = check.signer;
      if (scan?.verdict === "pass" && scan.digest === version.digest) unmet.push(...scanCoverageGaps(scan, check.verification.resources));
    }
  }

  if (deps.config.requireProvenance) {
    const problem = await provenanceProblem(deps, version);
    if (problem !== undefined) unmet.push(problem);
  }

  // The gate is assessed from the stored evaluation, never from a recorded verdict: eval evidence is a record
  // of what a run found, and cannot be written into a pass.
  let evalCheck: EvalGateCheck | undefined;
  if (deps.config.requireEval) {
    if (deps.evalGate === undefined) unmet.push("the eval gate is required (lifecycle.requireEval) but cannot be checked here: approve with the perimeter CLI");
    else {
      evalCheck = await deps.evalGate(version);
      if (!evalCheck.pass) unmet.push(evalFailure(evalCheck));
    }
  }

  if (unmet.length > 0) {
    await deps.audit().append({
      actor: options.actor,
      action: "model.approve",
      resource: `model:${version.id}`,
      decision: "deny",
      reason: unmet.join("; "),
      details: { unmet },
    });
    throw new PerimeterError("APPROVAL_REFUSED", `${version.id} cannot be approved:\n${unmet.map((u) => `  - ${u}`).join("\n")}`, { details: { unmet } });
  }

  const key = options.signingKey ?? deps.instanceKey();
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: version.id, digest: { sha256: version.digest } }],
    predicateType: "https://perimeter.dev/approval/v1",
    predicate: {
      model: version.id,
      environments,
      approver: options.actor,
      submitter: version.registeredBy,
      signer,
      ...(options.note === undefined || options.note === "" ? {} : { note: options.note }),
      scanEvidence: scan?.id,
      ...(evalCheck?.evaluation === undefined ? {} : { evaluation: evalCheck.evaluation, evalGate: "pass" }),
      time: new Date().toISOString(),
    },
  };
  const envelope = signStatement(statement, APPROVAL_PAYLOAD_TYPE, key);
  if (!promotion) {
    const moved = await repo.transition(version.id, ["registered", "evaluated"], "approved", options.actor, `approved; signature by ${signer}`);
    if (!moved) throw new PerimeterError("LIFECYCLE_TRANSITION_INVALID", `${version.id} changed state while it was being approved: run the approval again`);
  } else if (!["approved", "deployed"].includes((await repo.state(version.id))?.state ?? "registered")) {
    throw new PerimeterError("LIFECYCLE_TRANSITION_INVALID", `${version.id} changed state while it was being approved: run the approval again`);
  }
  const evidence = await repo.addEvidence({
    versionId: version.id,
    kind: "approval",
    verdict: "pass",
    digest: version.digest,
    createdBy: options.actor,
    body: { envelope, keyId: keyId(createPublicKey(key)) },
  });
  await deps.audit().append({
    actor: options.actor,
    action: "model.approve",
    resource: `model:${version.id}`,
    decision: "allow",
    details: {
      evidence: evidence.id,
      digest: version.digest,
      signer,
      environments,
      ...(promotion ? { promotion: true, alreadyApprovedFor: already } : {}),
      ...(options.note === undefined || options.note === "" ? {} : { note: options.note }),
    },
  });
  return { version, evidence, signer, environments };
}

/** Why the eval gate refuses: its own reasons (the evaluation, the categories and by how much). */
function evalFailure(check: EvalGateCheck): string {
  if (check.reasons.length === 0) return "the eval gate did not pass";
  return `the eval gate refuses: ${check.reasons.join("; ")}`;
}

/**
 * A clean scan proves only the files it covered: they must be exactly the signed files, or a file could be
 * signed, approved and admitted unscanned. Scans recorded before the file list was kept cannot prove it.
 */
function scanCoverageGaps(scan: Evidence, signed: readonly string[]): string[] {
  const listed = scan.body["files"];
  if (!Array.isArray(listed) || !listed.every((f): f is string => typeof f === "string")) {
    return [
      `the last scan (${scan.createdAt}) did not record which files it covered, so it cannot show that every signed file was scanned: scan again with perimeter scan PATH --model NAME@VERSION`,
    ];
  }
  const scanned = new Set(listed);
  const signedSet = new Set(signed);
  const unscanned = signed.filter((f) => !scanned.has(f));
  const unsigned = listed.filter((f) => !signedSet.has(f));
  const show = (names: readonly string[]) => `${names.slice(0, 10).join(", ")}${names.length > 10 ? ` and ${names.length - 10} more` : ""}`;
  const gaps: string[] = [];
  if (unscanned.length > 0)
    gaps.push(
      `${unscanned.length} signed file(s) were not covered by the last scan (${scan.createdAt}): ${show(unscanned)}; scan exactly the signed files again`,
    );
  if (unsigned.length > 0)
    gaps.push(`the last scan (${scan.createdAt}) covered ${unsigned.length} file(s) the signature does not: ${show(unsigned)}; sign and scan the same files`);
  return gaps;
}

function describeRefused(scan: Evidence): string {
  const refused = (scan.body["refused"] as Array<{ path: string; verdict: string }> | undefined) ?? [];
  return refused.length === 0
    ? "see the scan report"
    : refused
        .slice(0, 5)
        .map((r) => `${r.path} is ${r.verdict}`)
        .join(", ");
}

async function deployChecked(deps: LifecycleDeps, ref: string, environment: string, actor: string): Promise<void> {
  requireRole(deps, actor, ["operator"], "deploy");
  const version = await getModel(deps.store, ref);
  if (!version.environments.includes(environment)) {
    throw new PerimeterError("LIFECYCLE_TRANSITION_INVALID", `${version.id} is registered for ${version.environments.join(", ")}, not for ${environment}`);
  }
  const approvedFor = (await new LifecycleRepository(deps.store).approvedEnvironments([version.id])).get(version.id) ?? [];
  const state = await stateOf(deps.store, version.id);
  if ((state === "approved" || state === "deployed") && !approvedFor.includes(environment))
    throw new PerimeterError(
      "LIFECYCLE_TRANSITION_INVALID",
      `${version.id} is approved for ${approvedFor.join(", ") || "no environment"}, not for ${environment}: an approver approves it there first (perimeter approve ${version.id} --environment ${environment})`,
    );
  const now = new Date().toISOString();
  const moved = await new LifecycleRepository(deps.store).transition(
    version.id,
    ["approved", "deployed"],
    "deployed",
    actor,
    `deployed to ${environment}`,
    async (trx) => {
      await trx.deleteFrom("deployments").where("version_id", "=", version.id).where("environment", "=", environment).execute();
      await trx.insertInto("deployments").values({ version_id: version.id, environment, deployed_at: now, deployed_by: actor }).execute();
    },
  );
  if (!moved)
    throw new PerimeterError(
      "LIFECYCLE_TRANSITION_INVALID",
      `${version.id} is ${await stateOf(deps.store, version.id)}: only an approved version can be deployed`,
    );
  await deps
    .audit()
    .append({ actor, action: "model.deploy", resource: `model:${version.id}`, decision: "allow", details: { environment, digest: version.digest } });
}

async function retireChecked(deps: LifecycleDeps, ref: string, to: "deprecated" | "revoked", actor: string, reason: string): Promise<void> {
  requireRole(deps, actor, to === "revoked" ? ["approver", "operator"] : ["operator"], to === "revoked" ? "revoke" : "deprecate");
  if (reason.trim() === "") throw new PerimeterError("USAGE", "--reason must say why (it is kept as evidence)");
  const version = await getModel(deps.store, ref);
  const from: LifecycleState[] = to === "revoked" ? ["registered", "evaluated", "approved", "deployed", "deprecated"] : ["approved", "deployed"];
  const moved = await new LifecycleRepository(deps.store).transition(version.id, from, to, actor, reason, async (trx) => {
    await trx.deleteFrom("deployments").where("version_id", "=", version.id).execute();
  });
  if (!moved) throw new PerimeterError("LIFECYCLE_TRANSITION_INVALID", `${version.id} is ${await stateOf(deps.store, version.id)} and cannot become ${to}`);
  await deps.audit().append({
    actor,
    action: to === "revoked" ? "model.revoke" : "model.deprecate",
    resource: `model:${version.id}`,
    decision: "allow",
    reason,
    details: { digest: version.digest },
  });
}

/**
 * Roll an environment back from the deployed version of a model to an earlier approved (or deprecated, not
 * revoked) version: the earlier one is deployed, the current one deprecated, in that order.
 */
async function rollbackChecked(
  deps: LifecycleDeps,
  name: string,
  environment: string,
  toRef: string,
  actor: string,
  reason: string,
): Promise<{ from: string | null; to: string }> {
  requireRole(deps, actor, ["operator"], "roll back");
  const target = await getModel(deps.store, toRef);
  if (target.name !== name) throw new PerimeterError("USAGE", `${target.id} is not a version of ${name}`);
  const repo = new LifecycleRepository(deps.store);
  const current = (await repo.deployments({ environment })).filter((d) => d.versionId.startsWith(`${name}@`) && d.versionId !== target.id);
  const targetState = await stateOf(deps.store, target.id);
  if (targetState !== "approved" && targetState !== "deprecated" && targetState !== "deployed") {
    throw new PerimeterError(
      "LIFECYCLE_TRANSITION_INVALID",
      `${target.id} is ${targetState}: roll back only to a version that was approved and is not revoked`,
    );
  }
  const approvedFor = (await repo.approvedEnvironments([target.id])).get(target.id) ?? [];
  if (!approvedFor.includes(environment))
    throw new PerimeterError(
      "LIFECYCLE_TRANSITION_INVALID",
      `${target.id} is approved for ${approvedFor.join(", ") || "no environment"}, not for ${environment}: roll back only to a version approved there`,
    );
  const now = new Date().toISOString();
  await repo.transition(target.id, ["approved", "deprecated", "deployed"], "deployed", actor, `rolled back to in ${environment}: ${reason}`, async (trx) => {
    await trx.deleteFrom("deployments").where("version_id", "=", target.id).where("environment", "=", environment).execute();
    await trx.insertInto("deployments").values({ version_id: target.id, environment, deployed_at: now, deployed_by: actor }).execute();
  });
  for (const d of current) {
    await repo.transition(d.versionId, ["deployed"], "deprecated", actor, `rolled back in ${environment} to ${target.id}: ${reason}`, async (trx) => {
      await trx.deleteFrom("deployments").where("version_id", "=", d.versionId).execute();
    });
  }
  const from = current[0]?.versionId ?? null;
  await deps.audit().append({
    actor,
    action: "model.rollback",
    resource: `model:${name}`,
    decision: "allow",
    reason,
    details: { environment, from: current.map((d) => d.versionId), to: target.id },
  });
  return { from, to: target.id };
}

// ---------- every privileged action is an audit event, refused ones included ----------

/**
 * Run a privileged action; when it is refused (wrong role, same approver as submitter, wrong state, unknown
 * version, bad input), the refusal is an audit event with decision deny and the reason before the error
 * reaches the caller. Successes record their own allow event.
 */
async function audited<T>(
  deps: Pick<LifecycleDeps, "audit">,
  attempt: { actor: string; action: string; resource: string; details?: Record<string, unknown> },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = asPerimeterError(err);
    // approve records its own refusal with every unmet condition.
    if (e.code !== "APPROVAL_REFUSED") {
      await deps.audit().append({
        actor: attempt.actor,
        action: attempt.action,
        resource: attempt.resource,
        decision: "deny",
        reason: e.message,
        details: { ...attempt.details, code: e.code },
      });
    }
    throw err;
  }
}

/**
 * Approve a version only when every condition holds; a refusal lists every unmet condition, not just the
 * first, so one round of fixes is enough. Refusals are audited.
 */
export function approve(deps: LifecycleDeps, ref: string, options: ApprovalOptions): Promise<ApprovalResult> {
  return audited(deps, { actor: options.actor, action: "model.approve", resource: `model:${ref}` }, () => approveChecked(deps, ref, options));
}

/** Mark an approved version deployed in an environment it is registered for (operators only). */
export function deploy(deps: LifecycleDeps, ref: string, environment: string, actor: string): Promise<void> {
  return audited(deps, { actor, action: "model.deploy", resource: `model:${ref}`, details: { environment } }, () =>
    deployChecked(deps, ref, environment, actor),
  );
}

/** Deprecate (no new admissions) or revoke (refused everywhere at once). */
export function retire(deps: LifecycleDeps, ref: string, to: "deprecated" | "revoked", actor: string, reason: string): Promise<void> {
  const action = to === "revoked" ? "model.revoke" : "model.deprecate";
  return audited(deps, { actor, action, resource: `model:${ref}`, details: { requestedReason: reason } }, () => retireChecked(deps, ref, to, actor, reason));
}

/** Roll an environment back to an earlier approved version (operators only). */
export function rollback(
  deps: LifecycleDeps,
  name: string,
  environment: string,
  toRef: string,
  actor: string,
  reason: string,
): Promise<{ from: string | null; to: string }> {
  return audited(deps, { actor, action: "model.rollback", resource: `model:${name}`, details: { environment, to: toRef, requestedReason: reason } }, () =>
    rollbackChecked(deps, name, environment, toRef, actor, reason),
  );
}

/**
 * Separation of duties rests on who the approver is. By default that is whoever --actor (PERIMETER_ACTOR, the
 * OS user) says; with lifecycle.requireApproverKeys the approval must be signed with one of the approver's
 * configured keys, so naming someone else is not enough. A key given for an approver with configured keys must
 * be one of them either way.
 */
function approverKeyProblem(deps: LifecycleDeps, actor: string, signingKey: KeyObject | undefined): string | undefined {
  const required = deps.config.requireApproverKeys;
  let keys: readonly KeyObject[];
  try {
    keys = deps.approverKeys?.().get(actor) ?? [];
  } catch (err) {
    return `the approver keys cannot be read: ${asPerimeterError(err).message}`;
  }
  if (signingKey === undefined) {
    if (!required) return undefined;
    return keys.length === 0
      ? `approvals must be signed with the approver's own key (lifecycle.requireApproverKeys) and ${actor} has none in lifecycle.approverKeys`
      : `approvals must be signed with the approver's own key (lifecycle.requireApproverKeys): pass --signing-key with ${actor}'s private key`;
  }
  if (keys.length === 0) {
    return required
      ? `approvals must be signed with a key configured for the approver (lifecycle.requireApproverKeys) and ${actor} has none in lifecycle.approverKeys`
      : undefined;
  }
  const given = createPublicKey(signingKey);
  if (keys.some((k) => k.equals(given))) return undefined;
  return `the approval is signed with key ${keyId(given)}, which is not one of ${actor}'s keys in lifecycle.approverKeys (${keys.map((k) => keyId(k)).join(", ")})`;
}

/** An approval as its signed statement says it, and whether that statement verifies against a key allowed to sign it. */
export interface ApprovalRecord {
  readonly evidence: string;
  readonly approvedAt: string;
  readonly approver: string;
  readonly submitter: string | null;
  /** The trusted signer whose OMS signature over the files verified when it was approved. */
  readonly signer: string | null;
  readonly note: string | null;
  readonly keyId: string | null;
  /** The statement verifies against the instance's lifecycle key or one of the approver's configured keys. */
  readonly verified: boolean;
  readonly problem: string | null;
}

/**
 * Read back an approval: its statement is believed only when its signature verifies against the instance's
 * lifecycle key or the approver's keys in lifecycle.approverKeys, and when it names this evidence's digest.
 */
export function approvalRecord(deps: Pick<LifecycleDeps, "instanceKey" | "instancePublicKey" | "approverKeys">, evidence: Evidence): ApprovalRecord {
  const unverified = (problem: string): ApprovalRecord => ({
    evidence: evidence.id,
    approvedAt: evidence.createdAt,
    approver: evidence.createdBy,
    submitter: null,
    signer: null,
    note: null,
    keyId: typeof evidence.body["keyId"] === "string" ? evidence.body["keyId"] : null,
    verified: false,
    problem,
  });
  const keys: KeyObject[] = [];
  try {
    keys.push(deps.instancePublicKey?.() ?? createPublicKey(deps.instanceKey()));
  } catch (err) {
    return unverified(`the instance's lifecycle key cannot be read: ${asPerimeterError(err).message}`);
  }
  try {
    keys.push(...(deps.approverKeys?.().get(evidence.createdBy) ?? []));
  } catch (err) {
    return unverified(`the approver keys cannot be read: ${asPerimeterError(err).message}`);
  }
  let payload: unknown;
  const failures: string[] = [];
  for (const key of keys) {
    try {
      payload = verifyStatement(evidence.body["envelope"], APPROVAL_PAYLOAD_TYPE, key, "the approval");
      break;
    } catch (err) {
      failures.push(asPerimeterError(err).message);
    }
  }
  if (payload === undefined) return unverified(failures[0] ?? "no key may sign approvals");
  const statement = payload as { subject?: { name?: unknown; digest?: { sha256?: unknown } }[]; predicate?: Record<string, unknown> };
  const p = statement.predicate ?? {};
  if (statement.subject?.[0]?.digest?.sha256 !== evidence.digest)
    return unverified("the approval's statement names other files than the evidence it is recorded as");
  if (statement.subject?.[0]?.name !== evidence.versionId || p["model"] !== evidence.versionId)
    return unverified(`the approval's statement is of another version than ${evidence.versionId}`);
  const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  return {
    evidence: evidence.id,
    approvedAt: text(p["time"]) ?? evidence.createdAt,
    approver: text(p["approver"]) ?? evidence.createdBy,
    submitter: text(p["submitter"]),
    signer: text(p["signer"]),
    note: text(p["note"]),
    keyId: typeof evidence.body["keyId"] === "string" ? evidence.body["keyId"] : null,
    verified: true,
    problem: null,
  };
}
