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
  identityOwner: z.string().nullable().describe("who owns the calling identity: they may deny the call, not allow it"),
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

const serverView = z.strictObject({
  name: z.string(),
  transport: z.enum(["http", "stdio"]),
  url: z.string().nullable().describe("a streamable HTTP server's origin (its path and query, which may carry a token, are not shown); null for stdio"),
  namespace: z.string(),
  approval: z.enum(["required", "none"]).describe("whether each call of its tools waits for an approver (unless a tool says otherwise)"),
  pinned: z.number().describe("tools pinned (approved definitions)"),
  approvedAt: z.string().nullable().describe("when its tools were last pinned"),
  approvedBy: z.string().nullable(),
});

/**
 * A server's address as every role may see it: its origin only. User-info, a path or a query can carry a
 * token (https://mcp.example.com/s/TOKEN/mcp); the full address is in perimeter.yaml.
 */
function shownUrl(url: string | undefined): string | null {
  if (url === undefined) return null;
  try {
    const u = new URL(url);
    return u.pathname === "/" && u.search === "" ? u.origin : `${u.origin}/…`;
  } catch {
    return null;
  }
}

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
      id: "listToolServers",
      method: "GET",
      path: "/control/tools/servers",
      summary: "The tool servers configured (tools.servers), with how many of their tools are pinned and when",
      tag: "tools",
      action: "control_read",
      response: z.strictObject({ servers: z.array(serverView) }),
      async handle() {
        if (s.tools === undefined) return { servers: [] };
        const pins = await s.tools.service.pins();
        return {
          servers: s.tools.service.servers().map((server) => {
            const own = pins.filter((p) => p.server === server.name);
            const newest = own.reduce<(typeof own)[number] | undefined>((a, p) => (a === undefined || p.approvedAt > a.approvedAt ? p : a), undefined);
            return {
              name: server.name,
              transport: server.url === undefined ? ("stdio" as const) : ("http" as const),
              url: shownUrl(server.url),
              namespace: server.namespace ?? server.name,
              approval: server.approval,
              pinned: own.length,
              approvedAt: newest?.approvedAt ?? null,
              approvedBy: newest?.approvedBy ?? null,
            };
          }),
        };
      },
    }),
    operation({
      id: "reviewToolServer",
      method: "GET",
      path: "/control/tools/servers/{name}/review",
      summary: "What approving a tool server would change: its tools now beside their pins, and instructions found in their descriptions",
      tag: "tools",
      // Reviewing lists the server's tools now, over the network: approvers do that, before they approve.
      action: "control_approve",
      params: z.strictObject({ name: z.string().min(1).max(100) }),
      response: z.strictObject({ server: z.string(), tools: z.array(review) }),
      handle: async ({ params }) => ({ server: params.name, tools: await tools().service.review(params.name) }),
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
        const decided = await t.service.decide(body.id, body.decision, c.actor, body.reason, c.principal.id, c.principal.owner);
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
        reviewed: z
          .record(z.string().min(1).max(128), z.string().regex(/^[0-9a-f]{64}$/))
          .refine((r) => Object.keys(r).length <= 1000, "at most 1000 tools")
          .optional()
          .describe("the digest of each tool as the approver reviewed it: if the server lists anything else now, nothing is pinned"),
      }),
      response: z.strictObject({ server: z.string(), approved: z.array(review), refused: z.array(review), removed: z.array(review) }),
      async handle({ body }, caller) {
        const t = tools();
        const result = await t.service.approve(body.server, who(caller).actor, body.accept, body.reviewed);
        await t.refresh();
        return result;
      },
    }),
  ];
}
