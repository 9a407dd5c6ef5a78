import { pathToFileURL } from "node:url";
import { RULES, type RuleId, type Severity } from "./findings.js";
import { displayPath, type ScanReport } from "./scan.js";

/** The documented JSON report: `{files:[{path, format, verdict, findings:[{rule, severity, message, location}]}], summary}`. */
export function toJsonReport(report: ScanReport): unknown {
  return {
    files: report.files.map((f) => ({
      path: displayPath(f.path),
      format: f.format,
      verdict: f.verdict,
      bytes: f.bytes,
      findings: f.findings.map((x) => ({ rule: x.rule, severity: x.severity, message: x.message, location: x.location })),
    })),
    summary: report.summary,
  };
}

const SARIF_LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.8", high: "8.0", medium: "5.0", low: "2.0", info: "0.0" };

/** SARIF 2.1.0, as code-scanning UIs (GitHub, GitLab, Azure DevOps) import it. */
export function toSarif(report: ScanReport, version: string): unknown {
  const used = [...new Set(report.files.flatMap((f) => f.findings.map((x) => x.rule)))].sort() as RuleId[];
  const index = new Map(used.map((r, i) => [r, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "perimeter-scan",
            version,
            informationUri: "https://github.com/perimeter-dev/perimeter",
            rules: used.map((id) => ({
              id,
              name: id.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
              shortDescription: { text: RULES[id].summary },
              defaultConfiguration: { level: SARIF_LEVEL[RULES[id].severity] },
              properties: { "security-severity": SECURITY_SEVERITY[RULES[id].severity], tags: ["security", "supply-chain"] },
            })),
          },
        },
        results: report.files.flatMap((f) =>
          f.findings.map((x) => ({
            ruleId: x.rule,
            ruleIndex: index.get(x.rule),
            level: SARIF_LEVEL[x.severity],
            message: { text: `${x.message} (${x.location}; verdict for the file: ${f.verdict})` },
            locations: [
              {
                physicalLocation: { artifactLocation: { uri: sarifUri(f.path) } },
                logicalLocations: [{ name: x.location, kind: "member" }],
              },
            ],
            properties: { verdict: f.verdict, format: f.format },
          })),
        ),
        artifacts: report.files.map((f) => ({ location: { uri: sarifUri(f.path) }, length: f.bytes })),
      },
    ],
  };
}

function sarifUri(path: string): string {
  const shown = displayPath(path);
  return shown === path ? pathToFileURL(path).href : shown.split("\\").join("/");
}

const MARK: Record<string, string> = { clean: "ok  ", malicious: "MAL ", suspicious: "SUSP", unscannable: "UNSC", invalid: "INV " };

export function toText(report: ScanReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    lines.push(`${MARK[f.verdict] ?? f.verdict} ${displayPath(f.path)} [${f.format}] ${f.verdict}`);
    for (const x of f.findings) lines.push(`       ${x.severity.padEnd(8)} ${x.rule}: ${x.message} @ ${x.location}`);
  }
  const s = report.summary;
  lines.push(
    `${s.files} file(s): ${s.clean} clean, ${s.malicious} malicious, ${s.suspicious} suspicious, ${s.unscannable} unscannable, ${s.invalid} invalid (${s.durationMs} ms)`,
  );
  return `${lines.join("\n")}\n`;
}
