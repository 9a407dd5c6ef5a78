import { isUtf8 } from "node:buffer";
import type { Span } from "./types.js";
import confusablesData from "unhomoglyph/data.json" with { type: "json" };
import { ignorableBmp } from "./unmask.js";

// The views of a text that the injection detector reads: the text as written, and the same text with its
// obfuscation undone (invisible characters dropped, homoglyphs and leetspeak folded, split letters joined,
// base64/hex/ROT13 decoded). A finding in a view maps back to a span of the original text.
//
// Everything here is a character loop over the text (no regex), linear in its length, and bounded: at most
// MAX_VIEWS views whose text together is at most a small multiple of the input. Ordinary text costs one
// lower-casing and one scan that finds nothing to undo.

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
   * Shared between views and calls: read it, never write it.
   */
  readonly offsets?: Int32Array;
  /** For views of decoded text (`tag`, `base64`, `hex`, `rot13`): what was undone inside it after decoding. */
  readonly via?: readonly ViewKind[];
}

/** Maps a span of a view back to a span of the original text. */
export function originalSpan(view: TextView, start: number, end: number): Span {
  const o = view.offsets;
  if (o === undefined) return view.origin;
  return { start: o[Math.min(start, o.length - 1)] ?? view.origin.start, end: o[Math.min(end, o.length - 1)] ?? view.origin.end };
}

/** At most this many views per text, the plain one included. */
export const MAX_VIEWS = 32;
/** The views other than the plain one hold at most this many characters per character of input (plus a floor). */
const BUDGET_PER_CHAR = 4;
const BUDGET_FLOOR = 4096;
/** Decoded text is searched for a further encoding once (base64 of hex, hex of base64), never deeper. */
const MAX_DECODE_DEPTH = 2;
const MIN_BASE64_CHARS = 16;
const MIN_HEX_BYTES = 8;
const MIN_SPLIT_LETTERS = 4;
/** Split letters with no word gaps are searched for words up to this many letters per text. */
const MAX_SEGMENTED_LETTERS = 16384;
const MIN_TAG_CHARS = 4;
/** A ROT13 region introduced by "rot13:" runs to the end of its line, and no further than this. */
const MAX_ROT13_PREFIXED = 4096;
/** A non-ASCII stretch is normalized in pieces about this long, so a piece that changes length maps coarsely. */
const NORMALIZE_PIECE = 256;

/** The views of `text`: always the plain one first; the others only where the text carries that obfuscation. */
export function textViews(text: string): TextView[] {
  const sink = new Sink(BUDGET_FLOOR + BUDGET_PER_CHAR * text.length);
  collect(text, 0, (kind, layer, via) => {
    const view: TextView = {
      kind,
      text: layer.text,
      origin: layer.origin ?? { start: 0, end: text.length },
      ...(layer.offsets ? { offsets: layer.offsets } : {}),
      ...(via.length > 0 ? { via } : {}),
    };
    return sink.add(view);
  });
  return sink.views;
}

// ---------------------------------------------------------------------------------------------------------
// The pipeline

/** A text derived from a source, with the source offset of each of its characters when their order is kept. */
interface Layer {
  readonly text: string;
  readonly offsets?: Int32Array;
  /** Set only for a region of the source (a decoded run, a ROT13 line); else the whole source. */
  readonly origin?: Span;
}

type Emit = (kind: ViewKind, layer: Layer, via: readonly ViewKind[]) => boolean;

class Sink {
  readonly views: TextView[] = [];
  constructor(private budget: number) {}

  add(view: TextView): boolean {
    if (this.views.length >= MAX_VIEWS) return false;
    if (this.views.length === 0) {
      this.views.push(view);
      return true;
    }
    if (this.budget <= 0) return false;
    for (const v of this.views) if (v.text.length === view.text.length && v.text === view.text) return true;
    let v = view;
    if (v.text.length > this.budget) {
      const n = this.budget;
      v = { ...v, text: v.text.slice(0, n), ...(v.offsets ? { offsets: v.offsets.subarray(0, n + 1) } : {}) };
    }
    this.budget -= v.text.length;
    this.views.push(v);
    return true;
  }
}

/** Emits the views of `src` (lower-cased), the plain one first; returns false once the sink is full. */
function collect(src: string, depth: number, emit: Emit): boolean {
  // ASCII text (the common case) is scanned once as it is; other text once normalized
  const source = scanLayer(src);
  let scan = source;
  let plain: Layer;
  let base: Layer;
  if (!scan.nonAscii) {
    plain = { text: src.toLowerCase(), offsets: identity(src.length) };
    if (!emit("plain", plain, [])) return false;
    base = plain;
  } else {
    plain = plainLayer(src);
    if (!emit("plain", plain, [])) return false;
    base = plain;
    const hidden = scan.invisible || scan.tag;
    if (hidden) {
      base = normalizeLayer(src, true);
      if (scan.invisible && base.text !== plain.text && !emit("invisible", base, [])) return false;
    }
    if (scan.tag && depth < MAX_DECODE_DEPTH && !decodeTagRuns(src, depth, emit)) return false;
    // the scan of the source holds for the base unless NFKC did more than change case
    if (hidden || plain.text !== src.toLowerCase()) scan = scanLayer(base.text);
  }
  let cur = base;
  if (scan.homoglyphs) {
    const folded = foldHomoglyphs(cur, src);
    if (folded !== null) {
      cur = folded;
      if (!emit("homoglyph", cur, [])) return false;
    }
  }
  if (scan.singles >= MIN_SPLIT_LETTERS) {
    const joined = joinSplitLetters(cur);
    if (joined !== null) {
      cur = joined;
      if (!emit("split", cur, [])) return false;
    }
  }
  if (scan.leet || cur !== base) {
    let leet = foldLeet(cur, false, false);
    // two words that are surely leet make the text leet: then "th3", "4r3", "4nd" are too
    const loose = leet !== null && leet.words >= 2;
    if (loose) leet = foldLeet(cur, false, true) ?? leet;
    if (leet !== null) {
      if (!emit("leet", leet.layer, [])) return false;
      if (leet.ambiguous) {
        const l = foldLeet(cur, true, loose);
        if (l !== null && !emit("leet", l.layer, [])) return false;
      }
    }
  }
  if (scan.rot13From >= 0 && !rot13Regions(base, scan.rot13From, emit)) return false;
  if (scan.rot13Text && !rot13Whole(base, emit)) return false;
  if (base.text.includes("rot") && !rot13Prefixed(base, emit)) return false;
  if (depth < MAX_DECODE_DEPTH) {
    if (source.base64From >= 0 && !decodeBase64Runs(src, source.base64From, depth, emit)) return false;
    if (source.hexDigits >= MIN_HEX_BYTES && !decodeHexRuns(src, depth, emit)) return false;
  }
  return true;
}

/** NFKC and lower case; when that keeps the length (nearly always), every character stays in place. */
function plainLayer(src: string): Layer {
  const text = src.normalize("NFKC").toLowerCase();
  return text.length === src.length ? { text, offsets: identity(src.length) } : normalizeLayer(src, false);
}

