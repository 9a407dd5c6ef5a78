import { listKills } from "../killswitch/index.js";
import type { Logger } from "pino";
import type { Context } from "../app/context.js";
import { PerimeterError } from "../errors.js";
import { bearerKind, JwtVerifier } from "../identity/jwt.js";
import { IdentityService, type AuthCacheOptions } from "../identity/service.js";
import type { AuthResult } from "../identity/types.js";
import { EnvironmentUseRecorder, foreignEnvironment } from "../identity/environment-use.js";
import { ScopeUseRecorder } from "../identity/scope-use.js";
import { PolicyUseRecorder } from "../policy/use.js";
import { LivePolicies } from "../policy/applied.js";
import { PolicyEngine } from "../policy/engine.js";
import type { OpenAIDialect } from "../runtimes/dialect.js";
import { Gateway, type AuthorizeRequest, type PolicyDecision } from "./gateway.js";
import { Limits, type RedisLike } from "./limits.js";
import type { Guards } from "./pipeline.js";
import { GuardEngine, guardsFromConfig } from "../guards/index.js";
import { guardModelsFromConfig, namedGuardModels, type GuardModelDeps } from "./guard-models.js";
import { LiveMonitor } from "../evals/monitor.js";
import { monitorJudges } from "../evals/monitor-judges.js";
import { killSwitchFor } from "../app/services.js";
import { configPath } from "../config/load.js";
import { RuntimePool, type EmbeddedFactory } from "./runtime-pool.js";
import { startTracing } from "./tracing.js";
import { VERSION } from "../version.js";
import type { EgressOptions } from "../tools/egress.js";
import type { ToolGateway } from "../tools/gateway.js";
import { isLoopbackHost, startTools } from "../tools/start.js";

// Assemble the gateway from the configuration: identities (API keys, JWT issuers), the Cedar policy set,
// limits (Redis when configured), the runtime clients and the catalog.

export interface StartedGateway {
  readonly gateway: Gateway;
  /** The tool gateway (/mcp), when tools.servers names any. */
  readonly tools: ToolGateway | undefined;
  /** The guards of its serve pipeline. */
  readonly guards: Guards;
  /** How a call's Authorization header is checked (API key or JWT): the control API authenticates the same way. */
  authenticate(authorization: string | undefined): Promise<AuthResult>;
  /** The identities behind API keys, with the same caches the gateway uses. */
  readonly identities: IdentityService;
  /** Where decisions note the scopes that made a difference (the control API's decisions too). */
  readonly scopeUse: ScopeUseRecorder;
  /** Something that decides calls changed (a table, or anything): read again, or forget, what it decides. */
  changed(table?: string): void;
  /** Read the gateway's policy sets again now (an apply through this process's control API). */
  refreshPolicies(): Promise<void>;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  readonly logger?: Logger | undefined;
  readonly embedded?: EmbeddedFactory | undefined;
  /** How long an authenticated key is trusted before the store is read again (revocation delay). */
  readonly identityCache?: AuthCacheOptions | undefined;
  /** The guards of the serve pipeline, instead of those the configuration (guards) turns on. */
  readonly guards?: Guards | undefined;
  /** How the tool gateway resolves names for its egress checks (tests inject one: no real lookups). */
  readonly resolve?: EgressOptions["resolve"];
}

