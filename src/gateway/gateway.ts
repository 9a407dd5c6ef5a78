import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { AuditEventInput, AuditLog } from "../audit/index.js";
import type { Placement } from "../audit/committer.js";
import type { GatewayConfig } from "../config/schema.js";
import { asPerimeterError, PerimeterError, type ErrorCode } from "../errors.js";
import type { Route, RouteResponse } from "../http/server.js";
import { type EnvironmentUseRecorder, foreignEnvironment } from "../identity/environment-use.js";
import type { AuthResult, Principal } from "../identity/types.js";
import type { GuardContext, PolicyDecision, PolicyRequest } from "../policy/engine.js";
import { CallCancel, type DialectResponse, type OpenAIDialect } from "../runtimes/dialect.js";
import type { Store } from "../store/store.js";
import { IdentityRefusals, UnauthenticatedRefusals } from "./anonymous.js";
import { Catalog, type ModelRoute } from "./catalog.js";
import { ollamaFinal, toOllamaAnswer, toOllamaChunk, usageOf, type Operation, type Usage } from "./dialects.js";
import { InFlight, KillSet, listKills, type InFlightCall, type Kill } from "../killswitch/index.js";
import { explainServable } from "../lifecycle/explain-servable.js";
import type { Admission, Limits } from "./limits.js";
import { listingRoutes } from "./listing.js";
import { GatewayMetrics, opsRoutes, type RouteMetrics } from "./ops.js";
import {
  isRefusal,
  refusal,
  type CallGuardStages,
  type GuardedCall,
  type Guards,
  type OutputGuardStage,
  type Refusal,
  type TrafficMonitor,
} from "./pipeline.js";
import { redactForClient } from "../http/redact.js";
import { errorResponse, statusOf as errorStatus, streamError } from "./refusals.js";
import { parseCall, type CallRoute, type ParsedCall } from "./request.js";
import { estimatedUsage, estimateTokens, generatedTexts, promptMaterial } from "./token-count.js";
import type { CallTrace, Tracing } from "./tracing.js";

// The gateway: the serve pipeline's stages (declared, in order, in ./pipeline.ts) over the state they read —
// the catalog of what may be served, the kill switch, calls in flight. Listing, readiness and metrics are
// their own modules (./listing.ts, ./ops.ts); the control API is src/control/.

export type { PolicyDecision } from "../policy/engine.js";
export type AuthorizeRequest = PolicyRequest;

export interface GatewayDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  readonly config: GatewayConfig;
  authenticate(authorization: string | undefined): Promise<AuthResult>;
  authorize(request: AuthorizeRequest): PolicyDecision;
  readonly limits: Limits;
  /** The client for a route's runtime (pooled by the caller). */
  runtimeFor(route: ModelRoute): OpenAIDialect;
  readonly logger?: Logger | undefined;
  /** OpenTelemetry, when configured. */
  readonly tracing?: Tracing | undefined;
  /** The guards (src/guards/): secrets, PII, injection, guard models; none when absent. */
  readonly guards?: Guards | undefined;
  /** The live monitor (src/evals/): samples calls after the fact; none when off. */
  readonly monitor?: TrafficMonitor | undefined;
  /** Where callers of another environment than config.environments are noted (the access review reads it). */
  readonly environmentUse?: EnvironmentUseRecorder | undefined;
  /** Re-read what else changes while running (applied policy sets), with the catalog and kills: a failure counts as theirs. */
  readonly refreshAlso?: (() => Promise<unknown>) | undefined;
}

/** gen_ai.operation.name of each operation (OpenTelemetry GenAI semantic conventions). */
const GEN_AI_OPERATION: Readonly<Record<Operation, string>> = {
  chat: "chat",
  completions: "text_completion",
  generate: "text_completion",
  embeddings: "embeddings",
  embed: "embeddings",
};

type Json = Record<string, unknown>;

/** Store reads (catalog and kills) waiting at once, at most: see Gateway.refresh. */
const MAX_READS = 2;