/** Emits the views of a decoded region of `src` under the decoding's kind; `map` maps decoded offsets to `src`. */
function collectDecoded(kind: ViewKind, decoded: string, origin: Span, map: Int32Array | undefined, depth: number, emit: Emit): boolean {
  return collect(decoded, depth + 1, (inner, layer, via) => {
    const offsets = map && layer.offsets ? compose(layer.offsets, map) : undefined;
    const at = layer.origin && map ? { start: map[layer.origin.start] ?? origin.start, end: map[layer.origin.end] ?? origin.end } : origin;
    const chain: ViewKind[] = inner === "plain" ? [...via] : [inner, ...via];
    return emit(kind, { text: layer.text, origin: at, ...(offsets ? { offsets } : {}) }, chain);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Character classes

const isAsciiLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHexDigit = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

/** Zero-width, bidi-control and variation-selector characters (BMP; the astral ones are handled by callers). */
const isInvisible = ignorableBmp;

/** U+E0000–E007F (tags) and U+E0100–E01EF (variation selectors supplement), by their surrogate pair. */
const isAstralInvisible = (hi: number, lo: number): boolean => hi === 0xdb40 && ((lo >= 0xdc00 && lo <= 0xdc7f) || (lo >= 0xdd00 && lo <= 0xddef));

/** Letters and digits of any script: what words are made of. Non-ASCII punctuation and spaces are not. */
function wordCharSlow(c: number): boolean {
  if (c < 0x80) return isAsciiLetter(c) || isDigit(c);
  if (c < 0xc0) return c === 0xaa || c === 0xb5 || c === 0xba;
  if (c === 0xd7 || c === 0xf7) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false; // punctuation, symbols, arrows, box drawing
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xfe30 && c <= 0xfe4f) return false;
  if (c >= 0xff00 && c <= 0xff0f) return false;
  return !isInvisible(c);
}
const WORD_CHAR = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) WORD_CHAR[c] = wordCharSlow(c) ? 1 : 0;
/** For a UTF-16 unit: a surrogate counts as a word character (astral letters are mostly letters). */
const isWordChar = (c: number): boolean => WORD_CHAR[c] === 1;

// ---------------------------------------------------------------------------------------------------------
// Scans that decide which views to build

interface LayerScan {
  /** The longest chain of isolated single letters (`i g n o …`). */
  singles: number;
  /** A leet digit or symbol before a letter, inside a word or at its start. */
  leet: boolean;
  /** Where the first sentence with fewer vowels than n r v b h (ROT13 in part or throughout) starts, or -1. */
  rot13From: number;
  /** The letters of the whole text are those of a European language ROT13'd. */
  rot13Text: boolean;
  /** Any character beyond ASCII (the text is then normalized and scanned again). */
  nonAscii: boolean;
  /** Zero-width, bidi-control or variation-selector characters. */
  invisible: boolean;
  /** Unicode tag characters (U+E0020–E007E). */
  tag: boolean;
  /** Look-alike letters that may need folding: in a word with Latin letters, in Latin text, or never ordinary. */
  homoglyphs: boolean;
  /** Longest run of base64 alphabet characters with an upper-case letter (0 in lower-cased text). */
  longestRun: number;
  /** Where the first such run of at least MIN_BASE64_CHARS starts, or -1. */
  base64From: number;
  /** Most digits in a run of hex digits and the separators and prefixes of hex bytes. */
  hexDigits: number;
}

const LETTER = 1;
const DIGIT = 2;
const LEET_SYMBOL = 4;
const BASE64 = 8;
const HEXISH = 16;
const SENTENCE_END = 32;
/** 0 1 3 4 5 7 and @ $ | !: what leetspeak writes for letters. */
const LEET_CHAR = 64;
/** What each ASCII character can be part of. */
const ASCII_CLASS = new Uint8Array(128);
const letterMask = (letters: string): number => Array.from(letters).reduce((m, ch) => m | (1 << (ch.charCodeAt(0) - 0x61)), 0);
/**
 * The vowels, and the letters ROT13 turns into them: bit k for letter a + k. The vowels are 38–48% of the letters
 * of the European languages in Latin script and n r v b h 15–22%; ROT13 swaps the two, random letters have 19% each.
 */
const ENGLISH_MARKERS = letterMask("aeiou");
const ROT13_MARKERS = letterMask("nrvbh");
/** +1 for a vowel, -1 for the letters ROT13 turns into vowels (n r v b h). */
const ROT13_SCORE = new Int8Array(128);
{
  for (let c = 0x61; c <= 0x7a; c++) ASCII_CLASS[c] = LETTER | BASE64 | (c <= 0x66 ? HEXISH : 0);
  for (let c = 0x30; c <= 0x39; c++) ASCII_CLASS[c] = DIGIT | BASE64 | HEXISH;
  const add = (chars: string, flag: number): void => {
    for (const c of chars) ASCII_CLASS[c.charCodeAt(0)] = (ASCII_CLASS[c.charCodeAt(0)] ?? 0) | flag;
  };
  add("@$|!", LEET_SYMBOL | LEET_CHAR);
  add("013457", LEET_CHAR);
  add("+/-_", BASE64);
  add(" ,:;\\x%-", HEXISH);
  add('\n.!?:;"', SENTENCE_END);
  for (const c of "aeiou") ROT13_SCORE[c.charCodeAt(0)] = 1;
  for (const c of "nrvbh") ROT13_SCORE[c.charCodeAt(0)] = -1;
}

let scratch = new Uint16Array(0);
let scratchBytes = Buffer.alloc(0);
/** The text's UTF-16 units in a reused array (reading a typed array is about twice as fast as charCodeAt). */
function unitsOf(t: string): Uint16Array {
  if (scratch.length < t.length) {
    const size = Math.max(t.length, 4096, Math.min(scratch.length * 2, 1 << 20));
    const units = new Uint16Array(size);
    if (size > 1 << 20) {
      Buffer.from(units.buffer).write(t, 0, "utf16le");
      return units;
    }
    scratch = units;
    scratchBytes = Buffer.from(units.buffer);
  }
  scratchBytes.write(t, 0, "utf16le");
  return scratch;
}

/** A variation selector or zero-width joiner is part of an emoji after a symbol or an emoji, hiding only in a word. */
const isEmojiJoiner = (c: number): boolean => c === 0xfe0f || c === 0xfe0e || c === 0x200d;
const insideWord = (c: number): boolean => WORD_CHAR[c] === 1 && (c < 0xd800 || c > 0xdfff);

/** One pass over a text (read as lower case) gathering what each view needs to be worth building. */
function scanLayer(t: string): LayerScan {
  const n = t.length;
  const u = unitsOf(t);
  let singles = 0;
  let chain = 0;
  let lastSingle = -10;
  let wordLen = 0;
  let leet = false;
  let run = 0;
  let longestRun = 0;
  let hexDigits = 0;
  let runDigits = 0;
  let score = 0;
  let letters = 0;
  let rot13From = -1;
  let sentenceStart = 0;
  let minus = 0;
  let rot13Text = false;
  let totalLetters = 0;
  let totalScore = 0;
  let prev = 0;
  let prev2 = 0;
  // look-alikes: ASCII letters and confusable letters in the same word, or in the text
  let wordAscii = false;
  let wordConfusable = false;
  let mixed = false;
  let confusables = 0;
  let asciiLetters = 0;
  let otherLetters = 0;
  let nonAscii = false;
  let runCase = 0;
  let base64From = -1;
  let invisible = false;
  let tag = false;
  for (let i = 0; i <= n; i++) {
    let c = i < n ? (u[i] as number) : 0x0a;
    if (c >= 0x41 && c <= 0x5a) {
      c |= 0x20;
      runCase |= 1;
    } else if (c >= 0x61 && c <= 0x7a) runCase |= 2;
    let f: number;
    if (c >= 0x61 && c <= 0x7a) {
      // the common case, kept short: the letters of a word, in one inner loop
      // a leet character between letters or at the start of a word (not after a number: 10px, 256gb)
      if (prev & LEET_CHAR && !(prev2 & DIGIT)) leet = true;
      let k = i;
      let sc = 0;
      let mi = 0;
      let nonHex = false;
      for (;;) {
        const m = (ROT13_MARKERS >>> (c - 0x61)) & 1;
        sc += ((ENGLISH_MARKERS >>> (c - 0x61)) & 1) - m;
        mi += m;
        if (c > 0x66 && c !== 0x78) nonHex = true;
        if (++k >= n) break;
        c = u[k] as number;
        if (c >= 0x41 && c <= 0x5a) {
          c |= 0x20;
          runCase |= 1;
        } else if (c >= 0x61 && c <= 0x7a) runCase |= 2;
        else break;
      }
      const len = k - i;
      wordLen += len;
      letters += len;
      score += sc;
      minus += mi;
      run += len;
      wordAscii = true;
      if (nonHex) runDigits = 0;
      prev2 = len >= 2 ? LETTER : prev;
      prev = LETTER;
      i = k - 1;
      continue;
    }
    if (c < 0x80) f = ASCII_CLASS[c] ?? 0;
    else if (WORD_CHAR[c] === 1) {
      nonAscii = true;
      f = LETTER;
      const k = CONFUSABLE_BMP[c] ?? 0;
      if (c === 0xdb40 && i + 1 < n) {
        const lo = u[i + 1] ?? 0;
        if (lo >= 0xdc20 && lo <= 0xdc7e) tag = true;
        else if (isAstralInvisible(c, lo)) invisible = true;
      }
      if (k !== 0 || (c >= 0xd800 && c <= 0xdbff)) {
        wordConfusable = true;
        confusables++;
        if (k & ALWAYS_FOLDED || c === 0xd83c) mixed = true;
      } else if (c < 0xd800 || c > 0xdfff) otherLetters++;
    } else {
      nonAscii = true;
      if (isInvisible(c) && !(isEmojiJoiner(c) && !insideWord(i > 0 ? (u[i - 1] as number) : 0x20))) invisible = true;
      f = 0;
    }
    if (f & (LETTER | DIGIT)) {
      wordLen++;
      if (f & LETTER) {
        if (prev & LEET_CHAR && !(prev2 & DIGIT)) leet = true;
        if (c < 0x80) {
          score += ROT13_SCORE[c] ?? 0;
          if ((ROT13_SCORE[c] ?? 0) < 0) minus++;
          letters++;
          wordAscii = true;
        }
      }
    } else {
      if (wordLen === 1) {
        chain = i - 1 - lastSingle <= 4 ? chain + 1 : 1;
        lastSingle = i - 1;
        if (chain > singles) singles = chain;
      }
      if (wordAscii && wordConfusable) mixed = true;
      wordLen = 0;
      wordAscii = false;
      wordConfusable = false;
      if (f & SENTENCE_END) {
        // in text the vowels outnumber n r v b h by a fifth of the letters or more, in its ROT13 the other way
        // round: a sentence without that lead (ROT13, or half ROT13) is worth a look word by word
        // (random letters, as in base64 or hashes, have fewer n r v b h than either)
        if (letters >= 12 && score <= 0 && minus * 100 >= letters * 28 && rot13From < 0) rot13From = sentenceStart;
        asciiLetters += letters;
        totalLetters += letters;
        totalScore += score;
        score = 0;
        minus = 0;
        letters = 0;
        sentenceStart = i + 1;
      }
    }
    if (f & BASE64) {
      run++;
      if (f & DIGIT || c === 0x2b || c === 0x2f) runCase |= 4;
    } else {
      // base64 of text mixes upper and lower case; a long hyphenated-or-snake_case name does not
      if (run > longestRun && (runCase & 3) === 3 && (runCase & 4 || run >= 28)) {
        longestRun = run;
        if (base64From < 0 && run >= MIN_BASE64_CHARS) base64From = i - run;
      }
      run = 0;
      runCase = 0;
    }
    if (f & HEXISH) {
      if (f & DIGIT && ++runDigits > hexDigits) hexDigits = runDigits;
    } else runDigits = 0;
    prev2 = prev;
    prev = f;
  }
  // a whole text whose letters are those of text ROT13'd (whatever its words)
  if (totalLetters >= 24 && totalScore * 6 <= -totalLetters) rot13Text = true;
  const homoglyphs = mixed || (confusables >= 2 && asciiLetters > 4 * (otherLetters + confusables));
  return { singles, leet, rot13From, rot13Text, nonAscii, invisible, tag, longestRun, base64From, hexDigits, homoglyphs };
}

// ---------------------------------------------------------------------------------------------------------
// Building layers

/** A growing text with the source offset of each character. */
class Builder {
  private codes: Uint16Array;
  private offs: Int32Array;
  n = 0;
  constructor(capacity: number) {
    this.codes = new Uint16Array(Math.max(16, capacity));
    this.offs = new Int32Array(Math.max(16, capacity) + 1);
  }
  push(code: number, offset: number): void {
    if (this.n >= this.codes.length) this.grow();
    this.codes[this.n] = code;
    this.offs[this.n] = offset;
    this.n++;
  }
  pushString(s: string, offset: number): void {
    for (let k = 0; k < s.length; k++) this.push(s.charCodeAt(k), offset);
  }
  private grow(): void {
    const codes = new Uint16Array(this.codes.length * 2);
    codes.set(this.codes);
    const offs = new Int32Array(this.codes.length * 2 + 1);
    offs.set(this.offs);
    this.codes = codes;
    this.offs = offs;
  }
  finish(end: number, origin?: Span): Layer {
    this.offs[this.n] = end;
    // lone surrogates become U+FFFD, one unit for one, so the offsets still line up
    const text = Buffer.from(this.codes.buffer, this.codes.byteOffset, this.n * 2).toString("utf16le");
    return { text, offsets: this.offs.subarray(0, this.n + 1), ...(origin ? { origin } : {}) };
  }
}

let IDENTITY = new Int32Array(0);
/** 0, 1, …, n: the offsets of a view that keeps every character in place (shared, read-only). */
function identity(n: number): Int32Array {
  if (IDENTITY.length < n + 1) {
    const next = new Int32Array(Math.max(n + 1, IDENTITY.length * 2, 4096));
    for (let i = 0; i < next.length; i++) next[i] = i;
    if (next.length <= 1 << 22) IDENTITY = next;
    return next.subarray(0, n + 1);
  }
  return IDENTITY.subarray(0, n + 1);
}

/** `inner` maps view → layer offsets; `outer` maps layer → source offsets. */
function compose(inner: Int32Array, outer: Int32Array): Int32Array {
  const o = new Int32Array(inner.length);
  for (let i = 0; i < inner.length; i++) o[i] = outer[inner[i] ?? 0] ?? 0;
  return o;
}

/**
 * NFKC and lower case with offsets. ASCII is lower-cased in place; each stretch of non-ASCII word characters
 * (with the ASCII letters glued to it, so a combining accent composes with its letter) is normalized in pieces,
 * mapped one-to-one when the length does not change, code point by code point when that gives the same text,
 * and to the start of the piece otherwise. With `dropHidden`, invisible and tag characters are left out.
 */
function normalizeLayer(src: string, dropHidden: boolean): Layer {
  const n = src.length;
  const b = new Builder(n + 16);
  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c < 0x80) {
      // an ASCII letter glued to a following non-ASCII character goes with it (e + U+0301 → é)
      const next = i + 1 < n ? src.charCodeAt(i + 1) : 0;
      if (!(next >= 0x300 && next < 0x370) || !isAsciiLetter(c)) {
        b.push(c >= 0x41 && c <= 0x5a ? c + 32 : c, i);
        i++;
        continue;
      }
    }
    if (dropHidden) {
      if (isInvisible(c)) {
        i++;
        continue;
      }
      if (c === 0xdb40 && i + 1 < n && isAstralInvisible(c, src.charCodeAt(i + 1))) {
        i += 2;
        continue;
      }
    }
    // a piece: up to the next ASCII non-letter, hidden character, or the piece length at a starter
    let j = i + 1;
    while (j < n) {
      const d = src.charCodeAt(j);
      if (d < 0x80 ? !isAsciiLetter(d) : dropHidden && (isInvisible(d) || (d === 0xdb40 && j + 1 < n && isAstralInvisible(d, src.charCodeAt(j + 1))))) break;
      if (j - i >= NORMALIZE_PIECE && d < 0x300) break;
      j++;
    }
    // never cut a surrogate pair
    if (j < n && j > i + 1 && src.charCodeAt(j - 1) >= 0xd800 && src.charCodeAt(j - 1) <= 0xdbff) j++;
    pushNormalized(b, src, i, j);
    i = j;
  }
  return b.finish(n);
}

