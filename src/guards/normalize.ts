import type { Span } from "./types.js";

// The views of a text that the injection detector reads: the text as written, and the same text with its
// obfuscation undone (invisible characters dropped, homoglyphs and leetspeak folded, split letters joined,
// base64/hex/ROT13 decoded). A finding in a view maps back to a span of the original text.

/** How a view was derived from the original text. */
export type ViewKind = "plain" | "invisible" | "tag" | "homoglyph" | "leet" | "split" | "base64" | "hex" | "rot13";

export interface TextView {
  readonly kind: ViewKind;
  /** The view's text, lower-cased and NFKC-normalized. */
  readonly text: string;
  /** The region of the original text the view was derived from. */
  readonly origin: Span;
  /**
   * For views that keep the order of characters: `offsets[i]` is the original UTF-16 offset of view character
   * `i` (length text.length + 1, the last entry the end). Absent for decoded views: their findings span `origin`.
   */
  readonly offsets?: Int32Array;
}

/** Maps a span of a view back to a span of the original text. */
export function originalSpan(view: TextView, start: number, end: number): Span {
  const o = view.offsets;
  if (o === undefined) return view.origin;
  return { start: o[Math.min(start, o.length - 1)] ?? view.origin.start, end: o[Math.min(end, o.length - 1)] ?? view.origin.end };
}

/** The views of `text`: always the plain one first; the others only where the text carries that obfuscation. */
export function textViews(text: string): TextView[] {
  const lower = text.normalize("NFKC").toLowerCase();
  // NFKC and lower-casing can change the length; without a map, the finding spans the whole text
  const offsets = lower.length === text.length ? identity(text.length) : undefined;
  return [{ kind: "plain", text: lower, origin: { start: 0, end: text.length }, ...(offsets ? { offsets } : {}) }];
}

function identity(n: number): Int32Array {
  const o = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) o[i] = i;
  return o;
}
