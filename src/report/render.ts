import { escapeHtml } from "../html-escape.js";
import type { CheckStatus } from "./checks.js";
import { byUrgency, type ComplianceReport, type ReportControl } from "./report.js";

// The report in words for people: Markdown (for a ticket or a wiki) and one self-contained HTML page (inline
// styles, no script runs, nothing fetched), which carries the JSON report it was drawn from, its digest and
// the audit log's signed head, so an auditor can tie the page to the log.

/** Where the report was recorded in the audit log (its report.generate event), when it was. */
export interface Recorded {
  readonly digest: string;
  readonly auditEvent: number | null;
}

const LABEL: Readonly<Record<CheckStatus, string>> = { pass: "pass", fail: "FAIL", partial: "partial", "not-applicable": "n/a" };

export function renderMarkdown(report: ComplianceReport, recorded: Recorded): string {
  const out: string[] = [];
  const s = report.summary;
  out.push("# Perimeter compliance report", "");
  out.push(`Generated ${report.generatedAt} by ${report.generator}.`);
  out.push(
    `Controls: ${s.fail} fail, ${s.partial} partial, ${s.pass} pass, ${s["not-applicable"]} not applicable.`,
    "",
    `- Report digest: \`sha256:${recorded.digest}\` (over the JSON form, \`perimeter report --format json\`)`,
    `- Audit log head: ${report.auditHead.size} events, root \`${report.auditHead.root ?? "none"}\`, signature ${report.auditHead.verified ? "verified" : "NOT verified"}`,
  );
  if (recorded.auditEvent !== null) out.push(`- Recorded in the audit log as event #${recorded.auditEvent} (report.generate)`);
  out.push("");
  for (const f of report.frameworks) {
    const controls = byUrgency(report.controls.filter((c) => c.framework === f.id));
    out.push(`## ${md(f.name)}`, "", `Source: ${f.source}`, "", "| Control | Title | Status | Coverage |", "|---|---|---|---|");
    for (const c of controls) out.push(`| ${md(c.id)} | ${md(c.title)} | ${LABEL[c.status]} | ${c.coverage} |`);
    out.push("");
    for (const c of controls.filter((x) => x.status === "fail" || x.status === "partial")) {
      out.push(`### ${md(c.id)} — ${LABEL[c.status]}`, "");
      for (const line of c.gap.split("\n")) out.push(`- ${md(line)}`);
      const evidence = c.evidence.slice(0, 10);
      if (evidence.length > 0)
        out.push(
          "",
          `Evidence: ${evidence.map((e) => `${e.kind} ${md(e.ref)}`).join(", ")}${c.evidence.length > 10 ? ` and ${c.evidence.length - 10} more` : ""}`,
        );
      out.push("");
    }
  }
  return `${out.join("\n")}\n`;
}

/**
 * Text from the store (model names, owners, what runtimes report) as Markdown that renders as that text: one
 * line, no HTML, no links or code spans, no table cells of its own.
 */
