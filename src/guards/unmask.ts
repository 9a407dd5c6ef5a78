import type { Span } from "./types.js";

// A text as its reader gets it back: invisible characters dropped (a zero-width space, a soft hyphen or a tag
// character between a key's characters is gone once the text is copied, rendered or stripped by the client),
// and JSON's \uXXXX and \/ escapes decoded (tool-call arguments and JSON answers are parsed by the client, so
// `\u0067hp_…` arrives as `ghp_…`). Detectors that look for exact formats read this view as well as the text,
// and map what they find back to the text's own offsets, so a redaction covers the mask too.
//
// Plain code, linear in the text: most text has neither, and is then read once and left alone.

/** The unmasked text; `from[i]`/`to[i]` are the original UTF-16 span of its unit `i`. */
export interface Unmasked {
  readonly text: string;
  readonly from: Int32Array;
  readonly to: Int32Array;
}

const BACKSLASH = 92;
const LOWER_U = 117;
const SLASH = 47;

/** Unicode's default-ignorable code points (rendered as nothing), BMP part, plus the ones astral below. */
export function ignorableBmp(c: number): boolean {
  if (c < 0xad) return false;
  return (
    c === 0xad ||
    c === 0x34f ||
    c === 0x61c ||
    c === 0x115f ||
    c === 0x1160 ||
    c === 0x17b4 ||
    c === 0x17b5 ||
    (c >= 0x180b && c <= 0x180f) ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x206f) ||
    c === 0x3164 ||
    (c >= 0xfe00 && c <= 0xfe0f) ||
    c === 0xfeff ||
    c === 0xffa0 ||
    (c >= 0xfff0 && c <= 0xfff8)
  );
}

