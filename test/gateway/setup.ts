// A whole Perimeter in front of real and faithful runtimes, for gateway tests: models registered, scanned,
// signed and approved; a fake vLLM, a fake Ollama and the embedded llama.cpp runtime discovered; an
// identity with a key; the gateway serving on a free port.

import { generateKeyPairSync } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { pino } from "pino";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { loadOrCreateSigningKey } from "../../src/audit/checkpoint.js";
import type { LoadedConfig } from "../../src/config/load.js";
import { startGateway, type StartedGateway, type StartGatewayOptions } from "../../src/gateway/start.js";
import { serveGateway } from "../../src/app/serve.js";
import type { RunningServer } from "../../src/http/server.js";
import { IdentityService } from "../../src/identity/service.js";
import { registerModel } from "../../src/inventory/models.js";
import { InventoryRepository } from "../../src/inventory/repository.js";
import { addRuntime, discover } from "../../src/inventory/runtimes.js";
import type { ModelVersion } from "../../src/inventory/types.js";
import { approve, recordScanEvidence, type LifecycleDeps } from "../../src/lifecycle/service.js";
import { resolveTrustedSigners } from "../../src/lifecycle/signers.js";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import { scanPaths } from "../../src/scan/scan.js";
import { computeManifest, signModelWithKey } from "../../src/signing/index.js";
import type { Store } from "../../src/store/store.js";
import { startFakeOllama, type FakeOllama } from "../fixtures/fake-ollama.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { createTestEnv, type StoreKind, type TestEnv } from "../helpers/stores.js";

export const JWT_ISSUER = "https://issuer.example.test";

export interface Perimeter {
  readonly env: TestEnv;
  readonly store: Store;
  readonly audit: AuditLog;
  readonly identities: IdentityService;
  readonly vllm: FakeOpenAI;
  readonly ollama: FakeOllama;
  readonly models: Readonly<Record<"vllm" | "ollama" | "local" | "unapproved", ModelVersion>>;
  readonly work: string;
  /** A gateway on a free port (another can be started with other settings). */
  serve(
    config?: (c: LoadedConfig["config"]) => LoadedConfig["config"],
    options?: StartGatewayOptions,
  ): Promise<{ url: string; started: StartedGateway; server: RunningServer }>;
  /** A JWT from the configured test issuer (ES256), claims merged over a valid default. */
  jwt(claims?: Record<string, unknown>, audience?: string, issuer?: string): Promise<string>;
  /**
   * A new version registered by `submitter`, scanned clean and signed by the trusted signer: ready for an
   * approver (not approved).
   */
  candidate(name: string, submitter?: string): Promise<ModelVersion>;
  /** A fresh identity and its key. */
  key(name: string, options?: { environment?: string; scopes?: string[]; expiresAt?: Date; owner?: string }): Promise<{ key: string; id: string }>;
  close(): Promise<void>;
}

