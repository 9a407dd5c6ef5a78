import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { GatewayConfig } from "../config/schema.js";

// Limits per identity and per model version: requests per minute, tokens per minute (prompt + completion,
// charged when the runtime reports them), concurrent streams. In memory by default; in Redis when
// gateway.redisUrl is set, so every gateway process shares one budget. Concurrent streams are counted per
// process.

type LimitSpec = GatewayConfig["limits"]["identity"];

export interface LimitDecision {
  readonly allow: boolean;
  readonly reason: string;
  /** Seconds until a retry can succeed (Retry-After). */
  readonly retryAfterSeconds: number;
}

const OK: LimitDecision = { allow: true, reason: "", retryAfterSeconds: 0 };

interface Scope {
  readonly requests: RateLimiterAbstract | undefined;
  readonly tokens: RateLimiterAbstract | undefined;
  readonly streams: number | undefined;
  readonly open: Map<string, number>;
}

export interface RedisLike {
  quit(): Promise<unknown>;
}

export class Limits {
  private readonly identity: Scope;
  private readonly model: Scope;

  constructor(config: GatewayConfig["limits"], redis?: RedisLike) {
    const make = (spec: LimitSpec, scope: string): Scope => ({
      requests: spec.requestsPerMinute === undefined ? undefined : limiter(redis, `perimeter:rpm:${scope}`, spec.requestsPerMinute),
      tokens: spec.tokensPerMinute === undefined ? undefined : limiter(redis, `perimeter:tpm:${scope}`, spec.tokensPerMinute),
      streams: spec.concurrentStreams,
      open: new Map(),
    });
    this.identity = make(config.identity, "identity");
    this.model = make(config.model, "model");
  }

  /** Take one request from each budget; refuse when any is spent or any token budget is already exhausted. */
  async admit(identityId: string, modelId: string, stream: boolean): Promise<LimitDecision> {
    for (const [scope, key, what] of [
      [this.identity, identityId, `identity ${identityId}`],
      [this.model, modelId, `model ${modelId}`],
    ] as const) {
      if (scope.tokens !== undefined) {
        const used = await scope.tokens.get(key);
        if (used !== null && used.remainingPoints <= 0) return refuse(`${what} has used its tokens per minute`, used.msBeforeNext);
      }
      if (scope.requests !== undefined) {
        try {
          await scope.requests.consume(key, 1);
        } catch (err) {
          if (err instanceof RateLimiterRes) return refuse(`${what} is over its requests per minute`, err.msBeforeNext);
          throw err;
        }
      }
      if (stream && scope.streams !== undefined && (scope.open.get(key) ?? 0) >= scope.streams) {
        return refuse(`${what} has ${scope.streams} streams open already`, 1000);
      }
    }
    return OK;
  }

  /** A stream started: count it until `release` is called. */
  openStream(identityId: string, modelId: string): () => void {
    const inc = (scope: Scope, key: string, by: number) => {
      const n = (scope.open.get(key) ?? 0) + by;
      if (n <= 0) scope.open.delete(key);
      else scope.open.set(key, n);
    };
    inc(this.identity, identityId, 1);
    inc(this.model, modelId, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inc(this.identity, identityId, -1);
      inc(this.model, modelId, -1);
    };
  }

  /** Charge the tokens a call used; going over only blocks the next call. */
  async chargeTokens(identityId: string, modelId: string, tokens: number): Promise<void> {
    if (tokens <= 0) return;
    for (const [scope, key] of [
      [this.identity, identityId],
      [this.model, modelId],
    ] as const) {
      if (scope.tokens === undefined) continue;
      await scope.tokens.penalty(key, tokens);
    }
  }
}

function limiter(redis: RedisLike | undefined, keyPrefix: string, points: number): RateLimiterAbstract {
  return redis === undefined
    ? new RateLimiterMemory({ keyPrefix, points, duration: 60 })
    : new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: 60, useRedisPackage: false });
}

function refuse(reason: string, msBeforeNext: number): LimitDecision {
  return { allow: false, reason, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) };
}
