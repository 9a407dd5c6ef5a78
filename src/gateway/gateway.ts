import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AuditEventInput, AuditLog } from "../audit/index.js";
import type { GatewayConfig } from "../config/schema.js";
import { asPerimeterError, ERROR_CODES, type ErrorCode } from "../errors.js";
import type { AuthResult, Principal } from "../identity/types.js";
import { CallCancel, type OpenAIDialect } from "../runtimes/dialect.js";
import type { PolicyDecision, PolicyRequest } from "../policy/engine.js";
import type { Store } from "../store/store.js";
import { Catalog, type ModelRoute } from "./catalog.js";
import { ollamaChatToOpenAI, ollamaFinal, toOllamaAnswer, toOllamaChunk, toOpenAI, usageOf, type Api, type Operation, type Usage } from "./dialects.js";
import { InFlight, kill, KILL_KINDS, KillSet, listKills, type KillKind } from "./kill.js";
import type { Limits } from "./limits.js";
import type { Route, RouteResponse } from "./server.js";
import { estimatedUsage, generatedTexts, promptMaterial } from "./token-count.js";
import type { CallTrace, Tracing } from "./tracing.js";

// The serve pipeline, in a fixed order on every route: parse → authenticate → resolve the model to what may
// serve it → kill switch → policy on the version actually dispatched → limits → runtime → stream back →
// audit. Each stage returns a refusal with a reason; nothing after a refusal runs.

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
}

/** gen_ai.operation.name of each operation (OpenTelemetry GenAI semantic conventions). */
const GEN_AI_OPERATION: Readonly<Record<Operation, string>> = { chat: "chat", completions: "text_completion", generate: "text_completion", embeddings: "embeddings", embed: "embeddings" };

type Json = Record<string, unknown>;

interface Refusal {
  readonly status: number;
  readonly code: ErrorCode | "model_not_found" | "upstream_error";
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/** The status recorded for a call whose client hung up before its answer (nginx's 499; never sent). */
const CLIENT_CLOSED = 499;

const OPENAI_ERROR_TYPE: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  502: "upstream_error",
  503: "service_unavailable",
};

export class Gateway {
  private catalog = Catalog.empty();
  private kills = new KillSet();
  private readonly inflight = new InFlight();
  private timer: NodeJS.Timeout | undefined;
  private auditFailing: string | undefined;
  /** When the catalog and kill switch were last read from the store (performance.now()). */
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshError: string | undefined;
  readonly metrics = new Registry();
  private readonly requests = new Counter({ name: "perimeter_gateway_requests_total", help: "Gateway calls by route and decision", labelNames: ["route", "decision"], registers: [this.metrics] });
  private readonly tokens = new Counter({ name: "perimeter_gateway_tokens_total", help: "Tokens by kind", labelNames: ["kind"], registers: [this.metrics] });
  private readonly latency = new Histogram({
    name: "perimeter_gateway_request_seconds",
    help: "Time to the first byte of the answer, by route",
    labelNames: ["route"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.metrics],
  });

  private readonly promptTokens = this.tokens.labels("prompt");
  private readonly completionTokens = this.tokens.labels("completion");
  /** Per-route metric children, bound once: prom-client hashes label values on every labelled call. */
  private readonly routeMetrics = new Map<string, { allow: Counter.Internal; deny: Counter.Internal; error: Counter.Internal; latency: Histogram.Internal<string> }>();

  /**
   * How old the kill switch may grow before calls are refused: a gateway that cannot read the store would
   * otherwise go on serving what has since been killed or revoked.
   */
  private readonly staleMs: number;

  private constructor(private readonly deps: GatewayDeps) {
    this.staleMs = Math.max(5 * deps.config.killPollMs, 1000);
    const self = this;
    new Gauge({ name: "perimeter_audit_backlog_events", help: "Audit events accepted and not yet committed", registers: [this.metrics], collect() { this.set(self.deps.audit().backlog); } });
    new Gauge({ name: "perimeter_gateway_calls_in_flight", help: "Calls being answered now", registers: [this.metrics], collect() { this.set(self.inflight.size); } });
    new Gauge({
      name: "perimeter_gateway_catalog_age_seconds",
      help: "Seconds since the catalog and kill switch were last read from the store",
      registers: [this.metrics],
      collect() {
        this.set(self.catalogAgeMs() / 1000);
      },
    });
  }

