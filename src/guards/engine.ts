import type { Finding, Severity } from "../decision.js";
import type { GuardsConfig } from "../config/schema.js";
import { refusal, type CallGuardStages, type GuardedCall, type Guards, type JudgeFindings, type OutputGuardStage, type Refusal } from "../gateway/pipeline.js";
import type { GuardContext } from "../policy/engine.js";
import { actionsFor, type ActionSubject, type ActionTable, type GuardAction } from "./actions.js";
import { ChannelFilter, redact, type Release } from "./stream.js";
import { answerTexts, type MESSAGE_TEXT_FIELDS, requestTexts, type TextSlot } from "./texts.js";
import type { Detector, GuardDirection, GuardFinding, GuardModel, GuardModelInput } from "./types.js";

// The guards of one gateway: the detectors and guard models the configuration turns on, and for each call the
// input and output stages. Detectors find; the configured action per category decides (allow, flag, redact,
// block); Cedar policies that read context.guards judge the findings too, and a deny blocks. What leaves
// this module about a finding is its detector, category, type, severity, place and action: never the text.

type Json = Record<string, unknown>;

/** A guard model and the directions it judges. */
export interface GuardModelSlot {
  readonly model: GuardModel;
  readonly directions: readonly GuardDirection[];
  /** What a model that fails, times out or answers nonsense means: block (the default) or allow (flagged). */
  readonly onError: "block" | "allow";
}

export interface GuardEngineOptions {
  readonly config: GuardsConfig;
  readonly detectors: readonly Detector[];
  readonly models?: readonly GuardModelSlot[];
  /**
   * Some policy reads context.guards: findings are then judged by Cedar as well. A function when the policies
   * can change while the gateway runs (an applied policy set): asked per call.
   */
  readonly policiesReadGuards: boolean | (() => boolean);
}

function policiesReadGuards(o: GuardEngineOptions): boolean {
  return typeof o.policiesReadGuards === "function" ? o.policiesReadGuards() : o.policiesReadGuards;
}

/** A finding with what was done about it and where it was. */
export interface ActedFinding extends GuardFinding {
  readonly direction: GuardDirection;
  readonly action: GuardAction;
  readonly location: string;
}

/** Findings kept per call for the audit event: counted by kind, never the text. */
const MAX_FINDINGS_PER_CALL = 1000;

export class GuardEngine implements Guards {
  private constructor(private readonly o: GuardEngineOptions) {}

  static create(options: GuardEngineOptions): GuardEngine {
    return new GuardEngine(options);
  }

  get config(): GuardsConfig {
    return this.o.config;
  }

  /** The guards of one call; undefined when guards are off. */
  open(call: GuardedCall, judge: JudgeFindings): CallGuards | undefined {
    if (!this.o.config.enabled) return undefined;
    const version = call.route.version;
    return new CallGuards(this.o, { identityId: call.principal.id, identityName: call.principal.name, modelName: version.name, modelId: version.id }, judge);
  }

  /** Run the detectors (not the guard models) over one text, as `perimeter guard check` does. */
  inspect(text: string, direction: GuardDirection, subject: ActionSubject): ActedFinding[] {
    const table = actionsFor(this.o.config.actions, this.o.config.rules, subject, direction);
    const found: ActedFinding[] = [];
    for (const d of this.o.detectors) for (const f of d.detect(text)) found.push({ ...f, direction, action: table.of(f), location: "text" });
    return found;
  }

  /** The guard models of a direction over one conversation, as findings (`perimeter guard check --models`). */
  async judgeModels(input: GuardModelInput, subject: ActionSubject): Promise<ActedFinding[]> {
    const models = (this.o.models ?? []).filter((m) => m.directions.includes(input.direction));
    const table = actionsFor(this.o.config.actions, this.o.config.rules, subject, input.direction);
    return modelFindings(await Promise.all(models.map((m) => judgeWith(m, input))), input.direction, table);
  }

  async close(): Promise<void> {
    await Promise.all((this.o.models ?? []).map((m) => m.model.close?.()));
  }
}

/** The placeholder a redacted finding becomes: `[SECRET:aws-access-key]`. */
export function placeholder(f: Pick<GuardFinding, "category" | "type">): string {
  return `[${f.category.toUpperCase()}:${f.type}]`;
}

