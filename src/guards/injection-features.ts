// The features the injection classifier reads from a view of a text, shared by the detector and by the
// training script (scripts/train-injection.ts) so that both see exactly the same thing.
//
// A view is lower-case NFKC text (./normalize.ts). Runs of whitespace count as one space and every digit as 0.
// From that the features are character 3-, 4- and 5-grams, character 2-grams where the text is CJK (a word is
// one or two characters there), and word 1- and 2-grams; each is hashed into one of 2^BITS buckets with a
// sign (feature hashing). A feature is placed at the character where it starts, so that the sum over any
// window of the text is a difference of prefix sums: one pass, linear in the text, whatever the window.

/** Changes whenever what features() computes changes: weights trained before then are stale. */
export const FEATURES_VERSION = 2;
export const BITS = 18;
export const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;
/** Windows of [size, stride] (collapsed) characters, smallest first, are scored; the text's score is the highest. */
const SCALES: readonly (readonly [number, number])[] = [
  [120, 60],
  [400, 200],
];
/** Words longer than this are not words (a base64 run, CJK text without spaces): their characters still count. */
const MAX_WORD = 24;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** A view's text as the features see it, and where each of its characters came from in the view. */
export interface Collapsed {
  readonly codes: Uint16Array;
  readonly length: number;
  /** `at[i]` is the view offset of collapsed character i; `at[length]` is the view's length. */
  readonly at: Int32Array;
}

/** Texts up to this many characters are collapsed into shared arrays when the caller asks for it. */
export const MAX_REUSED = 1 << 16;
/** collapse()'s arrays when the caller reuses them: grown as needed up to MAX_REUSED, never shrunk. */
let reused = { codes: new Uint16Array(1024), at: new Int32Array(1024) };

/**
 * `reuse`: into arrays shared between calls (no garbage per call on the gateway's hot path), valid until the
 * next call with `reuse`; otherwise into arrays of its own.
 */
export function collapse(text: string, reuse = false): Collapsed {
  // a long text gets arrays of its own: shared ones would stay that large for the life of the process
  if (text.length > MAX_REUSED) reuse = false;
  if (reuse && reused.at.length < text.length + 3) reused = { codes: new Uint16Array(text.length + 1024), at: new Int32Array(text.length + 1024) };
  const codes = reuse ? reused.codes : new Uint16Array(text.length + 2);
  const at = reuse ? reused.at : new Int32Array(text.length + 3);
  let n = 0;
  codes[n] = 32; // a leading space, so that a word's first n-gram marks its start
  at[n++] = 0;
  let space = true;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || c === 0x2028 || c === 0x2029) {
      if (space) continue;
      space = true;
      c = 32;
    } else {
      space = false;
      if (c >= 48 && c <= 57) c = 48;
    }
    codes[n] = c;
    at[n++] = i;
  }
  if (!space) {
    codes[n] = 32;
    at[n++] = text.length;
  }
  at[n] = text.length;
  return { codes, length: n, at };
}

/** Murmur3's finalizer: spreads FNV's low bits, which the bucket mask keeps. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const isCjk = (c: number) => (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff);

function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || c === 48 || (c >= 65 && c <= 90);
  return c !== 32 && !isCjk(c) && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f) && !(c >= 0xff00 && c <= 0xff0f);
}

/** The features of a collapsed text: where each starts, `position[i]`, and `bucket[i]` with its sign (~bucket when negative). */
export interface Features {
  readonly count: number;
  readonly position: Int32Array;
  readonly bucket: Int32Array;
}

/** At most this many features start at one character: three character n-grams, a CJK 2-gram, a word and a word pair. */
const PER_CHAR = 6;

/** Features are handed over this many at a time, in arrays reused between calls (allocating per view cost more than hashing). */
const BLOCK = 1 << 14;
const scratch = { position: new Int32Array(BLOCK + PER_CHAR), bucket: new Int32Array(BLOCK + PER_CHAR) };

