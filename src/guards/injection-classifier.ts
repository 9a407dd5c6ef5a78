import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { BUCKETS, type Collapsed, collapse, FEATURES_VERSION, type Features, features, MAX_REUSED, windows } from "./injection-features.js";
import { INJECTION_TYPES, type InjectionType } from "./injection-rules/types.js";

// A linear classifier beside the injection rules: logistic regression over hashed n-grams of each view
// (./injection-features.ts), trained by scripts/train-injection.ts on the project's own examples in nine
// languages and their obfuscated forms (data/injection-train/). The rules name what they recognise; the
// classifier catches the phrasings no rule was written for. A second, smaller linear model says which kind
// of attack a window most looks like.
//
// The weights are a file of int8 values beside this module (injection-weights.bin, ~360 KB), read once.
// Scoring a view is one pass over its features into prefix sums, then each window is two subtractions.

/** What the classifier says about a view: its most attack-like window, in view offsets. */
export interface WindowScore {
  /** Probability that the window is an attack, 0..1. */
  readonly score: number;
  readonly start: number;
  readonly end: number;
  /** Which kind of attack the window looks most like (a second pass over the features): for a finding only. */
  readonly type?: InjectionType;
}

export interface InjectionModel {
  readonly attack: Float32Array;
  readonly attackBias: number;
  /** One row of `typeBuckets` weights per entry of INJECTION_TYPES. */
  readonly types: Float32Array;
  readonly typeBias: Float32Array;
  readonly typeBuckets: number;
  /** The score at and above which a window is reported, chosen in training for precision. */
  readonly threshold: number;
  /** SHA-256 of the training data it was trained on (trainingDigest), so a test can tell stale weights. */
  readonly digest: string;
}

const MAGIC = "PIMC1";

/** The digest of the project's training files, in name order, and the feature layout they were read with. */
export function trainingDigest(files: readonly { readonly name: string; readonly content: string }[]): string {
  const hash = createHash("sha256").update(`features ${FEATURES_VERSION} buckets ${BUCKETS}\n`);
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) hash.update(`${f.name}\n${f.content.length}\n${f.content}`);
  return hash.digest("hex");
}

/** Serialises a model: magic, threshold, biases, then each weight array as int8 with one scale per array. */
export function encodeModel(m: InjectionModel): Buffer {
  const header = Buffer.alloc(5 + 32 + 4 * 4 + 4 * INJECTION_TYPES.length);
  header.write(MAGIC, 0, "latin1");
  Buffer.from(m.digest, "hex").copy(header, 5);
  header.writeFloatLE(m.threshold, 37);
  header.writeFloatLE(m.attackBias, 41);
  header.writeUInt32LE(BUCKETS, 45);
  header.writeUInt32LE(m.typeBuckets, 49);
  for (let t = 0; t < INJECTION_TYPES.length; t++) header.writeFloatLE(m.typeBias[t] ?? 0, 53 + 4 * t);
  return Buffer.concat([header, quantize(m.attack), quantize(m.types)]);
}

export function decodeModel(buf: Buffer): InjectionModel {
  if (buf.length < 37 || buf.toString("latin1", 0, 5) !== MAGIC) throw new Error("injection classifier weights: not a PIMC1 file");
  const digest = buf.toString("hex", 5, 37);
  if (buf.length < 53 + 4 * INJECTION_TYPES.length) throw new Error("injection classifier weights: truncated");
  const threshold = buf.readFloatLE(37);
  const attackBias = buf.readFloatLE(41);
  const buckets = buf.readUInt32LE(45);
  const typeBuckets = buf.readUInt32LE(49);
  let o = 53;
  if (buckets !== BUCKETS) throw new Error(`injection classifier weights: ${buckets} buckets, the features make ${BUCKETS}`);
  if (typeBuckets < 1 || typeBuckets > BUCKETS || (typeBuckets & (typeBuckets - 1)) !== 0)
    throw new Error(`injection classifier weights: ${typeBuckets} type buckets is not a power of two up to ${BUCKETS}`);
  const typeBias = new Float32Array(INJECTION_TYPES.length);
  for (let t = 0; t < INJECTION_TYPES.length; t++, o += 4) typeBias[t] = buf.readFloatLE(o);
  const [attack, next] = dequantize(buf, o, buckets);
  const [types, end] = dequantize(buf, next, typeBuckets * INJECTION_TYPES.length);
  if (end !== buf.length) throw new Error("injection classifier weights: wrong length");
  return { attack, attackBias, types, typeBias, typeBuckets, threshold, digest };
}

function quantize(w: Float32Array): Buffer {
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = max / 127 || 1;
  const out = Buffer.alloc(4 + w.length);
  out.writeFloatLE(scale, 0);
  for (let i = 0; i < w.length; i++) out.writeInt8(Math.round(w[i]! / scale), 4 + i);
  return out;
}

