import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { AuditEventInput } from "../audit/index.js";
import { clip } from "../clip.js";
import type { MonitorConfig, MonitorSeverity } from "../config/schema.js";
import type { Severity } from "../decision.js";
import { asPerimeterError } from "../errors.js";
import type { ModelRoute } from "../gateway/catalog.js";
import type { TrafficMonitor, TrafficSample } from "../gateway/pipeline.js";
import type { Principal } from "../identity/types.js";

// The live monitor: a sample of the gateway's traffic judged off the hot path, grouped into incidents, and
// decided per policy — track (an audit event), attend (an alert: log line and webhook), act (the kill switch
// on the model version or the identity). The gateway only asks `wants` (a random draw and two set lookups)
// and hands over what it sampled after the call's audit event is written; a full queue drops the sample and
// counts the drop, so a slow judge can never slow a call. Every decision is an audit event that names the
// calls (their audit sequence numbers) that caused it.

/** What a judge found in one sample. */
export interface SampleFinding {
  /** `chemical-biological`, `secret-exposure`, a guard model's `S9`… */
  readonly category: string;
  readonly severity: MonitorSeverity;
  readonly confidence: number;
  /** The judge that found it, and why in a few words (never the text). */
  readonly judge: string;
  readonly reason: string;
}

/** Reads one sample; throws when it cannot (a guard model down): the sample is then counted as unjudged. */
export type MonitorJudge = (sample: TrafficSample, signal: AbortSignal) => Promise<readonly SampleFinding[]>;

export type MonitorDecision = "track" | "attend" | "act";

export interface MonitorDeps {
  readonly config: MonitorConfig;
  readonly judges: readonly MonitorJudge[];
  /** Appends an audit event (the monitor's decisions); resolves when it is stored. */
  audit(event: AuditEventInput): Promise<unknown>;
  /** Trips the kill switch and makes the gateway apply it now; resolves when it is in force. */
  kill(kind: "model" | "identity", target: string, reason: string): Promise<void>;
  /**
   * Whether a kill the monitor tripped is still in force. An operator who lifts it and whose runtime goes on
   * emitting the same content sees it tripped again; without this, one kill per incident and target.
   */
  inForce?(kind: "model" | "identity", target: string): Promise<boolean>;
  /** Identity and model filters as configured (names resolved by the caller). */
  readonly logger?: Logger | undefined;
  /** POSTs an alert; defaults to fetch to config.webhook. */
  alert?(body: Record<string, unknown>): Promise<void>;
  /** A number in [0, 1) per call (tests pass a seeded one). */
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface MonitorStats {
  sampled: number;
  dropped: number;
  judged: number;
  unjudged: number;
  flagged: number;
  incidents: number;
  decisions: Record<MonitorDecision, number>;
  queued: number;
}

interface Incident {
  readonly id: string;
  readonly modelId: string;
  readonly category: string;
  readonly baseSeverity: MonitorSeverity;
  readonly openedAt: number;
  lastAt: number;
  readonly identities: Set<string>;
  /** Audit sequence numbers of the calls (or the sample ids of calls whose event number is unknown). */
  readonly calls: string[];
  callCount: number;
  confidence: number;
  readonly judges: Set<string>;
  /** The strongest track or attend decision already taken for it. */
  decided: MonitorDecision | undefined;
  /** Kills tripped for it (`model:llama@2`, `identity:id_…`), once each. */
  readonly killed: Set<string>;
  /** A single sample was flagged by two judges (a guard model agreeing with the refusal judge). */
  corroborated: boolean;
  /** Flagged samples since its last decision that changed nothing: counted in the next decision's event. */
  suppressed: number;
}

type KillTarget = { readonly kind: "model" | "identity"; readonly target: string };

const DECISION_RANK: Readonly<Record<MonitorDecision, number>> = { track: 0, attend: 1, act: 2 };
const SEVERITIES: readonly MonitorSeverity[] = ["low", "medium", "high", "critical"];
/** Calls named in one audit event: the first ones, and how many there were in all. */
const MAX_CALLS_LISTED = 50;
/** Incidents held at once: the oldest are forgotten past this (their decisions are already in the audit log). */
const MAX_INCIDENTS = 10_000;
/** What of a sample's prompt and answer is kept while it waits: the judges read no more (head and tail). */
const SAMPLE_HEAD = 16_384;
const SAMPLE_TAIL = 4096;

export class LiveMonitor implements TrafficMonitor {
  private readonly queue: TrafficSample[] = [];
  private readonly incidents = new Map<string, Incident>();
  private readonly identityFilter: ReadonlySet<string> | undefined;
  private readonly modelFilter: ReadonlySet<string> | undefined;
  private readonly random: () => number;
  private readonly now: () => number;
  /** When the monitor's own model kills were tripped: at most config.maxKills within a window. */
  private readonly killTimes: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  readonly stats: MonitorStats = {
    sampled: 0,
    dropped: 0,
    judged: 0,
    unjudged: 0,
    flagged: 0,
    incidents: 0,
    decisions: { track: 0, attend: 0, act: 0 },
    queued: 0,
  };

