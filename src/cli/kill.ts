import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { kill, KILL_KINDS, lift, listKills, type KillKind } from "../gateway/kill.js";
import { parseModelRef } from "../inventory/models.js";
import { addViewCommand, parseFormat, printTable, resolveActor, withContext, type Cli } from "./context.js";

// perimeter kill model|identity|runtime TARGET --reason R; kill list; kill lift.

export function registerKill(program: Command, cli: Cli): void {
  const cmd = program
    .command("kill")
    .description("the kill switch: disable a model version, an identity or a runtime everywhere at once (gateways cut calls in flight within gateway.killPollMs)");
  for (const kind of KILL_KINDS) {
    cmd
      .command(kind)
      .description(`kill ${kind === "model" ? "a model version" : kind === "identity" ? "an identity" : "a runtime"}`)
      .argument("<target>", kind === "model" ? "name@version" : kind === "identity" ? "identity id" : "runtime name")
      .requiredOption("--reason <text>", "why, kept as evidence")
      .option("--actor <name>", "who")
      .action(
        cli.run(async (target: string, opts: { reason: string; actor?: string }) => {
          if (kind === "model") parseModelRef(target);
          const actor = resolveActor(opts.actor);
          return withContext(cli.globals(), async (ctx) => {
            await kill(ctx.store, ctx.audit(), { kind, target, reason: opts.reason, actor });
            process.stdout.write(`killed ${kind} ${target}: new calls are refused and calls in flight are cut\n`);
            return EXIT.ok;
          });
        }),
      );
  }

  addViewCommand(cmd, cli, { name: "list", description: "what is killed" }, async (ctx) => {
    const kills = await listKills(ctx.store);
    return {
      json: kills,
      print: () => (kills.length === 0 ? process.stdout.write("nothing is killed\n") : printTable(["KIND", "TARGET", "BY", "AT", "REASON"], kills.map((k) => [k.kind, k.target, k.killedBy, k.killedAt, k.reason]))),
    };
  });

  cmd
    .command("lift")
    .description("lift a kill")
    .argument("<kind>", KILL_KINDS.join(", "))
    .argument("<target>")
    .requiredOption("--reason <text>", "why it is safe again")
    .option("--actor <name>", "who")
    .action(
      cli.run(async (kindArg: string, target: string, opts: { reason: string; actor?: string }) => {
        const kind = parseFormat(kindArg, KILL_KINDS, "the kind") as KillKind;
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          await lift(ctx.store, ctx.audit(), { kind, target, reason: opts.reason, actor });
          process.stdout.write(`lifted the kill of ${kind} ${target}\n`);
          return EXIT.ok;
        });
      }),
    );
}
