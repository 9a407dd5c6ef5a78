import type { Command } from "commander";
import { auditWitnesses } from "../audit/index.js";
import { EXIT } from "../errors.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { parseFrameworks } from "../report/catalogue.js";
import { renderHtml, renderMarkdown } from "../report/render.js";
import { buildReport, reportDigest, reportJson } from "../report/report.js";
import { parseFormat, withContext, type Cli } from "./context.js";

// perimeter report — the live state judged against the frameworks auditors ask about: pass / fail / partial /
// not-applicable per control, with the evidence and the gap to close. The report's digest is recorded in the
// audit log (report.generate), and the log's signed head is in the report.

export function registerReport(program: Command, cli: Cli): void {
  program
    .command("report")
    .description(
      "a compliance report from the live state: each control of OWASP LLM/Agentic/NHI Top 10, NIST AI RMF and AI 600-1, NIST CSF 2.0, the EU AI Act and ISO/IEC 42001 Annex A judged pass, fail, partial or not-applicable, with evidence and the gap to close; exit 1 when any control fails",
    )
    .option(
      "--framework <id...>",
      "only these frameworks: owasp-llm, owasp-agentic, owasp-nhi, nist-ai-rmf, nist-ai-600-1, nist-csf, eu-ai-act, iso-42001 (default: all)",
    )
    .option("--format <format>", "md, html or json", "md")
    .option("--output <file>", "write the report to this file (default: standard output)")
    .option("--force", "overwrite an existing output file")
    .action(
      cli.run(async (opts: { framework?: string[]; format: string; output?: string; force?: boolean }) => {
        const format = parseFormat(opts.format, ["md", "html", "json"] as const);
        const frameworks = parseFrameworks(opts.framework ?? []);
        return withContext(cli.globals(), async (ctx) => {
          const report = await buildReport(ctx, { frameworks, witnesses: auditWitnesses(ctx.loaded) });
          const json = reportJson(report);
          const digest = reportDigest(json);
          const event = await ctx.audit().append({
            actor: "perimeter:report",
            action: "report.generate",
            resource: "report",
            decision: "info",
            details: { digest, frameworks: report.frameworks.map((f) => f.id), auditHead: report.auditHead.size, summary: report.summary, format },
          });
          const text =
            format === "json"
              ? json
              : format === "md"
                ? renderMarkdown(report, { digest, auditEvent: event.seq })
                : renderHtml(report, json, { digest, auditEvent: event.seq });
          if (opts.output === undefined) process.stdout.write(text);
          else {
            await writeOutputFile(opts.output, opts.force === true, (out) => writeChunk(out, text));
            process.stderr.write(
              `wrote ${opts.output}: ${report.summary.fail} fail, ${report.summary.partial} partial, ${report.summary.pass} pass, ${report.summary["not-applicable"]} not applicable (sha256:${digest}, audit event #${event.seq})\n`,
            );
          }
          return report.summary.fail > 0 ? EXIT.refused : EXIT.ok;
        });
      }),
    );
}
