import { randomUUID } from "node:crypto";
import { type EnvironmentUseRecorder, foreignEnvironment } from "../identity/environment-use.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ErrorCode,
  isInitializeRequest,
  McpError,
  type ClientCapabilities,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import { createLocalJWKSet } from "jose";
import type { Logger } from "pino";
import type { AuditEventInput, AuditLog } from "../audit/index.js";
import type { ToolServerConfig, ToolsConfig, ToolSettings } from "../config/schema.js";
import type { Control, Finding } from "../decision.js";
import { asPerimeterError, type ErrorCode as PerimeterCode } from "../errors.js";
import type { Limits } from "../gateway/limits.js";
import { isLoopbackHost } from "../http/loopback.js";
import type { RawRoute, Route } from "../http/server.js";
import type { AuthResult, Principal } from "../identity/types.js";
import { KillSet, listKills } from "../killswitch/index.js";
import type { PolicyDecision, ToolArgument, ToolPolicyRequest } from "../policy/engine.js";
import type { Store } from "../store/store.js";
import { ApprovalQueue } from "./approvals.js";
import { ArgumentConstraints, normalisePath, urlHost } from "./constraints.js";
import { argumentsDigest, CallTokenVerifier, type CredentialIssuer, exchangeToken, ReplayCache, type TokenExchangeDeps } from "./credentials.js";
import type { EgressPolicy } from "./egress.js";
import { SessionEventStore } from "./event-store.js";
import { blockedBy, type ToolFinding, type ToolGuards } from "./inspect.js";
import { ToolRepository, type ToolPin } from "./repository.js";
import { ToolsService } from "./service.js";
import { offeredName } from "./definition.js";
import { AgentSession, stripPerimeterMeta, type OfferedTool, type SessionHost } from "./session.js";
import { AnyResult, CREDENTIAL_META, type ListedTool, Upstream, unavailable, type UpstreamDeps } from "./upstream.js";
import { clip } from "../clip.js";

// The tool gateway: agents reach every tool server through Perimeter's /mcp, and every tool call passes the
// stages below, in this order, each refusing with a reason a person can act on. Listing shows an identity only
// the tools it could call: approved (pinned), unchanged since, not killed, and permitted by policy.

/** A tool call's stages, in order (the audit event names the one that refused). */
export const TOOL_STAGES = [
  "resolve", // the offered name → a tool server and its tool, as that server lists it now
  "kill-check", // identity, server, tool
  "pin-check", // the definition is the one approved (a changed one is a rug pull: hidden, refused, a finding)
  "constraints", // tools.servers[].tools[].arguments: paths, hosts, bounds, enums, patterns, read-only SQL
  "egress", // every URL argument is a destination the egress allow-list lets tools reach
  "authorize", // Cedar call_tool on (identity, tool, arguments)
  "limit", // requests per minute and calls at once, per identity and per tool
  "approval", // approval: required holds the call for a person
  "credential", // a token minted for this call alone
  "dispatch", // the call to the tool server; cut by the kill switch, cancelled with the agent's request
  "inspect", // the guards on the result (indirect prompt injection)
] as const;
export type ToolStage = (typeof TOOL_STAGES)[number];

type Json = Record<string, unknown>;
type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolGatewayDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  readonly config: ToolsConfig;
  /** How often kills and pins are read from the store. */
  readonly pollMs: number;
  authenticate(authorization: string | undefined): Promise<AuthResult>;
  authorize(request: ToolPolicyRequest): PolicyDecision;
  readonly limits: Limits;
  readonly credentials: CredentialIssuer;
  readonly egress: EgressPolicy;
  readonly guards: ToolGuards;
  /** The gateway listens on loopback only: loopback Host and Origin headers are allowed. */
  readonly loopback: boolean;
  readonly logger?: Logger | undefined;
  /** How sessions reach tool servers: the egress-checked fetch, session tokens, static secrets. */
  readonly upstream: UpstreamDeps;
  /** The environments served (gateway.environments; empty: every one): an identity of another is refused. */
  readonly environments?: readonly string[] | undefined;
  readonly environmentUse?: EnvironmentUseRecorder | undefined;
  /** Whether a refusal of this identity is audited as itself (the gateway's per-identity budget); else it is summarised. */
  readonly admitRefusal?: ((identityId: string, r: { code: string; reason: string; route: string; status: number }) => boolean) | undefined;
}

