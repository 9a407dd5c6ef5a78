import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { perimeter } from "../helpers/cli.js";

const BIN = fileURLToPath(new URL("../../bin/perimeter.js", import.meta.url));

/** Start `perimeter up` in `cwd` and wait for its banner; resolves with the URL, the key and a stop function. */
function up(cwd: string): Promise<{ url: string; key: string; stop(): Promise<number | null>; output(): string }> {
  const child = spawn(process.execPath, [BIN, "up", "--port", "0"], { cwd, env: { PATH: process.env["PATH"], HOME: process.env["HOME"] } });
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
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const events = JSON.parse(perimeter(["audit", "list", "--last", "100", "--format", "json"], { cwd }).stdout) as Array<{ action: string }>;
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["model.register", "evidence.scan", "model.approve", "runtime.register", "identity.create", "gateway.call"]));
    expect(perimeter(["audit", "verify"], { cwd }).code).toBe(0);

    // A rerun reuses the model and approval and issues a fresh key; the old one stops working.
    const second = await up(cwd);
    try {
      expect(second.key).not.toBe(first.key);
      expect(second.output()).not.toMatch(/registered perimeter-demo@1/);
      const stale = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: first.key, maxRetries: 0 });
      await expect(stale.models.list()).rejects.toMatchObject({ status: 401 });
    } finally {
      await second.stop();
    }
  }, 120_000);
});