export async function startPerimeter(kind: StoreKind, extra: Record<string, unknown> = {}): Promise<Perimeter> {
  const signer = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const env = await createTestEnv(
    kind,
    {},
    {
      lifecycle: {
        roles: { approver: ["bob"], operator: ["olga"] },
        trustedSigners: [{ name: "release", publicKey: "release.pub" }],
        signingKey: "keys/lifecycle.pem",
      },
      gateway: { killPollMs: 100 },
      identity: {
        jwtIssuers: [
          { issuer: JWT_ISSUER, audience: "perimeter-gateway", jwksFile: "jwks.json", algorithms: ["ES256"], environment: "default", owner: "platform" },
        ],
      },
      ...extra,
    },
  );
  writeFileSync(join(env.dir, "release.pub"), signer.publicKey.export({ type: "spki", format: "pem" }));
  const workload = await generateKeyPair("ES256", { extractable: true });
  writeFileSync(
    join(env.dir, "jwks.json"),
    JSON.stringify({ keys: [{ ...(await exportJWK(workload.publicKey)), kid: "workload-1", alg: "ES256", use: "sig" }] }),
  );
  const store = await env.open();
  const audit = openAuditLog(env.loaded, store, { thread: true }); // as `perimeter serve` opens it (a writer thread on SQLite);
  const work = mkdtempSync(join(tmpdir(), "perimeter-gateway-"));
  const lifecycleKey = loadOrCreateSigningKey(join(env.dir, "keys/lifecycle.pem"), true);
  const lifecycle: LifecycleDeps = {
    store,
    audit: () => audit,
    config: env.loaded.config.lifecycle,
    signers: () => resolveTrustedSigners(env.loaded),
    instanceKey: () => lifecycleKey,
  };

  const add = async (name: string, seed: number, approved = true, ready = approved, submitter = "alice"): Promise<ModelVersion> => {
    const dir = writeGgufModel(join(work, name), { seed });
    const v = await registerModel(
      { store, audit: () => audit },
      { path: dir, name, version: "1", kind: "base", parents: [], environments: ["default"], actor: submitter },
    );
    if (ready) {
      await recordScanEvidence(lifecycle, v.id, await scanPaths([dir]), (await computeManifest(dir)).digest, "ci");
      writeFileSync(
        join(dir, "model.sig"),
        (await signModelWithKey(dir, { privateKeyPem: signer.privateKey.export({ type: "pkcs8", format: "pem" }).toString() })).bundle,
      );
    }
    if (approved) await approve(lifecycle, v.id, { actor: "bob" });
    return v;
  };
  const models = {
    vllm: await add("vllm-llama", 1),
    ollama: await add("ollama-llama", 2),
    local: await add("local-llama", 3),
    unapproved: await add("draft-llama", 4, false),
  };
  const fileSha = (v: ModelVersion) => v.files[0]?.sha256 ?? "";

  const vllm = await startFakeOpenAI({ flavour: "vllm", models: [{ id: "vllm-llama" }] });
  const ollama = await startFakeOllama({
    models: [
      { name: "ollama-llama:1", blobSha256: fileSha(models.ollama) },
      { name: "draft-llama:1", blobSha256: fileSha(models.unapproved) },
    ],
  });
  const served = join(work, "served");
  mkdirSync(served);
  copyFileSync(join(work, "local-llama", DEMO_MODEL_FILE), join(served, "local-llama.gguf"));
  const deps = { store, audit: () => audit };
  await addRuntime(deps, { name: "vllm", type: "openai", url: vllm.url, environment: "default", actor: "ops" });
  await addRuntime(deps, { name: "ollama", type: "ollama", url: ollama.url, environment: "default", actor: "ops" });
  await addRuntime(deps, { name: "local", type: "embedded", url: served, environment: "default", actor: "ops" });
  // What `perimeter admit --runtime vllm` records when vLLM's init container admits the files.
  await new InventoryRepository(store).attest("vllm", "vllm-llama", models.vllm.digest, "init");
  await discover({ ...deps, timeoutMs: 5000 }, [], "ops");

  const identities = new IdentityService({ store, audit: () => audit, config: env.loaded.config.identity }, { ttlMs: 0, negativeTtlMs: 0 });
  const running: Array<{ started: StartedGateway; server: RunningServer }> = [];
  let candidates = 0;
  return {
    env,
    store,
    audit,
    identities,
    vllm,
    ollama,
    models,
    work,
    async serve(config, options) {
      const loaded: LoadedConfig = config === undefined ? env.loaded : { ...env.loaded, config: config(env.loaded.config) };
      const started = await startGateway({ loaded, store, audit: () => audit }, { identityCache: { ttlMs: 0, negativeTtlMs: 0 }, ...options });
      // As `perimeter serve` listens: the gateway's routes and the control API.
      const server = await serveGateway({ loaded, store, audit: () => audit }, started, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
      running.push({ started, server });
      return { url: server.url, started, server };
    },
    jwt: (claims = {}, audience = "perimeter-gateway", issuer = JWT_ISSUER) =>
      new SignJWT({ scope: "", exp: Math.floor(Date.now() / 1000) + 300, ...claims })
        .setProtectedHeader({ alg: "ES256", kid: "workload-1" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject("spiffe://example.org/ns/ml/sa/agent")
        .setIssuedAt()
        .sign(workload.privateKey),
    candidate: (name, submitter = "alice") => add(name, 100 + candidates++, false, true, submitter),
    async key(name, options = {}) {
      const issued = await identities.create({
        name,
        kind: "service-account",
        owner: options.owner ?? "app-team",
        environment: options.environment ?? "default",
        scopes: options.scopes,
        expiresAt: options.expiresAt,
        actor: "ops",
      });
      return { key: issued.key, id: issued.identity.id };
    },
    async close() {
      for (const r of running) {
        await r.server.close();
        await r.started.close();
      }
      await vllm.close();
      await ollama.close();
      await identities.flush();
      await audit.close();
      await store.close();
      await env.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
