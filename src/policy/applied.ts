import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { AuditLog } from "../audit/index.js";
import type { PolicySetTable } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { type ErrorCode, PerimeterError } from "../errors.js";
import { runOnWorkers, workerModule } from "../worker-pool.js";
import { POLICY_CHECK_WORKER, type PolicyCheckOutcome, type PolicyCheckTask } from "./check-worker.js";
import { PolicyEngine, type PolicyInfo } from "./engine.js";
import { schemaOf, type PolicyTarget } from "./targets.js";

// Policies applied while Perimeter runs (the control API, `perimeter policy apply`): stored per target, the
// newest in force in every gateway process within a poll, each an audit event. Without an applied set, or
// after a return to the files, the configured files (or the default set) decide as before.

export { POLICY_TARGETS, type PolicyTarget, schemaOf } from "./targets.js";

export interface AppliedPolicySet {
  readonly target: PolicyTarget;
  readonly seq: number;
  /** null: back to the configured files. */
  readonly text: string | null;
  readonly digest: string;
  readonly appliedBy: string;
  readonly appliedAt: string;
  readonly reason: string;
}

/** A target's policies from text, validated against its schema. */
export function engineFor(target: PolicyTarget, file: string, text: string): PolicyEngine {
  return PolicyEngine.fromTexts([{ file, text }], { schema: schemaOf(target) });
}

/** A set that does not validate, refused as an apply says it (a usage error naming every issue). */
export function notApplied(err: unknown): never {
  if (err instanceof PerimeterError && err.code === "POLICY_INVALID")
    throw new PerimeterError("USAGE", `the policies were not applied: ${err.message}`, { details: err.details });
  throw err;
}

/** Checks running now, by purpose: a dry run (anyone with a dashboard role) never takes an apply's slot. */
const checksRunning = { validate: 0, apply: 0 };
/** At most this many checks of each purpose at once in a process: each holds a thread and a copy of Cedar. */
const MAX_CHECKS = 1;
/** A check that takes longer is stopped and refused (256 KB of policies takes a few seconds). */
const CHECK_TIMEOUT_MS = 30_000;

/**
 * Parse and validate a target's policies without putting them anywhere (a check keeps nothing in Cedar), on
 * a worker thread, so a large set (Cedar takes seconds per 256 KB) does not stop this process's gateway. One
 * check of each purpose at a time: a second is refused until the first is done, and a viewer's dry runs
 * never hold up an admin's apply.
 */
export async function checkPoliciesOffThread(
  target: PolicyTarget,
  file: string,
  text: string,
  purpose: keyof typeof checksRunning = "validate",
): Promise<readonly PolicyInfo[]> {
  if (checksRunning[purpose] >= MAX_CHECKS)
    throw new PerimeterError("RATE_LIMITED", `a policy ${purpose === "apply" ? "apply" : "check"} is already running in this process: try again in a moment`);
  checksRunning[purpose]++;
  try {
    const [outcome] = await runOnWorkers<PolicyCheckTask, PolicyCheckOutcome>(
      workerModule(import.meta.url, "check-worker"),
      { kind: POLICY_CHECK_WORKER },
      [{ target, file, text }],
      1,
      CHECK_TIMEOUT_MS,
    );
    if (outcome === undefined) throw new PerimeterError("INTERNAL", "the policy check returned nothing");
    if (!outcome.ok) throw new PerimeterError(outcome.code as ErrorCode, outcome.message, outcome.details === undefined ? {} : { details: outcome.details });
    return outcome.policies;
  } finally {
    checksRunning[purpose]--;
  }
}

/** The file name an applied set's policies report (in decisions' messages and `policy check`). */
export function appliedFileName(target: PolicyTarget, seq: number): string {
  return `(applied ${target} policy set #${seq})`;
}

export class PolicySets {
  constructor(
    private readonly store: Store,
    private readonly audit: () => AuditLog,
  ) {}

  async latest(target: PolicyTarget): Promise<AppliedPolicySet | undefined> {
    const row = await this.store.db.selectFrom("policy_sets").selectAll().where("target", "=", target).orderBy("seq", "desc").limit(1).executeTakeFirst();
    return row === undefined ? undefined : toSet(row);
  }

  async history(target: PolicyTarget, limit = 50): Promise<AppliedPolicySet[]> {
    const rows = await this.store.db.selectFrom("policy_sets").selectAll().where("target", "=", target).orderBy("seq", "desc").limit(limit).execute();
    return rows.map(toSet);
  }