function pushNormalized(b: Builder, src: string, start: number, end: number): void {
  const piece = src.slice(start, end);
  const norm = piece.normalize("NFKC").toLowerCase();
  if (norm.length === piece.length) {
    for (let k = 0; k < norm.length; k++) b.push(norm.charCodeAt(k), start + k);
    return;
  }
  // code point by code point, kept only if it gives the same text as the whole piece
  const mark = b.n;
  let k = start;
  let built = "";
  while (k < end) {
    const cp = src.codePointAt(k) ?? 0;
    const w = cp > 0xffff ? 2 : 1;
    const one = src
      .slice(k, k + w)
      .normalize("NFKC")
      .toLowerCase();
    built += one;
    b.pushString(one, k);
    k += w;
  }
  if (built === norm) return;
  b.n = mark;
  b.pushString(norm, start);
}

// ---------------------------------------------------------------------------------------------------------
// Tag characters

/** Runs of U+E0020–E007E spell ASCII: a message hidden after the visible text. */
function decodeTagRuns(src: string, depth: number, emit: Emit): boolean {
  // Every run of the text is one message, runs joined by a space: a message cut into pieces (by spaces, or
  // into many short runs) reads whole, and many runs cannot fill the views the other undoings need.
  const n = src.length;
  let b: Builder | null = null;
  let first = -1;
  let last = 0;
  let i = 0;
  while (i < n) {
    if (src.charCodeAt(i) !== 0xdb40 || !isTagPair(src, i)) {
      i++;
      continue;
    }
    if (b === null) {
      b = new Builder(n >> 1);
      first = i;
    } else b.push(0x20, i);
    for (;;) {
      while (i + 1 < n && src.charCodeAt(i) === 0xdb40 && isAstralInvisible(0xdb40, src.charCodeAt(i + 1))) {
        const lo = src.charCodeAt(i + 1);
        if (lo >= 0xdc20 && lo <= 0xdc7e) b.push(lo - 0xdc00, i);
        i += 2;
      }
      // tags carry ASCII only: "für" in tags is f, ü as written, r; up to two visible characters between
      // tags belong to the message
      let j = i;
      while (j < n && j - i < 2 && src.charCodeAt(j) !== 0xdb40 && src.charCodeAt(j) > 0x20) j++;
      if (j === i || j + 1 >= n || src.charCodeAt(j) !== 0xdb40 || !isTagPair(src, j)) break;
      for (let k = i; k < j; k++) b.push(src.charCodeAt(k), k);
      i = j;
    }
    last = i;
  }
  if (b === null) return true;
  const message = b.finish(last);
  if (message.text.trim().length < MIN_TAG_CHARS) return true;
  return collectDecoded("tag", message.text, { start: first, end: last }, message.offsets, depth, emit);
}

