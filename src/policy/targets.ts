import { CONTROL_SCHEMA } from "./control-policies.js";
import { PERIMETER_SCHEMA } from "./default-policies.js";

// What an applied policy set is for: the calls through the gateway, or the control API. Its own module so
// that naming a target does not load Cedar's WebAssembly.

export const POLICY_TARGETS = ["gateway", "control"] as const;
export type PolicyTarget = (typeof POLICY_TARGETS)[number];

/** The Cedar schema a target's policies are validated against. */
export function schemaOf(target: PolicyTarget): string {
  return target === "control" ? CONTROL_SCHEMA : PERIMETER_SCHEMA;
}
