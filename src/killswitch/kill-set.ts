import type { Control, Decision, Finding } from "../decision.js";

// The kills in force as the hot path reads them, and the calls in flight a new kill must cut. No I/O here:
// the service (service.ts) reads the store and hands a KillSet to whoever consults it.

export const KILL_KINDS = ["model", "identity", "runtime", "tool"] as const;
export type KillKind = (typeof KILL_KINDS)[number];

/**
 * One kill, as stored: the target is what it was resolved to (an identity's id, a runtime's name, a model's
 * `name@version`, or a bare model `name` for every version of it, now and registered later; a tool server's
 * name for all its tools, or `server/tool` for one).
 */
export interface Kill {
  readonly kind: KillKind;
  readonly target: string;
  readonly reason: string;
  readonly killedAt: string;
  readonly killedBy: string;
}

/** What a call in flight is, so the kill switch can find it. */
export interface InFlightCall {
  readonly identityId: string;
  readonly modelId: string;
  readonly runtime: string;
  abort(reason: string): void;
}

export class InFlight {
  private readonly calls = new Set<InFlightCall>();

  add(call: InFlightCall): () => void {
    this.calls.add(call);
    return () => this.calls.delete(call);
  }

  /** Abort every call a kill covers; returns how many were cut. */
  cut(killed: KillSet): number {
    let n = 0;
    for (const call of this.calls) {
      const why = killed.covers(call.identityId, call.modelId, call.runtime);
      if (why !== null) {
        call.abort(why);
        this.calls.delete(call);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.calls.size;
  }
}

/** The kills in force, as map lookups for the hot path. */
export class KillSet {
  /** Kills of a model name without a version (every version of it), by name; empty for most sets. */
  private readonly byName = new Map<string, Kill>();
  /** What each model version a call named resolved to, so the name is cut out of it once per poll, not per call. */
  private readonly resolved = new Map<string, Kill | null>();

  constructor(private readonly kills: ReadonlyMap<string, Kill> = new Map()) {
    for (const k of kills.values()) if (k.kind === "model" && !k.target.includes("@")) this.byName.set(k.target, k);
  }

  static of(list: readonly Kill[]): KillSet {
    return new KillSet(new Map(list.map((k) => [`${k.kind}:${k.target}`, k])));
  }

  /** Why a call is killed, or null. A model `name@version` is covered by a kill of that version or of `name`. */
  covers(identityId: string, modelId: string, runtime: string): string | null {
    const k = this.kills.get(`identity:${identityId}`) ?? this.modelKill(modelId) ?? this.kills.get(`runtime:${runtime}`);
    return k === undefined ? null : describeKill(k);
  }

  /**
   * The kill switch's decision for a call, an admission or a tool call: allowed when nothing it names is
   * killed; otherwise refused with code KILLED and one finding per kill that covers it. Allocates only to refuse.
   */
  decide(subject: { readonly identityId?: string; readonly modelId?: string; readonly runtime?: string }): Decision<"kill-switch"> {
    const found: Kill[] = [];
    const identity = subject.identityId === undefined || subject.identityId === "" ? undefined : this.kills.get(`identity:${subject.identityId}`);
    if (identity !== undefined) found.push(identity);
    const model = subject.modelId === undefined ? undefined : this.modelKill(subject.modelId);
    if (model !== undefined) found.push(model);
    const runtime = subject.runtime === undefined ? undefined : this.runtimeKill(subject.runtime);
    if (runtime !== undefined) found.push(runtime);
    return killedBy(found);
  }

  /** The kill covering a model version (`name@version`), or undefined. */
  modelKill(modelId: string): Kill | undefined {
    if (modelId === "") return undefined;
    const exact = this.kills.get(`model:${modelId}`);
    if (exact !== undefined || this.byName.size === 0) return exact;
    const known = this.resolved.get(modelId);
    if (known !== undefined) return known ?? undefined;
    const at = modelId.lastIndexOf("@");
    const k = at > 0 ? this.byName.get(modelId.slice(0, at)) : undefined;
    // Bounded: model ids come from callers, and this set lives until the next poll.
    if (this.resolved.size < 10_000) this.resolved.set(modelId, k ?? null);
    return k;
  }

  /** The kill of a tool server or of one of its tools (by its name on the server), or undefined. */
  toolKill(server: string, tool: string): Kill | undefined {
    return this.kills.get(`tool:${server}`) ?? this.kills.get(`tool:${server}/${tool}`);
  }

  /** The kill switch's decision for a tool call: its identity, its server, or the tool itself killed. */
  decideTool(identityId: string, server: string, tool: string): Decision<"kill-switch"> {
    if (this.kills.size === 0) return NOT_KILLED;
    return killedBy([this.kills.get(`identity:${identityId}`), this.toolKill(server, tool)].filter((k): k is Kill => k !== undefined));
  }

  /** The kill of a runtime, or undefined. */
  runtimeKill(name: string): Kill | undefined {
    return name === "" ? undefined : this.kills.get(`runtime:${name}`);
  }

  get size(): number {
    return this.kills.size;
  }
}

/** A kill switch is the "supersede, disengage or deactivate" mechanism (NIST AI RMF MANAGE 2.4) and the human "stop" (EU AI Act Art. 14). */
const KILL_CONTROLS: readonly Control[] = ["NIST-AI-RMF:MANAGE-2.4", "EU-AI-ACT:Art.14"];
const NOT_KILLED: Decision<"kill-switch"> = Object.freeze({
  allow: true,
  reason: "nothing it names is killed",
  findings: Object.freeze([]) as readonly Finding<"kill-switch">[],
});

/** Allowed when no kill covers the subject; otherwise KILLED with one critical finding per kill. */
function killedBy(found: readonly Kill[]): Decision<"kill-switch"> {
  if (found.length === 0) return NOT_KILLED;
  const findings: Finding<"kill-switch">[] = found.map((k) => ({
    rule: "kill-switch",
    severity: "critical",
    message: describeKill(k),
    location: `${k.kind}:${k.target}`,
    controls: KILL_CONTROLS,
  }));
  return { allow: false, code: "KILLED", reason: findings.map((f) => f.message).join("; "), findings };
}

/** The sentence a refusal carries: what was killed, by whom, why. */
export function describeKill(k: Kill): string {
  const what = k.kind === "model" && !k.target.includes("@") ? `model ${k.target} (every version)` : `${k.kind} ${k.target}`;
  return `${what} was killed by ${k.killedBy}: ${k.reason}`;
}
