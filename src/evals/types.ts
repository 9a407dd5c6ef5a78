import type { Severity } from "../decision.js";

// The evaluations' shared vocabulary: a suite's cases, what a judge says of an answer, one case's result,
// and an evaluation (the evidence stored on a model version). Suites are data (./suites/*.yaml and the
// operator's own files), strategies are transforms over cases, judges read answers, the runner stores one
// result per case as it comes, and the gate reads the summary.

/**
 * What a model should do with a case:
 * - `refuse`: a clearly harmful request — the attack succeeds when the model complies;
 * - `comply`: a benign look-alike — the model over-refuses when it refuses;
 * - `resist`: an attack carried in a document, a tool result or the conversation (injection, exfiltration) —
 *   the attack succeeds when the answer carries the case's canary (the injected instruction's marker, the
 *   secret the system prompt holds).
 */
export const EXPECTED_BEHAVIOURS = ["refuse", "comply", "resist"] as const;
export type ExpectedBehaviour = (typeof EXPECTED_BEHAVIOURS)[number];

export type EvalRole = "system" | "user" | "assistant" | "tool";

export interface EvalMessage {
  readonly role: EvalRole;
  readonly content: string;
}

/** One case as the runtime receives it (strategies already applied). */
export interface EvalCase {
  /** Unique within its suite; a case derived by a strategy is `<base id>~<strategy>`. */
  readonly id: string;
  readonly suite: string;
  /** Harm category (`cybercrime`, `chemical-biological`, …), `injection-document`, `exfiltration-secret`, `benign-lookalike`… */
  readonly category: string;
  /** `direct`, or the jailbreak strategy (transform) applied: `base64`, `persona`, `many-shot`, … */
  readonly strategy: string;
  readonly expected: ExpectedBehaviour;
  /** How bad it is when the attack succeeds (for `comply` cases: how bad an over-refusal is). */
  readonly severity: Severity;
  /** BCP 47 language of the request: `en`, `es`, `zh`, … */
  readonly language: string;
  readonly messages: readonly EvalMessage[];
  /** For `resist` cases: the text whose appearance in the answer means the attack succeeded. */
  readonly canary?: string;
  /** Where the case came from: the suite's own (written for Perimeter) or a named dataset and line. */
  readonly source?: string;
}

/** What an answer did, as a judge reads it. */
export const JUDGED_OUTCOMES = ["refused", "complied", "leaked", "resisted", "unclear"] as const;
export type JudgedOutcome = (typeof JUDGED_OUTCOMES)[number];

/** One judge's reading of one answer. */
export interface JudgeVerdict {
  /** The judge's name: `refusal` (patterns and structure), `canary`, or a guard model's configured name. */
  readonly judge: string;
  readonly outcome: JudgedOutcome;
  /** 0..1: how sure the judge is. */
  readonly confidence: number;
  /** Why, in a few words (the rule or the guard model's categories), never the answer's text. */
  readonly reason: string;
  /** A guard model's categories (Llama Guard's `S1`…), when it named any. */
  readonly categories?: readonly string[];
}

/** Reads an answer to a case. Throws when it cannot judge (a guard model down): the case is then an error. */
export interface Judge {
  readonly name: string;
  /** The behaviours it can judge (a canary judge only `resist`; the refusal judge `refuse` and `comply`). */
  readonly judges: readonly ExpectedBehaviour[];
  judge(c: EvalCase, answer: string, signal: AbortSignal): Promise<JudgeVerdict>;
}

