import type { Context } from "../app/context.js";
import { lifecycleDeps } from "../app/services.js";
import { configPath } from "../config/load.js";
import { Catalog } from "../gateway/catalog.js";
import { namedGuardModels } from "../gateway/guard-models.js";
import { RuntimePool, type EmbeddedFactory } from "../gateway/runtime-pool.js";
import { defaultEmbedded } from "../gateway/start.js";
import { notAvailable } from "../gateway/gateway.js";
import { redactText } from "../guards/index.js";
import { KillSet, listKills } from "../killswitch/index.js";
import { recordEvalEvidence } from "../lifecycle/service.js";
import { canaryJudge } from "./judges/canary.js";
import { guardModelJudge } from "./judges/guard-model.js";
import { refusalJudge } from "./judges/refusal.js";
import { latestEvaluation, type RunnerDeps } from "./runner.js";
import { evaluationRoute } from "./target.js";
import { loadSuites, type Suite } from "./suites.js";
import { PerimeterError } from "../errors.js";
import { getModel } from "../inventory/models.js";
import type { ModelVersion } from "../inventory/types.js";
import type { Store } from "../store/store.js";
import { EvalRepository } from "./repository.js";
import type { Evaluation, EvaluationStatus } from "./types.js";

// The evaluations as a configuration assembles them: the built-in suites and the operator's, the judges
// (refusal, canary, and the guard models named in evals.judges), the runtime clients the gateway uses, and
// the lifecycle that keeps the result as evidence. The CLI and the control API build them here, once.

export function configuredSuites(ctx: Pick<Context, "loaded">): Suite[] {
  return loadSuites({ paths: ctx.loaded.config.evals.suites.map((p) => configPath(ctx.loaded, p)) });
}

export interface Evaluator {
  readonly deps: RunnerDeps;
  close(): Promise<void>;
}

export async function openEvaluator(ctx: Context, options: { readonly embedded?: EmbeddedFactory } = {}): Promise<Evaluator> {
  const config = ctx.loaded.config;
  const pool = new RuntimePool({ timeoutMs: config.gateway.upstreamTimeoutMs, embedded: options.embedded ?? defaultEmbedded() });
  // Guard models that judge are served models like any other: approved, served with their approved bytes, not killed.
  const needsCatalog = config.evals.judges.length > 0;
  const catalog = needsCatalog ? await Catalog.load(ctx.store) : Catalog.empty();
  const kills = needsCatalog ? KillSet.of(await listKills(ctx.store)) : new KillSet();
  const guardModels = namedGuardModels(config.guards.models, config.evals.judges, "evals.judges", {
    route: (model, environment) => {
      const routes = catalog.resolve(model, environment);
      if (routes.length === 0) return notAvailable(model, environment);
      let why = "killed";
      for (const r of routes) {
        const killed = kills.covers("", r.version.id, r.runtime.name);
        if (killed === null) return r;
        why = killed;
      }
      return why;
    },
    runtimeFor: (route) => pool.runtimeFor(route),
    path: (p) => configPath(ctx.loaded, p),
    upstreamTimeoutMs: config.gateway.upstreamTimeoutMs,
  });
  const deps: RunnerDeps = {
    store: ctx.store,
    audit: ctx.audit,
    config: config.evals,
    suites: configuredSuites(ctx),
    async target(version) {
      const route = await evaluationRoute(ctx.store, version);
      return { route, dialect: pool.runtimeFor(route) };
    },
    judges: [refusalJudge(), canaryJudge(), ...guardModels.map(guardModelJudge)],
    redact: redactText,
    recordEvidence: (ref, pass, evaluation, actor) =>
      recordEvalEvidence(lifecycleDeps(ctx), ref, pass ? "pass" : "fail", evaluation as unknown as Record<string, unknown>, actor),
  };
  return {
    deps,
    async close() {
      await Promise.all(guardModels.map((m) => m.close?.()));
      await pool.close();
    },
  };
}

/** A version's evaluations, newest first, as `eval list` and the control API show them. */
export async function listEvaluations(store: Store, ref: string): Promise<{ version: ModelVersion; runs: EvaluationListing[] }> {
  const version = await getModel(store, ref);
  const runs = await new EvalRepository(store).runs(version.id);
  return {
    version,
    runs: runs.map((r) => ({
      id: r.id,
      status: r.status,
      startedAt: r.startedAt,
      startedBy: r.startedBy,
      finishedAt: r.finishedAt,
      runtime: r.runtime,
      suites: [...r.settings.suites],
      planned: r.planned,
      gate: r.evaluation?.gate?.pass ?? null,
      asr: r.evaluation?.summary.asr.rate ?? null,
    })),
  };
}

export interface EvaluationListing {
  readonly id: string;
  readonly status: EvaluationStatus;
  readonly startedAt: string;
  readonly startedBy: string;
  readonly finishedAt: string | null;
  readonly runtime: string;
  readonly suites: string[];
  readonly planned: number;
  readonly gate: boolean | null;
  readonly asr: number | null;
}

/** An evaluation by id (ev_…), or the newest complete one of a version (name@version). */
export async function findEvaluation(store: Store, ref: string): Promise<Evaluation> {
  if (/^ev_[0-9a-f]{16}$/.test(ref)) {
    const run = await new EvalRepository(store).getRun(ref);
    if (run === undefined) throw new PerimeterError("EVAL_NOT_FOUND", `no evaluation ${ref} on record (see perimeter eval list NAME@VERSION)`);
    if (run.evaluation === null)
      throw new PerimeterError("EVAL_NOT_FOUND", `evaluation ${ref} is ${run.status}, not complete: run perimeter eval run ${run.versionId} to resume it`);
    return run.evaluation;
  }
  const found = await latestEvaluation(store, ref);
  if (found === undefined) throw new PerimeterError("EVAL_NOT_FOUND", `no complete evaluation of ${ref} on record: run perimeter eval run ${ref}`);
  return found;
}