/** `work`, or a STORE_UNAVAILABLE failure once `ms` have passed (the work itself goes on). */
function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PerimeterError("STORE_UNAVAILABLE", `${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Names the audit event of a call answered whole (gateway.auditBeforeAnswer) by its hash: proof it was
 * recorded, without the log's position (which would tell any caller how many calls everyone makes).
 */
export const AUDIT_EVENT_HEADER = "x-perimeter-audit-event";
const WITHHELD = "the answer is withheld: its audit event could not be written, and no answer leaves without its record; the server log says why";

/** The status recorded for a call whose client hung up before its answer (nginx's 499; never sent). */
const CLIENT_CLOSED = 499;

/** What policies see as context.maxTokens when a request asks for no limit. */
const UNBOUNDED_TOKENS = Number.MAX_SAFE_INTEGER;

const INFERENCE_ROUTES: readonly CallRoute[] = [
  { path: "/v1/chat/completions", api: "openai", op: "chat" },
  { path: "/v1/completions", api: "openai", op: "completions" },
  { path: "/v1/embeddings", api: "openai", op: "embeddings" },
  { path: "/api/chat", api: "ollama", op: "ollama-chat" },
  { path: "/api/generate", api: "ollama", op: "generate" },
  { path: "/api/embed", api: "ollama", op: "embed" },
];

export class Gateway {
  private catalog = Catalog.empty();
  private kills = new KillSet();
  private readonly inflight = new InFlight();
  /** Recent 404 explanations by environment and model (see explainNotAvailable). */
  private readonly explained = new Map<string, { at: number; refusal: Refusal }>();
  private timer: NodeJS.Timeout | undefined;
  private auditFailing: string | undefined;
  /** When the catalog and kill switch were last read from the store (performance.now()). */
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshError: string | undefined;
  /** Reads of the store begun (see refresh), and the newest whose catalog and whose kills are in force. */
  private epoch = 0;
  private catalogEpoch = 0;
  private killsEpoch = 0;
  /** Reads waiting on the store now, and the ones queued for a place. */
  private reads = 0;
  private readonly waiting: Array<() => void> = [];
  /** Reads asked for by change notifications that have not begun (see changed). */
  private readonly queuedChanges = new Set<"kills" | "all">();
  readonly metrics: GatewayMetrics;
  private readonly unauthenticated: UnauthenticatedRefusals;
  /** Refusals of authenticated callers before their limits: audited one by one up to a rate per identity. */
  readonly identityRefusals: IdentityRefusals;
  private readonly guards: Guards | undefined;

  /**
   * How old the kill switch may grow before calls are refused: a gateway that cannot read the store would
   * otherwise go on serving what has since been killed or revoked.
   */
  private readonly staleMs: number;

  private constructor(readonly deps: GatewayDeps) {
    this.staleMs = Math.max(5 * deps.config.killPollMs, 1000);
    this.guards = deps.guards;
    this.metrics = new GatewayMetrics({
      backlog: () => deps.audit().backlog,
      inFlight: () => this.inflight.size,
      catalogAgeSeconds: () => this.catalogAgeMs() / 1000,
      ...(deps.monitor?.counts === undefined ? {} : { monitor: () => (deps.monitor as Required<TrafficMonitor>).counts() }),
    });
    this.unauthenticated = new UnauthenticatedRefusals((e) => this.record(e), deps.config.unauthenticatedAuditSeconds, deps.config.unauthenticatedSources);
    this.identityRefusals = new IdentityRefusals(
      (e) => this.record(e),
      deps.config.refusalAuditPerSecond,
      deps.config.unauthenticatedAuditSeconds,
      deps.config.unauthenticatedSources,
    );
  }

  static async start(deps: GatewayDeps): Promise<Gateway> {
    const g = new Gateway(deps);
    await g.refresh();
    // The poll asks like a notification does: while a read it asked for still waits for a place, it asks no more.
    g.timer = setInterval(() => g.changed(undefined, "poll"), deps.config.killPollMs);
    g.timer.unref();
    return g;
  }

  /**
   * Re-read what may be served and what is killed; cut calls a new kill covers. A push (a change notification)
   * and the poll may ask at once: reads may overlap, and each part of the state is taken only from a read
   * that started after the one it replaces (PostgreSQL's read committed: a later read sees at least as much),
   * so an older read finishing last cannot put back what a newer one took away. At most MAX_READS reads are
   * waiting on the store at once; a caller past that waits for the next free place. A read that outlives the
   * fail-closed window fails for its caller (the gateway refuses by then) and gives up its place, so hung
   * connections cannot hold every later read back; should its query still end, its result applies only if
   * no newer read's has.
   */
  refresh(onBegin?: () => void): Promise<void> {
    return this.queued("reading the catalog and kill switch", onBegin, () => this.read());
  }

  /** Read the kills alone (a kill or lift was committed): one query, applied like a full read's. */
  refreshKills(onBegin?: () => void): Promise<void> {
    return this.queued("reading the kill switch", onBegin, () => this.readKills());
  }

  /** A store read in its turn (see refresh): it fails for its caller, and gives up its place, at the deadline. */
  private queued(what: string, onBegin: (() => void) | undefined, read: () => Promise<void>): Promise<void> {
    return withDeadline(
      this.slot(() => {
        onBegin?.();
        // Its place is given up at the deadline even if the store never answers: the next read may get through.
        return withDeadline(read(), this.staleMs, what);
      }),
      this.staleMs,
      what,
    );
  }

  /**
   * A push said something that decides calls changed: read it now (errors are the poll's to report). A change
   * to the kills alone needs only the kills read; anything else (or not knowing what) reads everything.
   */
  changed(table?: string, from: "notification" | "poll" = "notification"): void {
    const kind = table === "kills" ? "kills" : "all";
    // A read of this kind that has not begun yet will see this change too: a flood of notifications (anyone who
    // can connect to the database can send them) costs at most one queued read of each kind.
    if (this.queuedChanges.has(kind)) return;
    this.queuedChanges.add(kind);
    const begin = () => {
      this.queuedChanges.delete(kind);
    };
    void (kind === "kills" ? this.refreshKills(begin) : this.refresh(begin)).catch((err: unknown) => {
      this.refreshError = asPerimeterError(err).message;
      if (from === "poll") this.deps.logger?.error({ err }, "refreshing the catalog and kill switch failed");
      else this.deps.logger?.warn({ err }, "reading the catalog and kill switch after a change notification failed");
    });
  }

  /** Run a store read when fewer than MAX_READS are waiting on the store; otherwise once one ends. */
  private slot(read: () => Promise<void>): Promise<void> {
    if (this.reads < MAX_READS) {
      this.reads++;
      return read().finally(() => {
        this.reads--;
        this.waiting.shift()?.();
      });
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push(() => {
        this.slot(read).then(resolve, reject);
      });
    });
  }

  private async read(): Promise<void> {
    const started = performance.now();
    const epoch = ++this.epoch;
    const [catalog, kills] = await Promise.all([Catalog.load(this.deps.store), listKills(this.deps.store), this.deps.refreshAlso?.()]);
    const ms = Math.round(performance.now() - started);
    // The store is read on the thread that answers calls: a slow read is a stall every call feels, worth a
    // person's attention past the threshold; below it, one line at debug.
    if (ms >= this.deps.config.slowRefreshWarnMs)
      this.deps.logger?.warn({ ms, thresholdMs: this.deps.config.slowRefreshWarnMs }, "reading the catalog and kill switch from the store was slow");
    else this.deps.logger?.debug({ ms }, "read the catalog and kill switch");
    if (epoch > this.catalogEpoch) {
      this.catalogEpoch = epoch;
      this.catalog = catalog;
      // Fresh as of when this read began.
      this.refreshedAt = started;
      this.refreshError = undefined;
    }
    this.applyKills(epoch, kills);
  }

  private async readKills(): Promise<void> {
    const epoch = ++this.epoch;
    const kills = await listKills(this.deps.store);
    this.applyKills(epoch, kills);
    this.deps.logger?.debug({ kills: kills.length }, "read the kill switch");
  }

  private applyKills(epoch: number, kills: readonly Kill[]): void {
    if (epoch <= this.killsEpoch) return;
    this.killsEpoch = epoch;
    this.kills = KillSet.of(kills);
    const cut = this.inflight.cut(this.kills);
    if (cut > 0) this.deps.logger?.warn({ cut }, "kill switch: cut calls in flight");
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.unauthenticated.close();
    this.identityRefusals.close();
  }

  get callsInFlight(): number {
    return this.inflight.size;
  }

  routes(): Route[] {
    return [
      ...INFERENCE_ROUTES.map((r): Route => ({ method: "POST", path: r.path, handle: (req, body) => this.infer(req, body, r) })),
      ...listingRoutes(this),
      ...opsRoutes(this.metrics, () => this.readiness()),
    ];
  }

  // ---------- state the stages and the listing read ----------

  private catalogAgeMs(): number {
    return performance.now() - this.refreshedAt;
  }

  /** Why calls are refused right now (for the client: no internal detail), or undefined when calls are taken. */
  unavailable(): string | undefined {
    if (this.auditFailing !== undefined) return "calls are refused while the audit log cannot be written; the server log says why";
    // A commit that hangs (its connection cut off, a lock never granted) fails nothing: it holds every answer.
    const commit = this.deps.audit().commitAgeMs;
    if (commit > this.staleMs)
      return `calls are refused: the audit log's commit has been running for ${Math.round(commit / 1000)} s, so answers would wait for their records; the server log says why`;
    const age = this.catalogAgeMs();
    if (age > this.staleMs)
      return `calls are refused: the kill switch and catalog have not been read from the store for ${Math.round(age / 1000)} s, so kills and revocations would not apply; the server log says why`;
    return undefined;
  }

  private readiness(): { ready: boolean; body: Json } {
    const why = this.unavailable();
    return {
      ready: why === undefined,
      body: {
        status: why === undefined ? "ready" : "unavailable",
        ...(why === undefined ? {} : { reason: why }),
        audit: { writable: this.auditFailing === undefined, backlog: this.deps.audit().backlog },
        catalog: {
          ageSeconds: Math.round(this.catalogAgeMs() / 100) / 10,
          models: this.catalog.size,
          ...(this.refreshError === undefined ? {} : { failing: true }),
        },
        callsInFlight: this.inflight.size,
      },
    };
  }

  /** Model versions a principal may see in listings: served in its environment, not killed, allowed by policy to list. */
  visibleTo(principal: Principal, path: string): ModelRoute[] {
    return this.catalog.versions(principal.environment).filter(
      (r) =>
        this.kills.covers(principal.id, r.version.id, r.runtime.name) === null &&
        this.deps.authorize({
          principal,
          action: "list",
          model: {
            id: r.version.id,
            name: r.version.name,
            version: r.version.version,
            kind: r.version.kind,
            environments: r.version.environments,
            licenseTier: r.version.license.tier,
            state: r.state,
          },
          context: { route: path, environment: r.runtime.environment, stream: false, tools: false, maxTokens: 0, promptChars: 0 },
        }).allow,
    );
  }

  /** The authenticate stage: an API key or JWT to a principal; an error while checking is a refusal, never a pass. */
  async authenticate(req: IncomingMessage): Promise<Principal | Refusal> {
    let auth: AuthResult;
    try {
      auth = await this.deps.authenticate(req.headers.authorization);
    } catch (err) {
      this.deps.logger?.error({ err }, "checking credentials failed");
      return refusal("STORE_UNAVAILABLE", "credentials could not be checked right now: try again shortly");
    }
    if (!auth.ok) return refusal(auth.code, auth.message);
    const foreign = foreignEnvironment(auth.principal, this.deps.config.environments);
    if (foreign === undefined) return auth.principal;
    // Refused, and recorded under the identity (not as an anonymous caller): its key turned up where it does not belong.
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    for (const environment of this.deps.config.environments) this.deps.environmentUse?.presented(auth.principal, environment);
    const r: Refusal = { ...refusal("AUTH_WRONG_ENVIRONMENT", foreign.reason), attributed: true };
    if (this.identityRefusals.admit(auth.principal.id, { code: r.code, reason: r.reason, route: path, status: errorStatus(r.code) }))
      this.record({
        actor: `identity:${auth.principal.id}`,
        action: "gateway.call",
        resource: "gateway",
        decision: "deny",
        reason: r.reason,
        details: { code: r.code, route: path, status: errorStatus(r.code), environment: auth.principal.environment, served: this.deps.config.environments },
      });
    return r;
  }

  /** Record a refusal of a caller without credentials: counted per source, summarised, never one event each. */
  refusedAnonymous(req: IncomingMessage, path: string, r: Refusal): void {
    if (r.attributed === true) return;
    this.unauthenticated.note({ source: req.socket.remoteAddress ?? "unknown", code: r.code, reason: r.reason, route: path, status: errorStatus(r.code) });
  }

  /**
   * Audit without holding the response; a failing audit log closes the gateway until it recovers. Resolves
   * to the event's sequence number (undefined when it could not be written).
   */
  record(event: AuditEventInput): Promise<number | undefined> {
    return this.place(event).then((at) => at?.[0]);
  }

  /** record, resolving to where the event was placed (its hash names it without telling its position). */
  place(event: AuditEventInput): Promise<Placement | undefined> {
    return this.deps
      .audit()
      .place(event)
      .then(
        (at) => {
          this.auditFailing = undefined;
          return at;
        },
        (err: unknown) => {
          this.auditFailing = asPerimeterError(err).message;
          this.deps.logger?.error({ err }, "audit append failed: refusing calls until it succeeds");
          // Probe so that the gateway reopens once the log is writable again.
          setTimeout(() => void this.record({ actor: "perimeter", action: "gateway.audit-probe", resource: "gateway", decision: "info" }), 1000).unref();
          return undefined;
        },
      );
  }

  /**
   * A call's audit event, waited for before its answer leaves, at most the fail-closed window: an event that
   * cannot be committed by then (a commit hung on a lost connection) withholds the answer like one that failed.
   */
  recorded<T>(event: Promise<T | undefined>): Promise<T | undefined> {
    return withDeadline(event, this.staleMs, "committing the call's audit event").catch((err: unknown) => {
      this.deps.logger?.error({ err }, "a call's audit event was not committed in time: its answer is withheld");
      return undefined;
    });
  }

  // ---------- the serve pipeline ----------

  /** One inference call through the stages, in the order ./pipeline.ts declares. */
  private async infer(req: IncomingMessage, raw: Buffer, route: CallRoute): Promise<RouteResponse> {
    const call = new Call(this, req, raw, route);
    // parse
    const unavailable = this.unavailable();
    if (unavailable !== undefined) return call.refuse(refusal("STORE_UNAVAILABLE", unavailable));
    const parsed = parseCall(route, raw);
    if (isRefusal(parsed)) return this.refuseBody(call, req, parsed);
    call.parsed(parsed);
    // authenticate
    const principal = await this.authenticate(req);
    if (isRefusal(principal)) return call.refuse(principal);
    call.principal = principal;
    // resolve
    const routes = this.resolve(parsed, principal);
    if (isRefusal(routes)) return call.refuse(await this.explainNotAvailable(parsed.model, principal.environment, routes));
    // kill-check
    const target = this.killCheck(principal, routes);
    if (isRefusal(target)) return call.refuse(target);
    call.target = target;
    // authorize
    const authorized = this.authorize(call, parsed, principal, target);
    if (authorized !== undefined) return call.refuse(authorized);
    // limit
    const admitted = await this.limit(call, parsed, principal, target);
    if (isRefusal(admitted)) return call.refuse(admitted);
    call.admitted(admitted);
    // guard-input
    const guards = this.guards?.open(call.view(), (g) => this.deps.authorize(call.withFindings(g)));
    if (guards !== undefined) {
      call.guards = guards;
      const guarded = await this.guardInput(guards, parsed);
      if (guarded !== undefined) return call.end(guarded);
    }
    // The stages before may have waited on the store (a key read, Redis): a gateway that lost the store
    // meanwhile refuses now rather than dispatch on what it knew before. (Only a failing read counts here: a
    // long guard stage on this thread delays the poll without anything having been missed, and a kill made
    // meanwhile cuts the call in flight.)
    const late = this.refreshError === undefined && this.auditFailing === undefined ? undefined : this.unavailable();
    if (late !== undefined) return call.end(refusal("STORE_UNAVAILABLE", late));
    // dispatch (the live monitor, when on, decides here whether it will see the call's text afterwards)
    if (this.deps.monitor !== undefined && parsed.op !== "embeddings" && parsed.op !== "embed") call.sampled = this.deps.monitor.wants(principal, target);
    const answer = await call.dispatch();
    if (answer === undefined) return call.response();
    // relay (guard-output, account and audit run as the answer ends: ./pipeline.ts)
    return call.relay(answer);
  }

  /**
   * A body refused at parse is recorded under its caller when the credentials check out (a refused field is
   * worth knowing who sent), and counted with the anonymous refusals otherwise.
   */
  private async refuseBody(call: Call, req: IncomingMessage, r: Refusal): Promise<RouteResponse> {
    if (req.headers.authorization !== undefined) {
      const principal = await this.authenticate(req);
      if (!isRefusal(principal)) call.principal = principal;
    }
    return call.refuse(r);
  }

  /** resolve: the model asked for → the routes that may serve it in the caller's environment. */
  private resolve(parsed: ParsedCall, principal: Principal): readonly ModelRoute[] | Refusal {
    const routes = this.catalog.resolve(parsed.model, principal.environment);
    if (routes.length === 0) return refusal("MODEL_NOT_AVAILABLE", notAvailable(parsed.model, principal.environment));
    return routes;
  }

  /**
   * A 404 that says what stands in the way (not approved, revoked, digest drift, another environment, …), asked
   * of the lifecycle; read from the store only on this refusal path, at most once a second per model and
   * environment, so a client repeating a wrong name cannot make every call a store read.
   */
  private async explainNotAvailable(model: string, environment: string, fallback: Refusal): Promise<Refusal> {
    const key = `${environment}\u0000${model}`;
    const now = performance.now();
    const cached = this.explained.get(key);
    if (cached !== undefined && now - cached.at < 1000) return cached.refusal;
    let out = fallback;
    try {
      const why = await explainServable(this.deps.store, model, environment);
      out = refusal("MODEL_NOT_AVAILABLE", why.allow ? `model "${model}" was approved or discovered moments ago: retry shortly` : why.reason);
    } catch (err) {
      this.deps.logger?.warn({ err }, "explaining a 404 failed; answering with the short reason");
    }
    if (this.explained.size >= 1000) this.explained.clear();
    this.explained.set(key, { at: now, refusal: out });
    return out;
  }

  /** A guard model's route: served in its environment and not killed; why not, in words, otherwise. */
  guardRoute(model: string, environment: string): ModelRoute | string {
    const routes = this.catalog.resolve(model, environment);
    if (routes.length === 0) return notAvailable(model, environment);
    let why = "killed";
    for (const r of routes) {
      const killed = this.kills.covers("", r.version.id, r.runtime.name);
      if (killed === null) return r;
      why = killed;
    }
    return why;
  }

  /** kill-check: a killed identity is refused; a killed version or runtime leaves the routes that are not. */
  private killCheck(principal: Principal, routes: readonly ModelRoute[]): ModelRoute | Refusal {
    const killedIdentity = this.kills.covers(principal.id, "", "");
    if (killedIdentity !== null) return refusal("KILLED", killedIdentity);
    let firstKill: string | null = null;
    for (const r of routes) {
      const why = this.kills.covers("", r.version.id, r.runtime.name);
      if (why === null) return r;
      firstKill ??= why;
    }
    return refusal("KILLED", firstKill ?? "killed");
  }

  /** authorize: Cedar on the version actually dispatched; fills in the output budget the runtime is told. */
  private authorize(call: Call, parsed: ParsedCall, principal: Principal, route: ModelRoute): Refusal | undefined {
    const budget = outputBudget(parsed.op, parsed.body, this.deps.config.defaultMaxTokens, route.contextLength);
    // n choices may each generate the budget: that is what max tokens means to a policy and to the limits.
    const maxTokens = budget === UNBOUNDED_TOKENS ? UNBOUNDED_TOKENS : Math.min(UNBOUNDED_TOKENS, budget * parsed.choices);
    call.maxTokens = maxTokens;
    const version = route.version;
    const request: AuthorizeRequest = {
      principal,
      action: parsed.op === "embeddings" || parsed.op === "embed" ? "embed" : "invoke",
      model: {
        id: version.id,
        name: version.name,
        version: version.version,
        kind: version.kind,
        environments: version.environments,
        licenseTier: version.license.tier,
        state: route.state,
      },
      context: {
        route: call.route.path,
        environment: route.runtime.environment,
        stream: parsed.stream,
        tools: parsed.tools,
        maxTokens,
        promptChars: call.raw.length,
      },
    };
    call.policyRequest = request;
    const decision = this.deps.authorize(request);
    if (decision.allow) return undefined;
    call.policies = decision.policies;
    return refusal(
      "POLICY_DENIED",
      decision.reason,
      decision.policies.map((id) => ({ rule: `policy:${id}`, severity: "medium" as const, message: decision.reason })),
    );
  }

  /** limit: requests, the token reservation (prompt estimate + max tokens × n), concurrent calls and streams. */
  private async limit(call: Call, parsed: ParsedCall, principal: Principal, route: ModelRoute): Promise<Admission | Refusal> {
    const limits = this.deps.limits;
    let reserve = 0;
    if (limits.limitsTokens) {
      const material = promptMaterial(parsed.body);
      call.promptTokens = material.ids + (await estimateTokens(material.texts));
      reserve = call.promptTokens + call.maxTokens;
    }
    let admission: Admission;
    try {
      admission = await limits.admit(principal.id, route.version.id, parsed.stream, reserve);
    } catch (err) {
      // Limits that cannot be checked (Redis unreachable) refuse the call: fail closed, and say why.
      this.deps.logger?.error({ err }, "checking the limits failed");
      return refusal("STORE_UNAVAILABLE", "limits could not be checked (the shared limit store did not answer): try again shortly");
    }
    if (admission.allow) return admission;
    return { ...refusal("RATE_LIMITED", admission.reason), retryAfterSeconds: admission.retryAfterSeconds };
  }

  /** guard-input: the request's text inspected; redacted in place, or refused. An error in a guard is a refusal. */
  private async guardInput(guards: CallGuardStages, parsed: ParsedCall): Promise<Refusal | undefined> {
    try {
      return await guards.input(parsed.body);
    } catch (err) {
      this.deps.logger?.error({ err }, "the input guards failed");
      return refusal("INTERNAL", "the input guards failed, so the call is refused: the server log says why");
    }
  }

  /** A call admitted to run: the kill switch can find and cut it; the function forgets it. */
  track(call: InFlightCall): () => void {
    return this.inflight.add(call);
  }
}