export async function startGateway(ctx: Context, options: StartGatewayOptions = {}): Promise<StartedGateway> {
  const config = ctx.loaded.config;
  // Redis first: a gateway that cannot reach it stops before anything else has started.
  let redis: (RedisLike & { disconnect(): void }) | undefined;
  if (config.gateway.redisUrl !== undefined) {
    // ioredis is CommonJS: its class is the named export under Node's loader, and only `default` once bundled.
    const ioredis = await import("ioredis");
    const Redis = (ioredis.Redis ?? (ioredis as unknown as { default: typeof ioredis.Redis }).default) as typeof ioredis.Redis;
    // A command that hangs (a network that drops packets) fails after commandTimeout: the call is refused, not held.
    // Auto-pipelining: the limits' commands of calls arriving together go out in one write (a quarter of a
    // replica's CPU went to writing each command to the socket on its own).
    const client = new Redis(config.gateway.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 2000, enableAutoPipelining: true });
    try {
      await client.ping();
    } catch (err) {
      client.disconnect();
      throw new PerimeterError("STORE_UNAVAILABLE", `cannot reach Redis at gateway.redisUrl for the shared limits: ${(err as Error).message}`, { cause: err });
    }
    // Without a listener ioredis writes every failed reconnect to stderr. Said once per outage in the log;
    // meanwhile each call the limits cannot be checked for is refused with 503 and audited.
    let down: string | undefined;
    client.on("error", (err: Error) => {
      if (down === err.message) return;
      down = err.message;
      options.logger?.error({ err: err.message }, "Redis for the shared limits cannot be reached: calls are refused until it is back");
    });
    client.on("ready", () => {
      if (down !== undefined) options.logger?.info("Redis for the shared limits is reachable again");
      down = undefined;
    });
    redis = client;
  }
  const identities = new IdentityService(
    { store: ctx.store, audit: ctx.audit, config: config.identity, ...(options.logger === undefined ? {} : { logger: options.logger }) },
    options.identityCache,
  );
  const jwt = config.identity.jwtIssuers.length > 0 ? JwtVerifier.fromConfig(ctx.loaded) : undefined;
  // The policies in force: the newest applied set (perimeter policy apply, the control API), else policy.files.
  const policies = new LivePolicies({ store: ctx.store, target: "gateway", fromConfig: () => PolicyEngine.fromConfig(ctx.loaded), logger: options.logger });
  await policies.refresh();
  const engine = (): PolicyEngine => policies.engine;
  // Which scopes made a difference (the access review's unused scopes): asked only when a decision is not cached.
  const scopeUse = new ScopeUseRecorder(ctx.store, options.logger);
  const environmentUse = new EnvironmentUseRecorder(ctx.store, options.logger);
  // Which policies decide calls (the access review's permits never exercised).
  const policyUse = new PolicyUseRecorder(ctx.store, "gateway", options.logger);
  policyUse.inForce(policies.engine.policies.map((p) => p.id));
  const judged =
    (e: PolicyEngine) =>
    (r: AuthorizeRequest): PolicyDecision => {
      const d = e.authorize(r);
      policyUse.decided(d.policies);
      if (d.allow) scopeUse.allowed(r.principal, (p) => e.authorize({ ...r, principal: p }).allow);
      return d;
    };
  let decide = cachedDecisions(judged(policies.engine), policies.engine.contextAttributes);
  policies.onChange((e) => {
    policyUse.inForce(e.policies.map((p) => p.id));
    decide = cachedDecisions(judged(e), e.contextAttributes);
  });
  const limits = new Limits(config.gateway.limits, redis);
  const pool = new RuntimePool({ timeoutMs: config.gateway.upstreamTimeoutMs, embedded: options.embedded ?? defaultEmbedded() });
  const authenticate = async (authorization: string | undefined): Promise<AuthResult> => {
    if (authorization === undefined || authorization === "")
      return { ok: false, code: "AUTH_MISSING", message: "no credentials: send Authorization: Bearer <API key or JWT>" };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) return { ok: false, code: "AUTH_MISSING", message: "the Authorization header must be Bearer <API key or JWT>" };
    const bearer = match[1] as string;
    if (bearerKind(bearer) === "jwt") {
      if (jwt === undefined)
        return { ok: false, code: "AUTH_TOKEN_INVALID", message: "a JWT was presented, and no JWT issuers are configured (identity.jwtIssuers)" };
      return jwt.verify(bearer);
    }
    return identities.authenticateApiKey(bearer);
  };
  // Guard models are reached through the gateway's catalog and runtime pool, once the gateway is up.
  let started: Gateway | undefined;
  const guardModelDeps: GuardModelDeps = {
    route: (model, environment) => (started === undefined ? "the gateway is starting" : started.guardRoute(model, environment)),
    runtimeFor: (route) => pool.runtimeFor(route),
    path: (p) => configPath(ctx.loaded, p),
    upstreamTimeoutMs: config.gateway.upstreamTimeoutMs,
  };
  const guards =
    options.guards ??
    guardsFromConfig(config.guards, {
      policiesReadGuards: () => {
        const reads = engine().contextAttributes;
        return reads === "all" || reads.has("guards");
      },
      models: guardModelsFromConfig(config.guards.models, guardModelDeps),
    });
  // The live monitor: its kills go through the kill switch like a person's, and apply here at once.
  const monitorConfig = config.evals.monitor;
  const monitor = monitorConfig.enabled
    ? new LiveMonitor({
        config: monitorConfig,
        judges: monitorJudges(namedGuardModels(config.guards.models, monitorConfig.judges, "evals.monitor.judges", guardModelDeps)),
        audit: (event) => ctx.audit().append(event),
        kill: async (kind, target, reason) => {
          await killSwitchFor(ctx).kill({ kind, target, reason, actor: "perimeter:monitor" });
          await started?.refreshKills();
        },
        inForce: async (kind, target) => (await listKills(ctx.store)).some((k) => k.kind === kind && k.target === target),
        logger: options.logger,
      }).start()
    : undefined;
  const tracing = await startTracing(config.gateway, VERSION);
  if (tracing !== undefined) options.logger?.info({ endpoint: tracing.endpoint }, "OpenTelemetry traces on");
  const gateway = await Gateway.start({
    tracing,
    store: ctx.store,
    audit: ctx.audit,
    config: config.gateway,
    authenticate,
    authorize: (r) => decide(r),
    refreshAlso: () => policies.refresh(),
    limits,
    runtimeFor: (route) => pool.runtimeFor(route),
    logger: options.logger,
    guards,
    monitor,
    environmentUse,
  });
  started = gateway;
  let tools: ToolGateway | undefined;
  try {
    tools = await startTools(ctx, {
      authenticate,
      engine,
      scopeUse,
      policyUse,
      environmentUse,
      admitRefusal: (id, r) => gateway.identityRefusals.admit(id, r),
      redis,
      logger: options.logger,
      loopback: isLoopbackHost(config.gateway.host),
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    });
  } catch (err) {
    gateway.close();
    await monitor?.close();
    throw err;
  }
  // What decides calls changed somewhere (this process's control API, the CLI, another replica): read again
  // what that table decides, no more — the kills alone after a kill, the policy sets alone after an apply,
  // the tool gateway's kills and pins; cached keys are forgotten after an identity or key change (no read: the
  // next call reads its key). Anything else, or not knowing what (a reconnect), reads everything.
  const warn = (what: string) => (err: unknown) => options.logger?.warn({ err }, `reading ${what} after a change failed`);
  const refreshTools = coalesced(async () => {
    await tools?.refresh();
  });
  const refreshPolicies = coalesced(async () => {
    await policies.refresh();
    options.logger?.debug("read the policy sets");
  });
  // A flood of notifications (anyone who can connect to the database can send them) must not keep the cache empty.
  const forgetKeys = throttled(() => {
    identities.forgetAll();
    options.logger?.debug("forgot the cached keys");
  }, FORGET_KEYS_MS);
  const changed = (table?: string): void => {
    const everything = table === undefined;
    if (everything || KEY_TABLES.has(table)) forgetKeys();
    if (table === "policy_sets") void refreshPolicies().catch(warn("the policy sets"));
    else if (everything || !(KEY_TABLES.has(table) || TOOL_TABLES.has(table))) gateway.changed(table);
    if (tools !== undefined && (everything || table === "kills" || TOOL_TABLES.has(table))) void refreshTools().catch(warn("the tool gateway's state"));
  };
  // PostgreSQL pushes each committed change (migration 0015); the poll (killPollMs) stays the reconciliation
  // that catches a gateway up on what it missed, and the fail-closed window bounds a gateway that hears nothing.
  const watch = ctx.store.watchChanges?.({
    change: (table) => {
      options.logger?.debug({ table }, "the store says it changed");
      changed(table);
    },
    connected: () => changed(),
    lost: (reason) => options.logger?.warn({ reason }, "lost the store's change notifications: reconnecting; until then changes are read on the poll"),
  });
  // The control API on this listener is pinned like the gateway: an identity of another environment is refused
  // there too (it could otherwise make identities for this one), and its use is noted.
  const pinned = config.gateway.environments;
  const controlAuthenticate = async (authorization: string | undefined): Promise<AuthResult> => {
    const auth = await authenticate(authorization);
    const foreign = auth.ok ? foreignEnvironment(auth.principal, pinned) : undefined;
    if (!auth.ok || foreign === undefined) return auth;
    for (const environment of pinned) environmentUse.presented(auth.principal, environment);
    return { ok: false, code: "AUTH_WRONG_ENVIRONMENT", message: foreign.reason };
  };
  return {
    gateway,
    tools,
    guards,
    authenticate: controlAuthenticate,
    identities,
    scopeUse,
    changed,
    refreshPolicies,
    async close() {
      await watch?.close();
      await tools?.close();
      await monitor?.close();
      gateway.close();
      if (guards instanceof GuardEngine) await guards.close();
      await pool.close();
      await identities.flush();
      await scopeUse.flush();
      await environmentUse.flush();
      await policyUse.flush();
      limits.close();
      redis?.disconnect();
      // Spans still buffered go out now; a collector that is down must not hold the shutdown.
      await tracing?.shutdown().catch((err: unknown) => options.logger?.warn({ err }, "sending the last traces failed"));
    },
  };
}