class Refused extends McpError {
  constructor(
    readonly perimeterCode: PerimeterCode,
    readonly stage: ToolStage,
    reason: string,
    readonly findings: readonly Finding[] = [],
  ) {
    super(perimeterCode === "TOOL_NOT_FOUND" ? ErrorCode.InvalidParams : FORBIDDEN, reason, { code: perimeterCode, stage });
  }
}

/** JSON-RPC error code of a refused tool call (the implementation-defined server error range). */
export const FORBIDDEN = -32003;

interface InFlightToolCall {
  readonly identityId: string;
  readonly server: string;
  readonly tool: string;
  abort(reason: string): void;
}

interface SessionEntry {
  readonly session: AgentSession;
  readonly transport: StreamableHTTPServerTransport;
}

export class ToolGateway implements SessionHost {
  private kills = new KillSet();
  private pins = new Map<string, ToolPin>();
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly perIdentity = new Map<string, number>();
  private readonly inflight = new Set<InFlightToolCall>();
  /** Each configured tool's settings and compiled constraints, by `server/tool`. */
  private readonly settings = new Map<string, ToolSettings>();
  private readonly constraints = new Map<string, ArgumentConstraints>();
  /** Definition changes already reported, so that each is one finding, not one per listing. */
  private readonly reported = new Set<string>();
  private readonly servers: readonly ToolServerConfig[];
  readonly approvals: ApprovalQueue;
  private timers: NodeJS.Timeout[] = [];
  private refreshedAt = Number.NEGATIVE_INFINITY;
  /** Reads of the kills and pins begun, and the newest applied (see refresh). */
  private readEpoch = 0;
  private appliedEpoch = 0;
  private auditFailing: string | undefined;
  private loopback: boolean;
  private readonly exchange: TokenExchangeDeps;

  private constructor(private readonly deps: ToolGatewayDeps) {
    this.loopback = deps.loopback;
    this.servers = deps.config.servers;
    this.approvals = new ApprovalQueue(deps.store, deps.config.approvalTimeoutSeconds * 1000);
    // Perimeter's own verifier of the tokens it minted, for every tool server, that leaves their ids unspent.
    const verifier = new CallTokenVerifier({
      issuer: deps.config.credentials.issuer,
      audience: this.servers.map((x) => x.name),
      keys: createLocalJWKSet(deps.credentials.jwks() as never),
      refuseReplays: false,
    });
    this.exchange = {
      issuer: deps.credentials,
      verify: (token) => verifier.verify(token),
      audiencesFor: (claims) => this.servers.find((x) => x.name === claims.aud)?.exchangeAudiences ?? [],
      exchanged: new ReplayCache(),
    };
    for (const s of this.servers)
      for (const [tool, settings] of Object.entries(s.tools)) {
        this.settings.set(`${s.name}/${tool}`, settings);
        this.constraints.set(`${s.name}/${tool}`, ArgumentConstraints.compile(settings.arguments, `tools.servers.${s.name}.tools.${tool}.arguments`));
      }
  }

  static async start(deps: ToolGatewayDeps): Promise<ToolGateway> {
    const g = new ToolGateway(deps);
    await g.refresh();
    const poll = setInterval(() => void g.refresh().catch((err: unknown) => deps.logger?.error({ err }, "reading tool pins and kills failed")), deps.pollMs);
    const sweep = setInterval(() => g.sweep(), Math.min(60_000, deps.config.sessions.idleSeconds * 500));
    poll.unref();
    sweep.unref();
    g.timers = [poll, sweep];
    return g;
  }

