// `perimeter serve` as an operator runs it: the webhook on its own mutual-TLS listener from lifecycle.webhook
// or --webhook-* options, the gateway's port without it, and a refusal to start a webhook anyone could call.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_PATH } from "../../src/lifecycle/webhook.js";
import { makeTlsFixture, type TlsFixture } from "../fixtures/tls.js";
import { perimeter } from "../helpers/cli.js";
import { createTestEnv, type TestEnv } from "../helpers/stores.js";

const BIN = fileURLToPath(new URL("../../bin/perimeter.js", import.meta.url));

interface Served {
  readonly gateway: string;
  readonly webhook: string | undefined;
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

/** Start `perimeter serve` and wait for the line that says where it serves. */
function serve(env: TestEnv, args: readonly string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    cwd: env.dir,
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], PERIMETER_CONFIG: env.configFile },
  });
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`perimeter serve did not start:\n${err}`)), 60_000);
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const line = /perimeter: serving (http:\/\/\S+)\/v1 .*?(?:the admission webhook at (https:\/\/\S+?)\/k8s\/admission\/validate)?; stop with/.exec(err);
      if (line?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({
          gateway: line[1],
          webhook: line[2],
          stderr: () => err,
          stop: async () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`perimeter serve exited ${code}:\n${err}`)));
  });
}

function admissionReview(uid: string): string {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: "", version: "v1", kind: "Pod" },
      namespace: "serving",
      operation: "CREATE",
      userInfo: { username: "u" },
      object: { metadata: { name: "p", annotations: { "perimeter.dev/model": "ghost@1" } }, spec: { containers: [{ name: "c" }] } },
    },
  });
}

function postTls(
  url: string,
  body: string,
  ca: string,
  client: { cert: Buffer; key: Buffer } | null,
): Promise<{ status: number; body: { response?: { uid: string; allowed: boolean } } }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        hostname,
        port,
        path: WEBHOOK_PATH,
        method: "POST",
        ca,
        agent: false,
        headers: { "content-type": "application/json" },
        ...(client === null ? {} : { cert: client.cert, key: client.key }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as { response?: { uid: string; allowed: boolean } },
          }),
        );
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

describe("perimeter serve and the admission webhook's listener", () => {
  let tls: TlsFixture;
  let env: TestEnv;
  let configured: TestEnv;

  beforeAll(async () => {
    tls = makeTlsFixture();
    env = await createTestEnv("sqlite", {}, { lifecycle: { namespaces: { serving: "default" } } });
    configured = await createTestEnv(
      "sqlite",
      {},
      {
        lifecycle: {
          namespaces: { serving: "default" },
          webhook: { host: "127.0.0.1", port: 0, tlsCert: "tls/tls.crt", tlsKey: "tls/tls.key", clientCa: "tls/client-ca.crt" },
        },
      },
    );
    for (const dir of [env.dir, configured.dir]) {
      const files = { "tls.crt": tls.tls.cert, "tls.key": tls.tls.key, "client-ca.crt": tls.ca };
      mkdirSync(join(dir, "tls"), { recursive: true });
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, "tls", name), content);
    }
  });
  afterAll(async () => {
    await env?.cleanup();
    await configured?.cleanup();
    tls?.cleanup();
  });

  const cli = (args: string[]) => perimeter(args, { cwd: env.dir, env: { PERIMETER_CONFIG: env.configFile } });

  it("refuses to start a webhook without a client CA (exit 2), and says how to give one or to accept any caller", () => {
    const r = cli(["serve", "--port", "0", "--webhook-port", "0", "--webhook-tls-cert", "tls/tls.crt", "--webhook-tls-key", "tls/tls.key"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--webhook-client-ca");
    expect(r.stderr).toContain("--webhook-insecure-no-client-cert");
    expect(r.stderr).not.toContain("perimeter: serving");
  });

  it("refuses a webhook without its certificate or key, and a client CA that is not a certificate (exit 2)", () => {
    const noKey = cli(["serve", "--port", "0", "--webhook-port", "0", "--webhook-tls-cert", "tls/tls.crt", "--webhook-client-ca", "tls/client-ca.crt"]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("served over HTTPS only");
    const badCa = cli(["serve", "--port", "0", "--webhook-tls-cert", "tls/tls.crt", "--webhook-tls-key", "tls/tls.key", "--webhook-client-ca", "tls/tls.key"]);
    expect(badCa.code).toBe(2);
    expect(badCa.stderr).toContain("is not a PEM certificate");
  });

  it("serves the webhook from lifecycle.webhook on its own port with mutual TLS, and the gateway's port does not route it", async () => {
    const served = await serve(configured, []);
    try {
      expect(served.webhook).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const webhook = served.webhook ?? "";
      const answered = await postTls(webhook, admissionReview("cli-1"), tls.ca, tls.client);
      expect(answered).toMatchObject({ status: 200, body: { response: { uid: "cli-1", allowed: false } } });
      await expect(postTls(webhook, admissionReview("cli-2"), tls.ca, null)).rejects.toThrow();
      await expect(postTls(webhook, admissionReview("cli-3"), tls.ca, tls.strangerClient)).rejects.toThrow();
      const gateway = await fetch(`${served.gateway}${WEBHOOK_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: admissionReview("cli-4"),
      });
      expect(gateway.status).toBe(404);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it("serves a webhook without client certificates only when told to, and warns", async () => {
    const served = await serve(env, [
      "--webhook-port",
      "0",
      "--webhook-tls-cert",
      "tls/tls.crt",
      "--webhook-tls-key",
      "tls/tls.key",
      "--webhook-insecure-no-client-cert",
    ]);
    try {
      expect(served.stderr()).toContain("warning: the admission webhook requires no client certificate");
      expect(await postTls(served.webhook ?? "", admissionReview("open-1"), tls.ca, null)).toMatchObject({
        status: 200,
        body: { response: { uid: "open-1" } },
      });
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });
});
