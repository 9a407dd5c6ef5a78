import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { GatewayConfig } from "../config/schema.js";

// Limits per identity and per model version: requests per minute, tokens per minute, concurrent calls and
// concurrent streams. In memory by default; in Redis when gateway.redisUrl is set, so every gateway process
// shares one budget.
//
// Tokens are reserved before a call runs — the most it may use (its prompt's estimate plus max_tokens × n) —
// and settled to what it really used when it ends. Checking a budget and charging it after the call let
// parallel calls each pass the check before any had been charged; a reservation that does not fit is refused
// up front, and one larger than the whole budget can never fit, so it is refused saying so.
//
// A running call holds a slot in each scope that limits concurrency (every call: concurrentCalls; streams
// also: concurrentStreams). In Redis a slot is a lease, a member of a sorted set scored by its expiry on
// Redis's own clock, renewed while the call runs, so a gateway that dies without releasing its calls frees
// their slots when the leases run out (gateway.limits.streamLeaseSeconds), and gateways whose clocks disagree
// still agree on what has expired.

type LimitSpec = GatewayConfig["limits"]["identity"];

export interface LimitDecision {
  readonly allow: boolean;
  readonly reason: string;
  /** Seconds until a retry can succeed (Retry-After). */
  readonly retryAfterSeconds: number;
}

const NOTHING = (): void => undefined;
const SETTLED = (): Promise<void> => Promise.resolve();
const ADMITTED: Admission = { allow: true, reason: "", retryAfterSeconds: 0, release: NOTHING, settle: SETTLED };

interface Scope {
  readonly name: string;
  readonly requests: RateLimiterAbstract | undefined;
  readonly tokens: RateLimiterAbstract | undefined;
  readonly tokensPerMinute: number | undefined;
  readonly streams: number | undefined;
  readonly calls: number | undefined;
}

export interface RedisLike {
  quit(): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** A decision to admit a call; when admitted, what gives its slots back and settles its tokens when it ends. */
export interface Admission extends LimitDecision {
  /** Give back the call's concurrency slots (at once, when the call is over). */
  release(): void;
  /** Charge what the call really used in place of its reservation; refunds the difference or charges more. */
  settle(tokens: number): Promise<void>;
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
  /** Whether any limit is configured: with none, admitting a call costs nothing. */
  private readonly any: boolean;
  /** Whether any scope limits tokens: only then is a prompt worth estimating before the call. */
  readonly limitsTokens: boolean;

  private readonly slots: StreamSlots;

  /**
   * `scopes` names the two scopes in keys and messages: an identity and a model version for model calls; the
   * tool gateway's own Limits names the second `tool` (and the first `tool-identity`, so its budgets are not the
   * model calls').
   */
  constructor(
    config: Pick<GatewayConfig["limits"], "identity" | "model" | "streamLeaseSeconds">,
    redis?: RedisLike,
    scopes: { readonly identity: string; readonly model: string } = { identity: "identity", model: "model" },
  ) {
    const make = (spec: LimitSpec, scope: string): Scope => ({
      name: scope,
      requests: spec.requestsPerMinute === undefined ? undefined : limiter(redis, `perimeter:rpm:${scope}`, spec.requestsPerMinute),
      tokens: spec.tokensPerMinute === undefined ? undefined : limiter(redis, `perimeter:tpm:${scope}`, spec.tokensPerMinute),
      tokensPerMinute: spec.tokensPerMinute,
      streams: spec.concurrentStreams,
      calls: spec.concurrentCalls,
    });
    this.identity = make(config.identity, scopes.identity);
    this.model = make(config.model, scopes.model);
    const set = (s: Scope) => s.requests !== undefined || s.tokens !== undefined || s.streams !== undefined || s.calls !== undefined;
    this.any = set(this.identity) || set(this.model);
    this.limitsTokens = this.identity.tokens !== undefined || this.model.tokens !== undefined;
    this.slots = redis === undefined ? new LocalSlots() : new RedisSlots(redis, config.streamLeaseSeconds * 1000);
  }

  close(): void {
    this.slots.close();
  }

  /**
   * Admit a call: take one request from each budget, reserve `reserveTokens` from each token budget, and take
   * a concurrency slot where calls (and, for a stream, streams) are limited; all or none. Refused when any
   * budget is spent, the reservation does not fit, or the slots are full. Throws when the limits cannot be
   * checked (Redis unreachable): the caller refuses the call.
   */
  async admit(identityId: string, modelId: string, stream: boolean, reserveTokens = 0): Promise<Admission> {
    if (!this.any) return ADMITTED;
    const held = new Held(this.slots, this.identity, this.model, identityId, modelId);
    try {
      const refused = (await this.takeRequests(held)) ?? (await this.reserve(held, reserveTokens)) ?? (await this.takeSlots(held, stream));
      if (refused === undefined) return held;
      await held.undo();
      return refused;
    } catch (err) {
      await held.undo().catch(() => undefined);
      throw err;
    }
  }

  private async takeRequests(held: Held): Promise<Admission | undefined> {
    for (const scope of [this.identity, this.model]) {
      if (scope.requests === undefined) continue;
      const key = held.keyOf(scope);
      try {
        await scope.requests.consume(key, 1);
      } catch (err) {
        if (err instanceof RateLimiterRes) return refuse(`${held.nameOf(scope)} is over its requests per minute`, err.msBeforeNext);
        throw err;
      }
    }
    return undefined;
  }

