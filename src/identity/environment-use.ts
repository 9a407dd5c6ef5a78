import type { Logger } from "pino";
import type { Store } from "../store/store.js";
import type { Principal } from "./types.js";

// Where an identity's credentials turned up outside their own environment. A gateway (or tool gateway) pinned
// to some environments refuses a principal of another one; each such refusal is noted here, so that the
// access review can name an identity whose key or token is being used in two environments — a staging key
// copied into a production deployment, a workload token trusted by two clusters.
// Written off the call path, at most once a minute per identity and environment, so a flood of refused calls
// cannot become a flood of writes.

const WRITE_INTERVAL_MS = 60_000;
const MAX_REMEMBERED = 10_000;

export interface EnvironmentUse {
  readonly identityId: string;
  readonly environment: string;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

export class EnvironmentUseRecorder {
  private readonly written = new Map<string, number>();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly logger?: Pick<Logger, "warn"> | undefined,
  ) {}

  /** `principal` presented its credentials where `environment` is served, and it belongs to another. */
  presented(principal: Pick<Principal, "id">, environment: string, now = Date.now()): void {
    const key = `${principal.id}\u0000${environment}`;
    if (now - (this.written.get(key) ?? Number.NEGATIVE_INFINITY) < WRITE_INTERVAL_MS) return;
    if (this.written.size >= MAX_REMEMBERED) this.written.delete(this.written.keys().next().value as string);
    this.written.set(key, now);
    const at = new Date(now).toISOString();
    this.writing = this.writing.then(() =>
      this.store.db
        .insertInto("environment_use")
        .values({ identity_id: principal.id, environment, first_seen_at: at, last_seen_at: at })
        .onConflict((oc) => oc.columns(["identity_id", "environment"]).doUpdateSet({ last_seen_at: at }))
        .execute()
        .then(
          () => undefined,
          (err: unknown) => {
            // A review aid, not a control (the call was refused either way): the next refusal writes again.
            this.written.delete(key);
            this.logger?.warn({ err }, "recording an identity's use in another environment failed");
          },
        ),
    );
  }

  /** Resolves once what was noted so far is written. */
  flush(): Promise<void> {
    return this.writing;
  }
}

/**
 * Why a gateway serving `served` (empty: every environment) refuses `principal`, or undefined when it serves
 * the principal's environment.
 */
export function foreignEnvironment(principal: Pick<Principal, "name" | "environment">, served: readonly string[]): { readonly reason: string } | undefined {
  if (served.length === 0 || served.includes(principal.environment)) return undefined;
  const here = served.join(", ");
  return {
    reason: `identity ${principal.name} belongs to environment ${principal.environment}, and this gateway serves ${here}: use credentials issued for ${here} (a key of one environment is never accepted in another)`,
  };
}

/** Every environment other than its own each identity was presented in, newest first. */
export async function environmentUse(store: Store, since?: string): Promise<EnvironmentUse[]> {
  let query = store.db.selectFrom("environment_use").selectAll();
  if (since !== undefined) query = query.where("last_seen_at", ">=", since);
  const rows = await query.orderBy("last_seen_at", "desc").execute();
  return rows.map((r) => ({ identityId: r.identity_id, environment: r.environment, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at }));
}
