import type { AuditEventInput } from "../audit/index.js";

// Refusals of callers that did not authenticate. Each was an audit event, so anyone who can reach the port
// could fill the audit backlog until the gateway refused everyone. They are counted per source address
// instead: the first refusal from a source is recorded at once (it says what was wrong), later ones as one
// summary event per source per interval. Memory is bounded: past `maxSources` sources at once, the rest are
// summed under one "other sources" entry, so the events written per interval are at most maxSources + 1.

const OTHER = "(other sources)";

interface Source {
  /** Refusals since the last event for this source. */
  count: number;
  /** When the last event for this source was written (performance.now()). */
  emittedAt: number;
  /** The refusal codes among them, counted. */
  codes: Record<string, number>;
  routes: Record<string, number>;
}

export interface UnauthenticatedRefusal {
  readonly source: string;
  readonly code: string;
  readonly reason: string;
  readonly route: string;
  readonly status: number;
}

export class UnauthenticatedRefusals {
  private readonly sources = new Map<string, Source>();
  private readonly timer: NodeJS.Timeout;
  private readonly intervalMs: number;

  constructor(
    private readonly record: (event: AuditEventInput) => void,
    intervalSeconds: number,
    private readonly maxSources: number,
  ) {
    this.intervalMs = intervalSeconds * 1000;
    this.timer = setInterval(() => this.flush(false), Math.min(this.intervalMs, 10_000));
    this.timer.unref();
  }

  /** Count one refusal; recorded at once when its source has had no event for an interval. */
  note(r: UnauthenticatedRefusal): void {
    const now = performance.now();
    let key = sourceOf(r.source);
    let s = this.sources.get(key);
    if (s === undefined) {
      if (this.sources.size >= this.maxSources) {
        key = OTHER;
        s = this.sources.get(OTHER);
      }
      if (s === undefined) {
        s = { count: 0, emittedAt: Number.NEGATIVE_INFINITY, codes: {}, routes: {} };
        this.sources.set(key, s);
      }
    }
    s.count++;
    s.codes[r.code] = (s.codes[r.code] ?? 0) + 1;
    s.routes[r.route] = (s.routes[r.route] ?? 0) + 1;
    if (now - s.emittedAt >= this.intervalMs) this.emit(key, s, now, s.count === 1 ? r : undefined);
  }

  /** Write the summaries that are due (all pending ones when `all`), and forget sources gone quiet. */
  flush(all: boolean): void {
    const now = performance.now();
    for (const [key, s] of this.sources) {
      if (s.count > 0 && (all || now - s.emittedAt >= this.intervalMs)) this.emit(key, s, now, undefined);
      else if (s.count === 0 && now - s.emittedAt >= this.intervalMs) this.sources.delete(key);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush(true);
  }

  get trackedSources(): number {
    return this.sources.size;
  }

  private emit(key: string, s: Source, now: number, only: UnauthenticatedRefusal | undefined): void {
    const seconds = Number.isFinite(s.emittedAt) ? Math.round((now - s.emittedAt) / 1000) : 0;
    const reason = only !== undefined ? only.reason : `${s.count} calls from ${key} refused without credentials in the last ${seconds} s`;
    // Keys in code-unit order: the audit log's canonical JSON then takes one native call.
    const details =
      only !== undefined
        ? { code: only.code, count: 1, route: only.route, source: key, status: only.status }
        : { codes: s.codes, count: s.count, routes: s.routes, source: key };
    this.record({ actor: "anonymous", action: "gateway.unauthenticated", resource: "gateway", decision: "deny", reason, details });
    s.count = 0;
    s.codes = {};
    s.routes = {};
    s.emittedAt = now;
  }
}

/**
 * The source a refusal is counted under: an IPv4 address (an IPv4-mapped IPv6 one too) as it is, an IPv6
 * address by its /64, which one host is commonly given whole and can draw addresses from at will.
 */
export function sourceOf(address: string): string {
  if (!address.includes(":")) return address;
  const lower = address.toLowerCase();
  if (lower.startsWith("::ffff:") && lower.includes(".")) return lower.slice(7);
  const zone = lower.indexOf("%");
  const plain = zone === -1 ? lower : lower.slice(0, zone);
  const [head = "", tail] = plain.split("::", 2) as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/**
 * Refusals of callers that did authenticate, before their limits are checked (a killed identity, a policy
 * deny, a malformed body): each is audited as itself, up to `perSecond` an identity (with a burst of ten
 * seconds' worth), so that one key — a leaked one that was killed, say — cannot fill the audit backlog
 * either. Past that, its refusals are counted and written as one summary per identity per interval. Memory is
 * bounded like the sources above.
 */
export class IdentityRefusals {
  private readonly budgets = new Map<string, { tokens: number; at: number }>();
  private readonly over: UnauthenticatedRefusals;
  private readonly burst: number;

  constructor(
    record: (event: AuditEventInput) => void,
    private readonly perSecond: number,
    intervalSeconds: number,
    private readonly maxIdentities: number,
  ) {
    this.burst = perSecond * 10;
    // Over-budget refusals are summarised per identity, written under that identity.
    this.over = new UnauthenticatedRefusals(
      (e) =>
        record({
          ...e,
          actor: `identity:${String((e.details as { source?: unknown } | undefined)?.source ?? "unknown")}`,
          action: "gateway.refusals-summarised",
        }),
      intervalSeconds,
      maxIdentities,
    );
  }

  /** Whether this refusal is audited as itself; when not, it has been counted into its identity's summary. */
  admit(identityId: string, r: Omit<UnauthenticatedRefusal, "source">): boolean {
    const now = performance.now();
    let b = this.budgets.get(identityId);
    if (b === undefined) {
      if (this.budgets.size >= this.maxIdentities) this.budgets.clear(); // forget quiet ones rather than grow
      b = { tokens: this.burst, at: now };
      this.budgets.set(identityId, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    this.over.note({ ...r, source: identityId });
    return false;
  }

  close(): void {
    this.over.close();
  }
}