/**
 * One call's state across the stages: who, what, the admission to give back, the cancel, the trace. One
 * object per call rather than closures; it is also the call in flight the kill switch finds.
 */
class Call implements InFlightCall {
  readonly started = performance.now();
  readonly startedNs = process.hrtime.bigint();
  private readonly metrics: RouteMetrics;
  private trace: CallTrace | undefined;
  private call: ParsedCall | undefined;
  principal: Principal | undefined;
  target: ModelRoute | undefined;
  /** What policies judged as the most the call may generate (max tokens × n). */
  maxTokens = 0;
  /** The prompt's estimate when one was made for the token reservation. */
  promptTokens: number | undefined;
  policies: readonly string[] | undefined;
  /** The authorize stage's request: guards judge their findings as this request with context.guards. */
  policyRequest: AuthorizeRequest | undefined;
  /** The call's guard stages, when guards are on. */
  guards: CallGuardStages | undefined;
  /** The live monitor sees this call's text once it is over. */
  sampled = false;
  private admission: Admission | undefined;
  private readonly cancel = new CallCancel();
  private killedBy: string | undefined;
  private cutBy: Refusal | undefined;
  private clientLeft = false;
  private removeInFlight: (() => void) | undefined;
  private finished: RouteResponse | undefined;
  /** The call's audit event once it is accounted (its sequence number; undefined when it could not be written). */
  private accounted: Promise<Placement | undefined> | undefined;

