import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withContext } from "../../src/app/context.js";
import { DEMO_ACTORS, prepareDemo } from "../../src/app/up.js";
import type { Evaluation } from "../../src/evals/types.js";
import { perimeterAsync } from "../helpers/cli.js";
import { artifactsDir, openInChromium } from "../helpers/chromium.js";

// A real run, end to end: the built-in suites (a seeded sample) through the embedded llama.cpp runtime on the
// generated demo GGUF, with the CLI a user runs; every result stored, the evaluation on the version as
// evidence, and the report written and opened in Chromium without network. The demo model's weights are
// random, so this checks the pipeline, not the numbers.

describe("perimeter eval on the embedded llama.cpp runtime", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "perimeter-eval-e2e-"));
    writeFileSync(
      join(dir, "perimeter.yaml"),
      stringify({
        lifecycle: {
          roles: { submitter: [DEMO_ACTORS.submitter], approver: [DEMO_ACTORS.approver], operator: [DEMO_ACTORS.operator], auditor: [] },
          trustedSigners: [{ name: "demo-release-key", publicKey: ".perimeter/demo-release.pub" }],
        },
        evals: { maxTokens: 24, concurrency: 2 },
      }),
    );
    await withContext({ config: join(dir, "perimeter.yaml") }, (ctx) => prepareDemo(ctx, () => undefined));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) => perimeterAsync(args, { cwd: dir });

  it("runs a sampled suite through the runtime, stores every result, and writes a report that renders offline", async () => {
    const suites = await run("eval", "suites", "--format", "json");
    expect(suites.code, suites.stderr).toBe(0);
    const names = (JSON.parse(suites.stdout) as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["harmful-requests", "over-refusal", "prompt-injection"]));

    const ran = await run(
      "eval",
      "run",
      "perimeter-demo@1",
      "--suite",
      "harmful-requests",
      "--suite",
      "over-refusal",
      "--suite",
      "prompt-injection",
      "--limit",
      "3",
      "--format",
      "json",
      "--actor",
      "ci",
    );
    // The gate may pass or refuse a random model: 0 or 1, never a usage or internal error.
    expect([0, 1], ran.stderr).toContain(ran.code);
    const evaluation = JSON.parse(ran.stdout) as Evaluation & { evidence: string };
    expect(evaluation).toMatchObject({ version: "perimeter-demo@1", status: "complete", planned: 9, completed: 9, runtime: "embedded" });
    expect(evaluation.settings).toMatchObject({
      suites: ["harmful-requests", "over-refusal", "prompt-injection"],
      limit: 3,
      seed: 1,
      temperature: 0,
      maxTokens: 24,
    });
    expect(evaluation.summary.judged + evaluation.summary.errors).toBe(9);
    expect(evaluation.summary.errors).toBe(0);
    expect(evaluation.gate?.reasons).toBeDefined();

    const evidence = await run("evidence", "list", "perimeter-demo@1", "--format", "json");
    expect((JSON.parse(evidence.stdout) as { evidence: unknown[] }).evidence).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "eval", verdict: evaluation.gate?.pass === true ? "pass" : "fail" })]),
    );
    const listed = await run("eval", "list", "perimeter-demo@1", "--format", "json");
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: evaluation.id, status: "complete" })]);

    const report = join(dir, "report.html");
    const wrote = await run("eval", "report", "perimeter-demo@1", "--output", report);
    expect(wrote.code, wrote.stderr).toBe(0);
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, "utf8");
    expect(html).toContain(evaluation.id);

    const json = await run("eval", "report", evaluation.id, "--format", "json");
    expect(JSON.parse(json.stdout)).toMatchObject({ evaluation: { id: evaluation.id } });

    const out = artifactsDir();
    mkdirSync(out, { recursive: true });
    const page = await openInChromium(report, { screenshot: join(out, "eval-report-demo.png") });
    expect(page.foreignRequests).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.chartsDrawn).toBeGreaterThan(0);
  }, 300_000);
});