  /** Re-read kills and pins; cut tool calls a new kill covers. */
  async refresh(): Promise<void> {
    // Reads may overlap (the poll, a change notification, the control API): the newest-started one wins, so an
    // older read finishing last cannot put back a lifted pin or drop a kill.
    const epoch = ++this.readEpoch;
    const started = performance.now();
    const [kills, pins] = await Promise.all([listKills(this.deps.store), new ToolRepository(this.deps.store).pins()]);
    if (epoch < this.appliedEpoch) return;
    this.appliedEpoch = epoch;
    this.kills = KillSet.of(kills);
    this.pins = new Map(pins.map((p) => [`${p.server}/${p.tool}`, p]));
    this.refreshedAt = started;
    for (const call of this.inflight) {
      const killed = this.kills.decideTool(call.identityId, call.server, call.tool);
      if (!killed.allow) call.abort(killed.reason);
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.approvals.close();
    await Promise.all([...this.sessions.keys()].map((id) => this.closeSession(id)));
  }

  /** The address the listener binds: on loopback, only loopback Host and Origin headers are taken (DNS rebinding). */
  listening(host: string): void {
    this.loopback = isLoopbackHost(host);
  }

  /** What operators do (approve, decide) over this gateway's store, guards and way to reach the servers. */
  operators(): ToolsService {
    const { store, audit, config, guards, upstream } = this.deps;
    return new ToolsService({ store, audit, config, guards, upstream });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  routes(): Route[] {
    const mcp = (method: RawRoute["method"]): RawRoute => ({
      method,
      path: "/mcp",
      raw: (req, res, body) => void this.mcp(req, res, body),
    });
    return [
      mcp("POST"),
      mcp("GET"),
      mcp("DELETE"),
      {
        method: "GET",
        path: "/.well-known/jwks.json",
        handle: async () => ({ status: 200, json: this.deps.credentials.jwks(), headers: { "cache-control": "max-age=300" } }),
      },
      {
        method: "POST",
        path: "/oauth/token",
        form: true,
        maxBodyBytes: 16 * 1024,
        handle: async (_req, body) => {
          const answer = await exchangeToken(new URLSearchParams(body.toString("utf8")), this.exchange);
          this.record({
            actor: "tool-server",
            action: "tool.token-exchange",
            resource: "oauth",
            decision: answer.status === 200 ? "allow" : "deny",
            reason: answer.status === 200 ? "exchanged a call token" : String(answer.json["error_description"] ?? answer.json["error"]),
          });
          return answer;
        },
      },
    ];
  }

  // ---------- HTTP: /mcp ----------

  private async mcp(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    try {
      const origin = this.checkOrigin(req);
      if (origin !== undefined) return httpError(res, 403, "TOOL_DENIED", origin);
      const auth = await this.deps.authenticate(header(req, "authorization"));
      if (!auth.ok) {
        this.record({ actor: "anonymous", action: "tool.session", resource: "mcp", decision: "deny", reason: auth.message, details: { code: auth.code } });
        return httpError(res, 401, auth.code, auth.message, { "www-authenticate": 'Bearer realm="perimeter"' });
      }
      const principal = auth.principal;
      const foreign = foreignEnvironment(principal, this.deps.environments ?? []);
      if (foreign !== undefined) {
        for (const environment of this.deps.environments ?? []) this.deps.environmentUse?.presented(principal, environment);
        const admitted = this.deps.admitRefusal?.(principal.id, { code: "AUTH_WRONG_ENVIRONMENT", reason: foreign.reason, route: "/mcp", status: 403 }) ?? true;
        if (admitted)
          this.record({
            actor: `identity:${principal.id}`,
            action: "tool.session",
            resource: "mcp",
            decision: "deny",
            reason: foreign.reason,
            details: { code: "AUTH_WRONG_ENVIRONMENT", environment: principal.environment },
          });
        return httpError(res, 403, "AUTH_WRONG_ENVIRONMENT", foreign.reason);
      }
      const killed = this.kills.decide({ identityId: principal.id });
      if (!killed.allow) return httpError(res, 403, "KILLED", killed.reason);
      const parsed: unknown = body.length === 0 ? undefined : JSON.parse(body.toString("utf8"));
      const sessionId = header(req, "mcp-session-id");
      if (sessionId === undefined) {
        if (req.method !== "POST" || !isInitializeRequest(parsed))
          return httpError(res, 400, "USAGE", "no Mcp-Session-Id: start a session with an initialize request first");
        const entry = await this.openSession(principal, parsed, res);
        if (entry === undefined) return;
        await entry.transport.handleRequest(req, res, parsed);
        return;
      }
      const entry = this.sessions.get(sessionId);
      // Another identity's session is as good as no session: its id says nothing about whose it is.
      if (entry === undefined || entry.session.principal.id !== principal.id)
        return httpError(res, 404, "TOOL_NOT_FOUND", "no such MCP session: initialize a new one");
      entry.session.principal = principal;
      entry.session.lastUsed = Date.now();
      await entry.transport.handleRequest(req, res, parsed);
    } catch (err) {
      if (err instanceof SyntaxError) return httpError(res, 400, "USAGE", "the body is not JSON");
      this.deps.logger?.error({ err }, "MCP request failed");
      const e = asPerimeterError(err);
      if (!res.headersSent) httpError(res, e.status, e.code, e.kind === "internal" ? "the MCP request failed; the server log says why" : e.message);
      else res.destroy();
    }
  }

  /** DNS rebinding: a browser page must not reach /mcp through a name that resolves to this host. */
  private checkOrigin(req: IncomingMessage): string | undefined {
    const origin = header(req, "origin");
    const host = header(req, "host");
    if (this.loopback && host !== undefined && !isLoopbackHost(host)) return `the Host header ${host} is not this server's loopback address`;
    if (origin === undefined) return undefined;
    if (this.deps.config.allowedOrigins.includes(origin)) return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (this.loopback && parsed !== undefined && isLoopbackHost(parsed.host)) return undefined;
    return `requests from the origin ${origin} are not allowed (tools.allowedOrigins)`;
  }

  private async openSession(principal: Principal, init: unknown, res: ServerResponse): Promise<SessionEntry | undefined> {
    const { sessions } = this.deps.config;
    if (this.sessions.size >= sessions.max) {
      httpError(res, 503, "RATE_LIMITED", `the gateway holds ${sessions.max} MCP sessions already (tools.sessions.max): try again later`, {
        "retry-after": "5",
      });
      return undefined;
    }
    // An identity at its cap gives up its least recently used session: clients that never send DELETE /mcp
    // (most do not) would otherwise lock themselves out until their sessions idle out.
    if ((this.perIdentity.get(principal.id) ?? 0) >= sessions.perIdentity) {
      let oldest: [string, SessionEntry] | undefined;
      for (const e of this.sessions)
        if (e[1].session.principal.id === principal.id && (oldest === undefined || e[1].session.lastUsed < oldest[1].session.lastUsed)) oldest = e;
      if (oldest !== undefined) await this.closeSession(oldest[0]);
    }
    const capabilities = agentCapabilities(init);
    const upstreams = await this.connectAll(principal, capabilities);
    const session = new AgentSession(principal, upstreams, this, capabilities);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(),
      onsessioninitialized: (id) => {
        session.id = id;
        this.sessions.set(id, { session, transport });
        this.perIdentity.set(principal.id, (this.perIdentity.get(principal.id) ?? 0) + 1);
      },
      onsessionclosed: (id) => void this.closeSession(id),
    });
    await session.server.connect(transport);
    return { session, transport };
  }

