import { readFileSync, statSync } from "node:fs";
import { dirname, parse as parsePath, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { PerimeterError } from "../errors.js";
import { configSchema, type Config } from "./schema.js";

/** How the project (the directory whose perimeter.yaml and .perimeter/ a command uses) was found. */
export type ProjectSource = "--config" | "PERIMETER_CONFIG" | "PERIMETER_HOME" | "found" | "cwd" | "none";

export interface Project {
  /** Relative paths in the config resolve against this directory. */
  readonly root: string;
  readonly source: ProjectSource;
  /** The working directory the search started from. */
  readonly cwd: string;
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from, or undefined when defaults were used. */
  readonly file: string | undefined;
  /** Relative paths in the config resolve against this directory (the project root). */
  readonly baseDir: string;
  /** Where the project is and how it was found; absent when a caller built a LoadedConfig by hand. */
  readonly project?: Project;
  /** The file's own text as parsed, before defaults: which options the file sets. */
  readonly fromFile?: unknown;
  /** Options set by environment variables, by dotted key: the variable's name. */
  readonly fromEnv?: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  /** --config; falls back to PERIMETER_CONFIG, then PERIMETER_HOME, then the nearest perimeter.yaml or .perimeter/ above the cwd. */
  readonly path?: string | undefined;
  /** Where `path` came from, for messages (default --config). */
  readonly pathSource?: "--config" | "PERIMETER_CONFIG";
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { project, file, explicit } = findProject({ ...options, env, cwd });

  let raw: unknown = {};
  if (file !== undefined) raw = readYaml(file, explicit);
  if (raw === null || raw === undefined) raw = {};

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const where = file ?? "configuration";
    const lines = parsed.error.issues.map((issue) => `  ${where}: ${keyPath(issue.path)}: ${describeIssue(issue)}`);
    throw new PerimeterError("CONFIG_INVALID", `invalid configuration:\n${lines.join("\n")}`, {
      details: { file: where, issues: parsed.error.issues.map((i) => ({ path: keyPath(i.path), message: describeIssue(i) })) },
    });
  }
  const { config, fromEnv } = applyEnv(parsed.data, env);
  return { config, file, baseDir: project.root, project, fromFile: raw, fromEnv };
}

/**
 * Find the project as git finds its repository: --config (or PERIMETER_CONFIG) names the file, and its
 * directory is the root; else PERIMETER_HOME names the root; else the nearest directory at or above the cwd
 * holding perimeter.yaml or .perimeter/ (not searching PERIMETER_CEILING_DIRECTORIES or above them); else the cwd.
 */
export function findProject(options: LoadOptions & { readonly env: NodeJS.ProcessEnv; readonly cwd: string }): {
  project: Project;
  file: string | undefined;
  explicit: boolean;
} {
  const { env, cwd } = options;
  const flag = options.path !== undefined && options.path !== "" ? options.path : undefined;
  const fromEnv = env["PERIMETER_CONFIG"];
  const path = flag ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined);
  if (path !== undefined) {
    const file = resolve(cwd, path);
    const source = flag !== undefined ? (options.pathSource ?? "--config") : "PERIMETER_CONFIG";
    return { project: { root: dirname(file), source, cwd }, file, explicit: true };
  }
  const home = env["PERIMETER_HOME"];
  if (home !== undefined && home !== "") {
    const root = resolve(cwd, home);
    if (!isDirectory(root)) {
      throw new PerimeterError(
        "CONFIG_INVALID",
        `invalid configuration:\n  PERIMETER_HOME: ${root} is not a directory (it names the project directory that holds perimeter.yaml and .perimeter/)`,
      );
    }
    return { project: { root, source: "PERIMETER_HOME", cwd }, file: fileIn(root), explicit: false };
  }
  const ceilings = new Set(
    (env["PERIMETER_CEILING_DIRECTORIES"] ?? "")
      .split(":")
      .filter((d) => d !== "")
      .map((d) => resolve(d)),
  );
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (dir !== resolve(cwd) && ceilings.has(dir)) break;
    const file = fileIn(dir);
    if (file !== undefined || isDirectory(resolve(dir, ".perimeter"))) {
      return { project: { root: dir, source: dir === resolve(cwd) ? "cwd" : "found", cwd }, file, explicit: false };
    }
    if (dir === parsePath(dir).root) break;
  }
  // No project anywhere above: the working directory becomes one if a command records something.
  return { project: { root: resolve(cwd), source: "none", cwd }, file: undefined, explicit: false };
}

function fileIn(dir: string): string | undefined {
  const candidate = resolve(dir, "perimeter.yaml");
  try {
    return statSync(candidate).isFile() ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readYaml(file: string, required: boolean): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new PerimeterError("CONFIG_UNREADABLE", `cannot read config ${file}: ${reason}${required ? " (from --config or PERIMETER_CONFIG)" : ""}`, {
      cause: err,
    });
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new PerimeterError("CONFIG_UNREADABLE", `cannot parse config ${file}: ${first?.message ?? "invalid YAML"}`);
  }
  return doc.toJS();
}

/** Connection URLs hold passwords: they may come from the environment (a Kubernetes Secret) instead of the file. */
function applyEnv(config: Config, env: NodeJS.ProcessEnv): { config: Config; fromEnv: Record<string, string> } {
  const fromEnv: Record<string, string> = {};
  let out = config;
  const url = env["PERIMETER_DATABASE_URL"];
  if (url !== undefined && url !== "") {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new PerimeterError("CONFIG_INVALID", `invalid configuration:\n  PERIMETER_DATABASE_URL: expected a postgres:// or postgresql:// URL`);
    }
    out = { ...out, store: { ...out.store, url } };
    fromEnv["store.url"] = "PERIMETER_DATABASE_URL";
  }
  const redisUrl = env["PERIMETER_REDIS_URL"];
  if (redisUrl !== undefined && redisUrl !== "") {
    if (!/^rediss?:\/\//.test(redisUrl)) {
      throw new PerimeterError("CONFIG_INVALID", `invalid configuration:\n  PERIMETER_REDIS_URL: expected a redis:// or rediss:// URL`);
    }
    out = { ...out, gateway: { ...out.gateway, redisUrl } };
    fromEnv["gateway.redisUrl"] = "PERIMETER_REDIS_URL";
  }
  return { config: out, fromEnv };
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return issue.message;
}

/** Resolve a path from the config against its base directory. */
export function configPath(loaded: LoadedConfig, path: string): string {
  return resolve(loaded.baseDir, path);
}