/** Tables whose changes only mean cached keys must go, and those only the tool gateway reads. */
const KEY_TABLES: ReadonlySet<string> = new Set(["identities", "api_keys"]);
const TOOL_TABLES: ReadonlySet<string> = new Set(["tool_pins", "tool_approvals"]);
/** Cached keys are forgotten at once on a change, and at most this often while changes keep coming. */
const FORGET_KEYS_MS = 100;

/**
 * `work` at once, then at most once per `ms`: asked again within that time, it runs once more at its end (so
 * every ask is followed by a run), however many times it was asked.
 */
export function throttled(work: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let again = false;
  const run = (): void => {
    work();
    timer = setTimeout(() => {
      timer = undefined;
      if (!again) return;
      again = false;
      run();
    }, ms);
    timer.unref();
  };
  return () => {
    if (timer === undefined) run();
    else again = true;
  };
}

/**
 * `work` run on demand, at most once at a time: asked again while it runs, it runs once more after (what changed
 * meanwhile is seen then); asked many times meanwhile, still once more. A flood of asks costs two runs.
 */
export function coalesced(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again: Promise<void> | undefined;
  const run = (): Promise<void> => {
    running = work().finally(() => {
      running = undefined;
    });
    return running;
  };
  return () => {
    if (running === undefined) return run();
    again ??= running
      .catch(() => undefined)
      .then(() => {
        again = undefined;
        return run();
      });
    return again;
  };
}