  private catalogAgeMs(): number {
    return performance.now() - this.refreshedAt;
  }

  /** Why calls are refused right now, or undefined when the gateway can take them. */
  private unavailable(): string | undefined {
    if (this.auditFailing !== undefined) return `calls are refused while the audit log cannot be written (${this.auditFailing})`;
    const age = this.catalogAgeMs();
    if (age > this.staleMs) {
      return `calls are refused: the kill switch and catalog have not been read from the store for ${Math.round(age / 1000)} s${this.refreshError === undefined ? "" : ` (${this.refreshError})`}, so kills and revocations would not apply`;
    }
    return undefined;
  }

  /** Readiness for a load balancer or Kubernetes probe: 503, with the reasons, when calls would be refused. */
  private readiness(): RouteResponse {
    const why = this.unavailable();
    const audit = this.deps.audit();
    return {
      status: why === undefined ? 200 : 503,
      json: {
        status: why === undefined ? "ready" : "unavailable",
        ...(why === undefined ? {} : { reason: why }),
        audit: { writable: this.auditFailing === undefined, backlog: audit.backlog },
        catalog: { ageSeconds: Math.round(this.catalogAgeMs() / 100) / 10, models: this.catalog.versions().length },
        callsInFlight: this.inflight.size,
      },
    };
  }

  private metricsFor(route: string) {
    let m = this.routeMetrics.get(route);
    if (m === undefined) {
      m = { allow: this.requests.labels(route, "allow"), deny: this.requests.labels(route, "deny"), error: this.requests.labels(route, "error"), latency: this.latency.labels(route) };
      this.routeMetrics.set(route, m);
    }
    return m;
  }

  static async start(deps: GatewayDeps): Promise<Gateway> {
    const g = new Gateway(deps);
    await g.refresh();
    g.timer = setInterval(
      () =>
        void g.refresh().catch((err: unknown) => {
          g.refreshError = asPerimeterError(err).message;
          deps.logger?.error({ err }, "refreshing the catalog and kill switch failed");
        }),
      deps.config.killPollMs,
    );
    g.timer.unref();
    return g;
  }