const isTagPair = (src: string, i: number): boolean => {
  const lo = src.charCodeAt(i + 1);
  return lo >= 0xdc20 && lo <= 0xdc7e;
};

// ---------------------------------------------------------------------------------------------------------
// Homoglyphs

/** Letters of other scripts (and Latin small capitals, enclosed and regional-indicator letters) that look Latin. */
const CONFUSABLE = new Map<number, number>();
function confusable(latin: string, chars: string): void {
  for (const ch of chars) CONFUSABLE.set(ch.codePointAt(0) ?? 0, latin.charCodeAt(0));
}
// Cyrillic, both cases (the upper case decides where the two cases look like different Latin letters)
confusable("a", "аА");
confusable("b", "вВЬ");
confusable("c", "сСϲϹ");
confusable("d", "ԁ");
confusable("e", "еЕёЁэ");
confusable("g", "ԍ");
confusable("h", "һНнҺ");
confusable("i", "іІӀӏ");
confusable("j", "јЈ");
confusable("k", "кКκΚ");
confusable("l", "ⅼ");
confusable("m", "мМΜ");
confusable("n", "ηпΝ");
confusable("o", "оОοΟσ");
confusable("p", "рРρΡ");
confusable("q", "ԛԚ");
confusable("r", "г");
confusable("s", "ѕЅ");
confusable("t", "тТτΤ");
confusable("u", "υμ");
confusable("v", "νѵ");
confusable("w", "ԝԜωѡ");
confusable("x", "хХχΧ");
confusable("y", "уУүΥγ");
confusable("z", "Ζ");
// Greek capitals that lower-case to something else
confusable("a", "αΑ");
confusable("b", "βΒ");
confusable("e", "εΕ");
confusable("h", "Η");
confusable("i", "ιΙ");
confusable("z", "ζ");
/** Letters that are never ordinary text in any language: folded wherever they are. */
const ALWAYS = new Set<number>();
for (const [latin, first] of [
  ["abcdefghijklmnopqrstuvwxyz", 0x1f1e6], // regional indicators
  ["abcdefghijklmnopqrstuvwxyz", 0x1f170], // negative squared
  ["abcdefghijklmnopqrstuvwxyz", 0x1f150], // negative circled
] as const) {
  for (let k = 0; k < 26; k++) {
    CONFUSABLE.set(first + k, latin.charCodeAt(k));
    ALWAYS.add(first + k);
  }
}
for (const [latin, ch] of Object.entries({
  a: "ᴀ",
  b: "ʙ",
  c: "ᴄ",
  d: "ᴅ",
  e: "ᴇ",
  f: "ꜰ",
  g: "ɢɡ",
  h: "ʜ",
  i: "ɪı",
  j: "ᴊ",
  k: "ᴋ",
  l: "ʟ",
  m: "ᴍ",
  n: "ɴ",
  o: "ᴏ",
  p: "ᴘ",
  r: "ʀ",
  s: "ꜱ",
  t: "ᴛ",
  u: "ᴜ",
  v: "ᴠ",
  w: "ᴡ",
  y: "ʏ",
  z: "ᴢ",
})) {
  for (const c of ch) {
    const cp = c.codePointAt(0) ?? 0;
    CONFUSABLE.set(cp, latin.charCodeAt(0));
    ALWAYS.add(cp);
  }
}

// Unicode's confusables (UTS #39, as the unhomoglyph package ships them) for every letter that looks like one
// Latin letter: Armenian, Cherokee, Coptic, Lisu, Canadian syllabics, IPA and more. The hand-written entries
// above win where they differ: the skeletons read a capital I as l (Cyrillic І, Greek Ι are i here).
for (const [from, to] of Object.entries(confusablesData as Record<string, string>)) {
  const cp = from.codePointAt(0) ?? 0;
  if (cp < 0x80 || String.fromCodePoint(cp) !== from || !/^[A-Za-z]$/.test(to)) continue;
  const capital = from.toLowerCase() !== from || from.normalize("NFKC") === "I";
  const latin = (to === "l" && capital ? "i" : to.toLowerCase()).charCodeAt(0);
  if (!CONFUSABLE.has(cp)) CONFUSABLE.set(cp, latin);
  // the views are lower-cased: the lower case of a capital look-alike (Cherokee Ꭺ is ꭺ) is one too
  const lower = from.toLowerCase().codePointAt(0) ?? 0;
  if (lower !== cp && lower >= 0x80 && !CONFUSABLE.has(lower)) CONFUSABLE.set(lower, latin);
}
/**
 * Latin letters with marks (é, ü, ė, ș, ẹ) and their base letter. Ordinary in the languages around, so never a
 * reason to build the view; but once look-alikes show a text is disguised, a word that mixes plain Latin with
 * letters of Latin Extended-A/B, IPA or Extended Additional ("prėvious", "ȧll") is folded, and inside a
 * folded word so are Latin-1 letters ("rеvéal").
 */
