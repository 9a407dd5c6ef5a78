import { readFileSync } from "node:fs";
import type { GuardsConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import type { GuardModelSlot } from "../guards/engine.js";
import {
  boundGuardModel,
  gptOssSafeguard,
  llamaGuard,
  ollamaRawCompletion,
  onnxClassifier,
  openAICompletion,
  teiClassifier,
  type RawCompletion,
} from "../guards/models/index.js";
import type { GuardModel } from "../guards/types.js";
import type { CallSignal, DialectResponse, OpenAIDialect, OpenAIPath } from "../runtimes/dialect.js";
import type { ModelRoute } from "./catalog.js";

// The guard models a configuration names, reached the way the gateway reaches any model: through its catalog
// (an approved version served in an environment, with its approved digest, not killed) and its runtime pool.
// A guard model is a model like the others: scanned, signed, approved, and stopped by the kill switch.

type GuardModelConfig = GuardsConfig["models"][number];

export interface GuardModelDeps {
  /** The route serving `model` in `environment` now, or why there is none (not approved, killed…). */
  route(model: string, environment: string): ModelRoute | string;
  runtimeFor(route: ModelRoute): OpenAIDialect;
  /** A path in the configuration, relative to perimeter.yaml. */
  path(p: string): string;
  readonly upstreamTimeoutMs: number;
}

export function guardModelsFromConfig(models: GuardsConfig["models"], deps: GuardModelDeps): GuardModelSlot[] {
  return models.map((m) => ({
    model: boundGuardModel(build(m, deps), { timeoutMs: m.timeoutMs, maxConcurrent: m.maxConcurrent, maxQueue: m.maxQueue }),
    directions: m.directions,
    onError: m.onError,
  }));
}

/**
 * The guard models named in another setting (evals.judges, evals.monitor.judges), from guards.models: a name
 * that is not there is a configuration error, not a judge quietly missing.
 */
export function namedGuardModels(all: GuardsConfig["models"], names: readonly string[], setting: string, deps: GuardModelDeps): GuardModel[] {
  const byName = new Map(all.map((m) => [m.name, m]));
  return names.map((name) => {
    const m = byName.get(name);
    if (m === undefined)
      throw new PerimeterError(
        "CONFIG_INVALID",
        `${setting} names the guard model "${name}", which guards.models does not define (it defines: ${[...byName.keys()].join(", ") || "none"})`,
      );
    return boundGuardModel(build(m, deps), { timeoutMs: m.timeoutMs, maxConcurrent: m.maxConcurrent, maxQueue: m.maxQueue });
  });
}

function build(m: GuardModelConfig, deps: GuardModelDeps): GuardModel {
  switch (m.kind) {
    case "llama-guard":
      return llamaGuard({
        name: m.name,
        completion: routedCompletion(m.name, m.model, m.environment, deps),
        version: m.version,
        ...(m.categories === undefined ? {} : { categories: m.categories }),
      });
    case "gpt-oss-safeguard": {
      let policy: string;
      try {
        policy = readFileSync(deps.path(m.policyFile), "utf8");
      } catch (err) {
        throw new PerimeterError("CONFIG_INVALID", `guard model "${m.name}": cannot read its policyFile ${m.policyFile}: ${(err as Error).message}`);
      }
      return gptOssSafeguard({
        name: m.name,
        client: routedDialect(m.name, m.model, m.environment, deps),
        model: m.model,
        policy,
        ...(m.reasoningEffort === undefined ? {} : { reasoningEffort: m.reasoningEffort }),
      });
    }
    case "classifier":
      return m.url !== undefined
        ? teiClassifier({ name: m.name, url: m.url, unsafeLabels: m.unsafeLabels, threshold: m.threshold, timeoutMs: m.timeoutMs })
        : onnxClassifier({ name: m.name, dir: deps.path(m.path as string), unsafeLabels: m.unsafeLabels, threshold: m.threshold });
  }
}

function routeOrThrow(guard: string, model: string, environment: string, deps: GuardModelDeps): ModelRoute {
  const r = deps.route(model, environment);
  if (typeof r === "string") throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}" cannot be reached: ${r}`);
  return r;
}

/** An OpenAI-dialect client that sends each call to wherever the catalog serves the guard model now. */
function routedDialect(guard: string, model: string, environment: string, deps: GuardModelDeps): OpenAIDialect {
  return {
    call(path: OpenAIPath, body: Record<string, unknown>, signal: CallSignal): Promise<DialectResponse> {
      const route = routeOrThrow(guard, model, environment, deps);
      return deps.runtimeFor(route).call(path, { ...body, model: route.servedName }, signal);
    },
    close: async () => undefined,
  };
}

/**
 * A raw completion for Llama Guard's own prompt: /v1/completions on OpenAI-compatible runtimes and the
 * embedded one; Ollama's /api/generate with raw: true (its /v1/completions would wrap the prompt in the
 * model's template a second time).
 */
function routedCompletion(guard: string, model: string, environment: string, deps: GuardModelDeps): RawCompletion {
  const ollama = new Map<string, RawCompletion>();
  const openai = openAICompletion(guard, routedDialect(guard, model, environment, deps), model);
  return {
    complete(prompt, options) {
      const route = routeOrThrow(guard, model, environment, deps);
      if (route.runtime.type !== "ollama") return openai.complete(prompt, options);
      const key = `${route.runtime.url}\u0000${route.servedName}`;
      let c = ollama.get(key);
      if (c === undefined) {
        c = ollamaRawCompletion(guard, { url: route.runtime.url, model: route.servedName, timeoutMs: deps.upstreamTimeoutMs });
        ollama.set(key, c);
      }
      return c.complete(prompt, options);
    },
    async close() {
      await Promise.all([...ollama.values()].map((c) => c.close?.()));
    },
  };
}