  constructor(private readonly deps: MonitorDeps) {
    const c = deps.config;
    this.identityFilter = c.identities.length === 0 ? undefined : new Set(c.identities);
    this.modelFilter = c.models.length === 0 ? undefined : new Set(c.models);
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
  }

  start(): this {
    this.timer = setInterval(() => void this.tick(), this.deps.config.intervalMs);
    this.timer.unref();
    return this;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  counts(): Readonly<Record<string, number>> {
    const s = this.stats;
    return { sampled: s.sampled, dropped: s.dropped, judged: s.judged, unjudged: s.unjudged, flagged: s.flagged, queued: this.queue.length };
  }

  /** On the hot path: one random draw, then the filters. */
  wants(principal: Principal, route: ModelRoute): boolean {
    if (this.random() >= this.deps.config.sampleRate) return false;
    if (this.identityFilter !== undefined && !this.identityFilter.has(principal.id) && !this.identityFilter.has(principal.name)) return false;
    const v = route.version;
    return this.modelFilter === undefined || this.modelFilter.has(v.id) || this.modelFilter.has(v.name);
  }

  /** Never waits: a full queue drops the sample, counted. */
  offer(sample: TrafficSample): void {
    if (this.closed) return;
    if (this.queue.length >= this.deps.config.queue) {
      this.stats.dropped++;
      return;
    }
    this.stats.sampled++;
    // A queue of full-length answers could hold gigabytes: it holds what the judges read.
    const prompt = bounded(sample.prompt);
    const answer = bounded(sample.answer);
    this.queue.push(prompt === sample.prompt && answer === sample.answer ? sample : { ...sample, prompt, answer });
    this.stats.queued = this.queue.length;
  }

  /** Judge what is queued and decide; one tick at a time (a slow judge delays the next tick, never a call). */
  tick(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = this.drain()
      .catch((err: unknown) => this.deps.logger?.error({ err }, "the live monitor failed to judge its samples"))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async drain(): Promise<void> {
    const batch = this.queue.splice(0, this.queue.length);
    this.stats.queued = 0;
    if (batch.length > 0) {
      const touched = new Set<Incident>();
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const sample = batch[next++] as TrafficSample;
          for (const incident of await this.judge(sample)) touched.add(incident);
          // The built-in judges are synchronous CPU work: a batch judged in one go would stall the calls
          // sharing this thread for milliseconds. One sample at a time, with the event loop between them.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.deps.config.concurrency, batch.length) }, worker));
      for (const incident of touched) await this.decide(incident);
    }
    this.forgetOld();
  }

  private async judge(sample: TrafficSample): Promise<Incident[]> {
    const findings: SampleFinding[] = [];
    let judgedBySome = false;
    for (const judge of this.deps.judges) {
      try {
        findings.push(...(await judge(sample, AbortSignal.timeout(Math.max(this.deps.config.intervalMs * 10, 5000)))));
        judgedBySome = true;
      } catch (err) {
        this.deps.logger?.warn({ err: asPerimeterError(err).message }, "a live monitor judge failed on a sample");
      }
    }
    if (judgedBySome) this.stats.judged++;
    else this.stats.unjudged++;
    if (findings.length === 0) return [];
    this.stats.flagged++;
    const out: Incident[] = [];
    // Two judges reading harm into the same sample (the refusal judge and a guard model) confirm each other.
    // A secret in the answer is no confirmation of harm: a caller can have any model print one.
    const corroborated = new Set(findings.filter((f) => f.category !== "secret-exposure").map((f) => f.judge)).size >= 2;
    for (const f of findings) {
      const incident = this.attach(sample, f);
      if (corroborated) incident.corroborated = true;
      out.push(incident);
    }
    return out;
  }

  /** The incident of this model and category within the window (a new one past it). */
  private attach(sample: TrafficSample, f: SampleFinding): Incident {
    const key = `${sample.modelId}\u0000${f.category}`;
    const now = this.now();
    let incident = this.incidents.get(key);
    if (incident === undefined || now - incident.lastAt > this.deps.config.windowSeconds * 1000) {
      incident = {
        id: `inc_${randomBytes(6).toString("hex")}`,
        modelId: sample.modelId,
        category: f.category,
        baseSeverity: f.severity,
        openedAt: now,
        lastAt: now,
        identities: new Set(),
        calls: [],
        callCount: 0,
        confidence: 0,
        judges: new Set(),
        decided: undefined,
        killed: new Set(),
        corroborated: false,
        suppressed: 0,
      };
      this.incidents.set(key, incident);
      this.stats.incidents++;
    }
    incident.lastAt = now;
    incident.identities.add(sample.identityId);
    incident.callCount++;
    if (incident.calls.length < MAX_CALLS_LISTED) incident.calls.push(sample.seq === undefined ? `sample:${sample.id}` : String(sample.seq));
    incident.confidence = Math.max(incident.confidence, f.confidence);
    incident.judges.add(`${f.judge}: ${f.reason}`);
    return incident;
  }

  /** Severity from the category, raised by reach, lowered by weak confidence. */
  severityOf(incident: Pick<Incident, "baseSeverity" | "identities" | "callCount" | "confidence">): MonitorSeverity {
    let level = SEVERITIES.indexOf(incident.baseSeverity);
    const reach = this.deps.config.reach;
    if (incident.identities.size >= reach.identities || incident.callCount >= reach.calls) level++;
    if (incident.confidence < this.deps.config.minConfidence) level--;
    return SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, level))] as MonitorSeverity;
  }

