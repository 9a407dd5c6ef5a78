import type { Command } from "commander";
import { DASHBOARD_IDENTITY, signInLink } from "../control/signin-link.js";
import { EXIT } from "../errors.js";
import { IdentityService } from "../identity/service.js";
import { parseFormat, printJson, resolveActor, withContext, type Cli } from "./context.js";

// perimeter dashboard link — a one-time sign-in link to the dashboard, as `perimeter up` prints one.

export function registerDashboard(program: Command, cli: Cli): void {
  const cmd = program.command("dashboard").description("the dashboard served by perimeter serve and up at /ui/");
  cmd
    .command("link")
    .description("print a one-time sign-in link for an identity that holds an admin role (viewer, auditor, operator, approver, admin)")
    .option("--identity <name>", "the identity to sign in as", DASHBOARD_IDENTITY)
    .option("--url <url>", "the server's address (default: http://gateway.host:gateway.port)")
    .option("--actor <name>", "who asks (default: PERIMETER_ACTOR, else the OS user)")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { identity: string; url?: string; actor?: string; format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const gateway = ctx.loaded.config.gateway;
          const host = gateway.host.includes(":") ? `[${gateway.host}]` : gateway.host;
          const baseUrl = opts.url ?? `http://${host}:${gateway.port}`;
          const identities = new IdentityService({ store: ctx.store, audit: ctx.audit, config: ctx.loaded.config.identity });
          const link = await signInLink(ctx, identities, { identity: opts.identity, baseUrl, actor });
          await identities.flush();
          if (format === "json") printJson(link);
          else process.stdout.write(`${link.url}\n  once, before ${link.expiresAt}, as ${link.identity}\n`);
          return EXIT.ok;
        });
      }),
    );
}
