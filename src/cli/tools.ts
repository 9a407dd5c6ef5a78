import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { toolsService } from "../tools/start.js";
import type { ToolReview } from "../tools/service.js";
import { addViewCommand, collect, parseFormat, printJson, printTable, resolveActor, withContext, type Cli } from "./context.js";
import { clip } from "../clip.js";

// perimeter tools approve|review|pins|pending|decide — the tool servers behind /mcp: pin their tools' definitions
// (a changed definition is hidden until approved again), and decide calls that wait for an approver.

export function registerTools(program: Command, cli: Cli): void {
  const tools = program
    .command("tools")
    .description("the tool servers agents reach through /mcp: approve their tools, see what changed, decide calls that wait for approval");

  tools
    .command("approve")
    .description(
      "pin every tool SERVER lists now (name, description, schemas by digest); tools whose descriptions carry instructions are held back; exit 1 when any is",
    )
    .argument("<server>", "a name in tools.servers")
    .option("--accept <tool>", "approve this tool although the guards flag its description (repeatable)", collect, [] as string[])
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who approves")
    .action(
      cli.run(async (server: string, opts: { accept: string[]; format: string; actor?: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const result = await toolsService(ctx).approve(server, actor, opts.accept);
          if (format === "json") printJson(result);
          else {
            printReviews([...result.approved, ...result.refused, ...result.removed]);
            process.stdout.write(
              `approved ${result.approved.length} tools of ${result.server}${result.removed.length === 0 ? "" : `; unpinned ${result.removed.length} no longer listed`}\n`,
            );
            for (const r of result.refused)
              process.stdout.write(
                `held back ${r.tool}: its description carries instructions (${r.findings.map((f) => f.type).join(", ")}); read it, and approve it with --accept ${r.tool} only if it is meant\n`,
              );
          }
          return result.refused.length === 0 ? EXIT.ok : EXIT.refused;
        });
      }),
    );

  addViewCommand(
    tools,
    cli,
    { name: "review", argument: "<server>", description: "what SERVER lists now beside what is approved: new, unchanged, changed (hidden), removed" },
    async (ctx, server) => {
      const reviews = await toolsService(ctx).review(server);
      return { json: reviews, print: () => printReviews(reviews) };
    },
  );

  addViewCommand(tools, cli, { name: "pins", description: "the approved tool definitions, by server" }, async (ctx) => {
    const pins = await toolsService(ctx).pins();
    return {
      json: pins,
      print: () =>
        pins.length === 0
          ? process.stdout.write("no tool is approved: approve a server's tools with perimeter tools approve SERVER\n")
          : printTable(
              ["SERVER", "TOOL", "DIGEST", "APPROVED BY", "AT"],
              pins.map((p) => [p.server, p.tool, p.digest.slice(0, 16), p.approvedBy, p.approvedAt]),
            ),
    };
  });

  addViewCommand(
    tools,
    cli,
    { name: "pending", description: "tool calls waiting for an approver (approval: required)", options: [["--all", "decided and expired ones too"]] },
    async (ctx, _arg, opts) => {
      const list = await toolsService(ctx).pending(opts["all"] === true ? "all" : "pending");
      return {
        json: list,
        print: () =>
          list.length === 0
            ? process.stdout.write("no tool call waits for approval\n")
            : printTable(
                ["ID", "STATE", "IDENTITY", "TOOL", "ARGUMENTS", "EXPIRES"],
                list.map((a) => [a.id, a.state, a.identityName, `${a.server}/${a.tool}`, clip(JSON.stringify(a.arguments), 80), a.expiresAt]),
              ),
      };
    },
  );

  tools
    .command("decide")
    .description("allow or deny a tool call waiting for approval (the call goes on, or is refused, within a moment)")
    .argument("<id>", "the call's id, from perimeter tools pending")
    .argument("<decision>", "allow or deny")
    .option("--reason <text>", "why, kept as evidence", "")
    .option("--actor <name>", "who decides (not the identity that made the call)")
    .action(
      cli.run(async (id: string, decisionArg: string, opts: { reason: string; actor?: string }) => {
        const decision = parseFormat(decisionArg, ["allow", "deny"] as const, "the decision");
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const a = await toolsService(ctx).decide(id, decision, actor, opts.reason);
          process.stdout.write(`${a.state} ${a.id}: ${a.identityName} calling ${a.server}/${a.tool}\n`);
          return EXIT.ok;
        });
      }),
    );
}

function printReviews(reviews: readonly ToolReview[]): void {
  if (reviews.length === 0) {
    process.stdout.write("the server lists no tools\n");
    return;
  }
  printTable(
    ["TOOL", "STATUS", "DIGEST", "FINDINGS", "DESCRIPTION"],
    reviews.map((r) => [r.tool, r.status, r.digest.slice(0, 16), r.findings.map((f) => f.type).join(", ") || "-", clip(r.description ?? "", 60)]),
  );
}
