import RE2 from "re2";
import { type InjectionModel, scoreText, shippedModel } from "./injection-classifier.js";
import { LiteralPrefilter } from "./injection-prefilter.js";
import { INJECTION_RULES } from "./injection-rules/index.js";
import { type InjectionRule, type InjectionType, JAILBREAK_TYPES } from "./injection-rules/types.js";
import { originalSpan, type TextView, textViews } from "./normalize.js";
import type { Detector, GuardFinding } from "./types.js";

// Prompt injection and jailbreaks, in every language that has rules and through every view of the text
// that undoes an obfuscation. Most text matches no rule, so each view costs one pass of a literal prefilter
// (./injection-prefilter.ts: the literals every match of each rule must contain, found by one Aho–Corasick
// automaton); only the rules whose literals are all there then run with offsets. One RE2 set of all the rules
// did that job before, and its lazy DFA cost tens of µs a byte on long jailbreak text. A weight-1 rule is a finding by itself;
// weaker signals add up, each rule counted once, within a window of the view, and make a finding at 1.
// An attack phrase quoted in text that discusses attacks, and chat markers in text that documents chat
// templates or builds a `messages` array, are what the look-alikes look like, and are damped.

const DETECTOR = "injection";
/** View characters within which weak signals add up: about a paragraph. */
const WINDOW = 600;
/** A rule found this often in one view has said all it can; stopping bounds the work on adversarial text. */
const MAX_MATCHES_PER_RULE = 32;
const REPORT_AT = 0.999;
/** Characters before a match in which a quote mark makes it a quotation. */
const QUOTE_LOOKBACK = 3;
const QUOTES = new Set(["'", '"', "“", "‘", "«", "„", "`", "「", "『"]);

/** Words of text that talks about attacks rather than makes one. */
const DISCUSSION =
  "prompt[\\s-]+injections?|injection\\s+(?:attacks?|attempts?|payloads?)|jailbreak(?:s|ing)?\\s+(?:attempts?|attacks?|prompts?|techniques?|methods?|patterns?)|" +
  "attackers?|adversar(?:y|ies|ial)|red[\\s-]?team|malicious\\s+(?:prompts?|inputs?|users?|instructions)|(?:phrases?|strings?|patterns?|inputs?)\\s+(?:like|such\\s+as)|" +
  "detect(?:s|ed|ion|or|ing)?\\b|classif(?:y|ier|ies|ication)|regex|regular\\s+expression|blocklist|denylist|blacklist|filter\\s+out|payloads?|mitigat|defen[cs]e|" +
  "security\\s+research";
/** Words of text that documents chat templates or builds chat requests in code. */
const DOCUMENTATION =
  "chat[\\s_-]?templates?|chatml|tokeni[sz]er|jinja|special\\s+tokens?|prompt\\s+(?:format|template)s?|```|apply_chat_template|messages\\s*[=:]\\s*\\[|" +
  "\\bdef\\s|\\bimport\\s|\\bconst\\s|\\bfunction\\s|=>|\\bclient\\.|\\.create\\(|json\\.dumps|json\\.stringify|requests\\.post|fetch\\(|system_prompt|model\\s+card|" +
  "fine[\\s-]?tun";

const SEVERITY: Readonly<Record<InjectionType, GuardFinding["severity"]>> = {
  "instruction-override": "high",
  "fake-marker": "high",
  "prompt-leak": "high",
  indirect: "high",
  persona: "medium",
  fiction: "medium",
};
const SEVERITY_RANK: Readonly<Record<GuardFinding["severity"], number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

interface CompiledRule {
  readonly rule: InjectionRule;
  readonly regex: RE2;
}

/** A rule's match in a view, in the view's UTF-16 offsets, with the weight it carries there. */
interface Signal {
  readonly index: number;
  readonly lang: string;
  readonly type: InjectionType;
  readonly weight: number;
  readonly start: number;
  readonly end: number;
}

interface Candidate {
  readonly type: InjectionType;
  readonly severity: GuardFinding["severity"];
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
}

