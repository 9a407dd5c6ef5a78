import { createHash } from "node:crypto";
import { request, type RequestOptions } from "node:https";
import type { TLSSocket } from "node:tls";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAuditLog, readAuditEvents, type AuditLog } from "../../src/audit/index.js";
import type { Context } from "../../src/cli/context.js";
import { serveWebhook } from "../../src/cli/serve.js";
import { makeTlsFixture } from "../fixtures/tls.js";
import { startServer, type RunningServer } from "../../src/http/server.js";
import type { AdmissionDecision, Admitter, ModelReference } from "../../src/lifecycle/admission-types.js";
import {
  admissionWebhookRoute,
  modelReferencesOf,
  podSchema,
  reviewAdmission,
  WEBHOOK_PATH,
  type AdmissionReviewResponse,
  type WebhookDecision,
} from "../../src/lifecycle/webhook.js";
import { createTestEnv, type TestEnv } from "../helpers/stores.js";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const LLAMA_DIGEST = sha256("llama manifest");
const MISTRAL_DIGEST = sha256("mistral manifest");
const MODELCAR_DIGEST = sha256("llama modelcar image");
const UNKNOWN_DIGEST = sha256("nobody approved this");
const TIMEOUT_MS = 300;

// The approval table of a test admitter: a fixture standing in for the store-backed admitter, which is
// tested with the lifecycle. Environment "broken" throws and "stuck" never answers.
const APPROVED: Record<string, { models: Record<string, string>; images: string[] }> = {
  prod: { models: { "llama-3.1-8b@2024-07": LLAMA_DIGEST }, images: [MODELCAR_DIGEST] },
  dev: { models: { "llama-3.1-8b@2024-07": LLAMA_DIGEST, "mistral-7b@v0.3": MISTRAL_DIGEST }, images: [MODELCAR_DIGEST] },
};
const NAMESPACES: Record<string, string> = { serving: "prod", lab: "dev", flaky: "broken", slow: "stuck" };

const fixtureAdmitter: Admitter = async (ref: ModelReference, environment: string): Promise<AdmissionDecision> => {
  if (environment === "broken") throw new Error("the inventory database is unreachable");
  if (environment === "stuck") return new Promise<AdmissionDecision>(() => undefined);
  const table = APPROVED[environment] ?? { models: {}, images: [] };
  const deny = (reason: string): AdmissionDecision => ({ allow: false, reason, model: ref.model ?? null, digest: ref.digest ?? null });
  if (ref.ociDigest !== undefined) {
    return table.images.includes(ref.ociDigest)
      ? { allow: true, reason: `modelcar image sha256:${ref.ociDigest} is approved for ${environment}`, model: null, digest: null }
      : deny(`modelcar image sha256:${ref.ociDigest} is not approved for ${environment}`);
  }
  const model = ref.model ?? Object.keys(table.models).find((m) => table.models[m] === ref.digest);
  const digest = model === undefined ? undefined : table.models[model];
  if (model === undefined || digest === undefined) return deny(`${ref.model ?? `sha256:${ref.digest}`} is not approved for ${environment}`);
  if (ref.digest !== undefined && ref.digest !== digest) return deny(`sha256:${ref.digest} is not the digest of ${model}`);
  return { allow: true, reason: `${model} is approved for ${environment}`, model, digest };
};

const POD_KIND = { group: "", version: "v1", kind: "Pod" };

interface PodSpec {
  name?: string;
  annotations?: Record<string, string>;
  containers?: Array<{ name: string; image?: string }>;
  initContainers?: Array<{ name: string; image?: string }>;
  deletionTimestamp?: string;
}
function pod(spec: PodSpec = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: spec.name ?? "vllm-0",
      labels: { "perimeter.dev/model-serving": "true" },
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
      ...(spec.deletionTimestamp ? { deletionTimestamp: spec.deletionTimestamp } : {}),
    },
    spec: {
      containers: spec.containers ?? [{ name: "vllm", image: "vllm/vllm-openai:v0.6.3" }],
      ...(spec.initContainers ? { initContainers: spec.initContainers } : {}),
    },
  };
}
function review(
  object: unknown,
  options: { uid?: string; namespace?: string; operation?: string; kind?: object; dryRun?: boolean; oldObject?: unknown } = {},
): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: options.uid ?? "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: options.kind ?? POD_KIND,
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: options.kind ?? POD_KIND,
      name: (isPod(object) && object.metadata.name) || "",
      namespace: options.namespace ?? "serving",
      operation: options.operation ?? "CREATE",
      userInfo: { username: "system:serviceaccount:kserve:controller", groups: ["system:authenticated"] },
      object,
      // The API server sends oldObject only on UPDATE (null or absent on CREATE).
      ...(options.oldObject === undefined ? {} : { oldObject: options.oldObject }),
      dryRun: options.dryRun ?? false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  };
}
function isPod(value: unknown): value is { metadata: { name?: string } } {
  return typeof value === "object" && value !== null && "metadata" in value;
}

