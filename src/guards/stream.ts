import type { GuardFinding } from "./types.js";

// The streaming output filter: one channel of generated text (a choice's content, its reasoning, one tool
// call's arguments) inspected as it streams, so that nothing a guard would redact or block is sent before it
// has been seen whole. Text is held back behind the newest: a fixed window (for matches that span words: a
// phone number, an IBAN in groups, `password: value`), the word still being written (a key is one word,
// however many chunks bring it), and from a detector's open match (a PEM block until its END line). Past
// that, text is released once inspected.
//
// The work is linear in the whole answer: the held text is inspected only when it has grown by half the
// window (or by half itself, when a long word is held) since the last look, and what is inspected is the held text plus a bounded tail of what was already
// sent (context for rules that read the name before a value), so each character is read a bounded number of
// times however the answer is chunked.

/** Detect over a text; findings in the text's own offsets. */
export type Scan = (text: string) => GuardFinding[];
/** The earliest offset at which a match may still be open at the end of the text, or -1. */
export type OpenAt = (text: string) => number;

/**
 * What a channel decided about the findings in the text it is about to release. When pushes name their field
 * (a channel that reads a choice's reasoning and its answer as one text) and the text held spans more than one,
 * `parts` says which field each piece of the text is, each redacted on its own (a key split across two fields
 * is a placeholder in each); without `parts`, the text is all the field last pushed.
 */
export type Release = { readonly text: string; readonly parts?: readonly ReleasedPart[] } | { readonly blocked: readonly GuardFinding[] };

export interface ReleasedPart {
  readonly field: string;
  readonly text: string;
}

export interface ChannelOptions {
  /** Characters held behind the newest (the configured tokens × 4). */
  readonly holdChars: number;
  /**
   * False when nothing found can change or stop the text (findings are only recorded): each piece is then
   * inspected (with the tail before it) and sent at once.
   */
  readonly holdsBack: boolean;
  /** Held text past which an unfinished word or an open match no longer holds the rest back. */
  readonly maxHeldChars: number;
  readonly scan: Scan;
  readonly openAt: OpenAt | undefined;
  /**
   * The findings whose spans lie in the text about to be released, in its offsets: the channel's owner
   * decides (block, or which to redact) and records them. Returns the findings to redact, or a block.
   */
  decide(findings: readonly GuardFinding[]): { readonly redact: readonly GuardFinding[] } | { readonly blocked: readonly GuardFinding[] };
  /** The placeholder a redacted finding becomes. */
  placeholder(f: GuardFinding): string;
}

/** Released text kept as context for the next inspection. */
const CONTEXT_CHARS = 64;

export class ChannelFilter {
  private held = "";
  /** The tail of what was released, as it was generated (unredacted), for rules that read what came before. */
  private context = "";
  /** The held length at which to look again: half as much again as is held, so a long held word costs linear time. */
  private nextLookAt = 0;
  private readonly step: number;
  /** Where each field's text ends in `held`, when pushes named fields (in order; the last is open). */
  private fields: { field: string; end: number }[] = [];

  constructor(private readonly o: ChannelOptions) {
    this.step = Math.max(1, o.holdChars >> 1);
  }

  /**
   * Take the next piece of generated text; the text safe to send now (often empty), or a block. `field` names
   * which of the channel's fields the piece belongs to, for a channel that reads several as one text.
   */
  push(text: string, field?: string): Release {
    this.held += text;
    if (field !== undefined) {
      const last = this.fields.at(-1);
      if (last !== undefined && last.field === field) last.end = this.held.length;
      else this.fields.push({ field, end: this.held.length });
    }
    if (!this.o.holdsBack) return this.release(true);
    if (this.held.length < this.o.holdChars || this.held.length < this.nextLookAt) return EMPTY;
    return this.release(false);
  }

  /** The stream ended: whatever is held, inspected as complete. */
  end(): Release {
    if (this.held === "") return EMPTY;
    return this.release(true);
  }