  private async reserve(held: Held, tokens: number): Promise<Admission | undefined> {
    if (tokens <= 0) return undefined;
    held.tokens = tokens;
    for (const scope of [this.identity, this.model]) {
      if (scope.tokens === undefined || scope.tokensPerMinute === undefined) continue;
      const what = held.nameOf(scope);
      if (tokens > scope.tokensPerMinute) {
        return refuse(
          `this call may use up to ${tokens} tokens (its prompt and max_tokens × n), more than ${what}'s whole ${scope.tokensPerMinute} tokens per minute: ask for fewer max_tokens`,
          60_000,
        );
      }
      const key = held.keyOf(scope);
      try {
        const taken = await scope.tokens.consume(key, tokens);
        held.windowEnds.push(performance.now() + taken.msBeforeNext);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        // consume counts the points even when it refuses them: give them back.
        await scope.tokens.reward(key, tokens);
        const left = Math.max(0, scope.tokensPerMinute - (err.consumedPoints - tokens));
        return refuse(
          `${what} has used its tokens per minute: ${left} of ${scope.tokensPerMinute} left, and this call may use up to ${tokens} (its prompt and max_tokens × n)`,
          err.msBeforeNext,
        );
      }
      held.reserved.push(scope);
    }
    return undefined;
  }

  private async takeSlots(held: Held, stream: boolean): Promise<Admission | undefined> {
    for (const scope of [this.identity, this.model]) {
      if (scope.calls !== undefined) {
        const refused = await held.take(
          `${scope.name}:calls:${held.keyOf(scope)}`,
          scope.calls,
          `${held.nameOf(scope)} has ${scope.calls} calls running already`,
        );
        if (refused !== undefined) return refused;
      }
      if (stream && scope.streams !== undefined) {
        const refused = await held.take(`${scope.name}:${held.keyOf(scope)}`, scope.streams, `${held.nameOf(scope)} has ${scope.streams} streams open already`);
        if (refused !== undefined) return refused;
      }
    }
    return undefined;
  }
}

/** What an admitted call holds: its slots and its token reservation, given back or settled when it ends. */
class Held implements Admission {
  readonly allow = true;
  readonly reason = "";
  readonly retryAfterSeconds = 0;
  /** Lease keys and ids, in pairs. */
  private readonly leases: string[] = [];
  /** The token scopes a reservation was taken from. */
  readonly reserved: Scope[] = [];
  /** When the minute each reservation was taken in ends (performance.now()), in the order of `reserved`. */
  readonly windowEnds: number[] = [];
  tokens = 0;

  constructor(
    private readonly slots: StreamSlots,
    private readonly identity: Scope,
    private readonly model: Scope,
    private readonly identityId: string,
    private readonly modelId: string,
  ) {}

  keyOf(scope: Scope): string {
    return scope === this.identity ? this.identityId : this.modelId;
  }

  nameOf(scope: Scope): string {
    return scope === this.identity ? `identity ${this.identityId}` : `${scope.name} ${this.modelId}`;
  }

  async take(slotKey: string, limit: number, full: string): Promise<Admission | undefined> {
    const lease = await this.slots.take(slotKey, limit);
    if (lease === null) return refuse(full, 1000);
    this.leases.push(slotKey, lease);
    return undefined;
  }

  release(): void {
    for (let i = 0; i < this.leases.length; i += 2) this.slots.give(this.leases[i] as string, this.leases[i + 1] as string);
    this.leases.length = 0;
  }

  async settle(tokens: number): Promise<void> {
    const scopes = this.reserved.splice(0);
    // Without a reservation (no prompt was estimated), the whole use is charged now.
    const diff = Math.max(0, Math.round(tokens)) - (scopes.length > 0 ? this.tokens : 0);
    this.tokens = 0;
    if (diff === 0) return;
    const ends = this.windowEnds.splice(0);
    const now = performance.now();
    for (const [i, scope] of (scopes.length > 0 ? scopes : [this.identity, this.model]).entries()) {
      if (scope.tokens === undefined) continue;
      if (diff > 0) await scope.tokens.penalty(this.keyOf(scope), diff);
      // A refund belongs to the minute that bore the reservation: once that is over, it would be free budget in the next.
      else if (now < (ends[i] ?? Number.POSITIVE_INFINITY)) await scope.tokens.reward(this.keyOf(scope), -diff);
    }
  }

  /** A refused admission gives back what it took before the refusal. */
  async undo(): Promise<void> {
    this.release();
    this.windowEnds.length = 0;
    const scopes = this.reserved.splice(0);
    for (const scope of scopes) await scope.tokens?.reward(this.keyOf(scope), this.tokens);
    this.tokens = 0;
  }
}

function limiter(redis: RedisLike | undefined, keyPrefix: string, points: number): RateLimiterAbstract {
  return redis === undefined
    ? new RateLimiterMemory({ keyPrefix, points, duration: 60 })
    : new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: 60, useRedisPackage: false });
}

function refuse(reason: string, msBeforeNext: number): Admission {
  return { allow: false, reason, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)), release: NOTHING, settle: SETTLED };
}
