import { Command, CommanderError, Option } from "commander";
import { EXIT, asPerimeterError, exitCodeFor, PerimeterError } from "../errors.js";
import { registerAudit } from "./audit.js";
import type { Cli, GlobalOptions } from "./context.js";
import { registerDemoModel } from "./demo-model.js";
import { registerIdentity } from "./identity.js";
import { registerScan } from "./scan.js";
import { registerSigning } from "./signing.js";
import { registerInventoryCommands } from "./inventory.js";
import { registerLifecycle } from "./lifecycle.js";
import { registerServe } from "./serve.js";
import { referenceAdmitter, storeSource } from "../lifecycle/admission.js";
import { resolveTrustedSigners } from "../lifecycle/signers.js";
import { registerModelCommands } from "./model.js";
import { registerPolicy } from "./policy.js";
import { registerKill } from "./kill.js";
import { registerUp } from "./up.js";
import { registerRuntimeCommands } from "./runtime.js";
import { VERSION } from "../version.js";

// Each command group lives in its own file: it parses, calls a service, and prints. No logic here.

export function buildProgram(cli: Cli): Command {
  const program = new Command("perimeter")
    .description("the runtime perimeter for open-weight models: scan, sign, inventory, authorize, evaluate, audit")
    .version(VERSION, "-V, --version")
    .addOption(new Option("--config <file>", "perimeter.yaml to use (before the command)").env("PERIMETER_CONFIG"))
    // Global options come before the command, so a command may have its own --version (model add does).
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 1 a check said no (denied, invalid, tampered, refused), 2 usage or config error, 3 internal error.\n" +
        "Environment: PERIMETER_CONFIG, PERIMETER_DATABASE_URL (postgres://...), PERIMETER_ACTOR.",
    );
  registerUp(program, cli);
  registerScan(program, cli);
  registerSigning(program, cli);
  registerDemoModel(program, cli);
  registerModelCommands(program, cli);
  registerRuntimeCommands(program, cli);
  registerInventoryCommands(program, cli);
  registerLifecycle(program, cli);
  registerServe(program, cli, (ctx) => referenceAdmitter(storeSource(ctx.store, resolveTrustedSigners(ctx.loaded))));
  registerPolicy(program, cli);
  registerIdentity(program, cli);
  registerKill(program, cli);
  registerAudit(program, cli);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  let program: Command | undefined;
  const cli: Cli = {
    globals: () => (program?.opts() ?? {}) as GlobalOptions,
    run:
      (fn) =>
      async (...args) => {
        code = await fn(...args);
      },
  };
  program = buildProgram(cli);
  program.exitOverride();
  for (const sub of allCommands(program)) sub.exitOverride();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; everything else is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const e = asPerimeterError(err);
    process.stderr.write(`perimeter: ${e.message}${e.code === "INTERNAL" ? "" : ` [${e.code}]`}\n`);
    if (!(err instanceof PerimeterError) && process.env["PERIMETER_DEBUG"] && err instanceof Error) {
      process.stderr.write(`${err.stack ?? ""}\n`);
    }
    return exitCodeFor(e);
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
