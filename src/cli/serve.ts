import cluster from "node:cluster";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Logger } from "pino";
import { configPath } from "../config/load.js";
import { EXIT, PerimeterError } from "../errors.js";
import { startServer, type RunningServer } from "../http/server.js";
import { startGateway } from "../gateway/start.js";
import { serveGateway } from "../app/serve.js";
import { joinCluster, planWorkers, runPrimary } from "../app/cluster.js";
import type { Admitter } from "../lifecycle/admission-types.js";
import { admissionAuditEvent, admissionWebhookRoute, WEBHOOK_PATH } from "../lifecycle/webhook.js";
import { createLogger } from "../log.js";
import { parsePositiveInt, withContext, type Cli, type Context } from "./context.js";

// perimeter serve — the gateway's OpenAI- and Ollama-compatible routes, the control API, /metrics and /healthz
// on one listener; the Kubernetes admission webhook, when configured, on a listener of its own that answers only
// callers with a client certificate from the configured CA (the API server).

export interface WebhookListenOptions {
  readonly host: string;
  readonly port: number;
  /** The serving certificate and key; clientCa is the CA that issued the API server's client certificate. */
  readonly tls: { readonly cert: string | Buffer; readonly key: string | Buffer; readonly clientCa?: string | Buffer | undefined };
  /** Serve without a client CA: any caller that reaches the port may ask, and its user names are recorded as unverified. */
  readonly insecureNoClientCert?: boolean;
  readonly logger?: Logger | undefined;
}

interface ServeFlags {
  workers?: string;
  host?: string;
  port?: string;
  tlsCert?: string;
  tlsKey?: string;
  webhookHost?: string;
  webhookPort?: string;
  webhookTlsCert?: string;
  webhookTlsKey?: string;
  webhookClientCa?: string;
  webhookInsecureNoClientCert?: boolean;
}