  constructor(
    private readonly gateway: Gateway,
    private readonly req: IncomingMessage,
    readonly raw: Buffer,
    readonly route: CallRoute,
  ) {
    this.metrics = gateway.metrics.forRoute(route.path);
  }

  // The in-flight view the kill switch reads.
  get identityId(): string {
    return this.principal?.id ?? "";
  }
  get modelId(): string {
    return this.target?.version.id ?? "";
  }
  get runtime(): string {
    return this.target?.runtime.name ?? "";
  }
  /** Cut by the kill switch. */
  abort(why: string): void {
    this.killedBy = why;
    this.cancel.abort(why);
  }

  parsed(call: ParsedCall): void {
    this.call = call;
    const tracing = this.gateway.deps.tracing;
    if (tracing !== undefined) this.trace = tracing.start(this.req.headers, GEN_AI_OPERATION[call.op], call.model, this.route.path);
  }

  admitted(admission: Admission): void {
    this.admission = admission;
    this.removeInFlight = this.gateway.track(this);
  }

  /** The authorization request again, with what the guards found. */
  withFindings(guards: GuardContext): AuthorizeRequest {
    const r = this.policyRequest as AuthorizeRequest;
    return { ...r, context: { ...r.context, guards } };
  }

  /** What guards see of the call. */
  view(): GuardedCall {
    return { principal: this.principal as Principal, route: this.target as ModelRoute, call: this.call as ParsedCall };
  }

