import { z } from "zod";
import { PerimeterError } from "../../errors.js";
import { APPROVAL_STATES } from "../../tools/repository.js";
import { operation, who, type AnyOperation } from "../api.js";
import { anyJson } from "../schemas.js";
import type { ControlServices, ControlTools } from "../services.js";

// The tool gateway's operator side: tool calls waiting for a person, and tool servers whose tools are pinned.

const approval = z.object({
  id: z.string(),
  identityId: z.string(),
  identityName: z.string(),
  server: z.string(),
  tool: z.string(),
  argumentsDigest: z.string(),
  arguments: anyJson.describe("as the approver sees them, redacted by the guards"),
  state: z.enum(APPROVAL_STATES),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
});

const pin = z.object({
  server: z.string(),
  tool: z.string(),
  digest: z.string(),
  definition: anyJson,
  approvedBy: z.string(),
  approvedAt: z.string(),
});

const review = z.object({
  server: z.string(),
  tool: z.string(),
  status: z.enum(["new", "unchanged", "changed", "removed"]),
  digest: z.string(),
  pinned: z.string().optional(),
  findings: z.array(z.object({ detector: z.string(), category: z.string(), type: z.string(), severity: z.string(), action: z.string(), location: z.string() })),
  description: z.string().optional(),
});

export function toolOperations(s: ControlServices): AnyOperation[] {
  const tools = (): ControlTools => {
    if (s.tools === undefined) throw new PerimeterError("TOOL_NOT_FOUND", "no tool servers are configured (tools.servers in perimeter.yaml)");
    return s.tools;
  };
  return [
    operation({
      id: "listToolApprovals",
      method: "GET",
      path: "/control/tools/pending",
      summary: "Tool calls waiting for an approver (state=all: decided and expired ones too)",
      tag: "tools",
      action: "control_read",
      query: z.strictObject({ state: z.enum([...APPROVAL_STATES, "all"]).default("pending") }),
      response: z.strictObject({ pending: z.array(approval) }),
      handle: async ({ query }) => ({ pending: s.tools === undefined ? [] : await s.tools.service.pending(query.state) }),
    }),
    operation({
      id: "listToolPins",
      method: "GET",
      path: "/control/tools/pins",
      summary: "Every approved tool's pinned definition",
      tag: "tools",
      action: "control_read",
      response: z.strictObject({ pins: z.array(pin) }),
      handle: async () => ({ pins: s.tools === undefined ? [] : await s.tools.service.pins() }),
    }),
    operation({
      id: "decideToolCall",
      method: "POST",
      path: "/control/tools/decide",
      summary: "Allow or deny a tool call that waits for an approver (not by the identity that made it)",
      tag: "tools",
      action: "control_approve",
      maxBodyBytes: 16 * 1024,
      body: z.strictObject({ id: z.string().min(1).max(100), decision: z.enum(["allow", "deny"]), reason: z.string().max(2000).default("") }),
      response: z.strictObject({ approval }),
      async handle({ body }, caller) {
        const c = who(caller);
        const t = tools();
        const decided = await t.service.decide(body.id, body.decision, c.actor, body.reason, c.principal.id);
        t.notify(decided);
        return { approval: decided };
      },
    }),
    operation({
      id: "approveToolServer",
      method: "POST",
      path: "/control/tools/approve",
      summary: "Pin a tool server's tools as they are now; tools whose descriptions carry instructions are held back unless accepted",
      tag: "tools",
      action: "control_approve",
      maxBodyBytes: 16 * 1024,
      body: z.strictObject({
        server: z.string().min(1).max(100),
        accept: z
          .array(z.string().min(1).max(128))
          .max(1000)
          .default([])
          .describe("tools to approve although the guards found instructions in their descriptions"),
      }),
      response: z.strictObject({ server: z.string(), approved: z.array(review), refused: z.array(review), removed: z.array(review) }),
      async handle({ body }, caller) {
        const t = tools();
        const result = await t.service.approve(body.server, who(caller).actor, body.accept);
        await t.refresh();
        return result;
      },
    }),
  ];
}