  /** Connect to every tool server for a session; one that cannot be reached is left out of it (and logged). */
  private async connectAll(principal: Principal, capabilities: ClientCapabilities): Promise<Upstream[]> {
    const connected = await Promise.all(
      this.servers.map(async (server) => {
        if (this.kills.toolKill(server.name, "") !== undefined) return undefined;
        try {
          return await Upstream.connect(server, this.deps.upstream, capabilities);
        } catch (err) {
          const e = unavailable(server, err);
          this.deps.logger?.warn({ server: server.name, err: e.message }, "a tool server could not be reached for a new MCP session");
          this.record({
            actor: principal.id,
            action: "tool.connect",
            resource: `tool:${server.name}`,
            decision: "error",
            reason: e.message,
            details: { code: e.code },
          });
          return undefined;
        }
      }),
    );
    return connected.filter((u): u is Upstream => u !== undefined);
  }

  private async closeSession(id: string): Promise<void> {
    const entry = this.sessions.get(id);
    if (entry === undefined) return;
    this.sessions.delete(id);
    const who = entry.session.principal.id;
    const n = (this.perIdentity.get(who) ?? 1) - 1;
    if (n <= 0) this.perIdentity.delete(who);
    else this.perIdentity.set(who, n);
    await entry.transport.close().catch(() => undefined);
    await entry.session.close();
  }

  /** Close sessions no request has touched for tools.sessions.idleSeconds. */
  private sweep(): void {
    const before = Date.now() - this.deps.config.sessions.idleSeconds * 1000;
    for (const [id, e] of this.sessions) if (e.session.lastUsed < before) void this.closeSession(id);
  }

