import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { findProject, loadConfig } from "../config/load.js";
import { PerimeterError } from "../errors.js";
import { startGateway } from "../gateway/start.js";
import type { RunningServer } from "../http/server.js";
import { DASHBOARD_IDENTITY, signInLink, type SignInLink } from "../control/signin-link.js";
import { IdentityService } from "../identity/service.js";
import { getModel, registerModel } from "../inventory/models.js";
import { InventoryRepository } from "../inventory/repository.js";
import { addRuntime, discover } from "../inventory/runtimes.js";
import { approve, recordScanEvidence, stateOf } from "../lifecycle/service.js";
import { createLogger } from "../log.js";
import { buildDemoModel, DEMO_MODEL_FILE } from "../runtimes/demo-model.js";
import { scanPaths } from "../scan/scan.js";
import { computeManifest, signModelWithKey } from "../signing/index.js";
import type { Context } from "./context.js";
import { serveGateway } from "./serve.js";
import { lifecycleDeps } from "./services.js";

// perimeter up, as a service: the whole path on a fresh clone with nothing configured — store, demo model,
// scan, sign, register, approve, runtime, identity, serve. Every step is the same service call an operator
// would make, under named demo actors so that separation of duties holds; re-running reuses what is there,
// the demo key included, so a restart never locks out the clients of the run before it.

export const DEMO_MODEL = "perimeter-demo";
export const DEMO_VERSION = "1";
export const DEMO_IDENTITY = "demo-app";
export const DEMO_ACTORS = { submitter: "demo-submitter", approver: "demo-approver", operator: "demo-operator" } as const;
const DEMO_CONFIG = {
  lifecycle: {
    roles: { submitter: [DEMO_ACTORS.submitter], approver: [DEMO_ACTORS.approver], operator: [DEMO_ACTORS.operator], auditor: [] },
    trustedSigners: [{ name: "demo-release-key", publicKey: ".perimeter/demo-release.pub" }],
  },
};

/** Where a running `up` says who it is, so a second one can name it instead of failing on a busy port. */
const RUNNING_FILE = "up.json";
/** The demo identity's API key, 0600: keys are stored hashed, and a restart must be able to print a working one. */
export const DEMO_KEY_FILE = "demo-app.key";

export type Say = (line: string) => void;

export interface UpAddress {
  readonly host: string;
  readonly port: number;
}

/** The address `up` will listen on: the options, else the configuration's gateway.host and gateway.port. */
export function upAddress(
  globals: { readonly config?: string | undefined },
  options: { host?: string | undefined; port?: number | undefined },
): UpAddress & { stateDir: string } {
  const loaded = loadConfig({ path: globals.config });
  return { host: options.host ?? loaded.config.gateway.host, port: options.port ?? loaded.config.gateway.port, stateDir: join(loaded.baseDir, ".perimeter") };
}

/**
 * Refuses, before anything is changed, to start on an address that is taken: naming the `up` that holds it
 * when it is ours (its pid and URL), else the host and port. Port 0 (any free port) is always free.
 */
export async function checkAddressFree(address: UpAddress & { stateDir: string }): Promise<void> {
  if (address.port === 0) return;
  const error = await new Promise<NodeJS.ErrnoException | null>((done) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => done(err));
    probe.listen({ host: address.host, port: address.port, exclusive: true }, () => probe.close(() => done(null)));
  });
  if (error === null) return;
  const where = `${address.host}:${address.port}`;
  if (error.code === "EADDRINUSE") {
    const running = runningUp(address.stateDir);
    if (running !== null) {
      throw new PerimeterError(
        "USAGE",
        `perimeter up is already running here (pid ${running.pid}, serving ${running.url}): use it (its API key is in ${join(address.stateDir, DEMO_KEY_FILE)}), stop it with Ctrl-C or kill ${running.pid}, or start another with --port`,
      );
    }
    throw new PerimeterError(
      "USAGE",
      `port ${address.port} on ${address.host} is in use by another process: stop it, or choose another port with --port (e.g. perimeter up --port ${address.port + 1})`,
    );
  }
  if (error.code === "EACCES") throw new PerimeterError("USAGE", `this user may not listen on ${where}: choose a port above 1023 with --port`);
  if (error.code === "EADDRNOTAVAIL") throw new PerimeterError("USAGE", `${address.host} is not an address of this machine: choose another with --host`);
  throw new PerimeterError("USAGE", `cannot listen on ${where}: ${error.message}`);
}

function runningUp(stateDir: string): { pid: number; url: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(stateDir, RUNNING_FILE), "utf8"));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { pid, url } = parsed as { pid?: unknown; url?: unknown };
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0 || typeof url !== "string") return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists and is someone else's; anything else: it is gone and the file is stale.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return null;
  }
  return { pid, url };
}