const FIXTURE = makeTlsFixture();
const CA = FIXTURE.ca;
const OTHER_CA = FIXTURE.otherCa;
const TLS = FIXTURE.tls;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly issuer: string | undefined;
}

/** One HTTPS request on its own connection, trusting only `ca`. */
function call(
  url: string,
  path: string,
  options: {
    method?: string;
    body?: string | Buffer;
    contentType?: string;
    ca?: string;
    chunked?: boolean;
    client?: { cert: Buffer; key: Buffer } | null;
  } = {},
): Promise<Reply> {
  const { hostname, port } = new URL(url);
  const headers: Record<string, string | number> = {};
  if (options.body !== undefined) {
    headers["content-type"] = options.contentType ?? "application/json";
    if (!options.chunked) headers["content-length"] = Buffer.byteLength(options.body);
  }
  const req: RequestOptions = {
    hostname,
    port,
    path,
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers,
    ca: options.ca ?? CA,
    agent: false,
  };
  // As the API server does: its client certificate, unless a test says otherwise.
  const client = options.client === undefined ? FIXTURE.client : options.client;
  if (client !== null) Object.assign(req, { cert: client.cert, key: client.key });
  return new Promise((resolve, reject) => {
    const r = request(req, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const type = res.headers["content-type"] ?? "";
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: type.startsWith("application/json") ? JSON.parse(text) : text,
          issuer: String((res.socket as TLSSocket).getPeerCertificate().issuer?.CN),
        });
      });
    });
    r.on("error", reject);
    if (options.body !== undefined && options.chunked) {
      // Written in pieces, so the server sees no Content-Length and has to count.
      const body = Buffer.from(options.body);
      for (let i = 0; i < body.length; i += 256 * 1024) r.write(body.subarray(i, i + 256 * 1024));
      r.end();
    } else {
      r.end(options.body);
    }
  });
}

type ReviewResponse = AdmissionReviewResponse["response"];
async function admission(url: string, body: unknown): Promise<ReviewResponse> {
  const reply = await call(url, WEBHOOK_PATH, { body: JSON.stringify(body) });
  expect(reply.status).toBe(200);
  const parsed = reply.body as AdmissionReviewResponse;
  expect(parsed.apiVersion).toBe("admission.k8s.io/v1");
  expect(parsed.kind).toBe("AdmissionReview");
  return parsed.response;
}

const decisions: WebhookDecision[] = [];
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    tls: { ...TLS, clientCa: CA },
    routes: [
      admissionWebhookRoute({
        admit: fixtureAdmitter,
        environmentOf: (ns) => (Object.hasOwn(NAMESPACES, ns) ? NAMESPACES[ns] : undefined),
        timeoutMs: TIMEOUT_MS,
        onDecision: (d) => {
          decisions.push(d);
        },
      }),
    ],
  });
});
afterAll(async () => {
  await server?.close();
  FIXTURE.cleanup();
});

