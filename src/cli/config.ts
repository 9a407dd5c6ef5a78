import type { Command } from "commander";
import { projectOrigin } from "../app/context.js";
import { describeConfig, redact, type OptionSource } from "../config/describe.js";
import { configPath, loadConfig } from "../config/load.js";
import { EXIT } from "../errors.js";
import { parseFormat, printJson, printTable, type Cli } from "./context.js";

// perimeter config show — the effective configuration, every option, and where each value came from.

export function registerConfig(program: Command, cli: Cli): void {
  const config = program.command("config").description("the configuration in effect: every option, its value and where it came from");
  config
    .command("show")
    .description("print every option with its value and source (default, perimeter.yaml, environment variable); secrets redacted; opens no store")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const globals = cli.globals();
        const loaded = loadConfig({ path: globals.config, pathSource: globals.configSource });
        const options = describeConfig(loaded);
        const s = loaded.config.store;
        const store =
          s.url === undefined
            ? { kind: "sqlite", location: configPath(loaded, s.sqlitePath) }
            : { kind: "postgres", location: `${String(redact("store.url", s.url))} (schema ${s.schema})` };
        const project = loaded.project;
        if (format === "json") {
          printJson({
            project: { root: loaded.baseDir, source: project?.source ?? null, cwd: project?.cwd ?? null },
            file: loaded.file ?? null,
            store,
            options: options.map((o) => ({ ...o, value: o.value ?? null })),
          });
          return EXIT.ok;
        }
        process.stdout.write(`project  ${loaded.baseDir} (${projectOrigin(loaded)})\n`);
        process.stdout.write(`file     ${loaded.file ?? "none: every option is its default"}\n`);
        process.stdout.write(`store    ${store.kind} ${store.location}\n\n`);
        printTable(
          ["OPTION", "VALUE", "SOURCE"],
          options.map((o) => [o.key, showValue(o.value), showSource(o.source)]),
        );
        return EXIT.ok;
      }),
    );
}

function showValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function showSource(source: OptionSource): string {
  switch (source.kind) {
    case "default":
      return "default";
    case "env":
      return `env ${source.variable}`;
    case "file":
      return source.via === undefined ? source.file : `${source.file} (${source.via})`;
  }
}