/**
 * With no configuration given and no perimeter.yaml here, write the demo's where the user can read and
 * change it. Returns the file written, or null.
 */
export function writeDemoConfig(globals: { readonly config?: string | undefined }): string | null {
  if (globals.config !== undefined) return null;
  // Into the project a command here would use (found as git finds its repository), not always the cwd.
  const { project, file: found } = findProject({ env: process.env, cwd: process.cwd() });
  if (found !== undefined || project.source === "PERIMETER_CONFIG") return null;
  const file = resolve(project.root, "perimeter.yaml");
  if (existsSync(file)) return null;
  writeFileSync(file, `# Written by perimeter up: demo roles and the demo signing key. Edit freely.\n${stringify(DEMO_CONFIG)}`);
  return file;
}

export interface DemoReady {
  /** name@version of the demo model. */
  readonly model: string;
  readonly digest: string;
  readonly key: string;
  /** Where the key is kept (0600). */
  readonly keyFile: string;
  /** What happened to the key this run, for the banner. */
  readonly keyNote: string;
}

/** Everything up to serving: the demo model generated, scanned, signed, registered, approved, discovered, and a working key. */
export async function prepareDemo(ctx: Context, say: Say): Promise<DemoReady> {
  const base = ctx.loaded.baseDir;
  const environment = ctx.loaded.config.inventory.defaultEnvironment;
  const state = join(base, ".perimeter");
  mkdirSync(state, { recursive: true });
  // Nothing in .perimeter/ (keys, the store) belongs in version control.
  if (!existsSync(join(state, ".gitignore"))) writeFileSync(join(state, ".gitignore"), "*\n");
  const keyFile = join(state, "demo-release.pem");
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    writeFileSync(join(state, "demo-release.pub"), createPublicKey(privateKey).export({ type: "spki", format: "pem" }));
  }
  const models = join(base, "models");
  const modelDir = join(models, DEMO_MODEL);
  if (!existsSync(join(modelDir, DEMO_MODEL_FILE))) {
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(join(modelDir, DEMO_MODEL_FILE), buildDemoModel());
    say(`generated the demo model: ${join(modelDir, DEMO_MODEL_FILE)}`);
  }

  const lifecycle = lifecycleDeps(ctx);
  const id = `${DEMO_MODEL}@${DEMO_VERSION}`;
  const inventory = { store: ctx.store, audit: ctx.audit };
  const repo = new InventoryRepository(ctx.store);
  if (!(await repo.modelExists(id))) {
    await registerModel(inventory, {
      path: modelDir,
      name: DEMO_MODEL,
      version: DEMO_VERSION,
      kind: "base",
      parents: [],
      license: "Apache-2.0",
      owner: "perimeter-demo",
      environments: [environment],
      actor: DEMO_ACTORS.submitter,
    });
    say(`registered ${id}`);
  }
  const version = await getModel(ctx.store, id);
  if ((await stateOf(ctx.store, id)) === "registered") {
    const report = await scanPaths([modelDir]);
    await recordScanEvidence(lifecycle, id, report, (await computeManifest(modelDir)).digest, DEMO_ACTORS.submitter);
    say(`scanned ${id}: ${report.summary.clean} of ${report.summary.files} file(s) clean`);
    const { bundle } = await signModelWithKey(modelDir, { privateKeyPem: readFileSync(keyFile, "utf8") });
    writeFileSync(join(modelDir, "model.sig"), bundle);
    say(`signed ${id} (OMS, ${join(modelDir, "model.sig")})`);
    await approve(lifecycle, id, { actor: DEMO_ACTORS.approver });
    say(`approved ${id} by ${DEMO_ACTORS.approver} (submitted by ${DEMO_ACTORS.submitter})`);
  }
  // The runtime serves the whole models/ directory, so a model put beside the demo one (models/NAME/*.gguf) is found too.
  if ((await repo.getRuntime("embedded")) === undefined) {
    await addRuntime(inventory, { name: "embedded", type: "embedded", url: models, environment, actor: DEMO_ACTORS.operator });
  }
  const [found] = await discover({ ...inventory, timeoutMs: 30_000 }, ["embedded"], DEMO_ACTORS.operator);
  if (found === undefined || !found.ok) throw found?.error ?? new PerimeterError("RUNTIME_UNREACHABLE", "the embedded runtime could not be discovered");

  const { key, note } = await demoKey(ctx, join(state, DEMO_KEY_FILE));
  return { model: id, digest: version.digest, key, keyFile: join(state, DEMO_KEY_FILE), keyNote: note };
}