  /**
   * What act kills. One identity's calls alone never kill a model: any key holder could otherwise take a
   * model down by asking for something harmful and getting a harmless answer the judges misread, or by
   * having it echo a key. A model is killed when the incident reaches evals.monitor.killQuorum identities
   * or a second judge confirmed a sample; before that the identity is killed (identity-or-model) or the
   * incident is attended.
   */
  private killTarget(incident: Incident): KillTarget | string {
    const c = this.deps.config;
    if (incident.identities.size >= c.killQuorum || incident.corroborated) return { kind: "model", target: incident.modelId };
    if (c.act === "identity-or-model" && incident.identities.size === 1) return { kind: "identity", target: [...incident.identities][0] as string };
    return `calls from ${incident.identities.size} identit${incident.identities.size === 1 ? "y" : "ies"} and one judge do not kill a model (evals.monitor.killQuorum ${c.killQuorum}): attended until another identity's calls or a second judge confirm it`;
  }

  private async decide(incident: Incident): Promise<void> {
    const severity = this.severityOf(incident);
    let decision = this.deps.config.decisions[severity];
    let kill: KillTarget | undefined;
    let held: string | undefined;
    if (decision === "act") {
      const target = this.killTarget(incident);
      if (typeof target === "string") held = target;
      else if (incident.killed.has(`${target.kind}:${target.target}`) && (await this.stillInForce(target))) {
        incident.suppressed++;
        return;
      } else if (target.kind === "model" && this.recentKills() >= this.deps.config.maxKills) {
        held = `the monitor has tripped ${this.recentKills()} kill(s) within evals.monitor.windowSeconds, its limit (evals.monitor.maxKills): this one is left to an operator`;
      } else kill = target;
      if (held !== undefined) decision = "attend";
    }
    if (kill === undefined && incident.decided !== undefined && DECISION_RANK[decision] <= DECISION_RANK[incident.decided]) {
      // Decided at this level or above already: one alert per incident, not one per sample.
      incident.suppressed++;
      return;
    }
    const summary = {
      incident: incident.id,
      category: incident.category,
      severity,
      confidence: Math.round(incident.confidence * 1000) / 1000,
      reach: { identities: incident.identities.size, calls: incident.callCount },
      calls: incident.calls,
      judges: [...incident.judges].slice(0, 10),
      corroborated: incident.corroborated,
      window: { from: new Date(incident.openedAt).toISOString(), to: new Date(incident.lastAt).toISOString() },
      ...(incident.suppressed === 0 ? {} : { unchangedSamples: incident.suppressed }),
      ...(held === undefined ? {} : { held }),
    };
    const reason = `${severity} ${incident.category} on ${incident.modelId}: ${incident.callCount} sampled call(s) from ${incident.identities.size} identit${incident.identities.size === 1 ? "y" : "ies"}`;
    if (kill !== undefined) {
      try {
        await this.deps.kill(kill.kind, kill.target, `live monitor: ${reason} (incident ${incident.id})`);
      } catch (err) {
        // The kill could not be tripped: say so loudly and record it; the next flagged sample tries again.
        this.deps.logger?.error({ err, incident: incident.id }, "the live monitor could not trip the kill switch");
        await this.record(
          "monitor.act",
          incident.modelId,
          "error",
          `the kill switch could not be tripped: ${clip(err instanceof Error ? err.message : String(err), 300)}`,
          summary,
        );
        return;
      }
      incident.killed.add(`${kill.kind}:${kill.target}`);
      // Only model kills are capped: identity kills cost an attacker their keys, and must not use up the cap.
      if (kill.kind === "model") this.killTimes.push(this.now());
    }
    incident.decided = incident.decided === undefined || DECISION_RANK[decision] > DECISION_RANK[incident.decided] ? decision : incident.decided;
    incident.suppressed = 0;
    this.stats.decisions[decision]++;
    await this.record(`monitor.${decision}`, incident.modelId, decision === "act" ? "deny" : "info", held === undefined ? reason : `${reason}; ${held}`, {
      ...summary,
      ...(kill === undefined ? {} : { kill }),
    });
    if (decision !== "track") {
      const line = { ...summary, decision, model: incident.modelId, ...(kill === undefined ? {} : { kill }) };
      if (decision === "act") this.deps.logger?.error(line, `live monitor: ${reason}; kill switch tripped on ${kill?.kind} ${kill?.target}`);
      else this.deps.logger?.warn(line, `live monitor: ${reason}${held === undefined ? "" : `; ${held}`}`);
      await this.sendAlert({
        kind: "perimeter.monitor/v1",
        decision,
        model: incident.modelId,
        reason,
        ...summary,
        ...(kill === undefined ? {} : { kill }),
      });
    }
  }

