import { z } from "zod";
import { findEvaluation, listEvaluations } from "../../evals/service.js";
import { operation, type AnyOperation } from "../api.js";
import { anyJson } from "../schemas.js";
import type { ControlServices } from "../services.js";

// Evaluations as evidence: a version's runs, and one evaluation's rates with their intervals, the baseline
// comparison and the gate — what `perimeter eval list` and `eval show` print, for the dashboard's charts.

const rate = z.object({ count: z.number(), n: z.number(), rate: z.number(), low: z.number(), high: z.number() });
const rates = z.record(z.string(), rate);

const summary = z.object({
  asr: rate,
  asrByCategory: rates,
  asrByStrategy: rates,
  refusalRate: rate,
  overRefusal: rate,
  overRefusalByCategory: rates,
  unclear: rate,
  judged: z.number(),
  errors: z.number(),
  errorsByCategory: z.record(z.string(), z.number()),
  judgeFailures: z.number(),
  disagreements: z.number(),
  categorySeverity: z.record(z.string(), z.string()),
});

const evaluation = z.object({
  id: z.string(),
  version: z.string(),
  digest: z.string(),
  runtime: z.string(),
  settings: z.object({
    suites: z.array(z.string()),
    limit: z.number().optional(),
    seed: z.number(),
    temperature: z.number(),
    maxTokens: z.number(),
    concurrency: z.number(),
    judges: z.array(z.string()),
    casesDigest: z.string(),
  }),
  status: z.enum(["running", "complete", "interrupted"]),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  startedBy: z.string(),
  planned: z.number(),
  completed: z.number(),
  summary,
  baseline: z.object({ version: z.string(), evaluationId: z.string(), summary }).optional(),
  comparisons: z
    .array(
      z.object({
        dimension: z.enum(["category", "strategy", "over-refusal"]),
        key: z.string(),
        candidate: rate,
        baseline: rate,
        deltaPoints: z.number(),
        significant: z.boolean(),
      }),
    )
    .optional(),
  gate: z.object({ pass: z.boolean(), reasons: z.array(z.string()), thresholds: z.record(z.string(), anyJson) }).optional(),
});

export function evalOperations(s: ControlServices): AnyOperation[] {
  return [
    operation({
      id: "listEvaluations",
      method: "GET",
      path: "/control/versions/{ref}/evaluations",
      summary: "A version's evaluations, newest first",
      tag: "evaluations",
      action: "control_read",
      params: z.strictObject({ ref: z.string().min(3).max(300) }),
      response: z.strictObject({
        version: z.string(),
        evaluations: z.array(
          z.object({
            id: z.string(),
            status: z.enum(["running", "complete", "interrupted"]),
            startedAt: z.string(),
            startedBy: z.string(),
            finishedAt: z.string().nullable(),
            runtime: z.string(),
            suites: z.array(z.string()),
            planned: z.number(),
            gate: z.boolean().nullable(),
            asr: z.number().nullable(),
          }),
        ),
      }),
      async handle({ params }) {
        const { version, runs } = await listEvaluations(s.ctx.store, params.ref);
        return { version: version.id, evaluations: runs };
      },
    }),
    operation({
      id: "getEvaluation",
      method: "GET",
      path: "/control/evaluations/{id}",
      summary: "One evaluation (ev_…), or a version's newest complete one (name@version)",
      tag: "evaluations",
      action: "control_read",
      params: z.strictObject({ id: z.string().min(3).max(300) }),
      response: z.strictObject({ evaluation }),
      handle: async ({ params }) => ({ evaluation: await findEvaluation(s.ctx.store, params.id) }),
    }),
  ];
}
