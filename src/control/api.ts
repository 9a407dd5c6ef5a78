import type { IncomingMessage } from "node:http";
import { foreignEnvironment } from "../identity/environment-use.js";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { z } from "zod";
import type { AuditEventInput, AuditLog } from "../audit/index.js";
import { ERROR_CODES, PerimeterError, type ErrorCode } from "../errors.js";
import type { Route, RouteParams, RouteResponse } from "../http/server.js";
import type { AuthResult, Principal } from "../identity/types.js";
import type { ControlAction } from "../policy/control-policies.js";
import type { PolicyDecision, ControlPolicyRequest } from "../policy/engine.js";
import { actorOf, csrfMatches, type ControlSession, type ControlSessions } from "./sessions.js";

// The control API's request lifecycle, one declared order for every operation:
//   authenticate (session cookie or bearer) → kill-check → csrf (cookie changes) → parse (params, query,
//   body against the operation's zod schemas) → authorize (Cedar, control policy set) → handle
// Each stage answers with the next stage's input or a refusal that says what to do. The same zod schemas
// generate /control/openapi.json (src/control/openapi.ts), so the document cannot drift from what is enforced.

export const SESSION_COOKIE = "perimeter_session";
/** Under TLS the cookie takes the __Host- prefix: Secure, Path=/, no Domain, so no other host can plant it. */
export const SECURE_SESSION_COOKIE = "__Host-perimeter_session";
export const CSRF_HEADER = "x-csrf-token";
export const CONTROL_STAGES = ["authenticate", "kill-check", "csrf", "parse", "authorize", "handle"] as const;
export type ControlStage = (typeof CONTROL_STAGES)[number];

/** Who is asking: the identity, the person behind it, and the session when it came with the cookie. */
export interface ControlCaller {
  readonly principal: Principal;
  readonly actor: string;
  readonly session?: ControlSession | undefined;
}

export interface OperationInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
}

/** What a handler may add to its answer: a status other than 200, headers (Set-Cookie). */
export interface HandlerReply<R> {
  readonly status?: number;
  readonly json: R;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Operation<P = unknown, Q = unknown, B = unknown, R = unknown> {
  /** The OpenAPI operationId, and the action name of the audit event a change records (control.<id>). */
  readonly id: string;
  readonly method: "GET" | "POST" | "DELETE";
  /** A template: `{name}` segments are params. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** The Cedar action; "public" for the sign-in routes, which answer anyone. */
  readonly action: ControlAction | "public";
  readonly params?: z.ZodType<P> | undefined;
  readonly query?: z.ZodType<Q> | undefined;
  readonly body?: z.ZodType<B> | undefined;
  readonly response: z.ZodType<R>;
  /** The success status (200 unless said). */
  readonly status?: number;
  readonly maxBodyBytes?: number;
  /** The scopes this change would hand over (the policies' context.grants). */
  readonly grants?: ((input: OperationInput<P, Q, B>) => Promise<readonly string[]>) | undefined;
  handle(input: OperationInput<P, Q, B>, caller: ControlCaller | undefined, req: IncomingMessage): Promise<Out<R> | HandlerReply<Out<R>>>;
}

/** What a handler may return for a response schema's type: services hand out readonly values. */
export type Out<R> = R extends (infer E)[] ? readonly Out<E>[] : R extends object ? { readonly [K in keyof R]: Out<R[K]> } : R;

/** An operation with its types erased, as the table of operations holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the table holds operations of every input and output type
export type AnyOperation = Operation<any, any, any, any>;

/** Keeps an operation's types checked where it is written, then erases them for the table. */
export function operation<P, Q, B, R>(op: Operation<P, Q, B, R>): AnyOperation {
  return op;
}

/** The caller of an operation that is not public: always authenticated by then. */
export function who(caller: ControlCaller | undefined): ControlCaller {
  if (caller === undefined) throw new PerimeterError("INTERNAL", "an operation that needs a caller ran without one");
  return caller;
}

export function reply<R>(json: R, extra: Omit<HandlerReply<R>, "json"> = {}): HandlerReply<R> {
  return { ...extra, json };
}

export interface ControlApiDeps {
  readonly sessions: ControlSessions;
  /** The gateway's bearer authentication (API key or JWT). */
  authenticate(authorization: string | undefined): Promise<AuthResult>;
  /** Read which control policy set is in force (one applied on another replica holds on the next request here). */
  readPolicies(): Promise<unknown>;
  /** The decision of the control policy set last read. */
  authorize(request: ControlPolicyRequest): PolicyDecision;
  /** The kill in force over this identity, if any. */
  killedIdentity(principal: Principal): Promise<string | null>;
  readonly audit: () => AuditLog;
  readonly logger?: Logger | undefined;
  /** Refusals of callers who did not authenticate: counted per source address and summarised; without it, an audit event each. */
  readonly refusedAnonymous?: ((req: IncomingMessage, refusal: ControlRefusal) => void) | undefined;
  /** Whether an authenticated caller's refusal is audited as itself (false: counted into its identity's summary instead). */
  readonly admitRefusal?: ((identityId: string, refusal: ControlRefusal) => boolean) | undefined;
  /** The environments served here (gateway.environments; empty: all): a session of another environment's identity is refused. */
  readonly environments?: readonly string[] | undefined;
}

/** A refusal as the audit budgets count it. */
export interface ControlRefusal {
  readonly route: string;
  readonly code: ErrorCode;
  readonly reason: string;
  readonly status: number;
}

export const DEFAULT_CONTROL_MAX_BODY_BYTES = 64 * 1024;

/** The error every refusal answers with. */
export const errorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    stage: z.enum(CONTROL_STAGES).optional(),
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** Every control response is private and not to be framed, sniffed or cached. */
export const CONTROL_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

class Refusal {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly message: string,
    readonly stage: ControlStage,
    readonly issues?: readonly { path: string; message: string }[],
  ) {}
}

