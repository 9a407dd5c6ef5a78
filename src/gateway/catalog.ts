import { InventoryRepository } from "../inventory/repository.js";
import type { ModelVersion, Runtime } from "../inventory/types.js";
import { LifecycleRepository, type LifecycleState } from "../lifecycle/repository.js";
import { servable } from "../lifecycle/servable.js";
import type { Store } from "../store/store.js";

// What the gateway may dispatch to, per environment: every model version that lifecycle's rule (servable)
// lets a registered runtime serve — approved or deployed, served with exactly the approved bytes (by the
// digest discovery recorded), in an environment the version is registered for. A call is routed only to
// runtimes of its caller's environment. Anything else — drift, a revoked version, a runtime that vouches for
// nothing, another environment — is absent, so it is refused. Rebuilt from the store on a timer; lookups are
// map reads.

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

interface Routes {
  readonly byId: Map<string, ModelRoute[]>;
  readonly byName: Map<string, ModelRoute[]>;
}

const NO_ROUTES: readonly ModelRoute[] = [];

export class Catalog {
  private constructor(
    private readonly byEnvironment: ReadonlyMap<string, Routes>,
    readonly loadedAt: number,
  ) {}

  static empty(): Catalog {
    return new Catalog(new Map(), 0);
  }

  static async load(store: Store): Promise<Catalog> {
    const inventory = new InventoryRepository(store);
    const versions = await inventory.listModels();
    const lifecycle = new LifecycleRepository(store);
    const states = await lifecycle.states(versions.map((v) => v.id));
    const approved = await lifecycle.approvedEnvironments(versions.filter((v) => states.has(v.id)).map((v) => v.id));
    const runtimes = await inventory.listRuntimes();
    const served = await inventory.servedModels();
    // Candidates by the digests a runtime may vouch for; whether a candidate may be served is lifecycle's to say.
    const byDigest = new Map<string, ModelVersion[]>();
    for (const v of versions) for (const d of new Set([v.digest, ...v.files.map((f) => f.sha256)])) byDigest.set(d, [...(byDigest.get(d) ?? []), v]);
    const runtimeByName = new Map(runtimes.map((r) => [r.name, r]));
    const byEnvironment = new Map<string, Routes>();
    for (const s of served) {
      const runtime = runtimeByName.get(s.runtime);
      if (runtime === undefined || s.digest === null) continue;
      for (const version of byDigest.get(s.digest) ?? []) {
        const state = states.get(version.id)?.state ?? "registered";
        if (
          !servable({ ...version, approvedFor: approved.get(version.id) ?? [] }, state, {
            runtime: runtime.name,
            environment: runtime.environment,
            digest: s.digest,
          }).allow
        )
          continue;
        const servedContext = s.details["contextLength"];
        const contextLength = typeof servedContext === "number" && servedContext > 0 ? servedContext : version.modelCard.contextLength;
        const route: ModelRoute = { version, state, runtime, servedName: s.servedName, contextLength };
        let routes = byEnvironment.get(runtime.environment);
        if (routes === undefined) {
          routes = { byId: new Map(), byName: new Map() };
          byEnvironment.set(runtime.environment, routes);
        }
        routes.byId.set(version.id, [...(routes.byId.get(version.id) ?? []), route]);
        routes.byName.set(version.name, [...(routes.byName.get(version.name) ?? []), route]);
      }
    }
    return new Catalog(byEnvironment, Date.now());
  }

  /**
   * Routes in `environment` for what a client asked: `name@version` exactly, or a bare name meaning its
   * deployed version (else its newest approved one). Empty when nothing there may serve it.
   */
  resolve(model: string, environment: string): readonly ModelRoute[] {
    const routes = this.byEnvironment.get(environment);
    if (routes === undefined) return NO_ROUTES;
    const exact = routes.byId.get(model);
    if (exact !== undefined) return exact;
    const named = routes.byName.get(model);
    if (named === undefined) return NO_ROUTES;
    const deployed = named.filter((r) => r.state === "deployed");
    const pool = deployed.length > 0 ? deployed : named;
    const newest = pool.reduce((a, b) => (b.version.registeredAt > a.version.registeredAt ? b : a));
    return pool.filter((r) => r.version.id === newest.version.id);
  }

  /** Every model version dispatchable in `environment`, once each. */
  versions(environment: string): ModelRoute[] {
    const routes = this.byEnvironment.get(environment);
    return routes === undefined ? [] : [...routes.byId.values()].map((r) => r[0] as ModelRoute);
  }

  /** How many model versions are dispatchable, in every environment together. */
  get size(): number {
    let n = 0;
    for (const routes of this.byEnvironment.values()) n += routes.byId.size;
    return n;
  }
}