  /** A kill this monitor tripped is still in force (assumed so when it cannot be asked). */
  private async stillInForce(target: KillTarget): Promise<boolean> {
    if (this.deps.inForce === undefined) return true;
    try {
      return await this.deps.inForce(target.kind, target.target);
    } catch {
      return true;
    }
  }

  private recentKills(): number {
    const horizon = this.now() - this.deps.config.windowSeconds * 1000;
    while (this.killTimes.length > 0 && (this.killTimes[0] as number) < horizon) this.killTimes.shift();
    return this.killTimes.length;
  }

  private async record(action: string, modelId: string, decision: "info" | "deny" | "error", reason: string, details: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.audit({ actor: "perimeter:monitor", action, resource: `model:${modelId}`, decision, reason, details });
    } catch (err) {
      this.deps.logger?.error({ err }, "the live monitor could not record its decision in the audit log");
    }
  }

  private async sendAlert(body: Record<string, unknown>): Promise<void> {
    const send = this.deps.alert ?? (this.deps.config.webhook === undefined ? undefined : postJson(this.deps.config.webhook));
    if (send === undefined) return;
    try {
      await send(body);
    } catch (err) {
      this.deps.logger?.error({ err: asPerimeterError(err).message }, "the live monitor's alert webhook failed");
    }
  }

  private forgetOld(): void {
    const horizon = this.now() - this.deps.config.windowSeconds * 1000;
    for (const [key, incident] of this.incidents) if (incident.lastAt < horizon) this.incidents.delete(key);
    while (this.incidents.size > MAX_INCIDENTS) this.incidents.delete(this.incidents.keys().next().value as string);
  }
}

/** The head and tail of a long text, copied (a slice could keep the whole original alive). */
function bounded(text: string): string {
  if (text.length <= SAMPLE_HEAD + SAMPLE_TAIL) return text;
  return Buffer.from(`${text.slice(0, SAMPLE_HEAD)}\n…\n${text.slice(-SAMPLE_TAIL)}`, "utf16le").toString("utf16le");
}

function postJson(url: string): (body: Record<string, unknown>) => Promise<void> {
  return async (body) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
      redirect: "error",
    });
    if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
  };
}

/** A guard's or judge's severity on the monitor's four levels. */
export function monitorSeverity(s: Severity): MonitorSeverity {
  return s === "info" ? "low" : s;
}
