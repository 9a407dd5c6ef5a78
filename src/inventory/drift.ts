import { basename } from "node:path";
import type { InventoryDeps } from "./models.js";
import { InventoryRepository } from "./repository.js";
import { discover } from "./runtimes.js";
import type { ModelVersion, Runtime, ServedModel } from "./types.js";

// Drift: what runtimes serve against what the inventory says they may. Fail closed: a runtime that cannot be
// asked, or a model whose bytes the runtime will not vouch for, is drift until someone shows otherwise.

export type DriftKind =
  /** Served, and no inventory row has its digest or its name. */
  | "unregistered"
  /** Served under a registered name, with bytes no registered version has. */
  | "digest-mismatch"
  /** The bytes are registered, but not for the runtime's environment. */
  | "environment"
  /** Matched by name only: the runtime reports no digest (OpenAI-compatible servers). */
  | "unverified"
  /** An adapter applied on top of a served model is not in the inventory. */
  | "unregistered-adapter"
  /** The runtime did not answer: what it serves is unknown. */
  | "unreachable"
  /** Drift was asked from the stored snapshot and this runtime was never discovered. */
  | "never-discovered";

export type DriftSeverity = "critical" | "high" | "medium";

export interface DriftFinding {
  readonly kind: DriftKind;
  readonly severity: DriftSeverity;
  readonly runtime: string;
  readonly environment: string;
  readonly servedName: string | null;
  readonly digest: string | null;
  /** Inventory versions the served model was matched to (by digest, or by name for unverified and mismatch). */
  readonly modelVersions: readonly string[];
  readonly message: string;
}

export interface ServedStatus {
  readonly runtime: string;
  readonly servedName: string;
  readonly digest: string | null;
  /** Versions whose bytes it serves (by digest). */
  readonly modelVersions: readonly string[];
  readonly status: "ok" | DriftKind;
}

export interface DriftReport {
  readonly checkedAt: string;
  /** True when the snapshot was taken just now; false when read from the last discovery. */
  readonly live: boolean;
  readonly runtimes: ReadonlyArray<{
    readonly name: string;
    readonly type: string;
    readonly environment: string;
    readonly discoveredAt: string | null;
    readonly served: number;
    readonly reachable: boolean;
  }>;
  readonly served: readonly ServedStatus[];
  readonly findings: readonly DriftFinding[];
  readonly drift: boolean;
}

const SEVERITY: Readonly<Record<DriftKind, DriftSeverity>> = {
  unregistered: "high",
  "digest-mismatch": "critical",
  environment: "medium",
  unverified: "medium",
  "unregistered-adapter": "high",
  unreachable: "high",
  "never-discovered": "high",
};

export interface DriftOptions {
  /** Ask every runtime now (default), or judge the last recorded discovery. */
  readonly live: boolean;
  readonly timeoutMs: number;
  readonly actor: string;
}

