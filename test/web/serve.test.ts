// How the dashboard's files are served: exact routes made at start, a Content-Security-Policy that allows the
// page's own files and nothing else, caching that lets hashed assets stay and the page never go stale, and a
// server that says what to do when the dashboard was never built.

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/http/server.js";
import { CONTENT_SECURITY_POLICY, dashboardDir, webRoutes } from "../../src/web/serve.js";
import { buildDashboard, ROOT } from "./browser.js";

describe("serving the dashboard", () => {
  let dir: string;
  let server: RunningServer;
  let html: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "perimeter-web-"));
    buildDashboard(dir);
    server = await startServer({ host: "127.0.0.1", port: 0, routes: webRoutes({ dir }) });
    html = await (await fetch(`${server.url}/ui/`)).text();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const assets = () => readdirSync(join(dir, "assets"));
  const named = (pattern: RegExp) => assets().find((f) => pattern.test(f)) as string;

  it("serves the page at /ui/ with a policy that forbids inline script, inline style and every other origin", async () => {
    const res = await fetch(`${server.url}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("builds a page with no inline script or style, naming only its own hashed files", () => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs).toHaveLength(3);
    for (const ref of refs) expect(ref).toMatch(/^\/ui\/assets\/(app|icon)-[A-Za-z0-9]{8}\.(js|css|svg)$/);
    expect(named(/^app-.*\.js$/)).toBeDefined();
    expect(named(/^app-.*\.css$/)).toBeDefined();
  });

  it("serves each asset with its type, cacheable for good, gzipped when the browser takes it", async () => {
    const js = named(/^app-.*\.js$/);
    const css = named(/^app-.*\.css$/);
    const script = await fetch(`${server.url}/ui/assets/${js}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(script.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    const style = await fetch(`${server.url}/ui/assets/${css}`);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");

    // fetch() asks for gzip and undoes it; node:http shows the bytes as sent.
    const { request } = await import("node:http");
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(`${server.url}/ui/assets/${js}`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
      })
        .on("error", reject)
        .end();
    });
    expect(raw.encoding).toBe("gzip");
    expect(gunzipSync(raw.body).toString("utf8")).toBe(await (await fetch(`${server.url}/ui/assets/${js}`)).text());
  });

  it("sends / and /ui to /ui/, and answers 404 for a file the build did not make", async () => {
    const root = await fetch(`${server.url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/ui/");
    const bare = await fetch(`${server.url}/ui`, { redirect: "manual" });
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe("/ui/");
    expect((await fetch(`${server.url}/ui/assets/../../package.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/ui/assets/%2e%2e%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/ui/index.html`)).status).toBe(404);
  });

  it("answers 503 saying to run npm run build when the dashboard was never built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "perimeter-web-none-"));
    const bare = await startServer({ host: "127.0.0.1", port: 0, routes: webRoutes({ dir: empty }) });
    try {
      const res = await fetch(`${bare.url}/ui/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("run `npm run build`");
      expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("finds the build in dist/web from the source tree", () => {
    expect(dashboardDir()).toBe(join(ROOT, "dist", "web"));
  });
});