/** The embedded llama.cpp runtime, loaded only when a model on it is first called. */
export function defaultEmbedded(): EmbeddedFactory {
  let mod: Promise<typeof import("../runtimes/embedded-runtime.js")> | undefined;
  return (models) => {
    let runtime: OpenAIDialect | undefined;
    const get = async () => {
      if (runtime === undefined) {
        mod ??= import("../runtimes/embedded-runtime.js");
        runtime = (await mod).createEmbeddedRuntime({ models });
      }
      return runtime;
    };
    return {
      call: async (path, body, signal) => (await get()).call(path, body, signal),
      close: async () => runtime?.close(),
    };
  };
}

/**
 * Cedar decisions depend only on the request's attributes: the same attributes get the same answer, so a
 * decision is reused for a second (bounded), and the ~150 µs evaluation leaves the hot path. Of the
 * context, only the attributes some policy reads are part of the key (all of them when a policy uses the
 * context whole): otherwise a value that varies on every call and decides nothing, like the prompt's
 * length, would make every call a miss.
 */
export function cachedDecisions(
  authorize: (r: AuthorizeRequest) => PolicyDecision,
  contextAttributes: ReadonlySet<string> | "all",
  ttlMs = 1000,
  max = 10_000,
): (r: AuthorizeRequest) => PolicyDecision {
  const cache = new Map<string, { decision: PolicyDecision; at: number }>();
  const read = contextAttributes === "all" ? undefined : [...contextAttributes].sort();
  return (r) => {
    const p = r.principal;
    const m = r.model;
    const c = r.context as unknown as Record<string, unknown>;
    let context = "";
    if (read === undefined) context = JSON.stringify(r.context);
    else
      for (const name of read) {
        const v = c[name];
        context += `\u0000${v !== null && typeof v === "object" ? JSON.stringify(v) : String(v)}`;
      }
    const key = `${p.id}\u0000${p.environment}\u0000${p.scopes.join(",")}\u0000${r.action}\u0000${m.id}\u0000${m.state}\u0000${m.licenseTier}\u0000${m.environments.join(",")}\u0000${context}`;
    const now = performance.now();
    const hit = cache.get(key);
    if (hit !== undefined && now - hit.at < ttlMs) return hit.decision;
    const decision = authorize(r);
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(key, { decision, at: now });
    return decision;
  };
}
