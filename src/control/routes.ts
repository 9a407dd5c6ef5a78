import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { z } from "zod";
import type { AuditEventInput, AuditLog } from "../audit/index.js";
import { ERROR_CODES, PerimeterError, type ErrorCode } from "../errors.js";
import type { Route, RouteResponse } from "../http/server.js";
import type { AuthResult, Principal } from "../identity/types.js";
import { KILL_KINDS, type Kill, type KillSwitch, type ResolvedTarget } from "../killswitch/index.js";
import type { ToolApproval } from "../tools/repository.js";
import type { ToolsService } from "../tools/service.js";

// The control API: the kill switch over HTTP, beside the gateway's routes. Callers authenticate as gateway
// callers do and must hold the "admin" scope. Bodies are parsed strictly: anything but the documented object
// is a 400 that says what was expected; a target that resolves to nothing is a 404 and kills nothing.

export const CONTROL_SCOPE = "admin";
/** A kill is three short strings: anything larger is not one. */
export const CONTROL_MAX_BODY_BYTES = 16 * 1024;

export interface ControlDeps {
  readonly killswitch: KillSwitch;
  /** The gateway's authentication (API key or JWT), as src/gateway/start.ts builds it. */
  authenticate(authorization: string | undefined): Promise<AuthResult>;
  /** Re-read the kill switch in this process's gateway now, so a kill cuts its calls without waiting for a poll. */
  onChange(): Promise<void>;
  readonly audit: () => AuditLog;
  readonly logger?: Logger | undefined;
  /**
   * Where refusals of callers who did not authenticate go. By default each is an audit event; the gateway's
   * aggregation of anonymous refusals (counted, sampled, rate-limited per source) belongs here when it exists.
   */
  readonly onUnauthenticated?: ((event: AuditEventInput) => void) | undefined;
  /** The tool gateway's operator side, when tool servers are configured: approvals of calls and of servers. */
  readonly tools?: ControlTools | undefined;
}

export interface ControlTools {
  readonly service: ToolsService;
  /** A decision made here reaches the call waiting in this process at once. */
  notify(approval: ToolApproval): void;
  /** Pins changed: this gateway re-reads them now. */
  refresh(): Promise<void>;
}

const decideBody = z.strictObject({
  id: z.string().min(1).max(100),
  decision: z.enum(["allow", "deny"]),
  reason: z.string().max(2000).default(""),
});
const approveBody = z.strictObject({
  server: z.string().min(1).max(100),
  /** Tools to approve although the guards found instructions in their descriptions. */
  accept: z.array(z.string().min(1).max(128)).max(1000).default([]),
});

const killBody = z.strictObject({
  kind: z.enum(KILL_KINDS),
  target: z.string().min(1).max(300),
  reason: z
    .string()
    .max(2000)
    .refine((r) => r.trim() !== "", "must say why (it is kept as evidence)"),
});

const USAGE_HINT = `the body must be {"kind": "${KILL_KINDS.join('" | "')}", "target": "identity id or name, runtime name, name@version or a model name", "reason": "why"}`;

export function controlRoutes(deps: ControlDeps): Route[] {
  return [
    { method: "POST", path: "/control/kill", maxBodyBytes: CONTROL_MAX_BODY_BYTES, handle: (req, body) => change(deps, "kill", req, body) },
    { method: "POST", path: "/control/lift", maxBodyBytes: CONTROL_MAX_BODY_BYTES, handle: (req, body) => change(deps, "lift", req, body) },
    { method: "GET", path: "/control/kills", handle: (req) => listRoute(deps, req) },
    ...(deps.tools === undefined ? [] : toolRoutes(deps, deps.tools)),
  ];
}