  // ---------- what sessions ask ----------

  /** The tools an identity is offered: listed now, pinned with the same digest, not killed, permitted to list. */
  async offered(session: AgentSession): Promise<Map<string, OfferedTool>> {
    const principal = session.principal;
    const out = new Map<string, OfferedTool>();
    for (const [name, t] of await session.tools()) {
      const server = t.upstream.server;
      const tool = t.listed.definition.name;
      if (this.pinProblem(server, t.listed) !== undefined) continue;
      if (this.kills.toolKill(server.name, tool) !== undefined) continue;
      if (this.deps.authorize(this.policyRequest(principal, server, t.listed, true, NO_ARGUMENTS)).allow) out.set(name, t);
    }
    return out;
  }

  inspect(session: AgentSession, method: string, what: string, result: Json): Json {
    const inspected = this.deps.guards.result(result);
    if (inspected.findings.length > 0)
      this.record({
        actor: session.principal.id,
        action: "tool.content",
        resource: `${method}:${what.slice(0, 200)}`,
        decision: inspected.blocked ? "deny" : "allow",
        reason: inspected.blocked ? "the guards withheld it" : "passed on with the guards' findings",
        details: { method, findings: inspected.findings },
      });
    if (inspected.blocked)
      throw new McpError(FORBIDDEN, `Perimeter withheld ${what}: the guards found ${blockedBy(inspected.findings)} in it`, { code: "GUARD_BLOCKED" });
    return inspected.result;
  }

  async mayUse(session: AgentSession, upstream: Upstream): Promise<boolean> {
    const principal = session.principal;
    if (!this.kills.decideTool(principal.id, upstream.server.name, "").allow) return false;
    // A server's resources and prompts are the identity's when it may call some approved tool of the server.
    const tools = await upstream.list().catch(() => new Map<string, ListedTool>());
    return [...tools.values()].some(
      (listed) =>
        this.pinProblem(upstream.server, listed) === undefined &&
        this.deps.authorize(this.policyRequest(principal, upstream.server, listed, true, NO_ARGUMENTS)).allow,
    );
  }

