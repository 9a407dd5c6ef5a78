import { createPublicKey, type KeyObject } from "node:crypto";
import type { PolicyUseRecorder } from "../policy/use.js";
import type { EnvironmentUseRecorder } from "../identity/environment-use.js";
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { Context } from "../app/context.js";
import { configPath } from "../config/load.js";
import type { ToolsConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import { Limits, type RedisLike } from "../gateway/limits.js";
import type { AuthResult } from "../identity/types.js";
import type { ScopeUseRecorder } from "../identity/scope-use.js";
import type { PolicyDecision, PolicyEngine, ToolPolicyRequest } from "../policy/engine.js";
import { CredentialIssuer } from "./credentials.js";
import { EgressPolicy, type EgressOptions } from "./egress.js";
import { ToolGateway, type ToolGatewayDeps } from "./gateway.js";
import { ToolGuards } from "./inspect.js";
import { ToolsService } from "./service.js";
import type { UpstreamDeps } from "./upstream.js";

export { isLoopbackHost } from "../http/loopback.js";

// Assemble the tool gateway and the operators' service from the configuration: the signing key for per-call
// credentials, the egress allow-list (with the configured tool servers' own hosts), the guards, the limits.

/** The credential issuer: tools.credentials.signingKey (created if missing) and the previous keys still published. */
export function credentialIssuer(ctx: Context, create = true): CredentialIssuer {
  const c = ctx.loaded.config.tools.credentials;
  const previousKeys: KeyObject[] = c.previousKeys.map((file) => {
    try {
      return createPublicKey(readFileSync(configPath(ctx.loaded, file), "utf8"));
    } catch (err) {
      throw new PerimeterError("SIGNING_KEY_INVALID", `cannot read tools.credentials.previousKeys ${file}: ${(err as Error).message}`);
    }
  });
  return CredentialIssuer.load(configPath(ctx.loaded, c.signingKey), { issuer: c.issuer, ttlSeconds: c.ttlSeconds, previousKeys, create });
}

/** The egress allow-list, with each configured HTTP tool server's host and port allowed. */
export function egressPolicy(config: ToolsConfig, options: { readonly resolve?: EgressOptions["resolve"] } = {}): EgressPolicy {
  const servers = config.servers.flatMap((s) => {
    if (s.url === undefined) return [];
    const u = new URL(s.url);
    return [`${u.hostname}:${u.port === "" ? (u.protocol === "https:" ? "443" : "80") : u.port}`];
  });
  return new EgressPolicy({ ...options, allow: [...config.egress.allow, ...servers], allowPrivate: config.egress.allowPrivate });
}

export function upstreamDeps(
  credentials: CredentialIssuer,
  egress: EgressPolicy,
  env: Readonly<Record<string, string | undefined>> = process.env,
): UpstreamDeps {
  return {
    fetch: egress.fetch,
    sessionToken: (server) => credentials.mint({ subject: "perimeter", audience: server.name, purpose: "mcp:session" }),
    secret: (server) => {
      if (server.credential.type !== "static") return "";
      const value = env[server.credential.secretEnv];
      if (value === undefined || value === "")
        throw new PerimeterError(
          "CONFIG_INVALID",
          `tool server ${server.name}'s secret is not set: set the environment variable ${server.credential.secretEnv}`,
        );
      return value;
    },
  };
}

export function toolsService(ctx: Context, options: { readonly resolve?: EgressOptions["resolve"] } = {}): ToolsService {
  const config = ctx.loaded.config;
  const egress = egressPolicy(config.tools, options);
  return new ToolsService({
    store: ctx.store,
    audit: ctx.audit,
    config: config.tools,
    guards: new ToolGuards(config.tools.guards, config.guards),
    upstream: upstreamDeps(credentialIssuer(ctx), egress),
  });
}

export interface StartToolsOptions {
  authenticate(authorization: string | undefined): Promise<AuthResult>;
  /** The policies in force now (an applied set replaces them while the gateway runs). */
  readonly engine: () => PolicyEngine;
  /** Notes the scopes an allowed call needed. */
  readonly scopeUse?: ScopeUseRecorder | undefined;
  /** Notes the policies that decided a call. */
  readonly policyUse?: PolicyUseRecorder | undefined;
  /** Notes identities refused for belonging to another environment. */
  readonly environmentUse?: EnvironmentUseRecorder | undefined;
  /** The gateway's per-identity audit budget for refusals. */
  readonly admitRefusal?: ToolGatewayDeps["admitRefusal"];
  readonly redis?: RedisLike | undefined;
  readonly logger?: Logger | undefined;
  /** The gateway listens on loopback only. */
  readonly loopback: boolean;
  /** Tests inject a resolver so that no name is looked up for real. */
  readonly resolve?: EgressOptions["resolve"];
}

/** The tool gateway, when tools.servers names any; undefined otherwise. */
export async function startTools(ctx: Context, options: StartToolsOptions): Promise<ToolGateway | undefined> {
  const config = ctx.loaded.config;
  if (config.tools.servers.length === 0) return undefined;
  const credentials = credentialIssuer(ctx);
  const egress = egressPolicy(config.tools, options.resolve === undefined ? {} : { resolve: options.resolve });
  const limits = new Limits(
    { identity: config.tools.limits.identity, model: config.tools.limits.tool, streamLeaseSeconds: config.gateway.limits.streamLeaseSeconds },
    options.redis,
    { identity: "tool-identity", model: "tool" },
  );
  return ToolGateway.start({
    store: ctx.store,
    audit: ctx.audit,
    config: config.tools,
    pollMs: config.gateway.killPollMs,
    authenticate: options.authenticate,
    authorize: cachedToolDecisions(options.engine, options.scopeUse, options.policyUse),
    limits,
    credentials,
    egress,
    guards: new ToolGuards(config.tools.guards, config.guards),
    upstream: upstreamDeps(credentials, egress),
    loopback: options.loopback,
    logger: options.logger,
    environments: config.gateway.environments,
    environmentUse: options.environmentUse,
    admitRefusal: options.admitRefusal,
  });
}

/**
 * Listing asks Cedar once per tool per tools/list: decisions that cannot depend on the arguments (listing,
 * or no policy reads context.call or context.guards) are reused for a second.
 */
export function cachedToolDecisions(
  engine: () => PolicyEngine,
  scopeUse?: ScopeUseRecorder,
  policyUse?: PolicyUseRecorder,
  ttlMs = 1000,
  max = 10_000,
): (r: ToolPolicyRequest) => PolicyDecision {
  let current: PolicyEngine | undefined;
  let argumentBlind = false;
  const cache = new Map<string, { decision: PolicyDecision; at: number }>();
  return (r) => {
    const e = engine();
    if (e !== current) {
      // New policies: nothing decided under the old ones is reused.
      current = e;
      const reads = e.contextAttributes;
      argumentBlind = reads !== "all" && !reads.has("call") && !reads.has("guards");
      cache.clear();
    }
    const decide = (req: ToolPolicyRequest): PolicyDecision => {
      const d = e.authorizeTool(req);
      // A listing is not a use of a tool: only calls count as exercising the policy that decided them.
      if (!req.listing) policyUse?.decided(d.policies);
      if (d.allow && !req.listing) scopeUse?.allowed(req.principal, (p) => e.authorizeTool({ ...req, principal: p }).allow);
      return d;
    };
    if (!r.listing && !argumentBlind) return decide(r);
    const p = r.principal;
    const key = `${p.id}\u0000${p.environment}\u0000${p.scopes.join(",")}\u0000${r.tool.id}\u0000${r.tool.approval}\u0000${r.listing}`;
    const now = performance.now();
    const hit = cache.get(key);
    if (hit !== undefined && now - hit.at < ttlMs) return hit.decision;
    const decision = decide(r);
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(key, { decision, at: now });
    return decision;
  };
}
