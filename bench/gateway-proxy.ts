// The bare pass-through proxy of bench/gateway.ts: node:http in front, an undici Pool behind (as the
// gateway's runtime client has), the request body forwarded and the answer sent back, nothing else: the
// ceiling for any Node proxy on this machine. Both bodies are buffered, as the gateway does: streaming them
// (req as undici's body, pipeline(body, res)) measured at 40% of this one's throughput here, and a ceiling
// must be the fastest. Run by bench/gateway.ts in a process of its own.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool, type Dispatcher } from "undici";
import { runChild } from "./gateway-child.js";

const upstream = process.env["BENCH_UPSTREAM_URL"];
if (upstream === undefined) throw new Error("BENCH_UPSTREAM_URL is not set");

await runChild(async () => {
  const pool = new Pool(upstream, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => {
      const headers = { "content-type": req.headers["content-type"] ?? "application/json" };
      const method = (req.method ?? "GET") as Dispatcher.HttpMethod;
      pool
        .request({ method, path: req.url ?? "/", headers, body: method === "POST" ? Buffer.concat(parts) : null })
        .then(async ({ statusCode, headers: h, body }) => {
          const answer = Buffer.from(await body.arrayBuffer());
          res.writeHead(statusCode, { "content-type": String(h["content-type"] ?? "application/json"), "content-length": answer.length });
          res.end(answer);
        })
        .catch((err: Error) => {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(err.message);
        });
    });
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