/**
 * Every feature of `text`, handed to `take` a block at a time in arrays that are overwritten once it returns. A feature's sign is +1 or -1 (a colliding feature cancels rather than adds, on
 * average); a negative one is stored as the bucket's complement.
 */
export function features(text: Collapsed, take: (block: Features) => void): void {
  const { codes, length } = text;
  const { position, bucket } = scratch;
  let count = 0;
  let wordStart = -1;
  let wordHash = 0;
  let previousWord = 0;
  let previousWordOk = false;
  // FNV-1a of the 1-, 2-, 3- and 4-grams ending at the previous character: each n-gram's hash is the one
  // before it taken one character further (one multiply each, not one per character of each n-gram)
  let f1 = 0;
  let f2 = 0;
  let f3 = 0;
  let f4 = 0;
  let p1 = 0;
  for (let i = 0; i < length; i++) {
    if (count >= BLOCK) {
      take({ count, position, bucket });
      count = 0;
    }
    const c = codes[i]!;
    // character n-grams ending at i, placed where they start
    if (i >= 1 && (isCjk(c) || isCjk(p1))) {
      const m = mix(Math.imul(f1 ^ c, FNV_PRIME) ^ 0x2f0b3c1d);
      position[count] = i - 1;
      bucket[count++] = m < 0 ? ~(m & MASK) : m & MASK;
    }
    const h5 = Math.imul(f4 ^ c, FNV_PRIME);
    const h4 = Math.imul(f3 ^ c, FNV_PRIME);
    const h3 = Math.imul(f2 ^ c, FNV_PRIME);
    if (i >= 2) {
      const m3 = mix(h3 ^ 0x3c6ef362);
      position[count] = i - 2;
      bucket[count++] = m3 < 0 ? ~(m3 & MASK) : m3 & MASK;
      if (i >= 3) {
        const m4 = mix(h4 ^ 0xdaa66d2b);
        position[count] = i - 3;
        bucket[count++] = m4 < 0 ? ~(m4 & MASK) : m4 & MASK;
        if (i >= 4) {
          const m5 = mix(h5 ^ 0x78dde6e4);
          position[count] = i - 4;
          bucket[count++] = m5 < 0 ? ~(m5 & MASK) : m5 & MASK;
        }
      }
    }
    f4 = h4;
    f3 = h3;
    f2 = Math.imul(f1 ^ c, FNV_PRIME);
    f1 = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
    p1 = c;
    // words: a run of word characters, hashed as it is read, placed where it starts
    if (isWordChar(c)) {
      if (wordStart < 0) {
        wordStart = i;
        wordHash = 0x27d4eb2d;
      }
      wordHash = Math.imul(wordHash ^ c, FNV_PRIME);
    } else if (wordStart >= 0) {
      const ok = i - wordStart <= MAX_WORD;
      if (ok) {
        const w = mix(wordHash);
        position[count] = wordStart;
        bucket[count++] = w < 0 ? ~(w & MASK) : w & MASK;
        if (previousWordOk) {
          const b = mix(Math.imul(previousWord ^ 0x5bd1e995, FNV_PRIME) ^ wordHash);
          position[count] = wordStart;
          bucket[count++] = b < 0 ? ~(b & MASK) : b & MASK;
        }
      }
      previousWord = wordHash;
      previousWordOk = ok;
      wordStart = -1;
    }
  }
  if (count > 0) take({ count, position, bucket });
}

/**
 * The windows of a collapsed text of `length` characters: [start, end) pairs at two scales, each covering all
 * of it. The short ones keep one sentence of attack in a long document from being averaged away by the rest.
 */
export function windows(length: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [size, stride] of SCALES) {
    if (length <= size) {
      out.push([0, length]);
      break; // a text that fits a window of this scale fits the larger ones too: one window says it all
    }
    for (let start = 0; ; start += stride) {
      const end = Math.min(length, start + size);
      out.push([start, end]);
      if (end === length) break;
    }
  }
  return out;
}