describe("admission webhook over HTTPS: allowed Pods", () => {
  it("allows a Pod whose perimeter.dev/model is approved for its namespace's environment", async () => {
    const res = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { uid: "allow-1" }));
    expect(res).toEqual({ uid: "allow-1", allowed: true });
    const d = decisions.find((x) => x.uid === "allow-1");
    expect(d).toMatchObject({ allowed: true, actor: "k8s:system:serviceaccount:kserve:controller", resource: "pod:serving/vllm-0", environment: "prod" });
    expect(d?.references).toEqual([expect.objectContaining({ reference: { model: "llama-3.1-8b@2024-07" }, allow: true })]);
  });

  it("allows a Pod that names its model by manifest digest, alone or with a matching name@version", async () => {
    const byDigest = pod({ annotations: { "perimeter.dev/model-digest": `sha256:${LLAMA_DIGEST}` } });
    expect((await admission(server.url, review(byDigest))).allowed).toBe(true);
    expect((await admission(server.url, review(byDigest, { oldObject: null }))).allowed).toBe(true);
    const both = { "perimeter.dev/model": "llama-3.1-8b@2024-07", "perimeter.dev/model-digest": `sha256:${LLAMA_DIGEST}` };
    expect((await admission(server.url, review(pod({ annotations: both })))).allowed).toBe(true);
  });

  it("allows a KServe modelcar whose image is pinned to an approved digest", async () => {
    const p = pod({
      annotations: { "perimeter.dev/model-car": "modelcar" },
      containers: [
        { name: "kserve-container", image: "kserve/huggingfaceserver:v0.14.0" },
        { name: "modelcar", image: `ghcr.io/acme/llama-modelcar:1@sha256:${MODELCAR_DIGEST}` },
      ],
    });
    expect(await admission(server.url, review(p))).toMatchObject({ allowed: true });
  });

  it("gives a server dry run the same decision", async () => {
    const ok = pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } });
    expect((await admission(server.url, review(ok, { dryRun: true, uid: "dry-1" }))).allowed).toBe(true);
    const bad = pod({ annotations: { "perimeter.dev/model": "mistral-7b@v0.3" } });
    expect((await admission(server.url, review(bad, { dryRun: true }))).allowed).toBe(false);
    expect(decisions.find((x) => x.uid === "dry-1")?.dryRun).toBe(true);
  });
});

describe("admission webhook over HTTPS: denied Pods say why", () => {
  it("denies a model not approved for the environment, naming the model and the admitter's reason", async () => {
    const res = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "mistral-7b@v0.3" } }), { uid: "deny-1" }));
    expect(res.allowed).toBe(false);
    expect(res.uid).toBe("deny-1");
    expect(res.status?.code).toBe(403);
    expect(res.status?.message).toContain('Pod serving/vllm-0 may not run in environment "prod"');
    expect(res.status?.message).toContain("mistral-7b@v0.3 is not approved for prod");
    // The same model is approved where its environment allows it.
    expect((await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "mistral-7b@v0.3" } }), { namespace: "lab" }))).allowed).toBe(true);
  });

  it("denies a digest that is not the named model's", async () => {
    const res = await admission(
      server.url,
      review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07", "perimeter.dev/model-digest": `sha256:${UNKNOWN_DIGEST}` } })),
    );
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain(`sha256:${UNKNOWN_DIGEST} is not the digest of llama-3.1-8b@2024-07`);
  });

  it("denies malformed model annotations without asking the admitter", async () => {
    const res = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "llama", "perimeter.dev/model-digest": "sha256:ABC" } })));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain('annotation perimeter.dev/model must be name@version (e.g. llama-3.1-8b@2024-07), not "llama"');
    expect(res.status?.message).toContain("perimeter.dev/model-digest must be sha256:<64 lower-case hex digits>");
  });

  it("denies every Pod in a namespace that has no environment, and says where to map it", async () => {
    const res = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { namespace: "constructor" }));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toBe(
      'namespace "constructor" has no environment, so no model is approved for it: map it to one under lifecycle.namespaces in perimeter.yaml',
    );
  });

  it("denies a model-serving Pod that declares no model, explaining the objectSelector", async () => {
    const res = await admission(server.url, review(pod()));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain("Pod serving/vllm-0 declares no model");
    expect(res.status?.message).toContain("perimeter.dev/model-serving=true");
  });

  it("denies a modelcar whose image is a tag, not a digest", async () => {
    const p = pod({
      annotations: { "perimeter.dev/model-car": "modelcar" },
      initContainers: [{ name: "modelcar", image: "ghcr.io/acme/llama-modelcar:latest" }],
    });
    const res = await admission(server.url, review(p));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain(
      'initContainer "modelcar" (image ghcr.io/acme/llama-modelcar:latest): the modelcar image is not pinned by digest: write it as ghcr.io/acme/llama-modelcar:latest@sha256:<digest>',
    );
  });

  it("denies a perimeter.dev/model-car naming a container the Pod does not have", async () => {
    const res = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model-car": "modelcar" } })));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain('names container "modelcar", which the Pod does not have');
  });

  it("checks every reference and lists each one that fails", async () => {
    const p = pod({
      annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07", "perimeter.dev/model-car": "car-a, car-b,car-c" },
      containers: [
        { name: "server", image: "vllm/vllm-openai:v0.6.3" },
        { name: "car-a", image: `ghcr.io/acme/a@sha256:${MODELCAR_DIGEST}` },
        { name: "car-b", image: `ghcr.io/acme/b@sha256:${UNKNOWN_DIGEST}` },
        { name: "car-c", image: "ghcr.io/acme/c:2" },
      ],
    });
    const res = await admission(server.url, review(p, { uid: "multi-1" }));
    expect(res.allowed).toBe(false);
    const message = res.status?.message ?? "";
    expect(message).toContain("2 of 4 model references refused");
    expect(message).toContain(
      `container "car-b" (image ghcr.io/acme/b@sha256:${UNKNOWN_DIGEST}): modelcar image sha256:${UNKNOWN_DIGEST} is not approved for prod`,
    );
    expect(message).toContain('container "car-c" (image ghcr.io/acme/c:2): the modelcar image is not pinned by digest');
    expect(message).not.toContain("car-a");
    expect(message).not.toContain("llama-3.1-8b@2024-07 is approved");
    expect(decisions.find((d) => d.uid === "multi-1")?.references.map((r) => r.allow)).toEqual([true, true, false, false]);
  });
});

