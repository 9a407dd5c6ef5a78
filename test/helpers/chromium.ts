import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Page } from "playwright-core";

// Debian's Chromium driven by playwright-core, offline: every request that is not the page's own file is
// recorded and aborted, so a test can assert that a page needs no network.

export function chromiumPath(): string {
  const path = process.env["CHROMIUM_PATH"] ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
  if (path === undefined || !existsSync(path))
    throw new Error("no Chromium: install Debian's chromium package (scripts/test-services.sh does) or set CHROMIUM_PATH");
  return path;
}

/** Where tests leave screenshots for a person to look at. */
export function artifactsDir(): string {
  return process.env["PERIMETER_ARTIFACTS"] ?? join(tmpdir(), "perimeter-artifacts");
}

/** Run in the page (a string: this project compiles without the DOM's types): canvases with a painted pixel. */
const DRAWN_CANVASES = `(() => {
  let n = 0;
  for (const c of document.querySelectorAll("canvas")) {
    const ctx = c.getContext("2d");
    if (ctx === null || c.width === 0 || c.height === 0) continue;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) { n++; break; }
  }
  return n;
})()`;

/** How many canvases of the page have something drawn on them. */
export function drawnCanvases(page: Page): Promise<number> {
  return page.evaluate<number>(DRAWN_CANVASES);
}

export interface OpenedPage {
  readonly foreignRequests: string[];
  readonly consoleErrors: string[];
  /** Canvases with something drawn on them. */
  readonly chartsDrawn: number;
}

/** Open an HTML file, wait for it to settle, count the canvases drawn on, and save a screenshot. */
export async function openInChromium(file: string, options: { screenshot?: string; width?: number } = {}): Promise<OpenedPage> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
  try {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 900 } });
    const url = pathToFileURL(file).href;
    const foreignRequests: string[] = [];
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await page.route("**/*", (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      foreignRequests.push(u);
      return route.abort();
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForTimeout(300);
    const chartsDrawn = await drawnCanvases(page);
    if (options.screenshot !== undefined) await page.screenshot({ path: options.screenshot, fullPage: true });
    return { foreignRequests, consoleErrors, chartsDrawn };
  } finally {
    await browser.close();
  }
}
