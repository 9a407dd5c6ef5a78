import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { evaluationReportHtml, evaluationReportJson, type EvaluationReportInput } from "../../src/evals/report.js";
import { wilson } from "../../src/evals/stats.js";
import type { CaseResult, Evaluation, EvaluationSummary } from "../../src/evals/types.js";

// The report page is a trust boundary: prompts and answers are attacker-controlled (a model can be made to
// print anything), and so are names an operator's suite file or a runtime supplies. Nothing from the data
// may become markup, an attribute, a script, a style or a request. What must be refused or neutralised:

const SCRIPT_BREAKOUT = "</script><script>alert(1)</script>";
const IMG_ONERROR = '<img src=x onerror="alert(2)">';
const JS_LINK = '<a href="javascript:alert(3)">win a prize</a>';
const ATTRIBUTE_BREAKOUT = `" onmouseover="alert(4)" x='`;
const COMMENT_TRICK = "<!--<script>alert(5)</script>-->";
const STYLE_TAG = "<style>*{display:none}</style><link rel=stylesheet href=//evil.example/s.css>";
const URLS = "fetch https://evil.example/a.png or HTTP://EVIL.EXAMPLE/b and http:evil.example";
const SEPARATORS = "line\u2028separator\u2029paragraph";
const BIDI = "invoice\u202Egnp.exe";
const TAGS = "hidden \u{E0041}\u{E0042} tag characters";
const LONE = "lone \uD800 surrogate";
const HOSTILE = [SCRIPT_BREAKOUT, IMG_ONERROR, JS_LINK, ATTRIBUTE_BREAKOUT, COMMENT_TRICK, STYLE_TAG, URLS, SEPARATORS, BIDI, TAGS, LONE].join(" ");

const ALLOWED_TAGS = new Set(
  "html head meta title style body div header h1 h2 h3 p section dl dt dd ul li nav a main table caption thead tbody tr th td canvas details summary pre code bdi span small article footer script".split(
    " ",
  ),
);
const ALLOWED_ATTRIBUTES = new Set([
  "lang",
  "charset",
  "http-equiv",
  "content",
  "name",
  "id",
  "class",
  "role",
  "aria-label",
  "aria-labelledby",
  "scope",
  "colspan",
  "tabindex",
  "type",
  "href",
]);

function rate(count: number, n: number) {
  return wilson(count, n);
}

function hostileSummary(): EvaluationSummary {
  return {
    asr: rate(5, 10),
    asrByCategory: { [HOSTILE]: rate(3, 5), [ATTRIBUTE_BREAKOUT]: rate(2, 5) },
    asrByStrategy: { [SCRIPT_BREAKOUT]: rate(5, 10) },
    refusalRate: rate(5, 10),
    overRefusal: rate(1, 4),
    overRefusalByCategory: { [IMG_ONERROR]: rate(1, 4) },
    unclear: rate(0, 10),
    errorsByCategory: { [HOSTILE]: 1 },
    judgeFailures: 0,
    judged: 14,
    errors: 0,
    disagreements: 1,
    categorySeverity: { [HOSTILE]: "critical" },
  };
}

function hostileCase(answer: string): CaseResult {
  return {
    caseId: `${BIDI}~${SCRIPT_BREAKOUT}`,
    suite: IMG_ONERROR,
    category: HOSTILE,
    strategy: SCRIPT_BREAKOUT,
    expected: "refuse",
    severity: "critical",
    language: ATTRIBUTE_BREAKOUT,
    status: "error",
    answer,
    prompt: HOSTILE,
    verdicts: [
      { judge: SCRIPT_BREAKOUT, outcome: "complied", confidence: 0.5, reason: JS_LINK, categories: [IMG_ONERROR] },
      { judge: "llama-guard", outcome: "refused", confidence: 0.5, reason: ATTRIBUTE_BREAKOUT },
    ],
    outcome: "complied",
    failed: true,
    disagreement: true,
    latencyMs: 10,
    error: COMMENT_TRICK,
  };
}

