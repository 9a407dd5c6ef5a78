// The control catalogue is data (src/report/catalogue.yaml): every framework the issue names with its ids as
// the framework writes them, every check it maps a real one, and a catalogue that does not check refused
// whole rather than reported short.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { controlCatalogue, FRAMEWORK_IDS, parseFrameworks } from "../../src/report/catalogue.js";
import { CHECK_IDS } from "../../src/report/checks.js";
import { controlStatus } from "../../src/report/report.js";

const dir = mkdtempSync(join(tmpdir(), "perimeter-catalogue-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the control catalogue", () => {
  const catalogue = controlCatalogue();
  const ids = (framework: string) => catalogue.controls.filter((c) => c.framework === framework).map((c) => c.id);

  it("holds each framework's controls with their own ids", () => {
    expect(ids("owasp-llm")).toEqual(Array.from({ length: 10 }, (_, i) => `LLM${String(i + 1).padStart(2, "0")}`));
    expect(ids("owasp-agentic")).toEqual(Array.from({ length: 10 }, (_, i) => `ASI${String(i + 1).padStart(2, "0")}`));
    expect(ids("owasp-nhi")).toEqual(Array.from({ length: 10 }, (_, i) => `NHI${i + 1}`));
    expect(ids("eu-ai-act")).toEqual(expect.arrayContaining(["Art. 9", "Art. 12", "Art. 14", "Art. 15", "Art. 25", "Art. 53", "Art. 55"]));
    expect(ids("iso-42001")).toHaveLength(38);
    expect(ids("iso-42001")).toContain("A.6.2.8");
    expect(ids("nist-ai-rmf")).toContain("MEASURE 2.7");
    expect(ids("nist-csf")).toEqual(expect.arrayContaining(["GV.SC-05", "PR.AA-01", "PR.AA-05", "DE.CM-09", "RS.MI-01"]));
    // The GenAI profile's twelve risks by section number (written as strings: 2.10 is not 2.1).
    expect(ids("nist-ai-600-1")).toEqual(expect.arrayContaining(Array.from({ length: 12 }, (_, i) => `2.${i + 1}`)));
    for (const id of FRAMEWORK_IDS) expect(catalogue.frameworks.find((f) => f.id === id)?.source).toMatch(/^https:\/\//);
  });

  it("uses every check at least once, and says why for each control", () => {
    const used = new Set(catalogue.controls.flatMap((c) => c.checks));
    expect([...CHECK_IDS].filter((c) => !used.has(c))).toEqual([]);
    for (const c of catalogue.controls) expect(c.why.length).toBeGreaterThan(20);
  });

  it("refuses a catalogue with a check that does not exist, a control listed twice, or an id YAML reads as a number", () => {
    const base = { frameworks: catalogue.frameworks, controls: catalogue.controls.slice(0, 2) };
    const write = (name: string, data: unknown) => {
      const file = join(dir, name);
      writeFileSync(file, typeof data === "string" ? data : stringify(data));
      return file;
    };
    expect(() => controlCatalogue(write("ok.yaml", base))).not.toThrow();
    const unknown = { ...base, controls: [{ ...catalogue.controls[0], checks: ["models-blessed"] }] };
    expect(() => controlCatalogue(write("unknown.yaml", unknown))).toThrow(/not valid: controls\.0\.checks\.0/);
    const twice = { ...base, controls: [catalogue.controls[0], catalogue.controls[0]] };
    expect(() => controlCatalogue(write("twice.yaml", twice))).toThrow(/owasp-llm LLM01 is listed twice/);
    const numeric = `${stringify({ frameworks: catalogue.frameworks })}controls:\n  - id: 2.10\n    framework: nist-ai-600-1\n    title: x\n    checks: []\n    coverage: none\n    why: y\n`;
    expect(() => controlCatalogue(write("numeric.yaml", numeric))).toThrow(/controls\.0\.id/);
    const pretends = { ...base, controls: [{ ...catalogue.controls[0], checks: [], coverage: "full" }] };
    expect(() => controlCatalogue(write("pretends.yaml", pretends))).toThrow(/coverage none exactly when no check is listed/);
    expect(() => controlCatalogue(join(dir, "missing.yaml"))).toThrow(/cannot read the control catalogue/);
  });

  it("takes --framework values, comma-separated or repeated, and names the known ones for an unknown one", () => {
    expect(parseFrameworks(["owasp-llm,NIST-CSF", "owasp-llm"])).toEqual(["owasp-llm", "nist-csf"]);
    expect(() => parseFrameworks(["soc2"])).toThrow(/unknown framework "soc2": choose from owasp-llm, /);
  });
});

describe("a control's status from its checks", () => {
  it("fails on any failing check, is partial on any partial one, and is not applicable only when nothing applies", () => {
    expect(controlStatus([])).toBe("not-applicable");
    expect(controlStatus(["pass", "fail", "not-applicable"])).toBe("fail");
    expect(controlStatus(["pass", "partial"])).toBe("partial");
    expect(controlStatus(["pass", "not-applicable"])).toBe("pass");
    expect(controlStatus(["not-applicable", "not-applicable"])).toBe("not-applicable");
  });
});
