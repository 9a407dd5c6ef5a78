import { userInfo } from "node:os";
import { openAuditLog, type AuditLog } from "../audit/index.js";
import { configPath, loadConfig, type LoadedConfig } from "../config/load.js";
import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { openStore, type Store } from "../store/store.js";
import { parseFormat, printJson } from "./plain.js";

export { collect, parseFormat, printJson } from "./plain.js";

export type OutputFormat = "text" | "json";

export interface GlobalOptions {
  readonly config?: string;
}

/** What every command group gets: the global options, and a wrapper that records an action's exit code. */
export interface Cli {
  globals(): GlobalOptions;
  run<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void>;
}

export interface Context {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  /** Opened on first use, so read-only commands never create a signing key. */
  audit(): AuditLog;
}

export async function openStoreFor(loaded: LoadedConfig): Promise<Store> {
  const store = loaded.config.store;
  return openStore({
    url: store.url,
    sqlitePath: configPath(loaded, store.sqlitePath),
    schema: store.schema,
    poolSize: store.poolSize,
  });
}

/**
 * Load config, open the store, run the command, and always close what was opened. A `server` commits its
 * audit events on a writer thread (see openAuditLog), so no commit stalls the requests it answers.
 */
export async function withContext<T>(globals: GlobalOptions, fn: (ctx: Context) => Promise<T>, options: { server?: boolean } = {}): Promise<T> {
  const loaded = loadConfig({ path: globals.config });
  const store = await openStoreFor(loaded);
  let audit: AuditLog | undefined;
  try {
    return await fn({
      loaded,
      store,
      audit: () => (audit ??= openAuditLog(loaded, store, { thread: options.server === true })),
    });
  } finally {
    await audit?.close();
    await store.close();
  }
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
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
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
  spec: { readonly name: string; readonly description: string; readonly argument?: string },
  view: (ctx: Context, argument: string, options: Record<string, unknown>) => Promise<{ readonly json: unknown; print(): void }>,
): Command {
  const cmd = parent.command(spec.name).description(spec.description);
  if (spec.argument !== undefined) cmd.argument(spec.argument);
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