export async function checkDrift(deps: InventoryDeps, options: DriftOptions): Promise<DriftReport> {
  const repo = new InventoryRepository(deps.store);
  const findings: DriftFinding[] = [];
  const runtimes: Array<DriftReport["runtimes"][number]> = [];
  const servedByRuntime = new Map<string, ServedModel[]>();
  if (options.live) {
    for (const outcome of await discover({ ...deps, timeoutMs: options.timeoutMs }, [], options.actor)) {
      const r = outcome.runtime;
      if (!outcome.ok) {
        runtimes.push({ name: r.name, type: r.type, environment: r.environment, discoveredAt: r.discoveredAt, served: 0, reachable: false });
        findings.push(finding("unreachable", r, null, null, [], `${outcome.error.message}: what it serves cannot be checked`));
        continue;
      }
      runtimes.push({ name: r.name, type: r.type, environment: r.environment, discoveredAt: outcome.at, served: outcome.served.length, reachable: true });
      servedByRuntime.set(
        r.name,
        outcome.served.map((m) => ({ ...m, runtime: r.name, discoveredAt: outcome.at })),
      );
    }
  } else {
    for (const r of await repo.listRuntimes()) {
      const served = await repo.servedModels(r.name);
      runtimes.push({
        name: r.name,
        type: r.type,
        environment: r.environment,
        discoveredAt: r.discoveredAt,
        served: served.length,
        reachable: r.discoveredAt !== null,
      });
      if (r.discoveredAt === null)
        findings.push(
          finding("never-discovered", r, null, null, [], `runtime "${r.name}" has never been discovered: run perimeter runtime discover ${r.name}`),
        );
      else servedByRuntime.set(r.name, served);
    }
  }

  const models = await repo.listModels();
  const index = indexModels(models);
  const statuses: ServedStatus[] = [];
  const runtimeByName = new Map((await repo.listRuntimes()).map((r) => [r.name, r]));
  for (const [name, served] of servedByRuntime) {
    const runtime = runtimeByName.get(name);
    if (runtime === undefined) continue; // removed while we were asking
    for (const m of served) {
      const judged = judge(runtime, m, index);
      findings.push(...judged.findings);
      statuses.push({ runtime: name, servedName: m.servedName, digest: m.digest, modelVersions: judged.matched, status: judged.findings[0]?.kind ?? "ok" });
    }
  }
  const report: DriftReport = {
    checkedAt: new Date().toISOString(),
    live: options.live,
    runtimes,
    served: statuses,
    findings,
    drift: findings.length > 0,
  };
  await deps.audit().append({
    actor: options.actor,
    action: "drift.check",
    resource: "inventory",
    decision: report.drift ? "deny" : "allow",
    reason: report.drift ? `${findings.length} drift finding(s)` : "",
    details: {
      live: options.live,
      runtimes: runtimes.length,
      served: statuses.length,
      findings: findings.slice(0, 50).map((f) => ({ kind: f.kind, runtime: f.runtime, served: f.servedName, digest: f.digest })),
    },
  });
  return report;
}

interface ModelIndex {
  readonly byDigest: ReadonlyMap<string, readonly ModelVersion[]>;
  readonly byName: ReadonlyMap<string, readonly ModelVersion[]>;
}

function indexModels(models: readonly ModelVersion[]): ModelIndex {
  const byDigest = new Map<string, ModelVersion[]>();
  const byName = new Map<string, ModelVersion[]>();
  const add = (map: Map<string, ModelVersion[]>, key: string, m: ModelVersion) => {
    const list = map.get(key) ?? [];
    if (!list.includes(m)) list.push(m);
    map.set(key, list);
  };
  for (const m of models) {
    add(byDigest, m.digest, m);
    for (const f of m.files) add(byDigest, f.sha256, m);
    // The names clients call a model by: name@version, Ollama's name:tag, the bare name, and its last segment.
    for (const key of [m.id, `${m.name}:${m.version}`, m.name, m.name.split("/").pop() ?? m.name]) add(byName, key.toLowerCase(), m);
  }
  return { byDigest, byName };
}

/** Whether a runtime's served name refers to this version by name ("llama", "llama:1", "llama@1", "org/llama", "llama.gguf"). */
export function servedNameRefersTo(servedName: string, version: ModelVersion): boolean {
  return byServedName(servedName, indexModels([version])).length > 0;
}

/** Registered versions a served name refers to. */
function byServedName(servedName: string, index: ModelIndex): ModelVersion[] {
  const n = servedName.toLowerCase();
  const exact = index.byName.get(n);
  // "name:version" is an exact reference; "name" and "name:latest" mean any version of the name.
  if (exact !== undefined && (n.includes("@") || (n.includes(":") && !n.endsWith(":latest")))) return [...exact];
  const keys = new Set([n, n.replace(/:latest$/, ""), n.split(":")[0] ?? n, basename(n).replace(/\.gguf$/, "")]);
  const found = new Set<ModelVersion>();
  for (const k of keys) for (const m of index.byName.get(k) ?? []) found.add(m);
  return [...found];
}