const md = (text: string) => text.replace(/[\r\n\u0085\u2028\u2029]+/g, " ").replace(/[\\`<>[\]|]/g, (c) => `\\${c}`);

const STYLE = `
:root { color-scheme: light; --fail: #b42318; --partial: #b54708; --pass: #027a48; --na: #475467; --line: #d0d5dd; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828; margin: 0; background: #f9fafb; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header { background: #101828; color: #fff; max-width: none; }
header h1 { margin: 0 0 4px; font-size: 22px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 13px; }
.meta dt { color: #d0d5dd; } .meta dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.summary { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.count { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; min-width: 120px; }
.count b { font-size: 24px; display: block; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 16px 0; padding: 8px 16px 16px; }
h2 { font-size: 18px; margin: 8px 0; } h2 a { font-size: 12px; font-weight: normal; color: var(--na); }
table { border-collapse: collapse; width: 100%; font-size: 14px; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; border-top: 1px solid var(--line); padding: 6px 8px; overflow-wrap: anywhere; }
th { overflow-wrap: normal; } th.id { width: 7.5em; } th.state { width: 7em; } th.coverage { width: 7.5em; }
th { font-size: 11px; text-transform: uppercase; color: var(--na); }
td.id { font-weight: 600; overflow-wrap: normal; }
.status { display: inline-block; border-radius: 999px; padding: 0 10px; font-size: 12px; font-weight: 700; color: #fff; white-space: nowrap; }
.status.fail { background: var(--fail); } .status.partial { background: var(--partial); } .status.pass { background: var(--pass); } .status.not-applicable { background: var(--na); }
.gap { margin: 4px 0 0; padding-left: 18px; } .gap li { margin: 2px 0; }
details { margin-top: 4px; font-size: 13px; color: #344054; } summary { cursor: pointer; }
.why { color: #475467; font-size: 13px; margin: 2px 0 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f2f4f7; padding: 8px; border-radius: 6px; font-size: 12px; }
@media (max-width: 700px) { .coverage { display: none; } header, main, footer { padding: 12px; } section { padding: 4px 8px 8px; } th.id { width: 5.8em; } th.state { width: 5.8em; } th, td { padding: 6px 4px; } }
`;

export function renderHtml(report: ComplianceReport, json: string, recorded: Recorded): string {
  const s = report.summary;
  const head = report.auditHead;
  const sections = report.frameworks.map((f) => {
    const rows = byUrgency(report.controls.filter((c) => c.framework === f.id))
      .map(controlRow)
      .join("\n");
    return `<section aria-labelledby="fw-${f.id}"><h2 id="fw-${f.id}">${escapeHtml(f.name)} <a href="${escapeHtml(f.source)}">source</a></h2>
<table><thead><tr><th scope="col" class="id">Control</th><th scope="col">Title and gap</th><th scope="col" class="state">Status</th><th scope="col" class="coverage">Coverage</th></tr></thead>
<tbody>
${rows}
</tbody></table></section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Perimeter compliance report — ${escapeHtml(report.generatedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Perimeter compliance report</h1>
<dl class="meta">
<dt>Generated</dt><dd>${escapeHtml(report.generatedAt)} by ${escapeHtml(report.generator)}</dd>
<dt>Report digest</dt><dd id="report-digest">sha256:${recorded.digest}</dd>
<dt>Audit log head</dt><dd id="audit-head">${head.size} events, root ${escapeHtml(head.root ?? "none")} — signature ${head.verified ? "verified" : "NOT verified"}</dd>
${recorded.auditEvent === null ? "" : `<dt>Recorded as</dt><dd>audit event #${recorded.auditEvent} (report.generate)</dd>`}
</dl>
</header>
<main>
<div class="summary" role="list" aria-label="Controls by status">
<div class="count" role="listitem"><b style="color:var(--fail)">${s.fail}</b>fail</div>
<div class="count" role="listitem"><b style="color:var(--partial)">${s.partial}</b>partial</div>
<div class="count" role="listitem"><b style="color:var(--pass)">${s.pass}</b>pass</div>
<div class="count" role="listitem"><b style="color:var(--na)">${s["not-applicable"]}</b>not applicable</div>
</div>
${sections.join("\n")}
<section aria-labelledby="tie"><h2 id="tie">Tying this report to the audit log</h2>
<p>The report digest is the SHA-256 of the JSON report below, as written (base64 in the element <code>#report-json</code>; decode it and hash the bytes). The signed head is the audit log's C2SP checkpoint when the report was generated; <code>perimeter audit verify</code> shows the log still contains it, and the report.generate event names this digest.</p>
<pre id="audit-note">${escapeHtml(head.note ?? "(the log is empty)")}</pre>
</section>
</main>
<footer><small>Statuses come from Perimeter's checks over the live state; coverage says how far those checks go for each control, and what remains the organisation's.</small></footer>
<script type="application/octet-stream" id="report-json">${Buffer.from(json, "utf8").toString("base64")}</script>
</body>
</html>
`;
}

function controlRow(c: ReportControl): string {
  const gaps =
    c.status === "fail" || c.status === "partial"
      ? `<ul class="gap">${c.gap
          .split("\n")
          .map((g) => `<li>${escapeHtml(g)}</li>`)
          .join("")}</ul>`
      : "";
  const evidence =
    c.evidence.length === 0
      ? ""
      : `<details><summary>Evidence (${c.evidence.length})</summary><ul>${c.evidence
          .slice(0, 25)
          .map((e) => `<li>${escapeHtml(e.kind)} <code>${escapeHtml(e.ref)}</code> — ${escapeHtml(e.about)} <small>(${escapeHtml(e.check)})</small></li>`)
          .join("")}</ul></details>`;
  return `<tr id="${escapeHtml(`${c.framework}-${c.id}`)}"><td class="id">${escapeHtml(c.id)}</td><td>${escapeHtml(c.title)}${gaps}<p class="why">${escapeHtml(c.why)}</p>${evidence}</td><td><span class="status ${c.status}">${LABEL[c.status]}</span></td><td class="coverage">${c.coverage}</td></tr>`;
}
