import { readFileSync } from "node:fs";
import { z } from "zod";
import { checkDrift } from "../../inventory/drift.js";
import { inventoryFindings } from "../../inventory/findings.js";
import { listModels } from "../../inventory/models.js";
import { LIFECYCLE_STATES, LifecycleRepository } from "../../lifecycle/repository.js";
import { configPath } from "../../config/load.js";
import { PerimeterError } from "../../errors.js";
import { DEFAULT_CONTROL_POLICIES, DEFAULT_CONTROL_POLICY_FILE } from "../../policy/control-policies.js";
import { DEFAULT_POLICIES, PERIMETER_SCHEMA } from "../../policy/default-policies.js";
import { DEFAULT_POLICY_FILE, PolicyEngine } from "../../policy/engine.js";
import { operation, who, type AnyOperation } from "../api.js";
import { finding } from "../schemas.js";
import type { ControlServices } from "../services.js";

// The overview (what needs attention now), live traffic from this gateway's own metrics, and the policies
// in force with a check of a change before anyone applies it.

const policySet = z.strictObject({
  files: z.array(z.strictObject({ file: z.string(), text: z.string() })),
  policies: z.array(z.strictObject({ id: z.string(), effect: z.enum(["permit", "forbid"]), file: z.string(), line: z.number() })),
});

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
        findings: z.array(finding.extend({ version: z.string() })),
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
          findings: versions.flatMap((v) => inventoryFindings(v).map((f) => ({ ...f, version: v.id }))),
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
        points: z.array(z.strictObject({ at: z.string(), allowed: z.number(), refused: z.number(), failed: z.number() })),
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
    operation({
      id: "getPolicies",
      method: "GET",
      path: "/control/policies",
      summary: "The Cedar policies in force: the gateway's (policy.files, else the default set) and the control API's",
      tag: "policies",
      action: "control_read",
      response: z.strictObject({ gateway: policySet, control: policySet, schema: z.string() }),
      async handle() {
        const loaded = s.ctx.loaded;
        const gatewayFiles = loaded.config.policy.files.map((f) => configPath(loaded, f));
        const controlFiles = loaded.config.control.policyFiles.map((f) => configPath(loaded, f));
        return {
          gateway: view(PolicyEngine.fromConfig(loaded), gatewayFiles, DEFAULT_POLICY_FILE, DEFAULT_POLICIES),
          control: view(PolicyEngine.control(controlFiles), controlFiles, DEFAULT_CONTROL_POLICY_FILE, DEFAULT_CONTROL_POLICIES),
          schema: PERIMETER_SCHEMA,
        };
      },
    }),
    operation({
      id: "validatePolicies",
      method: "POST",
      path: "/control/policies/validate",
      summary: "Parse and validate Cedar policies against Perimeter's schema, without applying them",
      tag: "policies",
      action: "control_read",
      maxBodyBytes: 1024 * 1024,
      body: z.strictObject({ text: z.string().max(1024 * 1024), file: z.string().min(1).max(200).default("(submitted)") }),
      response: z.strictObject({
        valid: z.boolean(),
        policies: z.array(z.strictObject({ id: z.string(), effect: z.enum(["permit", "forbid"]), file: z.string(), line: z.number() })),
        issues: z.array(
          z.object({ file: z.string(), line: z.number().optional(), column: z.number().optional(), policy: z.string().optional(), message: z.string() }),
        ),
      }),
      async handle({ body }) {
        try {
          const engine = PolicyEngine.fromTexts([{ file: body.file, text: body.text }]);
          return { valid: true, policies: [...engine.policies], issues: [] };
        } catch (err) {
          if (err instanceof PerimeterError && err.code === "POLICY_INVALID") {
            const issues = (err.details?.["issues"] ?? []) as { file: string; message: string }[];
            return { valid: false, policies: [], issues };
          }
          throw err;
        }
      },
    }),
  ];
}

function view(engine: PolicyEngine, files: readonly string[], defaultName: string, defaultText: string) {
  return {
    files: files.length === 0 ? [{ file: defaultName, text: defaultText }] : files.map((f) => ({ file: f, text: readFileSync(f, "utf8") })),
    policies: engine.policies.map((p) => ({ ...p })),
  };
}
