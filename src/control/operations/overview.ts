import { z } from "zod";
import { checkDrift } from "../../inventory/drift.js";
import { listModels } from "../../inventory/models.js";
import { openFindings } from "../../lifecycle/findings.js";
import { LIFECYCLE_STATES, LifecycleRepository } from "../../lifecycle/repository.js";
import { PerimeterError } from "../../errors.js";
import { operation, who, type AnyOperation } from "../api.js";
import { finding } from "../schemas.js";
import type { ControlServices } from "../services.js";

// The overview (what needs attention now) and live traffic from this gateway's own metrics.

const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"] as const;

export function overviewOperations(s: ControlServices): AnyOperation[] {
  const store = s.ctx.store;
  return [
    operation({
      id: "getOverview",
      method: "GET",
      path: "/control/overview",
      summary: "What needs attention: models by state, drift, open findings, kills in force, the audit log's state",
      tag: "overview",
      action: "control_read",
      response: z.strictObject({
        models: z.strictObject({ total: z.number(), byState: z.record(z.string(), z.number()), waitingForApproval: z.number() }),
        drift: z.strictObject({ drift: z.boolean(), findings: z.number(), checkedAt: z.string() }),
        findings: z
          .array(
            finding.extend({
              source: z.enum(["inventory", "scan", "drift"]),
              version: z.string().nullable().describe("the model version it is about, when it is about one"),
              runtime: z.string().nullable().describe("the runtime it is about (drift)"),
            }),
          )
          .describe("open findings, most severe first"),
        kills: z.number(),
        audit: z.strictObject({
          events: z.number(),
          lastCheckpoint: z.strictObject({ size: z.number(), time: z.string() }).nullable(),
          uncheckpointed: z.number(),
        }),
        tools: z.strictObject({ pendingApprovals: z.number() }),
      }),
      async handle(_input, caller) {
        const versions = await listModels(store);
        const states = await new LifecycleRepository(store).states(versions.map((v) => v.id));
        const byState: Record<string, number> = Object.fromEntries(LIFECYCLE_STATES.map((st) => [st, 0]));
        for (const v of versions) {
          const st = states.get(v.id)?.state ?? "registered";
          byState[st] = (byState[st] ?? 0) + 1;
        }
        // From the last discovery: an overview must not wait on runtimes that do not answer.
        const findings = await openFindings(store, versions);
        const drift = await checkDrift({ store, audit: s.ctx.audit }, { live: false, timeoutMs: 0, actor: who(caller).actor });
        await s.ctx.audit().flush();
        const head = await store.db.selectFrom("audit_head").select(["size"]).executeTakeFirst();
        const checkpoint = await store.db
          .selectFrom("audit_checkpoints")
          .select(["tree_size", "time"])
          .orderBy("tree_size", "desc")
          .limit(1)
          .executeTakeFirst();
        const events = head?.size ?? 0;
        return {
          models: { total: versions.length, byState, waitingForApproval: (byState["registered"] ?? 0) + (byState["evaluated"] ?? 0) },
          drift: { drift: drift.drift, findings: drift.findings.length, checkedAt: drift.checkedAt },
          findings: [
            ...drift.findings.map((f) => ({
              source: "drift" as const,
              rule: `DRIFT_${f.kind.toUpperCase().replaceAll("-", "_")}`,
              severity: f.severity,
              message: f.message,
              version: f.modelVersions.length === 1 ? (f.modelVersions[0] ?? null) : null,
              runtime: f.runtime,
            })),
            ...versions.flatMap((v) =>
              (findings.get(v.id) ?? []).map((f) => ({
                ...f,
                source: f.rule.startsWith("SCAN_") ? ("scan" as const) : ("inventory" as const),
                version: v.id,
                runtime: null,
              })),
            ),
          ].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity)),
          kills: (await s.killswitch.list()).length,
          audit: {
            events,
            lastCheckpoint: checkpoint === undefined ? null : { size: checkpoint.tree_size, time: checkpoint.time },
            uncheckpointed: events - (checkpoint?.tree_size ?? 0),
          },
          tools: { pendingApprovals: s.tools === undefined ? 0 : (await s.tools.service.pending()).length },
        };
      },
    }),
    operation({
      id: "getTraffic",
      method: "GET",
      path: "/control/traffic",
      summary: "This gateway's live traffic: calls per second, refusals by reason, latency percentiles, limits",
      tag: "traffic",
      action: "control_read",
      response: z.strictObject({
        intervalSeconds: z.number(),
        points: z.array(
          z.strictObject({
            at: z.string(),
            seconds: z.number().describe("the interval ending here"),
            allowed: z.number(),
            refused: z.number(),
            failed: z.number(),
          }),
        ),
        refusals: z.record(z.string(), z.number()),
        refusalsSinceStart: z.record(z.string(), z.number()),
        latencyMs: z.strictObject({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
        limited: z.number(),
        inFlight: z.number(),
        since: z.string(),
      }),
      async handle() {
        if (s.traffic === undefined) throw new PerimeterError("ROUTE_NOT_FOUND", "this server runs no gateway: there is no traffic to show");
        return s.traffic();
      },
    }),
  ];
}