const MARKED_BASE = new Uint8Array(0x1f00);
for (const [lo, hi] of [
  [0xc0, 0x24f],
  [0x1e00, 0x1eff],
] as [number, number][]) {
  for (let cp = lo; cp <= hi; cp++) {
    const base = String.fromCodePoint(cp).normalize("NFD").charCodeAt(0) | 0x20;
    if (base >= 0x61 && base <= 0x7a) MARKED_BASE[cp] = base;
  }
}
const markedBase = (cp: number): number => (cp < 0x1f00 ? (MARKED_BASE[cp] ?? 0) : 0);

/** Marks a look-alike that is folded wherever it is (the Latin letter is in the low 7 bits). */
const ALWAYS_FOLDED = 0x80;
const CONFUSABLE_BMP = new Uint8Array(0x10000);
for (const [cp, latin] of CONFUSABLE) if (cp < 0x10000) CONFUSABLE_BMP[cp] = latin | (ALWAYS.has(cp) ? ALWAYS_FOLDED : 0);
const confusableOf = (cp: number): number => (cp < 0x10000 ? (CONFUSABLE_BMP[cp] ?? 0) : (CONFUSABLE.get(cp) ?? 0) | (ALWAYS.has(cp) ? ALWAYS_FOLDED : 0));

/**
 * Folds look-alike letters to Latin in words that mix them with Latin letters, and in words made only of
 * look-alikes when the text around is Latin. A word in one non-Latin script stays as it is.
 */
function foldHomoglyphs(layer: Layer, src: string): Layer | null {
  const t = layer.text;
  const offs = layer.offsets;
  const n = t.length;
  let latin = 0;
  let other = 0;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || markedBase(c) !== 0) latin++;
    else if (c >= 0xc0 && isWordChar(c) && !(c >= 0xdc00 && c <= 0xdfff)) other++;
  }
  const latinText = latin > 4 * other;
  let b: Builder | null = null;
  let copied = 0;
  let i = 0;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c < 0x80 || !isWordChar(c)) {
      i++;
      continue;
    }
    // a word with at least one non-ASCII character: find its bounds, then count
    let s = i;
    while (s > 0 && isWordChar(t.charCodeAt(s - 1))) s--;
    let e = i;
    let wLatin = 0;
    let wConf = 0;
    let wOther = 0;
    let wAlways = 0;
    let wMarked = 0;
    for (let k = s; k < n; ) {
      const cp = t.codePointAt(k) ?? 0;
      if (cp < 0x10000 && !isWordChar(cp)) break;
      k += cp > 0xffff ? 2 : 1;
      e = k;
      if (cp < 0x80) {
        if (cp >= 0x61) wLatin++;
        continue;
      }
      const f = confusableOf(cp);
      if (f & ALWAYS_FOLDED) wAlways++;
      else if (f !== 0) wConf++;
      else if (markedBase(cp) !== 0) {
        if (cp >= 0x100) wMarked++;
      } else if (!(cp >= 0x300 && cp < 0x370)) wOther++;
    }
    const fold = wAlways > 0 || (wOther === 0 && ((wConf > 0 && (wLatin > 0 || (latinText && wConf >= 2))) || (wMarked > 0 && wLatin > 0 && latinText)));
    if (fold) {
      b ??= new Builder(n);
      copyRange(b, layer, copied, s);
      for (let k = s; k < e; ) {
        const cp = t.codePointAt(k) ?? 0;
        const w = cp > 0xffff ? 2 : 1;
        let f = cp >= 0x80 ? confusableOf(cp) & 0x7f || markedBase(cp) : 0;
        // the source character decides where the cases differ (Greek Η is H, its lower case η is n)
        if (f !== 0 && offs !== undefined) {
          const o = src.codePointAt(offs[k] ?? 0) ?? 0;
          if (o !== cp) f = confusableOf(o) & 0x7f || f;
        }
        if (f !== 0) b.push(f, offs ? (offs[k] ?? 0) : k);
        else for (let q = 0; q < w; q++) b.push(t.charCodeAt(k + q), offs ? (offs[k + q] ?? 0) : k + q);
        k += w;
      }
      copied = e;
    }
    i = e;
  }
  if (b === null) return null;
  copyRange(b, layer, copied, n);
  return b.finish(offs ? (offs[n] ?? n) : n);
}

/** Copies characters [from, to) of a layer into a builder, keeping their source offsets. */
function copyRange(b: Builder, layer: Layer, from: number, to: number): void {
  const t = layer.text;
  const offs = layer.offsets;
  for (let k = from; k < to; k++) b.push(t.charCodeAt(k), offs ? (offs[k] ?? 0) : k);
}

// ---------------------------------------------------------------------------------------------------------
// Leetspeak

const LEET = new Map<number, number>(
  Object.entries({ "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", $: "s", "|": "i", "!": "i" }).map(([k, v]) => [
    k.charCodeAt(0),
    v.charCodeAt(0),
  ]),
);
const leetOf = (c: number): number => (c < 0x80 ? (LEET_TABLE[c] ?? 0) : 0);
const LEET_TABLE = new Uint8Array(128);
for (const [c, l] of LEET) LEET_TABLE[c] = l;
const isLeetWordChar = (c: number): boolean => WORD_CHAR[c] === 1 || (c < 0x80 && ((ASCII_CLASS[c] ?? 0) & LEET_SYMBOL) !== 0);
const MAX_LEET_WORD = 24;

/**
 * Folds leet digits and symbols to letters in words that mix them with letters: a leet character between
 * letters ("pr3v10us"), or one or two before the letters ("1gnore", "4ll"; not "3d", "10px", "2nd"); `loose`,
 * for a text already shown to be leet, folds any word mixing them ("th3", "4r3"). Hex-looking words (hashes,
 * colours) and names with 2, 6, 8 or 9 (utf8, x86) are left alone. `asL` reads 1 and | as l.
 */
