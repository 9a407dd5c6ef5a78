// The tools page in Debian's Chromium against a real tool gateway and a real MCP tool server (the SDK's): a
// call that waits for an approver shows up in the page without a reload, is allowed by clicking, and the
// agent's call returns at once; a server's tools are reviewed and pinned from the page. Each is checked in the
// page and in the store; the page is screenshotted at both widths and checked by axe-core.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ToolRepository } from "../../src/tools/repository.js";
import { startToolServer, type ToolServerHandle } from "../fixtures/tools/tool-server.js";
import { artifactsDir, chromiumPath } from "../helpers/chromium.js";
import { startToolPerimeter, type ToolPerimeter } from "../tools/setup.js";
import { axeViolations, buildDashboard, openPage, serious, type Watched } from "./browser.js";

describe("the tools page in a browser", () => {
  let tools: ToolServerHandle;
  let p: ToolPerimeter;
  let browser: Browser;
  let admin: string;
  let viewer: string;
  let agentKey: string;
  const opened: Watched[] = [];
  const shots = join(artifactsDir(), "dashboard");

  beforeAll(async () => {
    buildDashboard();
    mkdirSync(shots, { recursive: true });
    tools = await startToolServer();
    p = await startToolPerimeter(
      "sqlite",
      { servers: [{ name: "files", url: tools.url, approval: "required" }], approvalTimeoutSeconds: 60 },
      { approve: ["files"] },
    );
    admin = (await p.key("tools-admin", ["admin"], "sec-team")).key;
    viewer = (await p.key("tools-viewer", ["viewer"], "auditors")).key;
    agentKey = (await p.key("agent")).key;
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
  }, 60_000);
  afterAll(async () => {
    for (const w of opened) await w.close();
    await browser?.close();
    await p?.close();
    await tools?.close();
  });

  async function signedIn(key: string, width = 1280): Promise<Page> {
    const w = await openPage(browser, width);
    opened.push(w);
    await w.page.goto(`${p.url}/ui/`);
    await w.page.getByLabel("API key").fill(key);
    await w.page.getByRole("button", { name: "Sign in" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await w.page.goto(`${p.url}/ui/#/tools`);
    await w.page.getByRole("heading", { level: 1, name: "Tools" }).waitFor();
    return w.page;
  }

  it("shows a held call without a reload, allows it by clicking, and the agent's call returns", async () => {
    const page = await signedIn(admin);
    await page.getByText("No tool call is waiting.").waitFor();
    const servers = page.getByRole("region", { name: "Tool servers" });
    await servers.getByRole("rowheader", { name: /^files/ }).waitFor();
    expect(await servers.getByRole("row", { name: /^files/ }).textContent()).toMatch(/yes\s*7\s*by olga/);

    const agent = await p.agent(agentKey);
    const call = agent.callTool({ name: "files__echo", arguments: { text: "allowed in the dashboard" } });
    // The page asks again every few seconds: the waiting call appears without anyone reloading.
    const allow = page.getByRole("button", { name: "Allow echo for agent" });
    await allow.waitFor({ timeout: 10_000 });
    const waiting = page.getByRole("region", { name: "Calls waiting for an approver" });
    expect(await waiting.getByRole("row", { name: /files\/echo/ }).textContent()).toContain("allowed in the dashboard");
    for (const width of [1280, 390] as const) {
      await page.setViewportSize({ width, height: 900 });
      expect(serious(await axeViolations(page))).toEqual([]);
      await page.screenshot({ path: join(shots, `tools-waiting-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await allow.click();
    await page.getByRole("status").filter({ hasText: "Allowed files/echo for agent." }).waitFor();
    const result = await call;
    expect((result.content as { text: string }[])[0]?.text).toBe("allowed in the dashboard");
    await page.getByText("No tool call is waiting.").waitFor();
    const decided = (await new ToolRepository(p.store).listApprovals()).filter((a) => a.tool === "echo");
    expect(decided.map((a) => [a.state, a.decidedBy])).toEqual([["allowed", "sec-team"]]);
  });

  it("reviews a server's tools against their pins and pins them again, for approvers only", async () => {
    const page = await signedIn(admin);
    await page.getByRole("button", { name: "Review the tools of files" }).click();
    const review = page.getByRole("region", { name: "The tools of files now" });
    await review.getByRole("rowheader", { name: /^echo/ }).waitFor();
    expect(await review.getByRole("row", { name: /^echo/ }).textContent()).toContain("unchanged");
    expect(serious(await axeViolations(page))).toEqual([]);
    await page.screenshot({ path: join(shots, "tools-review-1280.png"), fullPage: true });
    const before = (await new ToolRepository(p.store).pins("files")).map((x) => x.approvedAt);

    await review.getByRole("button", { name: "Pin the tools of files" }).click();
    await page.getByRole("status").filter({ hasText: "Pinned 7 tools of files." }).waitFor();
    const after = await new ToolRepository(p.store).pins("files");
    expect(after.map((x) => x.approvedBy)).toEqual(Array(7).fill("sec-team"));
    expect(after.every((x, i) => x.approvedAt > (before[i] ?? ""))).toBe(true);

    // A viewer sees the servers and the pins, and no button that would be refused.
    const seen = await signedIn(viewer, 390);
    await seen
      .getByRole("region", { name: "Tool servers" })
      .getByRole("rowheader", { name: /^files/ })
      .waitFor();
    expect(await seen.getByRole("button", { name: /Review the tools of/ }).count()).toBe(0);
    expect(serious(await axeViolations(seen))).toEqual([]);
    await seen.screenshot({ path: join(shots, "tools-viewer-390.png"), fullPage: true });
  });
});
