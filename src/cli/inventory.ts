import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { exportBom } from "../inventory/export.js";
import { checkDrift } from "../inventory/drift.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { VERSION } from "../version.js";
import { parseFormat, printJson, printTable, resolveActor, withContext, type Cli } from "./context.js";
import { deps } from "./model.js";

// perimeter drift, perimeter bom — the inventory checked against the runtimes, and exported.

export function registerInventoryCommands(program: Command, cli: Cli): void {
  program
    .command("drift")
    .description(
      "compare what every runtime serves with the inventory; exit 1 when anything is served that is unregistered, changed, unverified or in the wrong environment",
    )
    .option("--no-discover", "judge the last recorded discovery instead of asking the runtimes now")
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who checks")
    .action(
      cli.run(async (opts: { discover: boolean; format: string; actor?: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const report = await checkDrift(deps(ctx), { live: opts.discover, timeoutMs: ctx.loaded.config.inventory.discoveryTimeoutSeconds * 1000, actor });
          if (format === "json") printJson(report);
          else {
            if (report.runtimes.length === 0) process.stdout.write("no runtimes registered: nothing to compare (perimeter runtime add)\n");
            if (report.served.length > 0) {
              printTable(
                ["RUNTIME", "SERVED", "DIGEST", "MODEL VERSION", "STATUS"],
                report.served.map((s) => [
                  s.runtime,
                  s.servedName,
                  s.digest === null ? "-" : s.digest.slice(0, 12),
                  s.modelVersions.join(",") || "-",
                  s.status,
                ]),
              );
            }
            for (const f of report.findings) process.stdout.write(`drift [${f.severity}] ${f.kind}: ${f.message}\n`);
            process.stdout.write(
              report.drift
                ? `${report.findings.length} drift finding${report.findings.length === 1 ? "" : "s"} across ${report.runtimes.length} runtime(s)\n`
                : `no drift: ${report.served.length} served model(s) on ${report.runtimes.length} runtime(s) match the inventory\n`,
            );
          }
          return report.drift ? EXIT.refused : EXIT.ok;
        });
      }),
    );

  program
    .command("bom")
    .description("export the inventory as an AI-BOM: CycloneDX 1.6 ML-BOM (validated against its schema) or SPDX 3.0 AI profile JSON-LD")
    .option("--format <format>", "cyclonedx or spdx", "cyclonedx")
    .option("--output <file>", "write to a file instead of standard output")
    .option("--force", "overwrite an existing output file")
    .option("--actor <name>", "who exports")
    .action(
      cli.run(async (opts: { format: string; output?: string; force?: boolean; actor?: string }) => {
        const format = parseFormat(opts.format, ["cyclonedx", "spdx"] as const);
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const bom = await exportBom(ctx.store, format, VERSION);
          const text = `${JSON.stringify(bom.document, null, 2)}\n`;
          if (opts.output === undefined) process.stdout.write(text);
          else await writeOutputFile(opts.output, opts.force === true, (out) => writeChunk(out, text));
          await ctx.audit().append({
            actor,
            action: "bom.export",
            resource: "inventory",
            decision: "info",
            details: { format, models: bom.models, runtimes: bom.runtimes, serialNumber: bom.serialNumber, output: opts.output ?? "stdout" },
          });
          return EXIT.ok;
        });
      }),
    );
}