function foldLeet(layer: Layer, asL: boolean, loose: boolean): { layer: Layer; ambiguous: boolean; words: number } | null {
  const t = layer.text;
  const offs = layer.offsets;
  const n = t.length;
  let b: Builder | null = null;
  let copied = 0;
  let ambiguous = false;
  let words = 0;
  let i = 0;
  while (i < n) {
    if (!isLeetWordChar(t.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    let some = 0;
    for (let c = t.charCodeAt(i); i < n && isLeetWordChar(c); c = t.charCodeAt(++i)) some |= leetOf(c);
    const e = i;
    if (some === 0 || e - s < (loose ? 2 : 3) || e - s > MAX_LEET_WORD || inBlob(t, s, e) || !leetWord(t, s, e, loose)) continue;
    words++;
    b ??= new Builder(n);
    copyRange(b, layer, copied, s);
    // a trailing ! or | is punctuation ("hello!"); a trailing $ is an s ("previou$")
    let end = e;
    while (end > s && (t.charCodeAt(end - 1) === 0x21 || t.charCodeAt(end - 1) === 0x7c)) end--;
    for (let k = s; k < e; k++) {
      const d = t.charCodeAt(k);
      let f = k < end ? leetOf(d) : 0;
      if (f === 0x69 && (d === 0x31 || d === 0x7c)) {
        ambiguous = true;
        if (asL) f = 0x6c;
      }
      b.push(f || d, offs ? (offs[k] ?? 0) : k);
    }
    copied = e;
  }
  if (b === null) return null;
  copyRange(b, layer, copied, n);
  return { layer: b.finish(offs ? (offs[n] ?? n) : n), ambiguous, words };
}

/** A piece of a base64 blob or a path: next to a + / or =. */
function inBlob(t: string, s: number, e: number): boolean {
  const glue = (c: number): boolean => c === 0x2b || c === 0x2f || c === 0x3d;
  return (s > 0 && glue(t.charCodeAt(s - 1))) || glue(t.charCodeAt(e));
}

function leetWord(t: string, s: number, e: number, loose: boolean): boolean {
  let letters = 0;
  let hexOnly = true;
  let firstLetter = -1;
  let lastLetter = -1;
  let leet = 0;
  // "0x1f", "\x6e", "\u0e1b": a hex literal or escape, not a word
  const body = t.charCodeAt(s) === 0x78 || t.charCodeAt(s) === 0x75 ? s + 1 : t.charCodeAt(s) === 0x30 && t.charCodeAt(s + 1) === 0x78 ? s + 2 : s;
  let symbols = 0;
  for (let k = s; k < e; k++) {
    const c = t.charCodeAt(k);
    // 2, 6, 8 and 9 are rare in leetspeak and common in names: utf8, i18n, k8s, x86, h264, base64; in a
    // text already shown to be leet, 8 and 9 are b and g ("8ud9et")
    if (c === 0x32 || c === 0x36 || (!loose && (c === 0x38 || c === 0x39))) return false;
    if (leetOf(c) !== 0) {
      leet++;
      if (!isDigit(c)) symbols++;
    } else {
      letters++;
      if (firstLetter < 0) firstLetter = k;
      lastLetter = k;
      if (k >= body && !isHexDigit(c)) hexOnly = false;
    }
  }
  // in leet text a word may be all leet ("7!713", "83$7"), if a symbol shows it is not a number
  if (letters === 0) return loose && symbols > 0 && e - s >= 2;
  if (leet === 0 || hexOnly) return false;
  // an e-mail address is not leet: "name@host.example"
  if (e < t.length && t.charCodeAt(e) === 0x2e) {
    for (let k = s; k < e; k++) if (t.charCodeAt(k) === 0x40) return false;
  }
  if (loose) return true;
  for (let k = firstLetter + 1; k < lastLetter; k++) {
    const c = t.charCodeAt(k);
    if (isDigit(c)) return true;
    // a symbol between letters counts in a real word, not in "a|b" or "x!y"
    if (leetOf(c) === 0 || letters < 3 || !isWordChar(t.charCodeAt(k - 1)) || !isWordChar(t.charCodeAt(k + 1))) continue;
    // name@host and package@version are not leet, h@ck and p@ssword are; a|b and x!y are code, not words
    if (c === 0x40 ? k - s <= 2 : c === 0x24) return true;
  }
  const lead = firstLetter - s;
  const after = e - firstLetter;
  if (lead > 0 && lead <= 2 && isDigit(t.charCodeAt(s)) && lastLetter === e - 1) {
    if (after >= 3) return true;
    // "4ll", not "1st", "3rd", "5ms", "2fa"
    if (lead === 1 && after === 2 && !UNITS.has(t.slice(firstLetter, e))) return true;
  }
  // "@ll", "@ny": a short word (a mention is longer)
  if (lead === 1 && t.charCodeAt(s) === 0x40 && after >= 2 && e - s <= 4) return true;
  // a digit only at the end is a version or a name (python3, html5, llama3), not leetspeak
  return false;
}

/** Two letters after a number that make it a quantity or an ordinal rather than a leet word. */
const UNITS = new Set("st nd rd th px pt em ex ms ns us mb kb gb tb hz am pm fa km cm mm kg lb mp db dx gl in ft yd oz mg ml vh vw ch fr xl xs".split(" "));

// ---------------------------------------------------------------------------------------------------------
// Split letters

const SPLIT_SEPARATORS = new Set([0x20, 0x2e, 0x2d, 0x5f, 0x2a, 0x2f, 0x7c, 0x2b, 0x7e, 0x09, 0xa0, 0x3000, 0x2022, 0xb7]);

/** Punctuation that a split text splits like its letters. */
const SPLIT_PUNCTUATION = new Set([0x27, 0x2019, 0x2c, 0x3b, 0x3a, 0x3f, 0x21, 0x22, 0x28, 0x29]);

/**
 * Joins runs of at least four single letters (or digits) that single separators keep apart: "i g n o r e",
 * "i.g.n.o.r.e". The separator between the first two letters joins; any other gap (a double space, a
 * different separator) is a gap between words and becomes one space.
 */
function joinSplitLetters(layer: Layer): Layer | null {
  const t = layer.text;
  const offs = layer.offsets;
  const n = t.length;
  const single = (k: number): boolean =>
    k < n && isWordChar(t.charCodeAt(k)) && (k === 0 || !isWordChar(t.charCodeAt(k - 1))) && (k + 1 >= n || !isWordChar(t.charCodeAt(k + 1)));
  const at = (k: number): number => (offs ? (offs[k] ?? 0) : k);
  let b: Builder | null = null;
  let copied = 0;
  // finding words in run-together letters costs about 16 lookups a letter: a flood gets a bounded share
  let segmentBudget = MAX_SEGMENTED_LETTERS;
  let i = 0;
  while (i < n) {
    if (!single(i)) {
      i++;
      continue;
    }
    // follow the chain: letter (gap letter)*, each gap one to three separators
    let letters = 1;
    let digits = isDigit(t.charCodeAt(i)) ? 1 : 0;
    let end = i + 1;
    let joinGap = "";
    let word = 1;
    let longestWord = 1;
    let k = i + 1;
    while (k < n) {
      let g = k;
      while (g < n && g - k < 3 && SPLIT_SEPARATORS.has(t.charCodeAt(g))) g++;
      if (g === k) break;
      // punctuation split like a letter ("h . e . r . e . ' . s", "t . e . s . t . ?") keeps the chain going
      if (!single(g)) {
        if (!(SPLIT_PUNCTUATION.has(t.charCodeAt(g)) && (g + 1 >= n || SPLIT_SEPARATORS.has(t.charCodeAt(g + 1))))) break;
        end = g + 1;
        k = g + 1;
        continue;
      }
      if (joinGap === "") joinGap = t.slice(k, g);
      word = g - k === joinGap.length && t.startsWith(joinGap, k) ? word + 1 : 1;
      if (word > longestWord) longestWord = word;
      letters++;
      if (isDigit(t.charCodeAt(g))) digits++;
      end = g + 1;
      k = g + 1;
    }
    // a list of numbers is not a split word, nor are initials and abbreviations (e.g. u.s.a.)
    if (letters < MIN_SPLIT_LETTERS || digits * 2 > letters || longestWord < MIN_SPLIT_LETTERS) {
      i = end;
      continue;
    }
    b ??= new Builder(n);
    copyRange(b, layer, copied, i);
    // the words: letters joined by the first gap; any other gap starts a new word
    const words: { gapAt: number; letters: number[] }[] = [{ gapAt: -1, letters: [i] }];
    for (let p = i + 1; p < end; ) {
      let g = p;
      while (g < end && !isWordChar(t.charCodeAt(g))) g++;
      if (g >= end) break; // the chain ended in split punctuation
      if (t.slice(p, g) !== joinGap) words.push({ gapAt: p, letters: [g] });
      else words[words.length - 1]?.letters.push(g);
      p = g + 1;
    }
    for (const w of words) {
      if (w.gapAt >= 0) b.push(0x20, at(w.gapAt));
      // "i g n o r e a l l …" has no word gaps: find the words in the letters
      const segment = w.letters.length >= 8 && w.letters.length <= 256 && segmentBudget > 0;
      if (segment) segmentBudget -= w.letters.length;
      const cuts = segment ? segmentWords(w.letters.map((k) => t[k] ?? "").join("")) : null;
      w.letters.forEach((k, idx) => {
        if (cuts?.has(idx)) b?.push(0x20, at(k));
        b?.push(t.charCodeAt(k), at(k));
      });
    }
    copied = end;
    i = end;
  }
  if (b === null) return null;
  copyRange(b, layer, copied, n);
  return b.finish(offs ? (offs[n] ?? n) : n);
}

/**
 * Where to put spaces in letters that run words together ("ignoreallpreviousinstructions"), using the common
 * words of the ROT13 check: the split into the fewest known words, or null when the letters are not all words.
 */
function segmentWords(s: string): Set<number> | null {
  const n = s.length;
  if (n > 256 || SEGMENT_WORDS.has(s)) return null;
  const pieces = new Int32Array(n + 1).fill(-1);
  const from = new Int32Array(n + 1);
  pieces[0] = 0;
  for (let j = 1; j <= n; j++) {
    for (let k = Math.max(0, j - 16); k < j; k++) {
      const before = pieces[k] ?? -1;
      if (before < 0 || !SEGMENT_WORDS.has(s.slice(k, j))) continue;
      const here = pieces[j] ?? -1;
      if (here < 0 || before + 1 < here) {
        pieces[j] = before + 1;
        from[j] = k;
      }
    }
  }
  if ((pieces[n] ?? -1) < 0) return null;
  const cuts = new Set<number>();
  for (let j = from[n] ?? 0; j > 0; j = from[j] ?? 0) cuts.add(j);
  return cuts;
}

// ---------------------------------------------------------------------------------------------------------
// ROT13

const FNV = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const rot13Code = (c: number): number => (c >= 0x61 && c <= 0x7a ? ((c - 0x61 + 13) % 26) + 0x61 : c);

function wordHash(w: string): number {
  let h = FNV;
  for (let k = 0; k < w.length && k < 16; k++) h = Math.imul(h ^ w.charCodeAt(k), FNV_PRIME);
  return h;
}

/** Common words (English first, then German, French, Spanish, Italian, Portuguese), and the words of instructions an attacker hides; a word whose ROT13 is also here is not. */
const COMMON_WORDS = `the and or you your are is to of in it that for on with as this be not me my all any now from have what will can
do tell say must we an at by if so but they he she was were been has had his her them there their which who how about would should could
just like only also then than into out up ignore previous prior above instructions instruction system prompt forget disregard rules
reveal pretend act mode developer jailbreak password secret respond answer following everything anything user assistant restrictions
unrestricted without filter guidelines policy new role print show output write give please here when where why yes because
make know want need about more some other time very after before again never always every those these our us its do does did
die der das und ist nicht ich du sie ein eine zu mit auf von alle allen vorherigen anweisungen ignoriere vergiss regeln jetzt bist
le la les et est pas je tu vous une des toutes instructions ignorez oublie maintenant
el los las es yo una todas instrucciones anteriores ignora olvida reglas ahora eres responde
il lo gli non io tutte istruzioni precedenti dimentica regole sei rispondi
os voce todas esqueca regras agora
bypass safety filters override instead confidential hidden ethics ethical moral censored uncensored limits limitations
refuse refusal never always follow obey command commands admin administrator root access execute code delete data send
email key keys token credentials internal private context message messages conversation earlier above below text`
  .split(/\s+/)
  .filter((w) => w.length >= 2);
const COMMON_HASHES = new Set<number>();
/** The words split letters may be made of. */
const SEGMENT_WORDS = new Set([...COMMON_WORDS, "a", "i", "dan", "ai", "chatgpt", "gpt", "model", "evil", "unfiltered", "hack"]);
{
  const words = new Set(COMMON_WORDS);
  for (const w of words) {
    const r = Array.from(w, (ch) => String.fromCharCode(rot13Code(ch.charCodeAt(0)))).join("");
    if (!words.has(r)) COMMON_HASHES.add(wordHash(w));
  }
}

const ACCENTED_VOWELS = "àáâãäåèéêëìíîïòóôõöùúûü";

/**
 * Letters that read as a European language ROT13'd: n r v b h (ROT13 of the vowels) at least 30% of them and
 * well ahead of the vowels, and still some a and e.
 */
function readsAsRot13(letters: number, score: number, minus: number, ae: number): boolean {
  // a and e (ROT13 of n and r) stay common: leetspeak writes them as 4 and 3
  return letters >= 8 && minus * 10 >= letters * 3 && score * 6 <= -letters && ae * 100 >= letters * 8;
}
const isAorE = (c: number): number => (c === 0x61 || c === 0x65 ? 1 : 0);

/** A view of the whole text ROT13'd when its letters read as ROT13. */
function rot13Whole(layer: Layer, emit: Emit): boolean {
  const t = layer.text;
  let letters = 0;
  let score = 0;
  let minus = 0;
  let ae = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) {
      letters++;
      const m = (ROT13_MARKERS >>> (c - 0x61)) & 1;
      score += ((ENGLISH_MARKERS >>> (c - 0x61)) & 1) - m;
      minus += m;
      ae += isAorE(c);
    } else if (c >= 0xc0 && c <= 0xff && ACCENTED_VOWELS.includes(t[i] ?? "")) {
      letters++;
      score++;
    }
  }
  return !readsAsRot13(letters, score, minus, ae) || emit("rot13", rot13Layer(layer, 0, t.length), []);
}

