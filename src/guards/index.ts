import type { GuardsConfig } from "../config/schema.js";
import { GuardEngine, placeholder, type GuardModelSlot } from "./engine.js";
import { injectionDetector } from "./injection.js";
import { piiDetector } from "./pii.js";
import { secretsDetector } from "./secrets.js";
import { redact } from "./stream.js";
import type { Detector } from "./types.js";

// The guards a configuration turns on: the built-in detectors by name, and the guard models (built by the
// caller, who holds the runtime clients they talk through).

export { GuardEngine, placeholder, type ActedFinding } from "./engine.js";
export { GUARD_ACTIONS, stricter, type GuardAction } from "./actions.js";
export type { Detector, GuardDirection, GuardFinding, GuardModel } from "./types.js";

export type DetectorName = GuardsConfig["detectors"][number];

const FACTORIES: Readonly<Record<DetectorName, () => Detector>> = {
  secrets: secretsDetector,
  pii: piiDetector,
  injection: injectionDetector,
};

/** Each built-in detector is made once per process: their compiled rules are shared by every engine. */
const made = new Map<DetectorName, Detector>();

export function detector(name: DetectorName): Detector {
  let d = made.get(name);
  if (d === undefined) {
    d = FACTORIES[name]();
    made.set(name, d);
  }
  return d;
}

export interface GuardsOptions {
  /** Some policy reads context.guards (PolicyEngine.contextAttributes): findings then go to Cedar as well. */
  readonly policiesReadGuards: boolean | (() => boolean);
  readonly models?: readonly GuardModelSlot[];
}

export function guardsFromConfig(config: GuardsConfig, options: GuardsOptions): GuardEngine {
  return GuardEngine.create({
    config,
    detectors: config.enabled ? [...new Set(config.detectors)].map(detector) : [],
    models: options.models ?? [],
    policiesReadGuards: options.policiesReadGuards,
  });
}

/**
 * Text kept as evidence (an evaluation's answers, a monitor's samples) with the secrets and personal data the
 * built-in detectors find replaced by placeholders: evidence must not become a second copy of what leaked.
 */
export function redactText(text: string): string {
  const findings = [...detector("secrets").detect(text), ...detector("pii").detect(text)].sort((a, b) => a.span.start - b.span.start);
  return findings.length === 0 ? text : redact(text, findings, placeholder);
}