export function controlApiRoutes(deps: ControlApiDeps, operations: readonly AnyOperation[]): Route[] {
  return operations.map(
    (op): Route => ({
      method: op.method,
      path: op.path,
      maxBodyBytes: op.maxBodyBytes ?? DEFAULT_CONTROL_MAX_BODY_BYTES,
      handle: (req, body, params) => serve(deps, op, req, body, params),
    }),
  );
}

async function serve(deps: ControlApiDeps, op: AnyOperation, req: IncomingMessage, raw: Buffer, rawParams: RouteParams): Promise<RouteResponse> {
  const change = op.method !== "GET";
  let caller: ControlCaller | undefined;
  let policiesRead: Promise<unknown> | undefined;
  try {
    // authenticate
    if (op.action !== "public") {
      const authenticated = await authenticate(deps, req);
      if (authenticated instanceof Refusal) return refusedAnonymously(deps, op, req, authenticated);
      caller = authenticated;
      // The policies are read beside the kill-check: two reads waiting on the store together, not one after the other.
      policiesRead = deps.readPolicies();
      policiesRead.catch(() => undefined);
      // kill-check: a killed identity keeps its key until it is revoked; it must not lift its own kill, nor act.
      const killed = await deps.killedIdentity(caller.principal);
      if (killed !== null)
        return denied(
          deps,
          op,
          caller,
          new Refusal(403, "KILLED", `identity ${caller.principal.id} is killed and may not use the control API: ${killed}`, "kill-check"),
        );
      // csrf: the cookie rides along on any request the browser sends; a change must also prove it came from the page.
      if (change && caller.session !== undefined) {
        const csrf = checkCsrf(req, caller.session);
        if (csrf !== undefined) return denied(deps, op, caller, csrf);
      }
    } else if (change) {
      // Signing in is a change too: a page of another site must not sign this browser in as someone else.
      const site = crossSite(req);
      if (site !== undefined) return refusedAnonymously(deps, op, req, site);
    }
    // parse
    const input = parse(op, req, raw, rawParams);
    if (input instanceof Refusal) return caller === undefined ? refusal(input) : denied(deps, op, caller, input);
    // authorize
    if (op.action !== "public" && caller !== undefined) {
      // What a change would hand over is looked up first, but a caller the action is not permitted to at all
      // is refused before hearing whether what it named exists.
      let grants: readonly string[] = [];
      let lookup: { readonly failed: unknown } | undefined;
      try {
        grants = op.grants === undefined ? [] : await op.grants(input);
      } catch (err) {
        lookup = { failed: err };
      }
      await policiesRead;
      const decision = deps.authorize({ principal: caller.principal, action: op.action, route: op.path, method: op.method, grants: [...grants] });
      if (!decision.allow)
        return denied(
          deps,
          op,
          caller,
          new Refusal(403, "PERMISSION_DENIED", `${caller.actor} (identity ${caller.principal.id}): ${decision.reason}`, "authorize"),
        );
      if (lookup !== undefined) throw lookup.failed;
    }
    // handle
    const result = await op.handle(input, caller, req);
    const answer: HandlerReply<unknown> = isReply(result) ? result : { json: result };
    const status = answer.status ?? op.status ?? 200;
    if (change && caller !== undefined) record(deps, changeEvent(op, caller, "allow", status));
    return { status, json: answer.json, headers: { ...CONTROL_HEADERS, ...answer.headers } };
  } catch (err) {
    const failure = asRefusal(deps, op, err);
    return caller === undefined ? refusal(failure) : denied(deps, op, caller, failure);
  }
}

