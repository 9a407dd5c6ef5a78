import { InventoryRepository } from "../inventory/repository.js";
import type { ModelVersion, Runtime } from "../inventory/types.js";
import { LifecycleRepository, type LifecycleState } from "../lifecycle/repository.js";
import type { Store } from "../store/store.js";

// What the gateway may dispatch to: every approved (or deployed) model version that a registered runtime
// serves with exactly the approved bytes (by the digest discovery recorded) in an environment the version is
// registered for. Anything else — drift, a revoked version, a runtime that vouches for nothing — is absent,
// so it is refused. Rebuilt from the store on a timer; lookups are map reads.

export interface ModelRoute {
  readonly version: ModelVersion;
  readonly state: LifecycleState;
  readonly runtime: Runtime;
  /** The name the runtime serves it under. */
  readonly servedName: string;
  /**
   * The context window the runtime serves it with (vLLM's max_model_len, Ollama's context_length, the
   * embedded runtime's context), else the model's own; undefined when neither is known.
   */
  readonly contextLength: number | undefined;
}

export class Catalog {
  private constructor(
    private readonly byId: ReadonlyMap<string, readonly ModelRoute[]>,
    private readonly byName: ReadonlyMap<string, readonly ModelRoute[]>,
    readonly loadedAt: number,
  ) {}

  static empty(): Catalog {
    return new Catalog(new Map(), new Map(), 0);
  }

  static async load(store: Store): Promise<Catalog> {
    const inventory = new InventoryRepository(store);
    const versions = await inventory.listModels();
    const states = await new LifecycleRepository(store).states(versions.map((v) => v.id));
    const runtimes = await inventory.listRuntimes();
    const served = await inventory.servedModels();
    const byDigest = new Map<string, ModelVersion[]>();
    for (const v of versions) {
      const state = states.get(v.id)?.state ?? "registered";
      if (state !== "approved" && state !== "deployed") continue;
      for (const d of new Set([v.digest, ...v.files.map((f) => f.sha256)])) byDigest.set(d, [...(byDigest.get(d) ?? []), v]);
    }
    const runtimeByName = new Map(runtimes.map((r) => [r.name, r]));
    const byId = new Map<string, ModelRoute[]>();
    const byName = new Map<string, ModelRoute[]>();
    for (const s of served) {
      const runtime = runtimeByName.get(s.runtime);
      if (runtime === undefined || s.digest === null) continue;
      for (const version of byDigest.get(s.digest) ?? []) {
        if (!version.environments.includes(runtime.environment)) continue;
        const servedContext = s.details["contextLength"];
        const contextLength = typeof servedContext === "number" && servedContext > 0 ? servedContext : version.modelCard.contextLength;
        const route: ModelRoute = { version, state: states.get(version.id)?.state ?? "registered", runtime, servedName: s.servedName, contextLength };
        byId.set(version.id, [...(byId.get(version.id) ?? []), route]);
        byName.set(version.name, [...(byName.get(version.name) ?? []), route]);
      }
    }
    return new Catalog(byId, byName, Date.now());
  }

  /**
   * Routes for what a client asked: `name@version` exactly, or a bare name meaning its deployed version
   * (else its newest approved one). Empty when nothing may serve it.
   */
  resolve(model: string): readonly ModelRoute[] {
    const exact = this.byId.get(model);
    if (exact !== undefined) return exact;
    const named = this.byName.get(model);
    if (named === undefined) return [];
    const deployed = named.filter((r) => r.state === "deployed");
    const pool = deployed.length > 0 ? deployed : named;
    const newest = pool.reduce((a, b) => (b.version.registeredAt > a.version.registeredAt ? b : a));
    return pool.filter((r) => r.version.id === newest.version.id);
  }

  /** Every dispatchable model version, once each. */
  versions(): ModelRoute[] {
    return [...this.byId.values()].map((routes) => routes[0] as ModelRoute);
  }
}
