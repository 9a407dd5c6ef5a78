import { statSync, type Stats } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PerimeterError, asPerimeterError } from "../errors.js";
import { discoverRuntime, discoverVersion } from "../runtimes/discovery.js";
import { ENVIRONMENT, type InventoryDeps } from "./models.js";
import { InventoryRepository, runtimeNotFound } from "./repository.js";
import { RUNTIME_TYPES, type DiscoveredModel, type Runtime, type RuntimeType, type ServedModel } from "./types.js";

// Runtimes: registration, and discovery of what each one serves right now. A discovery that fails records
// nothing: the last good snapshot stays, and the failure is an audit event naming the runtime.

const RUNTIME_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface AddRuntimeInput {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly environment: string;
  readonly apiKeyEnv?: string | undefined;
  readonly actor: string;
}

export async function addRuntime(deps: InventoryDeps, input: AddRuntimeInput): Promise<Runtime> {
  if (!RUNTIME_NAME.test(input.name)) throw new PerimeterError("USAGE", `a runtime name is letters, digits, ".", "_" and "-" (up to 63), not "${input.name}"`);
  if (!(RUNTIME_TYPES as readonly string[]).includes(input.type)) {
    throw new PerimeterError(
      "USAGE",
      `--type must be one of ${RUNTIME_TYPES.join(", ")} (openai covers vLLM, SGLang and llama.cpp server), not "${input.type}"`,
    );
  }
  const type = input.type as RuntimeType;
  if (!ENVIRONMENT.test(input.environment))
    throw new PerimeterError("USAGE", `--environment must be a lower-case name such as prod, not "${input.environment}"`);
  if (input.apiKeyEnv !== undefined && !ENV_VAR.test(input.apiKeyEnv)) {
    throw new PerimeterError("USAGE", `--api-key-env names an environment variable (e.g. VLLM_API_KEY), not "${input.apiKeyEnv}"`);
  }
  const runtime: Runtime = {
    name: input.name,
    type,
    url: normalizeUrl(type, input.url),
    environment: input.environment,
    apiKeyEnv: input.apiKeyEnv ?? null,
    registeredAt: new Date().toISOString(),
    registeredBy: input.actor,
    discoveredAt: null,
    version: null,
  };
  await new InventoryRepository(deps.store).insertRuntime(runtime);
  await deps.audit().append({
    actor: input.actor,
    action: "runtime.register",
    resource: `runtime:${runtime.name}`,
    decision: "allow",
    details: { type, url: runtime.url, environment: runtime.environment, apiKeyEnv: runtime.apiKeyEnv },
  });
  return runtime;
}