/** One case's result, stored as soon as it is known. */
export interface CaseResult {
  readonly caseId: string;
  readonly suite: string;
  readonly category: string;
  readonly strategy: string;
  readonly expected: ExpectedBehaviour;
  readonly severity: Severity;
  readonly language: string;
  /** `done` when judged; `error` when the runtime or every judge failed (counted apart, never as a pass). */
  readonly status: "done" | "error";
  /** The answer, clipped and redacted by the guards before it is stored. */
  readonly answer: string;
  /** The prompt as sent (last user message), clipped. */
  readonly prompt: string;
  readonly verdicts: readonly JudgeVerdict[];
  /** The primary judge's reading (the first that judges this behaviour). */
  readonly outcome: JudgedOutcome;
  /** The attack succeeded as any judge read it (refuse/resist cases), or the model over-refused as the primary judge read it (comply cases). */
  readonly failed: boolean;
  /** Two judges read the answer differently: reported, never averaged away. */
  readonly disagreement: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

/** A proportion with its Wilson 95% interval. */
export interface Rate {
  readonly count: number;
  readonly n: number;
  /** count / n (0 when n is 0). */
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

export interface EvaluationSummary {
  /** Attack success over every refuse and resist case. */
  readonly asr: Rate;
  readonly asrByCategory: Readonly<Record<string, Rate>>;
  readonly asrByStrategy: Readonly<Record<string, Rate>>;
  /** Refusals over the harmful (refuse) cases. */
  readonly refusalRate: Rate;
  /** Refusals over the benign (comply) cases. */
  readonly overRefusal: Rate;
  readonly overRefusalByCategory: Readonly<Record<string, Rate>>;
  /**
   * Answers to attacks (refuse and resist cases) that no judge could read as a refusal or as compliance: an
   * answer in an unreadable language, encoded, or cut off. Not a success, not a refusal — too many of them and
   * the evaluation did not look (evals.gate.maxUnclear).
   */
  readonly unclear: Rate;
  /** Results judged; results that failed (runtime or judge errors); answers two judges read differently. */
  readonly judged: number;
  readonly errors: number;
  /** Errors per category: a category whose cases all failed to run was not measured, whatever the overall error rate. */
  readonly errorsByCategory: Readonly<Record<string, number>>;
  /** Results judged without one of the configured judges, which failed on them (a guard model down). */
  readonly judgeFailures: number;
  readonly disagreements: number;
  /** Per severity: the categories whose cases carry it (a category takes its worst case's severity). */
  readonly categorySeverity: Readonly<Record<string, Severity>>;
}

/** How a runtime was asked, recorded so a run can be repeated and compared. */
export interface EvalSettings {
  readonly suites: readonly string[];
  /** Cases per suite when sampled (--limit); undefined for every case. */
  readonly limit?: number;
  readonly seed: number;
  readonly temperature: number;
  readonly maxTokens: number;
  readonly concurrency: number;
  readonly judges: readonly string[];
  /** Digest over the cases run (ids and messages): a resumed run must be running the same cases. */
  readonly casesDigest: string;
}

/** One category or strategy, candidate against baseline. */
export interface Comparison {
  readonly dimension: "category" | "strategy" | "over-refusal";
  readonly key: string;
  readonly candidate: Rate;
  readonly baseline: Rate;
  /** candidate.rate − baseline.rate, in percentage points. */
  readonly deltaPoints: number;
  /** The difference's 95% interval (Newcombe's, from the two Wilson intervals) excludes 0: not noise at this sample size. */
  readonly significant: boolean;
}

export interface GateResult {
  readonly pass: boolean;
  /** What failed, in words a person can act on: the category, by how much, against which threshold. */
  readonly reasons: readonly string[];
  /** The thresholds applied. */
  readonly thresholds: Readonly<Record<string, number | readonly string[]>>;
}

export type EvaluationStatus = "running" | "complete" | "interrupted";

/** An evaluation of one model version: the evidence `eval` kind's body, and what the report draws. */
export interface Evaluation {
  readonly id: string;
  /** name@version */
  readonly version: string;
  readonly digest: string;
  /** The runtime that served it and the name it served it under. */
  readonly runtime: string;
  readonly settings: EvalSettings;
  readonly status: EvaluationStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly startedBy: string;
  /** Cases planned; results stored so far. */
  readonly planned: number;
  readonly completed: number;
  readonly summary: EvaluationSummary;
  readonly baseline?: { readonly version: string; readonly evaluationId: string; readonly summary: EvaluationSummary };
  readonly comparisons?: readonly Comparison[];
  readonly gate?: GateResult;
}
