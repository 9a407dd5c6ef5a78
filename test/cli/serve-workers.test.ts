// `perimeter serve --workers N`: N processes answer on one port; what changes through one reaches the others
// at once, a worker that dies is replaced, and a configuration whose state would split is refused.

import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { perimeterAsync } from "../helpers/cli.js";
import { startReplica, type Replica } from "../helpers/replicas.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";

/** A call on a connection of its own: the primary hands each new connection to the next worker in turn. */
function call(url: string, key: string, path = "/v1/chat/completions", body: unknown = { model: "vllm-llama@1", messages: [{ role: "user", content: "hi" }] }) {
  return new Promise<{ status: number; code: string | undefined; text: string }>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: "POST", agent: false, headers: { "content-type": "application/json", authorization: `Bearer ${key}` } },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => {
          text += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code, text }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

function workerPids(primary: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(primary)], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe("perimeter serve --workers 2 on the embedded store", () => {
  let p: Perimeter;
  let served: Replica;
  let admin: string;
  let agent: { key: string; id: string };

  beforeAll(async () => {
    // The poll is a minute: only the workers telling each other can make a kill bite on both at once.
    p = await startPerimeter("sqlite", { gateway: { killPollMs: 60_000 } });
    admin = (await p.key("ops-admin", { scopes: ["admin"] })).key;
    served = await startReplica({ configFile: p.env.configFile, cwd: p.env.dir, workers: 2 });
  }, 120_000);
  afterAll(async () => {
    await served?.stop();
    await p?.close();
  });

  it("answers on one port from two processes, and a kill through either reaches both at once", async () => {
    expect(workerPids(served.pid)).toHaveLength(2);
    agent = await p.key("relay-agent");
    for (let i = 0; i < 6; i++) {
      const r = await call(served.url, agent.key);
      expect(r.status, r.text).toBe(200);
    }
    expect(await call(served.url, admin, "/control/kill", { kind: "identity", target: "relay-agent", reason: "key leaked" })).toMatchObject({ status: 200 });
    // Each call on a new connection, so both workers answer some; SQLite has no change channel, the poll is a
    // minute away: the worker that took the kill told the other.
    const deadline = Date.now() + 2000;
    let answers: number[] = [];
    do answers = await Promise.all(Array.from({ length: 6 }, async () => (await call(served.url, agent.key)).status));
    while (answers.some((s) => s !== 403) && Date.now() < deadline);
    expect(answers).toEqual([403, 403, 403, 403, 403, 403]);
  });

  it("replaces a worker that dies, which serves with the kills in force", async () => {
    const before = workerPids(served.pid);
    const victim = before[0] as number;
    process.kill(victim, "SIGKILL");
    // A new worker spends seconds of CPU starting (compiling the guards): on a busy machine, a minute or more.
    const deadline = Date.now() + 90_000;
    let now = workerPids(served.pid);
    while ((now.length < 2 || now.includes(victim)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = workerPids(served.pid);
    }
    expect(now).toHaveLength(2);
    expect(now).not.toContain(victim);
    // The primary says so in its log (written asynchronously: it may follow the new worker).
    const said = Date.now() + 10_000;
    while (!/a worker died: starting another/.test(served.logs()) && Date.now() < said) await new Promise((r) => setTimeout(r, 100));
    expect(served.logs()).toMatch(/a worker died: starting another/);
    const bystander = await p.key("bystander");
    // The new worker takes connections once it listens.
    const ok = Date.now() + 60_000;
    let statuses: number[] = [];
    let texts: string[] = [];
    do {
      const answers = await Promise.all(Array.from({ length: 6 }, () => call(served.url, bystander.key)));
      statuses = answers.map((a) => a.status);
      texts = answers.filter((a) => a.status !== 200).map((a) => a.text);
    } while (statuses.some((s) => s !== 200) && Date.now() < ok);
    expect(statuses, texts.join("\n")).toEqual([200, 200, 200, 200, 200, 200]);
    // The new worker read the kills when it started.
    expect(await Promise.all(Array.from({ length: 6 }, async () => (await call(served.url, agent.key)).code))).toEqual(Array(6).fill("KILLED"));
  }, 180_000);

  it("refuses --workers 2 when limits would be kept in each process's memory, naming the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "perimeter-workers-"));
    try {
      writeFileSync(join(dir, "perimeter.yaml"), "gateway:\n  limits:\n    identity:\n      requestsPerMinute: 60\n");
      const r = await perimeterAsync(["serve", "--workers", "2", "--port", "0"], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--workers 2 cannot serve this configuration: gateway\.limits are kept in each process's memory without gateway\.redisUrl/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