function hostileInput(answer = HOSTILE): EvaluationReportInput {
  const summary = hostileSummary();
  const evaluation: Evaluation = {
    id: SCRIPT_BREAKOUT,
    version: `${ATTRIBUTE_BREAKOUT}@${SCRIPT_BREAKOUT}`,
    digest: IMG_ONERROR,
    runtime: URLS,
    settings: { suites: [STYLE_TAG], seed: 1, temperature: 0, maxTokens: 64, concurrency: 1, judges: [JS_LINK], casesDigest: COMMENT_TRICK },
    status: "complete",
    startedAt: SCRIPT_BREAKOUT,
    startedBy: ATTRIBUTE_BREAKOUT,
    planned: 14,
    completed: 14,
    summary,
    baseline: { version: IMG_ONERROR, evaluationId: JS_LINK, summary },
    gate: { pass: false, reasons: [HOSTILE], thresholds: { [SCRIPT_BREAKOUT]: 1, list: [IMG_ONERROR] } },
  };
  return { evaluation, worst: [hostileCase(answer)], generatedAt: SCRIPT_BREAKOUT, toolVersion: ATTRIBUTE_BREAKOUT };
}

const page = evaluationReportHtml(hostileInput());

/** The page's script elements: attributes and text, cut where the HTML parser would cut them. */
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script/gi)].map((m) => ({ attrs: m[1] as string, body: m[2] as string }));
}

/** The markup outside script and style bodies. */
function markup(html: string): string {
  return html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, "$1$2").replace(/(<style>)[\s\S]*?(<\/style>)/g, "$1$2");
}

function csp(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  if (m === null) throw new Error("no CSP");
  return new Map(
    (m[1] as string).split(";").map((d) => {
      const [name, ...sources] = d.trim().split(/\s+/);
      return [name as string, sources];
    }),
  );
}

/** No lone surrogate (it would reach the file as U+FFFD, or trip a strict reader). */
function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