  /** One tool call through the stages. */
  async callTool(session: AgentSession, params: Json, extra: Extra): Promise<Json> {
    const started = performance.now();
    const principal = session.principal;
    const name = typeof params["name"] === "string" ? params["name"] : "";
    const args = params["arguments"] ?? {};
    const digest = argumentsDigest(args);
    const event: { server?: string; tool?: string; stage?: ToolStage; approval?: string; findings?: readonly ToolFinding[]; jti?: string } = {};
    const finish = (decision: "allow" | "deny" | "error", reason: string, code?: string, extraFindings: readonly Finding[] = []) => {
      const settings = event.server === undefined ? undefined : this.settingsOf(event.server, event.tool ?? "");
      const logArgs = settings?.logArguments ?? this.deps.config.logArguments;
      this.record({
        actor: principal.id,
        action: "tool.call",
        resource: event.server === undefined ? `tool:${clip(name)}` : `tool:${event.server}/${event.tool}`,
        decision,
        reason,
        details: {
          tool: clip(name),
          ...(event.server === undefined ? {} : { server: event.server, serverTool: event.tool }),
          ...(code === undefined ? {} : { code }),
          ...(event.stage === undefined ? {} : { stage: event.stage }),
          argumentsDigest: digest,
          ...(logArgs ? { arguments: this.deps.guards.redactArguments(args) } : {}),
          ...(event.approval === undefined ? {} : { approval: event.approval }),
          ...(event.jti === undefined ? {} : { credential: event.jti }),
          ...(event.findings === undefined || event.findings.length === 0 ? {} : { findings: event.findings }),
          ...(extraFindings.length === 0 ? {} : { policyFindings: extraFindings }),
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
      });
    };
    try {
      // resolve
      event.stage = "resolve";
      if (args === null || typeof args !== "object" || Array.isArray(args))
        throw new Refused("TOOL_DENIED", "resolve", "the arguments of a tool call must be an object");
      const tools = await session.tools(extra.signal);
      const target = tools.get(name);
      if (target === undefined) throw new Refused("TOOL_NOT_FOUND", "resolve", `unknown tool: ${clip(name)}`);
      const server = target.upstream.server;
      const tool = target.listed.definition.name;
      event.server = server.name;
      event.tool = tool;
      // kill-check
      event.stage = "kill-check";
      const down = this.unavailable();
      if (down !== undefined) throw new Refused("TOOL_UNAVAILABLE", "kill-check", down);
      const killed = this.kills.decideTool(principal.id, server.name, tool);
      if (!killed.allow) throw new Refused("KILLED", "kill-check", killed.reason, killed.findings);
      // pin-check
      event.stage = "pin-check";
      const pinProblem = this.pinProblem(server, target.listed);
      if (pinProblem !== undefined) throw new Refused(pinProblem.code, "pin-check", pinProblem.reason);
      // constraints
      event.stage = "constraints";
      const constraints = this.constraints.get(`${server.name}/${tool}`);
      if (constraints !== undefined && !constraints.empty) {
        const checked = await constraints.check(args);
        if (!checked.allow) throw new Refused("TOOL_DENIED", "constraints", checked.reason);
      }
      // egress
      event.stage = "egress";
      for (const url of urlsIn(args)) {
        const e = await this.deps.egress.check(url);
        if (!e.allow) throw new Refused("EGRESS_DENIED", "egress", `an argument names a destination tools may not reach: ${e.reason}`);
      }
      // authorize
      event.stage = "authorize";
      const views = argumentViews(args as Json);
      const decision = this.deps.authorize(this.policyRequest(principal, server, target.listed, false, views));
      if (!decision.allow) throw new Refused("TOOL_DENIED", "authorize", decision.reason);
      // limit
      event.stage = "limit";
      const admission = await this.deps.limits.admit(principal.id, `${server.name}/${tool}`, false);
      if (!admission.allow) throw new Refused("RATE_LIMITED", "limit", admission.reason);
      let result: Json;
      try {
        result = await this.dispatch(session, target, params, args as Json, digest, extra, event);
      } finally {
        admission.release();
      }
      const withheld = event.findings?.some((f) => f.action === "block") ?? false;
      finish("allow", withheld ? "called; the guards withheld the result" : "called");
      return result;
    } catch (err) {
      if (err instanceof Refused) {
        finish("deny", err.message, err.perimeterCode, err.findings);
        throw err;
      }
      if (err instanceof McpError) {
        finish("error", err.message, "TOOL_UNAVAILABLE");
        throw err;
      }
      const e = asPerimeterError(err);
      finish("error", e.message, e.code);
      throw new McpError(ErrorCode.InternalError, e.kind === "internal" ? "the tool call failed; the server log says why" : e.message, { code: e.code });
    }
  }

  /** approval, credential, dispatch, inspect: the call once it is allowed. */
  private async dispatch(
    session: AgentSession,
    target: OfferedTool,
    params: Json,
    args: Json,
    digest: string,
    extra: Extra,
    event: { stage?: ToolStage; approval?: string; findings?: readonly ToolFinding[]; jti?: string },
  ): Promise<Json> {
    const principal = session.principal;
    const server = target.upstream.server;
    const tool = target.listed.definition.name;
    const cut = new AbortController();
    const onAgentAbort = () => cut.abort(extra.signal.reason ?? "the agent cancelled the call");
    extra.signal.addEventListener("abort", onAgentAbort, { once: true });
    const call: InFlightToolCall = { identityId: principal.id, server: server.name, tool, abort: (reason) => cut.abort(new KilledError(reason)) };
    this.inflight.add(call);
    try {
      // approval
      if (this.needsApproval(server, tool)) {
        event.stage = "approval";
        const outcome = await this.approvals.wait(
          {
            identityId: principal.id,
            identityName: principal.name,
            identityOwner: principal.owner,
            server: server.name,
            tool,
            argumentsDigest: digest,
            arguments: this.deps.guards.redactArguments(args),
          },
          cut.signal,
          (id) => {
            event.approval = id;
          },
        );
        if (cut.signal.aborted) throw abortedRefusal(cut.signal, "approval");
        if (!outcome.allow) throw new Refused("TOOL_DENIED", "approval", `approval ${outcome.id}: ${outcome.reason}`);
      }
      // credential
      event.stage = "credential";
      const issued =
        server.credential.type === "jwt"
          ? this.deps.credentials.issue({ subject: principal.id, subjectName: principal.name, audience: server.name, purpose: tool, argumentsDigest: digest })
          : undefined;
      const token = issued?.token;
      if (issued !== undefined) event.jti = issued.claims.jti;
      // dispatch
      event.stage = "dispatch";
      const upstreamParams: Json = { ...stripPerimeterMeta(params), name: tool };
      if (token !== undefined && server.command !== undefined)
        upstreamParams["_meta"] = { ...((upstreamParams["_meta"] as Json | undefined) ?? {}), [CREDENTIAL_META]: token };
      const progressToken = (params["_meta"] as Json | undefined)?.["progressToken"];
      if (progressToken !== undefined && upstreamParams["_meta"] !== undefined) {
        const { progressToken: _, ...meta } = upstreamParams["_meta"] as Json;
        upstreamParams["_meta"] = meta;
      }
      const send = () =>
        target.upstream.client.request({ method: "tools/call", params: upstreamParams } as never, AnyResult, {
          signal: cut.signal,
          timeout: server.timeoutMs,
          resetTimeoutOnProgress: true,
          ...(progressToken === undefined
            ? {}
            : {
                onprogress: (p: Json) =>
                  void extra
                    .sendNotification({ method: "notifications/progress", params: { ...p, progressToken } } as ServerNotification)
                    .catch(() => undefined),
              }),
        });
      let result: Json;
      try {
        result = await session.relating(target.upstream, extra.requestId, () =>
          token !== undefined && server.url !== undefined ? target.upstream.withCredential(token, send) : send(),
        );
      } catch (err) {
        if (cut.signal.aborted) throw abortedRefusal(cut.signal, "dispatch");
        throw err;
      }
      // inspect
      event.stage = "inspect";
      const inspected = this.deps.guards.result(result);
      event.findings = inspected.findings;
      if (inspected.blocked)
        return {
          content: [{ type: "text", text: `Perimeter withheld the result of ${tool}: the guards found ${blockedBy(inspected.findings)} in it.` }],
          isError: true,
        };
      return inspected.result;
    } finally {
      extra.signal.removeEventListener("abort", onAgentAbort);
      this.inflight.delete(call);
    }
  }

  // ---------- helpers ----------

  private settingsOf(server: string, tool: string): ToolSettings | undefined {
    return this.settings.get(`${server}/${tool}`);
  }

  /** approval: required on the tool, else on its server. */
  private needsApproval(server: ToolServerConfig, tool: string): boolean {
    return (this.settingsOf(server.name, tool)?.approval ?? server.approval) === "required";
  }

  /** Why a listed tool may not be offered: not approved, or changed since (reported once as a finding). */
  private pinProblem(server: ToolServerConfig, listed: ListedTool): { code: PerimeterCode; reason: string } | undefined {
    const tool = listed.definition.name;
    const pin = this.pins.get(`${server.name}/${tool}`);
    if (pin === undefined)
      return {
        code: "TOOL_NOT_FOUND",
        reason: `tool ${tool} of ${server.name} is not approved: an operator approves it with perimeter tools approve ${server.name}`,
      };
    if (pin.digest === listed.digest) return undefined;
    const key = `${server.name}/${tool}/${listed.digest}`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.record({
        actor: "perimeter",
        action: "tool.definition-changed",
        resource: `tool:${server.name}/${tool}`,
        decision: "deny",
        reason: `tool ${tool} of ${server.name} changed its definition since it was approved: hidden and refused until re-approved`,
        details: {
          server: server.name,
          tool,
          approved: pin.digest,
          now: listed.digest,
          finding: { rule: "tool-definition-changed", severity: "high", controls: RUG_PULL_CONTROLS },
        },
      });
      this.deps.logger?.warn({ server: server.name, tool }, "a tool's definition changed since it was approved (rug pull?): hidden until re-approved");
    }
    return {
      code: "TOOL_DENIED",
      reason: `tool ${tool} of ${server.name} changed its definition since it was approved: it is refused until an operator approves it again (perimeter tools approve ${server.name})`,
    };
  }