function dequantize(buf: Buffer, at: number, n: number): [Float32Array, number] {
  if (at + 4 + n > buf.length) throw new Error("injection classifier weights: truncated");
  const scale = buf.readFloatLE(at);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt8(at + 4 + i) * scale;
  return [out, at + 4 + n];
}

let loaded: InjectionModel | undefined;

/** The model shipped beside this module (or beside the bundle). Throws when the file is missing or corrupt. */
export function shippedModel(): InjectionModel {
  loaded ??= decodeModel(readFileSync(new URL("./injection-weights.bin", import.meta.url)));
  return loaded;
}

/** What addBlock adds into, set by prefixSums for the one call (a module-level function ran faster than a closure per call). */
const acc: { weights: Float32Array; sums: Float64Array; counts: Int32Array } = {
  weights: new Float32Array(0),
  sums: new Float64Array(0),
  counts: new Int32Array(0),
};
function addBlock(f: Features): void {
  const { weights, sums, counts } = acc;
  const { bucket, position, count } = f;
  for (let i = 0; i < count; i++) {
    const b = bucket[i]!;
    const at = position[i]! + 1;
    // b is a bucket or, for a feature of sign -1, its complement: s is 0 or -1
    const s = b >> 31;
    sums[at]! += weights[b ^ s]! * (1 + 2 * s);
    counts[at]!++;
  }
}

/** prefixSums' arrays for texts up to MAX_REUSED characters, shared between calls: grown as needed. */
let shared: { sums: Float64Array; counts: Int32Array } = { sums: new Float64Array(0), counts: new Int32Array(0) };

/**
 * Per collapsed position: the summed feature weights starting there (prefix), and the count of features. A
 * text up to MAX_REUSED characters gets the shared arrays (valid until the next call); a longer one its own, so
 * that the shared ones stay small.
 */
function prefixSums(model: InjectionModel, text: Collapsed): { sums: Float64Array; counts: Int32Array } {
  const n = text.length + 1;
  let sums: Float64Array;
  let counts: Int32Array;
  if (text.length > MAX_REUSED) {
    sums = new Float64Array(n);
    counts = new Int32Array(n);
  } else {
    if (shared.counts.length < n) shared = { sums: new Float64Array(n + 1024), counts: new Int32Array(n + 1024) };
    sums = shared.sums.fill(0, 0, n);
    counts = shared.counts.fill(0, 0, n);
  }
  acc.weights = model.attack;
  acc.sums = sums;
  acc.counts = counts;
  features(text, addBlock);
  // let go of a long text's arrays
  acc.sums = shared.sums;
  acc.counts = shared.counts;
  for (let i = 1; i < n; i++) {
    sums[i]! += sums[i - 1]!;
    counts[i]! += counts[i - 1]!;
  }
  return { sums, counts };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The most attack-like window of a view's text (typed when it scores at the threshold); undefined for text with no features. */
export function scoreText(model: InjectionModel, viewText: string): WindowScore | undefined {
  const text = collapse(viewText, true);
  const { sums, counts } = prefixSums(model, text);
  let best: [number, number, number] | undefined;
  for (const [start, end] of windows(text.length)) {
    const n = counts[end]! - counts[start]!;
    if (n === 0) continue;
    const z = model.attackBias + (sums[end]! - sums[start]!) / Math.sqrt(n);
    if (best === undefined || z > best[0]) best = [z, start, end];
  }
  if (best === undefined) return undefined;
  const [z, start, end] = best;
  const score = sigmoid(z);
  return { score, start: text.at[start]!, end: text.at[end]!, type: score >= model.threshold ? typeOf(model, text, start, end) : undefined };
}

/** Which kind of attack the window [start, end) of a collapsed text looks most like. */
function typeOf(model: InjectionModel, text: Collapsed, start: number, end: number): InjectionType {
  const k = INJECTION_TYPES.length;
  const sums = new Float64Array(k);
  const mask = model.typeBuckets - 1;
  let n = 0;
  features(text, (f) => {
    for (let i = 0; i < f.count; i++) {
      const position = f.position[i]!;
      if (position < start || position >= end) continue;
      n++;
      const signed = f.bucket[i]!;
      const sign = signed < 0 ? -1 : 1;
      const b = (signed < 0 ? ~signed : signed) & mask;
      for (let t = 0; t < k; t++) sums[t]! += sign * model.types[t * model.typeBuckets + b]!;
    }
  });
  const z = sums.map((s, t) => model.typeBias[t]! + s / Math.sqrt(Math.max(1, n)));
  let best = 0;
  for (let t = 1; t < k; t++) if (z[t]! > z[best]!) best = t;
  return INJECTION_TYPES[best]!;
}