describe("admission webhook over HTTPS: fails closed", () => {
  it("denies a malformed review that has a uid, naming what is wrong", async () => {
    const broken = review({ metadata: { name: "x" }, spec: "not a pod spec" }, { uid: "bad-1" });
    const res = await admission(server.url, broken);
    expect(res).toMatchObject({ uid: "bad-1", allowed: false, status: { code: 400 } });
    expect(res.status?.message).toContain("request.object is not a Pod (spec:");
    const beta = await admission(server.url, { ...review(pod()), apiVersion: "admission.k8s.io/v1beta1", request: { uid: "bad-2" } });
    expect(beta).toMatchObject({ uid: "bad-2", allowed: false });
    expect(beta.status?.message).toContain("the AdmissionReview is malformed (apiVersion:");
  });

  it("answers HTTP 400 when there is no uid to answer, or no JSON at all", async () => {
    for (const body of [JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { kind: POD_KIND } }), "{not json", "[]"]) {
      const reply = await call(server.url, WEBHOOK_PATH, { body });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: { code: "USAGE" } });
    }
  });

  it("denies a review of something other than a Pod", async () => {
    const res = await admission(server.url, review({ metadata: { name: "vllm" }, spec: {} }, { kind: { group: "apps", version: "v1", kind: "Deployment" } }));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toBe("Perimeter reviews Pods only, not apps/v1 Deployment: the webhook's rules must select only pods");
    const del = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { operation: "CONNECT" }));
    expect(del.allowed).toBe(false);
  });

  it("denies when the model check throws, saying the check failed", async () => {
    const res = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { namespace: "flaky" }));
    expect(res.allowed).toBe(false);
    expect(res.status?.code).toBe(500);
    expect(res.status?.message).toContain("the model check failed: the inventory database is unreachable");
  });

  it("denies within the timeout when the model check hangs", async () => {
    const started = Date.now();
    const res = await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { namespace: "slow" }));
    const elapsed = Date.now() - started;
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain(`the model check did not answer within ${TIMEOUT_MS} ms`);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it("denies an allowed Pod whose decision cannot be recorded", async () => {
    const res = await reviewAdmission(review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } })), {
      admit: fixtureAdmitter,
      environmentOf: () => "prod",
      onDecision: () => Promise.reject(new Error("database is locked")),
    });
    expect(res.response.allowed).toBe(false);
    expect(res.response.status?.message).toContain("the decision could not be recorded in the audit log (database is locked)");
  });

  it("lets a Pod being deleted drop its finalizer when its model references are unchanged, and no other change through", async () => {
    const annotations = { "perimeter.dev/model": "mistral-7b@v0.3" };
    const terminating = pod({ annotations, deletionTimestamp: "2025-01-01T00:00:00Z" });
    const deps = { admit: fixtureAdmitter, environmentOf: () => "prod" };
    const unchanged = await reviewAdmission(review(terminating, { operation: "UPDATE", oldObject: terminating }), deps);
    expect(unchanged.response.allowed).toBe(true);
    const swapped = pod({ annotations: { "perimeter.dev/model": "other@1" }, deletionTimestamp: "2025-01-01T00:00:00Z" });
    const changed = await reviewAdmission(review(swapped, { operation: "UPDATE", oldObject: terminating }), deps);
    expect(changed.response.allowed).toBe(false);
    // A live Pod is checked on every UPDATE, revoked model or not.
    const live = pod({ annotations });
    expect((await reviewAdmission(review(live, { operation: "UPDATE", oldObject: live }), deps)).response.allowed).toBe(false);
  });
});