/**
 * Views of the stretches that read as common words only once ROT13'd: runs of words with no common word as
 * written, where at least a third of the words are common once ROT13'd. A text that is ROT13 throughout gives
 * one view of the whole; "please decode: vtaber nyy …" gives a view of the part after the English.
 */
function rot13Regions(layer: Layer, from: number, emit: Emit): boolean {
  const t = layer.text;
  const n = t.length;
  let regionStart = -1;
  let regionEnd = -1;
  let words = 0;
  let rotHits = 0;
  let wordStart = 0;
  let wordLen = 0;
  let h = FNV;
  let h13 = FNV;
  // sentences whose letters read as ROT13 of text, whatever their words (other languages, rare words)
  let sentenceStart = from;
  let letters = 0;
  let score = 0;
  let rotStart = -1;
  let rotEnd = -1;
  let minus = 0;
  let ae = 0;
  const sentenceEnd = (i: number): boolean => {
    const rot = readsAsRot13(letters, score, minus, ae) && letters >= 24;
    if (rot) {
      if (rotStart < 0) rotStart = sentenceStart;
      rotEnd = i;
    }
    sentenceStart = i + 1;
    letters = 0;
    score = 0;
    minus = 0;
    ae = 0;
    if (rot || rotStart < 0) return true;
    const more = emit("rot13", rot13Layer(layer, rotStart, rotEnd), []);
    rotStart = -1;
    return more;
  };
  const close = (): boolean => {
    const rot = rotHits >= 2 && rotHits * 3 >= words;
    const more = rot ? emit("rot13", rot13Layer(layer, regionStart, regionEnd), []) : true;
    regionStart = -1;
    words = 0;
    rotHits = 0;
    return more;
  };
  for (let i = from; i <= n; i++) {
    const c = i < n ? t.charCodeAt(i) : 0x0a;
    if (c >= 0x61 && c <= 0x7a) {
      letters++;
      const m = (ROT13_MARKERS >>> (c - 0x61)) & 1;
      score += ((ENGLISH_MARKERS >>> (c - 0x61)) & 1) - m;
      minus += m;
      ae += isAorE(c);
      if (wordLen === 0) wordStart = i;
      if (wordLen < 16) {
        h = Math.imul(h ^ c, FNV_PRIME);
        h13 = Math.imul(h13 ^ rot13Code(c), FNV_PRIME);
      }
      wordLen++;
      continue;
    }
    if (c >= 0xc0 && c <= 0xff && ACCENTED_VOWELS.includes(String.fromCharCode(c))) {
      letters++;
      score++;
    }
    if (c < 0x80 && (ASCII_CLASS[c] ?? 0) & SENTENCE_END && !sentenceEnd(i)) return false;
    if (wordLen === 0) continue;
    // two-letter words are too easily hit by chance (ROT13 of "ur" is "he"): they neither count nor break
    const known = wordLen >= 2 && wordLen <= 14;
    if (wordLen < 3) {
      if (regionStart >= 0) regionEnd = i;
    } else if (known && COMMON_HASHES.has(h)) {
      // a common word as written: the stretch before it, if any, ends here
      if (regionStart >= 0 && !close()) return false;
    } else {
      if (regionStart < 0) regionStart = wordStart;
      regionEnd = i;
      words++;
      if (known && COMMON_HASHES.has(h13)) rotHits++;
    }
    wordLen = 0;
    h = FNV;
    h13 = FNV;
  }
  if (rotStart >= 0 && !emit("rot13", rot13Layer(layer, rotStart, rotEnd), [])) return false;
  return regionStart < 0 || close();
}

