// The kill switch end to end: through the real CLI and the control API, against a gateway serving real
// calls, and through admission. What a person names is what stops.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/server.js";
import { listKills } from "../../src/killswitch/index.js";
import { admitFiles, bundleSource, exportAdmissionBundle, storeSource } from "../../src/lifecycle/admission.js";
import { resolveTrustedSigners } from "../../src/lifecycle/signers.js";
import { loadOrCreateSigningKey } from "../../src/audit/checkpoint.js";
import { createPublicKey } from "node:crypto";
import { perimeterAsync } from "../helpers/cli.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { STORE_KINDS } from "../helpers/stores.js";

describe.each(STORE_KINDS)("the kill switch through the gateway on %s", (kind) => {
  let p: Perimeter;
  let server: RunningServer;
  let admin: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter(kind);
    ({ server } = await p.serve());
    admin = await p.key("soc-admin", { scopes: ["admin"] });
  });
  afterAll(async () => {
    await p?.close();
  });

  const chat = async (key: string, model = "vllm-llama@1") => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
    });
    const body = (await res.json()) as { error?: { message: string; code: string } };
    return { status: res.status, message: body.error?.message ?? "" };
  };
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin.key}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const cli = (...args: string[]) => perimeterAsync(args, { cwd: p.env.dir, env: { PERIMETER_CONFIG: p.env.configFile } });
  /** Until the gateway's poll has seen the store (killPollMs is 100 in these tests). */
  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 50 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await check()).toBe(true);
  };

  it("stops an identity's key at once when the control API kills it by name, and lifts it by name", async () => {
    const agent = await p.key("compromised-agent");
    const bystander = await p.key("bystander");
    expect((await chat(agent.key)).status).toBe(200);
    const killed = await control("/control/kill", { kind: "identity", target: "compromised-agent", reason: "key in a public repo" });
    expect(killed).toMatchObject({
      status: 200,
      body: { killed: { kind: "identity", target: agent.id, covers: `identity compromised-agent (${agent.id})` }, appliedHere: true },
    });
    // No waiting for a poll: the control API re-read this gateway's kill switch.
    expect(await chat(agent.key)).toMatchObject({ status: 403, message: expect.stringContaining("key in a public repo") });
    expect((await chat(bystander.key)).status).toBe(200);
    expect((await control("/control/kills")).body["kills"]).toEqual([
      expect.objectContaining({ kind: "identity", target: agent.id, covers: `identity compromised-agent (${agent.id})`, killedBy: "app-team" }),
    ]);
    expect(await control("/control/lift", { kind: "identity", target: "compromised-agent", reason: "key rotated" })).toMatchObject({
      status: 200,
      body: { lifted: { target: agent.id } },
    });
    expect((await chat(agent.key)).status).toBe(200);
  });

  it("`perimeter kill identity NAME` stops that identity's key, `kill list` shows the id, and `kill lift` takes the name", async () => {
    const agent = await p.key("leaky-agent");
    expect((await chat(agent.key)).status).toBe(200);
    const r = await cli("kill", "identity", "leaky-agent", "--reason", "token in CI logs", "--actor", "soc");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`killed identity leaky-agent (${agent.id})`);
    await eventually(async () => (await chat(agent.key)).status === 403);
    expect((await chat(agent.key)).message).toContain("token in CI logs");
    const list = await cli("kill", "list", "--format", "json");
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ kind: "identity", target: agent.id, covers: `identity leaky-agent (${agent.id})` })]);
    expect((await cli("kill", "lift", "identity", "leaky-agent", "--reason", "rotated", "--actor", "soc")).code).toBe(0);
    await eventually(async () => (await chat(agent.key)).status === 200);
  });

  it("`perimeter kill model NAME` without a version stops every version of it", async () => {
    const app = await p.key("model-user");
    expect((await chat(app.key, "vllm-llama@1")).status).toBe(200);
    const r = await cli("kill", "model", "vllm-llama", "--reason", "poisoned base", "--actor", "soc");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("killed model vllm-llama, every version (vllm-llama@1)");
    await eventually(async () => (await chat(app.key, "vllm-llama@1")).status === 403);
    // Called by its bare name, the version it resolves to is killed too; other models are not.
    expect((await chat(app.key, "vllm-llama")).status).toBe(403);
    expect((await chat(app.key, "ollama-llama@1")).status).toBe(200);
    expect((await cli("kill", "lift", "model", "vllm-llama", "--reason", "retrained", "--actor", "soc")).code).toBe(0);
    await eventually(async () => (await chat(app.key, "vllm-llama@1")).status === 200);
  });

  it("refuses unknown targets on the CLI with exit 1 and a message that says what to check, and kills nothing", async () => {
    for (const [k, target, says] of [
      ["identity", "nobody-by-this-name", "perimeter identity list"],
      ["runtime", "no-such-runtime", "perimeter runtime list"],
      ["model", "vllm-llama@42", "perimeter model list"],
      ["model", "never-registered", "perimeter model list"],
    ] as const) {
      const r = await cli("kill", k, target, "--reason", "x", "--actor", "soc");
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(says);
      expect(r.stderr).toContain("[KILL_TARGET_NOT_FOUND]");
    }
    const lift = await cli("kill", "lift", "model", "vllm-llama@1", "--reason", "x", "--actor", "soc");
    expect(lift.code).toBe(1);
    expect(lift.stderr).toContain("[KILL_NOT_FOUND]");
    expect(await listKills(p.store)).toEqual([]);
  });

  it("admission refuses a killed version, a killed model name and a killed runtime, online and from a bundle issued after", async () => {
    const dir = join(p.work, "vllm-llama");
    const source = storeSource(p.store, resolveTrustedSigners(p.env.loaded));
    expect(await admitFiles(source, dir, "default", undefined, "vllm")).toMatchObject({ allow: true, model: "vllm-llama@1" });

    expect((await cli("kill", "model", "vllm-llama@1", "--reason", "jailbreak", "--actor", "soc")).code).toBe(0);
    expect(await admitFiles(source, dir, "default")).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/is vllm-llama@1, which is killed: model vllm-llama@1 was killed by soc: jailbreak/),
    });
    const key = loadOrCreateSigningKey(join(p.env.dir, "keys/lifecycle.pem"), false);
    const { envelope } = await exportAdmissionBundle(p.store, resolveTrustedSigners(p.env.loaded), key, 1, "default");
    expect(await admitFiles(bundleSource(JSON.stringify(envelope), createPublicKey(key)), dir, "default")).toMatchObject({
      allow: false,
      reason: expect.stringContaining("killed"),
    });
    expect((await cli("kill", "lift", "model", "vllm-llama@1", "--reason", "fixed", "--actor", "soc")).code).toBe(0);

    expect((await cli("kill", "model", "vllm-llama", "--reason", "whole family", "--actor", "soc")).code).toBe(0);
    expect(await admitFiles(source, dir, "default")).toMatchObject({
      allow: false,
      reason: expect.stringContaining("model vllm-llama (every version) was killed by soc: whole family"),
    });
    expect((await cli("kill", "lift", "model", "vllm-llama", "--reason", "fixed", "--actor", "soc")).code).toBe(0);

    expect((await cli("kill", "runtime", "vllm", "--reason", "unpatched CVE", "--actor", "soc")).code).toBe(0);
    expect(await admitFiles(source, dir, "default", undefined, "vllm")).toMatchObject({
      allow: false,
      reason: "runtime vllm may load nothing: runtime vllm was killed by soc: unpatched CVE",
    });
    // Another runtime may still load these files.
    expect(await admitFiles(source, dir, "default", undefined, "ollama")).toMatchObject({ allow: true });
    const after = await exportAdmissionBundle(p.store, resolveTrustedSigners(p.env.loaded), key, 1, "default");
    expect(await admitFiles(bundleSource(JSON.stringify(after.envelope), createPublicKey(key)), dir, "default", undefined, "vllm")).toMatchObject({
      allow: false,
      reason: expect.stringContaining("unpatched CVE"),
    });
    expect((await cli("kill", "lift", "runtime", "vllm", "--reason", "patched", "--actor", "soc")).code).toBe(0);
    expect(await admitFiles(source, dir, "default", undefined, "vllm")).toMatchObject({ allow: true });
  });
});
