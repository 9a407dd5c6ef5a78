import { userInfo } from "node:os";
import type { Command } from "commander";
import { withContext as withAppContext, type Context } from "../app/context.js";
import { EXIT, PerimeterError } from "../errors.js";

// CLI presentation helpers. What a command runs against (config, store, audit log) is assembled in
// src/app/context.ts; Context and openStoreFor are re-exported here so the command files need not change.
export { openStoreFor, type Context } from "../app/context.js";
import { parseFormat, printJson } from "./plain.js";

export { collect, parseFormat, printJson } from "./plain.js";

export type OutputFormat = "text" | "json";

export interface GlobalOptions {
  readonly config?: string;
  /** Whether --config came from the flag or from PERIMETER_CONFIG, for messages. */
  readonly configSource?: "--config" | "PERIMETER_CONFIG";
  /** The command being run only reads: it must find an existing store and never creates one. */
  readonly readOnly?: boolean;
}

/** What every command group gets: the global options, and a wrapper that records an action's exit code. */
export interface Cli {
  globals(): GlobalOptions;
  run<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void>;
}

const readOnlyCommands = new WeakSet<Command>();

/** Mark a command as one that only reads: it refuses to run without a store instead of creating an empty one. */
export function readOnly(cmd: Command): Command {
  readOnlyCommands.add(cmd);
  return cmd;
}

export function isReadOnly(cmd: Command): boolean {
  return readOnlyCommands.has(cmd);
}

/**
 * Run a command against the project's store (see src/app/context.ts): on stderr, one line names the store
 * when it is not the working directory's.
 */
export async function withContext<T>(globals: GlobalOptions, fn: (ctx: Context) => Promise<T>, options: { server?: boolean } = {}): Promise<T> {
  return withAppContext(
    {
      config: globals.config,
      configSource: globals.configSource,
      readOnly: globals.readOnly === true,
      server: options.server === true,
      notice: (message) => process.stderr.write(`perimeter: ${message}\n`),
    },
    fn,
  );
}

/** --actor, else PERIMETER_ACTOR, else the OS user. */
export function resolveActor(actor: string | undefined): string {
  const name = actor ?? process.env["PERIMETER_ACTOR"] ?? safeUserName();
  if (name.trim() === "") throw new PerimeterError("USAGE", "--actor must not be empty");
  return name;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? "unknown"}`;
  }
}

export function parsePositiveInt(value: string, name: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new PerimeterError("USAGE", `${name} must be a positive integer, not "${value}"`);
  }
  return Number(value);
}

/** A plain text table: columns padded to their widest cell, two spaces apart. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join("\n")}\n`);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/**
 * A read-only command: one optional positional argument, `--format text|json`, a view that loads what to
 * show and prints it either way. The read commands of every group are this shape.
 */
export function addViewCommand(
  parent: Command,
  cli: Cli,
  spec: {
    readonly name: string;
    readonly description: string;
    readonly argument?: string;
    readonly options?: readonly (readonly [flags: string, description: string])[];
  },
  view: (ctx: Context, argument: string, options: Record<string, unknown>) => Promise<{ readonly json: unknown; print(): void }>,
): Command {
  const cmd = readOnly(parent.command(spec.name).description(spec.description));
  if (spec.argument !== undefined) cmd.argument(spec.argument);
  for (const [flags, description] of spec.options ?? []) cmd.option(flags, description);
  return cmd.option("--format <format>", "text or json", "text").action(
    cli.run(async (...args: unknown[]) => {
      const argument = spec.argument === undefined ? "" : String(args[0]);
      const options = args[spec.argument === undefined ? 0 : 1] as Record<string, unknown> & { format: string };
      const format = parseFormat(options.format, ["text", "json"] as const);
      return withContext(cli.globals(), async (ctx) => {
        const shown = await view(ctx, argument, options);
        if (format === "json") printJson(shown.json);
        else shown.print();
        return EXIT.ok;
      });
    }),
  );
}
