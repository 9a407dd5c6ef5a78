import type { Logger } from "pino";
import type { Store } from "../store/store.js";

// Which scopes of an identity ever made a difference: a decision that allowed something it would have refused
// without the scope (asked of Cedar again, with the scope taken away, only when a decision is not cached), or
// that the scope alone would have allowed where two grant the same.
// Writes are batched off the call path, at most once a minute per identity and scope; the access review shows
// the scopes that never did as unused — grants to take back.

export interface ScopeUse {
  readonly scope: string;
  readonly lastUsedAt: string | null;
}

const WRITE_INTERVAL_MS = 60_000;
const MAX_REMEMBERED = 100_000;

export class ScopeUseRecorder {
  private readonly written = new Map<string, number>();
  private readonly pending = new Map<string, { identityId: string; scope: string; at: string }>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger?: Pick<Logger, "warn"> | undefined,
  ) {}

  /**
   * After an allow: note the scopes it needed — each one without which `decide` would have refused; when no
   * single one was (two grant the same), each that alone would have allowed it, if none at all would not.
   * Only scopes not noted within the last minute are tried, so Cedar is asked again at most about once a
   * minute per identity and scope.
   */
  allowed<P extends { readonly id: string; readonly scopes: readonly string[] }>(principal: P, decide: (as: P) => boolean, now = Date.now()): void {
    const due = principal.scopes.filter((scope) => now - (this.written.get(`${principal.id}\u0000${scope}`) ?? Number.NEGATIVE_INFINITY) >= WRITE_INTERVAL_MS);
    if (due.length === 0) return;
    const as = (scopes: readonly string[]) => decide({ ...principal, scopes });
    let used = due.filter((scope) => !as(principal.scopes.filter((s) => s !== scope)));
    if (used.length === 0 && !as([])) used = due.filter((scope) => as([scope]));
    if (used.length > 0) this.note(principal.id, used, now);
  }

  note(identityId: string, scopes: readonly string[], now = Date.now()): void {
    for (const scope of scopes) {
      const key = `${identityId}\u0000${scope}`;
      if (now - (this.written.get(key) ?? Number.NEGATIVE_INFINITY) < WRITE_INTERVAL_MS) continue;
      if (this.written.size >= MAX_REMEMBERED) this.written.delete(this.written.keys().next().value as string);
      this.written.set(key, now);
      this.pending.set(key, { identityId, scope, at: new Date(now).toISOString() });
    }
    if (this.pending.size > 0) this.flushing ??= this.write();
  }

  /** Resolves once what was noted so far is written. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async write(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending.values()];
        this.pending.clear();
        for (const u of batch)
          await this.store.db
            .insertInto("scope_use")
            .values({ identity_id: u.identityId, scope: u.scope, last_used_at: u.at })
            .onConflict((oc) => oc.columns(["identity_id", "scope"]).doUpdateSet({ last_used_at: u.at }))
            .execute();
      }
    } catch (err) {
      // A review aid, not a control: a failed write is reported and the next use writes again.
      this.written.clear();
      this.logger?.warn({ err }, "recording which scopes were used failed");
    } finally {
      this.flushing = undefined;
    }
  }
}

/** Each identity's scopes with when each last made a difference (null: never, as far as the store knows). */
export async function scopeUse(
  store: Store,
  identities: readonly { readonly id: string; readonly scopes: readonly string[] }[],
): Promise<Map<string, ScopeUse[]>> {
  const out = new Map<string, ScopeUse[]>();
  if (identities.length === 0) return out;
  const seen = new Map<string, string>();
  const ids = identities.map((i) => i.id);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await store.db
      .selectFrom("scope_use")
      .selectAll()
      .where("identity_id", "in", ids.slice(i, i + 500))
      .execute();
    for (const r of rows) seen.set(`${r.identity_id}\u0000${r.scope}`, r.last_used_at);
  }
  for (const identity of identities)
    out.set(
      identity.id,
      identity.scopes.map((scope) => ({ scope, lastUsedAt: seen.get(`${identity.id}\u0000${scope}`) ?? null })),
    );
  return out;
}
