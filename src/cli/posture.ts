import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { listRuntimes } from "../inventory/runtimes.js";
import { gatewayPoliciesInForce } from "../policy/use.js";
import { accessReview } from "../posture/access.js";
import { runtimePosture } from "../posture/runtimes.js";
import { parseFormat, printJson, printTable, readOnly, withContext, type Cli } from "./context.js";

// perimeter posture — the gaps Perimeter finds in its own state: the runtimes' patch level (the version each
// reported at its last discovery held against the known advisories) and the access review of identities.

export function registerPosture(program: Command, cli: Cli): void {
  readOnly(
    program
      .command("posture")
      .description(
        "the gaps in Perimeter's own state: each runtime's version at its last discovery against known advisories (CVE, GHSA), and the access review of identities, keys and scopes; exit 1 when there is any",
      ),
  )
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        return withContext(cli.globals(), async (ctx) => {
          const postures = (await listRuntimes(ctx)).map((r) => runtimePosture(r));
          const permits = (await gatewayPoliciesInForce(ctx)).engine.policies.filter((p) => p.effect === "permit").map((p) => p.id);
          const access = await accessReview(ctx.store, ctx.loaded.config.posture.accessReview, new Date(), { permits });
          if (format === "json") printJson({ runtimes: postures, access });
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
          if (format === "text") {
            process.stdout.write(access.length === 0 ? "access review: nothing to take back\n" : "access review:\n");
            for (const f of access) process.stdout.write(`${f.severity}  ${f.rule}  ${f.message}\n`);
          }
          return postures.every((p) => p.status === "patched") && access.length === 0 ? EXIT.ok : EXIT.refused;
        });
      }),
    );
}
