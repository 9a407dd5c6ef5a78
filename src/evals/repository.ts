import { randomBytes } from "node:crypto";
import type { EvalRunTable } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { CaseResult, Evaluation, EvalSettings, EvaluationStatus } from "./types.js";

// The evaluations' tables: eval_runs (one per run of suites against a model version) and eval_results (one
// per case, written the moment it is judged, so an interrupted run loses at most the cases in flight).

export interface EvalRun {
  readonly id: string;
  readonly versionId: string;
  readonly digest: string;
  readonly runtime: string;
  readonly settings: EvalSettings;
  readonly status: EvaluationStatus;
  readonly planned: number;
  readonly startedAt: string;
  readonly startedBy: string;
  readonly finishedAt: string | null;
  /** The evaluation as completed; null while running. */
  readonly evaluation: Evaluation | null;
}

function toRun(r: EvalRunTable): EvalRun {
  return {
    id: r.id,
    versionId: r.version_id,
    digest: r.digest,
    runtime: r.runtime,
    settings: JSON.parse(r.settings) as EvalSettings,
    status: r.status as EvaluationStatus,
    planned: Number(r.planned),
    startedAt: r.started_at,
    startedBy: r.started_by,
    finishedAt: r.finished_at,
    evaluation: r.result === null ? null : (JSON.parse(r.result) as Evaluation),
  };
}

export class EvalRepository {
  constructor(private readonly store: Store) {}

  async createRun(input: Omit<EvalRun, "id" | "status" | "finishedAt" | "evaluation">): Promise<EvalRun> {
    const id = `ev_${randomBytes(8).toString("hex")}`;
    await this.store.db
      .insertInto("eval_runs")
      .values({
        id,
        version_id: input.versionId,
        digest: input.digest,
        runtime: input.runtime,
        settings: JSON.stringify(input.settings),
        status: "running",
        planned: input.planned,
        started_at: input.startedAt,
        started_by: input.startedBy,
        finished_at: null,
        result: null,
      })
      .execute();
    return { ...input, id, status: "running", finishedAt: null, evaluation: null };
  }

  async getRun(id: string): Promise<EvalRun | undefined> {
    const row = await this.store.db.selectFrom("eval_runs").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toRun(row);
  }

  /** Runs of a version, newest first. */
  async runs(versionId: string): Promise<EvalRun[]> {
    const rows = await this.store.db
      .selectFrom("eval_runs")
      .selectAll()
      .where("version_id", "=", versionId)
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map(toRun);
  }

  async setStatus(id: string, status: EvaluationStatus): Promise<void> {
    await this.store.db.updateTable("eval_runs").set({ status }).where("id", "=", id).execute();
  }

  async complete(id: string, evaluation: Evaluation): Promise<void> {
    await this.store.db
      .updateTable("eval_runs")
      .set({ status: "complete", finished_at: evaluation.finishedAt ?? new Date().toISOString(), result: JSON.stringify(evaluation) })
      .where("id", "=", id)
      .execute();
  }

  /** Store one case's result; a retried case (an error before) is replaced. */
  async putResult(runId: string, result: CaseResult): Promise<void> {
    const values = { run_id: runId, case_id: result.caseId, status: result.status, result: JSON.stringify(result), created_at: new Date().toISOString() };
    await this.store.db
      .insertInto("eval_results")
      .values(values)
      .onConflict((oc) => oc.columns(["run_id", "case_id"]).doUpdateSet({ status: values.status, result: values.result, created_at: values.created_at }))
      .execute();
  }

  async results(runId: string): Promise<CaseResult[]> {
    const rows = await this.store.db.selectFrom("eval_results").select(["result"]).where("run_id", "=", runId).orderBy("case_id").execute();
    return rows.map((r) => JSON.parse(r.result) as CaseResult);
  }

  /** Case ids with a judged (not errored) result. */
  async doneCaseIds(runId: string): Promise<Set<string>> {
    const rows = await this.store.db.selectFrom("eval_results").select(["case_id"]).where("run_id", "=", runId).where("status", "=", "done").execute();
    return new Set(rows.map((r) => r.case_id));
  }
}