function judge(runtime: Runtime, served: ServedModel, index: ModelIndex): { matched: string[]; findings: DriftFinding[] } {
  const findings: DriftFinding[] = [];
  const ids = (ms: readonly ModelVersion[]) => ms.map((m) => m.id).sort();
  let matched: string[] = [];
  if (served.digest === null) {
    const named = byServedName(served.servedName, index);
    if (named.length === 0) {
      findings.push(finding("unregistered", runtime, served, null, [], `"${served.servedName}" is served by ${runtime.name} and is not in the inventory`));
    } else {
      findings.push(
        finding(
          "unverified",
          runtime,
          served,
          null,
          ids(named),
          `"${served.servedName}" on ${runtime.name} matches ${ids(named).join(", ")} by name only: a ${runtime.type} runtime does not report the digest of what it loaded, so the bytes are unverified`,
        ),
      );
    }
  } else {
    const byDigest = index.byDigest.get(served.digest) ?? [];
    if (byDigest.length > 0) {
      matched = ids(byDigest);
      // Judged per version: the same bytes may be registered twice, and a version not registered for this
      // runtime's environment is refused there even when another version with its bytes is not.
      const elsewhere = byDigest.filter((m) => !m.environments.includes(runtime.environment));
      if (elsewhere.length > 0)
        findings.push(finding("environment", runtime, served, served.digest, ids(elsewhere), environmentMessage(runtime, served, elsewhere)));
    } else {
      const named = byServedName(served.servedName, index);
      if (named.length > 0) {
        findings.push(
          finding(
            "digest-mismatch",
            runtime,
            served,
            served.digest,
            ids(named),
            `"${served.servedName}" on ${runtime.name} serves sha256 ${served.digest}, which is not the digest of ${ids(named).join(", ")}: the weights changed or were replaced`,
          ),
        );
      } else {
        findings.push(
          finding(
            "unregistered",
            runtime,
            served,
            served.digest,
            [],
            `"${served.servedName}" (sha256 ${served.digest}) is served by ${runtime.name} and is not in the inventory`,
          ),
        );
      }
    }
  }
  for (const adapter of served.adapterDigests) {
    if ((index.byDigest.get(adapter) ?? []).length === 0) {
      findings.push(
        finding(
          "unregistered-adapter",
          runtime,
          served,
          adapter,
          [],
          `"${served.servedName}" on ${runtime.name} applies adapter sha256 ${adapter}, which is not in the inventory`,
        ),
      );
    }
  }
  return { matched, findings };
}

function environmentMessage(runtime: Runtime, served: ServedModel, versions: readonly ModelVersion[]): string {
  const env = runtime.environment;
  const registered = [...new Set(versions.flatMap((m) => m.environments))].sort();
  const which = versions
    .map((m) => m.id)
    .sort()
    .join(", ");
  const first = versions[0];
  return (
    `"${served.servedName}" on ${runtime.name} is ${which}, registered for ${registered.join(", ") || "no environment"}, not for ${env}: ` +
    `the gateway will not serve ${versions.length === 1 ? "it" : "them"} from this runtime. Serve ${versions.length === 1 ? "it" : "them"} from a runtime in ${registered.join(" or ") || "the right environment"} ` +
    `(perimeter runtime add NAME --environment ${registered[0] ?? "ENV"} ...), or register the files as a version for ${env} ` +
    `(perimeter model add PATH --name ${first?.name ?? "NAME"} --version NEW --environment ${env})`
  );
}

function finding(
  kind: DriftKind,
  runtime: Runtime,
  served: ServedModel | null,
  digest: string | null,
  modelVersions: readonly string[],
  message: string,
): DriftFinding {
  return {
    kind,
    severity: SEVERITY[kind],
    runtime: runtime.name,
    environment: runtime.environment,
    servedName: served?.servedName ?? null,
    digest,
    modelVersions,
    message,
  };
}
