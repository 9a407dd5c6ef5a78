import { configPath } from "../config/load.js";
import type { Route } from "../http/server.js";
import { LivePolicies } from "../policy/applied.js";
import { PolicyEngine } from "../policy/engine.js";
import { CONTROL_HEADERS, controlApiRoutes, type AnyOperation } from "./api.js";
import { openApiDocument } from "./openapi.js";
import { auditOperations } from "./operations/audit.js";
import { evalOperations } from "./operations/evals.js";
import { guardOperations } from "./operations/guards.js";
import { identityOperations } from "./operations/identities.js";
import { inventoryOperations } from "./operations/inventory.js";
import { killOperations } from "./operations/kill.js";
import { overviewOperations } from "./operations/overview.js";
import { policyOperations } from "./operations/policies.js";
import { sessionOperations } from "./operations/session.js";
import { toolOperations } from "./operations/tools.js";
import type { ControlServices } from "./services.js";

// The control API: every operation, its routes, and the OpenAPI document generated from them.

export type { ControlServices, ControlTools } from "./services.js";
export { ControlSessions } from "./sessions.js";

export const OPENAPI_PATH = "/control/openapi.json";

export function controlOperations(s: ControlServices): AnyOperation[] {
  return [
    ...sessionOperations(s),
    ...overviewOperations(s),
    ...inventoryOperations(s),
    ...evalOperations(s),
    ...identityOperations(s),
    ...policyOperations(s),
    ...auditOperations(s),
    ...killOperations(s),
    ...guardOperations(s),
    ...toolOperations(s),
  ];
}

/** The control API's routes, authorized by control.policyFiles (else the default role policies). */
export function controlRoutes(s: ControlServices): Route[] {
  const loaded = s.ctx.loaded;
  const files = loaded.config.control.policyFiles.map((f) => configPath(loaded, f));
  const policies =
    s.controlPolicies ?? new LivePolicies({ store: s.ctx.store, target: "control", fromConfig: () => PolicyEngine.control(files), logger: s.logger });
  const operations = controlOperations({ ...s, controlPolicies: policies });
  const document = openApiDocument(operations);
  const routes = controlApiRoutes(
    {
      sessions: s.sessions,
      authenticate: (a) => s.authenticate(a),
      // Control requests are few: each reads whether the control policies changed, so a change applied on any
      // replica holds on the next request here.
      readPolicies: () => policies.refresh(),
      authorize: (r) => {
        const engine = policies.engine;
        const decision = engine.authorizeControl(r);
        if (decision.allow) s.scopeUse?.allowed(r.principal, (p) => engine.authorizeControl({ ...r, principal: p }).allow);
        return decision;
      },
      killedIdentity: (principal) => s.killswitch.identityKilled(principal.id),
      audit: s.ctx.audit,
      logger: s.logger,
      refusedAnonymous: s.refusedAnonymous,
      admitRefusal: s.admitRefusal,
      environments: loaded.config.gateway.environments,
    },
    operations,
  );
  return [...routes, { method: "GET", path: OPENAPI_PATH, handle: async () => ({ status: 200, json: document, headers: CONTROL_HEADERS }) }];
}
