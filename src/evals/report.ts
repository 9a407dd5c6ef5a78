import { createHash } from "node:crypto";
import { escapeHtml } from "../html-escape.js";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PerimeterError } from "../errors.js";
import { compare, severityRank } from "./stats.js";
import type { CaseResult, Comparison, Evaluation, EvaluationSummary, Rate } from "./types.js";

// The evaluation report: a JSON document for machines and one self-contained HTML page for people. The page
// opens from disk with no network: Chart.js is inlined, the charts' data is embedded as JSON, and a
// Content-Security-Policy lets nothing run or load but the page's own two scripts and its own style sheet.
// Prompts and answers are attacker-controlled text (a model can be made to print anything): they reach the
// page only as escaped text nodes, clipped, with invisible characters shown and URLs defanged.

export interface EvaluationReportInput {
  readonly evaluation: Evaluation;
  /** The worst results (failed first, by severity, then disagreements), as `worstResults` picks them. */
  readonly worst: readonly CaseResult[];
  /** ISO 8601. */
  readonly generatedAt: string;
  /** Perimeter's version. */
  readonly toolVersion: string;
}

export const EVALUATION_REPORT_KIND = "perimeter.evaluation-report/v1";
/** A prompt or an answer is cut to this many characters in a report (they are clipped upstream too). */
export const REPORT_TEXT_LIMIT = 600;
/** At most this many worst cases are shown. */
export const REPORT_WORST_LIMIT = 100;
/** Names, ids, reasons and other short text from the data are cut to this many characters in the page. */
const SHORT_TEXT_LIMIT = 200;

/**
 * `perimeter.evaluation-report/v1`:
 * - `kind`: this string; a change that is not additive gets a new version;
 * - `generatedAt`: when the report was made (ISO 8601); `generator`: the tool and its version;
 * - `evaluation`: the stored evaluation as is (summary, settings, baseline, comparisons, gate);
 * - `worst`: at most `limits.worstCases` case results, in the order given, each `prompt` and `answer` cut to
 *   `limits.textChars` characters (an ellipsis marks a cut); the full results stay in the store;
 * - `limits`: the bounds applied.
 */
export interface EvaluationReportDocument {
  readonly kind: typeof EVALUATION_REPORT_KIND;
  readonly generatedAt: string;
  readonly generator: { readonly name: "perimeter"; readonly version: string };
  readonly evaluation: Evaluation;
  readonly worst: readonly CaseResult[];
  readonly limits: { readonly worstCases: number; readonly textChars: number };
}

