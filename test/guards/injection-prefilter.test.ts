import RE2 from "re2";
import { describe, expect, it } from "vitest";
import { injectionDetector, injectionPrefilterStats } from "../../src/guards/injection.js";
import { collapse, LiteralPrefilter, type PatternNode, parsePattern, requiredLiterals } from "../../src/guards/injection-prefilter.js";
import { INJECTION_RULES } from "../../src/guards/injection-rules/index.js";

// The literal prefilter may let a rule run that then finds nothing, never skip one that would have matched:
// each rule's required literals must be in every string the rule matches. Strings are generated from each
// pattern's own syntax tree and kept when RE2 confirms the rule matches them; the detector with the prefilter
// must then find exactly what it finds running every rule.

const patterns = INJECTION_RULES.map((r) => r.pattern);
const prefilter = new LiteralPrefilter(patterns);

/** What the pass reads: RE2's whitespace as a space, each run as one. */
const asScanned = (s: string) => collapse(s.replace(/[\t\n\f\r ]/g, " "));

/** A small deterministic generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Characters tried where a class is too large to list: a letter, punctuation, whitespace, digits, accents. */
const POOL = ["a", "e", "x", " ", " ", "\n", "\t", ",", ".", ":", "-", "'", "1", "é", "ü", "д", "的", "。", "#", "<", '"'];

function generate(node: PatternNode, random: () => number): string {
  switch (node.t) {
    case "lit":
      return node.ch;
    case "class": {
      const from = node.chars ?? POOL;
      return from[Math.floor(random() * from.length)]!;
    }
    case "empty":
      return "";
    case "cat":
      return node.xs.map((x) => generate(x, random)).join("");
    case "alt":
      return generate(node.xs[Math.floor(random() * node.xs.length)]!, random);
    case "rep": {
      const max = node.max < 0 ? node.min + 3 : Math.min(node.max, node.min + 3);
      const n = node.min + Math.floor(random() * (max - node.min + 1));
      let out = "";
      for (let k = 0; k < n; k++) out += generate(node.x, random);
      return out;
    }
  }
}

describe("the literals each injection rule requires", () => {
  it("are derived for every rule, long ones for all but a few", () => {
    expect(prefilter.alwaysRun).toEqual([]);
    expect(injectionPrefilterStats().alwaysRun).toEqual([]);
    // rules whose words are all short ("ia", "ok") are filtered on short literals; keep them few
    expect(prefilter.shortOnly.length).toBeLessThanOrEqual(10);
  });

  it("read alternation, whitespace, optional parts and classes", () => {
    expect(requiredLiterals("(?:ignore|disregard)\\s+previous").groups[0]?.sort()).toEqual(["disregard ", "ignore pre"]);
    expect(requiredLiterals("instructions?\\s*[:：]").groups.flat()).toContain("instructio");
    expect(requiredLiterals("(?:foo|ba)r\\s+.{0,20}?baz").groups.flat().sort()).toEqual(["bar ", "baz", "foor "]);
    expect(requiredLiterals("[a-z]+").groups).toEqual([]);
    expect(requiredLiterals("(?i)ignore").groups).toEqual([]);
  });

  it("are in every string the rule matches (generated from each pattern, confirmed by RE2)", () => {
    const random = rng(20261204);
    let checked = 0;
    const unchecked: string[] = [];
    INJECTION_RULES.forEach((rule, index) => {
      const tree = parsePattern(rule.pattern);
      const regex = new RE2(rule.pattern);
      const groups = prefilter.groups[index]!;
      let confirmed = 0;
      for (let attempt = 0; attempt < 60 && confirmed < 12; attempt++) {
        // the tree reads all whitespace as a space: put the other kinds back in at random
        const text = generate(tree, random).replace(/ /g, () => [" ", " ", "\n", "\t", "\r\n"][Math.floor(random() * 5)]!);
        if (!regex.test(text)) continue;
        confirmed++;
        const scanned = asScanned(text);
        for (const group of groups)
          expect(
            group.some((lit) => scanned.includes(lit)),
            `${rule.id} on ${JSON.stringify(text)}: ${JSON.stringify(group)}`,
          ).toBe(true);
        // and the automaton finds them in the bytes the detector passes
        expect(prefilter.candidates(Buffer.from(text, "utf8")), `${rule.id} on ${JSON.stringify(text)}`).toContain(index);
      }
      if (confirmed === 0) unchecked.push(rule.id);
      else checked++;
    });
    console.log(`prefilter soundness: ${checked} of ${INJECTION_RULES.length} rules checked on generated matches; none for ${unchecked.join(", ") || "none"}`);
    expect(checked).toBeGreaterThan(INJECTION_RULES.length * 0.95);
  });
});

describe("the injection detector with the prefilter", () => {
  // on every development example, English and not, the same check is in injection.test.ts ("literal prefilter")
  const withPrefilter = injectionDetector();
  const everyRule = injectionDetector({ prefilter: "none" });

  it("finds exactly what running every rule finds on text mixing attack words, whitespace and scripts", () => {
    const random = rng(7);
    const words = INJECTION_RULES.flatMap((r) => prefilter.groups[INJECTION_RULES.indexOf(r)]!.flat()).slice(0, 4000);
    for (let n = 0; n < 40; n++) {
      let text = "";
      while (text.length < 600) text += words[Math.floor(random() * words.length)] + POOL[Math.floor(random() * POOL.length)]!;
      expect(withPrefilter.detect(text), text).toEqual(everyRule.detect(text));
    }
  });
});