/** Length in UTF-16 units of an ignorable astral character at `i` (tags, variation selectors 17–256, …), else 0. */
function ignorableAstral(text: string, i: number): number {
  const hi = text.charCodeAt(i);
  if (hi < 0xd800 || hi > 0xdbff) return 0;
  const lo = text.charCodeAt(i + 1);
  if (lo < 0xdc00 || lo > 0xdfff) return 0;
  const cp = ((hi - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
  if ((cp >= 0xe0000 && cp <= 0xe0fff) || (cp >= 0x1bca0 && cp <= 0x1bca3) || (cp >= 0x1d173 && cp <= 0x1d17a)) return 2;
  return 0;
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** The value of a `\uXXXX` escape at `i`, or -1. */
function escapeAt(text: string, i: number): number {
  if (text.charCodeAt(i + 1) !== LOWER_U || i + 6 > text.length) return -1;
  let v = 0;
  for (let k = 2; k < 6; k++) {
    const h = hex(text.charCodeAt(i + k));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

/**
 * RE2 source for anything unmask() changes: the detector adds it to the one pass it makes over every text, so
 * text with no anchor and no mask costs nothing more.
 */
export const MASK_SOURCE = String.raw`[\x{AD}\x{34F}\x{61C}\x{115F}\x{1160}\x{17B4}\x{17B5}\x{180B}-\x{180F}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{206F}\x{3164}\x{FE00}-\x{FE0F}\x{FEFF}\x{FFA0}\x{FFF0}-\x{FFF8}\x{1BCA0}-\x{1BCA3}\x{1D173}-\x{1D17A}\x{E0000}-\x{E0FFF}]|\\u[0-9A-Fa-f]{4}|\\/`;

/**
 * Whether the text, given with its UTF-8 bytes, has anything to unmask. ASCII text (as many bytes as UTF-16
 * units) holds no invisible character, so without a backslash (found natively) it has nothing; other text is
 * read once, byte by byte: the invisible characters' UTF-8 forms below, and `\uXXXX` or `\/`.
 */
export function mayBeMasked(text: string, bytes: Buffer): boolean {
  if (bytes.length === text.length && text.indexOf("\\") < 0) return false;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i] as number;
    if (c < 0xc2) {
      if (c === BACKSLASH && escapedAt(bytes, i)) return true;
      continue;
    }
    if (invisibleAt(bytes, i, c)) return true;
  }
  return false;
}

function escapedAt(b: Buffer, i: number): boolean {
  const n = b[i + 1];
  if (n === SLASH) return true;
  if (n !== LOWER_U) return false;
  for (let k = 2; k < 6; k++) if (hex(b[i + k] ?? 0) < 0) return false;
  return true;
}

/** The UTF-8 forms of the code points ignorableBmp() and ignorableAstral() name, by their lead byte. */
function invisibleAt(b: Buffer, i: number, c: number): boolean {
  const b1 = b[i + 1] ?? 0;
  const b2 = b[i + 2] ?? 0;
  switch (c) {
    case 0xc2:
      return b1 === 0xad;
    case 0xcd:
      return b1 === 0x8f;
    case 0xd8:
      return b1 === 0x9c;
    case 0xe1:
      return (b1 === 0x85 && (b2 === 0x9f || b2 === 0xa0)) || (b1 === 0x9e && (b2 === 0xb4 || b2 === 0xb5)) || (b1 === 0xa0 && b2 >= 0x8b && b2 <= 0x8f);
    case 0xe2:
      return (b1 === 0x80 && ((b2 >= 0x8b && b2 <= 0x8f) || (b2 >= 0xaa && b2 <= 0xae))) || (b1 === 0x81 && b2 >= 0xa0 && b2 <= 0xaf);
    case 0xe3:
      return b1 === 0x85 && b2 === 0xa4;
    case 0xef:
      return (
        (b1 === 0xb8 && b2 >= 0x80 && b2 <= 0x8f) || (b1 === 0xbb && b2 === 0xbf) || (b1 === 0xbe && b2 === 0xa0) || (b1 === 0xbf && b2 >= 0xb0 && b2 <= 0xb8)
      );
    case 0xf0: {
      const b3 = b[i + 3] ?? 0;
      return (b1 === 0x9b && b2 === 0xb2 && b3 >= 0xa0 && b3 <= 0xa3) || (b1 === 0x9d && b2 === 0x85 && b3 >= 0xb3 && b3 <= 0xba);
    }
    case 0xf3:
      return b1 === 0xa0 && b2 >= 0x80 && b2 <= 0x83;
    default:
      return false;
  }
}

/** The unmasked view of a text, or undefined when there is nothing to unmask. */
export function unmask(text: string, bytes: Buffer = Buffer.from(text, "utf8")): Unmasked | undefined {
  if (!mayBeMasked(text, bytes)) return undefined;
  const n = text.length;
  const from = new Int32Array(n + 1);
  const to = new Int32Array(n + 1);
  const units: number[] = [];
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      const next = text.charCodeAt(i + 1);
      if (next === BACKSLASH) {
        // an escaped backslash stays one: `\\u0067` is a backslash and `u0067`, as JSON reads it
        from[units.length] = i;
        to[units.length] = i + 2;
        units.push(BACKSLASH);
        i += 2;
        continue;
      }
      if (next === SLASH) {
        from[units.length] = i;
        to[units.length] = i + 2;
        units.push(SLASH);
        i += 2;
        continue;
      }
      const v = escapeAt(text, i);
      if (v >= 0) {
        if (!ignorableBmp(v)) {
          from[units.length] = i;
          to[units.length] = i + 6;
          units.push(v);
        }
        i += 6;
        continue;
      }
    }
    if (ignorableBmp(c)) {
      i++;
      continue;
    }
    const astral = ignorableAstral(text, i);
    if (astral > 0) {
      i += astral;
      continue;
    }
    from[units.length] = i;
    to[units.length] = i + 1;
    units.push(c);
    i++;
  }
  let out = "";
  for (let k = 0; k < units.length; k += 8192) out += String.fromCharCode(...units.slice(k, k + 8192));
  return { text: out, from: from.subarray(0, units.length), to: to.subarray(0, units.length) };
}

/** A span of the view as the span of the text it came from. */
export function originSpan(view: Unmasked, span: Span): Span {
  if (span.end <= span.start) {
    const at = span.start < view.from.length ? (view.from[span.start] ?? 0) : (view.to[view.to.length - 1] ?? 0);
    return { start: at, end: at };
  }
  return { start: view.from[span.start] ?? 0, end: view.to[span.end - 1] ?? 0 };
}
