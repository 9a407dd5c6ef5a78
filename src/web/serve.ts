import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { RawRoute, Route } from "../http/server.js";

// The dashboard's files, served at /ui/ beside the control API. The routes are exact paths made once at start
// from what the build wrote (dist/web): nothing from a request's path ever reaches the file system. Every
// answer carries a Content-Security-Policy that allows the page's own script and stylesheet and nothing else —
// no inline script or style, no other origin.

export const UI_PATH = "/ui/";

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/** Worth compressing once at start: text that browsers take gzipped. */
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".map", ".txt", ".json"]);

export interface WebOptions {
  /** The built dashboard (index.html and assets/); by default dist/web of this installation. */
  readonly dir?: string | undefined;
}

/**
 * Where the build put the dashboard, found from this module's own location: src/web/serve.ts (under tsx or
 * vitest), dist/web/serve.js (tsc's output) and a chunk in dist/bin/ (the bundled CLI) all name the same dist/web.
 */
export function dashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, "../web"), resolve(here, "../../dist/web")];
  return (
    candidates.find((d) => existsSync(join(d, "index.html"))) ?? (here.endsWith(join("src", "web")) ? (candidates[1] as string) : (candidates[0] as string))
  );
}

interface StaticFile {
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

export function webRoutes(options: WebOptions = {}): Route[] {
  const dir = options.dir ?? dashboardDir();
  const redirect = (path: string, to: string, status: number): Route => ({
    method: "GET",
    path,
    handle: async () => ({ status, headers: { ...SECURITY_HEADERS, location: to, "cache-control": "no-store" } }),
  });
  const redirects = [redirect("/", UI_PATH, 302), redirect("/ui", UI_PATH, 301)];
  const unavailable = (why: string): Route => ({
    method: "GET",
    path: UI_PATH,
    handle: async () => ({
      status: 503,
      text: `${why}: run \`npm run build\` (it bundles src/web/app into ${dir}), then restart the server.\nThe control API answers meanwhile: /control/openapi.json describes it.\n`,
      headers: { ...SECURITY_HEADERS, "cache-control": "no-store" },
    }),
  });
  if (!existsSync(join(dir, "index.html"))) return [...redirects, unavailable("The dashboard is not built")];
  try {
    return [...redirects, ...fileRoutes(dir)];
  } catch (err) {
    // A build replacing the files as the server starts: the gateway and the control API must start regardless.
    return [...redirects, unavailable(`The dashboard's files could not be read (${(err as Error).message})`)];
  }
}

function fileRoutes(dir: string): Route[] {
  // The page names the hashed assets, so it must never be cached: a new build is seen on the next load.
  const routes: Route[] = [fileRoute(UI_PATH, file(join(dir, "index.html"), "no-store"))];
  const assets = join(dir, "assets");
  if (existsSync(assets))
    for (const name of readdirSync(assets).sort()) {
      const path = join(assets, name);
      if (!statSync(path).isFile()) continue;
      // Content-hashed names change whenever the content does: a browser may keep each for good.
      routes.push(fileRoute(`${UI_PATH}assets/${encodeURIComponent(name)}`, file(path, "public, max-age=31536000, immutable")));
    }
  return routes;
}

function file(path: string, cacheControl: string): StaticFile {
  const body = readFileSync(path);
  const ext = extname(path).toLowerCase();
  const gzipped = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
  return {
    body,
    gzipped,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream",
      "cache-control": cacheControl,
      ...(gzipped === undefined ? {} : { vary: "accept-encoding" }),
    },
  };
}

function fileRoute(path: string, f: StaticFile): RawRoute {
  return {
    method: "GET",
    path,
    raw(req: IncomingMessage, res: ServerResponse) {
      const gzip = f.gzipped !== undefined && acceptsGzip(req);
      const body = gzip ? (f.gzipped as Buffer) : f.body;
      res.writeHead(200, { ...f.headers, "content-length": body.length, ...(gzip ? { "content-encoding": "gzip" } : {}) });
      res.end(body);
    },
  };
}

function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers["accept-encoding"];
  if (typeof header !== "string") return false;
  return header.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip") return false;
    // gzip;q=0 is a refusal.
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
}
