import type { IncomingMessage } from "node:http";
import { z } from "zod";
import type { AuditEventInput } from "../audit/index.js";
import type { Route, RouteResponse } from "../http/server.js";
import type { Principal } from "../identity/types.js";
import type { ModelRoute } from "./catalog.js";
import type { Api } from "./dialects.js";
import { isRefusal, refusal, type Refusal } from "./pipeline.js";
import { errorResponse } from "./refusals.js";

// Listing: OpenAI's GET /v1/models, Ollama's GET /api/tags and POST /api/show. A caller sees what it could
// call: versions served in its environment, not killed, that the policies let it list. Each call is audited
// (gateway.list, gateway.show); refusals of callers without credentials are counted per source like calls'.

/** What listing reads of the gateway. */
export interface ListingSource {
  authenticate(req: IncomingMessage): Promise<Principal | Refusal>;
  visibleTo(principal: Principal, path: string): ModelRoute[];
  refusedAnonymous(req: IncomingMessage, path: string, r: Refusal): void;
  record(event: AuditEventInput): void;
}

const showBody = z.union([z.object({ model: z.string().min(1).max(512) }), z.object({ name: z.string().min(1).max(512) })]);

export function listingRoutes(g: ListingSource): Route[] {
  const authenticated = async (req: IncomingMessage, path: string, api: Api): Promise<Principal | RouteResponse> => {
    const p = await g.authenticate(req);
    if (!isRefusal(p)) return p;
    g.refusedAnonymous(req, path, p);
    return errorResponse(api, p.code, p.reason);
  };
  const listed = (principal: Principal, path: string, visible: readonly ModelRoute[]) =>
    g.record({
      actor: `identity:${principal.id}`,
      action: "gateway.list",
      resource: "gateway",
      decision: "allow",
      details: { models: visible.length, route: path },
    });

  return [
    {
      method: "GET",
      path: "/v1/models",
      handle: async (req) => {
        const principal = await authenticated(req, "/v1/models", "openai");
        if (!isPrincipal(principal)) return principal;
        const visible = g.visibleTo(principal, "/v1/models");
        listed(principal, "/v1/models", visible);
        return {
          status: 200,
          json: {
            object: "list",
            data: visible.map((r) => ({
              id: r.version.id,
              object: "model",
              created: Math.floor(Date.parse(r.version.registeredAt) / 1000),
              owned_by: r.version.owner ?? "perimeter",
            })),
          },
        };
      },
    },
    {
      method: "GET",
      path: "/api/tags",
      handle: async (req) => {
        const principal = await authenticated(req, "/api/tags", "ollama");
        if (!isPrincipal(principal)) return principal;
        const visible = g.visibleTo(principal, "/api/tags");
        listed(principal, "/api/tags", visible);
        return { status: 200, json: { models: visible.map(ollamaTag) } };
      },
    },
    {
      method: "POST",
      path: "/api/show",
      handle: async (req, raw) => {
        const principal = await authenticated(req, "/api/show", "ollama");
        if (!isPrincipal(principal)) return principal;
        let body: unknown;
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          body = undefined;
        }
        const checked = showBody.safeParse(body);
        if (!checked.success) return errorResponse("ollama", "USAGE", 'the body must be {"model": "<name>"}');
        const name = "model" in checked.data ? checked.data.model : checked.data.name;
        const r = g.visibleTo(principal, "/api/show").find((v) => v.version.id === name || v.version.name === name);
        if (r === undefined) {
          const refused = refusal("MODEL_NOT_AVAILABLE", `model ${JSON.stringify(name.slice(0, 200))} not found`);
          g.record({
            actor: `identity:${principal.id}`,
            action: "gateway.show",
            resource: `model:${name.slice(0, 200)}`,
            decision: "deny",
            reason: refused.reason,
            details: { code: refused.code, route: "/api/show", status: 404 },
          });
          return errorResponse("ollama", refused.code, refused.reason);
        }
        g.record({
          actor: `identity:${principal.id}`,
          action: "gateway.show",
          resource: `model:${r.version.id}`,
          decision: "allow",
          details: { route: "/api/show" },
        });
        return { status: 200, json: ollamaShow(r) };
      },
    },
  ];
}

function isPrincipal(x: Principal | RouteResponse): x is Principal {
  return (x as Principal).id !== undefined && (x as RouteResponse).status === undefined;
}

function ollamaDetails(v: ModelRoute["version"]) {
  return {
    parent_model: v.parents[0] ?? "",
    format: v.formats.includes("gguf") ? "gguf" : (v.formats[0] ?? ""),
    family: v.modelCard.architecture ?? "",
    families: v.modelCard.architecture === undefined ? null : [v.modelCard.architecture],
    parameter_size: String(v.modelCard.parameterCount ?? ""),
    quantization_level: v.modelCard.quantization ?? "",
  };
}

function ollamaTag(r: ModelRoute) {
  return {
    name: r.version.id,
    model: r.version.id,
    modified_at: r.version.registeredAt,
    size: r.version.size,
    digest: r.version.digest,
    details: ollamaDetails(r.version),
  };
}

function ollamaShow(r: ModelRoute) {
  const v = r.version;
  return {
    license: v.license.expression ?? "",
    modelfile: "",
    parameters: "",
    template: "",
    details: { ...ollamaDetails(v), families: null },
    model_info: { "general.architecture": v.modelCard.architecture ?? "", "general.parameter_count": v.modelCard.parameterCount ?? 0 },
    capabilities: ["completion"],
    modified_at: v.registeredAt,
  };
}