  private policyRequest(
    principal: Principal,
    server: ToolServerConfig,
    listed: ListedTool,
    listing: boolean,
    args: ReadonlyMap<string, ToolArgument>,
  ): ToolPolicyRequest {
    const tool = listed.definition.name;
    return {
      principal,
      tool: { id: offeredName(server.namespace ?? server.name, tool), name: tool, server: server.name, approval: this.needsApproval(server, tool) },
      listing,
      arguments: args,
      environment: principal.environment,
    };
  }

  private record(event: AuditEventInput): void {
    this.deps
      .audit()
      .record(event)
      .then(
        () => {
          this.auditFailing = undefined;
        },
        (err: unknown) => {
          this.auditFailing = asPerimeterError(err).message;
          this.deps.logger?.error({ err }, "audit append failed: tool calls are refused until it succeeds");
          // Probe, so that calls are taken again once the log is writable.
          setTimeout(() => this.record({ actor: "perimeter", action: "tool.audit-probe", resource: "tools", decision: "info" }), 1000).unref();
        },
      );
  }

  /**
   * Why tool calls are refused now, if they are: the audit log cannot be written (every call must be an event),
   * or kills and pins have not been read for five polls (a kill or a re-pin would not apply).
   */
  private unavailable(): string | undefined {
    if (this.auditFailing !== undefined) return "tool calls are refused while the audit log cannot be written; the server log says why";
    const age = performance.now() - this.refreshedAt;
    if (age > Math.max(5 * this.deps.pollMs, 1000))
      return `tool calls are refused: kills and tool pins have not been read from the store for ${Math.round(age / 1000)} s; the server log says why`;
    return undefined;
  }
}

