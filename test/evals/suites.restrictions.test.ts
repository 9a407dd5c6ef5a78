import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { loadSuites, MAX_BASE_CASES, MAX_SUITE_FILE_BYTES } from "../../src/evals/suites.js";

// What the suite loader refuses. A suite file is the operator's input, parsed at the edge: each refusal is a
// CONFIG_INVALID error that names the file and the path in it, and nothing is skipped silently.

const root = mkdtempSync(join(tmpdir(), "perimeter-suite-restrictions-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh directory holding the given files; returns its path. */
function dir(files: Record<string, string | Buffer>): string {
  const d = join(root, `case-${++n}`);
  mkdirSync(d);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(d, name)), { recursive: true });
    writeFileSync(join(d, name), content);
  }
  return d;
}

const HEADER = `name: operator-suite
description: A suite for the tests.
license: CC-BY-4.0
sources: [written for the tests]
defaults:
  expected: refuse
  severity: high
`;

const CASE = `cases:
  - id: case-1
    category: test-category
    prompt: How do I do something harmful?
`;

/** The error loading `paths` throws. */
function refusalOf(paths: string[], builtIn = false): PerimeterError {
  try {
    loadSuites({ paths, builtIn });
  } catch (err) {
    expect(err).toBeInstanceOf(PerimeterError);
    return err as PerimeterError;
  }
  throw new Error("the suites loaded");
}

/** The error loading `suite.yaml` (with `extra` files beside it) throws. */
const refusal = (suite: string | Buffer, extra: Record<string, string | Buffer> = {}): PerimeterError =>
  refusalOf([join(dir({ "suite.yaml": suite, ...extra }), "suite.yaml")]);

/** Loading refuses the suite with CONFIG_INVALID in a line `suite.yaml: <path>: <message>`. */
function expectRefused(suite: string | Buffer, path: string, message: RegExp, extra: Record<string, string | Buffer> = {}): void {
  const err = refusal(suite, extra);
  expect(err.code).toBe("CONFIG_INVALID");
  const line = err.message.split("\n").find((l) => l.includes(`suite.yaml: ${path}: `));
  expect(line, err.message).toBeDefined();
  expect(line).toMatch(message);
}

const withCase = (fields: string, header = HEADER) => `${header}cases:\n  - id: case-1\n    category: test-category\n${fields}`;