interface Compiled {
  readonly rules: readonly CompiledRule[];
  readonly prefilter: LiteralPrefilter;
  readonly all: readonly number[];
}
let compiled: Compiled | undefined;

/**
 * The rules compiled and their prefilter, built by the first detector made, not on import: about a second of
 * start-up that a gateway or `guard check` without the injection detector need not pay.
 */
function compile(): Compiled {
  compiled ??= {
    rules: INJECTION_RULES.map((rule) => ({ rule, regex: new RE2(rule.pattern, "g") })),
    prefilter: new LiteralPrefilter(INJECTION_RULES.map((rule) => rule.pattern)),
    all: INJECTION_RULES.map((_, index) => index),
  };
  return compiled;
}
const discussionCue = new RE2(DISCUSSION);
const documentationCue = new RE2(DOCUMENTATION);

/**
 * How a view's candidate rules are chosen: `literals`, the prefilter (the default); `set`, one RE2 set of all
 * the rules (what came before, kept to compare speed); `none`, every rule runs. All three find the same.
 */
export type InjectionPrefilter = "literals" | "set" | "none";

export interface InjectionOptions {
  /**
   * The learned classifier beside the rules (./injection-classifier.ts): `true` (default) for the shipped
   * weights, `false` for the rules alone, or a model of one's own.
   */
  readonly classifier?: boolean | InjectionModel;
  readonly prefilter?: InjectionPrefilter;
}

/** Creates the injection and jailbreak detector; its compiled rules are shared, so creating more than one is cheap. */
export function injectionDetector(options: InjectionOptions = {}): Detector {
  const model =
    options.classifier === false ? undefined : options.classifier === true || options.classifier === undefined ? shippedModel() : options.classifier;
  const choose = CHOOSERS[options.prefilter ?? "literals"];
  compile();
  return { name: DETECTOR, categories: ["injection", "jailbreak"], detect: (text) => detectInjection(text, choose, model) };
}

/** The patterns the prefilter has no literal for, and those it filters on literals under 3 bytes only: for reports. */
export function injectionPrefilterStats() {
  const { prefilter } = compile();
  return {
    rules: INJECTION_RULES.length,
    alwaysRun: prefilter.alwaysRun.map((i) => INJECTION_RULES[i]!.id),
    shortOnly: prefilter.shortOnly.map((i) => INJECTION_RULES[i]!.id),
    ...prefilter.stats,
  };
}

/** Picks the rules that may match a view's UTF-8 bytes, in ascending order; may name more, never fewer. */
type Chooser = (bytes: Buffer) => readonly number[];

let ruleSet: InstanceType<typeof RE2.Set> | undefined;

const CHOOSERS: Readonly<Record<InjectionPrefilter, Chooser>> = {
  literals: (bytes) => compile().prefilter.candidates(bytes),
  none: () => compile().all,
  set: (bytes) => {
    // the set's DFA is large with this many rules; 64 MiB keeps it from running out on long mixed-script text
    ruleSet ??= new RE2.Set(
      INJECTION_RULES.map((rule) => rule.pattern),
      { maxMem: 64 << 20 },
    );
    try {
      return ruleSet.match(bytes);
    } catch {
      return compile().all;
    }
  },
};

function detectInjection(text: string, choose: Chooser, model: InjectionModel | undefined): GuardFinding[] {
  if (text.length === 0) return [];
  const candidates: Candidate[] = [];
  const learned: Candidate[] = [];
  for (const view of textViews(text)) {
    applyRules(view, choose, candidates);
    if (model !== undefined) classify(model, view, learned);
  }
  // where a rule found the attack it also named it; the classifier adds what no rule saw
  for (const c of learned) if (!candidates.some((r) => r.start < c.end && c.start < r.end)) candidates.push(c);
  return merge(candidates).map(toFinding);
}

/** The classifier's most attack-like window of the view, when it scores at or above the model's threshold. */
function classify(model: InjectionModel, view: TextView, out: Candidate[]): void {
  const best = scoreText(model, view.text);
  if (best?.type === undefined) return;
  out.push(candidate(view, best.type, best.start, best.end, Math.round(best.score * 100) / 100));
}