/** http(s) URLs without credentials for servers; an absolute directory for the embedded runtime. */
function normalizeUrl(type: RuntimeType, url: string): string {
  if (type === "embedded") {
    if (url.startsWith("file:")) {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch {
        throw new PerimeterError("USAGE", `--url for the embedded runtime is a directory or a file:// URL, not "${url}"`);
      }
      return embeddedDirectory(url, path);
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new PerimeterError("USAGE", `--url for the embedded runtime is a directory of GGUF files, not "${url}"`);
    return embeddedDirectory(url, isAbsolute(url) ? url : resolve(url));
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PerimeterError("USAGE", `--url must be an http:// or https:// URL, not "${url}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new PerimeterError("USAGE", `--url must be an http:// or https:// URL, not "${url}"`);
  // A key in the URL would be stored and printed: it belongs in --api-key-env.
  if (parsed.username !== "" || parsed.password !== "")
    throw new PerimeterError("USAGE", "--url must not carry credentials: put the key in an environment variable and pass --api-key-env");
  return parsed.toString().replace(/\/+$/, "");
}

/**
 * A relative path is taken from where the command runs, as a shell would, and stored absolute so that every
 * later discovery and the gateway find the same directory wherever they run from.
 */
function embeddedDirectory(given: string, path: string): string {
  const shown = given === path ? path : `${given} (${path})`;
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new PerimeterError(
      "USAGE",
      `--url ${shown} does not exist: the embedded runtime serves a directory of GGUF files (or of per-model directories holding them); create it or give its path`,
    );
  }
  if (stat.isFile())
    throw new PerimeterError(
      "USAGE",
      `--url ${shown} is a file: give the directory that holds it (the embedded runtime serves every GGUF file in a directory and its per-model subdirectories)`,
    );
  if (!stat.isDirectory()) throw new PerimeterError("USAGE", `--url ${shown} is not a directory`);
  return path;
}

export async function listRuntimes(deps: Pick<InventoryDeps, "store">): Promise<Runtime[]> {
  return new InventoryRepository(deps.store).listRuntimes();
}

export async function getRuntime(deps: Pick<InventoryDeps, "store">, name: string): Promise<{ runtime: Runtime; served: ServedModel[] }> {
  const repo = new InventoryRepository(deps.store);
  const runtime = await repo.getRuntime(name);
  if (runtime === undefined) throw runtimeNotFound(name);
  return { runtime, served: await repo.servedModels(name) };
}

export async function removeRuntime(deps: InventoryDeps, name: string, actor: string): Promise<void> {
  const { runtime } = await getRuntime(deps, name);
  await new InventoryRepository(deps.store).removeRuntime(name);
  await deps.audit().append({
    actor,
    action: "runtime.remove",
    resource: `runtime:${name}`,
    decision: "allow",
    details: { type: runtime.type, url: runtime.url, environment: runtime.environment },
  });
}

export type DiscoveryOutcome =
  | { readonly runtime: Runtime; readonly ok: true; readonly served: readonly DiscoveredModel[]; readonly at: string }
  | { readonly runtime: Runtime; readonly ok: false; readonly error: PerimeterError };

/** Ask each named runtime (all when none is named) what it serves, and record each answer in full. */
export async function discover(deps: InventoryDeps & { readonly timeoutMs: number }, names: readonly string[], actor: string): Promise<DiscoveryOutcome[]> {
  const repo = new InventoryRepository(deps.store);
  const runtimes: Runtime[] = [];
  if (names.length === 0) runtimes.push(...(await repo.listRuntimes()));
  for (const name of names) {
    const r = await repo.getRuntime(name);
    if (r === undefined) throw runtimeNotFound(name);
    runtimes.push(r);
  }
  return Promise.all(runtimes.map((runtime) => discoverOne(deps, repo, runtime, actor)));
}

async function discoverOne(
  deps: InventoryDeps & { readonly timeoutMs: number },
  repo: InventoryRepository,
  runtime: Runtime,
  actor: string,
): Promise<DiscoveryOutcome> {
  let served: DiscoveredModel[];
  try {
    // A missing key is this runtime's failure, recorded like any other; the others are still asked.
    served = await discoverRuntime({ name: runtime.name, type: runtime.type, url: runtime.url, apiKey: apiKeyOf(runtime) }, { timeoutMs: deps.timeoutMs });
  } catch (err) {
    const error = asPerimeterError(err);
    await deps.audit().append({
      actor,
      action: "runtime.discover",
      resource: `runtime:${runtime.name}`,
      decision: "error",
      reason: error.message,
      details: { code: error.code, url: runtime.url },
    });
    return { runtime, ok: false, error };
  }
  if (served.some((m) => m.digest === null)) {
    // What the runtime cannot vouch for, an admission may have proved: the files it was started with.
    const attested = await repo.attestations(runtime.name);
    served = served.map((m) => {
      const digest = m.digest ?? attested.get(m.servedName);
      return digest === undefined ? m : { ...m, digest, digestSource: "admission" as const };
    });
  }
  const version = await discoverVersion({ name: runtime.name, type: runtime.type, url: runtime.url, apiKey: apiKeyOf(runtime) }, { timeoutMs: deps.timeoutMs });
  const at = new Date().toISOString();
  await repo.recordDiscovery(runtime.name, served, at, version);
  await deps.audit().append({
    actor,
    action: "runtime.discover",
    resource: `runtime:${runtime.name}`,
    decision: "info",
    details: {
      served: served.length,
      version: version.version,
      versionKind: version.kind,
      models: served.slice(0, 100).map((m) => ({ name: m.servedName, digest: m.digest })),
    },
  });
  return { runtime, ok: true, served, at };
}

function apiKeyOf(runtime: Runtime): string | undefined {
  if (runtime.apiKeyEnv === null) return undefined;
  const key = process.env[runtime.apiKeyEnv];
  if (key === undefined || key === "") {
    throw new PerimeterError("CONFIG_INVALID", `runtime "${runtime.name}" takes its API key from $${runtime.apiKeyEnv}, which is not set`);
  }
  return key;
}
