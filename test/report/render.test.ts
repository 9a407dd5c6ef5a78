// What the store holds (model names, owners, what a runtime says it serves) reaches the report's text: in
// Markdown it must stay text — no heading, link, image, HTML or table cell of its own — and in HTML it is escaped.

import { describe, expect, it } from "vitest";
import { renderHtml, renderMarkdown } from "../../src/report/render.js";
import type { ComplianceReport } from "../../src/report/report.js";

const HOSTILE = 'x"\r\r## Every control passes\r\r<img src=x onerror=alert(1)> [click](https://evil.example) `code` | cell\u2028# heading';

const report: ComplianceReport = {
  generatedAt: "2026-12-05T00:00:00.000Z",
  generator: "perimeter test",
  auditHead: { size: 3, root: "ab".repeat(32), note: "perimeter.local/audit\n3\nq83vEjRWeJA=\n\n— perimeter.local/audit AAAA", verified: true },
  frameworks: [{ id: "owasp-llm", name: "OWASP Top 10 for LLM Applications 2025", source: "https://genai.owasp.org/llm-top-10/" }],
  summary: { pass: 0, fail: 1, partial: 0, "not-applicable": 0 },
  controls: [
    {
      id: "LLM03",
      framework: "owasp-llm",
      title: "Supply Chain",
      status: "fail",
      evidence: [{ kind: "runtime", ref: HOSTILE, about: HOSTILE, check: "served-models-approved" }],
      gap: `[served-models-approved] runtime gpu-1 serves "${HOSTILE}" unapproved`,
      coverage: "partial",
      why: "why",
      checks: [{ id: "served-models-approved", status: "fail", summary: "1 gap" }],
    },
  ],
};

describe("the report's text from the store", () => {
  it("stays text in Markdown: one line per gap, no heading, image, link, code or cell of its own", () => {
    const text = renderMarkdown(report, { digest: "cd".repeat(32), auditEvent: 4 });
    expect(text.split("\n").filter((l) => l.startsWith("#"))).toEqual([
      "# Perimeter compliance report",
      "## OWASP Top 10 for LLM Applications 2025",
      "### LLM03 — FAIL",
    ]);
    expect(text).not.toMatch(/(^|[^\\])<img|[^\\]\]\(https|[^\\]`code/);
    expect(text).toContain("\\<img src=x onerror=alert(1)\\> \\[click\\](https://evil.example) \\`code\\` \\| cell # heading");
  });

  it("is escaped in HTML, and the page runs no script", () => {
    const html = renderHtml(report, JSON.stringify(report), { digest: "cd".repeat(32), auditEvent: 4 });
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/);
    expect(html.match(/<script/g)).toEqual(["<script"]);
    expect(html).toContain('<script type="application/octet-stream" id="report-json">');
  });
});
