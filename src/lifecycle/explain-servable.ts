import { type Decision, type Finding, allow, deny } from "../decision.js";
import { servedNameRefersTo } from "../inventory/drift.js";
import { InventoryRepository } from "../inventory/repository.js";
import type { ModelVersion, Runtime, ServedModel } from "../inventory/types.js";
import type { Store } from "../store/store.js";
import { LifecycleRepository, type LifecycleState } from "./repository.js";

// Why a model name is, or is not, servable: the gateway's rule (an approved or deployed version, served by a
// registered runtime with exactly the approved bytes, in an environment the version is registered for and
// the caller calls from) asked the other way round, so that a 404 can say which condition failed and what
// to do, instead of pointing at a command that may find nothing wrong. Read-only; the kill switch is not
// consulted here (a killed model is a 403 with its own reason).

export type ServableRule =
  /** No version has that name or name@version. */
  | "unknown-model"
  /** Versions exist, none approved or deployed. */
  | "not-approved"
  /** Every version of the name is revoked. */
  | "revoked"
  /** No runtime reports the approved bytes, or any model by that name. */
  | "not-served"
  /** A runtime serves the name with other bytes than the approved version's. */
  | "digest-drift"
  /** A runtime serves the name without reporting a digest (OpenAI-compatible servers), so the bytes are unproven. */
  | "unverified"
  /** A runtime serves the approved bytes in an environment the version is not registered for. */
  | "environment-mismatch"
  /** A runtime serves the approved bytes in a registered environment the version is not approved for yet. */
  | "not-approved-here"
  /** Served correctly, but only by runtimes of another environment than the caller's. */
  | "other-environment"
  /** Servable: an approved version served with its approved bytes in a registered environment. */
  | "servable";

const SERVABLE_STATES: readonly LifecycleState[] = ["approved", "deployed"];

/**
 * Explains whether `model` (name@version, or a bare name as clients call it) can be served to a caller in
 * `environment` (null: any environment). Allowed with the runtime that serves it; otherwise denied with
 * MODEL_NOT_SERVABLE, the most telling reason first, and one finding per thing that stands in the way.
 */
