import RE2 from "re2";
import { PEM_ANCHOR, PEM_MARKER, SECRET_RULES, type SecretRule } from "./secret-rules.js";
import type { Detector, GuardFinding } from "./types.js";

// Credentials in prompts and answers. Most text has none, so the common case is one RE2 pass over the text
// with every rule's anchor in one alternation; only when it matches does a set of the same anchors say which
// rules to run, and each of those runs once over the text. Every regex here is RE2: linear in the text.

const DETECTOR = "secrets";
const CATEGORY = "secret";

interface CompiledRule {
  readonly rule: SecretRule;
  readonly regex: RE2;
}

interface Candidate {
  readonly type: string;
  readonly severity: GuardFinding["severity"];
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
  readonly priority: number;
}

const PEM_PRIORITY = 4;
/** A run this long of base64 after a BEGIN line is key material, not a header quoted in prose. */
const PEM_BODY_RUN = 40;

const anchors = [...SECRET_RULES.map((rule) => rule.anchor), PEM_ANCHOR];
const prefilter = new RE2(anchors.map((anchor) => `(?:${anchor})`).join("|"));
const anchorSet = new RE2.Set(anchors);
const PEM_INDEX = SECRET_RULES.length;

function compile(rule: SecretRule): CompiledRule {
  return { rule, regex: new RE2(rule.pattern, "g") };
}

/** Creates the secrets detector; its compiled regexes are shared, so creating more than one is cheap. */
export function secretsDetector(): Detector {
  return { name: DETECTOR, categories: [CATEGORY], detect: detectSecrets, openAt: openPrivateKeyAt };
}

const compiledRules: readonly CompiledRule[] = SECRET_RULES.map(compile);
const pemMarker = new RE2(PEM_MARKER, "g");

function detectSecrets(text: string): GuardFinding[] {
  if (text.length === 0 || !prefilter.test(text)) return [];
  const candidates: Candidate[] = [];
  for (const index of rulesPresent(text)) {
    if (index === PEM_INDEX) findPrivateKeys(text, candidates);
    else {
      const compiled = compiledRules[index];
      if (compiled) scan(compiled, text, candidates);
    }
  }
  return resolveOverlaps(candidates, text.length).map(toFinding);
}

/** Which rules' anchors occur in the text; every rule when the set cannot say (its DFA ran out of memory). */
function rulesPresent(text: string): readonly number[] {
  try {
    return anchorSet.match(text);
  } catch {
    return anchors.map((_, index) => index);
  }
}

function scan({ rule, regex }: CompiledRule, text: string, out: Candidate[]): void {
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const value = match[rule.spanGroup ?? firstTakingPart(match)];
    if (value === undefined || value.length === 0) break;
    // what follows a span group in its match (a boundary, `@`, a quote) cannot hold it, so its last occurrence is it;
    // this spares RE2's `d` flag, which costs a microsecond a match
    const start = match.index + match[0].lastIndexOf(value);
    const end = start + value.length;
    // resume at the span's end: the character a pattern consumed after it may lead the next credential
    regex.lastIndex = Math.max(end, match.index + 1);
    const judgement = rule.judge ? rule.judge(match) : { confidence: 1 };
    if (judgement === null || judgement.confidence <= 0) continue;
    out.push({
      type: judgement.type ?? rule.type,
      severity: rule.severity,
      start,
      end,
      confidence: judgement.confidence,
      priority: rule.priority,
    });
  }
  regex.lastIndex = 0;
}

function firstTakingPart(match: RegExpExecArray): number {
  for (let i = 1; i < match.length; i++) if (match[i] !== undefined) return i;
  return 0;
}

/** BEGIN..END, or BEGIN..end of text when END has not come: a key cut off is still a key. */
function findPrivateKeys(text: string, out: Candidate[]): void {
  let open = -1;
  pemMarker.lastIndex = 0;
  for (let marker = pemMarker.exec(text); marker !== null; marker = pemMarker.exec(text)) {
    if (marker[1] === "BEGIN") {
      if (open < 0) open = marker.index;
    } else if (open >= 0) {
      out.push(privateKey(text, open, marker.index + marker[0].length));
      open = -1;
    }
  }
  pemMarker.lastIndex = 0;
  if (open >= 0) out.push(privateKey(text, open, text.length));
}

function privateKey(text: string, start: number, end: number): Candidate {
  return { type: "private-key", severity: "high", start, end, confidence: hasKeyMaterial(text, start, end) ? 1 : 0.6, priority: PEM_PRIORITY };
}

/** Looks for a long base64 run after the BEGIN line; line breaks (real or JSON-escaped) do not end a run. */
function hasKeyMaterial(text: string, start: number, end: number): boolean {
  const headerEnd = text.indexOf("-----", text.indexOf("PRIVATE KEY", start)) + 5;
  const limit = Math.min(end, headerEnd + 4096);
  let run = 0;
  for (let i = headerEnd; i < limit; i++) {
    const c = text.charCodeAt(i);
    const base64 = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
    if (base64) {
      if (++run >= PEM_BODY_RUN) return true;
    } else if (c === 92 && text.charCodeAt(i + 1) === 110) {
      i++;
    } else if (c !== 10 && c !== 13) {
      run = 0;
    }
  }
  return false;
}

/** For streams: the first BEGIN line after the last END line, where a private key is still open. */
function openPrivateKeyAt(text: string): number {
  if (!text.includes("-----BEGIN")) return -1;
  let open = -1;
  pemMarker.lastIndex = 0;
  for (let marker = pemMarker.exec(text); marker !== null; marker = pemMarker.exec(text)) {
    if (marker[1] === "BEGIN") {
      if (open < 0) open = marker.index;
    } else open = -1;
  }
  pemMarker.lastIndex = 0;
  return open;
}

/**
 * Keeps one finding per stretch of text: a key inside a `token = …` assignment is a GitHub token, not a
 * generic secret. Higher priority, then higher confidence, then the longer span wins.
 */
function resolveOverlaps(candidates: Candidate[], textLength: number): Candidate[] {
  if (candidates.length <= 1) return candidates;
  const ranked = [...candidates].sort(
    (a, b) => b.priority - a.priority || b.confidence - a.confidence || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Candidate[] = [];
  const taken = new Uint8Array(textLength);
  for (const candidate of ranked) {
    let free = true;
    for (let i = candidate.start; i < candidate.end; i++) {
      if (taken[i] === 1) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, candidate.start, candidate.end);
    kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function toFinding(candidate: Candidate): GuardFinding {
  return {
    detector: DETECTOR,
    category: CATEGORY,
    type: candidate.type,
    severity: candidate.severity,
    span: { start: candidate.start, end: candidate.end },
    confidence: candidate.confidence,
  };
}
