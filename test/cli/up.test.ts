import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { perimeter } from "../helpers/cli.js";

const BIN = fileURLToPath(new URL("../../bin/perimeter.js", import.meta.url));

/** Start `perimeter up` in `cwd` and wait for its banner; resolves with the URL, the key and a stop function. */
function up(cwd: string, port = "0"): Promise<{ url: string; key: string; stop(): Promise<number | null>; output(): string }> {
  const child = spawn(process.execPath, [BIN, "up", "--port", port], { cwd, env: { PATH: process.env["PATH"], HOME: process.env["HOME"] } });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`perimeter up did not start:\n${out}\n${err}`)), 60_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /gateway\s+(http:\/\/\S+)\/v1 /.exec(out)?.[1];
      const key = /API key\s+(\S+)/.exec(out)?.[1];
      if (url !== undefined && key !== undefined && out.includes("Stop with Ctrl-C")) {
        clearTimeout(timer);
        resolve({
          url,
          key,
          output: () => `${out}\n${err}`,
          stop: async () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`perimeter up exited ${code}:\n${out}\n${err}`)));
  });
}

describe("perimeter up", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-up-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it("takes a fresh directory to a served, approved demo model that the openai client can chat with, and again on a rerun", async () => {
    const first = await up(cwd);
    try {
      const openai = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: first.key, maxRetries: 0 });
      const chat = await openai.chat.completions.create({ model: "perimeter-demo@1", messages: [{ role: "user", content: "Hello" }], max_tokens: 8 });
      expect(chat.model).toBe("perimeter-demo@1");
      expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
      expect((await openai.models.list()).data.map((m) => m.id)).toEqual(["perimeter-demo@1"]);
      expect(first.output()).toMatch(/approved perimeter-demo@1 by demo-approver \(submitted by demo-submitter\)/);

      // The dashboard's one-time link signs in once, as the admin role, and never again.
      expect(first.output()).toContain(`dashboard ${first.url}/ui/`);
      const link = new RegExp(`sign in\\s+${first.url}/ui/#signin=([A-Za-z0-9_-]{43})`).exec(first.output())?.[1];
      expect(link).toBeDefined();
      const signIn = () =>
        fetch(`${first.url}/control/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ link }) });
      const session = await signIn();
      expect(session.status).toBe(200);
      const signedIn = (await session.json()) as { csrf: string };
      expect(signedIn).toMatchObject({ actor: "demo-approver", roles: ["admin"], method: "link", identity: { name: "dashboard-admin" } });
      const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      expect((await fetch(`${first.url}/control/overview`, { headers: { cookie } })).status).toBe(200);
      // A policy change is checked on a worker thread of the installed bundle.
      const validated = await fetch(`${first.url}/control/policies/validate`, {
        method: "POST",
        headers: { cookie, "x-csrf-token": signedIn.csrf, "content-type": "application/json" },
        body: JSON.stringify({ target: "gateway", text: '@id("all") permit (principal, action, resource);' }),
      });
      expect(await validated.json()).toMatchObject({ valid: true, policies: [{ id: "all", effect: "permit" }] });
      expect((await signIn()).status).toBe(401);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const events = JSON.parse(perimeter(["audit", "list", "--last", "100", "--format", "json"], { cwd }).stdout) as Array<{ action: string }>;
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(["model.register", "evidence.scan", "model.approve", "runtime.register", "identity.create", "gateway.call"]),
    );
    expect(perimeter(["audit", "verify"], { cwd }).code).toBe(0);

    // A rerun reuses the model, the approval and the key: clients of the first run keep working.
    const second = await up(cwd);
    try {
      expect(second.key).toBe(first.key);
      expect(second.output()).not.toMatch(/registered perimeter-demo@1/);
      expect(second.output()).toMatch(/the same key as the last run \(kept in .*demo-app\.key/);
      const again = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: first.key, maxRetries: 0 });
      expect((await again.models.list()).data.map((m) => m.id)).toEqual(["perimeter-demo@1"]);
    } finally {
      await second.stop();
    }
    const keyFile = join(cwd, ".perimeter", "demo-app.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, "utf8").trim()).toBe(first.key);
  }, 120_000);

  it("refuses a second up while one runs, naming it, before touching its keys; a lost key file rotates with an overlap", async () => {
    const first = await up(cwd);
    try {
      const port = new URL(first.url).port;
      const second = perimeter(["up", "--port", port], { cwd });
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`perimeter up is already running here \\(pid \\d+, serving ${first.url.replace(/[.]/g, "\\.")}\\)`));
      expect(second.stderr).toMatch(/stop it with Ctrl-C or kill \d+, or start another with --port/);
      // The first run's clients never noticed.
      const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: first.key, maxRetries: 0 });
      expect((await client.models.list()).data.map((m) => m.id)).toEqual(["perimeter-demo@1"]);
      const rotations = (JSON.parse(perimeter(["audit", "list", "--last", "200", "--format", "json"], { cwd }).stdout) as Array<{ action: string }>).filter(
        (e) => e.action === "identity.rotate",
      );
      expect(rotations).toEqual([]);
    } finally {
      await first.stop();
    }

    // Someone else's server on the port: named by host and port.
    const other = createServer().listen(0, "127.0.0.1");
    await once(other, "listening");
    try {
      const port = (other.address() as AddressInfo).port;
      const busy = perimeter(["up", "--port", String(port)], { cwd });
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is in use by another process`);
    } finally {
      other.close();
    }

    // Without the kept key a restart rotates, and the old key keeps working for the overlap.
    rmSync(join(cwd, ".perimeter", "demo-app.key"));
    const third = await up(cwd);
    try {
      expect(third.key).not.toBe(first.key);
      expect(third.output()).toMatch(/a new key: no key was kept in .*; the 1 earlier key\(s\) keep working until/);
      const old = new OpenAI({ baseURL: `${third.url}/v1`, apiKey: first.key, maxRetries: 0 });
      expect((await old.models.list()).data.map((m) => m.id)).toEqual(["perimeter-demo@1"]);
    } finally {
      await third.stop();
    }
  }, 180_000);
});