  /**
   * Validate and store a new set (or, with text null, the return to the configured files). `accept` sees
   * the engine the change would put in force and throws to refuse it (e.g. a change that locks its author out).
   */
  async apply(input: {
    readonly target: PolicyTarget;
    readonly text: string | null;
    readonly actor: string;
    readonly reason: string;
    readonly accept?: ((engine: PolicyEngine | undefined) => void) | undefined;
  }): Promise<AppliedPolicySet> {
    if (input.reason.trim() === "") throw new PerimeterError("USAGE", "say why the policies change (--reason): it is kept as evidence");
    let engine: PolicyEngine | undefined;
    if (input.text !== null) {
      try {
        engine = engineFor(input.target, appliedFileName(input.target, 0), input.text);
      } catch (err) {
        notApplied(err);
      }
      if (engine.policies.length === 0)
        throw new PerimeterError("USAGE", "the policies were not applied: the text holds no policy (every request would be denied)");
    }
    input.accept?.(engine);
    const digest = input.text === null ? "" : createHash("sha256").update(input.text).digest("hex");
    const previous = await this.latest(input.target);
    const appliedAt = new Date().toISOString();
    const set = await this.store.db.transaction().execute(async (trx) => {
      const top = await trx
        .selectFrom("policy_sets")
        .select((eb) => eb.fn.max("seq").as("seq"))
        .where("target", "=", input.target)
        .executeTakeFirst();
      const seq = Number(top?.seq ?? 0) + 1;
      // Two applies racing for one seq: the primary key lets one in and fails the other, which retries nothing.
      await trx
        .insertInto("policy_sets")
        .values({ target: input.target, seq, text: input.text, digest, applied_by: input.actor, applied_at: appliedAt, reason: input.reason })
        .execute();
      return { target: input.target, seq, text: input.text, digest, appliedBy: input.actor, appliedAt, reason: input.reason };
    });
    await this.audit().append({
      actor: input.actor,
      action: "policy.apply",
      resource: `policy:${input.target}`,
      decision: "allow",
      reason: input.reason,
      details: {
        seq: set.seq,
        digest: set.digest === "" ? "(the configured files)" : set.digest,
        previous: previous === undefined || previous.digest === "" ? "(the configured files)" : previous.digest,
        policies: engine?.policies.map((p) => p.id) ?? [],
      },
    });
    return set;
  }
}

/**
 * The policy engine in force for a target in this process: the newest applied set, else the configured one.
 * refresh() reads one number per poll and builds a new engine only when it changed.
 */
export class LivePolicies {
  #engine: PolicyEngine;
  #seq = 0;
  #digest: string | null = null;
  #readEpoch = 0;
  #appliedEpoch = 0;
  #listeners: Array<(engine: PolicyEngine) => void> = [];

  constructor(
    private readonly options: {
      readonly store: Store;
      readonly target: PolicyTarget;
      /** The configured policies (files, else the default set). */
      readonly fromConfig: () => PolicyEngine;
      readonly logger?: Logger | undefined;
    },
  ) {
    this.#engine = options.fromConfig();
  }

  get engine(): PolicyEngine {
    return this.#engine;
  }

  /** Which applied set is in force (0: the configured policies). */
  get seq(): number {
    return this.#seq;
  }

  /** Told of every new engine (the gateway drops its cached decisions). */
  onChange(listener: (engine: PolicyEngine) => void): void {
    this.#listeners.push(listener);
  }

  /** Read the newest applied set; true when the engine changed. A store that does not answer throws. */
  async refresh(): Promise<boolean> {
    // Reads may overlap (a change notification and the poll): the newest-started one wins, so an older read
    // finishing last cannot put back the set a newer one replaced.
    const epoch = ++this.#readEpoch;
    const top = await this.options.store.db
      .selectFrom("policy_sets")
      .select(["seq", "digest"])
      .where("target", "=", this.options.target)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    const seq = Number(top?.seq ?? 0);
    // The same number with another digest is another set (a restored database numbered anew): compare both.
    const digest = top?.digest ?? null;
    if (epoch < this.#appliedEpoch) return false;
    if (seq === this.#seq && digest === this.#digest) {
      this.#appliedEpoch = epoch;
      return false;
    }
    const row =
      top === undefined
        ? undefined
        : await this.options.store.db
            .selectFrom("policy_sets")
            .selectAll()
            .where("target", "=", this.options.target)
            .where("seq", "=", seq)
            .executeTakeFirstOrThrow();
    if (epoch < this.#appliedEpoch) return false;
    this.#appliedEpoch = epoch;
    this.#digest = digest;
    if (row === undefined) {
      this.#engine = this.options.fromConfig();
      this.#seq = 0;
      for (const l of this.#listeners) l(this.#engine);
      return true;
    }
    let engine: PolicyEngine;
    if (row.text === null) engine = this.options.fromConfig();
    else {
      try {
        engine = engineFor(this.options.target, appliedFileName(this.options.target, seq), row.text);
      } catch (err) {
        // A set this version cannot load (written by another version, or edited in the store): nothing is
        // permitted until it is fixed, rather than the old policies going on as if nothing changed.
        this.options.logger?.error(
          { err, target: this.options.target, seq },
          "the applied policy set does not load: every request is denied until a valid set is applied",
        );
        engine = PolicyEngine.fromTexts([], { schema: schemaOf(this.options.target) });
      }
    }
    this.#engine = engine;
    this.#seq = seq;
    for (const l of this.#listeners) l(engine);
    return true;
  }
}

function toSet(r: PolicySetTable): AppliedPolicySet {
  return {
    target: r.target as PolicyTarget,
    seq: Number(r.seq),
    text: r.text,
    digest: r.digest,
    appliedBy: r.applied_by,
    appliedAt: r.applied_at,
    reason: r.reason,
  };
}