/** Tool approvals: calls waiting for a person, and servers whose tools are pinned. */
function toolRoutes(deps: ControlDeps, tools: ControlTools): Route[] {
  const guarded =
    (path: string, action: string, run: (actor: string, body: Buffer) => Promise<RouteResponse>) =>
    async (req: IncomingMessage, body: Buffer): Promise<RouteResponse> => {
      const principal = await admin(deps, req, path, () => action);
      if (!("id" in principal)) return principal;
      try {
        return await run(`identity:${principal.id}`, body);
      } catch (err) {
        return failure(deps, err, path);
      }
    };
  return [
    {
      method: "GET",
      path: "/control/tools/pending",
      handle: guarded("/control/tools/pending", "tool.pending", async () => ({ status: 200, json: { pending: await tools.service.pending() } })),
    },
    {
      method: "GET",
      path: "/control/tools/pins",
      handle: guarded("/control/tools/pins", "tool.pins", async () => ({ status: 200, json: { pins: await tools.service.pins() } })),
    },
    {
      method: "POST",
      path: "/control/tools/decide",
      maxBodyBytes: CONTROL_MAX_BODY_BYTES,
      handle: guarded("/control/tools/decide", "tool.decide", async (actor, raw) => {
        const body = parseWith(decideBody, raw, 'the body must be {"id": "apr_…", "decision": "allow" | "deny", "reason": "why"}');
        if (!body.ok) return error(400, "USAGE", body.message);
        const decided = await tools.service.decide(body.value.id, body.value.decision, actor, body.value.reason);
        tools.notify(decided);
        return { status: 200, json: { approval: decided } };
      }),
    },
    {
      method: "POST",
      path: "/control/tools/approve",
      maxBodyBytes: CONTROL_MAX_BODY_BYTES,
      handle: guarded("/control/tools/approve", "tool.approve", async (actor, raw) => {
        const body = parseWith(approveBody, raw, 'the body must be {"server": "NAME", "accept": ["tool whose flagged description you accept"]}');
        if (!body.ok) return error(400, "USAGE", body.message);
        const result = await tools.service.approve(body.value.server, actor, body.value.accept);
        await tools.refresh();
        return { status: 200, json: result };
      }),
    },
  ];
}

/** A JSON body parsed strictly; the refusal names what is wrong and ends with `hint` (what the body must be). */
function parseWith<T>(schema: z.ZodType<T>, raw: Buffer, hint: string): { ok: true; value: T } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    return { ok: false, message: `the body is not JSON: ${hint}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.length === 0 ? "(body)" : i.path.join(".")}: ${i.message}`);
  return { ok: false, message: `${issues.join("; ")}: ${hint}` };
}

async function change(deps: ControlDeps, op: "kill" | "lift", req: IncomingMessage, raw: Buffer): Promise<RouteResponse> {
  const path = `/control/${op}`;
  const principal = await admin(deps, req, path, () => bestEffortAction(op, raw));
  if (!("id" in principal)) return principal;
  const actor = `identity:${principal.id}`;

  const parsed = parseWith(killBody, raw, USAGE_HINT);
  if (!parsed.ok) {
    record(deps, {
      actor,
      action: op === "kill" ? "kill" : "kill.lift",
      resource: "control",
      decision: "deny",
      reason: parsed.message,
      details: { route: path, status: 400, code: "USAGE" },
    });
    return error(400, "USAGE", parsed.message);
  }
  const body = parsed.value;

  let result: { entry: Kill; resolved: ResolvedTarget };
  try {
    // The kill switch records its own decision, allow or deny, with the details of what was resolved.
    if (op === "kill") {
      const r = await deps.killswitch.kill({ ...body, actor });
      result = { entry: r.kill, resolved: r.resolved };
    } else {
      const r = await deps.killswitch.lift({ ...body, actor });
      result = { entry: r.lifted, resolved: r.resolved };
    }
  } catch (err) {
    return failure(deps, err, path);
  }
  let refreshed = true;
  try {
    await deps.onChange();
  } catch (err) {
    // The kill is stored: every gateway applies it on its next poll; this one could not re-read it at once.
    refreshed = false;
    deps.logger?.error({ err }, "the kill switch changed and this gateway could not re-read it at once; it will on its next poll");
  }
  const view = {
    kind: result.entry.kind,
    target: result.entry.target,
    covers: result.resolved.covers,
    reason: result.entry.reason,
    killedAt: result.entry.killedAt,
    killedBy: result.entry.killedBy,
  };
  return { status: 200, json: op === "kill" ? { killed: view, appliedHere: refreshed } : { lifted: view, liftReason: body.reason, appliedHere: refreshed } };
}

