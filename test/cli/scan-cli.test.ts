import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildDemoModel } from "../../src/runtimes/demo-model.js";
import { perimeter } from "../helpers/cli.js";
import { systemCallPickle, torchStateDictPickle } from "../fixtures/pickles.js";
import { buildZip } from "../fixtures/zip-writer.js";

interface JsonReport {
  files: Array<{ path: string; format: string; verdict: string; findings: Array<{ rule: string; severity: string; message: string; location: string }> }>;
  summary: { files: number; clean: number; malicious: number };
}

describe("perimeter scan", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-scan-cli-"));
    mkdirSync(join(cwd, "models"));
    writeFileSync(join(cwd, "models", "clean.gguf"), buildDemoModel());
    writeFileSync(
      join(cwd, "models", "model.pt"),
      buildZip([
        { name: "archive/data.pkl", data: torchStateDictPickle([{ name: "w", numel: 1 }]) },
        { name: "archive/data/0", data: Buffer.alloc(4) },
      ]),
    );
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const run = (args: string[]) => perimeter(args, { cwd, env: { PERIMETER_ACTOR: "ci" } });

  it("exits 0 when every file is clean and 1 when any is not, with the documented JSON", () => {
    const ok = run(["scan", "--format", "json", "models"]);
    expect(ok.code).toBe(0);
    const clean = JSON.parse(ok.stdout) as JsonReport;
    expect(clean.files.map((f) => [f.path, f.format, f.verdict])).toEqual([
      ["models/clean.gguf", "gguf", "clean"],
      ["models/model.pt", "zip", "clean"],
    ]);

    writeFileSync(join(cwd, "models", "evil.pkl"), systemCallPickle());
    const bad = run(["scan", "--format", "json", "models"]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as JsonReport;
    const evil = report.files.find((f) => f.path === "models/evil.pkl");
    expect(evil).toMatchObject({ format: "pickle", verdict: "malicious" });
    expect(evil?.findings[0]).toMatchObject({ rule: "PICKLE_DANGEROUS_CALLABLE", severity: "critical", location: expect.stringContaining("offset") });
    expect(report.summary).toMatchObject({ files: 3, clean: 2, malicious: 1 });
  });

  it("prints a readable text report and records the decision in the audit log", () => {
    writeFileSync(join(cwd, "evil.pkl"), systemCallPickle());
    const r = run(["scan", "evil.pkl"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/MAL +evil\.pkl \[pickle\] malicious/);
    expect(r.stdout).toMatch(/critical +PICKLE_DANGEROUS_CALLABLE: imports posix\.system/);
    const events = JSON.parse(run(["audit", "list", "--format", "json"]).stdout) as Array<{ action: string; decision: string; actor: string }>;
    expect(events.at(-1)).toMatchObject({ action: "scan", decision: "deny", actor: "ci" });
  });

  it("writes SARIF 2.1.0 that code-scanning UIs accept", () => {
    writeFileSync(join(cwd, "models", "evil.pkl"), systemCallPickle());
    expect(run(["scan", "--format", "sarif", "--output", "scan.sarif", "models"]).code).toBe(1);
    const sarif = JSON.parse(readFileSync(join(cwd, "scan.sarif"), "utf8")) as {
      version: string;
      runs: Array<{
        tool: { driver: { name: string; rules: Array<{ id: string }> } };
        results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }>;
      }>;
    };
    expect(sarif.version).toBe("2.1.0");
    const run0 = sarif.runs[0];
    expect(run0?.tool.driver.rules.map((r) => r.id)).toContain("PICKLE_DANGEROUS_CALLABLE");
    expect(run0?.results[0]).toMatchObject({
      ruleId: "PICKLE_DANGEROUS_CALLABLE",
      level: "error",
      locations: [{ physicalLocation: { artifactLocation: { uri: "models/evil.pkl" } } }],
    });
  });

  it("trusts extra imports given with --allow or scan.allow, and nothing else", () => {
    const custom = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from("cmylib.layers\nDense\n)R.", "latin1")]);
    writeFileSync(join(cwd, "custom.pkl"), custom);
    const refused = JSON.parse(run(["scan", "--format", "json", "custom.pkl"]).stdout) as JsonReport;
    expect(refused.files[0]).toMatchObject({ verdict: "suspicious", findings: [{ rule: "PICKLE_IMPORT_NOT_ALLOWED" }] });
    expect(run(["scan", "--allow", "mylib.layers.Dense", "custom.pkl"]).code).toBe(0);
    writeFileSync(join(cwd, "perimeter.yaml"), "scan:\n  allow: [mylib.layers.*]\n");
    expect(run(["scan", "custom.pkl"]).code).toBe(0);
    // an allow-list entry never makes a known-dangerous callable acceptable
    writeFileSync(join(cwd, "perimeter.yaml"), "scan:\n  allow: [posix.system]\n");
    writeFileSync(join(cwd, "evil.pkl"), systemCallPickle());
    expect(run(["scan", "evil.pkl"]).code).toBe(1);
  });

  it("exits 2 for a path that does not exist", () => {
    const r = run(["scan", "nope.bin"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.bin: no such file or directory/);
  });
});
