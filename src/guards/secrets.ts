import RE2 from "re2";
import { PEM_ANCHOR, PEM_MARKER, SECRET_RULES, type SecretRule } from "./secret-rules.js";
import type { Detector, GuardFinding } from "./types.js";
import { MASK_SOURCE, originSpan, unmask } from "./unmask.js";
import { toUtf16Offsets } from "./utf8.js";

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
/** The prefilter, or something unmask() would change: the one pass every text gets. */
const prefilterOrMask = new RE2(`${anchors.map((anchor) => `(?:${anchor})`).join("|")}|${MASK_SOURCE}`);
// with RE2's default 8 MiB the set's DFA thrashes on code-heavy text (2.9 ms for 256 KB); 16 MiB gives 1.7 ms
const anchorSet = new RE2.Set(anchors, { maxMem: 16 << 20 });
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

/** What RE2 returns for a match in a buffer: each group as bytes, offsets in bytes. */
type ByteMatch = { readonly index: number } & ArrayLike<Buffer | undefined>;

function execBytes(regex: RE2, bytes: Buffer): ByteMatch | null {
  return regex.exec(bytes) as unknown as ByteMatch | null;
}

/**
 * The text as written, and where it hides something (invisible characters between a key's characters, JSON
 * escapes a client decodes) the text as its reader gets it back, mapped to the text's offsets.
 */
function detectSecrets(text: string): GuardFinding[] {
  if (text.length === 0) return [];
  // one UTF-8 copy for every regex: given a string, each RE2 object would make its own
  const bytes = Buffer.from(text, "utf8");
  if (!prefilterOrMask.test(bytes)) return [];
  const found = detectIn(text, bytes);
  const view = unmask(text, bytes);
  if (view === undefined) return found;
  const hidden = detectIn(view.text, Buffer.from(view.text, "utf8"));
  if (hidden.length === 0) return found;
  const all = [...found];
  for (const f of hidden) {
    const span = originSpan(view, f.span);
    if (found.some((g) => g.span.start < span.end && span.start < g.span.end)) continue;
    all.push({ ...f, span });
  }
  return all.sort((a, b) => a.span.start - b.span.start);
}

function detectIn(text: string, bytes: Buffer): GuardFinding[] {
  if (!prefilter.test(bytes)) return [];
  const candidates: Candidate[] = [];
  for (const index of rulesPresent(bytes)) {
    if (index === PEM_INDEX) findPrivateKeys(bytes, candidates);
    else {
      const compiled = compiledRules[index];
      if (compiled) scan(compiled, bytes, candidates);
    }
  }
  const kept = resolveOverlaps(candidates, bytes.length);
  const findings = bytes.length === text.length ? kept : toUtf16Offsets(kept, bytes);
  return findings.map(toFinding);
}

/** Which rules' anchors occur in the text; every rule when the set cannot say (its DFA ran out of memory). */
function rulesPresent(bytes: Buffer): readonly number[] {
  try {
    return anchorSet.match(bytes);
  } catch {
    return anchors.map((_, index) => index);
  }
}

function scan({ rule, regex }: CompiledRule, bytes: Buffer, out: Candidate[]): void {
  regex.lastIndex = 0;
  for (let match = execBytes(regex, bytes); match !== null; match = execBytes(regex, bytes)) {
    const whole = match[0];
    const value = match[rule.spanGroup ?? firstTakingPart(match)];
    if (whole === undefined || value === undefined || value.length === 0) break;
    // what follows a span group in its match (a boundary, `@`, a quote) cannot hold it, so its last occurrence is it
    const start = match.index + whole.lastIndexOf(value);
    const end = start + value.length;
    // resume at the span's end: the character a pattern consumed after it may lead the next credential
    regex.lastIndex = Math.max(end, match.index + 1);
    const judgement = rule.judge ? rule.judge(Array.from(match, (group) => group?.toString("utf8"))) : { confidence: 1 };
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

function firstTakingPart(match: ByteMatch): number {
  for (let i = 1; i < match.length; i++) if (match[i] !== undefined) return i;
  return 0;
}

const BEGIN = 66; // "B"

/** BEGIN..END, or BEGIN..end of text when END has not come: a key cut off is still a key. */
function findPrivateKeys(bytes: Buffer, out: Candidate[]): void {
  let open = -1;
  pemMarker.lastIndex = 0;
  for (let marker = execBytes(pemMarker, bytes); marker !== null; marker = execBytes(pemMarker, bytes)) {
    if (marker[1]?.[0] === BEGIN) {
      if (open < 0) open = marker.index;
    } else if (open >= 0) {
      out.push(privateKey(bytes, open, marker.index + (marker[0]?.length ?? 0)));
      open = -1;
    }
  }
  pemMarker.lastIndex = 0;
  if (open >= 0) out.push(privateKey(bytes, open, bytes.length));
}

function privateKey(bytes: Buffer, start: number, end: number): Candidate {
  return { type: "private-key", severity: "high", start, end, confidence: hasKeyMaterial(bytes, start, end) ? 1 : 0.6, priority: PEM_PRIORITY };
}

/** Looks for a long base64 run after the BEGIN line; line breaks (real or JSON-escaped) do not end a run. */
function hasKeyMaterial(bytes: Buffer, start: number, end: number): boolean {
  const headerEnd = bytes.indexOf("-----", bytes.indexOf("PRIVATE KEY", start)) + 5;
  const limit = Math.min(end, headerEnd + 4096);
  let run = 0;
  for (let i = headerEnd; i < limit; i++) {
    const c = bytes[i] ?? 0;
    const base64 = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
    if (base64) {
      if (++run >= PEM_BODY_RUN) return true;
    } else if (c === 92 && bytes[i + 1] === 110) {
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