function rot13Layer(layer: Layer, start: number, end: number): Layer {
  const t = layer.text;
  let text = "";
  for (let k = start; k < end; k += 4096) {
    const codes: number[] = [];
    for (let q = k; q < Math.min(end, k + 4096); q++) codes.push(rot13Code(t.charCodeAt(q)));
    text += String.fromCharCode(...codes);
  }
  const offs = layer.offsets;
  const offsets = offs ? offs.subarray(start, end + 1) : undefined;
  const origin = offs ? { start: offs[start] ?? 0, end: offs[end] ?? 0 } : { start, end };
  return { text, origin, ...(offsets ? { offsets } : {}) };
}

/** A stretch introduced as ROT13 ("rot13: …", "ROT-13 encoded text: …") up to the end of its line. */
function rot13Prefixed(layer: Layer, emit: Emit): boolean {
  const t = layer.text;
  const n = t.length;
  let from = 0;
  let count = 0;
  while (count < 4) {
    const p = t.indexOf("rot", from);
    if (p < 0) return true;
    from = p + 3;
    if (p > 0 && isWordChar(t.charCodeAt(p - 1))) continue;
    let q = p + 3;
    if (q < n && (t[q] === "-" || t[q] === " " || t[q] === "_")) q++;
    if (t.slice(q, q + 2) !== "13" || (q + 2 < n && isDigit(t.charCodeAt(q + 2)))) continue;
    q += 2;
    // up to a colon on the same line close by ("rot13: …", "ROT-13 encoded text: …"): naming ROT13 is not enough
    let colon = -1;
    for (let k = q; k < n && k < q + 40 && t[k] !== "\n"; k++) {
      if (t[k] === ":") {
        colon = k;
        break;
      }
    }
    if (colon < 0) continue;
    q = colon + 1;
    while (q < n && (t[q] === " " || t[q] === '"' || t[q] === "'" || t[q] === "`" || t[q] === "\n")) q++;
    let e = q;
    while (e < n && e - q < MAX_ROT13_PREFIXED && t[e] !== "\n") e++;
    if (e - q < 4) continue;
    count++;
    if (!emit("rot13", rot13Layer(layer, q, e), [])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Base64 and hex

const isBase64Char = (c: number): boolean => isAsciiLetter(c) || isDigit(c) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;
const UTF8 = new TextDecoder("utf-8");

/** Runs of base64 (standard or URL-safe, padded or not, wrapped in lines) that decode to text. */
function decodeBase64Runs(src: string, from: number, depth: number, emit: Emit): boolean {
  const n = src.length;
  let i = from;
  while (i < n) {
    if (!isBase64Char(src.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let chars = 0;
    let hexOnly = true;
    let parts = "";
    let partStart = i;
    for (;;) {
      while (i < n && isBase64Char(src.charCodeAt(i))) {
        if (hexOnly && !isHexDigit(src.charCodeAt(i))) hexOnly = false;
        i++;
      }
      chars += i - partStart;
      parts += src.slice(partStart, i);
      // a line break inside a long run continues it (MIME wraps at 76, PEM at 64)
      let k = i;
      if (src.charCodeAt(k) === 0x0d) k++;
      if (src.charCodeAt(k) === 0x0a && i - partStart >= 16 && wholeLineOfBase64(src, k + 1)) {
        i = k + 1;
        partStart = i;
        continue;
      }
      break;
    }
    let end = i;
    while (end < n && end - i < 2 && src.charCodeAt(end) === 0x3d) end++;
    i = end;
    if (chars < MIN_BASE64_CHARS || hexOnly) continue;
    if (start > 0 && src.charCodeAt(start - 1) === 0x25) continue; // %-encoded
    const bytes = Buffer.from(parts, "base64");
    const decoded = asText(bytes);
    if (decoded !== null && !collectDecoded("base64", decoded, { start, end }, undefined, depth, emit)) return false;
  }
  return true;
}

/** The line from `i` is base64 to its end (a wrapped run goes on), not a line of text ("attachment 2: …"). */
function wholeLineOfBase64(src: string, i: number): boolean {
  let k = i;
  while (k < src.length && isBase64Char(src.charCodeAt(k))) k++;
  const c = src.charCodeAt(k);
  return k > i && (k === src.length || c === 0x0a || c === 0x0d || c === 0x3d);
}

/**
 * Runs of at least eight hex bytes: plain (`69676e6f7265`), separated (`69 67 6e`, `69:67`, `69,67`), or
 * prefixed (`\x69\x67`, `0x69 0x67`, `%69%67`), that decode to text.
 */
function decodeHexRuns(src: string, depth: number, emit: Emit): boolean {
  const n = src.length;
  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    const prefix = hexPrefix(src, i);
    if (prefix === 0 && (!isHexDigit(c) || (i > 0 && isWordChar(src.charCodeAt(i - 1))))) {
      i++;
      continue;
    }
    const start = i;
    const bytes: number[] = [];
    let j = i;
    let end = i;
    for (;;) {
      const pre = hexPrefix(src, j);
      const k = j + pre;
      if (!(isHexDigit(src.charCodeAt(k)) && isHexDigit(src.charCodeAt(k + 1)))) break;
      bytes.push(Number.parseInt(src.slice(k, k + 2), 16));
      end = k + 2;
      // then the next byte: right after, or after one or two separators
      let m = end;
      while (m < n && m - end < 2 && (src[m] === " " || src[m] === "," || src[m] === ":" || src[m] === ";" || src[m] === "-")) m++;
      if (m === end && pre === 0 && !isHexDigit(src.charCodeAt(m)) && hexPrefix(src, m) === 0) break;
      j = m;
      if (j >= n) break;
    }
    i = Math.max(end, i + 1);
    if (bytes.length < MIN_HEX_BYTES) continue;
    // plain hex glued to more letters is a word, not a run
    if (end < n && isWordChar(src.charCodeAt(end))) continue;
    const decoded = asText(Uint8Array.from(bytes));
    if (decoded !== null && !collectDecoded("hex", decoded, { start, end }, undefined, depth, emit)) return false;
  }
  return true;
}

/** 2 for `\x` or `0x` before two hex digits, 1 for `%`, else 0. */
function hexPrefix(src: string, i: number): number {
  const c = src.charCodeAt(i);
  const x = (src.charCodeAt(i + 1) | 0x20) === 0x78;
  if ((c === 0x5c || c === 0x30) && x && isHexDigit(src.charCodeAt(i + 2)) && isHexDigit(src.charCodeAt(i + 3))) {
    if (c === 0x30 && i > 0 && isWordChar(src.charCodeAt(i - 1))) return 0;
    return 2;
  }
  if (c === 0x25 && isHexDigit(src.charCodeAt(i + 1)) && isHexDigit(src.charCodeAt(i + 2))) return 1;
  return 0;
}

/** The bytes as text if they are valid UTF-8 made mostly of letters and spaces, with no control characters. */
function asText(bytes: Uint8Array): string | null {
  if (bytes.length < 6) return null;
  if (!isUtf8(bytes)) return null;
  const s = UTF8.decode(bytes);
  let letters = 0;
  let digits = 0;
  let spaces = 0;
  let bad = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) spaces++;
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0xfffd) bad++;
    else if (isAsciiLetter(c) || (c >= 0xc0 && isWordChar(c))) letters++;
    else if (isDigit(c)) digits++;
  }
  if (bad > 0) return null;
  // text, or text in a further encoding (hex, base64, leetspeak): letters, digits and spaces nearly throughout
  const text = letters >= 4 && (letters + spaces) * 10 >= s.length * 7;
  const encoded = letters >= 2 && (letters + digits + spaces) * 10 >= s.length * 9;
  return text || encoded ? s : null;
}