async function authenticate(deps: ControlApiDeps, req: IncomingMessage): Promise<ControlCaller | Refusal> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined && authorization !== "") {
    let auth: AuthResult;
    try {
      auth = await deps.authenticate(authorization);
    } catch (err) {
      // An error while checking credentials is a refusal, never a pass.
      deps.logger?.error({ err }, "checking control API credentials failed");
      return new Refusal(401, "AUTH_KEY_INVALID", "credentials could not be checked; try again, and if it persists see the server log", "authenticate");
    }
    if (!auth.ok) return new Refusal(ERROR_CODES[auth.code].status, auth.code, auth.message, "authenticate");
    return { principal: auth.principal, actor: actorOf(auth.principal) };
  }
  const token = sessionCookie(req);
  if (token === undefined)
    return new Refusal(401, "AUTH_MISSING", "no credentials: sign in to the dashboard, or send Authorization: Bearer <API key or JWT>", "authenticate");
  try {
    const checked = await deps.sessions.resume(token);
    if (!checked.ok) return new Refusal(ERROR_CODES[checked.code].status, checked.code, checked.message, "authenticate");
    // A session signed in elsewhere (the store is shared) holds here only for an identity of an environment served here.
    const foreign = foreignEnvironment(checked.session.principal, deps.environments ?? []);
    if (foreign !== undefined) return new Refusal(403, "AUTH_WRONG_ENVIRONMENT", foreign.reason, "authenticate");
    return { principal: checked.session.principal, actor: checked.session.actor, session: checked.session };
  } catch (err) {
    deps.logger?.error({ err }, "checking a dashboard session failed");
    return new Refusal(401, "AUTH_SESSION_INVALID", "the session could not be checked; try again, and if it persists see the server log", "authenticate");
  }
}

/** The session cookie's value; with two of them (a planted one beside ours), none is trusted. */
export function sessionCookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  const name = isTls(req) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  let found: string | undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

export function isTls(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true;
}

/** The Set-Cookie header that starts (or, with maxAgeSeconds 0, ends) a session. */
export function sessionCookieHeader(req: IncomingMessage, token: string, maxAgeSeconds: number): string {
  const tls = isTls(req);
  const name = tls ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  return `${name}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${tls ? "; Secure" : ""}`;
}

/** A browser's request from a page of another origin (a client that is no browser sends neither header). */
function crossSite(req: IncomingMessage): Refusal | undefined {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin")
    return new Refusal(403, "CSRF_INVALID", `a change from another site (Sec-Fetch-Site: ${site}) is refused: make it from the dashboard itself`, "csrf");
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin(req))
    return new Refusal(403, "CSRF_INVALID", `a change from origin ${origin} is refused: make it from the dashboard at ${ownOrigin(req)}`, "csrf");
  return undefined;
}

function checkCsrf(req: IncomingMessage, session: ControlSession): Refusal | undefined {
  const site = crossSite(req);
  if (site !== undefined) return site;
  const presented = req.headers[CSRF_HEADER];
  if (!csrfMatches(typeof presented === "string" ? presented : undefined, session.csrf))
    return new Refusal(
      403,
      "CSRF_INVALID",
      `a change made with the session cookie must send the session's CSRF token in ${CSRF_HEADER} (GET /control/session has it)`,
      "csrf",
    );
  return undefined;
}

function ownOrigin(req: IncomingMessage): string {
  return `${isTls(req) ? "https" : "http"}://${req.headers.host ?? ""}`;
}

