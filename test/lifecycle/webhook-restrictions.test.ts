// What the admission webhook must refuse, case by case: callers that are not the API server (no client
// certificate, one from another CA, plain HTTP, the gateway's port), and reviews it cannot admit (malformed,
// unknown model, killed model). Served as `perimeter serve` serves it, from a real store.

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents, type AuditEvent } from "../../src/audit/index.js";
import type { Context } from "../../src/cli/context.js";
import { serveGateway } from "../../src/app/serve.js";
import { serveWebhook } from "../../src/cli/serve.js";
import type { RunningServer } from "../../src/http/server.js";
import { startGateway, type StartedGateway } from "../../src/gateway/start.js";
import { KillSwitch } from "../../src/killswitch/index.js";
import { referenceAdmitter, storeSource } from "../../src/lifecycle/admission.js";
import { resolveTrustedSigners } from "../../src/lifecycle/signers.js";
import { WEBHOOK_PATH } from "../../src/lifecycle/webhook.js";
import { makeTlsFixture, type TlsFixture } from "../fixtures/tls.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { STORE_KINDS } from "../helpers/stores.js";

const silent = pino({ level: "silent" });

function review(uid: string, model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: "serving",
      operation: "CREATE",
      userInfo: { username: "system:serviceaccount:kserve:controller" },
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "vllm-0", annotations: { "perimeter.dev/model": model } },
        spec: { containers: [{ name: "vllm", image: "vllm/vllm-openai:v0.6.3" }] },
      },
      dryRun: false,
      ...extra,
    },
  };
}

interface Reply {
  readonly status: number;
  readonly body: { response?: { uid: string; allowed: boolean; status?: { code: number; message: string } }; error?: { code: string; message: string } };
}

/** POST to the webhook over HTTPS as the API server would: trusting `ca`, presenting `client` (or nothing). */
function post(url: string, body: string, options: { ca: string; client: { cert: Buffer; key: Buffer } | null; path?: string }): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const r = httpsRequest(
      {
        hostname,
        port,
        path: options.path ?? WEBHOOK_PATH,
        method: "POST",
        ca: options.ca,
        agent: false,
        headers: { "content-type": "application/json" },
        ...(options.client === null ? {} : { cert: options.client.cert, key: options.client.key }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Reply["body"] }));
        res.on("error", reject);
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