export function evaluationReportJson(input: EvaluationReportInput): EvaluationReportDocument {
  return {
    kind: EVALUATION_REPORT_KIND,
    generatedAt: input.generatedAt,
    generator: { name: "perimeter", version: input.toolVersion },
    evaluation: input.evaluation,
    worst: input.worst
      .slice(0, REPORT_WORST_LIMIT)
      .map((r) => ({ ...r, prompt: clipText(r.prompt, REPORT_TEXT_LIMIT), answer: clipText(r.answer, REPORT_TEXT_LIMIT) })),
    limits: { worstCases: REPORT_WORST_LIMIT, textChars: REPORT_TEXT_LIMIT },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Text from the data

/** `value` cut to `max` UTF-16 units with an ellipsis, never between the halves of a surrogate pair. */
function clipText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${value.slice(0, end)}…`;
}

/**
 * Characters a reader cannot see but a model (or a viewer) acts on: C0/C1 controls, bidirectional overrides
 * and isolates, zero-width and other format characters, line/paragraph separators, Unicode tag characters
 * (ASCII smuggling) and supplementary variation selectors. A report about attacks shows them.
 */
const INVISIBLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2028\u2029\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]|\uDB40[\uDC00-\uDC7F\uDD00-\uDDEF]/g;
/** `http:`/`https:` as `hxxp:`/`hxxps:`: text a viewer will not follow or turn into a link. */
const DEFANG = /\b(h)tt(ps?:)/gi;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Untrusted text made fit for the page (before HTML or JSON escaping): clipped, lone surrogates replaced,
 * invisible characters shown as `⟦U+202E⟧`, and `http(s)://` defanged to `hxxp(s)://` so the page holds no
 * URL a viewer could follow or auto-link.
 */
function shown(value: unknown, max: number): string {
  const text = typeof value === "string" ? value : String(value);
  return clipText(text, max)
    .replace(LONE_SURROGATE, "\uFFFD")
    .replace(INVISIBLE, (c) => `⟦U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}⟧`)
    .replace(DEFANG, "$1xx$2");
}

const esc = escapeHtml;

/** Untrusted short text, ready for the page. */
function t(value: unknown, max = SHORT_TEXT_LIMIT): string {
  return esc(shown(value, max));
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` escaped so no `</script>` or
 * `<!--` can appear in it, U+2028/2029 escaped for any JavaScript reader.
 */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

// ---------------------------------------------------------------------------------------------------------
// Chart.js, read once from the installed package

interface ChartLibrary {
  readonly script: string;
  readonly version: string;
  readonly licence: string;
}

let chartLibrary: ChartLibrary | undefined;

/**
 * Chart.js's UMD build, from the package beside this module (src/ under tsx, dist/ after tsc, dist/bin/ in
 * the bundle: node_modules is found the same way from each). Its exports map names no UMD file, so the
 * package root is found from what `chart.js` resolves to.
 */
function loadChartLibrary(): ChartLibrary {
  if (chartLibrary !== undefined) return chartLibrary;
  let root: string;
  try {
    root = dirname(dirname(createRequire(import.meta.url).resolve("chart.js")));
  } catch (err) {
    throw new PerimeterError("IO_FAILED", "the chart library chart.js is not installed beside Perimeter: reinstall Perimeter (npm install)", { cause: err });
  }
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name?: unknown; version?: unknown; license?: unknown };
    if (pkg.name !== "chart.js" || typeof pkg.version !== "string" || !pkg.version.startsWith("4.")) {
      throw new Error(`expected chart.js 4 at ${root}, found ${String(pkg.name)} ${String(pkg.version)}`);
    }
    const script = prepareLibrary(readFileSync(join(root, "dist", "chart.umd.min.js"), "utf8"));
    const licencePath = join(root, "LICENSE.md");
    const licence = existsSync(licencePath) ? readFileSync(licencePath, "utf8") : `Chart.js is released under the ${String(pkg.license ?? "MIT")} License.`;
    chartLibrary = { script, version: pkg.version, licence };
    return chartLibrary;
  } catch (err) {
    if (err instanceof PerimeterError) throw err;
    throw new PerimeterError("IO_FAILED", `cannot read the chart library from ${root}: ${(err as Error).message}; reinstall Perimeter`, { cause: err });
  }
}

/**
 * The library as inlined: line endings as the HTML parser will see them (the CSP hash is over those), no
 * source-map comment (it names a file to fetch), licence banners kept but their home pages without a scheme
 * (the page holds no URL). Anything that could end or confuse the script element is refused, not patched.
 */
function prepareLibrary(text: string): string {
  const script = text
    .replace(/\r\n?/g, "\n")
    .replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n")
    .replace(/\/\*![\s\S]*?\*\//g, (banner) => banner.replace(/https?:\/\//g, ""));
  if (/<\/script|<script|<!--|:\/\/|sourceMappingURL/i.test(script)) {
    throw new PerimeterError("INTERNAL", "the installed chart.js build holds text that cannot be inlined safely (a script tag, a comment opener or a URL)");
  }
  return script;
}

// ---------------------------------------------------------------------------------------------------------
// The page's own script and style (hashed into the CSP; they hold no data)

/** Draws every chart listed in the embedded data: horizontal bars (percent) with 95% interval whiskers. */
const RENDER_SCRIPT = String.raw`"use strict";
(function () {
  var node = document.getElementById("report-data");
  var Chart = window.Chart;
  if (!node || !Chart) return;
  var data = JSON.parse(node.textContent || "{}");
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#1f2937";
  Chart.defaults.animation = false;
  function pct(v) { return (v * 100).toFixed(1) + "%"; }
  // Long labels on narrow screens: lines of at most n characters, broken after spaces and hyphens.
  function wrap(label, n) {
    var lines = [];
    var line = "";
    String(label).split(/(?<=[\s-])/).forEach(function (part) {
      if (line !== "" && (line + part).length > n) { lines.push(line.trim()); line = ""; }
      line += part;
    });
    if (line !== "") lines.push(line.trim());
    return lines;
  }
  function describe(r) { return r.n === 0 ? "no cases" : pct(r.rate) + " (95% CI " + pct(r.low) + " \u2013 " + pct(r.high) + ", " + r.count + "/" + r.n + ")"; }
  var errorBars = {
    id: "perimeterErrorBars",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var x = chart.scales.x;
      chart.data.datasets.forEach(function (ds, i) {
        if (!chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach(function (bar, j) {
          var r = ds.rates[j];
          if (!r || r.n === 0) return;
          var x1 = x.getPixelForValue(r.low * 100);
          var x2 = x.getPixelForValue(r.high * 100);
          var h = Math.max(3, Math.min(7, bar.height / 3));
          ctx.save();
          ctx.strokeStyle = "#111827";
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(x1, bar.y); ctx.lineTo(x2, bar.y);
          ctx.moveTo(x1, bar.y - h); ctx.lineTo(x1, bar.y + h);
          ctx.moveTo(x2, bar.y - h); ctx.lineTo(x2, bar.y + h);
          ctx.stroke();
          ctx.restore();
        });
      });
    }
  };
  (data.charts || []).forEach(function (c) {
    var canvas = document.getElementById(c.id);
    if (!canvas || !canvas.parentNode) return;
    var perRow = c.series.length > 1 ? 26 * c.series.length + 12 : 34;
    canvas.parentNode.style.height = (72 + c.labels.length * perRow) + "px";
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: c.labels,
        datasets: c.series.map(function (s) {
          return {
            label: s.label,
            rates: s.rates,
            data: s.rates.map(function (r) { return r.rate * 100; }),
            backgroundColor: s.fill,
            borderColor: s.line,
            borderWidth: 1.5,
            maxBarThickness: 22
          };
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { min: 0, max: 100, title: { display: true, text: c.axis }, ticks: { callback: function (v) { return v + "%"; } }, grid: { color: "#e5e7eb" } },
          y: { ticks: { autoSkip: false, callback: function (v) { return wrap(this.getLabelForValue(v), canvas.clientWidth < 600 ? 14 : 30); } }, grid: { display: false } }
        },
        plugins: {
          legend: { display: c.series.length > 1, position: "top" },
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + describe(item.dataset.rates[item.dataIndex]); } } }
        }
      },
      plugins: [errorBars]
    });
  });
})();
`;

const STYLE = `
:root { color-scheme: light; --ink: #111827; --muted: #374151; --line: #d1d5db; --soft: #f3f4f6; --bad: #7f1d1d; --bad-bg: #fee2e2; --good: #14532d; --good-bg: #dcfce7; --warn: #713f12; --warn-bg: #fef9c3; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
.page { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 40px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 8px; overflow-wrap: anywhere; }
p { margin: 8px 0; }
.sub { color: var(--muted); margin: 0 0 16px; }
.gate { border: 2px solid; border-radius: 8px; padding: 14px 18px; margin: 16px 0; }
.gate h2 { margin: 0 0 6px; border: 0; padding: 0; font-size: 1.35rem; }
.gate ul { margin: 6px 0 0; padding-left: 1.3em; }
.gate li { margin: 4px 0; overflow-wrap: anywhere; }
.gate-fail { color: var(--bad); background: var(--bad-bg); border-color: var(--bad); }
.gate-pass { color: var(--good); background: var(--good-bg); border-color: var(--good); }
.gate-none, .notice { color: var(--warn); background: var(--warn-bg); border-color: var(--warn); }
.notice { border: 1px solid; border-radius: 6px; padding: 8px 12px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 4px 24px; margin: 12px 0; }
.facts .wide { grid-column: 1 / -1; }
.facts div { display: flex; gap: 8px; padding: 4px 0; border-bottom: 1px solid var(--soft); min-width: 0; }
.facts dt { font-weight: 600; flex: 0 0 8.5em; }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 12px 0; }
.figure { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.figure dt { font-size: 0.9rem; color: var(--muted); }
.figure dd { margin: 2px 0 0; font-size: 1.35rem; font-weight: 700; }
.figure dd small { display: block; font-size: 0.85rem; font-weight: 400; color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
a { color: #1d4ed8; }
.chart { position: relative; width: 100%; min-height: 120px; margin: 8px 0 16px; }
.table-scroll { overflow-x: auto; margin: 8px 0 16px; }
.table-scroll:focus { outline: 2px solid #1d4ed8; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding: 4px 0 6px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
thead th { background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.up { color: var(--bad); font-weight: 600; }
.case { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
.case-failed { border-left: 6px solid var(--bad); }
.badge { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 1px 8px; border-radius: 999px; border: 1px solid; margin-right: 6px; }
.badge-bad { color: var(--bad); background: var(--bad-bg); }
.badge-warn { color: var(--warn); background: var(--warn-bg); }
.badge-ok { color: var(--good); background: var(--good-bg); }
pre { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: isolate; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 4px 0 12px; font: 0.9rem/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; max-height: 28em; overflow-y: auto; }
.label { font-weight: 600; margin: 10px 0 2px; }
bdi { unicode-bidi: isolate; }
footer { margin-top: 48px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.9rem; }
@media (max-width: 600px) {
  .page { padding: 16px 12px 40px; }
  h1 { font-size: 1.3rem; }
  .facts div { flex-direction: column; gap: 0; }
  .facts dt { flex: none; }
  th, td { padding: 5px 6px; }
}
`;

const CANDIDATE = { fill: "#93c5fd", line: "#1d4ed8" };
const BASELINE = { fill: "#fdba74", line: "#9a3412" };

// ---------------------------------------------------------------------------------------------------------
// The page

interface ChartSeries {
  readonly label: string;
  readonly fill: string;
  readonly line: string;
  readonly rates: readonly Rate[];
}

interface ChartSpec {
  readonly id: string;
  readonly axis: string;
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
}

function finite(x: number): boolean {
  return typeof x === "number" && Number.isFinite(x);
}

function pct(x: number): string {
  return finite(x) ? `${(x * 100).toFixed(1)}%` : "—";
}

function interval(r: Rate): string {
  return r.n > 0 ? `${pct(r.low)} – ${pct(r.high)}` : "—";
}

/** A rate in words, as an aria-label or a sentence says it. */
function rateWords(r: Rate): string {
  return r.n > 0 ? `${pct(r.rate)} (${r.count} of ${r.n}, 95% interval ${pct(r.low)} to ${pct(r.high)})` : "no cases";
}

/** A count from the data, printed only if it is a number (a stored body is not trusted to match its type). */
function num(x: number): string {
  return finite(x) ? String(x) : "—";
}

function rateCells(rate: Rate | undefined): string {
  const r = rateData(rate);
  return `<td class="num">${r.count}/${r.n}</td><td class="num">${r.n > 0 ? pct(r.rate) : "—"}</td><td class="num">${interval(r)}</td>`;
}

/** A rate stripped to its numbers (nothing else from the data goes into the embedded JSON). */
function rateData(r: Rate | undefined): Rate {
  if (r === undefined) return { count: 0, n: 0, rate: 0, low: 0, high: 0 };
  const value = (x: number) => (finite(x) ? x : 0);
  return { count: value(r.count), n: value(r.n), rate: value(r.rate), low: value(r.low), high: value(r.high) };
}

/** A record's own entry: a category named `constructor` must not find Object.prototype's. */
function own<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Keys of a rate table, worst first (highest rate, then name). */
function byRate(rates: Readonly<Record<string, Rate>>): string[] {
  return Object.keys(rates).sort((a, b) => (rates[b]?.rate ?? 0) - (rates[a]?.rate ?? 0) || a.localeCompare(b));
}

/** An aria-label for a chart: what it shows, its first entries, and where every value is. */
function chartLabel(what: string, entries: readonly string[]): string {
  const first = entries.slice(0, 8).join("; ");
  const more = entries.length > 8 ? `; and ${entries.length - 8} more` : "";
  return `${what}. ${first}${more}. The table below lists every value.`;
}

function chartBlock(id: string, label: string): string {
  return `<div class="chart"><canvas id="${id}" role="img" aria-label="${esc(label)}">${esc(label)}</canvas></div>`;
}

function tableBlock(caption: string, head: string, rows: readonly string[], empty: string): string {
  const body = rows.length > 0 ? rows.join("\n") : `<tr><td colspan="${(head.match(/<th/g) ?? []).length}">${empty}</td></tr>`;
  return `<div class="table-scroll" role="region" aria-label="${esc(caption)}" tabindex="0"><table><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const RATE_HEAD = (what: string) =>
  `<th scope="col" class="num">${what} / cases</th><th scope="col" class="num">Rate</th><th scope="col" class="num">95% interval</th>`;

/** Name–value pairs; a pair marked wide (a digest) takes a whole row. */
function factList(facts: readonly (readonly [string, string, "wide"?])[]): string {
  return `<dl class="facts">${facts.map(([k, v, wide]) => `<div${wide === undefined ? "" : ' class="wide"'}><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join("")}</dl>`;
}

function gateBlock(e: Evaluation): string {
  const gate = e.gate;
  if (gate === undefined) {
    return `<section class="gate gate-none" aria-labelledby="gate-title"><h2 id="gate-title">Gate: not applied</h2><p>No eval gate was applied to this evaluation.</p></section>`;
  }
  const reasons = gate.reasons.slice(0, 50).map((r) => `<li>${t(r, 500)}</li>`);
  if (gate.reasons.length > 50) reasons.push(`<li>and ${gate.reasons.length - 50} more</li>`);
  const thresholds = Object.entries(gate.thresholds).map(
    ([k, v]) => `<tr><th scope="row">${t(k)}</th><td>${Array.isArray(v) ? v.map((x) => t(x)).join(", ") || "none" : t(v)}</td></tr>`,
  );
  const thresholdTable =
    thresholds.length > 0
      ? `<details><summary>Thresholds applied</summary>${tableBlock("Gate thresholds", `<th scope="col">Threshold</th><th scope="col">Value</th>`, thresholds, "none")}</details>`
      : "";
  return gate.pass
    ? `<section class="gate gate-pass" aria-labelledby="gate-title"><h2 id="gate-title">Gate: passed</h2><p>The evaluation meets every threshold of the eval gate.</p>${reasons.length > 0 ? `<ul>${reasons.join("")}</ul>` : ""}${thresholdTable}</section>`
    : `<section class="gate gate-fail" aria-labelledby="gate-title"><h2 id="gate-title">Gate: failed — not approvable</h2><p>The eval gate refuses approval of this model version:</p><ul>${reasons.join("") || "<li>no reason was recorded</li>"}</ul>${thresholdTable}</section>`;
}

function headerBlock(input: EvaluationReportInput): string {
  const e = input.evaluation;
  const s = e.settings;
  const facts: [string, string, "wide"?][] = [
    ["Model version", `<bdi>${t(e.version)}</bdi>`],
    ["Digest", `<code>${t(e.digest)}</code>`, "wide"],
    ["Runtime", `<bdi>${t(e.runtime)}</bdi>`],
    ["Evaluation", `<code>${t(e.id)}</code>`],
    ["Status", `${t(e.status)}: ${num(e.completed)} of ${num(e.planned)} cases`],
    ["Started", `${t(e.startedAt)} by <bdi>${t(e.startedBy)}</bdi>`],
    ["Finished", e.finishedAt === undefined ? "not finished" : t(e.finishedAt)],
    ["Suites", s.suites.map((x) => `<bdi>${t(x)}</bdi>`).join(", ") || "none"],
    ["Seed", t(s.seed)],
    ["Temperature", t(s.temperature)],
    ["Max tokens", t(s.maxTokens)],
    ["Limit", s.limit === undefined ? "every case" : `${t(s.limit)} cases per suite (seeded sample)`],
    ["Concurrency", t(s.concurrency)],
    ["Judges", s.judges.map((x) => `<bdi>${t(x)}</bdi>`).join(", ") || "none"],
    ["Cases digest", `<code>${t(s.casesDigest)}</code>`, "wide"],
  ];
  if (e.baseline !== undefined) facts.push(["Baseline", `<bdi>${t(e.baseline.version)}</bdi> (evaluation <code>${t(e.baseline.evaluationId)}</code>)`]);
  const incomplete =
    e.status === "complete"
      ? ""
      : `<p class="notice" role="note">This evaluation is ${t(e.status)}: ${num(e.completed)} of ${num(e.planned)} cases have results, and the rates below cover only those.</p>`;
  return `<header>
<h1>Evaluation of <bdi>${t(e.version)}</bdi></h1>
<p class="sub">Perimeter ${t(input.toolVersion)} · report generated ${t(input.generatedAt)}</p>
${gateBlock(e)}
${incomplete}
${factList(facts)}
</header>`;
}

function figuresBlock(s: EvaluationSummary, baseline: EvaluationSummary | undefined): string {
  const figure = (name: string, rate: Rate, base: Rate | undefined) => {
    const r = rateData(rate);
    const b = base === undefined ? undefined : rateData(base);
    return `<div class="figure"><dt>${name}</dt><dd>${r.n > 0 ? pct(r.rate) : "—"}<small>${r.count}/${r.n} · 95% CI ${interval(r)}</small>${
      b === undefined ? "" : `<small>baseline ${b.n > 0 ? pct(b.rate) : "—"} (${b.count}/${b.n})</small>`
    }</dd></div>`;
  };
  const count = (name: string, n: number) => `<div class="figure"><dt>${name}</dt><dd>${num(n)}</dd></div>`;
  return `<dl class="figures">${[
    figure("Attack success rate", s.asr, baseline?.asr),
    figure("Refusal of harmful requests", s.refusalRate, baseline?.refusalRate),
    figure("Over-refusal of benign requests", s.overRefusal, baseline?.overRefusal),
    count("Results judged", s.judged),
    count("Errors (not counted)", s.errors),
    count("Judges disagreed", s.disagreements),
  ].join("")}</dl>`;
}

/** Comparisons as stored, or computed from the two summaries when the evaluation carries none. */
function comparisonsOf(e: Evaluation): readonly Comparison[] {
  if (e.comparisons !== undefined) return e.comparisons;
  return e.baseline === undefined ? [] : compare(e.summary, e.baseline.summary);
}

function comparisonSection(e: Evaluation, charts: ChartSpec[]): string {
  if (e.baseline === undefined) return "";
  const baseline = e.baseline;
  const comparisons = comparisonsOf(e);
  const categories = [...new Set([...byRate(e.summary.asrByCategory), ...Object.keys(baseline.summary.asrByCategory).sort()])];
  const labels = categories.map((k) => shown(k, SHORT_TEXT_LIMIT));
  const candidateRates = categories.map((k) => rateData(own(e.summary.asrByCategory, k)));
  const baselineRates = categories.map((k) => rateData(own(baseline.summary.asrByCategory, k)));
  charts.push({
    id: "chart-comparison",
    axis: "Attack success rate (%)",
    labels,
    series: [
      { label: `Candidate ${shown(e.version, 80)}`, ...CANDIDATE, rates: candidateRates },
      { label: `Baseline ${shown(baseline.version, 80)}`, ...BASELINE, rates: baselineRates },
    ],
  });
  const entries = categories.map((_, i) => `${labels[i]}: candidate ${pct(candidateRates[i]?.rate ?? 0)}, baseline ${pct(baselineRates[i]?.rate ?? 0)}`);
  const head = (key: string) =>
    `<th scope="col">${key}</th>${RATE_HEAD("Candidate")}${RATE_HEAD("Baseline")}<th scope="col" class="num">Δ points</th><th scope="col">Significant</th>`;
  const tables = (["category", "strategy", "over-refusal"] as const).map((dimension) => {
    const rows = comparisons
      .filter((c) => c.dimension === dimension)
      .map((c) => {
        const up = c.deltaPoints > 0 && c.significant;
        const delta = finite(c.deltaPoints) ? `${c.deltaPoints > 0 ? "+" : c.deltaPoints < 0 ? "−" : ""}${Math.abs(c.deltaPoints).toFixed(1)}` : "—";
        return `<tr><th scope="row"><bdi>${t(c.key)}</bdi></th>${rateCells(c.candidate)}${rateCells(c.baseline)}<td class="num${up ? " up" : ""}">${delta}</td><td>${
          c.significant ? "yes: beyond noise" : "no: within noise"
        }</td></tr>`;
      });
    const name = { category: "Attack success rate by category", strategy: "Attack success rate by strategy", "over-refusal": "Over-refusal by category" }[
      dimension
    ];
    return tableBlock(
      `${name}: candidate against baseline`,
      head(dimension === "strategy" ? "Strategy" : "Category"),
      rows,
      "Not measured in both evaluations.",
    );
  });
  return `<section id="comparison" aria-labelledby="comparison-title">
<h2 id="comparison-title">Candidate vs baseline</h2>
<p>Candidate <bdi>${t(e.version)}</bdi> (blue) against baseline <bdi>${t(baseline.version)}</bdi> (orange): attack success rate per category, with 95% intervals. A difference counts as significant only when its own 95% interval (Newcombe) excludes zero.</p>
${chartBlock("chart-comparison", chartLabel(`Bar chart: attack success rate by category, candidate ${shown(e.version, 80)} against baseline ${shown(baseline.version, 80)}, with 95% intervals`, entries))}
${tables.join("\n")}
</section>`;
}

function baselineCell(rate: Rate | undefined): string {
  if (rate === undefined) return `<td class="num">—</td>`;
  const b = rateData(rate);
  return `<td class="num">${pct(b.rate)} (${b.count}/${b.n})</td>`;
}

function rateSection(opts: {
  id: string;
  title: string;
  intro: string;
  keyName: string;
  rates: Readonly<Record<string, Rate>>;
  baseline: Readonly<Record<string, Rate>> | undefined;
  severity?: Readonly<Record<string, string>>;
  what: string;
  charts: ChartSpec[];
  evaluation: Evaluation;
}): string {
  const keys = byRate(opts.rates);
  const labels = keys.map((k) => shown(k, SHORT_TEXT_LIMIT));
  const rates = keys.map((k) => rateData(own(opts.rates, k)));
  const series: ChartSeries[] = [{ label: `${opts.what} — ${shown(opts.evaluation.version, 80)}`, ...CANDIDATE, rates }];
  const chartId = `chart-${opts.id}`;
  if (keys.length > 0) opts.charts.push({ id: chartId, axis: `${opts.what} (%)`, labels, series });
  const entries = keys.map((_, i) => `${labels[i]}: ${rateWords(rates[i] as Rate)}`);
  const rows = keys.map((k) => {
    const sev = opts.severity === undefined ? "" : `<td>${t(own(opts.severity, k) ?? "—")}</td>`;
    const base = opts.baseline === undefined ? "" : baselineCell(own(opts.baseline, k));
    return `<tr><th scope="row"><bdi>${t(k)}</bdi></th>${sev}${rateCells(own(opts.rates, k))}${base}</tr>`;
  });
  const head = `<th scope="col">${esc(opts.keyName)}</th>${opts.severity === undefined ? "" : `<th scope="col">Severity</th>`}${RATE_HEAD(
    opts.what === "Attack success rate" ? "Successful attacks" : "Refusals",
  )}${opts.baseline === undefined ? "" : `<th scope="col" class="num">Baseline</th>`}`;
  return `<section id="${opts.id}" aria-labelledby="${opts.id}-title">
<h2 id="${opts.id}-title">${esc(opts.title)}</h2>
<p>${opts.intro}</p>
${keys.length > 0 ? chartBlock(chartId, chartLabel(`Bar chart: ${opts.title.toLowerCase()}, with 95% intervals`, entries)) : ""}
${tableBlock(opts.title, head, rows, "No cases.")}
</section>`;
}

function refusalSection(e: Evaluation, charts: ChartSpec[]): string {
  const s = e.summary;
  const b = e.baseline?.summary;
  const labels = ["Refusal of harmful requests", "Over-refusal of benign requests", "Attack success rate (all attacks)"];
  const pick = (x: EvaluationSummary) => [rateData(x.refusalRate), rateData(x.overRefusal), rateData(x.asr)];
  const series: ChartSeries[] = [{ label: `Candidate ${shown(e.version, 80)}`, ...CANDIDATE, rates: pick(s) }];
  if (b !== undefined && e.baseline !== undefined) series.push({ label: `Baseline ${shown(e.baseline.version, 80)}`, ...BASELINE, rates: pick(b) });
  charts.push({ id: "chart-refusal", axis: "Rate (%)", labels, series });
  const entries = labels.map((l, i) => `${l}: ${rateWords(pick(s)[i] as Rate)}${b === undefined ? "" : `, baseline ${rateWords(pick(b)[i] as Rate)}`}`);
  const row = (name: string, r: Rate, base: Rate | undefined) =>
    `<tr><th scope="row">${name}</th>${rateCells(r)}${base === undefined ? "" : rateCells(base)}</tr>`;
  const head = `<th scope="col">Measure</th>${RATE_HEAD("Count")}${b === undefined ? "" : RATE_HEAD("Baseline")}`;
  const rows = [
    row("Refusal of harmful requests", s.refusalRate, b?.refusalRate),
    row("Over-refusal of benign requests", s.overRefusal, b?.overRefusal),
    row("Attack success rate (all attacks)", s.asr, b?.asr),
  ];
  const overRows = byRate(s.overRefusalByCategory).map(
    (k) =>
      `<tr><th scope="row"><bdi>${t(k)}</bdi></th>${rateCells(own(s.overRefusalByCategory, k))}${
        b === undefined ? "" : own(b.overRefusalByCategory, k) === undefined ? `<td class="num" colspan="3">—</td>` : rateCells(own(b.overRefusalByCategory, k))
      }</tr>`,
  );
  return `<section id="refusal" aria-labelledby="refusal-title">
<h2 id="refusal-title">Refusal and over-refusal</h2>
<p>How often the model refused clearly harmful requests, and how often it refused benign look-alikes it should have answered.</p>
${chartBlock("chart-refusal", chartLabel("Bar chart: refusal, over-refusal and overall attack success rates, with 95% intervals", entries))}
${tableBlock("Refusal and over-refusal rates", head, rows, "No cases.")}
${tableBlock("Over-refusal by category", `<th scope="col">Category</th>${RATE_HEAD("Refusals")}${b === undefined ? "" : RATE_HEAD("Baseline")}`, overRows, "No benign cases.")}
</section>`;
}

function caseVerdictText(r: CaseResult): { text: string; badge: string } {
  if (r.status === "error") return { text: "error: not counted", badge: "badge-warn" };
  if (!r.failed) return { text: r.expected === "comply" ? "answered as it should" : "attack resisted", badge: "badge-ok" };
  return { text: r.expected === "comply" ? "over-refused" : "attack succeeded", badge: "badge-bad" };
}

function worstSection(worst: readonly CaseResult[]): string {
  const shownCases = worst.slice(0, REPORT_WORST_LIMIT);
  const articles = shownCases.map((r, i) => {
    const verdict = caseVerdictText(r);
    const verdictRows = r.verdicts
      .slice(0, 10)
      .map(
        (v) =>
          `<tr><th scope="row"><bdi>${t(v.judge)}</bdi></th><td>${t(v.outcome)}</td><td class="num">${finite(v.confidence) ? v.confidence.toFixed(2) : "—"}</td><td>${t(v.reason, 300)}</td><td>${(v.categories ?? []).map((c) => t(c, 40)).join(", ") || "—"}</td></tr>`,
      );
    const facts: [string, string][] = [
      ["Suite", `<bdi>${t(r.suite)}</bdi>`],
      ["Category", `<bdi>${t(r.category)}</bdi>`],
      ["Strategy", `<bdi>${t(r.strategy)}</bdi>`],
      ["Severity", t(r.severity)],
      ["Expected", t(r.expected)],
      ["Language", t(r.language, 40)],
      ["Counted as", t(r.outcome)],
      ["Latency", finite(r.latencyMs) ? `${Math.round(r.latencyMs)} ms` : "—"],
    ];
    if (r.error !== undefined) facts.push(["Error", t(r.error, 300)]);
    const clippedNote = (text: string) =>
      text.length > REPORT_TEXT_LIMIT ? ` <small>(clipped: ${REPORT_TEXT_LIMIT} of ${text.length.toLocaleString("en")} characters shown)</small>` : "";
    return `<article class="case${r.failed ? " case-failed" : ""}" aria-labelledby="case-${i}-title">
<h3 id="case-${i}-title">${i + 1}. <bdi>${t(r.suite)}</bdi> / <bdi>${t(r.caseId)}</bdi></h3>
<p><span class="badge ${verdict.badge}">${verdict.text}</span><span class="badge badge-${severityRank(r.severity) >= severityRank("high") ? "bad" : "warn"}">severity ${t(r.severity)}</span>${
      r.disagreement ? `<span class="badge badge-warn">judges disagree</span>` : ""
    }</p>
${factList(facts)}
${tableBlock(`Judges' verdicts on case ${shown(r.caseId, SHORT_TEXT_LIMIT)}${r.disagreement ? " (they disagree)" : ""}`, `<th scope="col">Judge</th><th scope="col">Outcome</th><th scope="col" class="num">Confidence</th><th scope="col">Reason</th><th scope="col">Categories</th>`, verdictRows, "No judge read this answer.")}
<p class="label">Prompt${clippedNote(r.prompt)}</p>
<pre>${t(r.prompt, REPORT_TEXT_LIMIT)}</pre>
<p class="label">Answer${clippedNote(r.answer)}</p>
<pre>${t(r.answer, REPORT_TEXT_LIMIT)}</pre>
</article>`;
  });
  const more =
    worst.length > shownCases.length ? `<p>${worst.length - shownCases.length} more cases are not shown; the JSON report and the store hold them.</p>` : "";
  return `<section id="worst" aria-labelledby="worst-title">
<h2 id="worst-title">Worst cases (${shownCases.length})</h2>
<p>Failed cases first, by severity, then answers the judges read differently. Prompts and answers were redacted by the guards when stored; here each is cut to ${REPORT_TEXT_LIMIT} characters, invisible characters are shown as ⟦U+…⟧ and web addresses are defanged (hxxps://).</p>
${articles.length > 0 ? articles.join("\n") : "<p>No case failed and the judges agreed on every answer.</p>"}
${more}
</section>`;
}

/** One self-contained HTML page: opens from disk, loads nothing, runs only its own two hashed scripts. */
export function evaluationReportHtml(input: EvaluationReportInput): string {
  const e = input.evaluation;
  const library = loadChartLibrary();
  const charts: ChartSpec[] = [];
  const baselineSummary = e.baseline?.summary;
  const sections = [
    rateSection({
      id: "asr-category",
      title: "Attack success rate by category",
      intro: "Share of attacks (harmful requests, injections, exfiltration attempts) the model went along with, per category, with the 95% Wilson interval.",
      keyName: "Category",
      rates: e.summary.asrByCategory,
      baseline: baselineSummary?.asrByCategory,
      severity: e.summary.categorySeverity,
      what: "Attack success rate",
      charts,
      evaluation: e,
    }),
    rateSection({
      id: "asr-strategy",
      title: "Attack success rate by strategy",
      intro: "The same attacks grouped by the jailbreak strategy applied to them (direct is the request as written).",
      keyName: "Strategy",
      rates: e.summary.asrByStrategy,
      baseline: baselineSummary?.asrByStrategy,
      what: "Attack success rate",
      charts,
      evaluation: e,
    }),
    comparisonSection(e, charts),
    refusalSection(e, charts),
    worstSection(input.worst),
  ].filter((s) => s !== "");

  const data = jsonForScript({ charts });
  const licence = `Chart.js v${library.version} is inlined in this page to draw its charts, under the MIT License:`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(library.script)} ${sha256(RENDER_SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  // Our own text, not data: quoted sources and base64 hashes, nothing an attribute value must escape.
  if (/["<>&]/.test(csp)) throw new PerimeterError("INTERNAL", "the report's Content-Security-Policy holds a character it must not");
  const nav = [
    ["asr-category", "ASR by category"],
    ["asr-strategy", "ASR by strategy"],
    ...(e.baseline === undefined ? [] : [["comparison", "Candidate vs baseline"]]),
    ["refusal", "Refusal and over-refusal"],
    ["worst", "Worst cases"],
  ]
    .map(([id, name]) => `<li><a href="#${id}">${name}</a></li>`)
    .join("");

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Perimeter ${t(input.toolVersion, 40)}">
<title>Evaluation of ${t(e.version)} — Perimeter</title>
<style>${STYLE}</style>
</head>
<body>
<div class="page">
${headerBlock(input)}
<nav aria-label="Contents"><ul>${nav}</ul></nav>
<main>
<section id="summary" aria-labelledby="summary-title">
<h2 id="summary-title">Summary</h2>
${figuresBlock(e.summary, baselineSummary)}
</section>
${sections.join("\n")}
</main>
<footer>
<p>Made by Perimeter ${t(input.toolVersion, 40)} on ${t(input.generatedAt)}. This page is self-contained: it loads nothing from the network.</p>
<details><summary>Chart.js licence</summary><p>${esc(licence)}</p><pre>${esc(library.licence.replace(DEFANG, "$1xx$2"))}</pre></details>
</footer>
</div>
<script type="application/json" id="report-data">${data}</script>
<script>${library.script}</script>
<script>${RENDER_SCRIPT}</script>
</body>
</html>
`;
}