function parse(op: AnyOperation, req: IncomingMessage, raw: Buffer, rawParams: RouteParams): OperationInput<unknown, unknown, unknown> | Refusal {
  const params = check(op.params, rawParams, "path");
  if (params instanceof Refusal) return params;
  const query = check(op.query, queryOf(req), "query");
  if (query instanceof Refusal) return query;
  let body: unknown;
  if (op.body !== undefined) {
    let json: unknown;
    try {
      json = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
    } catch {
      return new Refusal(400, "USAGE", "the body is not JSON: see /control/openapi.json for what this route takes", "parse");
    }
    const parsed = check(op.body, json, "body");
    if (parsed instanceof Refusal) return parsed;
    body = parsed;
  }
  return { params, query, body };
}

function check(schema: z.ZodType | undefined, value: unknown, where: "path" | "query" | "body"): unknown {
  if (schema === undefined) return where === "body" ? undefined : {};
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: i.message }));
  const summary = issues
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join("; ");
  return new Refusal(400, "USAGE", `${summary} (see /control/openapi.json)`, "parse", issues);
}

/** The query string as an object of strings; a name given twice is kept as its last value. */
function queryOf(req: IncomingMessage): Record<string, string> {
  const url = req.url ?? "/";
  const at = url.indexOf("?");
  if (at === -1) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(url.slice(at + 1))) out[k] = v;
  return out;
}

function isReply(value: unknown): value is HandlerReply<unknown> {
  return typeof value === "object" && value !== null && "json" in value && Object.keys(value).every((k) => k === "json" || k === "status" || k === "headers");
}

/** A refusal from a service keeps its code and status; anything else is a 500 (or 503) that leaks nothing. */
function asRefusal(deps: ControlApiDeps, op: AnyOperation, err: unknown): Refusal {
  if (err instanceof PerimeterError && err.kind !== "internal") return new Refusal(err.status, err.code, err.message, "handle");
  deps.logger?.error({ err, route: `${op.method} ${op.path}` }, "control API request failed");
  const code: ErrorCode = err instanceof PerimeterError ? err.code : "INTERNAL";
  return new Refusal(err instanceof PerimeterError ? err.status : 500, code, `${ERROR_CODES[code].summary}; the server log has the details`, "handle");
}

/** A refusal of a caller who did not authenticate: counted per source when the server counts them, else recorded. */
function refusedAnonymously(deps: ControlApiDeps, op: AnyOperation, req: IncomingMessage, r: Refusal): RouteResponse {
  if (deps.refusedAnonymous !== undefined) deps.refusedAnonymous(req, { route: op.path, code: r.code, reason: r.message, status: r.status });
  else
    record(deps, {
      actor: "anonymous",
      action: `control.${op.id}`,
      resource: "control",
      decision: "deny",
      reason: r.message,
      details: { route: op.path, method: op.method, status: r.status, code: r.code, stage: r.stage },
    });
  return refusal(r);
}

function denied(deps: ControlApiDeps, op: AnyOperation, caller: ControlCaller, r: Refusal): RouteResponse {
  // Refused reads are recorded too: someone probing what they may not see is worth knowing about. Past its
  // budget, one identity's refusals are summarised, so a key (a killed, leaked one) cannot fill the audit log.
  if (
    (op.method !== "GET" || r.stage !== "handle") &&
    (deps.admitRefusal === undefined || deps.admitRefusal(caller.principal.id, { route: op.path, code: r.code, reason: r.message, status: r.status }))
  )
    record(deps, changeEvent(op, caller, "deny", r.status, r));
  return refusal(r);
}

function changeEvent(op: AnyOperation, caller: ControlCaller, decision: "allow" | "deny", status: number, r?: Refusal): AuditEventInput {
  return {
    actor: caller.actor,
    action: `control.${op.id}`,
    resource: "control",
    decision,
    ...(r === undefined ? {} : { reason: r.message }),
    details: {
      route: op.path,
      method: op.method,
      status,
      identity: caller.principal.id,
      via: caller.session === undefined ? caller.principal.via.method : "session",
      ...(caller.session === undefined ? {} : { session: caller.session.id.slice(0, 12) }),
      ...(r === undefined ? {} : { code: r.code, stage: r.stage }),
    },
  };
}

function refusal(r: Refusal): RouteResponse {
  return {
    status: r.status,
    json: { error: { code: r.code, message: r.message, stage: r.stage, ...(r.issues === undefined ? {} : { issues: r.issues }) } },
    headers: CONTROL_HEADERS,
  };
}

function record(deps: ControlApiDeps, event: AuditEventInput): void {
  deps
    .audit()
    .record(event)
    .catch((err: unknown) => deps.logger?.error({ err }, "recording a control API event failed"));
}