describe("who the webhook believes", () => {
  it("takes the user name in a review as the actor only from a caller whose client certificate was verified", async () => {
    const seen: WebhookDecision[] = [];
    const deps = { admit: fixtureAdmitter, environmentOf: () => "prod", onDecision: (d: WebhookDecision) => void seen.push(d) };
    const body = review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }));
    await reviewAdmission(body, deps, { certificate: "kube-apiserver" });
    await reviewAdmission(body, deps);
    expect(seen.map((d) => [d.actor, d.client])).toEqual([
      ["k8s:system:serviceaccount:kserve:controller", "kube-apiserver"],
      ["k8s-unverified:system:serviceaccount:kserve:controller", null],
    ]);
  });

  it("over HTTPS, records the subject of the client certificate the caller presented", async () => {
    expect((await admission(server.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { uid: "client-1" }))).allowed).toBe(
      true,
    );
    expect(decisions.find((d) => d.uid === "client-1")).toMatchObject({ client: "kube-apiserver", actor: "k8s:system:serviceaccount:kserve:controller" });
  });

  it("refuses with 403, even on a listener started without a client CA, a route that requires a client certificate", async () => {
    const open = await startServer({
      host: "127.0.0.1",
      port: 0,
      tls: TLS,
      logger: pino({ level: "silent" }),
      routes: [admissionWebhookRoute({ admit: fixtureAdmitter, environmentOf: () => "prod", requireClientCert: true })],
    });
    try {
      const reply = await call(open.url, WEBHOOK_PATH, { body: JSON.stringify(review(pod())), client: null });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ error: { code: "PERMISSION_DENIED" } });
    } finally {
      await open.close();
    }
  });
});

describe("the HTTPS server", () => {
  it("serves the generated certificate, and a client that does not trust its CA fails the TLS handshake", async () => {
    const ok = await call(server.url, "/healthz");
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ok.issuer).toBe("perimeter-test-ca");
    // The listener verifies clients against the same CA, and so sends it along: either way the chain does not verify.
    await expect(call(server.url, "/healthz", { ca: OTHER_CA })).rejects.toMatchObject({
      code: expect.stringMatching(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/),
    });
  });

  it("answers /healthz with 200", async () => {
    const reply = await call(server.url, "/healthz");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "ok" });
  });

  it("answers 404 for an unknown path and 405 for a wrong method, as coded JSON errors", async () => {
    const missing = await call(server.url, "/nope");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "ROUTE_NOT_FOUND", message: "no route for /nope" } });
    const wrong = await call(server.url, WEBHOOK_PATH);
    expect(wrong.status).toBe(405);
    expect(wrong.headers["allow"]).toBe("POST");
  });

  it("ignores the query string the API server appends to the webhook path", async () => {
    const reply = await call(server.url, `${WEBHOOK_PATH}?timeout=5s`, {
      body: JSON.stringify(review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }))),
    });
    expect((reply.body as AdmissionReviewResponse).response.allowed).toBe(true);
  });

  it("refuses a body over 4 MiB with 413, whether or not its length is declared", async () => {
    const big = JSON.stringify({ padding: "x".repeat(5 * 1024 * 1024) });
    for (const chunked of [false, true]) {
      const reply = await call(server.url, WEBHOOK_PATH, { body: big, chunked });
      expect(reply.status).toBe(413);
      expect(reply.body).toMatchObject({ error: { code: "BODY_TOO_LARGE" } });
    }
    // The server is still there for the next request.
    expect((await call(server.url, "/healthz")).status).toBe(200);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const reply = await call(server.url, WEBHOOK_PATH, { body: "uid=1", contentType: "application/x-www-form-urlencoded" });
    expect(reply.status).toBe(415);
  });

  it("turns a handler's exception into a 500 with a coded error and no stack", async () => {
    const failing = await startServer({
      host: "127.0.0.1",
      port: 0,
      tls: TLS,
      logger: pino({ level: "silent" }),
      routes: [{ method: "GET", path: "/boom", handle: () => Promise.reject(new Error("secret internals at /srv/app.ts:12")) }],
    });
    try {
      const reply = await call(failing.url, "/boom");
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ error: { code: "INTERNAL", message: "an unexpected internal error; the server log has the details" } });
    } finally {
      await failing.close();
    }
  });
});