  /** Re-read what may be served and what is killed; cut calls a new kill covers. */
  async refresh(): Promise<void> {
    const started = performance.now();
    const [catalog, kills] = await Promise.all([Catalog.load(this.deps.store), listKills(this.deps.store)]);
    const ms = performance.now() - started;
    // The store is read on the thread that answers calls: a slow read here is a stall every call feels.
    if (ms > 20) this.deps.logger?.warn({ ms: Math.round(ms) }, "reading the catalog and kill switch from the store was slow");
    this.catalog = catalog;
    this.kills = KillSet.of(kills);
    this.refreshedAt = performance.now();
    this.refreshError = undefined;
    const cut = this.inflight.cut(this.kills);
    if (cut > 0) this.deps.logger?.warn({ cut }, "kill switch: cut calls in flight");
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  get callsInFlight(): number {
    return this.inflight.size;
  }

  routes(): Route[] {
    const post = (path: string, api: Api, op: Operation | "ollama-chat"): Route => ({ method: "POST", path, handle: (req, body) => this.infer(req, body, api, op, path) });
    return [
      post("/v1/chat/completions", "openai", "chat"),
      post("/v1/completions", "openai", "completions"),
      post("/v1/embeddings", "openai", "embeddings"),
      post("/api/chat", "ollama", "ollama-chat"),
      post("/api/generate", "ollama", "generate"),
      post("/api/embed", "ollama", "embed"),
      { method: "GET", path: "/v1/models", handle: (req) => this.listModels(req, "openai") },
      { method: "GET", path: "/api/tags", handle: (req) => this.listModels(req, "ollama") },
      { method: "POST", path: "/api/show", handle: (req, body) => this.show(req, body) },
      { method: "POST", path: "/control/kill", handle: (req, body) => this.controlKill(req, body) },
      { method: "GET", path: "/readyz", handle: () => Promise.resolve(this.readiness()) },
      { method: "GET", path: "/metrics", handle: async () => ({ status: 200, text: await this.metrics.metrics(), headers: { "content-type": this.metrics.contentType } }) },
    ];
  }

  // ---------- inference ----------

  private async infer(req: IncomingMessage, raw: Buffer, api: Api, opIn: Operation | "ollama-chat", path: string): Promise<RouteResponse> {
    const startedNs = process.hrtime.bigint();
    const started = performance.now();
    const op: Operation = opIn === "ollama-chat" ? "chat" : opIn;
    const metrics = this.metricsFor(path);
    let trace: CallTrace | undefined;
    const refuse = (r: Refusal, principal: Principal | null, model: string | null, extra: Json = {}): RouteResponse => {
      metrics.deny.inc();
      if (trace !== undefined) {
        trace.set({ "http.response.status_code": r.status, "error.type": r.code, ...(principal === null ? {} : { "perimeter.identity.id": principal.id }) });
        trace.end("deny", r.message);
      }
      this.record({ actor: principal === null ? "anonymous" : `identity:${principal.id}`, action: "gateway.call", resource: model === null ? "gateway" : `model:${model}`, decision: "deny", reason: r.message, details: { route: path, status: r.status, code: r.code, ...extra } });
      return errorResponse(api, r);
    };
    const unavailable = this.unavailable();
    if (unavailable !== undefined) return refuse({ status: 503, code: "STORE_UNAVAILABLE", message: unavailable }, null, null);

    let body: Json;
    try {
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Json;
    } catch {
      return refuse({ status: 400, code: "USAGE", message: "the body is not a JSON object" }, null, null);
    }
    if (this.deps.tracing !== undefined) {
      const named = body["model"];
      trace = this.deps.tracing.start(req.headers, GEN_AI_OPERATION[op], typeof named === "string" ? named : "", path);
    }
    const auth = await this.authenticate(req);
    if (!auth.ok) return refuse({ status: 401, code: auth.code, message: auth.message }, null, null);
    const principal = auth.principal;
    const model = body["model"];
    if (typeof model !== "string" || model === "") return refuse({ status: 400, code: "USAGE", message: "the request names no model" }, principal, null);

    const routes = this.catalog.resolve(model);
    if (routes.length === 0) {
      return refuse({ status: 404, code: "model_not_found", message: `model "${model}" is not available: it is not an approved version served with its approved digest (see perimeter drift), or it was revoked` }, principal, model);
    }
    const killedIdentity = this.kills.covers(principal.id, "", "");
    if (killedIdentity !== null) return refuse({ status: 403, code: "AUTH_IDENTITY_REVOKED", message: killedIdentity }, principal, model);
    const live = routes.filter((r) => this.kills.covers("", r.version.id, r.runtime.name) === null);
    const route = live[0];
    if (route === undefined) return refuse({ status: 403, code: "POLICY_DENIED", message: this.kills.covers("", routes[0]?.version.id ?? "", routes[0]?.runtime.name ?? "") ?? "killed" }, principal, model);
    const version = route.version;

    const translated = opIn === "ollama-chat" ? ollamaChatToOpenAI(body) : toOpenAI(op, body);
    const upstreamBody = translated.body;
    const stream = translated.stream;
    const maxTokens = outputBudget(op, upstreamBody, this.deps.config.defaultMaxTokens, route.contextLength);
    const decision = this.deps.authorize({
      principal,
      action: op === "embeddings" || op === "embed" ? "embed" : "invoke",
      model: { id: version.id, name: version.name, version: version.version, kind: version.kind, environments: version.environments, licenseTier: version.license.tier, state: route.state },
      context: { route: path, environment: route.runtime.environment, stream, tools: upstreamBody["tools"] !== undefined || upstreamBody["functions"] !== undefined, maxTokens, promptChars: raw.length },
    });
    if (!decision.allow) return refuse({ status: 403, code: "POLICY_DENIED", message: decision.reason }, principal, version.id, { policies: decision.policies });

    let limit;
    try {
      limit = await this.deps.limits.admit(principal.id, version.id, stream);
    } catch (err) {
      // Limits that cannot be checked (Redis unreachable) refuse the call: fail closed, and say why.
      return refuse({ status: 503, code: "STORE_UNAVAILABLE", message: `limits could not be checked: ${asPerimeterError(err).message}` }, principal, version.id);
    }
    if (!limit.allow) return refuse({ status: 429, code: "POLICY_DENIED", message: limit.reason, headers: { "retry-after": String(limit.retryAfterSeconds) } }, principal, version.id);

    upstreamBody["model"] = route.servedName;
    const clientWantsUsage = (upstreamBody["stream_options"] as Json | undefined)?.["include_usage"] === true;
    if (stream) upstreamBody["stream_options"] = { ...((upstreamBody["stream_options"] as Json | undefined) ?? {}), include_usage: true };

    const abort = new CallCancel();
    let killedBy: string | undefined;
    const removeInFlight = this.inflight.add({ identityId: principal.id, modelId: version.id, runtime: route.runtime.name, abort: (why) => ((killedBy = why), abort.abort(why)) });
    const releaseStream = limit.release;
    /**
     * The call is over: give back its slots at once, then charge, count and audit it. `generated` is the text
     * the runtime produced, for when it did not say how many tokens it used: the gateway counts them then.
     */
    const finish = (status: number, usage: Usage | undefined, reason: string, generated?: readonly string[]) => {
      removeInFlight();
      releaseStream();
      const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
      if (usage !== undefined || generated === undefined) {
        account(status, usage, usage === undefined ? null : "runtime", reason, latencyMs);
        return;
      }
      estimatedUsage(promptMaterial(upstreamBody), generated).then(
        (estimated) => account(status, estimated, "estimate", reason, latencyMs),
        (err: unknown) => {
          this.deps.logger?.error({ err }, "counting the tokens of a call failed");
          account(status, undefined, null, reason, latencyMs);
        },
      );
    };
    const account = (status: number, usage: Usage | undefined, usageFrom: "runtime" | "estimate" | null, reason: string, latencyMs: number) => {
      const tokens = (usage?.prompt ?? 0) + (usage?.completion ?? 0);
      void this.deps.limits.chargeTokens(principal.id, version.id, tokens).catch((err: unknown) => this.deps.logger?.error({ err }, "charging tokens failed"));
      if (usage?.prompt) this.promptTokens.inc(usage.prompt);
      if (usage?.completion) this.completionTokens.inc(usage.completion);
      // A call its client gave up on was still allowed: nothing failed on our side or the runtime's.
      const ok = (status < 400 || status === CLIENT_CLOSED) && killedBy === undefined;
      const decision = ok ? "allow" : killedBy !== undefined ? "deny" : "error";
      (ok ? metrics.allow : metrics.error).inc();
      if (trace !== undefined) {
        trace.set({
          "perimeter.identity.id": principal.id,
          "perimeter.model.version": version.id,
          "perimeter.model.digest": version.digest,
          "perimeter.runtime": route.runtime.name,
          "gen_ai.response.model": version.id,
          "http.response.status_code": status,
          ...(usage?.prompt === undefined ? {} : { "gen_ai.usage.input_tokens": usage.prompt }),
          ...(usage?.completion === undefined ? {} : { "gen_ai.usage.output_tokens": usage.completion }),
          ...(usageFrom === null ? {} : { "perimeter.usage.source": usageFrom }),
        });
        trace.end(decision, reason === "" ? undefined : reason);
      }
      this.record({
        actor: `identity:${principal.id}`,
        action: "gateway.call",
        resource: `model:${version.id}`,
        decision,
        reason,
        // Keys in code-unit order: the audit log's canonical JSON then takes one native call.
        details: {
          completionTokens: usage?.completion ?? null,
          digest: version.digest,
          latencyMs,
          promptTokens: usage?.prompt ?? null,
          ...(this.deps.config.logPrompts ? { request: body } : { requestBytes: raw.length }),
          route: path,
          runtime: route.runtime.name,
          status,
          stream,
          usageFrom,
        },
      });
    };

    // A client that hangs up before its answer stops the runtime's work on it too, as it would talking to
    // the runtime directly (vLLM and llama.cpp abort a request whose connection closes). Streams are cut by
    // the server when their client leaves; this covers the wait for the answer and a whole-answer call.
    let clientLeft = false;
    const socket = req.socket;
    const onClientGone = () => {
      clientLeft = true;
      abort.abort("the client closed the connection before the answer");
    };
    socket.once("close", onClientGone);
    if (socket.destroyed) onClientGone(); // gone already, while the call was being checked
    let answer;
    try {
      answer = await this.deps.runtimeFor(route).call(translated.path, upstreamBody, abort, trace?.headers);
    } catch (err) {
      if (clientLeft && killedBy === undefined) return this.abandoned(api, finish);
      const e = asPerimeterError(err);
      finish(502, undefined, killedBy ?? e.message);
      return errorResponse(api, { status: killedBy === undefined ? 502 : 403, code: killedBy === undefined ? "RUNTIME_UNREACHABLE" : "POLICY_DENIED", message: killedBy ?? `runtime ${route.runtime.name} failed: ${e.message}` });
    } finally {
      socket.off("close", onClientGone);
    }
    // Answered, and nobody is there to take it: a stream would never be read, so it would never end the call.
    if (clientLeft && killedBy === undefined) return this.abandoned(api, finish);
    metrics.latency.observe((performance.now() - started) / 1000);
    const clientModel = model;

    if (answer.kind === "json") {
      const out = answer.body as Json;
      const usage = usageOf(out);
      if (answer.status >= 400) {
        finish(answer.status, undefined, `runtime answered ${answer.status}`);
        const message = upstreamMessage(out) ?? `runtime ${route.runtime.name} answered ${answer.status}`;
        return errorResponse(api, { status: answer.status, code: "upstream_error", message });
      }
      finish(answer.status, usage, "", usage === undefined ? generatedTexts(out) : undefined);
      if (api === "ollama") return { status: 200, json: toOllamaAnswer(op, clientModel, out, startedNs) };
      out["model"] = clientModel;
      return { status: 200, json: out };
    }

    // Streaming: re-frame each chunk for the client, keep the usage, stop at once when killed or abandoned.
    const chunks = answer.chunks;
    const self = this;
    async function* frames(): AsyncGenerator<string> {
      let usage: Usage | undefined;
      // What has been generated so far, counted when the stream ends without the runtime's usage.
      const generated: string[] = [];
      let finishReason: unknown = null;
      let status = 200;
      try {
        for await (const chunk of chunks) {
          if (killedBy !== undefined) break;
          const u = usageOf(chunk);
          if (u !== undefined) usage = u;
          generatedTexts(chunk, generated);
          const choices = chunk["choices"] as Json[] | undefined;
          const fr = choices?.[0]?.["finish_reason"];
          if (fr !== undefined && fr !== null) finishReason = fr;
          if (api === "ollama") {
            const line = toOllamaChunk(op, clientModel, chunk);
            if (line !== null) yield `${JSON.stringify(line)}\n`;
          } else {
            // The usage-only chunk was asked for by us, not the client: keep it to ourselves.
            if (!clientWantsUsage && Array.isArray(choices) && choices.length === 0 && u !== undefined) continue;
            if (!clientWantsUsage) delete chunk["usage"];
            chunk["model"] = clientModel;
            yield `data: ${JSON.stringify(chunk)}\n\n`;
          }
        }
        if (killedBy !== undefined) {
          status = 403;
          yield api === "ollama" ? `${JSON.stringify({ error: killedBy })}\n` : `data: ${JSON.stringify({ error: { message: killedBy, type: "permission_error", code: "KILLED" } })}\n\n`;
          return;
        }
        yield api === "ollama" ? `${JSON.stringify(ollamaFinal(op, clientModel, finishReason, usage, startedNs))}\n` : "data: [DONE]\n\n";
      } catch (err) {
        status = killedBy !== undefined ? 403 : 502;
        const message = killedBy ?? `the runtime's stream failed: ${asPerimeterError(err).message}`;
        yield api === "ollama" ? `${JSON.stringify({ error: message })}\n` : `data: ${JSON.stringify({ error: { message, type: "upstream_error", code: status } })}\n\n`;
      } finally {
        if (!abort.aborted) abort.abort("the stream ended");
        finish(status, usage, killedBy ?? "", generated);
        void self;
      }
    }
    return { status: 200, stream: { contentType: api === "ollama" ? "application/x-ndjson" : "text/event-stream", chunks: frames() } };
  }

  // ---------- control API ----------

  /** The kill switch over HTTP, for identities holding the "admin" scope; takes effect here at once. */
  private async controlKill(req: IncomingMessage, raw: Buffer): Promise<RouteResponse> {
    const auth = await this.authenticate(req);
    if (!auth.ok) return errorResponse("openai", { status: 401, code: auth.code, message: auth.message });
    if (!auth.principal.scopes.includes("admin")) return errorResponse("openai", { status: 403, code: "PERMISSION_DENIED", message: `identity ${auth.principal.id} lacks the "admin" scope the control API requires` });
    let body: Json;
    try {
      body = JSON.parse(raw.toString("utf8")) as Json;
    } catch {
      return errorResponse("openai", { status: 400, code: "USAGE", message: "the body is not JSON" });
    }
    const kind = body["kind"];
    const target = body["target"];
    const reason = body["reason"];
    if (!(KILL_KINDS as readonly unknown[]).includes(kind) || typeof target !== "string" || target === "" || typeof reason !== "string" || reason.trim() === "") {
      return errorResponse("openai", { status: 400, code: "USAGE", message: `the body must be {"kind": "${KILL_KINDS.join('" | "')}", "target": "...", "reason": "..."}` });
    }
    const k = await kill(this.deps.store, this.deps.audit(), { kind: kind as KillKind, target, reason, actor: `identity:${auth.principal.id}` });
    await this.refresh();
    return { status: 200, json: { killed: k } };
  }

  // ---------- listing ----------

  private async visibleTo(principal: Principal, path: string): Promise<ModelRoute[]> {
    return this.catalog.versions().filter(
      (r) =>
        this.kills.covers(principal.id, r.version.id, r.runtime.name) === null &&
        this.deps.authorize({
          principal,
          action: "list",
          model: { id: r.version.id, name: r.version.name, version: r.version.version, kind: r.version.kind, environments: r.version.environments, licenseTier: r.version.license.tier, state: r.state },
          context: { route: path, environment: r.runtime.environment, stream: false, tools: false, maxTokens: 0, promptChars: 0 },
        }).allow,
    );
  }

  private async listModels(req: IncomingMessage, api: Api): Promise<RouteResponse> {
    const auth = await this.authenticate(req);
    if (!auth.ok) return errorResponse(api, { status: 401, code: auth.code, message: auth.message });
    const visible = await this.visibleTo(auth.principal, api === "openai" ? "/v1/models" : "/api/tags");
    if (api === "openai") {
      return {
        status: 200,
        json: { object: "list", data: visible.map((r) => ({ id: r.version.id, object: "model", created: Math.floor(Date.parse(r.version.registeredAt) / 1000), owned_by: r.version.owner ?? "perimeter" })) },
      };
    }
    return {
      status: 200,
      json: {
        models: visible.map((r) => ({
          name: r.version.id,
          model: r.version.id,
          modified_at: r.version.registeredAt,
          size: r.version.size,
          digest: r.version.digest,
          details: { parent_model: r.version.parents[0] ?? "", format: r.version.formats.includes("gguf") ? "gguf" : (r.version.formats[0] ?? ""), family: r.version.modelCard.architecture ?? "", families: r.version.modelCard.architecture === undefined ? null : [r.version.modelCard.architecture], parameter_size: String(r.version.modelCard.parameterCount ?? ""), quantization_level: r.version.modelCard.quantization ?? "" },
        })),
      },
    };
  }

  private async show(req: IncomingMessage, raw: Buffer): Promise<RouteResponse> {
    const auth = await this.authenticate(req);
    if (!auth.ok) return errorResponse("ollama", { status: 401, code: auth.code, message: auth.message });
    let name: unknown;
    try {
      const body = JSON.parse(raw.toString("utf8")) as Json;
      name = body["model"] ?? body["name"];
    } catch {
      return errorResponse("ollama", { status: 400, code: "USAGE", message: "the body is not JSON" });
    }
    const visible = await this.visibleTo(auth.principal, "/api/show");
    const r = visible.find((v) => v.version.id === name || v.version.name === name);
    if (r === undefined) return errorResponse("ollama", { status: 404, code: "model_not_found", message: `model "${String(name)}" not found` });
    const v = r.version;
    return {
      status: 200,
      json: {
        license: v.license.expression ?? "",
        modelfile: "",
        parameters: "",
        template: "",
        details: { parent_model: v.parents[0] ?? "", format: v.formats.includes("gguf") ? "gguf" : (v.formats[0] ?? ""), family: v.modelCard.architecture ?? "", families: null, parameter_size: String(v.modelCard.parameterCount ?? ""), quantization_level: v.modelCard.quantization ?? "" },
        model_info: { "general.architecture": v.modelCard.architecture ?? "", "general.parameter_count": v.modelCard.parameterCount ?? 0 },
        capabilities: ["completion"],
        modified_at: v.registeredAt,
      },
    };
  }

  // ---------- helpers ----------

  private async authenticate(req: IncomingMessage): Promise<AuthResult> {
    try {
      return await this.deps.authenticate(req.headers.authorization);
    } catch (err) {
      // An error while checking credentials is a refusal, never a pass.
      return { ok: false, code: "AUTH_KEY_INVALID", message: `credentials could not be checked: ${asPerimeterError(err).message}` };
    }
  }

  /** A call whose client hung up before its answer: recorded as such; the answer goes nowhere. */
  private abandoned(api: Api, finish: (status: number, usage: Usage | undefined, reason: string) => void): RouteResponse {
    const why = "the client closed the connection before the answer";
    finish(CLIENT_CLOSED, undefined, why);
    return errorResponse(api, { status: CLIENT_CLOSED, code: "upstream_error", message: why });
  }

  /** Audit without holding the response; a failing audit log closes the gateway until it recovers. */
  private record(event: AuditEventInput): void {
    this.deps
      .audit()
      .record(event)
      .then(
        () => (this.auditFailing = undefined),
        (err: unknown) => {
          this.auditFailing = asPerimeterError(err).message;
          this.deps.logger?.error({ err }, "audit append failed: refusing calls until it succeeds");
          // Probe so that the gateway reopens once the log is writable again.
          setTimeout(() => this.record({ actor: "perimeter", action: "gateway.audit-probe", resource: "gateway", decision: "info" }), 1000).unref();
        },
      );
  }
}

/** What policies see as context.maxTokens when a request asks for no limit, or for one that is not a count. */
const UNBOUNDED_TOKENS = Number.MAX_SAFE_INTEGER;

/**
 * The most tokens a call may generate, as policies judge it (context.maxTokens) and as the runtime is told.
 * A request that names no max_tokens may otherwise generate until the model's context is full, whatever a
 * policy on max tokens says; so it is judged by its real ceiling: the context window when that is no more
 * than gateway.defaultMaxTokens (the runtime stops there by itself), else defaultMaxTokens, which is then sent
 * on as its max_tokens. (Sending it for a smaller window would make vLLM refuse the call.) A request asking
 * for no limit (Ollama's num_predict -1 or -2) or for a count that is not one is judged as asking for all
 * there is; if a policy allows that, the runtime is told no limit.
 */
function outputBudget(op: Operation, body: Json, fallback: number, contextLength: number | undefined): number {
  if (op === "embeddings" || op === "embed") return 0;
  const asked = body["max_completion_tokens"] ?? body["max_tokens"];
  if (asked === undefined || asked === null) {
    if (contextLength !== undefined && contextLength <= fallback) return contextLength;
    body["max_tokens"] = fallback;
    return fallback;
  }
  if (typeof asked === "number" && Number.isSafeInteger(asked) && asked > 0) return asked;
  delete body["max_tokens"];
  delete body["max_completion_tokens"];
  return contextLength ?? UNBOUNDED_TOKENS;
}

function upstreamMessage(body: Json): string | undefined {
  const e = body["error"];
  if (typeof e === "string") return e;
  if (e !== null && typeof e === "object" && typeof (e as Json)["message"] === "string") return (e as Json)["message"] as string;
  return undefined;
}

function errorResponse(api: Api, r: Refusal): RouteResponse {
  const headers = r.headers;
  if (api === "ollama") return { status: r.status, json: { error: r.message }, ...(headers === undefined ? {} : { headers }) };
  const type = OPENAI_ERROR_TYPE[r.status] ?? (r.status >= 500 ? "server_error" : "invalid_request_error");
  const code = r.code in ERROR_CODES || r.code === "model_not_found" || r.code === "upstream_error" ? r.code : "INTERNAL";
  return { status: r.status, json: { error: { message: r.message, type, param: null, code } }, ...(headers === undefined ? {} : { headers }) };
}
