import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsDir, chromiumPath } from "../helpers/chromium.js";
import { perimeterAsync } from "../helpers/cli.js";

// The HTML report as an auditor opens it: one file, in Debian's Chromium, with every request that is not the
// file itself recorded and aborted. It must draw without the network, say which controls fail and why, and
// carry what ties it to the audit log: the digest of the JSON it embeds, the log's signed head, and the
// report.generate event that names the digest. Screenshots at desktop and phone widths are left for a person.

const artifacts = artifactsDir();

describe("the HTML compliance report in Chromium", () => {
  let cwd: string;
  let file: string;
  const run = (args: string[]) => perimeterAsync(args, { cwd, env: { PERIMETER_ACTOR: "ops" } });

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-report-html-"));
    // A gap to show: an identity with a hostile name that never expires.
    const hostile = "bot</td><script>window.__pwned=1</script>";
    expect((await run(["identity", "create", "bot-x", "--owner", hostile, "--kind", "agent"])).code).toBe(0);
    file = join(cwd, "out", "report.html");
    const r = await run(["report", "--format", "html", "--output", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrote .*report\.html: \d+ fail, \d+ partial, \d+ pass, \d+ not applicable \(sha256:[0-9a-f]{64}, audit event #\d+\)/);
  }, 60_000);
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  for (const width of [1280, 390]) {
    it(`renders at ${width} px with no network, names the failing controls, and ties itself to the audit log`, async () => {
      const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
      try {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        const url = pathToFileURL(file).href;
        const foreign: string[] = [];
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(e.message));
        await page.route("**/*", (route) => {
          if (route.request().url() === url) return route.continue();
          foreign.push(route.request().url());
          return route.abort();
        });
        await page.goto(url, { waitUntil: "load" });
        expect(foreign).toEqual([]);
        expect(errors).toEqual([]);
        expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined();

        // The NHI table shows NHI7 (long-lived secrets) failing, with the identity's gap in words.
        const nhi7 = page.locator("#owasp-nhi-NHI7");
        await expect.poll(() => nhi7.locator(".status").textContent()).toBe("FAIL");
        expect(await nhi7.textContent()).toMatch(/bot-x \(id_[0-9a-f]+\) never expires/);
        // A control no check covers is marked not applicable, not passed.
        expect(await page.locator("#owasp-llm-LLM09 .status").textContent()).toBe("n/a");
        expect(Number(await page.locator(".count b").first().textContent())).toBeGreaterThan(0);

        // The digest is the SHA-256 of the embedded JSON, and that JSON is the report's.
        const digest = (await page.locator("#report-digest").textContent())?.replace("sha256:", "");
        const embedded = Buffer.from((await page.locator("#report-json").textContent()) ?? "", "base64");
        expect(createHash("sha256").update(embedded).digest("hex")).toBe(digest);
        const json = JSON.parse(embedded.toString("utf8")) as { auditHead: { size: number; note: string; verified: boolean }; controls: unknown[] };
        expect(json.auditHead.verified).toBe(true);
        expect(await page.locator("#audit-note").textContent()).toBe(json.auditHead.note);
        expect(await page.locator("#audit-head").textContent()).toMatch(new RegExp(`^${json.auditHead.size} events, root [0-9a-f]{64} — signature verified`));

        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: join(artifacts, `compliance-report-${width}.png`), fullPage: true });
        // Nothing wider than the page at a phone's width.
        if (width < 500) expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(width + 1);
      } finally {
        await browser.close();
      }
    }, 60_000);
  }

  it("is named in the audit log by its digest", async () => {
    const html = readFileSync(file, "utf8");
    const digest = /id="report-digest">sha256:([0-9a-f]{64})</.exec(html)?.[1];
    const listed = await run(["audit", "list", "--action", "report.generate", "--format", "json"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(digest);
  });
});