  /** A stage refused the call before it reached the runtime: audited (or counted, without credentials), answered. */
  refuse(r: Refusal): RouteResponse {
    this.metrics.deny.inc();
    this.gateway.metrics.countRefusal(r.code);
    const principal = this.principal;
    const status = errorStatus(r.code);
    if (this.trace !== undefined) {
      this.trace.set({
        "http.response.status_code": status,
        "error.type": r.code,
        ...(principal === undefined ? {} : { "perimeter.identity.id": principal.id }),
      });
      this.trace.end("deny", r.reason);
    }
    if (principal === undefined) {
      this.gateway.refusedAnonymous(this.req, this.route.path, r);
    } else if (this.gateway.identityRefusals.admit(principal.id, { code: r.code, reason: r.reason, route: this.route.path, status })) {
      const model = this.target?.version.id ?? this.call?.model;
      const guardFindings = this.guards?.summary();
      this.gateway.metrics.countGuardFindings(guardFindings);
      this.gateway.record({
        actor: `identity:${principal.id}`,
        action: "gateway.call",
        resource: model === undefined ? "gateway" : `model:${model}`,
        decision: "deny",
        reason: r.reason,
        details: {
          code: r.code,
          ...(r.findings.length === 0 ? {} : { findings: r.findings }),
          ...(guardFindings === undefined ? {} : { guards: guardFindings }),
          ...(this.policies === undefined ? {} : { policies: this.policies }),
          route: this.route.path,
          status,
        },
      });
    }
    return errorResponse(this.route.api, r.code, r.reason, r.retryAfterSeconds);
  }