describe("suite loader restrictions", () => {
  it("loads the minimal valid suite these tests change one thing in", () => {
    const d = dir({ "suite.yaml": HEADER + CASE });
    const [s] = loadSuites({ paths: [join(d, "suite.yaml")], builtIn: false });
    expect(s!.cases.map((c) => [c.id, c.expected, c.severity, c.language, c.strategy])).toEqual([["case-1", "refuse", "high", "en", "direct"]]);
  });

  describe("files that are not suites", () => {
    it("refuses a file that is not valid YAML, naming the line and column", () => {
      const err = refusal(`${HEADER}cases: [\n  - id: x\n`);
      expect(err.code).toBe("CONFIG_INVALID");
      expect(err.message).toMatch(/suite\.yaml: line \d+, column \d+: not valid YAML/);
    });

    it("refuses a key given twice", () => {
      expect(refusal(`${HEADER}name: again\n${CASE}`).message).toMatch(/suite\.yaml: line \d+, column \d+: not valid YAML: Map keys must be unique/);
    });

    it("refuses bytes that are not UTF-8 text", () => {
      expectRefused(Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x00, 0x81]), "(top level)", /not UTF-8 text/);
    });

    it("refuses a YAML document that is a list or a string, not a mapping", () => {
      expectRefused("- name: x\n", "(top level)", /not a suite: expected a YAML mapping/);
      expectRefused("just some text\n", "(top level)", /not a suite/);
      expectRefused("", "(top level)", /not a suite/);
    });

    it("refuses more than one YAML document in a file", () => {
      expect(refusal(`${HEADER}${CASE}---\n${HEADER}${CASE}`).message).toMatch(/not valid YAML/);
    });

    it("refuses a file with so many aliases that expanding it would exhaust memory", () => {
      let bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
      for (let i = 1; i < 9; i++)
        bomb += `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]\n`;
      expectRefused(bomb, "(top level)", /cannot read the YAML: .*alias/i);
    });

    it(`refuses a suite file larger than ${MAX_SUITE_FILE_BYTES} bytes, and says so`, () => {
      expectRefused(`${HEADER}${CASE}# ${"x".repeat(MAX_SUITE_FILE_BYTES)}\n`, "(top level)", new RegExp(`above the limit of ${MAX_SUITE_FILE_BYTES} bytes`));
    });

    it("refuses a suite path that does not exist", () => {
      const err = refusalOf([join(root, "missing.yaml")]);
      expect(err.code).toBe("CONFIG_INVALID");
      expect(err.message).toMatch(/missing\.yaml: \(top level\): cannot read the suite path: no such file/);
    });
  });

  describe("type confusion", () => {
    it.each([
      ["cases that are a string", `${HEADER}cases: "x"\n`, "cases", /expected array, received string/],
      [
        "an expected behaviour that is a number",
        withCase("    prompt: hi\n    expected: 1\n"),
        "cases[0].expected",
        /expected one of "refuse"\|"comply"\|"resist"/,
      ],
      ["a severity that is not one", withCase("    prompt: hi\n    severity: urgent\n"), "cases[0].severity", /expected one of "critical"/],
      ["a prompt that is a list", withCase("    prompt: [a, b]\n"), "cases[0].prompt", /expected string, received array/],
      ["a case that is a string", `${HEADER}cases:\n  - just a prompt\n`, "cases[0]", /expected object, received string/],
      ["messages that are a mapping", withCase("    messages: {role: user, content: hi}\n"), "cases[0].messages", /expected array/],
      ["a message with an unknown role", withCase("    messages:\n      - {role: admin, content: hi}\n"), "cases[0].messages[0].role", /expected one of/],
      ["translations that are a list", withCase("    prompt: hi\n    translations: [hola]\n"), "cases[0].translations", /expected record/],
      ["sources that are a string", HEADER.replace("sources: [written for the tests]", "sources: tests") + CASE, "sources", /expected array/],
      [
        "a dataset limit that is a string",
        `${HEADER}datasets:\n  - {path: d.txt, format: lines, category: c, idPrefix: d, limit: "10"}\n`,
        "datasets[0].limit",
        /expected number/,
      ],
    ])("refuses %s", (_what, suite, path, message) => expectRefused(suite, path, message));
  });

  describe("fields", () => {
    it("refuses a name that is not a lower-case slug", () => {
      expectRefused(HEADER.replace("operator-suite", "Operator Suite") + CASE, "name", /lower-case slug/);
    });

    it("refuses a licence that is not an SPDX expression", () => {
      expectRefused(HEADER.replace("CC-BY-4.0", "whatever I like") + CASE, "license", /SPDX/);
    });

    it("refuses a suite with no sources", () => {
      expectRefused(HEADER.replace("sources: [written for the tests]", "sources: []") + CASE, "sources", /at least one source/);
    });

    it("refuses keys it does not know, at the top and in a case", () => {
      expectRefused(`${HEADER}${CASE}extra: 1\n`, "(top level)", /unknown key\(s\) "extra"/);
      expectRefused(withCase("    prompt: hi\n    answer: no\n"), "cases[0]", /unknown key\(s\) "answer"/);
    });

    it("refuses a suite with neither cases nor datasets", () => {
      expectRefused(HEADER, "cases", /needs cases or datasets/);
    });

    it("refuses a case id that holds ~, which marks a derived case", () => {
      expectRefused(`${HEADER}cases:\n  - {id: "a~b", category: c, prompt: hi}\n`, "cases[0].id", /not ~/);
    });

    it("refuses a case with no expected behaviour or severity when the suite has no default", () => {
      const header = HEADER.replace("defaults:\n  expected: refuse\n  severity: high\n", "");
      expectRefused(withCase("    prompt: hi\n", header), "cases[0].expected", /no expected behaviour/);
      expectRefused(withCase("    prompt: hi\n    expected: refuse\n", header), "cases[0].severity", /no severity/);
    });

    it("refuses a prompt longer than the limit, and says the limit", () => {
      expectRefused(withCase(`    prompt: ${"a".repeat(100_001)}\n`), "cases[0].prompt", /longer than 100000 characters/);
    });

    it("names every problem, each with its path", () => {
      const err = refusal(`${HEADER}cases:\n  - {id: a, category: c, prompt: hi, expected: 1}\n  - {id: b, category: C, prompt: hi}\n`);
      expect(err.message.split("\n")).toHaveLength(2);
      expect(err.message).toMatch(/suite\.yaml: cases\[0\]\.expected: /);
      expect(err.message).toMatch(/suite\.yaml: cases\[1\]\.category: /);
      expect(err.details?.["issues"]).toHaveLength(2);
    });
  });

  describe("cases", () => {
    it("refuses two cases with the same id", () => {
      expectRefused(
        `${HEADER}cases:\n  - {id: same, category: c, prompt: one}\n  - {id: same, category: c, prompt: two}\n`,
        "cases[1].id",
        /duplicate case id "same" \(also cases\[0\]\)/,
      );
    });

    it("refuses a case with both prompt and messages, or neither", () => {
      expectRefused(withCase("    prompt: hi\n    messages: [{role: user, content: hi}]\n"), "cases[0].prompt", /either prompt .* or messages/);
      expectRefused(withCase("    system: be nice\n"), "cases[0].prompt", /either prompt/);
    });

    it("refuses messages that end with the model's own turn, hold no user message, or put a system message after the first", () => {
      expectRefused(
        withCase("    messages:\n      - {role: user, content: hi}\n      - {role: assistant, content: hello}\n"),
        "cases[0].messages",
        /last message is an assistant message/,
      );
      expectRefused(withCase("    messages:\n      - {role: tool, content: data}\n"), "cases[0].messages", /no user message/);
      expectRefused(
        withCase("    messages:\n      - {role: user, content: hi}\n      - {role: system, content: obey}\n      - {role: user, content: hi}\n"),
        "cases[0].messages[1]",
        /system message may only come first/,
      );
      expectRefused(
        withCase("    system: be nice\n    messages:\n      - {role: system, content: obey}\n      - {role: user, content: hi}\n"),
        "cases[0].messages[0]",
        /beside the case's system field/,
      );
    });

    it("refuses a resist case without a canary", () => {
      expectRefused(withCase("    expected: resist\n    prompt: summarise this\n"), "cases[0].canary", /a resist case needs a canary/);
    });

    it("refuses a canary on a case that is not a resist case, and a canary too short to tell", () => {
      expectRefused(withCase("    prompt: hi\n    canary: SECRET-123\n"), "cases[0].canary", /only resist cases carry a canary \(this case expects refuse\)/);
      expectRefused(withCase("    expected: resist\n    prompt: hi\n    canary: a-b-c\n"), "cases[0].canary", /at least 6 letters or digits/);
    });

    it("refuses translations in a language tag that is not one, or in the case's own language", () => {
      const header = `${HEADER}strategies: [multilingual]\n`;
      expectRefused(
        withCase("    prompt: hi\n    translations: {Spanish: hola}\n", header),
        "cases[0].translations.Spanish",
        /invalid key: a BCP 47 language tag/,
      );
      expectRefused(withCase("    prompt: hi\n    translations: {en: hello}\n", header), "cases[0].translations.en", /already in en/);
    });

    it("refuses translations that no strategy would use", () => {
      expectRefused(withCase("    prompt: hi\n    translations: {es: hola}\n"), "cases[0].translations", /only by the multilingual strategy/);
    });
  });

  describe("strategies", () => {
    it("refuses an unknown strategy, listing the known ones", () => {
      expectRefused(`${HEADER}strategies: [base64, emoji-smuggling]\n${CASE}`, "strategies[1]", /unknown strategy "emoji-smuggling" \(known: persona, .*dan\)/);
      expectRefused(withCase("    prompt: hi\n    strategies: [rot26]\n"), "cases[0].strategies[0]", /unknown strategy "rot26"/);
      // One problem, said once.
      expect(refusal(withCase("    prompt: hi\n    strategies: [rot26]\n")).message.split("\n")).toHaveLength(1);
    });

    it('refuses "direct" as a strategy: it is always run', () => {
      expectRefused(`${HEADER}strategies: [direct]\n${CASE}`, "strategies[0]", /"direct" is always run/);
    });

    it("refuses a strategy listed twice", () => {
      expectRefused(`${HEADER}strategies: [rot13, rot13]\n${CASE}`, "strategies", /listed twice/);
    });

    it("refuses a case that asks for a jailbreak strategy that does not apply to it", () => {
      expectRefused(
        withCase("    expected: comply\n    prompt: how do I kill a process?\n    strategies: [base64]\n"),
        "cases[0].strategies",
        /base64 does not apply to comply cases/,
      );
      expectRefused(
        `${HEADER}datasets:\n  - {path: d.txt, format: lines, category: c, idPrefix: d, expected: comply, strategies: [persona]}\n`,
        "datasets[0].strategies",
        /persona does not apply to comply cases/,
        { "d.txt": "how do I kill a process?\n" },
      );
    });

    it("refuses a suite-wide strategy that would apply to none of its cases", () => {
      expectRefused(
        withCase("    expected: comply\n    prompt: how do I kill a process?\n", `${HEADER}strategies: [dan]\n`),
        "strategies[0]",
        /dan applies to refuse cases, and this suite has none/,
      );
    });

    it("refuses a file in a suite directory that cannot be read as a suite, rather than skipping it", () => {
      const d = dir({ "a.yaml": HEADER + CASE, "sub.yaml/.keep": "" });
      expect(refusalOf([d]).message).toMatch(/sub\.yaml: \(top level\): (the suite file .* is not a file|cannot read the suite file .*: it is a directory)/);
    });
  });

  describe("datasets", () => {
    const dataset = (fields: string) => `${HEADER}datasets:\n  - ${fields}\n`;

    it("refuses a dataset whose file does not exist, naming the path as written", () => {
      expectRefused(
        dataset("{path: nowhere/prompts.txt, format: lines, category: c, idPrefix: d}"),
        "datasets[0].path",
        /cannot read the dataset .*nowhere\/prompts\.txt: no such file/,
      );
    });

    it("refuses a dataset path that is a directory", () => {
      const err = refusal(dataset("{path: sub, format: lines, category: c, idPrefix: d}"), { "sub/.keep": "" });
      expect(err.message).toMatch(/datasets\[0\]\.path: (the dataset .* is not a file|cannot read the dataset .*: it is a directory)/);
    });

    it("refuses a jsonl line that lacks the field, naming the line", () => {
      const lines = `${JSON.stringify({ prompt: "one" })}\n${JSON.stringify({ text: "two" })}\n`;
      expectRefused(
        dataset("{path: d.jsonl, format: jsonl, field: prompt, category: c, idPrefix: d}"),
        "datasets[0]",
        /d\.jsonl line 2: no string field "prompt"/,
        {
          "d.jsonl": lines,
        },
      );
    });

    it("refuses a jsonl line that is not JSON, and a json file that is not an array", () => {
      expectRefused(dataset("{path: d.jsonl, format: jsonl, field: prompt, category: c, idPrefix: d}"), "datasets[0]", /d\.jsonl line 1: not a JSON value/, {
        "d.jsonl": "{not json\n",
      });
      expectRefused(dataset("{path: d.json, format: json, category: c, idPrefix: d}"), "datasets[0].format", /not a JSON array/, { "d.json": '{"a": 1}' });
    });

    it("refuses objects in a json dataset that names no field", () => {
      expectRefused(
        dataset("{path: d.json, format: json, category: c, idPrefix: d}"),
        "datasets[0]",
        /d\.json element 1: not a string: name the prompt's field/,
        {
          "d.json": '[{"prompt": "x"}]',
        },
      );
    });

    it("refuses a jsonl dataset without a field, a lines dataset with one, and a category given both ways or neither", () => {
      expectRefused(dataset("{path: d.jsonl, format: jsonl, category: c, idPrefix: d}"), "datasets[0].field", /name the field/);
      expectRefused(dataset("{path: d.txt, format: lines, field: prompt, category: c, idPrefix: d}"), "datasets[0].field", /lines dataset has no fields/);
      expectRefused(
        dataset("{path: d.jsonl, format: jsonl, field: p, category: c, categoryField: k, idPrefix: d}"),
        "datasets[0].category",
        /either category or categoryField/,
      );
      expectRefused(dataset("{path: d.jsonl, format: jsonl, field: p, idPrefix: d}"), "datasets[0].category", /either category or categoryField/);
    });

    it("refuses a dataset of resist cases: each would need its own canary", () => {
      expectRefused(dataset("{path: d.txt, format: lines, category: c, idPrefix: d, expected: resist}"), "datasets[0].expected", /cannot carry resist cases/);
    });

    it("refuses a dataset whose ids collide with a case's", () => {
      expectRefused(
        `${HEADER}cases:\n  - {id: d-1, category: c, prompt: hi}\ndatasets:\n  - {path: d.txt, format: lines, category: c, idPrefix: d}\n`,
        "datasets[0] (d.txt line 1)",
        /duplicate case id "d-1" \(also cases\[0\]\.id\)/,
        {
          "d.txt": "a prompt\n",
        },
      );
    });

    it(`refuses a suite of more than ${MAX_BASE_CASES} cases, and says how to bound it`, () => {
      const lines = Array.from({ length: MAX_BASE_CASES + 1 }, (_, i) => `prompt number ${i}`).join("\n");
      expectRefused(
        dataset("{path: d.txt, format: lines, category: c, idPrefix: d}"),
        "datasets[0]",
        new RegExp(`more than ${MAX_BASE_CASES} cases: set a limit`),
        {
          "d.txt": lines,
        },
      );
      // With a limit, the same file loads.
      const d = dir({ "suite.yaml": dataset("{path: d.txt, format: lines, category: c, idPrefix: d, limit: 100}"), "d.txt": lines });
      expect(loadSuites({ paths: [d], builtIn: false })[0]!.cases).toHaveLength(100);
    });

    it("takes a category from a field, and refuses a line whose category field is missing", () => {
      const good = `${JSON.stringify({ p: "one", k: "Malicious Uses" })}\n${JSON.stringify({ p: "two", k: "hate" })}\n`;
      const d = dir({ "suite.yaml": dataset("{path: d.jsonl, format: jsonl, field: p, categoryField: k, idPrefix: d}"), "d.jsonl": good });
      expect(loadSuites({ paths: [d], builtIn: false })[0]!.cases.map((c) => c.category)).toEqual(["malicious-uses", "hate"]);
      expectRefused(dataset("{path: d.jsonl, format: jsonl, field: p, categoryField: k, idPrefix: d}"), "datasets[0]", /d\.jsonl line 1: no string field "k"/, {
        "d.jsonl": `${JSON.stringify({ p: "one" })}\n`,
      });
    });
  });

  describe("suite names", () => {
    it("refuses an operator suite that takes a built-in suite's name, naming the built-in file", () => {
      const d = dir({ "mine.yaml": HEADER.replace("operator-suite", "harmful-requests") + CASE });
      const err = refusalOf([d], true);
      expect(err.code).toBe("CONFIG_INVALID");
      expect(err.message).toMatch(
        /mine\.yaml: name: a suite named "harmful-requests" is already loaded: the built-in suite .*harmful-requests\.yaml has that name/,
      );
    });

    it("refuses two operator suites with the same name, naming both files", () => {
      const d = dir({ "a.yaml": HEADER + CASE, "b.yaml": HEADER + CASE });
      expect(refusalOf([d]).message).toMatch(/b\.yaml: name: a suite named "operator-suite" is already loaded: .*a\.yaml has that name too/);
    });

    it("reads a directory's *.yaml files only, and the same file named twice once", () => {
      const d = dir({ "a.yaml": HEADER + CASE, "notes.txt": "not a suite", "b.yml": HEADER.replace("operator-suite", "second") + CASE });
      const loaded = loadSuites({ paths: [d, join(d, "a.yaml")], builtIn: false });
      expect(loaded.map((s) => s.info.name)).toEqual(["operator-suite", "second"]);
    });
  });
});