async function listRoute(deps: ControlDeps, req: IncomingMessage): Promise<RouteResponse> {
  const principal = await admin(deps, req, "/control/kills", () => "kill.list");
  if (!("id" in principal)) return principal;
  try {
    return { status: 200, json: { kills: await deps.killswitch.list() } };
  } catch (err) {
    return failure(deps, err, "/control/kills");
  }
}

/** The authenticated admin, or the refusal to send (recorded). */
async function admin(deps: ControlDeps, req: IncomingMessage, path: string, action: () => string): Promise<Principal | RouteResponse> {
  let auth: AuthResult;
  try {
    auth = await deps.authenticate(req.headers.authorization);
  } catch (err) {
    // An error while checking credentials is a refusal, never a pass.
    deps.logger?.error({ err }, "checking control API credentials failed");
    auth = { ok: false, code: "AUTH_KEY_INVALID", message: "credentials could not be checked; try again, and if it persists see the server log" };
  }
  if (!auth.ok) {
    const event: AuditEventInput = {
      actor: "anonymous",
      action: action(),
      resource: "control",
      decision: "deny",
      reason: auth.message,
      details: { route: path, status: 401, code: auth.code },
    };
    if (deps.onUnauthenticated !== undefined) deps.onUnauthenticated(event);
    else record(deps, event);
    return error(401, auth.code, auth.message);
  }
  if (!auth.principal.scopes.includes(CONTROL_SCOPE)) {
    const message = `identity ${auth.principal.id} lacks the "${CONTROL_SCOPE}" scope the control API requires`;
    record(deps, {
      actor: `identity:${auth.principal.id}`,
      action: action(),
      resource: "control",
      decision: "deny",
      reason: message,
      details: { route: path, status: 403, code: "PERMISSION_DENIED" },
    });
    return error(403, "PERMISSION_DENIED", message);
  }
  // A killed identity keeps its key until it is revoked: it must not lift its own kill, nor any other.
  let killed: string | null;
  try {
    killed = (await deps.killswitch.current()).covers(auth.principal.id, "", "");
  } catch (err) {
    return failure(deps, err, path);
  }
  if (killed !== null) {
    record(deps, {
      actor: `identity:${auth.principal.id}`,
      action: action(),
      resource: "control",
      decision: "deny",
      reason: killed,
      details: { route: path, status: 403, code: "KILLED" },
    });
    return error(403, "KILLED", `identity ${auth.principal.id} is killed and may not use the control API: ${killed}`);
  }
  return auth.principal;
}

/** For the audit event of a refused caller: which action it asked for, if its body says so. */
function bestEffortAction(op: "kill" | "lift", raw: Buffer): string {
  if (op === "lift") return "kill.lift";
  try {
    const kind = (JSON.parse(raw.toString("utf8")) as { kind?: unknown } | null)?.kind;
    return typeof kind === "string" && (KILL_KINDS as readonly string[]).includes(kind) ? `kill.${kind}` : "kill";
  } catch {
    return "kill";
  }
}

/** A refusal from the kill switch keeps its code and status; anything else is a 500 (or 503) that leaks nothing. */
function failure(deps: ControlDeps, err: unknown, path: string): RouteResponse {
  if (err instanceof PerimeterError && err.kind !== "internal") return error(err.status, err.code, err.message);
  deps.logger?.error({ err, route: path }, "control API request failed");
  const code: ErrorCode = err instanceof PerimeterError ? err.code : "INTERNAL";
  return error(err instanceof PerimeterError ? err.status : 500, code, `${ERROR_CODES[code].summary}; the server log has the details`);
}

function record(deps: ControlDeps, event: AuditEventInput): void {
  deps
    .audit()
    .record(event)
    .catch((err: unknown) => deps.logger?.error({ err }, "recording a control API refusal failed"));
}

function error(status: number, code: string, message: string): RouteResponse {
  return { status, json: { error: { code, message } } };
}
