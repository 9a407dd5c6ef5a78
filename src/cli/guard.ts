import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { loadConfig } from "../config/load.js";
import { EXIT, PerimeterError } from "../errors.js";
import { checkLines, type CheckedLine } from "../guards/check.js";
import { guardsFromConfig, type GuardEngine } from "../guards/index.js";
import { parseFormat, withContext, type Cli } from "./context.js";

// perimeter guard check — the configured guards over text, one input per line.

export function registerGuard(program: Command, cli: Cli): void {
  const guard = program.command("guard").description("guards: secrets, PII and prompt-injection detectors, guard models");

  guard
    .command("check")
    .description(
      "run the configured guards over text, one input per line (plain text, or a JSON object with a text field); exit 0 when every line is allowed, 1 when any is flagged, redacted or blocked",
    )
    .argument("[file]", "a file of lines, or - for standard input", "-")
    .option("--direction <direction>", "judge the lines as requests (input) or answers (output)", "input")
    .option("--identity <name>", "judge as this identity (id or name) for guards.rules")
    .option("--model <name>", "judge as calls to this model (name or name@version) for guards.rules")
    .option("--format <format>", "text or json (one JSON object a line)", "text")
    .option("--models", "also ask the configured guard models (guards.models), through their runtimes")
    .action(
      cli.run(async (file: string, opts: { direction: string; identity?: string; model?: string; format: string; models?: boolean }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const direction = parseFormat(opts.direction, ["input", "output"] as const, "--direction");
        const text = readInput(file);
        const model = opts.model ?? "";
        const options = {
          direction,
          subject: { identityId: opts.identity ?? "", identityName: opts.identity ?? "", modelName: model.split("@")[0] ?? model, modelId: model },
        };
        let results: CheckedLine[];
        if (opts.models === true) {
          // Guard models are reached through the gateway's catalog and runtimes: start one, without listening.
          const { startGateway } = await import("../gateway/start.js");
          results = await withContext(cli.globals(), async (ctx) => {
            const started = await startGateway(ctx);
            try {
              return await checkLines(started.guards as GuardEngine, text, { ...options, models: true });
            } finally {
              await started.close();
            }
          });
        } else {
          const config = loadConfig({ path: cli.globals().config }).config;
          results = await checkLines(guardsFromConfig({ ...config.guards, enabled: true }, { policiesReadGuards: false }), text, options);
        }
        for (const r of results) process.stdout.write(format === "json" ? `${JSON.stringify(asJson(r))}\n` : asText(r));
        return results.every((r) => r.action === "allow") ? EXIT.ok : EXIT.refused;
      }),
    );
}

function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new PerimeterError("USAGE", `cannot read ${file === "-" ? "standard input" : file}: ${(err as Error).message}`);
  }
}

function asJson(r: CheckedLine): unknown {
  return {
    line: r.line,
    action: r.action,
    findings: r.findings.map((f) => ({
      detector: f.detector,
      category: f.category,
      type: f.type,
      severity: f.severity,
      span: [f.span.start, f.span.end],
      action: f.action,
    })),
  };
}

function asText(r: CheckedLine): string {
  let out = `line ${r.line}: ${r.action}\n`;
  for (const f of r.findings) out += `  ${f.action.padEnd(6)} ${f.category} (${f.type}) at ${f.span.start}-${f.span.end}, ${f.severity}, ${f.detector}\n`;
  if (r.redacted !== undefined) out += `  sent as: ${r.redacted}\n`;
  return out;
}