/** A finding of the view, in the original text's offsets. */
function candidate(view: TextView, type: InjectionType, start: number, end: number, confidence: number): Candidate {
  const span = originalSpan(view, start, end);
  // hiding an instruction is itself a sign of intent, whatever the instruction is
  const severity = view.kind !== "plain" ? "high" : SEVERITY[type];
  return { type, severity, start: span.start, end: span.end, confidence };
}

function applyRules(view: TextView, choose: Chooser, out: Candidate[]): void {
  const bytes = Buffer.from(view.text, "utf8");
  const present = choose(bytes);
  if (present.length === 0) return;
  const signals = collectSignals(view, bytes, present);
  if (signals.length === 0) return;
  const emit = (type: InjectionType, start: number, end: number, confidence: number) => out.push(candidate(view, type, start, end, confidence));
  for (const signal of signals) if (signal.weight >= REPORT_AT) emit(signal.type, signal.start, signal.end, 0.9);
  sumWeak(oneLanguagePerWord(signals), emit);
}

/** What RE2 returns for a match in a buffer: offsets in bytes. */
type ByteMatch = { readonly index: number } & ArrayLike<Buffer | undefined>;

function collectSignals(view: TextView, bytes: Buffer, present: readonly number[]): Signal[] {
  const toView = bytes.length === view.text.length ? undefined : byteToUtf16(view.text, bytes.length);
  // whether the text discusses attacks or documents a format: read once, and only when a rule matched
  let cues: { discussing: boolean; documenting: boolean } | undefined;
  const cuesOf = () => {
    if (cues === undefined) {
      const discussing = discussionCue.test(bytes);
      cues = { discussing, documenting: discussing || documentationCue.test(bytes) };
    }
    return cues;
  };
  const signals: Signal[] = [];
  const { rules } = compile();
  for (const index of present) {
    const entry = rules[index];
    if (entry === undefined) continue;
    const { rule, regex } = entry;
    regex.lastIndex = 0;
    for (let n = 0; n < MAX_MATCHES_PER_RULE; n++) {
      const match = regex.exec(bytes) as unknown as ByteMatch | null;
      const whole = match?.[0];
      if (match === null || whole === undefined) break;
      const byteEnd = match.index + whole.length;
      if (whole.length === 0) regex.lastIndex = byteEnd + 1;
      const start = toView ? (toView[match.index] ?? 0) : match.index;
      const end = toView ? (toView[byteEnd] ?? view.text.length) : byteEnd;
      const { discussing, documenting } = cuesOf();
      if (discussing && quoted(view.text, start)) continue;
      let weight = rule.weight;
      if (weight < 1 && (discussing || (documenting && rule.type === "fake-marker"))) weight /= 2;
      signals.push({ index, lang: rule.lang, type: rule.type, weight, start, end });
    }
    regex.lastIndex = 0;
  }
  return signals.sort((a, b) => a.start - b.start);
}

/**
 * The same words matched by two languages' rules ("jailbreak" is a loanword in most of them) are one signal,
 * at the larger weight: weak signals add up across rules of one language, not across translations of a rule.
 */
function oneLanguagePerWord(signals: readonly Signal[]): Signal[] {
  const kept: Signal[] = [];
  for (const s of signals) {
    let merged = false;
    if (s.weight < REPORT_AT) {
      for (let i = kept.length - 1; i >= 0; i--) {
        const k = kept[i]!;
        if (k.end <= s.start && s.start - k.start > WINDOW) break;
        if (k.weight >= REPORT_AT || k.type !== s.type || k.lang === s.lang || k.end <= s.start || s.end <= k.start) continue;
        if (s.weight > k.weight) kept[i] = s;
        merged = true;
        break;
      }
    }
    if (!merged) kept.push(s);
  }
  return kept;
}

/** A phrase inside quotes in text about attacks is mentioned, not said. */
function quoted(text: string, start: number): boolean {
  for (let i = Math.max(0, start - QUOTE_LOOKBACK); i < start; i++) if (QUOTES.has(text.charAt(i))) return true;
  return false;
}

