import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { GatewayConfig } from "../config/schema.js";

// Limits per identity and per model version: requests per minute, tokens per minute (prompt + completion,
// charged when the runtime reports them), concurrent streams. In memory by default; in Redis when
// gateway.redisUrl is set, so every gateway process shares one budget. A stream holds a lease (in Redis, a
// member of a sorted set scored by its expiry on Redis's own clock, renewed while the stream runs), so a
// gateway that dies without releasing its streams frees their slots when the leases run out
// (gateway.limits.streamLeaseSeconds), and gateways whose clocks disagree still agree on what has expired.

type LimitSpec = GatewayConfig["limits"]["identity"];

export interface LimitDecision {
  readonly allow: boolean;
  readonly reason: string;
  /** Seconds until a retry can succeed (Retry-After). */
  readonly retryAfterSeconds: number;
}

const NOTHING = (): void => undefined;
const OK: LimitDecision = { allow: true, reason: "", retryAfterSeconds: 0 };
const ADMITTED: Admission = { ...OK, release: NOTHING };

interface Scope {
  readonly name: string;
  readonly requests: RateLimiterAbstract | undefined;
  readonly tokens: RateLimiterAbstract | undefined;
  readonly streams: number | undefined;
}

export interface RedisLike {
  quit(): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** A decision to admit a call, and for a stream, what gives its slots back when it ends. */
export interface Admission extends LimitDecision {
  release(): void;
}

/** Streams open per key: in this process, or across every gateway sharing Redis. */
interface StreamSlots {
  /** Take a slot when fewer than `limit` are held; the lease id, or null when full. */
  take(key: string, limit: number): Promise<string | null>;
  give(key: string, lease: string): void;
  close(): void;
}

class LocalSlots implements StreamSlots {
  private readonly open = new Map<string, number>();
  private next = 0;

  take(key: string, limit: number): Promise<string | null> {
    const n = this.open.get(key) ?? 0;
    if (n >= limit) return Promise.resolve(null);
    this.open.set(key, n + 1);
    return Promise.resolve(String(++this.next));
  }

  give(key: string): void {
    const n = (this.open.get(key) ?? 0) - 1;
    if (n <= 0) this.open.delete(key);
    else this.open.set(key, n);
  }

  close(): void {}
}

// Redis's clock in milliseconds: every gateway scores and expires leases on the same clock. TIME may run
// before writes because scripts replicate their effects (Redis 5+; the call asks for it on older servers).
const REDIS_NOW = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Drop expired leases, then add ours if there is room; one round trip, atomic in Redis.
// KEYS[1] the slot set; ARGV: limit, lease ms, lease id.
const TAKE_SCRIPT = `${REDIS_NOW}
local lease = tonumber(ARGV[2])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if redis.call("ZCARD", KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call("ZADD", KEYS[1], now + lease, ARGV[3])
redis.call("PEXPIRE", KEYS[1], lease * 2)
return 1`;

// Push each held lease's expiry out, and its set's, so a stream that outlives the lease keeps its slot.
// KEYS: the slot set of each lease; ARGV: lease ms, then the lease ids in the order of KEYS.
const RENEW_SCRIPT = `${REDIS_NOW}
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if redis.call("ZADD", key, "XX", "CH", now + lease, ARGV[i + 1]) == 1 then redis.call("PEXPIRE", key, lease * 2) end
end
return 1`;

class RedisSlots implements StreamSlots {
  private readonly held = new Map<string, string>(); // lease -> key
  private readonly id = `${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  private next = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisLike,
    private readonly leaseMs: number,
  ) {
    // Running streams keep their leases: renewed well before they expire.
    this.timer = setInterval(() => void this.renew(), leaseMs / 4);
    this.timer.unref();
  }

  async take(key: string, limit: number): Promise<string | null> {
    const lease = `${this.id}.${++this.next}`;
    const ok = await this.redis.eval(TAKE_SCRIPT, 1, `perimeter:streams:${key}`, limit, this.leaseMs, lease);
    if (Number(ok) !== 1) return null;
    this.held.set(lease, key);
    return lease;
  }

  give(key: string, lease: string): void {
    this.held.delete(lease);
    // If this fails the lease simply expires; the slot is free again within the lease period.
    void this.redis.eval('return redis.call("ZREM", KEYS[1], ARGV[1])', 1, `perimeter:streams:${key}`, lease).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const entries = [...this.held];
    await this.redis
      .eval(RENEW_SCRIPT, entries.length, ...entries.map(([, key]) => `perimeter:streams:${key}`), this.leaseMs, ...entries.map(([lease]) => lease))
      .catch(() => undefined);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export class Limits {
  private readonly identity: Scope;
  private readonly model: Scope;

  private readonly slots: StreamSlots;

  constructor(config: GatewayConfig["limits"], redis?: RedisLike) {
    const make = (spec: LimitSpec, scope: string): Scope => ({
      name: scope,
      requests: spec.requestsPerMinute === undefined ? undefined : limiter(redis, `perimeter:rpm:${scope}`, spec.requestsPerMinute),
      tokens: spec.tokensPerMinute === undefined ? undefined : limiter(redis, `perimeter:tpm:${scope}`, spec.tokensPerMinute),
      streams: spec.concurrentStreams,
    });
    this.identity = make(config.identity, "identity");
    this.model = make(config.model, "model");
    this.slots = redis === undefined ? new LocalSlots() : new RedisSlots(redis, config.streamLeaseSeconds * 1000);
  }

  close(): void {
    this.slots.close();
  }

  /** Each scope a call counts against: its limits, its key in them, and how a refusal names it. */
  private scopes(identityId: string, modelId: string): ReadonlyArray<readonly [Scope, string, string]> {
    return [
      [this.identity, identityId, `identity ${identityId}`],
      [this.model, modelId, `model ${modelId}`],
    ];
  }

  /** Take one request from each budget; refuse when any is spent or any token budget is already exhausted. */
  async admit(identityId: string, modelId: string, stream: boolean): Promise<Admission> {
    const scopes = this.scopes(identityId, modelId);
    for (const [scope, key, what] of scopes) {
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
    }
    if (!stream) return ADMITTED;
    // A stream takes a slot in each scope that limits streams, atomically per scope; all or none.
    const taken: Array<[string, string]> = [];
    const release = () => {
      for (const [key, lease] of taken.splice(0)) this.slots.give(key, lease);
    };
    for (const [scope, key, what] of scopes) {
      if (scope.streams === undefined) continue;
      const slotKey = `${scope.name}:${key}`;
      let lease: string | null;
      try {
        lease = await this.slots.take(slotKey, scope.streams);
      } catch (err) {
        release();
        throw err;
      }
      if (lease === null) {
        release();
        return refuse(`${what} has ${scope.streams} streams open already`, 1000);
      }
      taken.push([slotKey, lease]);
    }
    return { ...OK, release };
  }

  /** Charge the tokens a call used; going over only blocks the next call. */
  async chargeTokens(identityId: string, modelId: string, tokens: number): Promise<void> {
    if (tokens <= 0) return;
    for (const [scope, key] of this.scopes(identityId, modelId)) {
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

function refuse(reason: string, msBeforeNext: number): Admission {
  return { allow: false, reason, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)), release: NOTHING };
}
