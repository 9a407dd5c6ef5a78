import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// Several processes starting at once on a fresh install (a server and CLI commands, or the test writers)
// each find no audit key and create one: they must all end up signing with the same, whole key.
describe("the audit signing key", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("is created once when several processes race to create it, and each reads it whole", async () => {
    dir = mkdtempSync(join(tmpdir(), "perimeter-key-race-"));
    const path = join(dir, "keys", "audit.pem");
    const module = new URL("../../src/audit/checkpoint.ts", import.meta.url).href;
    const code = `
      const { loadOrCreateSigningKey } = await import(${JSON.stringify(module)});
      const { createPublicKey } = await import("node:crypto");
      process.stdout.write("ready\\n");
      process.stdin.once("data", () => {
        const key = loadOrCreateSigningKey(${JSON.stringify(path)}, true);
        process.stdout.write(createPublicKey(key).export({ type: "spki", format: "pem" }).toString());
        process.exit(0);
      });`;
    const children = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout.on("data", () => out.startsWith("ready\n") && resolve());
        child.on("exit", () => reject(new Error(`exited before ready: ${err}`)));
      });
      const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
        child.on("exit", (c) => resolve({ code: c, out: out.replace(/^ready\n/, ""), err })),
      );
      return { child, ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write("go\n"); // as close to the same moment as can be
    const results = await Promise.all(children.map((c) => c.done));
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0 });
    const keys = new Set(results.map((r) => r.out));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    // One key file, private to its owner, and no temporary files left behind.
    expect(readdirSync(join(dir, "keys"))).toEqual(["audit.pem"]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  }, 60_000);
});
