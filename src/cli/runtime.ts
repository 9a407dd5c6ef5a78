import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { addRuntime, discover, getRuntime, listRuntimes, removeRuntime } from "../inventory/runtimes.js";
import { RUNTIME_TYPES } from "../inventory/types.js";
import { addViewCommand, parseFormat, printJson, printTable, resolveActor, withContext, type Cli } from "./context.js";
import { deps } from "./model.js";

// perimeter runtime add|list|show|remove|discover — the inference servers and what each serves.

export function registerRuntimeCommands(program: Command, cli: Cli): void {
  const runtime = program
    .command("runtime")
    .description("inference runtimes (Ollama, OpenAI-compatible: vLLM/SGLang/llama.cpp server, embedded llama.cpp) and what they serve");

  runtime
    .command("add")
    .description("register a runtime")
    .argument("<name>")
    .requiredOption("--type <type>", RUNTIME_TYPES.join(", "))
    .requiredOption("--url <url>", "base URL (http://host:11434 for Ollama, http://host:8000 for vLLM); for embedded, the directory of GGUF files")
    .option("--environment <env>", "the environment it serves (default: inventory.defaultEnvironment)")
    .option("--api-key-env <var>", "environment variable holding the runtime's API key (vLLM --api-key); the key is never stored")
    .option("--actor <name>", "who registers it")
    .action(
      cli.run(async (name: string, opts: { type: string; url: string; environment?: string; apiKeyEnv?: string; actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const r = await addRuntime(deps(ctx), {
            name,
            type: opts.type,
            url: opts.url,
            environment: opts.environment ?? ctx.loaded.config.inventory.defaultEnvironment,
            apiKeyEnv: opts.apiKeyEnv,
            actor,
          });
          process.stdout.write(
            `registered runtime ${r.name} (${r.type} at ${r.url}, environment ${r.environment}); see what it serves with: perimeter runtime discover ${r.name}\n`,
          );
          return EXIT.ok;
        });
      }),
    );

  addViewCommand(runtime, cli, { name: "list", description: "list runtimes" }, async (ctx) => {
    const runtimes = await listRuntimes(ctx);
    return {
      json: runtimes,
      print: () => {
        if (runtimes.length === 0)
          process.stdout.write("no runtimes: register one with perimeter runtime add NAME --type ollama --url http://127.0.0.1:11434\n");
        else
          printTable(
            ["RUNTIME", "TYPE", "URL", "ENVIRONMENT", "DISCOVERED"],
            runtimes.map((r) => [r.name, r.type, r.url, r.environment, r.discoveredAt ?? "never"]),
          );
      },
    };
  });

  addViewCommand(
    runtime,
    cli,
    { name: "show", description: "show a runtime and what it served at the last discovery", argument: "<name>" },
    async (ctx, name) => {
      const { runtime: r, served } = await getRuntime(ctx, name);
      return {
        json: { ...r, served },
        print: () => {
          process.stdout.write(`${r.name}  ${r.type}  ${r.url}  environment ${r.environment}  discovered ${r.discoveredAt ?? "never"}\n`);
          if (served.length > 0)
            printTable(
              ["SERVED", "DIGEST", "SOURCE"],
              served.map((m) => [m.servedName, m.digest ?? "-", m.digestSource]),
            );
        },
      };
    },
  );

  runtime
    .command("remove")
    .description("remove a runtime and its discovery record")
    .argument("<name>")
    .option("--actor <name>", "who removes it")
    .action(
      cli.run(async (name: string, opts: { actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          await removeRuntime(deps(ctx), name, actor);
          process.stdout.write(`removed runtime ${name}\n`);
          return EXIT.ok;
        });
      }),
    );

  runtime
    .command("discover")
    .description("ask runtimes what they serve now and record it; exit 1 if any could not be asked")
    .argument("[names...]", "runtimes to ask (default: all)")
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who asks")
    .action(
      cli.run(async (names: string[], opts: { format: string; actor?: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const outcomes = await discover({ ...deps(ctx), timeoutMs: ctx.loaded.config.inventory.discoveryTimeoutSeconds * 1000 }, names, actor);
          if (format === "json") {
            printJson(
              outcomes.map((o) =>
                o.ok
                  ? { runtime: o.runtime.name, ok: true, served: o.served }
                  : { runtime: o.runtime.name, ok: false, code: o.error.code, error: o.error.message },
              ),
            );
          } else {
            for (const o of outcomes) {
              if (!o.ok) {
                process.stderr.write(`perimeter: ${o.error.message} [${o.error.code}]\n`);
                continue;
              }
              process.stdout.write(`${o.runtime.name}: ${o.served.length} model${o.served.length === 1 ? "" : "s"}\n`);
              for (const m of o.served) process.stdout.write(`  ${m.servedName}  ${m.digest === null ? "no digest reported" : `sha256:${m.digest}`}\n`);
            }
          }
          return outcomes.every((o) => o.ok) ? EXIT.ok : EXIT.refused;
        });
      }),
    );
}
