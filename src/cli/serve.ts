import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Logger } from "pino";
import { EXIT, PerimeterError } from "../errors.js";
import { startServer, type Route, type RunningServer } from "../http/server.js";
import { startGateway } from "../gateway/start.js";
import type { Admitter } from "../lifecycle/admission-types.js";
import { admissionAuditEvent, admissionWebhookRoute, WEBHOOK_PATH } from "../lifecycle/webhook.js";
import { createLogger } from "../log.js";
import { parsePositiveInt, withContext, type Cli, type Context } from "./context.js";

// perimeter serve — the server: the gateway's OpenAI- and Ollama-compatible routes, /metrics, the Kubernetes
// admission webhook and /healthz.

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  readonly logger?: Logger | undefined;
  /** More routes to serve beside the webhook (the gateway's). */
  readonly routes?: readonly Route[];
}

export function registerServe(program: Command, cli: Cli, makeAdmitter: (ctx: Context) => Admitter): void {
  program
    .command("serve")
    .description(`serve the Kubernetes admission webhook (POST ${WEBHOOK_PATH}) and /healthz until SIGINT or SIGTERM`)
    .option("--host <host>", "address to listen on (default gateway.host; 0.0.0.0 inside a cluster)")
    .option("--port <port>", "port to listen on (default gateway.port)")
    .option("--tls-cert <file>", "PEM certificate chain to serve HTTPS with (with --tls-key)")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .action(
      cli.run(async (opts: { host?: string; port?: string; tlsCert?: string; tlsKey?: string }) => {
        const port = opts.port === undefined ? undefined : opts.port === "0" ? 0 : parsePositiveInt(opts.port, "--port");
        if (port !== undefined && port > 65_535) throw new PerimeterError("USAGE", `--port must be at most 65535, not ${port}`);
        if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
          throw new PerimeterError("USAGE", "--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
        }
        const tls = opts.tlsCert !== undefined && opts.tlsKey !== undefined ? { cert: readPem(opts.tlsCert, "--tls-cert"), key: readPem(opts.tlsKey, "--tls-key") } : undefined;
        return withContext(cli.globals(), async (ctx) => {
          const logger = createLogger(ctx.loaded.config);
          const started = await startGateway(ctx, { logger });
          const server = await serveWebhook(
            ctx,
            { host: opts.host ?? ctx.loaded.config.gateway.host, port: port ?? ctx.loaded.config.gateway.port, tls, logger, routes: started.gateway.routes() },
            makeAdmitter,
          );
          if (tls === undefined) {
            process.stderr.write("perimeter: warning: serving plain HTTP; Kubernetes calls admission webhooks over HTTPS only, so give --tls-cert and --tls-key\n");
          }
          process.stderr.write(`perimeter: serving ${server.url}/v1 (OpenAI), ${server.url}/api (Ollama), ${server.url}/metrics, ${server.url}${WEBHOOK_PATH}; stop with Ctrl-C or SIGTERM\n`);
          const signal = await untilSignal();
          process.stderr.write(`perimeter: ${signal}: finishing requests in flight and stopping\n`);
          await server.close();
          await started.close();
          return EXIT.ok;
        }, { server: true });
      }),
    );
}

/**
 * Start the server with the admission webhook mounted: environments from lifecycle.namespaces, every
 * decision (but a dry run's) appended to the audit log before it is answered.
 */
export async function serveWebhook(ctx: Context, options: ServeOptions, makeAdmitter: (ctx: Context) => Admitter): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(ctx.loaded.config);
  const environments = namespaceEnvironments(ctx);
  const route = admissionWebhookRoute({
    admit: makeAdmitter(ctx),
    environmentOf: (namespace) => environments.get(namespace),
    onDecision: async (decision) => {
      logger.info({ uid: decision.uid, allowed: decision.allowed, resource: decision.resource, environment: decision.environment, dryRun: decision.dryRun }, "admission webhook decision");
      // The webhook is registered with sideEffects: NoneOnDryRun, which promises the API server that a dry
      // run changes nothing outside it; an audit event is durable state, so a dry run writes none.
      if (!decision.dryRun) await ctx.audit().append(admissionAuditEvent(decision));
    },
  });
  const server = await startServer({ host: options.host, port: options.port, tls: options.tls, routes: [route, ...(options.routes ?? [])], logger });
  logger.info({ url: server.url, tls: options.tls !== undefined, namespaces: environments.size }, "serving");
  return server;
}

function namespaceEnvironments(ctx: Context): Map<string, string> {
  // lifecycle.namespaces is being added to the config schema; read it without assuming it is there yet.
  const namespaces = (ctx.loaded.config as { lifecycle?: { namespaces?: Record<string, string> } }).lifecycle?.namespaces ?? {};
  // A Map, so a namespace called "constructor" or "__proto__" finds nothing rather than Object's own members.
  return new Map(Object.entries(namespaces).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new PerimeterError("USAGE", `cannot read ${option} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM; a second one exits at once. The listener left in place matters:
 * signal-exit (loaded by node-llama-cpp's proper-lockfile) re-raises the signal and kills the process when it
 * believes it holds every listener, which would cut our graceful shutdown short.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const again = (signal: NodeJS.Signals): void => process.exit(signal === "SIGINT" ? 130 : 143);
    const stop = (signal: NodeJS.Signals): void => {
      process.on("SIGINT", again);
      process.on("SIGTERM", again);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