describe.each(STORE_KINDS)("admission webhook restrictions on %s", (kind) => {
  let p: Perimeter;
  let tls: TlsFixture;
  let ctx: Context;
  let webhook: RunningServer;
  const admitter = (c: Context) => referenceAdmitter(storeSource(c.store, resolveTrustedSigners(c.loaded)));
  const asApiServer = (body: unknown) => post(webhook.url, JSON.stringify(body), { ca: tls.ca, client: tls.client });

  beforeAll(async () => {
    tls = makeTlsFixture();
    p = await startPerimeter(kind, {
      lifecycle: {
        roles: { approver: ["bob"], operator: ["olga"] },
        trustedSigners: [{ name: "release", publicKey: "release.pub" }],
        signingKey: "keys/lifecycle.pem",
        namespaces: { serving: "default" },
      },
    });
    ctx = { loaded: p.env.loaded, store: p.store, audit: () => p.audit };
    webhook = await serveWebhook(ctx, { host: "127.0.0.1", port: 0, tls: { ...tls.tls, clientCa: tls.ca }, logger: silent }, admitter);
  });
  afterAll(async () => {
    await webhook?.close();
    await p?.close();
    tls?.cleanup();
  });

  async function webhookEvents(): Promise<AuditEvent[]> {
    await p.audit.flush();
    const out: AuditEvent[] = [];
    for await (const e of readAuditEvents(p.store)) if (e.action === "admission.webhook") out.push(e);
    return out;
  }

  it("admits an approved model for the API server, recording its user name as verified and the client certificate", async () => {
    const r = await asApiServer(review("ok-1", "vllm-llama@1"));
    expect(r).toMatchObject({ status: 200, body: { response: { uid: "ok-1", allowed: true } } });
    const event = (await webhookEvents()).find((e) => e.details["uid"] === "ok-1");
    expect(event).toMatchObject({ actor: "k8s:system:serviceaccount:kserve:controller", decision: "allow" });
    expect(event?.details["client"]).toBe("kube-apiserver");
  });

  it("refuses a caller that presents no client certificate, before reading a byte of its review", async () => {
    await expect(post(webhook.url, JSON.stringify(review("anon-1", "vllm-llama@1")), { ca: tls.ca, client: null })).rejects.toThrow();
    expect((await webhookEvents()).some((e) => e.details["uid"] === "anon-1")).toBe(false);
  });

  it("refuses a client certificate from another CA", async () => {
    await expect(post(webhook.url, JSON.stringify(review("stranger-1", "vllm-llama@1")), { ca: tls.ca, client: tls.strangerClient })).rejects.toThrow();
    expect((await webhookEvents()).some((e) => e.details["uid"] === "stranger-1")).toBe(false);
  });

  it("refuses plain HTTP on the webhook's port", async () => {
    const { hostname, port } = new URL(webhook.url);
    const plain = new Promise<number>((resolve, reject) => {
      const r = httpRequest({ hostname, port, path: WEBHOOK_PATH, method: "POST", headers: { "content-type": "application/json" } }, (res) =>
        resolve(res.statusCode ?? 0),
      );
      r.on("error", reject);
      r.end(JSON.stringify(review("plain-1", "vllm-llama@1")));
    });
    // Node's TLS server closes a connection that does not start with a TLS handshake: no answer at all.
    await expect(plain).rejects.toThrow();
    expect((await webhookEvents()).some((e) => e.details["uid"] === "plain-1")).toBe(false);
  });

  it("is not routed on the gateway's port", async () => {
    const started: StartedGateway = await startGateway(ctx, { identityCache: { ttlMs: 0, negativeTtlMs: 0 } });
    const gateway = await serveGateway(ctx, started, { host: "127.0.0.1", port: 0, logger: silent });
    try {
      const res = await fetch(`${gateway.url}${WEBHOOK_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(review("gw-1", "vllm-llama@1")),
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "ROUTE_NOT_FOUND", message: `no route for ${WEBHOOK_PATH}` } });
    } finally {
      await gateway.close();
      await started.close();
    }
    expect((await webhookEvents()).some((e) => e.details["uid"] === "gw-1")).toBe(false);
  });

  it("refuses to start without a client CA unless told to accept any caller, and then records user names as unverified", async () => {
    await expect(serveWebhook(ctx, { host: "127.0.0.1", port: 0, tls: tls.tls, logger: silent }, admitter)).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringContaining("--webhook-insecure-no-client-cert"),
    });
    const open = await serveWebhook(ctx, { host: "127.0.0.1", port: 0, tls: tls.tls, insecureNoClientCert: true, logger: silent }, admitter);
    try {
      const r = await post(open.url, JSON.stringify(review("open-1", "vllm-llama@1")), { ca: tls.ca, client: null });
      expect(r.body.response?.allowed).toBe(true);
    } finally {
      await open.close();
    }
    const event = (await webhookEvents()).find((e) => e.details["uid"] === "open-1");
    expect(event).toMatchObject({ actor: "k8s-unverified:system:serviceaccount:kserve:controller" });
    expect(event?.details["client"]).toBeNull();
  });

  it("denies a malformed AdmissionReview, and answers 400 to one with no uid or no JSON", async () => {
    const r = await asApiServer({ ...review("bad-1", "vllm-llama@1"), apiVersion: "admission.k8s.io/v1beta1" });
    expect(r.body.response).toMatchObject({ uid: "bad-1", allowed: false, status: { code: 400 } });
    for (const body of ["{not json", "null", "[]", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {} })]) {
      const reply = await post(webhook.url, body, { ca: tls.ca, client: tls.client });
      expect(reply).toMatchObject({ status: 400, body: { error: { code: "USAGE" } } });
    }
  });

  it("denies an unknown model and an unapproved one", async () => {
    expect((await asApiServer(review("unknown-1", "ghost@1"))).body.response).toMatchObject({
      allowed: false,
      status: { message: expect.stringContaining("ghost@1 is not a model version in the store") },
    });
    expect((await asApiServer(review("draft-1", "draft-llama@1"))).body.response).toMatchObject({
      allowed: false,
      status: { message: expect.stringContaining("not approved") },
    });
  });

  it("denies a killed version and every version of a killed model name, and admits again once lifted", async () => {
    const killswitch = new KillSwitch({ store: p.store, audit: () => p.audit });
    await killswitch.kill({ kind: "model", target: "vllm-llama@1", reason: "jailbreak in live traffic", actor: "soc" });
    const killed = (await asApiServer(review("killed-1", "vllm-llama@1"))).body.response;
    expect(killed).toMatchObject({
      allowed: false,
      status: { code: 403, message: expect.stringContaining("vllm-llama@1, which is killed: model vllm-llama@1 was killed by soc: jailbreak in live traffic") },
    });
    await killswitch.lift({ kind: "model", target: "vllm-llama@1", reason: "fixed", actor: "soc" });
    await killswitch.kill({ kind: "model", target: "vllm-llama", reason: "poisoned base", actor: "soc" });
    expect((await asApiServer(review("killed-2", "vllm-llama@1"))).body.response).toMatchObject({
      allowed: false,
      status: { message: expect.stringContaining("model vllm-llama (every version) was killed by soc: poisoned base") },
    });
    // By digest too: the same bytes are the killed version.
    const digest = p.models.vllm.digest;
    const byDigest = review("killed-3", "vllm-llama@1");
    (byDigest["request"] as { object: { metadata: { annotations: Record<string, string> } } }).object.metadata.annotations = {
      "perimeter.dev/model-digest": `sha256:${digest}`,
    };
    expect((await asApiServer(byDigest)).body.response).toMatchObject({ allowed: false, status: { message: expect.stringContaining("killed") } });
    await killswitch.lift({ kind: "model", target: "vllm-llama", reason: "retrained", actor: "soc" });
    expect((await asApiServer(review("lifted-1", "vllm-llama@1"))).body.response).toMatchObject({ allowed: true });
  });
});
