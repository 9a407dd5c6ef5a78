import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { killSwitchFor } from "../app/services.js";
import { KILL_KINDS, type KillKind } from "../killswitch/index.js";
import { addViewCommand, parseFormat, printTable, resolveActor, withContext, type Cli } from "./context.js";

// perimeter kill model|identity|runtime|tool TARGET --reason R; kill list; kill lift KIND TARGET --reason R.

const TARGET_HELP: Readonly<Record<KillKind, string>> = {
  model: "name@version for one version, or a model name for every version of it (now and registered later)",
  identity: "identity id or name (or a workload's jwt:<issuer>#<subject>)",
  runtime: "runtime name",
  tool: "a tool server's name for every tool of it, or SERVER/TOOL for one tool (its name on the server)",
};

const KILL_WHAT: Readonly<Record<KillKind, string>> = {
  model: "a model version, or every version of a model",
  identity: "an identity",
  runtime: "a runtime",
  tool: "a tool server, or one of its tools (tool calls in flight are cut)",
};

/** The kill switch as this configuration sees it (JWT issuers make workload ids killable). */
export { killSwitchFor };

export function registerKill(program: Command, cli: Cli): void {
  const cmd = program
    .command("kill")
    .description(
      "the kill switch: disable a model version (or every version of a model), an identity, a runtime or a tool everywhere at once (gateways cut calls in flight within gateway.killPollMs; admission refuses it)",
    );
  for (const kind of KILL_KINDS) {
    cmd
      .command(kind)
      .description(`kill ${KILL_WHAT[kind]}; exit 1 when there is no such ${kind}`)
      .argument("<target>", TARGET_HELP[kind])
      .requiredOption("--reason <text>", "why, kept as evidence")
      .option("--actor <name>", "who")
      .action(
        cli.run(async (target: string, opts: { reason: string; actor?: string }) => {
          const actor = resolveActor(opts.actor);
          return withContext(cli.globals(), async (ctx) => {
            const { resolved } = await killSwitchFor(ctx).kill({ kind, target, reason: opts.reason, actor });
            process.stdout.write(`killed ${resolved.covers}: new calls are refused, calls in flight are cut and admission refuses it\n`);
            return EXIT.ok;
          });
        }),
      );
  }

  addViewCommand(cmd, cli, { name: "list", description: "what is killed, and what each kill covers now" }, async (ctx) => {
    const kills = await killSwitchFor(ctx).list();
    return {
      json: kills,
      print: () =>
        kills.length === 0
          ? process.stdout.write("nothing is killed\n")
          : printTable(
              ["KIND", "TARGET", "COVERS", "BY", "AT", "REASON"],
              kills.map((k) => [k.kind, k.target, k.covers, k.killedBy, k.killedAt, k.reason]),
            ),
    };
  });

  cmd
    .command("lift")
    .description("lift a kill (the target named as for kill: an identity's name finds its id); exit 1 when it is not killed")
    .argument("<kind>", KILL_KINDS.join(", "))
    .argument("<target>")
    .requiredOption("--reason <text>", "why it is safe again")
    .option("--actor <name>", "who")
    .action(
      cli.run(async (kindArg: string, target: string, opts: { reason: string; actor?: string }) => {
        const kind = parseFormat(kindArg, KILL_KINDS, "the kind") as KillKind;
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const { resolved } = await killSwitchFor(ctx).lift({ kind, target, reason: opts.reason, actor });
          process.stdout.write(`lifted the kill of ${resolved.covers}\n`);
          return EXIT.ok;
        });
      }),
    );
}
