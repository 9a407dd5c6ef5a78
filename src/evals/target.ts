import { PerimeterError } from "../errors.js";
import type { ModelRoute } from "../gateway/catalog.js";
import { InventoryRepository } from "../inventory/repository.js";
import type { ModelVersion } from "../inventory/types.js";
import { KillSet, listKills } from "../killswitch/index.js";
import { LifecycleRepository } from "../lifecycle/repository.js";
import type { Store } from "../store/store.js";

// Where a version is evaluated: a runtime the inventory saw serving exactly its bytes (the digest discovery
// recorded), whatever its lifecycle state — a version is evaluated before it may be approved, so the
// gateway's catalog (approved versions only) cannot be asked. A runtime serving other bytes under the same
// name would evaluate another model, and a killed version or runtime is not called at all.

export async function evaluationRoute(store: Store, version: ModelVersion): Promise<ModelRoute> {
  const inventory = new InventoryRepository(store);
  const [served, runtimes, kills, state] = await Promise.all([
    inventory.servedModels(),
    inventory.listRuntimes(),
    listKills(store),
    new LifecycleRepository(store).state(version.id),
  ]);
  const digests = new Set([version.digest, ...(version.files.length === 1 ? [version.files[0]?.sha256] : [])]);
  const runtimeByName = new Map(runtimes.map((r) => [r.name, r]));
  const killSet = KillSet.of(kills);
  const candidates: ModelRoute[] = [];
  let killed: string | null = null;
  for (const s of served) {
    const runtime = runtimeByName.get(s.runtime);
    if (runtime === undefined || s.digest === null || !digests.has(s.digest)) continue;
    const why = killSet.covers("", version.id, runtime.name);
    if (why !== null) {
      killed ??= why;
      continue;
    }
    const servedContext = s.details["contextLength"];
    candidates.push({
      version,
      state: state?.state ?? "registered",
      runtime,
      servedName: s.servedName,
      contextLength: typeof servedContext === "number" && servedContext > 0 ? servedContext : version.modelCard.contextLength,
    });
  }
  if (candidates.length === 0) {
    if (killed !== null) throw new PerimeterError("KILLED", `${version.id} cannot be evaluated: ${killed}`);
    throw new PerimeterError(
      "EVAL_NOT_SERVED",
      `no runtime serves the bytes of ${version.id} (digest ${version.digest.slice(0, 12)}…): load it into a runtime and run perimeter runtime discover, then evaluate it`,
    );
  }
  // A runtime of an environment the version is registered for first: that is where it will be served.
  const home = candidates.find((c) => version.environments.includes(c.runtime.environment));
  return home ?? (candidates[0] as ModelRoute);
}
