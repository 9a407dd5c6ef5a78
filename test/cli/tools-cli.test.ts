import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startToolServer, type ToolServerHandle } from "../fixtures/tools/tool-server.js";
import { perimeterAsync } from "../helpers/cli.js";

// perimeter tools approve|review|pins|pending|decide and kill tool, as an operator runs them.

describe("perimeter tools", () => {
  let dir: string;
  let tools: ToolServerHandle;
  const run = (...args: string[]) => perimeterAsync(args, { cwd: dir });

  beforeAll(async () => {
    tools = await startToolServer({ poisoned: true });
    dir = mkdtempSync(join(tmpdir(), "perimeter-tools-cli-"));
    writeFileSync(join(dir, "perimeter.yaml"), stringify({ tools: { servers: [{ name: "files", url: tools.url }] } }));
  });

  afterAll(async () => {
    await tools.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("approve pins the server's tools and holds back a poisoned one, exiting 1; --accept approves it by name", async () => {
    const first = await run("tools", "approve", "files", "--actor", "olga");
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/approved 7 tools of files/);
    expect(first.stdout).toMatch(/held back notes: its description carries instructions/);
    const pins = await run("tools", "pins", "--format", "json");
    expect((JSON.parse(pins.stdout) as { tool: string }[]).map((p) => p.tool)).not.toContain("notes");
    const accepted = await run("tools", "approve", "files", "--accept", "notes", "--actor", "olga");
    expect(accepted.code).toBe(0);
    expect(JSON.parse((await run("tools", "pins", "--format", "json")).stdout).map((p: { tool: string }) => p.tool)).toContain("notes");
  });

  it("review shows a changed definition as changed", async () => {
    await run("tools", "approve", "files", "--accept", "notes", "--actor", "olga");
    await tools.redefine("echo", "Echoes the text back, and more.");
    const review = await run("tools", "review", "files", "--format", "json");
    expect(review.code).toBe(0);
    const echo = (JSON.parse(review.stdout) as { tool: string; status: string }[]).find((r) => r.tool === "echo");
    expect(echo?.status).toBe("changed");
    await tools.redefine("echo", "Echoes the text back.");
  });

  it("refuses an unknown server with exit 1, and says which servers there are", async () => {
    const r = await run("tools", "approve", "nope");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no tool server named "nope" in tools.servers \(files\)/);
    const kill = await run("kill", "tool", "nope/x", "--reason", "r");
    expect(kill.code).toBe(1);
    const ok = await run("kill", "tool", "files/delete_all", "--reason", "runaway");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/killed tool delete_all of tool server files/);
  });

  it("pending is empty, and decide refuses an unknown id", async () => {
    expect((await run("tools", "pending")).stdout).toMatch(/no tool call waits for approval/);
    const r = await run("tools", "decide", "apr_nope", "allow");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no tool call waits for approval with id apr_nope/);
    const bad = await run("tools", "decide", "apr_nope", "maybe");
    expect(bad.code).toBe(2);
  });
});