export function registerServe(program: Command, cli: Cli, makeAdmitter: (ctx: Context) => Admitter): void {
  program
    .command("serve")
    .description(
      `serve the gateway, the control API (/control/kill, /control/lift, /control/kills), /metrics and /healthz; with lifecycle.webhook or --webhook-* options, the Kubernetes admission webhook (POST ${WEBHOOK_PATH}) on its own mutual-TLS listener; until SIGINT or SIGTERM`,
    )
    .option(
      "--workers <n>",
      "processes serving the port (default: one per usable core; one when state would split across processes — limits without Redis, MCP sessions, the live monitor — or an embedded runtime is registered)",
    )
    .option("--host <host>", "address the gateway listens on (default gateway.host)")
    .option("--port <port>", "port the gateway listens on (default gateway.port)")
    .option("--tls-cert <file>", "PEM certificate chain the gateway serves HTTPS with (with --tls-key)")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .option("--webhook-host <host>", "address the admission webhook listens on (default lifecycle.webhook.host, 127.0.0.1; 0.0.0.0 inside a cluster)")
    .option("--webhook-port <port>", "port the admission webhook listens on (default lifecycle.webhook.port, 8443)")
    .option("--webhook-tls-cert <file>", "PEM certificate chain the webhook serves (with --webhook-tls-key)")
    .option("--webhook-tls-key <file>", "PEM private key of --webhook-tls-cert")
    .option("--webhook-client-ca <file>", "PEM CA that issued the API server's client certificate: callers without one are refused")
    .option("--webhook-insecure-no-client-cert", "serve the webhook without requiring a client certificate (anyone who reaches the port may ask)")
    .action(
      cli.run(async (opts: ServeFlags) => {
        const port = portOption(opts.port, "--port");
        if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
          throw new PerimeterError("USAGE", "--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
        }
        const tls =
          opts.tlsCert !== undefined && opts.tlsKey !== undefined
            ? { cert: readPem(opts.tlsCert, "--tls-cert"), key: readPem(opts.tlsKey, "--tls-key") }
            : undefined;
        return withContext(
          cli.globals(),
          async (ctx) => {
            // Checked before anything starts: a webhook that cannot be served safely stops serve here.
            const webhook = webhookListenOptions(ctx, opts);
            const logger = createLogger(ctx.loaded.config);
            if (cluster.isPrimary) {
              const embedded = await ctx.store.db
                .selectFrom("runtimes")
                .select((eb) => eb.fn.countAll<number>().as("n"))
                .where("type", "=", "embedded")
                .executeTakeFirst();
              const plan = planWorkers(ctx.loaded.config, opts.workers === undefined ? undefined : parsePositiveInt(opts.workers, "--workers"), {
                embeddedRuntimes: Number(embedded?.n ?? 0),
                webhook: webhook !== undefined,
              });
              if (plan.note !== undefined) process.stderr.write(`perimeter: ${plan.note}\n`);
              const gatewayPort = port ?? ctx.loaded.config.gateway.port;
              if (plan.workers > 1 && webhook !== undefined && (gatewayPort === 0 || webhook.port === 0))
                throw new PerimeterError(
                  "USAGE",
                  "with --workers above 1 and the admission webhook, give both fixed ports: in a cluster, port 0 would hand the gateway and the webhook one shared port",
                );
              if (plan.workers > 1) {
                // The store is migrated and the signing key made (by this context) before any worker starts.
                ctx.audit();
                const code = await runPrimary({
                  workers: plan.workers,
                  logger,
                  ...(webhook === undefined ? {} : { isGateway: (a: { port: number }) => a.port !== webhook.port }),
                  onListening: (a) => {
                    const url = `${tls === undefined ? "http" : "https"}://${a.address.includes(":") ? `[${a.address}]` : a.address}:${a.port}`;
                    process.stderr.write(servingBanner(url, webhook && `https://${webhook.host}:${webhook.port}`, ` (${plan.workers} processes)`));
                  },
                });
                process.stderr.write(`perimeter: ${code === 0 ? "stopped" : "the workers failed: the log says why"}\n`);
                return code;
              }
            }
            const started = await startGateway(ctx, { logger });
            // Between workers of one `serve --workers N` on SQLite: a change made through this one's control API
            // reaches the others now (PostgreSQL tells every worker itself).
            const changes = joinCluster((table) => started.changed(table));
            let server: RunningServer | undefined;
            let hook: RunningServer | undefined;
            try {
              server = await serveGateway(ctx, started, {
                host: opts.host ?? ctx.loaded.config.gateway.host,
                port: port ?? ctx.loaded.config.gateway.port,
                tls,
                logger,
                onChange: ctx.store.watchChanges === undefined ? changes?.broadcast : undefined,
              });
              if (webhook !== undefined) {
                if (webhook.tls.clientCa === undefined) {
                  process.stderr.write(
                    "perimeter: warning: the admission webhook requires no client certificate (--webhook-insecure-no-client-cert): anyone who reaches its port can ask it, and the user names they write are recorded as unverified\n",
                  );
                }
                hook = await serveWebhook(ctx, { ...webhook, logger }, makeAdmitter);
              }
            } catch (err) {
              changes?.close();
              await server?.close();
              await started.close();
              throw err;
            }
            if (!cluster.isWorker) process.stderr.write(servingBanner(server.url, hook?.url));
            const signal = changes === undefined ? await untilSignal() : await changes.stopped;
            process.stderr.write(`perimeter: ${signal}: finishing requests in flight and stopping\n`);
            changes?.close();
            await hook?.close();
            await server.close();
            await started.close();
            // A worker's channel to the primary would keep it alive once it has stopped serving.
            if (cluster.isWorker) process.disconnect();
            return EXIT.ok;
          },
          { server: true },
        );
      }),
    );
}

/** The gateway's listener: its routes and the control API, which re-reads this gateway's kill switch on every change. */
/**
 * Start the admission webhook on its own listener: HTTPS always, and a client certificate from tls.clientCa
 * required unless insecureNoClientCert says otherwise. Environments come from lifecycle.namespaces; every
 * decision (but a dry run's) is appended to the audit log before it is answered.
 */
