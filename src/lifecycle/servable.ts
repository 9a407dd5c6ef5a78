import { allow, deny, type Decision } from "../decision.js";
import type { LifecycleState } from "./repository.js";

// What may be served: the lifecycle's rule, asked by whoever routes calls (the gateway's catalog) rather than
// written again there. A model version may answer calls from a runtime only when it is approved (or
// deployed), the runtime vouches for exactly its approved bytes, and the runtime's environment is one the
// version is registered for and approved for.

export type ServableRule = "servable.state" | "servable.digest" | "servable.environment";

/** The parts of a model version the rule reads. */
export interface ServableVersion {
  readonly id: string;
  /** The artifact's manifest digest. */
  readonly digest: string;
  /** Each file's sha256: a runtime serving one file (a GGUF) vouches for that file's digest. */
  readonly files: ReadonlyArray<{ readonly sha256: string }>;
  readonly environments: readonly string[];
  /** The environments its approvals name (LifecycleRepository.approvedEnvironments). */
  readonly approvedFor: readonly string[];
}

/** A runtime's copy of a model, as discovery (or an admission attestation) recorded it. */
export interface ServedCopy {
  readonly runtime: string;
  readonly environment: string;
  /** The digest the runtime vouches for; null when it vouches for none. */
  readonly digest: string | null;
}

const SERVABLE_STATES: ReadonlySet<LifecycleState> = new Set(["approved", "deployed"]);

/** Whether `version`, in lifecycle state `state`, may answer calls through this runtime's copy, and why not. */
export function servable(version: ServableVersion, state: LifecycleState, copy: ServedCopy): Decision<ServableRule> {
  if (!SERVABLE_STATES.has(state)) {
    return deny("MODEL_NOT_AVAILABLE", `${version.id} is ${state}: only approved or deployed versions are served`, [
      { rule: "servable.state", severity: "high", message: `${version.id} is ${state}`, controls: ["OWASP-LLM:LLM03"] },
    ]);
  }
  if (copy.digest === null || (copy.digest !== version.digest && !version.files.some((f) => f.sha256 === copy.digest))) {
    const what = copy.digest === null ? "vouches for no digest" : `serves bytes with digest ${copy.digest.slice(0, 12)}…, not the approved ones`;
    return deny("MODEL_NOT_AVAILABLE", `runtime ${copy.runtime} ${what} of ${version.id}`, [
      { rule: "servable.digest", severity: "high", message: `runtime ${copy.runtime} ${what}`, location: copy.runtime, controls: ["OWASP-LLM:LLM03"] },
    ]);
  }
  if (!version.environments.includes(copy.environment)) {
    return deny(
      "MODEL_NOT_AVAILABLE",
      `runtime ${copy.runtime} is in environment ${copy.environment}, and ${version.id} is registered for ${version.environments.join(", ") || "no environment"}`,
      [{ rule: "servable.environment", severity: "medium", message: `${version.id} is not registered for ${copy.environment}`, location: copy.runtime }],
    );
  }
  if (!version.approvedFor.includes(copy.environment)) {
    return deny(
      "MODEL_NOT_AVAILABLE",
      `${version.id} is approved for ${version.approvedFor.join(", ") || "no environment"}, not for ${copy.environment} where runtime ${copy.runtime} serves it: an approver approves it for ${copy.environment} (perimeter approve ${version.id} --environment ${copy.environment})`,
      [
        {
          rule: "servable.environment",
          severity: "medium",
          message: `${version.id} is not approved for ${copy.environment}`,
          location: copy.runtime,
          controls: ["OWASP-LLM:LLM03"],
        },
      ],
    );
  }
  return allow(`${version.id} is ${state}, served with its approved digest by runtime ${copy.runtime} in ${copy.environment}`);
}