  private release(final: boolean): Release {
    const held = this.held;
    const offset = this.context.length;
    const text = this.context + held;
    const found = this.o.scan(text);
    let cut = final ? held.length : this.boundary(text, offset, found);
    if (cut <= 0) {
      this.nextLookAt = held.length + Math.max(this.step, held.length >> 1);
      return EMPTY;
    }
    // Findings that end within the context were decided when that text was released.
    const decided: GuardFinding[] = [];
    for (const f of found) {
      if (f.span.end - offset <= 0) continue;
      if (f.span.start - offset < cut) decided.push(shift(f, offset));
    }
    if (!final) cut = Math.max(0, Math.min(cut, held.length));
    let out = held.slice(0, cut);
    let redacting: readonly GuardFinding[] = [];
    if (decided.length > 0) {
      const verdict = this.o.decide(decided);
      if ("blocked" in verdict) return verdict;
      redacting = verdict.redact;
      if (redacting.length > 0) out = redact(out, redacting, this.o.placeholder);
    }
    // One field held (the common case): the text is that field's, and its end moves back by the cut.
    const parts = this.fields.length > 1 ? this.split(held, cut, redacting) : undefined;
    if (this.fields.length === 1) {
      const only = this.fields[0] as { field: string; end: number };
      only.end -= cut;
      if (only.end <= 0) this.fields.length = 0;
    } else if (this.fields.length > 1) this.fields = this.fields.filter((f) => f.end > cut).map((f) => ({ field: f.field, end: f.end - cut }));
    this.context = (this.context + held.slice(0, cut)).slice(-CONTEXT_CHARS);
    this.held = held.slice(cut);
    this.nextLookAt = this.held.length + Math.max(this.step, this.held.length >> 1);
    return parts === undefined ? { text: out } : { text: out, parts };
  }

  /** The released text `held[0, cut)` by field, each redacted on its own. */
  private split(held: string, cut: number, redacting: readonly GuardFinding[]): ReleasedPart[] {
    const parts: ReleasedPart[] = [];
    if (cut <= 0) return parts;
    let start = 0;
    for (const f of this.fields) {
      const end = Math.min(f.end, cut);
      if (end > start) {
        const here = redacting.filter((r) => r.span.start < end && r.span.end > start).map((r) => shift(r, start));
        const text = held.slice(start, end);
        parts.push({ field: f.field, text: here.length === 0 ? text : redact(text, here, this.o.placeholder) });
      }
      start = Math.max(start, f.end);
      if (start >= cut) break;
    }
    return parts;
  }

  /** How much of the held text may go: all but the window, the unfinished word, open matches and matches across the cut. */
  private boundary(text: string, offset: number, found: readonly GuardFinding[]): number {
    const held = this.held;
    let cut = held.length - (this.o.holdChars >> 1);
    const forced = held.length > this.o.maxHeldChars;
    if (!forced) {
      let i = held.length;
      while (i > 0 && !isSpace(held.charCodeAt(i - 1))) i--;
      cut = Math.min(cut, i);
      if (this.o.openAt !== undefined) {
        const open = this.o.openAt(text);
        if (open >= 0) cut = Math.min(cut, Math.max(0, open - offset));
      }
    }
    // A match the cut would split is held whole (moving the cut may split another: repeat, at most once each).
    for (let moved = true; moved; ) {
      moved = false;
      for (const f of found) {
        const start = f.span.start - offset;
        const end = f.span.end - offset;
        if (start < cut && end > cut) {
          cut = Math.max(0, start);
          moved = true;
        }
      }
    }
    return cut;
  }
}

const EMPTY: Release = { text: "" };

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || c === 0x2028 || c === 0x2029;
}

function shift(f: GuardFinding, by: number): GuardFinding {
  if (by === 0) return f;
  return { ...f, span: { start: Math.max(0, f.span.start - by), end: f.span.end - by } };
}

/** Text with each finding's span (merged where they overlap) replaced by its placeholder. */
export function redact(text: string, findings: readonly GuardFinding[], placeholder: (f: GuardFinding) => string): string {
  if (findings.length === 0) return text;
  const sorted = [...findings].sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
  let out = "";
  let at = 0;
  for (const f of sorted) {
    const start = Math.max(f.span.start, 0);
    const end = Math.min(f.span.end, text.length);
    if (end <= at) continue;
    if (start >= at) {
      out += text.slice(at, start) + placeholder(f);
    }
    at = Math.max(at, end);
  }
  return out + text.slice(at);
}
