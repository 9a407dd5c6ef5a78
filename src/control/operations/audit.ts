import { z } from "zod";
import { auditVerifierKeys, auditWitnesses, checkInclusionProof, proveInclusion, verifyAuditLog } from "../../audit/index.js";
import { auditEventFields } from "../../audit/export.js";
import { pageAuditEvents } from "../../audit/query.js";
import { PerimeterError } from "../../errors.js";
import { operation, type AnyOperation } from "../api.js";
import type { ControlServices } from "../services.js";

// The audit log for auditors: pages of events (filtered), the whole log verified as `perimeter audit verify`
// does it, and one event proved into a signed checkpoint and checked — the proof is returned so it can be
// kept and checked offline (perimeter audit prove --verify FILE).

export const auditEvent = z.object(auditEventFields);

const verifyReport = z.object({
  ok: z.boolean(),
  events: z.number().int(),
  checkpoints: z.number().int(),
  root: z.string(),
  firstBadSeq: z.number().int().nullable(),
  problems: z.array(z.object({ seq: z.number().int().nullable(), message: z.string() })),
});

const proofView = z.object({
  event: auditEvent,
  leafIndex: z.number().int(),
  leafHash: z.string(),
  treeSize: z.number().int(),
  rootHash: z.string(),
  proof: z.array(z.string()),
  checkpoint: z.string(),
});

export function auditOperations(s: ControlServices): AnyOperation[] {
  const keys = () => auditVerifierKeys(s.ctx.loaded);
  return [
    operation({
      id: "listAuditEvents",
      method: "GET",
      path: "/control/audit/events",
      summary: "Audit events, newest first, a page at a time; filter by actor, action (or prefix: kill.*), decision, resource",
      tag: "audit",
      action: "control_audit",
      query: z.strictObject({
        limit: z.coerce.number().int().min(1).max(500).default(50),
        before: z.coerce.number().int().min(1).optional(),
        actor: z.string().min(1).max(300).optional(),
        action: z.string().min(1).max(200).optional(),
        decision: z.enum(["allow", "deny"]).optional(),
        resource: z.string().min(1).max(600).optional(),
      }),
      response: z.strictObject({ events: z.array(auditEvent), next: z.number().int().nullable(), size: z.number().int() }),
      handle: async ({ query }) => {
        await s.ctx.audit().flush();
        return pageAuditEvents(s.ctx.store, query);
      },
    }),
    operation({
      id: "verifyAuditLog",
      method: "GET",
      path: "/control/audit/verify",
      summary: "Recompute every hash, link, Merkle root and checkpoint signature, and check every configured witness",
      tag: "audit",
      action: "control_audit",
      response: verifyReport,
      async handle() {
        await s.ctx.audit().flush();
        return verifyAuditLog(s.ctx.store, keys(), { witnesses: auditWitnesses(s.ctx.loaded) });
      },
    }),
    operation({
      id: "proveAuditEvent",
      method: "GET",
      path: "/control/audit/events/{seq}/proof",
      summary: "One event proved into the newest signed checkpoint that covers it (RFC 6962), and the proof checked",
      tag: "audit",
      action: "control_audit",
      params: z.strictObject({ seq: z.coerce.number().int().min(1) }),
      response: z.strictObject({ verified: z.boolean(), reason: z.string().optional(), proof: proofView.optional() }),
      async handle({ params }) {
        await s.ctx.audit().flush();
        try {
          const proof = await proveInclusion(s.ctx.store, params.seq, keys());
          const check = checkInclusionProof(proof, keys());
          return check.ok ? { verified: true, proof } : { verified: false, reason: check.reason, proof };
        } catch (err) {
          // A log that does not prove this event is an answer, not a failure of the route.
          if (err instanceof PerimeterError && err.code === "AUDIT_TAMPERED") return { verified: false, reason: err.message };
          throw err;
        }
      },
    }),
  ];
}
