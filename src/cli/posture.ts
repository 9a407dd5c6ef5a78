import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { listRuntimes } from "../inventory/runtimes.js";
import { runtimePosture } from "../posture/runtimes.js";
import { parseFormat, printJson, printTable, readOnly, withContext, type Cli } from "./context.js";

// perimeter posture — the gaps Perimeter finds in its own state: for now the runtimes' patch level, from the
// version each reported at its last discovery held against the known advisories.

export function registerPosture(program: Command, cli: Cli): void {
  readOnly(
    program
      .command("posture")
      .description(
        "the runtimes' patch level: each runtime's version at its last discovery against known advisories (CVE, GHSA); exit 1 when any is vulnerable or its version cannot be told",
      ),
  )
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        return withContext(cli.globals(), async (ctx) => {
          const postures = (await listRuntimes(ctx)).map((r) => runtimePosture(r));
          if (format === "json") printJson({ runtimes: postures });
          else if (postures.length === 0) process.stdout.write("no runtimes: register one with perimeter runtime add\n");
          else {
            printTable(
              ["RUNTIME", "ENVIRONMENT", "SERVER", "VERSION", "STATUS", "ADVISORIES", "UPGRADE TO"],
              postures.map((p) => [
                p.runtime,
                p.environment,
                p.kind ?? "-",
                p.version ?? "-",
                p.status,
                p.advisories.map((a) => a.ids[0]).join(",") || "-",
                p.upgradeTo ?? (p.status === "vulnerable" ? "no fixed release" : "-"),
              ]),
            );
            for (const f of postures.flatMap((p) => p.findings)) process.stdout.write(`${f.severity}  ${f.rule}  ${f.message}\n`);
          }
          return postures.every((p) => p.status === "patched") ? EXIT.ok : EXIT.refused;
        });
      }),
    );
}
