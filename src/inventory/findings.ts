import type { Finding } from "../decision.js";
import { licenseTierFinding } from "./licenses.js";
import type { ModelVersion } from "./types.js";

// What the inventory itself finds wrong with a version's record: things a person must look at, not refusals.

export type InventoryFindingRule =
  | "LICENSE_UNKNOWN"
  | "LICENSE_RESTRICTED_USE"
  | "LICENSE_NON_COMMERCIAL"
  | "EU_AI_ACT_REVIEW_PENDING"
  | "EU_AI_ACT_SUBSTANTIAL_MODIFICATION"
  | "LINEAGE_UNDECLARED";

/** The one Finding type (src/decision.ts), with an inventory rule and a severity a person must look at. */
export interface InventoryFinding extends Finding<InventoryFindingRule> {
  readonly severity: "high" | "medium" | "low";
}

export function inventoryFindings(v: ModelVersion): InventoryFinding[] {
  const out: InventoryFinding[] = [];
  const license = licenseTierFinding(v.license);
  if (license !== null) out.push(license);
  if (v.euAiAct.substantialModificationCandidate) {
    if (v.euAiAct.review === null) {
      out.push({
        rule: "EU_AI_ACT_REVIEW_PENDING",
        severity: "medium",
        message: `${v.euAiAct.basis}. Record the review: perimeter model review ${v.id} --outcome substantial|not-substantial --note "..."`,
      });
    } else if (v.euAiAct.review.outcome === "substantial") {
      out.push({
        rule: "EU_AI_ACT_SUBSTANTIAL_MODIFICATION",
        severity: "low",
        message: `reviewed by ${v.euAiAct.review.reviewer} as a substantial modification: the provider obligations of the EU AI Act apply to ${v.id}`,
      });
    }
  }
  const declared = v.modelCard.declaredBaseModels ?? [];
  if (declared.length > 0 && v.parents.length === 0) {
    out.push({
      rule: "LINEAGE_UNDECLARED",
      severity: "medium",
      message: `the model card names base model ${declared.join(", ")}, but ${v.id} is registered as a ${v.kind} with no parent: register the base and record it with --parent`,
    });
  }
  return out;
}