export async function serveWebhook(ctx: Context, options: WebhookListenOptions, makeAdmitter: (ctx: Context) => Admitter): Promise<RunningServer> {
  if (options.tls.clientCa === undefined && options.insecureNoClientCert !== true) {
    throw new PerimeterError(
      "USAGE",
      "the admission webhook answers only callers with a client certificate: set lifecycle.webhook.clientCa (or --webhook-client-ca) to the CA of the API server's client certificate, or give --webhook-insecure-no-client-cert to let anyone who reaches the port ask",
    );
  }
  const logger = options.logger ?? createLogger(ctx.loaded.config);
  if (options.tls.clientCa === undefined) logger.warn("the admission webhook requires no client certificate: anyone who reaches its port can ask it");
  const environments = namespaceEnvironments(ctx);
  const route = admissionWebhookRoute({
    admit: makeAdmitter(ctx),
    environmentOf: (namespace) => environments.get(namespace),
    requireClientCert: options.tls.clientCa !== undefined,
    onDecision: async (decision) => {
      logger.info(
        {
          uid: decision.uid,
          allowed: decision.allowed,
          resource: decision.resource,
          environment: decision.environment,
          dryRun: decision.dryRun,
          client: decision.client,
        },
        "admission webhook decision",
      );
      // The webhook is registered with sideEffects: NoneOnDryRun, which promises the API server that a dry
      // run changes nothing outside it; an audit event is durable state, so a dry run writes none.
      if (!decision.dryRun) await ctx.audit().append(admissionAuditEvent(decision));
    },
  });
  const server = await startServer({ host: options.host, port: options.port, tls: options.tls, routes: [route], logger });
  logger.info({ url: server.url, clientCertificates: options.tls.clientCa !== undefined, namespaces: environments.size }, "serving the admission webhook");
  return server;
}

/** The webhook's listener from lifecycle.webhook and the --webhook-* flags (flags win), or undefined when neither asks for it. */
function webhookListenOptions(ctx: Context, opts: ServeFlags): Omit<WebhookListenOptions, "logger"> | undefined {
  const configured = ctx.loaded.config.lifecycle.webhook;
  const flagged =
    [opts.webhookHost, opts.webhookPort, opts.webhookTlsCert, opts.webhookTlsKey, opts.webhookClientCa].some((f) => f !== undefined) ||
    opts.webhookInsecureNoClientCert === true;
  if (configured === undefined && !flagged) return undefined;
  const fromConfig = (path: string | undefined) => (path === undefined ? undefined : configPath(ctx.loaded, path));
  const certFile = opts.webhookTlsCert ?? fromConfig(configured?.tlsCert);
  const keyFile = opts.webhookTlsKey ?? fromConfig(configured?.tlsKey);
  if (certFile === undefined || keyFile === undefined) {
    throw new PerimeterError(
      "USAGE",
      "the admission webhook is served over HTTPS only (the API server calls nothing else): give --webhook-tls-cert and --webhook-tls-key, or lifecycle.webhook.tlsCert and tlsKey",
    );
  }
  const caFile = opts.webhookClientCa ?? fromConfig(configured?.clientCa);
  const clientCa = caFile === undefined ? undefined : readPem(caFile, "the webhook's client CA");
  if (clientCa !== undefined) {
    try {
      new X509Certificate(clientCa);
    } catch {
      throw new PerimeterError("USAGE", `the webhook's client CA ${caFile ?? ""} is not a PEM certificate`);
    }
  }
  return {
    host: opts.webhookHost ?? configured?.host ?? "127.0.0.1",
    port: portOption(opts.webhookPort, "--webhook-port") ?? configured?.port ?? 8443,
    tls: { cert: readPem(certFile, "the webhook's certificate"), key: readPem(keyFile, "the webhook's key"), clientCa },
    insecureNoClientCert: opts.webhookInsecureNoClientCert === true || configured?.insecureNoClientCert === true,
  };
}

function portOption(value: string | undefined, name: string): number | undefined {
  const port = value === undefined ? undefined : value === "0" ? 0 : parsePositiveInt(value, name);
  if (port !== undefined && port > 65_535) throw new PerimeterError("USAGE", `${name} must be at most 65535, not ${port}`);
  return port;
}

function namespaceEnvironments(ctx: Context): Map<string, string> {
  const namespaces = ctx.loaded.config.lifecycle.namespaces;
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

/** The line `perimeter serve` prints once it serves: where each API is, and how to stop it. */
function servingBanner(url: string, webhook: string | undefined, processes = ""): string {
  const hook = webhook === undefined ? "" : `; the admission webhook at ${webhook}${WEBHOOK_PATH}`;
  return `perimeter: serving ${url}/v1 (OpenAI), ${url}/api (Ollama), ${url}/control, ${url}/metrics${hook}; stop with Ctrl-C or SIGTERM${processes}\n`;
}
