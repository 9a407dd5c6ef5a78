import { Command, CommanderError, Option } from "commander";
import { EXIT, asPerimeterError, exitCodeFor, PerimeterError } from "../errors.js";
import { isReadOnly, readOnly, type Cli, type GlobalOptions } from "./context.js";
import { VERSION } from "../version.js";

// Each command group lives in its own file: it parses, calls a service, and prints. No logic here.
// The groups load when a command needs them (commands.ts holds them all): a command of a self-contained
// group loads only that group, so that `perimeter hash` on a large model starts hashing without first
// loading the gateway, Cedar's WebAssembly and the rest (half a second of CPU before the first byte).

type Register = (program: Command, cli: Cli) => void;

/** Commands whose group needs no other: the command name → its group. */
const SELF_CONTAINED: Readonly<Record<string, () => Promise<Register>>> = {
  hash: async () => (await import("./signing.js")).registerSigning,
  sign: async () => (await import("./signing.js")).registerSigning,
  verify: async () => (await import("./signing.js")).registerSigning,
};

/** The command named in argv, if it comes before any --help or --version (global options take a value). */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--config") i++;
    else if (!arg.startsWith("-")) return arg;
    else if (!arg.startsWith("--config=")) return undefined;
  }
  return undefined;
}

async function registerFor(argv: readonly string[]): Promise<Register> {
  if (argv[0] === "-V" || argv[0] === "--version") return () => undefined;
  const command = commandOf(argv);
  const group = command === undefined ? undefined : Object.hasOwn(SELF_CONTAINED, command) ? SELF_CONTAINED[command] : undefined;
  return group !== undefined ? group() : (await import("./commands.js")).registerCommands;
}

export function buildProgram(cli: Cli, register: Register): Command {
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
        "Environment: PERIMETER_CONFIG, PERIMETER_HOME (the project directory), PERIMETER_DATABASE_URL (postgres://...), PERIMETER_ACTOR.\n" +
        "The project is found as git finds its repository: --config, else PERIMETER_HOME, else the nearest directory at or\n" +
        "above this one holding perimeter.yaml or .perimeter/, else this directory. Commands that only read never create a store.",
    );
  register(program, cli);
  for (const path of READ_ONLY_COMMANDS) {
    const cmd = findCommand(program, path);
    if (cmd !== undefined) readOnly(cmd);
  }
  return program;
}

/**
 * Commands that only read the store (beyond recording that they ran), declared in files whose commands do not
 * mark themselves with readOnly(): run where no store exists, they fail instead of creating an empty one.
 * Views made with addViewCommand (every list and show) are read-only already. `verify key|certificate|sigstore`
 * are not here: checking downloaded weights needs no project (they still record their decision in one).
 */
export const READ_ONLY_COMMANDS: readonly string[] = [
  "audit verify",
  "audit prove",
  "audit export",
  "audit list",
  "audit witness push",
  "audit witness show",
  "drift",
  "bom",
  "admit",
  "policy test",
  "eval report",
];

export function findCommand(program: Command, path: string): Command | undefined {
  let cmd: Command | undefined = program;
  for (const name of path.split(" ")) cmd = cmd?.commands.find((c) => c.name() === name);
  return cmd;
}

export async function main(argv: readonly string[]): Promise<number> {
  quietOnClosedPipes();
  let code: number = EXIT.ok;
  let program: Command | undefined;
  let running: Command | undefined;
  const cli: Cli = {
    globals: () => {
      const opts = (program?.opts() ?? {}) as { config?: string };
      const source = program?.getOptionValueSource("config") === "env" ? "PERIMETER_CONFIG" : "--config";
      return { ...opts, configSource: source, readOnly: running !== undefined && isReadOnly(running) } satisfies GlobalOptions;
    },
    run:
      (fn) =>
      async (...args) => {
        code = await fn(...args);
      },
  };
  program = buildProgram(cli, await registerFor(argv));
  program.hook("preAction", (_program, action) => {
    running = action;
  });
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

let pipesHandled = false;

/**
 * `perimeter ... | head` closes the pipe early: the rest of the output is dropped without a stack trace, and
 * the command still finishes (what it records is recorded) and exits with its own code.
 */
export function quietOnClosedPipes(): void {
  if (pipesHandled) return;
  pipesHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
      // Later writes succeed at once into nothing; a writer waiting for "drain" is released.
      stream.write = ((_chunk: unknown, encodingOrDone?: unknown, done?: unknown) => {
        const callback = typeof encodingOrDone === "function" ? encodingOrDone : done;
        if (typeof callback === "function") process.nextTick(callback as () => void);
        return true;
      }) as typeof stream.write;
      stream.emit("drain");
    });
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