  /** An admitted call refused before dispatch (an input guard): its slots and reservation go back. */
  end(r: Refusal): RouteResponse {
    this.removeInFlight?.();
    this.admission?.release();
    void this.admission?.settle(0).catch((err: unknown) => this.gateway.deps.logger?.error({ err }, "settling tokens failed"));
    return this.refuse(r);
  }

  /** The response decided without an answer to relay (the runtime failed, or the client left). */
  response(): RouteResponse {
    return this.finished as RouteResponse;
  }

  private readonly onClientGone = (): void => {
    this.clientLeft = true;
    this.cancel.abort("the client closed the connection before the answer");
  };

  /**
   * dispatch: the runtime's call. A client that hangs up before its answer stops the runtime's work on it
   * too, as it would talking to the runtime directly (vLLM and llama.cpp abort a request whose connection
   * closes). Undefined when there is nothing to relay (see response()).
   */
  async dispatch(): Promise<DialectResponse | undefined> {
    const target = this.target as ModelRoute;
    const call = this.call as ParsedCall;
    const body = call.body;
    body["model"] = target.servedName;
    if (call.stream) body["stream_options"] = { include_usage: true };
    const socket = this.req.socket;
    socket.once("close", this.onClientGone);
    if (socket.destroyed) this.onClientGone(); // gone already, while the call was being checked
    let answer: DialectResponse;
    try {
      answer = await this.gateway.deps.runtimeFor(target).call(call.upstreamPath, body, this.cancel, this.trace?.headers);
    } catch (err) {
      if (this.clientLeft && this.killedBy === undefined) return this.abandoned();
      const e = asPerimeterError(err);
      if (this.killedBy !== undefined) {
        this.finish(403, undefined, this.killedBy);
        this.finished = errorResponse(this.route.api, "KILLED", this.killedBy);
      } else {
        this.finish(502, undefined, e.message);
        this.finished = errorResponse(this.route.api, "RUNTIME_UNREACHABLE", `runtime ${target.runtime.name} failed: ${e.message}`);
      }
      return undefined;
    } finally {
      socket.off("close", this.onClientGone);
    }
    // Answered, and nobody is there to take it: a stream would never be read, so it would never end the call.
    if (this.clientLeft && this.killedBy === undefined) return this.abandoned();
    this.metrics.latency.observe((performance.now() - this.started) / 1000);
    return answer;
  }

  private abandoned(): undefined {
    const why = "the client closed the connection before the answer";
    this.finish(CLIENT_CLOSED, undefined, why);
    this.finished = errorResponse(this.route.api, "CLIENT_GONE", why);
    return undefined;
  }

  /** relay: the answer in the client's dialect, whole or as a stream; output guards see the text as it goes. */
  async relay(answer: DialectResponse): Promise<RouteResponse> {
    const api = this.route.api;
    const call = this.call as ParsedCall;
    if (answer.kind === "json") {
      const out = answer.body as Json;
      if (answer.status >= 400) {
        const message = this.guardedMessage(upstreamMessage(out)) ?? `runtime ${(this.target as ModelRoute).runtime.name} answered ${answer.status}`;
        this.finish(answer.status, undefined, `runtime answered ${answer.status}: ${message}`);
        // A runtime's 4xx is the request's fault (too long for the model…); anything else is the runtime's.
        return errorResponse(api, answer.status < 500 && answer.status !== 429 ? "RUNTIME_REFUSED" : "RUNTIME_UNREACHABLE", message);
      }
      const usage = usageOf(out);
      // Counted as generated, before a guard redacts it.
      const generated = usage === undefined || this.sampled ? generatedTexts(out) : undefined;
      const guard = this.outputGuard();
      if (guard !== undefined) {
        let cut: Refusal | undefined;
        try {
          cut = await guard.answer(out, call.body);
        } catch (err) {
          this.gateway.deps.logger?.error({ err }, "the output guards failed");
          cut = refusal("INTERNAL", "the output guards failed, so the answer is withheld: the server log says why");
        }
        if (cut !== undefined) {
          this.cutBy = cut;
          this.finish(errorStatus(cut.code), usage, cut.reason, generated);
          return errorResponse(api, cut.code, cut.reason);
        }
      }
      const recorded = this.finish(answer.status, usage, "", generated);
      let headers: Record<string, string> | undefined;
      if (this.gateway.deps.config.auditBeforeAnswer) {
        const at = await this.gateway.recorded(recorded);
        if (at === undefined) return errorResponse(api, "STORE_UNAVAILABLE", WITHHELD);
        headers = { [AUDIT_EVENT_HEADER]: at[3] };
      }
      if (api === "ollama")
        return { status: 200, json: toOllamaAnswer(call.op, call.model, out, this.startedNs), ...(headers === undefined ? {} : { headers }) };
      out["model"] = call.model;
      return { status: 200, json: out, ...(headers === undefined ? {} : { headers }) };
    }
    return { status: 200, stream: { contentType: api === "ollama" ? "application/x-ndjson" : "text/event-stream", chunks: this.frames(answer.chunks) } };
  }