export async function explainServable(store: Store, model: string, environment: string | null): Promise<Decision<ServableRule>> {
  const inventory = new InventoryRepository(store);
  const at = model.lastIndexOf("@");
  const name = at > 0 ? model.slice(0, at) : model;
  const named = await inventory.listModels({ name });
  const candidates = at > 0 ? named.filter((v) => v.id === model) : named;
  if (candidates.length === 0) {
    const reason =
      named.length > 0
        ? `model "${model}" is not in the inventory; ${name} has version${named.length === 1 ? "" : "s"} ${named.map((v) => v.id).join(", ")}`
        : `model "${model}" is not in the inventory: no version has that name (see perimeter model list)`;
    return deny("MODEL_NOT_SERVABLE", reason, [{ rule: "unknown-model", severity: "info", message: reason, location: model }]);
  }

  const states = await new LifecycleRepository(store).states(candidates.map((v) => v.id));
  const stateOf = (v: ModelVersion): LifecycleState => states.get(v.id)?.state ?? "registered";
  const servable = candidates.filter((v) => SERVABLE_STATES.includes(stateOf(v)));
  if (servable.length === 0) {
    const findings: Finding<ServableRule>[] = candidates.map((v) => {
      const state = stateOf(v);
      if (state === "revoked") return { rule: "revoked", severity: "high", message: `${v.id} is revoked${reasonOf(states.get(v.id)?.reason)}`, location: v.id };
      return {
        rule: "not-approved",
        severity: "medium",
        message: `${v.id} is ${state}, not approved: ${state === "deprecated" ? "deploy an approved version" : `an approver other than its submitter runs perimeter approve ${v.id}`}`,
        location: v.id,
      };
    });
    const allRevoked = findings.every((f) => f.rule === "revoked");
    const reason = allRevoked
      ? `model "${model}" is revoked: ${findings.map((f) => f.message).join("; ")}`
      : `model "${model}" has no approved version: ${findings.map((f) => f.message).join("; ")}`;
    return deny("MODEL_NOT_SERVABLE", reason, findings);
  }

  const approved = await new LifecycleRepository(store).approvedEnvironments(servable.map((v) => v.id));
  const runtimes = new Map((await inventory.listRuntimes()).map((r) => [r.name, r]));
  const served = (await inventory.servedModels()).filter((s) => runtimes.has(s.runtime));
  const findings: Finding<ServableRule>[] = [];
  for (const version of servable) {
    const digests = new Set([version.digest, ...version.files.map((f) => f.sha256)]);
    const byBytes = served.filter((s) => s.digest !== null && digests.has(s.digest));
    for (const s of byBytes) {
      const runtime = runtimes.get(s.runtime) as Runtime;
      const where = `runtime "${runtime.name}" serves ${version.id} as "${s.servedName}" in environment ${runtime.environment}`;
      if (!version.environments.includes(runtime.environment)) {
        findings.push({
          rule: "environment-mismatch",
          severity: "medium",
          message: `${where}, but ${version.id} is registered for ${version.environments.join(", ") || "no environment"}: serve it from a runtime in ${version.environments.join(" or ") || "a registered environment"}, or register the files as a version for ${runtime.environment} (perimeter drift lists every such mismatch)`,
          location: `runtime:${runtime.name}`,
        });
      } else if (!(approved.get(version.id) ?? []).includes(runtime.environment)) {
        findings.push({
          rule: "not-approved-here",
          severity: "medium",
          message: `${where}, but ${version.id} is approved for ${(approved.get(version.id) ?? []).join(", ") || "no environment"}: an approver approves it for ${runtime.environment} (perimeter approve ${version.id} --environment ${runtime.environment})`,
          location: `runtime:${runtime.name}`,
        });
      } else if (environment !== null && runtime.environment !== environment) {
        findings.push({
          rule: "other-environment",
          severity: "medium",
          message: `${where}, and the caller's environment is ${environment}: add a runtime in ${environment}${version.environments.includes(environment) ? "" : ` and register the files for ${environment}`}, or call with an identity of ${runtime.environment}`,
          location: `runtime:${runtime.name}`,
        });
      } else {
        return allow(`${where}`, [{ rule: "servable", severity: "info", message: `${where} with its approved bytes`, location: `runtime:${runtime.name}` }]);
      }
    }
    for (const s of served.filter((m) => !byBytes.includes(m) && servedNameRefersTo(m.servedName, version))) {
      findings.push(nameOnly(version, s, runtimes.get(s.runtime) as Runtime));
    }
  }
  if (findings.length === 0) {
    const ids = servable.map((v) => v.id).join(", ");
    const never = [...runtimes.values()].filter((r) => r.discoveredAt === null).map((r) => r.name);
    const hint =
      runtimes.size === 0
        ? "no runtime is registered (perimeter runtime add)"
        : never.length > 0
          ? `runtime${never.length === 1 ? "" : "s"} ${never.join(", ")} ${never.length === 1 ? "has" : "have"} never been discovered (perimeter runtime discover)`
          : "load its files on a runtime (for the embedded runtime, put the GGUF in its directory) and run perimeter runtime discover";
    findings.push({ rule: "not-served", severity: "medium", message: `no runtime reports serving the approved bytes of ${ids}: ${hint}`, location: model });
  }
  const order: readonly ServableRule[] = ["environment-mismatch", "other-environment", "digest-drift", "unverified", "not-served"];
  findings.sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule));
  return deny(
    "MODEL_NOT_SERVABLE",
    `model "${model}" is not servable${environment === null ? "" : ` in environment ${environment}`}: ${(findings[0] as Finding<ServableRule>).message}`,
    findings,
  );
}

function nameOnly(version: ModelVersion, s: ServedModel, runtime: Runtime): Finding<ServableRule> {
  if (s.digest === null) {
    return {
      rule: "unverified",
      severity: "medium",
      message: `runtime "${runtime.name}" serves "${s.servedName}" but reports no digest, so its bytes are not proven to be ${version.id}: run perimeter admit PATH --runtime ${runtime.name} --served-name ${s.servedName} before the runtime loads the files`,
      location: `runtime:${runtime.name}`,
    };
  }
  return {
    rule: "digest-drift",
    severity: "critical",
    message: `runtime "${runtime.name}" serves "${s.servedName}" with sha256 ${s.digest}, not the approved bytes of ${version.id}: the weights changed or were replaced (see perimeter drift)`,
    location: `runtime:${runtime.name}`,
  };
}

function reasonOf(reason: string | undefined): string {
  return reason === undefined || reason === "" ? "" : ` (${reason})`;
}
