import { readFileSync } from "node:fs";
import { z } from "zod";
import { configPath } from "../../config/load.js";
import { PerimeterError } from "../../errors.js";
import {
  appliedFileName,
  checkPoliciesOffThread,
  engineFor,
  notApplied,
  POLICY_TARGETS,
  PolicySets,
  schemaOf,
  type PolicyTarget,
} from "../../policy/applied.js";
import { DEFAULT_CONTROL_POLICIES, DEFAULT_CONTROL_POLICY_FILE } from "../../policy/control-policies.js";
import { DEFAULT_POLICIES } from "../../policy/default-policies.js";
import { DEFAULT_POLICY_FILE, PolicyEngine } from "../../policy/engine.js";
import { operation, who, type AnyOperation, type ControlCaller } from "../api.js";
import { reason } from "../schemas.js";
import type { ControlServices } from "../services.js";

// The policies in force (the gateway's and the control API's), a check of a change, and applying one: stored,
// an audit event, in force in every gateway within a poll. A change to the control policies that would take
// the power to change them away from the admin applying it is refused: nobody could undo it from here.

const policyInfo = z.strictObject({ id: z.string(), effect: z.enum(["permit", "forbid"]), file: z.string(), line: z.number() });
const applied = z.strictObject({
  seq: z.number(),
  digest: z.string().describe('"" for a return to the configured files'),
  appliedBy: z.string(),
  appliedAt: z.string(),
  reason: z.string(),
});
const policySet = z.strictObject({
  source: z.enum(["default", "files", "applied"]),
  applied: applied.nullable().describe("the applied set in force, when the source is applied"),
  files: z.array(z.strictObject({ file: z.string(), text: z.string() })),
  policies: z.array(policyInfo),
  history: z.array(applied),
});
const issue = z.object({ file: z.string(), line: z.number().optional(), column: z.number().optional(), policy: z.string().optional(), message: z.string() });

/**
 * The most policy text the control API takes: Cedar takes seconds to parse and validate this much, and a set
 * in force is built in every gateway process; real sets are a few KB.
 */
export const MAX_POLICY_TEXT = 256 * 1024;

export function policyOperations(s: ControlServices): AnyOperation[] {
  const sets = new PolicySets(s.ctx.store, s.ctx.audit);
  const loaded = s.ctx.loaded;
  const configured = (target: PolicyTarget) => {
    const files = (target === "gateway" ? loaded.config.policy.files : loaded.config.control.policyFiles).map((f) => configPath(loaded, f));
    const engine = target === "gateway" ? PolicyEngine.fromConfig(loaded) : PolicyEngine.control(files);
    const texts =
      files.length > 0
        ? files.map((f) => ({ file: f, text: readFileSync(f, "utf8") }))
        : [
            target === "gateway"
              ? { file: DEFAULT_POLICY_FILE, text: DEFAULT_POLICIES }
              : { file: DEFAULT_CONTROL_POLICY_FILE, text: DEFAULT_CONTROL_POLICIES },
          ];
    return { engine, texts, source: files.length > 0 ? ("files" as const) : ("default" as const) };
  };
  const inForce = async (target: PolicyTarget) => {
    const history = await sets.history(target);
    const latest = history[0];
    const meta = history.map((h) => ({ seq: h.seq, digest: h.digest, appliedBy: h.appliedBy, appliedAt: h.appliedAt, reason: h.reason }));
    if (latest !== undefined && latest.text !== null) {
      const engine = engineFor(target, appliedFileName(target, latest.seq), latest.text);
      return {
        source: "applied" as const,
        applied: meta[0] ?? null,
        files: [{ file: engine.files[0] ?? "", text: latest.text }],
        policies: [...engine.policies],
        history: meta,
      };
    }
    const c = configured(target);
    return { source: c.source, applied: null, files: c.texts, policies: [...c.engine.policies], history: meta };
  };
  /** Refuse a control policy change that would leave its author unable to change the policies back. */
  const noLockout = (caller: ControlCaller) => (engine: PolicyEngine | undefined) => {
    const e = engine ?? configured("control").engine;
    const decision = e.authorizeControl({
      principal: caller.principal,
      action: "control_policies",
      route: "/control/policies/apply",
      method: "POST",
      grants: [],
    });
    if (!decision.allow)
      throw new PerimeterError(
        "USAGE",
        `the control policies were not applied: under them ${caller.actor} (identity ${caller.principal.id}) could no longer change the policies (${decision.reason}), and nobody might be able to undo it from the control API`,
      );
  };
  return [
    operation({
      id: "getPolicies",
      method: "GET",
      path: "/control/policies",
      summary: "The Cedar policies in force, for the gateway and for the control API: where they come from, their text, their history",
      tag: "policies",
      action: "control_read",
      response: z.strictObject({ gateway: policySet, control: policySet, schemas: z.strictObject({ gateway: z.string(), control: z.string() }) }),
      handle: async () => ({
        gateway: await inForce("gateway"),
        control: await inForce("control"),
        schemas: { gateway: schemaOf("gateway"), control: schemaOf("control") },
      }),
    }),
    operation({
      id: "validatePolicies",
      method: "POST",
      path: "/control/policies/validate",
      summary: "Parse and validate Cedar policies against Perimeter's schema, without applying them",
      tag: "policies",
      action: "control_read",
      maxBodyBytes: MAX_POLICY_TEXT + 4096,
      body: z.strictObject({
        target: z.enum(POLICY_TARGETS).default("gateway").describe("whose schema to validate against"),
        text: z.string().max(MAX_POLICY_TEXT),
        file: z.string().min(1).max(200).default("(submitted)"),
      }),
      response: z.strictObject({ valid: z.boolean(), policies: z.array(policyInfo), issues: z.array(issue) }),
      async handle({ body }) {
        try {
          return { valid: true, policies: [...(await checkPoliciesOffThread(body.target, body.file, body.text))], issues: [] };
        } catch (err) {
          if (err instanceof PerimeterError && err.code === "POLICY_INVALID") {
            const issues = (err.details?.["issues"] ?? []) as z.infer<typeof issue>[];
            return { valid: false, policies: [], issues };
          }
          throw err;
        }
      },
    }),
    operation({
      id: "applyPolicies",
      method: "POST",
      path: "/control/policies/apply",
      summary: "Apply a policy set (or, with text null, go back to the configured files): in force in every gateway within a poll",
      tag: "policies",
      action: "control_policies",
      maxBodyBytes: MAX_POLICY_TEXT + 4096,
      body: z.strictObject({
        target: z.enum(POLICY_TARGETS),
        text: z.string().max(MAX_POLICY_TEXT).nullable(),
        reason,
      }),
      response: z.strictObject({ target: z.enum(POLICY_TARGETS), applied, policies: z.array(policyInfo) }),
      async handle({ body }, caller) {
        const c = who(caller);
        // An invalid set is refused off this thread; only one that parses is built here (it must be, to be in force).
        if (body.text !== null) await checkPoliciesOffThread(body.target, appliedFileName(body.target, 0), body.text, "apply").catch(notApplied);
        const set = await sets.apply({
          target: body.target,
          text: body.text,
          actor: c.actor,
          reason: body.reason,
          accept: body.target === "control" ? noLockout(c) : undefined,
        });
        if (body.target === "gateway") await s.onPolicyChange?.();
        const now = await inForce(body.target);
        return {
          target: body.target,
          applied: { seq: set.seq, digest: set.digest, appliedBy: set.appliedBy, appliedAt: set.appliedAt, reason: set.reason },
          policies: now.policies,
        };
      },
    }),
  ];
}