  /** The stream re-framed for the client; keeps the usage; stops at once when killed, cut by a guard or abandoned. */
  private async *frames(chunks: AsyncIterable<Json>): AsyncGenerator<string> {
    const api = this.route.api;
    const call = this.call as ParsedCall;
    const guard = this.outputGuard();
    let usage: Usage | undefined;
    let last: Json | undefined;
    // What has been generated so far, counted when the stream ends without the runtime's usage.
    const generated: string[] = [];
    let finishReason: unknown = null;
    let status = 200;
    try {
      for await (const chunk of chunks) {
        if (this.killedBy !== undefined) break;
        const u = usageOf(chunk);
        if (u !== undefined) usage = u;
        generatedTexts(chunk, generated);
        last = chunk;
        if (guard !== undefined) {
          const cut = guard.chunk(chunk);
          if (cut !== undefined) {
            this.cutBy = cut;
            break;
          }
        }
        const choices = chunk["choices"] as Json[] | undefined;
        const fr = choices?.[0]?.["finish_reason"];
        if (fr !== undefined && fr !== null) finishReason = fr;
        // The usage-only chunk was asked for by us, not the client: keep it to ourselves.
        if (api === "openai" && !call.clientWantsUsage && Array.isArray(choices) && choices.length === 0 && u !== undefined) continue;
        const frame = this.frame(chunk);
        if (frame !== "") yield frame;
      }
      if (this.cutBy === undefined && this.killedBy === undefined && guard !== undefined) {
        const rest = await guard.end(last, call.body);
        if (isRefusal(rest)) this.cutBy = rest;
        else for (const c of rest) yield this.frame(c);
      }
      if (this.killedBy !== undefined || this.cutBy !== undefined) {
        const code: ErrorCode = this.killedBy !== undefined ? "KILLED" : (this.cutBy as Refusal).code;
        status = errorStatus(code);
        yield streamError(api, code, this.killedBy ?? (this.cutBy as Refusal).reason);
        return;
      }
      // The stream's end is held until its audit event is durable: a client that saw it end has been recorded.
      const recorded = this.finish(status, usage, "", generated);
      if (this.gateway.deps.config.auditBeforeAnswer && (await this.gateway.recorded(recorded)) === undefined) {
        yield streamError(api, "STORE_UNAVAILABLE", WITHHELD);
        return;
      }
      yield api === "ollama" ? `${JSON.stringify(ollamaFinal(call.op, call.model, finishReason, usage, this.startedNs))}\n` : "data: [DONE]\n\n";
    } catch (err) {
      status = this.killedBy !== undefined ? 403 : 502;
      const message = this.killedBy ?? `the runtime's stream failed: ${asPerimeterError(err).message}`;
      yield streamError(api, this.killedBy !== undefined ? "KILLED" : "RUNTIME_UNREACHABLE", message);
    } finally {
      if (!this.cancel.aborted) this.cancel.abort("the stream ended");
      this.finish(status, usage, this.killedBy ?? this.cutBy?.reason ?? "", generated);
    }
  }

