import RE2 from "re2";
import { describe, expect, it } from "vitest";
import { rules as de } from "../../src/guards/injection-rules/de.js";
import { rules as es } from "../../src/guards/injection-rules/es.js";
import { rules as fr } from "../../src/guards/injection-rules/fr.js";
import { rules as it_ } from "../../src/guards/injection-rules/it.js";
import { rules as ja } from "../../src/guards/injection-rules/ja.js";
import { rules as pt } from "../../src/guards/injection-rules/pt.js";
import { rules as ru } from "../../src/guards/injection-rules/ru.js";
import type { InjectionRule, InjectionType } from "../../src/guards/injection-rules/types.js";
import { rules as zh } from "../../src/guards/injection-rules/zh.js";
import { examples } from "./injection-i18n.examples.js";

// The non-English injection rules on their own, through a small harness with the semantics types.ts gives
// them (RE2 over the lower-cased NFKC text; a rule counts once; weights add up per type and report at 1), so
// they are proved apart from the detector that reads them. Look-alikes are held to a stricter bar: they must
// stay below 1 even when weak signals of every type are added together.

const TYPES: readonly InjectionType[] = ["instruction-override", "persona", "fiction", "fake-marker", "prompt-leak", "indirect"];
const BY_LANGUAGE: Record<string, readonly InjectionRule[]> = { de, fr, es, it: it_, pt, ru, zh, ja };

interface Verdict {
  /** Some type reaches 1 on its own. */
  readonly perType: boolean;
  /** All matching rules together reach 1, whatever their types. */
  readonly overall: boolean;
  readonly types: readonly InjectionType[];
}

function harness(rules: readonly InjectionRule[]): (text: string) => Verdict {
  const compiled = rules.map((rule) => ({ rule, regex: new RE2(rule.pattern, "u") }));
  return (text) => {
    const view = text.normalize("NFKC").toLowerCase();
    const sums = new Map<InjectionType, number>();
    let total = 0;
    for (const { rule, regex } of compiled) {
      if (!regex.test(view)) continue;
      sums.set(rule.type, (sums.get(rule.type) ?? 0) + rule.weight);
      total += rule.weight;
    }
    const types = [...sums].filter(([, sum]) => sum >= 1).map(([type]) => type);
    return { perType: types.length > 0, overall: total >= 1, types };
  };
}

describe.each(Object.entries(BY_LANGUAGE))("the %s injection rules", (lang, rules) => {
  const sample = examples[lang];
  if (sample === undefined) throw new Error(`no examples for ${lang}`);
  const detect = harness(rules);

  it("have unique ids of the form <lang>.<type>.<name> and a weight in (0, 1]", () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id, r.id).toMatch(new RegExp(`^${lang}\\.(?:${TYPES.join("|")})\\.[^.\\s]+$`, "u"));
      expect(r.id.split(".")[1], r.id).toBe(r.type);
      expect(r.lang, r.id).toBe(lang);
      expect(r.weight, r.id).toBeGreaterThan(0);
      expect(r.weight, r.id).toBeLessThanOrEqual(1);
    }
  });

  it("compile in RE2, each one and all together as one set with the detector's memory budget", () => {
    for (const r of rules) expect(() => new RE2(r.pattern, "u"), r.id).not.toThrow();
    expect(
      () =>
        new RE2.Set(
          rules.map((r) => r.pattern),
          { maxMem: 64 << 20 },
        ),
    ).not.toThrow();
  });

  it("are written in lower case, as the text they run on is", () => {
    for (const r of rules)
      expect(r.pattern.replace(/\\[pP]\{[A-Za-z]+\}|\\[A-Za-z]/g, ""), r.id).toBe(r.pattern.replace(/\\[pP]\{[A-Za-z]+\}|\\[A-Za-z]/g, "").toLowerCase());
  });

  it("cover every kind of injection and jailbreak, and all but fiction with a rule that reports on its own", () => {
    for (const type of TYPES)
      expect(
        rules.some((r) => r.type === type),
        type,
      ).toBe(true);
    // a story frame and a harmful subject are each innocent: fiction is only ever a sum
    for (const type of TYPES.filter((t) => t !== "fiction"))
      expect(
        rules.some((r) => r.type === type && r.weight >= 1),
        type,
      ).toBe(true);
  });

  it(`catch ${sample.attacks.length} attacks written in the language`, () => {
    expect(sample.attacks.length).toBeGreaterThanOrEqual(25);
    const missed = sample.attacks.filter((text) => !detect(text).perType);
    expect(missed).toEqual([]);
  });

  it(`let ${sample.lookalikes.length} benign look-alikes through, even with weak signals of all types added up`, () => {
    expect(sample.lookalikes.length).toBeGreaterThanOrEqual(20);
    const flagged = sample.lookalikes.filter((text) => detect(text).overall);
    expect(flagged).toEqual([]);
  });

  it("catch attacks of every kind among the examples", () => {
    const found = new Set(sample.attacks.flatMap((text) => detect(text).types));
    expect([...found].sort()).toEqual([...TYPES].sort());
  });

  it("stay linear on a megabyte of text built from their own words", () => {
    const words = rules.map((r) => r.pattern.replace(/[^\p{L}\s]/gu, " ")).join(" ");
    const text = words.repeat(Math.ceil(1_000_000 / Math.max(1, words.length))).slice(0, 1_000_000);
    const started = performance.now();
    detect(text);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe("the non-English rules together", () => {
  it("compile as one set in half the detector's 64 MiB, leaving the rest to English and the markers", () => {
    expect(
      () =>
        new RE2.Set(
          Object.values(BY_LANGUAGE)
            .flat()
            .map((r) => r.pattern),
          { maxMem: 32 << 20 },
        ),
    ).not.toThrow();
  });

  it("let ordinary English through", () => {
    const detect = harness(Object.values(BY_LANGUAGE).flat());
    const english = [
      "Ignore the typos in my message, please.",
      "Kill the process and restart the server.",
      "Act as a code reviewer and comment on my function.",
      "What is a system prompt?",
      "Dan from accounting says the invoice is late.",
      "Translate this paragraph into German.",
    ];
    expect(english.filter((text) => detect(text).overall)).toEqual([]);
  });
});