/** Maps each UTF-8 byte offset of `text` to its UTF-16 offset (continuation bytes to their character's start). */
function byteToUtf16(text: string, byteLength: number): Int32Array {
  const map = new Int32Array(byteLength + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let width = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    // a surrogate pair is one 4-byte character spanning two UTF-16 units
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) width = 4;
    }
    for (let k = 0; k < width && b < byteLength; k++) map[b++] = i;
    if (width === 4) i++;
  }
  map[byteLength] = text.length;
  return map;
}

/**
 * Adds signals within a sliding window, each rule once at its largest weight. A window that reaches 1 and
 * holds weak signals is a finding of the weak type that carries most of their weight. Where the weak signals
 * alone fall short, a strong one beside them confirms only chat markers: a marker next to an override is a fake
 * marker, not chat-template prose, while "from now on" next to a persona escape adds nothing to say.
 */
function sumWeak(signals: readonly Signal[], emit: (type: InjectionType, start: number, end: number, confidence: number) => void): void {
  const inWindow = new Map<number, number[]>();
  let left = 0;
  let total = 0;
  let weakTotal = 0;
  const weightOf = (index: number) => Math.min(1, Math.max(0, ...(inWindow.get(index) ?? [])));
  const change = (s: Signal, update: (list: number[]) => void) => {
    const before = weightOf(s.index);
    const list = inWindow.get(s.index) ?? [];
    update(list);
    if (list.length === 0) inWindow.delete(s.index);
    else inWindow.set(s.index, list);
    const delta = weightOf(s.index) - before;
    total += delta;
    if (s.weight < REPORT_AT) weakTotal += delta;
  };
  for (let right = 0; right < signals.length; right++) {
    const current = signals[right]!;
    change(current, (list) => list.push(current.weight));
    while (left < right && current.start - signals[left]!.start > WINDOW) {
      const leaving = signals[left++]!;
      change(leaving, (list) => list.splice(list.indexOf(leaving.weight), 1));
    }
    if (total < REPORT_AT) continue;
    const byType = new Map<InjectionType, number>();
    for (let i = left; i <= right; i++) {
      const s = signals[i]!;
      if (s.weight < REPORT_AT) byType.set(s.type, (byType.get(s.type) ?? 0) + s.weight);
    }
    if (weakTotal < REPORT_AT) for (const t of byType.keys()) if (t !== "fake-marker") byType.delete(t);
    if (byType.size === 0) continue;
    const type = [...byType.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
    let start = current.start;
    let end = current.end;
    for (let i = left; i <= right; i++) {
      const s = signals[i]!;
      if (s.type !== type || s.weight >= REPORT_AT) continue;
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
    }
    emit(type, start, end, Math.round(Math.min(0.85, 0.6 + 0.1 * (total - 1)) * 100) / 100);
  }
}

/** One finding per type and overlapping region, whichever views found it; ordered by start. */
function merge(candidates: Candidate[]): Candidate[] {
  candidates.sort((a, b) => a.start - b.start || a.end - b.end);
  const open = new Map<InjectionType, number>();
  const merged: Candidate[] = [];
  for (const c of candidates) {
    const at = open.get(c.type);
    const last = at === undefined ? undefined : merged[at];
    if (at !== undefined && last !== undefined && c.start < last.end) {
      merged[at] = {
        type: c.type,
        severity: SEVERITY_RANK[c.severity] > SEVERITY_RANK[last.severity] ? c.severity : last.severity,
        start: last.start,
        end: Math.max(last.end, c.end),
        confidence: Math.max(last.confidence, c.confidence),
      };
    } else {
      open.set(c.type, merged.length);
      merged.push(c);
    }
  }
  return merged.sort((a, b) => a.start - b.start);
}

function toFinding(c: Candidate): GuardFinding {
  return {
    detector: DETECTOR,
    category: JAILBREAK_TYPES.has(c.type) ? "jailbreak" : "injection",
    type: c.type,
    severity: c.severity,
    span: { start: c.start, end: c.end },
    confidence: c.confidence,
  };
}
