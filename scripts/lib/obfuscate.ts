// Ways people hide a prompt from a filter, written for training and testing the injection classifier: each
// takes text and a random source and returns the text obfuscated. The detector's views (src/guards/
// normalize.ts) undo them; training on what the views make of them teaches the classifier what it will see.

export type Random = () => number;

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const LEET: Record<string, readonly string[]> = {
  a: ["4", "@"],
  e: ["3"],
  i: ["1", "!"],
  o: ["0"],
  s: ["5", "$"],
  t: ["7"],
  l: ["1"],
  g: ["9"],
  b: ["8"],
};
/** Latin letters and the Cyrillic or Greek letters that look the same. */
const HOMOGLYPHS: Record<string, readonly string[]> = {
  a: ["а", "ɑ"],
  c: ["с", "ϲ"],
  e: ["е", "ė"],
  i: ["і", "ı"],
  o: ["о", "ο"],
  p: ["р", "ρ"],
  x: ["х"],
  y: ["у"],
  s: ["ѕ"],
  j: ["ј"],
  h: ["һ"],
  k: ["κ"],
  n: ["ո"],
  A: ["А", "Α"],
  E: ["Е", "Ε"],
  O: ["О", "Ο"],
  I: ["І", "Ι"],
};
const ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"];

export const OBFUSCATIONS = {
  base64: (text: string) => Buffer.from(text, "utf8").toString("base64"),
  hex: (text: string, random: Random) => {
    const bytes = [...Buffer.from(text, "utf8")].map((b) => b.toString(16).padStart(2, "0"));
    const sep = pick(random, ["", " ", "\\x", ":"]);
    return sep === "\\x" ? bytes.map((b) => `\\x${b}`).join("") : bytes.join(sep);
  },
  rot13: (text: string, random: Random) => {
    const encoded = text.replace(/[a-z]/gi, (c) => {
      const base = c <= "Z" ? 65 : 97;
      return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
    });
    return random() < 0.5 ? `rot13: ${encoded}` : encoded;
  },
  leet: (text: string, random: Random) => {
    const rate = 0.5 + random() * 0.5;
    return [...text].map((c) => (LEET[c.toLowerCase()] && random() < rate ? pick(random, LEET[c.toLowerCase()]!) : c)).join("");
  },
  split: (text: string, random: Random) => {
    const sep = pick(random, [".", " ", "-", "_", "*", " . "]);
    const gap = sep === " " ? "   " : " ";
    return text
      .split(/\s+/)
      .map((w) => [...w].join(sep))
      .join(gap);
  },
  homoglyph: (text: string, random: Random) => {
    const rate = 0.3 + random() * 0.6;
    return [...text].map((c) => (HOMOGLYPHS[c] && random() < rate ? pick(random, HOMOGLYPHS[c]!) : c)).join("");
  },
  "zero-width": (text: string, random: Random) => {
    const mark = pick(random, ZERO_WIDTH);
    return [...text].map((c) => (c !== " " && random() < 0.7 ? c + mark : c)).join("");
  },
  tag: (text: string) => [...text].map((c) => (c.charCodeAt(0) < 128 ? String.fromCodePoint(0xe0000 + c.charCodeAt(0)) : c)).join(""),
} as const satisfies Record<string, (text: string, random: Random) => string>;

export type Obfuscation = keyof typeof OBFUSCATIONS;
export const OBFUSCATION_NAMES = Object.keys(OBFUSCATIONS) as Obfuscation[];
