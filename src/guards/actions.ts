import type { GuardsConfig } from "../config/schema.js";
import type { GuardDirection, GuardFinding } from "./types.js";

// What the gateway does with a finding is the operator's choice, per category, direction, identity and model:
// allow (nothing), flag (audit it), redact (a typed placeholder instead of the text), block (refuse the call or
// cut the stream). The configured defaults apply first; every rule that matches the call then overrides the
// categories it names, in file order, so a later, narrower rule wins. Cedar still has the last word: the
// findings reach policies as context.guards, and a policy's deny blocks.

export const GUARD_ACTIONS = ["allow", "flag", "redact", "block"] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

const RANK: Readonly<Record<GuardAction, number>> = { allow: 0, flag: 1, redact: 2, block: 3 };

export function stricter(a: GuardAction, b: GuardAction): GuardAction {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Who calls what, as the action rules match it. */
export interface ActionSubject {
  readonly identityId: string;
  readonly identityName: string;
  /** The model's name (every version) and its name@version. */
  readonly modelName: string;
  readonly modelId: string;
}

/** The action for each category in one direction for one call; categories no one named take `fallback`. */
export class ActionTable {
  constructor(
    private readonly byCategory: ReadonlyMap<string, GuardAction>,
    private readonly fallback: GuardAction,
  ) {}

  /** A guard model's findings are looked up by category, then by the model's name, then the fallback. */
  of(f: Pick<GuardFinding, "category" | "detector">): GuardAction {
    return this.byCategory.get(f.category) ?? this.byCategory.get(f.detector) ?? this.fallback;
  }

  /** Whether any category in `categories` is acted on at all (a detector whose every category is allowed need not run). */
  acts(categories: readonly string[], detector: string): boolean {
    for (const c of categories) if ((this.byCategory.get(c) ?? this.byCategory.get(detector) ?? this.fallback) !== "allow") return true;
    return false;
  }

  /** Whether any category may change or stop the text (redact or block): a stream then holds text back. */
  get mayAlter(): boolean {
    if (RANK[this.fallback] >= RANK.redact) return true;
    for (const a of this.byCategory.values()) if (RANK[a] >= RANK.redact) return true;
    return false;
  }
}

/** Resolved tables per configuration: without rules one per direction, with rules one per subject too. */
const resolved = new WeakMap<GuardsConfig["actions"], WeakMap<GuardsConfig["rules"], Map<string, ActionTable>>>();
const MAX_RESOLVED = 4096;

/** The action table for a call in one direction; resolved from the configuration once and kept. */
export function actionsFor(config: GuardsConfig["actions"], rules: GuardsConfig["rules"], subject: ActionSubject, direction: GuardDirection): ActionTable {
  let byRules = resolved.get(config);
  if (byRules === undefined) {
    byRules = new WeakMap();
    resolved.set(config, byRules);
  }
  let cache = byRules.get(rules);
  if (cache === undefined) {
    cache = new Map();
    byRules.set(rules, cache);
  }
  const key = rules.length === 0 ? direction : `${direction}\0${subject.identityId}\0${subject.identityName}\0${subject.modelName}\0${subject.modelId}`;
  let table = cache.get(key);
  if (table === undefined) {
    table = resolve(config, rules, subject, direction);
    if (cache.size >= MAX_RESOLVED) cache.clear();
    cache.set(key, table);
  }
  return table;
}

function resolve(config: GuardsConfig["actions"], rules: GuardsConfig["rules"], subject: ActionSubject, direction: GuardDirection): ActionTable {
  const table = new Map<string, GuardAction>(Object.entries(config[direction]) as [string, GuardAction][]);
  for (const rule of rules) {
    if (rule.direction !== undefined && rule.direction !== direction) continue;
    if (rule.identities !== undefined && !rule.identities.includes(subject.identityId) && !rule.identities.includes(subject.identityName)) continue;
    if (rule.models !== undefined && !rule.models.includes(subject.modelName) && !rule.models.includes(subject.modelId)) continue;
    for (const [category, action] of Object.entries(rule.actions)) table.set(category, action as GuardAction);
  }
  return new ActionTable(table, config.other);
}