  /** One chunk as the client's dialect frames it ("" when it carries nothing for an Ollama client). */
  private frame(chunk: Json): string {
    const call = this.call as ParsedCall;
    if (this.route.api === "ollama") {
      const line = toOllamaChunk(call.op, call.model, chunk);
      return line === null ? "" : `${JSON.stringify(line)}\n`;
    }
    if (!call.clientWantsUsage) delete chunk["usage"];
    chunk["model"] = call.model;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  /** A runtime's error message through the output guards (it may quote the prompt or the output); none when they fail. */
  private guardedMessage(message: string | undefined): string | undefined {
    const guard = message === undefined ? undefined : this.outputGuard();
    if (guard === undefined) return message;
    try {
      return guard.message(message as string);
    } catch (err) {
      this.gateway.deps.logger?.error({ err }, "the output guards failed on the runtime's error message");
      return undefined;
    }
  }

  /** guard-output's filter for this answer, when the call has guards and they act on output. */
  private outputGuard(): OutputGuardStage | undefined {
    return this.guards?.output();
  }

  /**
   * The call is over: give back its slots at once, then account (settle its tokens, metrics, trace) and
   * audit it. `generated` is the text the runtime produced, for when it did not say how many tokens it used:
   * the gateway counts them then.
   */
  private finish(status: number, usage: Usage | undefined, reason: string, generated?: readonly string[]): Promise<Placement | undefined> {
    if (this.accounted !== undefined) return this.accounted;
    this.removeInFlight?.();
    this.admission?.release();
    const latencyMs = Math.round((performance.now() - this.started) * 1000) / 1000;
    if (usage !== undefined || generated === undefined) {
      this.accounted = this.account(status, usage, usage === undefined ? null : "runtime", reason, latencyMs, generated);
      return this.accounted;
    }
    this.accounted = estimatedUsage(promptMaterial((this.call as ParsedCall).body), generated).then(
      (estimated) => this.account(status, estimated, "estimate", reason, latencyMs, generated),
      (err: unknown) => {
        this.gateway.deps.logger?.error({ err }, "counting the tokens of a call failed");
        return this.account(status, undefined, null, reason, latencyMs, generated);
      },
    );
    return this.accounted;
  }

  /** account, then audit (and hand a sampled call to the live monitor). */
  private account(
    status: number,
    usage: Usage | undefined,
    usageFrom: "runtime" | "estimate" | null,
    reason: string,
    latencyMs: number,
    generated: readonly string[] | undefined,
  ): Promise<Placement | undefined> {
    const principal = this.principal as Principal;
    const target = this.target as ModelRoute;
    const call = this.call as ParsedCall;
    const version = target.version;
    const tokens = (usage?.prompt ?? 0) + (usage?.completion ?? 0);
    if (this.admission !== undefined)
      void this.admission.settle(tokens).catch((err: unknown) => this.gateway.deps.logger?.error({ err }, "settling tokens failed"));
    this.gateway.metrics.countTokens(usage);
    // A call its client gave up on was still allowed: nothing failed on our side or the runtime's.
    const denied = this.killedBy !== undefined || this.cutBy !== undefined;
    const ok = (status < 400 || status === CLIENT_CLOSED) && !denied;
    const decision = ok ? "allow" : denied ? "deny" : "error";
    (ok ? this.metrics.allow : this.metrics.error).inc();
    if (this.trace !== undefined) {
      this.trace.set({
        "perimeter.identity.id": principal.id,
        "perimeter.model.version": version.id,
        "perimeter.model.digest": version.digest,
        "perimeter.runtime": target.runtime.name,
        "gen_ai.response.model": version.id,
        "http.response.status_code": status,
        ...(usage?.prompt === undefined ? {} : { "gen_ai.usage.input_tokens": usage.prompt }),
        ...(usage?.completion === undefined ? {} : { "gen_ai.usage.output_tokens": usage.completion }),
        ...(usageFrom === null ? {} : { "perimeter.usage.source": usageFrom }),
      });
      this.trace.end(decision, reason === "" ? undefined : reason);
    }
    const guardFindings = this.guards?.summary();
    this.gateway.metrics.countGuardFindings(guardFindings);
    // audit
    const placed = this.gateway.place({
      actor: `identity:${principal.id}`,
      action: "gateway.call",
      resource: `model:${version.id}`,
      decision,
      reason,
      // Keys in code-unit order: the audit log's canonical JSON then takes one native call.
      details: {
        completionTokens: usage?.completion ?? null,
        digest: version.digest,
        ...(call.dropped === undefined ? {} : { droppedFields: call.dropped }),
        ...(guardFindings === undefined ? {} : { guards: guardFindings }),
        latencyMs,
        promptTokens: usage?.prompt ?? null,
        ...(this.gateway.deps.config.logPrompts ? { request: call.body } : { requestBytes: this.raw.length }),
        route: this.route.path,
        runtime: target.runtime.name,
        status,
        stream: call.stream,
        usageFrom,
      },
    });
    if (this.sampled && generated !== undefined && generated.length > 0)
      this.offerSample(
        placed.then((at) => at?.[0]),
        generated,
        principal,
        target,
      );
    return placed;
  }

  /** The live monitor's sample of this call, once its audit event is written (the monitor names it by number). */
  private offerSample(seq: Promise<number | undefined>, generated: readonly string[], principal: Principal, target: ModelRoute): void {
    const monitor = this.gateway.deps.monitor as TrafficMonitor;
    const prompt = lastUserText((this.call as ParsedCall).body);
    const answer = generated.join("");
    void seq.then((n) =>
      monitor.offer({
        id: sampleId(),
        identityId: principal.id,
        modelId: target.version.id,
        runtime: target.runtime.name,
        seq: n,
        prompt,
        answer,
        at: Date.now(),
      }),
    );
  }
}

let samples = 0;
/** A sample's id: unique in this process, cheap. */
function sampleId(): string {
  samples = (samples + 1) % Number.MAX_SAFE_INTEGER;
  return `${process.pid.toString(36)}-${samples.toString(36)}`;
}

/** The request's last user text (chat) or its prompt (completions), as the monitor judges it. */
function lastUserText(body: Json): string {
  const messages = body["messages"];
  if (Array.isArray(messages)) {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as Json | null;
      if (m === null || typeof m !== "object" || m["role"] !== "user") continue;
      return contentText(m["content"]);
    }
    return "";
  }
  const prompt = body["prompt"];
  return typeof prompt === "string" ? prompt : Array.isArray(prompt) && typeof prompt[0] === "string" ? prompt[0] : "";
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content as unknown[])
    if (part !== null && typeof part === "object" && typeof (part as Json)["text"] === "string") out += (part as Json)["text"] as string;
  return out;
}

/** The 404 of a model nothing may serve in the caller's environment. */
export function notAvailable(model: string, environment: string): string {
  return `model "${model}" is not available in environment ${environment}: it is not an approved version served with its approved digest there (see perimeter drift), or it was revoked`;
}

/**
 * The most tokens a call may generate, per choice, as policies judge it (times n, context.maxTokens) and as
 * the runtime is told. A request that names no max_tokens may otherwise generate until the model's context
 * is full, whatever a policy on max tokens says; so it is judged by its real ceiling: the context window when
 * that is no more than gateway.defaultMaxTokens (the runtime stops there by itself), else defaultMaxTokens,
 * which is then sent on as its max_tokens. (Sending it for a smaller window would make vLLM refuse the call.)
 * A request asking for no limit (Ollama's num_predict -1 or -2, a max_tokens that is not positive) is judged
 * as asking for all there is; if a policy allows that, the runtime is told no limit.
 */
function outputBudget(op: Operation, body: Json, fallback: number, contextLength: number | undefined): number {
  if (op === "embeddings" || op === "embed") return 0;
  // A runtime may read either field (llama.cpp's server reads max_tokens alone): the larger is what it may
  // generate, and the one sent on, as max_tokens.
  const completion = body["max_completion_tokens"];
  const plain = body["max_tokens"];
  delete body["max_completion_tokens"];
  const asked =
    typeof completion === "number" && typeof plain === "number" ? (completion <= 0 || plain <= 0 ? -1 : Math.max(completion, plain)) : (completion ?? plain);
  if (asked === undefined || asked === null) {
    if (contextLength !== undefined && contextLength <= fallback) return contextLength;
    body["max_tokens"] = fallback;
    return fallback;
  }
  if (typeof asked === "number" && Number.isSafeInteger(asked) && asked > 0) {
    body["max_tokens"] = asked;
    return asked;
  }
  delete body["max_tokens"];
  return contextLength ?? UNBOUNDED_TOKENS;
}

function upstreamMessage(body: Json): string | undefined {
  const e = body["error"];
  if (typeof e === "string") return redactForClient(e);
  if (e !== null && typeof e === "object" && typeof (e as Json)["message"] === "string") return redactForClient((e as Json)["message"] as string);
  return undefined;
}
