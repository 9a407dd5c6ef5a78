import type { Logger } from "pino";
import { configDigest } from "../config/digest.js";
import { VERSION } from "../version.js";
import { ControlSessions, controlRoutes } from "../control/index.js";
import { refusal } from "../gateway/pipeline.js";
import type { StartedGateway } from "../gateway/start.js";
import { TrafficSampler } from "../gateway/traffic.js";
import { GuardEngine } from "../guards/engine.js";
import { startServer, type RunningServer } from "../http/server.js";
import { createLogger } from "../log.js";
import { webRoutes } from "../web/serve.js";
import type { Context } from "./context.js";
import { killSwitchFor, lifecycleDeps } from "./services.js";

// The gateway's listener: the OpenAI- and Ollama-compatible routes, listing, readiness and metrics beside the
// control API, on one port. `perimeter serve` and `perimeter up` both start it here.

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  readonly logger?: Logger | undefined;
  /** Told which table changed after this gateway applied a change made through its control API (to tell other workers). */
  readonly onChange?: ((table: string) => void) | undefined;
}

/** Serve the gateway's routes and the control API (whose changes reach this gateway's kill switch at once). */
export async function serveGateway(ctx: Context, started: StartedGateway, options: ServeOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(ctx.loaded.config);
  const traffic = new TrafficSampler(started.gateway.metrics, () => started.gateway.callsInFlight);
  const control = controlRoutes({
    ctx,
    sessions: new ControlSessions({
      store: ctx.store,
      config: ctx.loaded.config.control,
      authenticateKeyId: (keyId) => started.identities.authenticateKeyId(keyId),
    }),
    identities: started.identities,
    scopeUse: started.scopeUse,
    traffic: () => traffic.view(),
    guards: {
      engine: started.guards instanceof GuardEngine ? started.guards : undefined,
      findings: () => started.gateway.metrics.guardTotals(),
    },
    killswitch: killSwitchFor(ctx),
    lifecycle: lifecycleDeps(ctx),
    authenticate: (a) => started.authenticate(a),
    onPolicyChange: async () => {
      await started.refreshPolicies();
      options.onChange?.("policy_sets");
    },
    onKillChange: async () => {
      await Promise.all([started.gateway.refreshKills(), started.tools?.refresh()]);
      options.onChange?.("kills");
    },
    logger,
    // One count for the whole listener: refusals without credentials per source, and each identity's budget.
    refusedAnonymous: (req, r) => started.gateway.refusedAnonymous(req, r.route, refusal(r.code, r.reason)),
    admitRefusal: (identityId, r) => started.gateway.identityRefusals.admit(identityId, r),
    tools:
      started.tools === undefined
        ? undefined
        : {
            service: started.tools.operators(),
            notify: (a) => started.tools?.approvals.notify(a),
            refresh: async () => started.tools?.refresh(),
          },
  });
  started.tools?.listening(options.host);
  const routes = [...started.gateway.routes(), ...(started.tools?.routes() ?? []), ...control, ...webRoutes()];
  let server: RunningServer;
  try {
    server = await startServer({ host: options.host, port: options.port, tls: options.tls, routes, logger });
  } catch (err) {
    traffic.close();
    throw err;
  }
  logger.info({ url: server.url, tls: options.tls !== undefined }, "serving the gateway");
  // What this gateway runs with, for a report to compare its own configuration against.
  await ctx.audit().append({
    actor: "perimeter",
    action: "gateway.start",
    resource: "gateway",
    decision: "info",
    details: { configDigest: configDigest(ctx.loaded.config), environments: ctx.loaded.config.gateway.environments, version: VERSION },
  });
  return {
    url: server.url,
    close: async () => {
      traffic.close();
      await server.close();
    },
  };
}
