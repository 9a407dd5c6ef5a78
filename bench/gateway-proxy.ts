// The bare pass-through proxy of bench/gateway.ts: node:http in front, an undici Pool behind (as the
// gateway's runtime client has), the request body streamed up and the answer piped back, nothing else.
// The ceiling for any Node proxy on this machine. Run by bench/gateway.ts in a process of its own.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream";
import { Pool, type Dispatcher } from "undici";
import { runChild } from "./gateway-child.js";

const upstream = process.env["BENCH_UPSTREAM_URL"];
if (upstream === undefined) throw new Error("BENCH_UPSTREAM_URL is not set");

await runChild(async () => {
  const pool = new Pool(upstream, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
  const server = createServer((req, res) => {
    const headers: Record<string, string> = { "content-type": req.headers["content-type"] ?? "application/json" };
    if (req.headers["content-length"] !== undefined) headers["content-length"] = req.headers["content-length"];
    pool.request({ method: (req.method ?? "GET") as Dispatcher.HttpMethod, path: req.url ?? "/", headers, body: req.method === "POST" ? req : null }).then(
      ({ statusCode, headers: h, body }) => {
        const out: Record<string, string> = { "content-type": String(h["content-type"] ?? "application/json") };
        if (h["content-length"] !== undefined) out["content-length"] = String(h["content-length"]);
        res.writeHead(statusCode, out);
        pipeline(body, res, () => undefined);
      },
      (err: Error) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ready: { url: `http://127.0.0.1:${port}` },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
});
