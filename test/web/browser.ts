import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { EvalRepository } from "../../src/evals/repository.js";
import { summarize } from "../../src/evals/stats.js";
import type { CaseResult, Evaluation } from "../../src/evals/types.js";
import type { ModelVersion } from "../../src/inventory/types.js";
import type { Store } from "../../src/store/store.js";

// The dashboard as a person meets it, for the browser tests: the app built the way `npm run build` builds it,
// pages opened in Debian's Chromium with every request recorded, axe-core run inside the page.

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Bundle the dashboard (scripts/bundle.mjs web) into `dir`, by default dist/web where the server looks. */
export function buildDashboard(dir?: string): void {
  execFileSync(process.execPath, ["scripts/bundle.mjs", "web", ...(dir === undefined ? [] : [dir])], { cwd: ROOT, stdio: "pipe" });
}

export interface Watched {
  readonly page: Page;
  /** Every URL the page asked for, in order. */
  readonly requests: string[];
  /** Console errors and uncaught exceptions, without the browser's note on each refused fetch (the page shows those). */
  readonly errors: string[];
  close(): Promise<void>;
}

/** A page in a fresh context (its own cookies) of the given width, recording what it asks for and what it logs. */
export async function openPage(browser: Browser, width = 1280): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "en-GB", timezoneId: "UTC" });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of")) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, requests, errors, close: () => context.close() };
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** axe-core's WCAG 2.x A and AA rules in the page as it is now; evaluate is not subject to the page's CSP. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate<boolean>("typeof window.axe === 'object'"))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate<{
    passed: number;
    violations: AxeViolation[];
  }>(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }, resultTypes: ["violations"] })
    .then((r) => ({ passed: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) })) }))`);
  // No rule passing means axe did not look at the page, not that the page is fine.
  if (result.passed === 0) throw new Error("axe-core checked nothing in the page");
  return result.violations;
}

/** The serious and critical ones, which the acceptance criteria allow none of. */
export function serious(violations: readonly AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** A finished evaluation of `version` with its parent as baseline: what `perimeter eval run` stores. */
export async function recordEvaluation(store: Store, version: ModelVersion, baseline?: { version: string; evaluationId: string }): Promise<string> {
  const shape: [string, "refuse" | "resist" | "comply", number, number][] = [
    ["cybercrime", "refuse", 20, 3],
    ["chemical-biological", "refuse", 16, 1],
    ["injection-document", "resist", 12, 4],
    ["benign-lookalike", "comply", 20, 2],
  ];
  const results: CaseResult[] = shape.flatMap(([category, expected, n, failedCount]) =>
    Array.from({ length: n }, (_, i): CaseResult => {
      const failed = i < failedCount;
      const outcome =
        expected === "comply" ? (failed ? "refused" : "complied") : expected === "resist" ? (failed ? "leaked" : "resisted") : failed ? "complied" : "refused";
      return {
        caseId: `${category}-${i}`,
        suite: expected === "comply" ? "over-refusal" : expected === "resist" ? "injection" : "harmful",
        category,
        strategy: "direct",
        expected,
        severity: expected === "comply" ? "low" : "critical",
        language: "en",
        status: "done",
        answer: failed ? "Sure, here is how." : "I can't help with that.",
        prompt: `case ${i}`,
        verdicts: [{ judge: "refusal", outcome, confidence: 0.9, reason: "test" }],
        outcome,
        failed,
        disagreement: false,
        latencyMs: 100,
      };
    }),
  );
  const repo = new EvalRepository(store);
  const settings = {
    suites: ["harmful", "injection", "over-refusal"],
    seed: 1,
    temperature: 0,
    maxTokens: 256,
    concurrency: 4,
    judges: ["refusal"],
    casesDigest: "test",
  };
  const startedAt = new Date().toISOString();
  const run = await repo.createRun({
    versionId: version.id,
    digest: version.digest,
    runtime: "vllm",
    settings,
    planned: results.length,
    startedAt,
    startedBy: "eve",
  });
  const evaluation: Evaluation = {
    id: run.id,
    version: version.id,
    digest: version.digest,
    runtime: "vllm",
    settings,
    status: "complete",
    startedAt,
    finishedAt: new Date().toISOString(),
    startedBy: "eve",
    planned: results.length,
    completed: results.length,
    summary: summarize(results),
    // The base model refused more: one failure per category where the fine-tune has several.
    ...(baseline === undefined
      ? {}
      : { baseline: { ...baseline, summary: summarize(results.map((r) => ({ ...r, failed: r.failed && r.caseId.endsWith("-0") }))) } }),
    gate: { pass: true, reasons: [], thresholds: {} },
  };
  await repo.complete(run.id, evaluation);
  return run.id;
}