/**
 * The demo identity's key: the one kept from the last run while it still authenticates; else a new one —
 * by rotation when the identity exists, so keys handed out before keep working for the rotation overlap.
 */
async function demoKey(ctx: Context, file: string): Promise<{ key: string; note: string }> {
  const identities = new IdentityService({ store: ctx.store, audit: ctx.audit, config: ctx.loaded.config.identity });
  try {
    let stored: string | undefined;
    try {
      stored = readFileSync(file, "utf8").trim();
    } catch {
      stored = undefined;
    }
    let why = `no key was kept in ${file}`;
    if (stored !== undefined && stored !== "") {
      const auth = await identities.authenticateApiKey(stored);
      if (auth.ok && auth.principal.name === DEMO_IDENTITY)
        return { key: stored, note: `the same key as the last run (kept in ${file}; perimeter identity rotate ${DEMO_IDENTITY} replaces it)` };
      why = auth.ok ? `the key in ${file} belongs to ${auth.principal.name}, not ${DEMO_IDENTITY}` : `the key in ${file} no longer works (${auth.message})`;
    }
    let existing: Awaited<ReturnType<IdentityService["get"]>> | undefined;
    try {
      existing = await identities.get(DEMO_IDENTITY);
    } catch (err) {
      if (!(err instanceof PerimeterError && err.code === "IDENTITY_NOT_FOUND")) throw err;
    }
    let key: string;
    let note: string;
    if (existing !== undefined && existing.revokedAt === null) {
      const rotated = await identities.rotate(DEMO_IDENTITY, { actor: DEMO_ACTORS.operator });
      key = rotated.key;
      note =
        rotated.previousKeys.length > 0
          ? `a new key: ${why}; the ${rotated.previousKeys.length} earlier key(s) keep working until ${rotated.previousKeysExpireAt} (identity.rotationOverlapSeconds)`
          : `a new key: ${why}`;
    } else {
      key = (
        await identities.create({
          name: DEMO_IDENTITY,
          kind: "service-account",
          owner: "perimeter-demo",
          environment: ctx.loaded.config.inventory.defaultEnvironment,
          actor: DEMO_ACTORS.operator,
        })
      ).key;
      note = `a new key (kept in ${file}, so the next run prints the same one)`;
    }
    writeSecret(file, `${key}\n`);
    return { key, note };
  } finally {
    await identities.flush();
  }
}

/**
 * The dashboard's one-time sign-in link for the person at the terminal: as identity dashboard-admin (the
 * admin role, owned by the demo approver), made on the first run.
 */
export async function dashboardLink(ctx: Context, baseUrl: string): Promise<SignInLink> {
  const identities = new IdentityService({ store: ctx.store, audit: ctx.audit, config: ctx.loaded.config.identity });
  try {
    let existing: Awaited<ReturnType<IdentityService["get"]>> | undefined;
    try {
      existing = await identities.get(DASHBOARD_IDENTITY);
    } catch (err) {
      if (!(err instanceof PerimeterError && err.code === "IDENTITY_NOT_FOUND")) throw err;
    }
    if (existing === undefined || existing.revokedAt !== null)
      await identities.create({
        name: DASHBOARD_IDENTITY,
        kind: "service-account",
        owner: DEMO_ACTORS.approver,
        environment: ctx.loaded.config.inventory.defaultEnvironment,
        scopes: ["admin"],
        actor: DEMO_ACTORS.operator,
      });
    return await signInLink(ctx, identities, { identity: DASHBOARD_IDENTITY, baseUrl, actor: DEMO_ACTORS.operator });
  } finally {
    await identities.flush();
  }
}

function writeSecret(file: string, text: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600); // the umask may have narrowed it further, never widened it; this makes it exact
}

export interface RunningUp {
  readonly url: string;
  close(): Promise<void>;
}

/** Serve the gateway and say, in .perimeter/up.json, who holds the address until closed. */
export async function serveDemo(ctx: Context, address: UpAddress): Promise<RunningUp> {
  const logger = createLogger(ctx.loaded.config);
  const started = await startGateway(ctx, { logger });
  let server: RunningServer;
  try {
    server = await serveGateway(ctx, started, { host: address.host, port: address.port, logger });
  } catch (err) {
    await started.close();
    throw err;
  }
  const running = join(ctx.loaded.baseDir, ".perimeter", RUNNING_FILE);
  writeFileSync(running, `${JSON.stringify({ pid: process.pid, url: server.url, startedAt: new Date().toISOString() })}\n`);
  const listening = server;
  return {
    url: listening.url,
    close: async () => {
      rmSync(running, { force: true });
      await listening.close();
      await started.close();
    },
  };
}
