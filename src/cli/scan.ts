import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { toJsonReport, toSarif, toText } from "../scan/report.js";
import { displayPath, scanPaths, type ScanReport } from "../scan/scan.js";
import { parseFormat, resolveActor, withContext, type Cli } from "./context.js";
import { progressLine } from "./progress.js";
import { recordScanEvidence } from "../lifecycle/service.js";
import { computeManifest } from "../signing/index.js";
import { VERSION } from "../version.js";

export function registerScan(program: Command, cli: Cli): void {
  program
    .command("scan")
    .description("scan model files and directories; exit 0 only when every file is clean (fails closed on anything it cannot prove safe)")
    .argument("<paths...>", "files or directories (walked recursively)")
    .option("--format <format>", "text, json or sarif", "text")
    .option("--output <file>", "write the report to a file instead of standard output")
    .option("--force", "overwrite an existing report file")
    .option(
      "--allow <module.name>",
      "also trust this pickle import (module.name or module.*; repeatable), beside scan.allow in perimeter.yaml",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--model <name@version>", "attach the result to this model version as evidence for approval (PATH must be exactly its files)")
    .option("--actor <name>", "who scans, recorded in the audit log (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (paths: string[], opts: { format: string; output?: string; force?: boolean; allow?: string[]; model?: string; actor?: string }) => {
        const format = parseFormat(opts.format, ["text", "json", "sarif"] as const);
        const actor = resolveActor(opts.actor);
        if (opts.model !== undefined && paths.length !== 1) throw new PerimeterError("USAGE", "--model takes exactly one PATH: the model's file or directory");
        return withContext(cli.globals(), async (ctx) => {
          const config = ctx.loaded.config.scan;
          const progress = progressLine("scanning");
          const report = await scanPaths(paths, {
            allow: { extra: [...config.allow, ...(opts.allow ?? []).map(checkAllowEntry)] },
            limits: { maxDepth: config.maxDepth, maxInflateBytes: config.maxInflateMiB * 2 ** 20, maxPickleBytes: config.maxInflateMiB * 2 ** 20 },
            onFile: (done, total) => progress.update(done, total, " files"),
          });
          progress.done();
          const text =
            format === "json"
              ? `${JSON.stringify(toJsonReport(report), null, 2)}\n`
              : format === "sarif"
                ? `${JSON.stringify(toSarif(report, VERSION), null, 2)}\n`
                : toText(report);
          if (opts.output === undefined) process.stdout.write(text);
          else await writeOutputFile(opts.output, opts.force === true, (out) => writeChunk(out, text));
          await ctx.audit().append(scanEvent(actor, paths, report));
          if (opts.model !== undefined) {
            // The evidence names the digest of what was scanned, so approval can tell whether it was exactly the version's files.
            const manifest = await computeManifest(paths[0] as string, {});
            const evidence = await recordScanEvidence(ctx, opts.model, report, manifest.digest, actor);
            process.stderr.write(
              evidence.verdict === "pass"
                ? `recorded a clean scan of ${opts.model} as evidence\n`
                : `recorded the scan of ${opts.model} as failed evidence${evidence.body["matchesVersion"] === false ? ": the files scanned are not exactly its registered files" : ""}\n`,
            );
          }
          return report.summary.files === report.summary.clean ? EXIT.ok : EXIT.refused;
        });
      }),
    );
}

function checkAllowEntry(entry: string): string {
  if (!/^[A-Za-z_][\w.]*\.(\*|[A-Za-z_]\w*)$/.test(entry)) throw new PerimeterError("USAGE", `--allow takes module.name or module.*, not "${entry}"`);
  return entry;
}

function scanEvent(actor: string, paths: readonly string[], report: ScanReport) {
  const s = report.summary;
  const refused = report.files.filter((f) => f.verdict !== "clean");
  return {
    actor,
    action: "scan",
    resource: paths.join(" "),
    decision: refused.length === 0 ? ("allow" as const) : ("deny" as const),
    reason: refused.length === 0 ? "" : `${refused.length} of ${s.files} file(s) not clean`,
    details: {
      summary: s,
      refused: refused.slice(0, 100).map((f) => ({ path: displayPath(f.path), verdict: f.verdict, rules: [...new Set(f.findings.map((x) => x.rule))] })),
    },
  };
}