/** One call's guards: the input stage, the output filter, and what both found for the audit event. */
export class CallGuards implements CallGuardStages {
  private readonly found: ActedFinding[] = [];
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly o: GuardEngineOptions,
    private readonly subject: ActionSubject,
    private readonly judge: JudgeFindings,
  ) {}

  /** guard-input: inspect every text of the request; redact in place, or refuse. */
  async input(body: Json): Promise<Refusal | undefined> {
    const table = actionsFor(this.o.config.actions, this.o.config.rules, this.subject, "input");
    const models = (this.o.models ?? []).filter((m) => m.directions.includes("input"));
    // The guard models' answers are awaited after the detectors have run: their I/O overlaps that work.
    const judged = models.length === 0 ? undefined : Promise.all(models.map((m) => judgeWith(m, conversation(body, "input"))));
    const detectors = this.running(table);
    // A prompt given as token ids reaches the model as text the detectors cannot read (they have no tokenizer):
    // where a finding could change or stop the call, it is refused rather than let through unread.
    if (
      detectors.length > 0 &&
      (policiesReadGuards(this.o) || detectors.some((d) => d.categories.some((c) => altering(table.of({ category: c, detector: d.name })))))
    )
      for (const key of ["prompt", "input"] as const)
        if (tokenIds(body[key]))
          return refusal(
            "GUARD_BLOCKED",
            `the request was blocked by Perimeter's guards: ${key} is given as token ids, which the guards cannot read; send it as text`,
          );
    const slots = detectors.length === 0 ? [] : requestTexts(body);
    const findings: ActedFinding[] = [];
    const perSlot: ActedFinding[][] = [];
    for (const slot of slots) {
      const here: ActedFinding[] = [];
      for (const d of detectors) for (const f of d.detect(slot.text)) here.push({ ...f, direction: "input", action: table.of(f), location: slot.location });
      perSlot.push(here);
      for (const f of here) findings.push(f);
    }
    if (judged !== undefined) for (const f of modelFindings(await judged, "input", table)) findings.push(f);
    if (findings.length === 0) return undefined;
    this.note(findings);
    const blocked = findings.filter((f) => f.action === "block");
    if (blocked.length > 0) return blockedRefusal("input", blocked);
    const denied = this.policyDenies("input", findings);
    if (denied !== undefined) return denied;
    for (let i = 0; i < slots.length; i++) redactSlot(slots[i] as TextSlot, perSlot[i] as ActedFinding[]);
    return undefined;
  }

  /**
   * guard-output: the filter for the answer, or undefined when nothing on output is acted on (no detector's
   * category is, no guard model judges output, and no policy reads the findings).
   */
  output(): AnswerGuard | undefined {
    const table = actionsFor(this.o.config.actions, this.o.config.rules, this.subject, "output");
    const detectors = this.running(table);
    const models = (this.o.models ?? []).filter((m) => m.directions.includes("output"));
    if (detectors.length === 0 && models.length === 0) return undefined;
    return new AnswerGuard(this, table, detectors, models, this.o.config.holdBackTokens * 4, policiesReadGuards(this.o) || table.mayAlter);
  }

  /** What the guards found in this call, for its audit event: counts by direction, detector, category, type and action. */
  summary(): Json[] | undefined {
    if (this.counts.size === 0) return undefined;
    return [...this.counts].map(([key, count]) => {
      const [direction, detector, category, type, action] = key.split("\u0000") as [string, string, string, string, string];
      return { action, category, count, detector, direction, type };
    });
  }

  /** Detectors worth running for this table: some category of theirs is acted on, or policies read the findings. */
  private running(table: ActionTable): readonly Detector[] {
    if (policiesReadGuards(this.o)) return this.o.detectors;
    return this.o.detectors.filter((d) => table.acts(d.categories, d.name));
  }

  /** Record findings for the audit summary. */
  note(findings: readonly ActedFinding[]): void {
    for (const f of findings) {
      const key = `${f.direction}\u0000${f.detector}\u0000${f.category}\u0000${f.type}\u0000${f.action}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      if (this.found.length < MAX_FINDINGS_PER_CALL) this.found.push(f);
    }
  }

  /** Cedar's word on findings, when some policy reads them: a deny is a refusal. */
  policyDenies(direction: GuardDirection, findings: readonly ActedFinding[]): Refusal | undefined {
    if (!policiesReadGuards(this.o) || findings.length === 0) return undefined;
    const decision = this.judge(guardContext(direction, findings));
    if (decision.allow) return undefined;
    return refusal("POLICY_DENIED", `${decision.reason} (on what the guards found: ${describe(findings)})`, findings.map(asFinding));
  }
}

const altering = (a: GuardAction): boolean => a === "redact" || a === "block";

/** Whether a prompt or input is token ids: a list of numbers, or a list of such lists (not empty). */
function tokenIds(v: unknown): boolean {
  if (!Array.isArray(v) || v.length === 0) return false;
  const first = v[0] as unknown;
  return typeof first === "number" || (Array.isArray(first) && v.some((x) => Array.isArray(x) && x.length > 0));
}

/** A guard model's verdicts as findings, or its failure as one. */
function modelFindings(verdicts: readonly ModelResult[], direction: GuardDirection, table: ActionTable): ActedFinding[] {
  const out: ActedFinding[] = [];
  for (const r of verdicts) {
    const name = r.slot.model.name;
    if ("error" in r) {
      const failed = {
        detector: name,
        category: "guard-unavailable",
        type: "guard-unavailable",
        severity: "high" as const,
        span: { start: 0, end: 0 },
        confidence: 1,
      };
      out.push({ ...failed, direction, action: r.slot.onError === "allow" ? "flag" : "block", location: `guard model ${name}: ${r.error}` });
      continue;
    }
    if (r.verdict.safe) continue;
    for (const category of r.verdict.categories.length === 0 ? ["unsafe"] : r.verdict.categories) {
      const f = { detector: name, category, type: category, severity: "high" as const, span: { start: 0, end: 0 }, confidence: r.verdict.score ?? 1 };
      out.push({ ...f, direction, action: table.of(f), location: "conversation" });
    }
  }
  return out;
}

export type ModelResult =
  | { readonly slot: GuardModelSlot; readonly verdict: Awaited<ReturnType<GuardModel["judge"]>> }
  | { readonly slot: GuardModelSlot; readonly error: string };

async function judgeWith(slot: GuardModelSlot, input: GuardModelInput): Promise<ModelResult> {
  try {
    return { slot, verdict: await slot.model.judge(input, new AbortController().signal) };
  } catch (err) {
    return { slot, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The answer's filter: a whole answer inspected at once; a stream channel by channel (each choice's content,
 * reasoning and tool-call arguments), held back only when something may be redacted or blocked.
 */
export class AnswerGuard implements OutputGuardStage {
  private readonly channels = new Map<string, ChannelFilter>();
  /** The field each choice's reasoning-and-answer filter last took text for: where its findings are. */
  private readonly saying = new Map<number, string>();
  private blockedBy: Refusal | undefined;
  /** Everything generated, for guard models that judge the whole answer before any of it goes. */
  private readonly whole: string[] = [];

  constructor(
    private readonly call: CallGuards,
    private readonly table: ActionTable,
    private readonly detectors: readonly Detector[],
    private readonly models: readonly GuardModelSlot[],
    private readonly holdChars: number,
    private readonly holds: boolean,
  ) {}

  /** A whole answer: inspected, redacted in place, or refused. */
  async answer(body: Json, request: Json): Promise<Refusal | undefined> {
    const slots = answerTexts(body);
    const findings: ActedFinding[] = [];
    const perSlot: ActedFinding[][] = [];
    for (const slot of slots) {
      const here = this.detect(slot.text, slot.location);
      perSlot.push(here);
      for (const f of here) findings.push(f);
    }
    if (this.models.length > 0) {
      const input = conversation(request, "output", slots.map((s) => s.text).join("\n"));
      const results = await Promise.all(this.models.map((m) => judgeWith(m, input)));
      for (const f of modelFindings(results, "output", this.table)) findings.push(f);
    }
    if (findings.length > 0) {
      this.call.note(findings);
      const blocked = findings.filter((f) => f.action === "block");
      if (blocked.length > 0) return blockedRefusal("output", blocked);
      const denied = this.call.policyDenies("output", findings);
      if (denied !== undefined) return denied;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i] as TextSlot;
        if (!redactSlot(slot, perSlot[i] as ActedFinding[])) continue;
        // The choice's logprobs spell the text redacted: they go too.
        const choice = (body["choices"] as Json[])[Number(slot.location.slice(8, slot.location.indexOf("]")))];
        if (choice !== undefined && choice !== null && typeof choice === "object" && choice["logprobs"] != null) choice["logprobs"] = null;
      }
    }
    return this.holds ? this.unread(body) : undefined;
  }

  /**
   * What a whole answer carries beyond the texts read (content given as parts, a field a runtime adds) is read
   * as the answer's JSON: anything the guards would redact or block there refuses the answer, since it cannot
   * be put right in place. An embeddings answer (data, no choices) carries no text.
   */
  private unread(body: Json): Refusal | undefined {
    const choices = body["choices"];
    if (choices === undefined && Array.isArray(body["data"])) return undefined;
    const rest = Array.isArray(choices) ? unreadOf(choices) : [body];
    if (rest.length === 0) return undefined;
    const found = this.detect(JSON.stringify(rest), "the answer").filter((f) => f.action === "redact" || f.action === "block");
    if (found.length === 0) return undefined;
    const blocked = found.map((f): ActedFinding => ({ ...f, action: "block" }));
    this.call.note(blocked);
    return blockedRefusal("output", blocked);
  }

  /**
   * One streamed chunk (OpenAI dialect), rewritten in place to carry only what may go now; a choice's held text
   * goes with its finish. A refusal cuts the stream.
   */
  chunk(chunk: Json): Refusal | undefined {
    if (this.blockedBy !== undefined) return this.blockedBy;
    const choices = chunk["choices"];
    if (!Array.isArray(choices)) return undefined;
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i] as Json;
      if (choice === null || typeof choice !== "object") continue;
      const index = typeof choice["index"] === "number" ? choice["index"] : i;
      // A chunk carries a delta; a runtime that sends a whole message instead (the dialects read either) has it
      // read as the delta, and a message beside a delta is dropped: nothing goes out that was not read.
      if (choice["message"] !== undefined) {
        if (choice["delta"] === undefined || choice["delta"] === null) choice["delta"] = choice["message"];
        delete choice["message"];
      }
      // A chunk's logprobs spell the tokens it carries: held text must not go out through them.
      if (this.holdsBack && choice["logprobs"] !== undefined && choice["logprobs"] !== null) choice["logprobs"] = null;
      if (typeof choice["text"] === "string") {
        const r = this.pass(`${index}.text`, choice["text"], "text", index);
        if (r === undefined) return this.blockedBy;
        choice["text"] = r;
      }
      const delta = choice["delta"];
      if (delta !== null && typeof delta === "object") {
        const d = delta as Json;
        // Text in a shape the filter cannot read (content as parts) cannot be held or redacted: the stream stops.
        if (this.holdsBack)
          for (const field of SAID_FIELDS)
            if (d[field] !== undefined && d[field] !== null && typeof d[field] !== "string") {
              this.blockedBy = refusal(
                "RUNTIME_RESPONSE_INVALID",
                `the runtime streamed choices[${index}].delta.${field} in a shape the output guards cannot read, so the answer is stopped`,
              );
              return this.blockedBy;
            }
        // A choice's reasoning and answer are read as one text (a reader sees one after the other, so a key
        // may start in one and end in the other); what is released goes back to the field it came from.
        if (typeof d["content"] === "string" && d["reasoning_content"] === undefined && d["reasoning"] === undefined && d["refusal"] === undefined) {
          // the common delta: content alone
          const r = this.say(index, "content", d["content"]);
          if (r === undefined) return this.blockedBy;
          d["content"] = "";
          place(d, "content", r);
        } else {
          let said: [string, string][] | undefined;
          for (const field of SAID_FIELDS) {
            if (typeof d[field] !== "string") continue;
            said ??= [];
            said.push([field, d[field]]);
            d[field] = "";
          }
          if (said !== undefined)
            for (const [field, text] of said) {
              const r = this.say(index, field, text);
              if (r === undefined) return this.blockedBy;
              place(d, field, r);
            }
        }
        const calls = d["tool_calls"];
        if (Array.isArray(calls))
          for (let j = 0; j < calls.length; j++) {
            const fn = (calls[j] as Json | null)?.["function"] as Json | undefined;
            if (fn === undefined || fn === null) continue;
            if (typeof fn["name"] === "string" && fn["name"] !== "") {
              const name = this.named(fn["name"], `choices[${index}].tool_calls`);
              if (name === undefined) return this.blockedBy;
              fn["name"] = name;
            }
            if (typeof fn["arguments"] !== "string") continue;
            const at = (calls[j] as Json)["index"];
            const r = this.pass(`${index}.tool.${typeof at === "number" ? at : j}`, fn["arguments"], "tool", index);
            if (r === undefined) return this.blockedBy;
            fn["arguments"] = r;
          }
        // The legacy function_call streams its arguments as tool calls do.
        const fc = d["function_call"];
        if (fc !== null && typeof fc === "object" && typeof (fc as Json)["name"] === "string" && (fc as Json)["name"] !== "") {
          const name = this.named((fc as Json)["name"] as string, `choices[${index}].function_call`);
          if (name === undefined) return this.blockedBy;
          (fc as Json)["name"] = name;
        }
        if (fc !== null && typeof fc === "object" && typeof (fc as Json)["arguments"] === "string") {
          const r = this.pass(`${index}.fn`, (fc as Json)["arguments"] as string, "fn", index);
          if (r === undefined) return this.blockedBy;
          (fc as Json)["arguments"] = r;
        }
      }
      const finish = choice["finish_reason"];
      if (finish !== undefined && finish !== null) {
        const r = this.flushChoice(index, choice);
        if (r !== undefined) return r;
      }
    }
    return undefined;
  }

  /**
   * The stream ended: held text of choices that never said they finished, as chunks to send before the end,
   * modelled on the last chunk; a guard model's verdict on the whole answer; or a refusal.
   */
  async end(last: Json | undefined, request: Json): Promise<Refusal | Json[]> {
    if (this.blockedBy !== undefined) return this.blockedBy;
    const out: Json[] = [];
    const open = new Set<number>();
    for (const key of this.channels.keys()) open.add(Number(key.slice(0, key.indexOf("."))));
    for (const index of open) {
      const choice: Json = { index, delta: {}, finish_reason: null };
      if (this.hasChannel(`${index}.text`)) {
        delete choice["delta"];
        choice["text"] = "";
      }
      const r = this.flushChoice(index, choice);
      if (r !== undefined) return r;
      if (empty(choice)) continue;
      out.push({ ...(last === undefined ? {} : pick(last, ["id", "object", "created", "model", "system_fingerprint"])), choices: [choice] });
    }
    if (this.models.length > 0) {
      const results = await Promise.all(this.models.map((m) => judgeWith(m, conversation(request, "output", this.whole.join("")))));
      const findings = modelFindings(results, "output", this.table);
      if (findings.length > 0) {
        this.call.note(findings);
        const blocked = findings.filter((f) => f.action === "block");
        if (blocked.length > 0) return blockedRefusal("output", blocked);
        const denied = this.call.policyDenies("output", findings);
        if (denied !== undefined) return denied;
      }
    }
    return out;
  }

  /**
   * A streamed tool call's name, which comes whole in the chunk that opens the call: read on its own, not held.
   * Undefined when blocked.
   */
  private named(name: string, location: string): string | undefined {
    const found = this.detect(name, location);
    if (found.length === 0) return name;
    this.call.note(found);
    const blocked = found.filter((f) => f.action === "block");
    if (blocked.length > 0) {
      this.blockedBy = blockedRefusal("output", blocked);
      return undefined;
    }
    const denied = this.call.policyDenies("output", found);
    if (denied !== undefined) {
      this.blockedBy = denied;
      return undefined;
    }
    const redacting = found.filter((f) => f.action === "redact");
    return redacting.length === 0 ? name : redact(name, redacting, placeholder);
  }

  /** A runtime's error message: what would be redacted or blocked in an answer becomes its placeholder. */
  message(text: string): string {
    const hidden = this.detect(text, "the runtime's error").filter((f) => f.action === "redact" || f.action === "block");
    if (hidden.length === 0) return text;
    this.call.note(hidden);
    return redact(text, hidden, placeholder);
  }

  /** Whether the stream must hold text back: something may be redacted or blocked, or a guard model judges it whole. */
  get holdsBack(): boolean {
    return this.holds || this.models.length > 0;
  }

  /** A piece of a choice's reasoning or answer through the choice's one filter for both; undefined when blocked. */
  private say(index: number, field: string, text: string): Extract<Release, { text: string }> | undefined {
    if (this.models.length > 0) this.whole.push(text);
    const key = `${index}.said`;
    let channel = this.channels.get(key);
    if (channel === undefined) {
      channel = this.channel(() => `choices[${index}].${this.saying.get(index) ?? field}`);
      this.channels.set(key, channel);
    }
    this.saying.set(index, field);
    const r = channel.push(text, field);
    return "text" in r ? r : undefined;
  }

  /** One channel's text through its filter; undefined when blocked. */
  private pass(key: string, text: string, kind: string, index: number): string | undefined {
    if (this.models.length > 0) this.whole.push(text);
    let channel = this.channels.get(key);
    if (channel === undefined) {
      const where = kind === "tool" ? "tool_calls" : kind === "fn" ? "function_call" : kind;
      channel = this.channel(() => `choices[${index}].${where}`);
      this.channels.set(key, channel);
    }
    return this.taken(channel.push(text));
  }

  private detect(text: string, location: string): ActedFinding[] {
    const out: ActedFinding[] = [];
    for (const d of this.detectors) for (const f of d.detect(text)) out.push({ ...f, direction: "output", action: this.table.of(f), location });
    return out;
  }

  private hasChannel(key: string): boolean {
    return this.channels.has(key);
  }

  /** A choice finished: everything its channels hold goes into this chunk (or the block ends the stream). */
  private flushChoice(index: number, choice: Json): Refusal | undefined {
    for (const [key, channel] of this.channels) {
      if (!key.startsWith(`${index}.`)) continue;
      const ended = channel.end();
      const text = this.taken(ended);
      if (text === undefined) return this.blockedBy;
      this.channels.delete(key);
      if (text === "") continue;
      const kind = key.slice(key.indexOf(".") + 1);
      if (kind === "said") {
        if ("text" in ended) place(deltaOf(choice), this.saying.get(index) ?? "content", ended, true);
        continue;
      }
      // What the chunk already carries was released first: the rest of the channel follows it.
      if (kind === "text") choice["text"] = (typeof choice["text"] === "string" ? choice["text"] : "") + text;
      else {
        const delta = deltaOf(choice);
        if (kind.startsWith("tool.")) {
          const calls = Array.isArray(delta["tool_calls"]) ? (delta["tool_calls"] as Json[]) : [];
          calls.push({ index: Number(kind.slice(5)), function: { arguments: text } });
          delta["tool_calls"] = calls;
        } else if (kind === "fn") {
          const fc = delta["function_call"] !== null && typeof delta["function_call"] === "object" ? (delta["function_call"] as Json) : {};
          fc["arguments"] = (typeof fc["arguments"] === "string" ? fc["arguments"] : "") + text;
          delta["function_call"] = fc;
        } else delta[kind] = (typeof delta[kind] === "string" ? delta[kind] : "") + text;
      }
    }
    return undefined;
  }

  private taken(r: Release): string | undefined {
    if ("text" in r) return r.text;
    return undefined;
  }

  private channel(location: () => string): ChannelFilter {
    const detectors = this.detectors;
    const openers = detectors.filter((d) => d.openAt !== undefined);
    return new ChannelFilter({
      holdChars: this.models.length > 0 ? Number.MAX_SAFE_INTEGER : this.holdChars,
      holdsBack: this.holdsBack,
      maxHeldChars: this.models.length > 0 ? Number.MAX_SAFE_INTEGER : Math.max(16 * 1024, this.holdChars * 4),
      scan: (text) => {
        if (detectors.length === 1) return (detectors[0] as Detector).detect(text);
        const all: GuardFinding[] = [];
        for (const d of detectors) for (const f of d.detect(text)) all.push(f);
        return all;
      },
      openAt:
        openers.length === 0
          ? undefined
          : (text) => {
              let at = -1;
              for (const d of openers) {
                const o = (d.openAt as (t: string) => number)(text);
                if (o >= 0 && (at < 0 || o < at)) at = o;
              }
              return at;
            },
      decide: (found) => {
        const where = location();
        const acted = found.map((f): ActedFinding => ({ ...f, direction: "output", action: this.table.of(f), location: where }));
        this.call.note(acted);
        const blocked = acted.filter((f) => f.action === "block");
        if (blocked.length > 0) {
          this.blockedBy = blockedRefusal("output", blocked);
          return { blocked };
        }
        const denied = this.call.policyDenies("output", acted);
        if (denied !== undefined) {
          this.blockedBy = denied;
          return { blocked: acted };
        }
        return { redact: acted.filter((f) => f.action === "redact") };
      },
      placeholder,
    });
  }
}

/** The fields of a delta read as one text, in the order a reader sees them. */
const SAID_FIELDS = ["reasoning_content", "reasoning", "content", "refusal"] as const satisfies readonly (typeof MESSAGE_TEXT_FIELDS)[number][];

/** Released text into the delta: by field when the filter says, else all to `field`; after what it has, or in its place. */
function place(d: Json, field: string, r: Extract<Release, { text: string }>, append = false): void {
  if (r.parts === undefined) {
    d[field] = (append && typeof d[field] === "string" ? d[field] : "") + r.text;
    return;
  }
  for (const p of r.parts) d[p.field] = (typeof d[p.field] === "string" ? d[p.field] : "") + p.text;
}

/** A choice's fields that carry no text, or text answerTexts() reads. */
const READ_CHOICE = new Set(["index", "finish_reason", "stop_reason", "matched_stop", "logprobs", "text", "message", "delta"]);
const READ_MESSAGE = new Set(["role", "content", "reasoning_content", "reasoning", "refusal", "tool_calls", "function_call"]);
const READ_CALL = new Set(["id", "type", "index", "function", "name", "arguments"]);

const TEXT_FIELDS = ["content", "reasoning_content", "reasoning", "refusal"] as const;

/** What the choices of a whole answer carry that answerTexts() does not read; empty for the usual shapes. */
function unreadOf(choices: readonly unknown[]): unknown[] {
  const rest: unknown[] = [];
  for (const c of choices) {
    if (c === null || typeof c !== "object") {
      if (c !== null && c !== undefined) rest.push(c);
      continue;
    }
    const choice = c as Json;
    otherFields(rest, choice, READ_CHOICE);
    if (choice["text"] !== null && typeof choice["text"] === "object") rest.push(choice["text"]);
    for (const holder of ["message", "delta"] as const) {
      const m = choice[holder];
      if (m === null || m === undefined) continue;
      if (typeof m !== "object") {
        rest.push(m);
        continue;
      }
      const msg = m as Json;
      otherFields(rest, msg, READ_MESSAGE);
      // text fields that are not strings (content as parts) were not read
      for (const key of TEXT_FIELDS) if (msg[key] !== null && typeof msg[key] === "object") rest.push(msg[key]);
      const calls = msg["tool_calls"];
      if (Array.isArray(calls))
        for (const t of calls) {
          if (t === null || typeof t !== "object") continue;
          otherFields(rest, t as Json, READ_CALL);
          const fn = (t as Json)["function"];
          if (fn !== null && typeof fn === "object") otherFields(rest, fn as Json, READ_CALL);
        }
      else if (calls !== null && calls !== undefined) rest.push(calls);
      const fc = msg["function_call"];
      if (fc !== null && typeof fc === "object") otherFields(rest, fc as Json, READ_CALL);
    }
  }
  return rest;
}

/** The values of a holder's fields outside `known`, but for nulls and empty objects and arrays. */
function otherFields(rest: unknown[], holder: Json, known: ReadonlySet<string>): void {
  for (const key in holder) {
    if (known.has(key)) continue;
    const v = holder[key];
    if (v === null || v === undefined) continue;
    if (typeof v === "object") {
      if (Array.isArray(v) ? v.length === 0 : isEmpty(v as Json)) continue;
    }
    rest.push(v);
  }
}

function isEmpty(o: Json): boolean {
  for (const _ in o) return false;
  return true;
}

function deltaOf(choice: Json): Json {
  const d = choice["delta"];
  if (d !== null && typeof d === "object") return d as Json;
  const fresh: Json = {};
  choice["delta"] = fresh;
  return fresh;
}

function empty(choice: Json): boolean {
  const delta = choice["delta"] as Json | undefined;
  if (delta !== undefined) return Object.keys(delta).length === 0;
  return choice["text"] === "";
}

function pick(from: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

/** Redact what is to be redacted in one slot; whether anything was. */
function redactSlot(slot: TextSlot, findings: readonly ActedFinding[]): boolean {
  const redacting = findings.filter((f) => f.action === "redact");
  if (redacting.length === 0) return false;
  slot.set(redact(slot.text, redacting, placeholder));
  return true;
}

const SEVERITY_RANK: Readonly<Record<Severity | "none", number>> = { none: 0, info: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** context.guards for Cedar from what was found. */
export function guardContext(direction: GuardDirection, findings: readonly GuardFinding[]): GuardContext {
  const categories = new Set<string>();
  const types = new Set<string>();
  const detectors = new Set<string>();
  let max: Severity | "none" = "none";
  const scores = { secret: 0, pii: 0, injection: 0, jailbreak: 0, model: 0 };
  const builtIn = new Set(["secrets", "pii", "injection"]);
  for (const f of findings) {
    categories.add(f.category);
    types.add(f.type);
    detectors.add(f.detector);
    if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[max]) max = f.severity;
    const score = Math.round(Math.min(1, Math.max(0, f.confidence)) * 100);
    const key: keyof typeof scores = builtIn.has(f.detector) && f.category in scores ? (f.category as keyof typeof scores) : "model";
    if (score > scores[key]) scores[key] = score;
  }
  return { direction, categories: [...categories], types: [...types], detectors: [...detectors], maxSeverity: max, scores, count: findings.length };
}

/** "a secret (github-token) in messages[1].content; …": what a person needs to find it, never the text. */
export function describe(findings: readonly ActedFinding[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const f of findings) {
    const what = f.category === "guard-unavailable" ? f.location : `${f.category} (${f.type}) in ${f.location}`;
    if (seen.has(what)) continue;
    seen.add(what);
    if (parts.length === 5) {
      parts.push(`and ${findings.length - 5} more`);
      break;
    }
    parts.push(what);
  }
  return parts.join("; ");
}

function asFinding(f: ActedFinding): Finding {
  return {
    rule: `guard:${f.detector}:${f.type}`,
    severity: f.severity,
    message: `${f.category} (${f.type}): ${f.action}`,
    location: `${f.direction}:${f.location}`,
  };
}

function blockedRefusal(direction: GuardDirection, blocked: readonly ActedFinding[]): Refusal {
  const unavailable = blocked.find((f) => f.category === "guard-unavailable");
  if (unavailable !== undefined)
    return refusal(
      "GUARD_UNAVAILABLE",
      `the call is refused because a guard could not judge it (${unavailable.location}): try again shortly`,
      blocked.map(asFinding),
    );
  const what = direction === "input" ? "the request was blocked by Perimeter's guards" : "the answer was stopped by Perimeter's guards";
  return refusal("GUARD_BLOCKED", `${what}: ${describe(blocked)}`, blocked.map(asFinding));
}

/** The conversation a guard model judges, from the request (and, for output, the answer). */
function conversation(request: Json, direction: GuardDirection, answer?: string): GuardModelInput {
  const messages: { role: "system" | "user" | "assistant" | "tool"; content: string }[] = [];
  const list = request["messages"];
  if (Array.isArray(list)) {
    for (const m of list as unknown[]) {
      if (m === null || typeof m !== "object") continue;
      const msg = m as Json;
      const role = msg["role"];
      const text = contentText(msg["content"]);
      if (text === "") continue;
      messages.push({
        role: role === "system" || role === "developer" ? "system" : role === "assistant" ? "assistant" : role === "tool" ? "tool" : "user",
        content: text,
      });
    }
  }
  for (const key of ["prompt", "input"] as const) {
    const v = request[key];
    if (typeof v === "string") messages.push({ role: "user", content: v });
    else if (Array.isArray(v)) for (const s of v) if (typeof s === "string") messages.push({ role: "user", content: s });
  }
  if (answer !== undefined) messages.push({ role: "assistant", content: answer });
  return { direction, messages };
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const p of content as unknown[])
    if (p !== null && typeof p === "object" && typeof (p as Json)["text"] === "string") parts.push((p as Json)["text"] as string);
  return parts.join("\n");
}