describe("model references of a Pod", () => {
  it("reads the annotations as one reference and each modelcar container as another", () => {
    const p = podSchema.parse(
      pod({
        annotations: {
          "perimeter.dev/model": "llama-3.1-8b@2024-07",
          "perimeter.dev/model-digest": `sha256:${LLAMA_DIGEST}`,
          "perimeter.dev/model-car": "modelcar",
        },
        containers: [{ name: "modelcar", image: `registry.local/llama@sha256:${MODELCAR_DIGEST}` }],
      }),
    );
    expect(modelReferencesOf(p)).toEqual([
      {
        source: "annotation perimeter.dev/model and perimeter.dev/model-digest",
        reference: { model: "llama-3.1-8b@2024-07", digest: LLAMA_DIGEST },
        problem: null,
      },
      { source: `container "modelcar" (image registry.local/llama@sha256:${MODELCAR_DIGEST})`, reference: { ociDigest: MODELCAR_DIGEST }, problem: null },
    ]);
    expect(modelReferencesOf(podSchema.parse(pod()))).toEqual([]);
  });
});

describe("perimeter serve", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv("sqlite", {}, { lifecycle: { namespaces: { serving: "prod" } } });
  });
  afterAll(async () => env?.cleanup());

  it("records every decision but a dry run's as an audit event", async () => {
    const store = await env.open();
    let audit: AuditLog | undefined;
    const ctx: Context = { loaded: env.loaded, store, audit: () => (audit ??= openAuditLog(env.loaded, store)) };
    const running = await serveWebhook(
      ctx,
      { host: "127.0.0.1", port: 0, tls: { ...TLS, clientCa: CA }, logger: pino({ level: "silent" }) },
      () => fixtureAdmitter,
    );
    try {
      expect((await admission(running.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { uid: "a1" }))).allowed).toBe(true);
      expect(
        (await admission(running.url, review(pod({ name: "other", annotations: { "perimeter.dev/model": "mistral-7b@v0.3" } }), { uid: "a2" }))).allowed,
      ).toBe(false);
      expect(
        (await admission(running.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { uid: "a3", dryRun: true }))).allowed,
      ).toBe(true);
      expect(
        (await admission(running.url, review(pod({ annotations: { "perimeter.dev/model": "llama-3.1-8b@2024-07" } }), { uid: "a4", namespace: "elsewhere" })))
          .allowed,
      ).toBe(false);
    } finally {
      await running.close();
      await audit?.flush();
    }
    const events = [];
    for await (const e of readAuditEvents(store)) if (e.action === "admission.webhook") events.push(e);
    await store.close();
    expect(events.map((e) => [e.actor, e.resource, e.decision, e.details["uid"]])).toEqual([
      ["k8s:system:serviceaccount:kserve:controller", "pod:serving/vllm-0", "allow", "a1"],
      ["k8s:system:serviceaccount:kserve:controller", "pod:serving/other", "deny", "a2"],
      ["k8s:system:serviceaccount:kserve:controller", "pod:elsewhere/vllm-0", "deny", "a4"],
    ]);
    expect(events[1]?.reason).toContain("mistral-7b@v0.3 is not approved for prod");
    expect(events[0]?.details["references"]).toEqual([
      { source: "annotation perimeter.dev/model", model: "llama-3.1-8b@2024-07", allow: true, reason: "llama-3.1-8b@2024-07 is approved for prod" },
    ]);
  });
});
