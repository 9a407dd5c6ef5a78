import type { EvalsConfig } from "../config/schema.js";
import { asPerimeterError } from "../errors.js";
import { getModel } from "../inventory/models.js";
import type { ModelVersion } from "../inventory/types.js";
import type { Store } from "../store/store.js";
import { applyGate } from "./gate.js";
import { EvalRepository, type EvalRun } from "./repository.js";
import { failedOf } from "./runner.js";
import { compare, summarize } from "./stats.js";
import type { Comparison, EvalSettings, Evaluation, EvaluationSummary, GateResult } from "./types.js";

// An evaluation's standing: its baseline, the comparison with it, and the eval gate. The runner assesses an
// evaluation when it finishes; lifecycle approval assesses it again from the stored case results with the
// configuration of the moment, so the verdict that gates approval is never a number someone typed in, and
// a threshold tightened since the run applies to it.

/** The judges an evaluation under this configuration runs, in order (the evaluator builds them so). */
export function configuredJudges(config: Pick<EvalsConfig, "judges">): string[] {
  return ["refusal", "canary", ...config.judges];
}

/** Kinds whose refusals are measured against the version they were made from. */
export const DERIVED_KINDS: ReadonlySet<string> = new Set(["fine-tune", "adapter", "merge", "quantization"]);

/** How far up the lineage a baseline is looked for. */
const MAX_LINEAGE = 64;

export interface Assessment {
  readonly baseline?: Evaluation["baseline"];
  readonly comparisons: readonly Comparison[];
  readonly gate: GateResult;
}

export interface AssessInput {
  readonly summary: EvaluationSummary;
  readonly settings: EvalSettings;
  readonly planned: number;
  /** The baseline asked for (--baseline); by default a derived version's first parent. */
  readonly baselineRef?: string | undefined;
}

export async function assess(store: Store, config: EvalsConfig, version: ModelVersion, input: AssessInput): Promise<Assessment> {
  const derived = DERIVED_KINDS.has(version.kind);
  const baselineRef = input.baselineRef ?? (derived ? version.parents[0] : undefined);
  let baseline: Evaluation["baseline"];
  let baselineMissing: string | undefined;
  if (baselineRef !== undefined) {
    const found = await baselineEvaluation(store, version, baselineRef, input.settings, config);
    if (typeof found === "string") baselineMissing = found;
    else baseline = { version: found.version, evaluationId: found.id, summary: found.summary };
  }
  const comparisons = baseline === undefined ? [] : compare(input.summary, baseline.summary);
  const s = input.summary;
  const gate = applyGate(config.gate, {
    summary: s,
    settings: input.settings,
    configured: { seed: config.seed, temperature: config.temperature, maxTokens: config.maxTokens, judges: configuredJudges(config) },
    planned: input.planned,
    complete: s.judged + s.errors >= input.planned,
    baselineRequired: derived || input.baselineRef !== undefined,
    ...(baseline === undefined ? {} : { baseline: { version: baseline.version, summary: baseline.summary } }),
    ...(baselineMissing === undefined ? {} : { baselineMissing }),
    comparisons,
  });
  return { ...(baseline === undefined ? {} : { baseline }), comparisons, gate };
}

/**
 * Why `ref` cannot be the baseline of `version`, or undefined when it can: it must name a version in the
 * inventory, not the version itself, and for a fine-tune, adapter, merge or quantization one it was made from.
 */
export async function baselineProblem(store: Store, version: ModelVersion, ref: string): Promise<string | undefined> {
  let base: ModelVersion;
  try {
    base = await getModel(store, ref);
  } catch (err) {
    return `the baseline ${ref} is not in the inventory (${asPerimeterError(err).message})`;
  }
  if (base.id === version.id) return `${version.id} cannot be its own baseline: compare it with the version it was made from`;
  if (DERIVED_KINDS.has(version.kind) && !(await ancestors(store, version)).has(base.id))
    return `${base.id} is not in ${version.id}'s lineage (parents: ${version.parents.join(", ") || "none"}): a ${version.kind} is judged against a version it was made from`;
  return undefined;
}

/** Every version `version` was made from, by the inventory's lineage. */
async function ancestors(store: Store, version: ModelVersion): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...version.parents];
  while (queue.length > 0 && seen.size < MAX_LINEAGE) {
    const ref = queue.shift() as string;
    const parent = await getModel(store, ref).catch(() => undefined);
    if (parent === undefined || seen.has(parent.id)) continue;
    seen.add(parent.id);
    queue.push(...parent.parents);
  }
  return seen;
}