describe("evaluation report restrictions", () => {
  it("holds exactly its three scripts: the data block, Chart.js and its own renderer", () => {
    const found = scripts(page);
    expect(found.map((s) => s.attrs)).toEqual([' type="application/json" id="report-data"', "", ""]);
    expect(page.match(/<script/gi)).toHaveLength(3);
    expect(page).not.toContain("<script>alert");
    // The data block parses back to the hostile names, intact as text.
    const data = JSON.parse(found[0]!.body) as { charts: { labels: string[] }[] };
    expect(data.charts[0]!.labels.some((l) => l.startsWith(SCRIPT_BREAKOUT))).toBe(true);
    expect(found[0]!.body).not.toMatch(/[<>&\u2028\u2029]/);
  });

  it("lets no data become a tag or an attribute: every tag and attribute in the page is the page's own", () => {
    const m = markup(page);
    const tags = [...m.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+(?:="[^"<>]*")?)*)\s*>/g)];
    // Every "<" left in the markup opens one of those tags (or is the doctype): the data's "<" are all escaped.
    expect(m.split("<").length - 1).toBe(tags.length + 1);
    expect(m.startsWith("<!DOCTYPE html>")).toBe(true);
    for (const [, , name, attrs] of tags) {
      expect(ALLOWED_TAGS.has((name as string).toLowerCase()), `tag ${name}`).toBe(true);
      for (const a of (attrs as string).matchAll(/\s+([a-zA-Z-]+)(?:="([^"]*)")?/g)) {
        expect(ALLOWED_ATTRIBUTES.has(a[1] as string), `attribute ${a[1]}`).toBe(true);
        expect(a[1]).not.toMatch(/^on/i);
        if (a[1] === "href") expect(a[2]).toMatch(/^#[a-z-]+$/);
      }
    }
    expect(m).not.toMatch(/<img|<link|<iframe|<object|<embed|<form|<base|<svg|<math/i);
    // The hostile text is there for the reader, escaped.
    expect(page).toContain("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(2)&quot;&gt;");
    expect(page).toContain("&quot; onmouseover=&quot;alert(4)&quot; x=&#39;");
    expect(page).toContain("&lt;a href=&quot;javascript:alert(3)&quot;&gt;");
  });

  it("escapes hostile names inside attribute values (the charts' aria-labels)", () => {
    const labels = [...page.matchAll(/<canvas id="[a-z-]+" role="img" aria-label="([^"]*)">/g)];
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(labels.some((l) => (l[1] as string).includes("&quot; onmouseover=&quot;alert(4)&quot;"))).toBe(true);
  });

  it("carries a CSP that runs only the page's own scripts, by hash, and loads nothing", () => {
    const head = page.slice(0, page.indexOf("</head>"));
    expect(head.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(head.indexOf("<style>"));
    expect(head.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(head.indexOf("<title>"));
    const policy = csp(page);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    const executable = scripts(page).filter((s) => s.attrs === "");
    expect(policy.get("script-src")).toEqual(executable.map((s) => sha256(s.body)));
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1] as string;
    expect(policy.get("style-src")).toEqual([sha256(style)]);
    expect(policy.get("img-src")).toEqual(["data:"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(policy.get("form-action")).toEqual(["'none'"]);
    expect([...policy.keys()].sort()).toEqual(["base-uri", "default-src", "form-action", "img-src", "script-src", "style-src"]);
    expect(page).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic/);
    // No style attribute anywhere: the policy would refuse it, and nothing from the data may style the page.
    expect(markup(page)).not.toMatch(/\sstyle=/);
    expect(style).not.toMatch(/url\(|@import/i);
  });

  it("holds no URL: none in the markup, none in Chart.js, web addresses in the data defanged", () => {
    expect(page).not.toMatch(/https?:/i);
    expect(page).not.toMatch(/sourceMappingURL/);
    expect(page).toContain("hxxps://evil.example/a.png");
    expect(page).toContain("HxxP://EVIL.EXAMPLE/b");
    expect(page).toContain("hxxp:evil.example");
  });

  it("shows invisible and line-breaking characters instead of carrying them", () => {
    expect(page).not.toMatch(/[\u2028\u2029\u202A-\u202E\u2066-\u2069]/);
    expect(page).not.toMatch(/\u{E0041}/u);
    expect(page).toContain("line⟦U+2028⟧separator⟦U+2029⟧paragraph");
    expect(page).toContain("invoice⟦U+202E⟧gnp.exe");
    expect(page).toContain("hidden ⟦U+E0041⟧⟦U+E0042⟧ tag characters");
    expect(page).toContain("lone \uFFFD surrogate");
    expect(wellFormed(page)).toBe(true);
  });

  it("clips a 1 MB answer to 600 characters with an ellipsis, in the page and in the JSON", () => {
    const huge = `${"A".repeat(1024 * 1024 - 20)}</script>TAIL-MARKER`;
    const input = hostileInput(huge);
    const html = evaluationReportHtml(input);
    expect(html).not.toContain("TAIL-MARKER");
    expect(html).toContain(`${"A".repeat(599)}…</pre>`);
    expect(html).not.toContain("A".repeat(600));
    expect(html).toContain("(clipped: 600 of 1,048,576 characters shown)");
    const small = evaluationReportHtml(hostileInput("short"));
    expect(html.length - small.length).toBeLessThan(1000);
    const doc = evaluationReportJson(input);
    expect(doc.worst[0]!.answer).toHaveLength(600);
    expect(doc.worst[0]!.answer.endsWith("…")).toBe(true);
  });

  it("does not split a surrogate pair when it clips", () => {
    const emoji = "😀".repeat(400);
    const html = evaluationReportHtml(hostileInput(emoji));
    expect(wellFormed(html)).toBe(true);
    expect(html).toContain(`${"😀".repeat(299)}…</pre>`);
  });

  it("reads only a summary's own entries: categories named like Object.prototype's members are data", () => {
    const summary = hostileSummary();
    const input = hostileInput();
    const odd: EvaluationSummary = { ...summary, asrByCategory: { constructor: rate(1, 2), ["__proto__"]: rate(2, 2) }, categorySeverity: {} };
    const html = evaluationReportHtml({ ...input, evaluation: { ...input.evaluation, summary: odd } });
    expect(html).not.toContain("native code");
    expect(html).toMatch(/<bdi>constructor<\/bdi><\/th><td>—<\/td><td class="num">1\/2<\/td>/);
    expect(html).toMatch(/<bdi>__proto__<\/bdi><\/th><td>—<\/td><td class="num">2\/2<\/td>/);
  });

  it("bounds the worst cases shown", () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ ...hostileCase("x"), caseId: `case-${i}` }));
    const input = { ...hostileInput(), worst: many };
    const html = evaluationReportHtml(input);
    expect(html.match(/<article /g)).toHaveLength(100);
    expect(html).toContain("150 more cases are not shown");
    expect(evaluationReportJson(input).worst).toHaveLength(100);
  });
});
