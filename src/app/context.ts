import { dirname, relative, resolve } from "node:path";
import { openAuditLog, type AuditLog } from "../audit/index.js";
import { configPath, loadConfig, type LoadedConfig } from "../config/load.js";
import { PerimeterError } from "../errors.js";
import { openStore, type Store } from "../store/store.js";

// The composition root: the one place that assembles the configuration, the store and the audit log for a
// command or a server. Everything else is handed a Context and never opens these parts itself.

export interface Context {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  /** Opened on first use, so read-only commands never create a signing key. */
  audit(): AuditLog;
}

export interface ContextOptions {
  /** The config file named on the command line (--config) or by PERIMETER_CONFIG. */
  readonly config?: string | undefined;
  readonly configSource?: "--config" | "PERIMETER_CONFIG" | undefined;
  /** A read-only command: the store must exist; none is created. */
  readonly readOnly?: boolean | undefined;
  /** A server: audit events are committed on a writer thread (see openAuditLog), so no commit stalls the requests it answers. */
  readonly server?: boolean | undefined;
  /** Told which store is used when it is not the one in the working directory (the CLI prints it on stderr). */
  readonly notice?: ((message: string) => void) | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly cwd?: string | undefined;
}

export async function openStoreFor(loaded: LoadedConfig, options: { readonly mustExist?: boolean } = {}): Promise<Store> {
  const store = loaded.config.store;
  return openStore({
    url: store.url,
    sqlitePath: configPath(loaded, store.sqlitePath),
    schema: store.schema,
    poolSize: store.poolSize,
    mustExist: options.mustExist === true,
  });
}

/** Load config, open the store, run `fn`, and always close what was opened. */
export async function withContext<T>(options: ContextOptions, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const loaded = loadConfig({ path: options.config, pathSource: options.configSource, env: options.env, cwd: options.cwd });
  let store: Store;
  try {
    store = await openStoreFor(loaded, { mustExist: options.readOnly === true });
  } catch (err) {
    if (err instanceof PerimeterError && err.code === "STORE_NOT_FOUND") throw storeNotFound(loaded, sqliteLocation(loaded), err);
    throw err;
  }
  const notice = whichStore(loaded, store);
  if (notice !== undefined) options.notice?.(notice);
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

function sqliteLocation(loaded: LoadedConfig): string {
  return loaded.config.store.url === undefined ? configPath(loaded, loaded.config.store.sqlitePath) : "";
}

/** How the project was found, as a person would say it. */
export function projectOrigin(loaded: LoadedConfig): string {
  const project = loaded.project;
  if (project === undefined) return loaded.file === undefined ? "defaults" : `from ${loaded.file}`;
  switch (project.source) {
    case "--config":
      return `from --config ${loaded.file ?? project.root}`;
    case "PERIMETER_CONFIG":
      return `from PERIMETER_CONFIG=${loaded.file ?? project.root}`;
    case "PERIMETER_HOME":
      return `from PERIMETER_HOME=${project.root}`;
    case "found":
      return `found from ${project.cwd}`;
    case "cwd":
      return "in the working directory";
    case "none":
      return "none found: the working directory";
  }
}

/** One line naming the store, when it is not the one a person would assume: the working directory's. */
export function whichStore(loaded: LoadedConfig, store: Pick<Store, "dialect" | "location">): string | undefined {
  const project = loaded.project;
  if (project === undefined || resolve(project.root) === resolve(project.cwd)) return undefined;
  const where = store.dialect === "sqlite" ? `in ${dirname(store.location)}` : `at ${store.location}`;
  return `using the store ${where} (${projectOrigin(loaded)})`;
}

function storeNotFound(loaded: LoadedConfig, location: string, cause: PerimeterError): PerimeterError {
  const project = loaded.project;
  const create = "create it with `perimeter up`, or with a command that records something (e.g. `perimeter model add`), in the project directory";
  let message: string;
  if (project !== undefined && project.source === "none" && location !== "") {
    const from = project.cwd;
    const rel = relative(from, location) || location;
    message =
      `no Perimeter store here: looked for perimeter.yaml or .perimeter/ in ${from} and every directory above it, and PERIMETER_HOME is not set (this command only reads, so it created no ${rel}). ` +
      `Run it in a project directory or below one, point at one with --config FILE or PERIMETER_HOME=DIR, or ${create}.`;
  } else {
    const what = location !== "" ? location : ((cause.details?.["location"] as string | undefined) ?? "the configured database");
    const origin = project?.source === "none" ? "no project found at or above the working directory" : `project ${projectOrigin(loaded)}`;
    message = `no Perimeter store at ${what} (${origin}); this command only reads, so it created none: ${create}.`;
  }
  return new PerimeterError("STORE_NOT_FOUND", message, { cause, details: { location: location !== "" ? location : cause.details?.["location"] } });
}