class KilledError extends Error {}

/** Listing decides before there are arguments. */
const NO_ARGUMENTS: ReadonlyMap<string, ToolArgument> = new Map();

function abortedRefusal(signal: AbortSignal, stage: ToolStage): Refused {
  const reason = signal.reason;
  if (reason instanceof KilledError) return new Refused("KILLED", stage, `the call was cut: ${reason.message}`);
  return new Refused("TOOL_DENIED", stage, `the call was cancelled: ${String(reason instanceof Error ? reason.message : (reason ?? "cancelled"))}`);
}

/** A rug pull is supply-chain tampering with a tool (OWASP ASI04 agentic supply chain, LLM03). */
const RUG_PULL_CONTROLS: readonly Control[] = ["OWASP-ASI:ASI04", "OWASP-LLM:LLM03"];

/** Each top-level argument as policies read it. */
export function argumentViews(args: Json): Map<string, ToolArgument> {
  const views = new Map<string, ToolArgument>();
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === "string") {
      views.set(name, { type: "string", text: value, number: 0, path: normalisePath(value) ?? "", host: urlHost(value) ?? "" });
      continue;
    }
    const type = value === null ? "null" : Array.isArray(value) ? "array" : (typeof value as "number" | "boolean" | "object");
    const text = JSON.stringify(value) ?? "null";
    const number = typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? Math.trunc(value) : 0;
    views.set(name, { type, text: text.length > 4096 ? text.slice(0, 4096) : text, number, path: "", host: "" });
  }
  return views;
}

/** Every http(s) URL among the strings of the arguments, however deep (bounded). */
function urlsIn(value: unknown, depth = 0, into: string[] = []): string[] {
  if (typeof value === "string") {
    if (/^\s*https?:/i.test(value)) into.push(value.trim());
  } else if (value !== null && typeof value === "object" && depth < 32) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) urlsIn(v, depth + 1, into);
  }
  return into;
}

function agentCapabilities(init: unknown): ClientCapabilities {
  const caps = ((init as { params?: { capabilities?: unknown } }).params?.capabilities ?? {}) as Json;
  const out: ClientCapabilities = {};
  if (caps["sampling"] !== undefined) out.sampling = caps["sampling"] as ClientCapabilities["sampling"];
  if (caps["elicitation"] !== undefined) out.elicitation = caps["elicitation"] as ClientCapabilities["elicitation"];
  if (caps["roots"] !== undefined) out.roots = caps["roots"] as ClientCapabilities["roots"];
  return out;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function httpError(res: ServerResponse, status: number, code: PerimeterCode | string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ jsonrpc: "2.0", error: { code: status === 401 ? -32001 : FORBIDDEN, message, data: { code } }, id: null });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}