/** The same cases asked the same way and judged by the same judges: only then are two evaluations comparable. */
export function comparableSettings(a: EvalSettings, b: EvalSettings): boolean {
  return (
    a.casesDigest === b.casesDigest &&
    a.seed === b.seed &&
    a.temperature === b.temperature &&
    a.maxTokens === b.maxTokens &&
    a.judges.join("\u0000") === b.judges.join("\u0000")
  );
}

/** The newest complete evaluation of the baseline's current bytes comparable with `settings`, or why there is none. */
function looked(r: EvalRun, config: EvalsConfig): boolean {
  const s = r.evaluation?.summary;
  if (s == null) return false;
  const total = s.judged + s.errors;
  const max = config.gate.maxErrorRate;
  return total > 0 && s.errors / total <= max && (s.judgeFailures ?? 0) / total <= max;
}

async function baselineEvaluation(store: Store, version: ModelVersion, ref: string, settings: EvalSettings, config: EvalsConfig): Promise<Evaluation | string> {
  const problem = await baselineProblem(store, version, ref);
  if (problem !== undefined) return problem;
  const base = await getModel(store, ref);
  const runs = newestComplete(await new EvalRepository(store).runs(base.id), base.digest);
  // A baseline must itself have looked: a run of the parent whose cases errored (its runtime down) shows nothing.
  const found = runs.find((r) => comparableSettings(r.settings, settings) && looked(r, config));
  if (found?.evaluation != null) return found.evaluation;
  const how = `suites ${settings.suites.join(", ")}${settings.limit === undefined ? "" : `, --limit ${settings.limit}`}, seed ${settings.seed}, temperature ${settings.temperature}, judges ${settings.judges.join(", ")}`;
  return runs.length === 0
    ? `no complete evaluation of the baseline ${base.id} is on record (run perimeter eval run ${base.id} first)`
    : `no evaluation of the baseline ${base.id} ran the same cases with the same settings (${how}) and could run and judge them: run perimeter eval run ${base.id} with them`;
}

/** Complete runs of these bytes, the most recently finished first. */
function newestComplete(runs: readonly EvalRun[], digest: string): EvalRun[] {
  return runs
    .filter((r) => r.status === "complete" && r.evaluation !== null && r.digest === digest)
    .sort((a, b) => (b.finishedAt ?? "").localeCompare(a.finishedAt ?? ""));
}

export interface ApprovalCheck {
  /** The evaluation the check stood on. */
  readonly evaluation?: string;
  readonly pass: boolean;
  readonly reasons: readonly string[];
}

/**
 * What lifecycle approval asks of the evaluations: the most recently finished evaluation of this version's
 * bytes, its case results summarised again and put through the gate as configured now. Recorded verdicts
 * and hand-made evidence are not consulted.
 */
export async function approvalCheck(store: Store, config: EvalsConfig, version: ModelVersion): Promise<ApprovalCheck> {
  const repo = new EvalRepository(store);
  const runs = newestComplete(await repo.runs(version.id), version.digest);
  const latest = runs[0];
  if (latest?.evaluation == null)
    return { pass: false, reasons: [`no complete evaluation of ${version.id}'s bytes is on record: run perimeter eval run ${version.id}`] };
  const gateOf = async (run: EvalRun) => {
    const stored = run.evaluation as Evaluation;
    // Each case's verdict is read again from its judges' verdicts, under today's rule.
    const results = (await repo.results(run.id)).map((r) => (r.status === "done" ? { ...r, failed: failedOf(r.expected, r.verdicts) } : r));
    const { gate } = await assess(store, config, version, {
      summary: summarize(results),
      settings: stored.settings,
      planned: stored.planned,
      baselineRef: stored.baseline?.version,
    });
    return gate;
  };
  const describe = (run: EvalRun, r: string) => `evaluation ${run.id} (${run.finishedAt ?? run.startedAt}): ${r}`;
  const gate = await gateOf(latest);
  if (!gate.pass) return { evaluation: latest.id, pass: false, reasons: gate.reasons.map((r) => describe(latest, r)) };
  // The same bytes asked the same cases the same way are the same model: an earlier run of them that looked
  // and failed is not outvoted by a later one that passed (a run drawn again until the batch noise passes).
  for (const earlier of runs.slice(1)) {
    if (!comparableSettings(earlier.settings, latest.settings) || !looked(earlier, config)) continue;
    const before = await gateOf(earlier);
    if (!before.pass)
      return {
        evaluation: latest.id,
        pass: false,
        reasons: [
          `an earlier evaluation of the same bytes with the same cases and settings failed, and a later pass does not outvote it: ${before.reasons.map((r) => describe(earlier, r)).join("; ")}`,
        ],
      };
  }
  return { evaluation: latest.id, pass: true, reasons: [] };
}
