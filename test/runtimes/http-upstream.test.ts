import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpUpstream } from "../../src/runtimes/http-upstream.js";
import { startFixtureServer, type FixtureServer } from "../fixtures/fake-ollama.js";

// The HTTP runtime client reads a JSON answer whole only within its bound, whether or not the runtime
// declared the length; a runtime that sends more is refused with a reason, never buffered without end.
describe("HTTP runtime client", () => {
  let server: FixtureServer;
  const big = JSON.stringify({ id: "x", pad: "y".repeat(4096) });
  beforeAll(async () => {
    server = await startFixtureServer((req, res) => {
      const mode = req.path.includes("completions") ? (req.json as { model?: string }).model : "";
      if (mode === "declared") {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(big) });
        res.end(big);
      } else if (mode === "chunked") {
        res.writeHead(200, { "content-type": "application/json" }); // no length: chunked
        for (let i = 0; i < big.length; i += 512) res.write(big.slice(i, i + 512));
        res.end();
      } else if (mode === "lying") {
        // Declares 64 MiB and sends a few bytes: refused on the declaration, nothing waits for the rest.
        res.writeHead(200, { "content-type": "application/json", "content-length": 64 * 1024 * 1024 });
        res.write("{");
      } else {
        const body = JSON.stringify({ id: "ok", model: mode });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
      }
    });
  });
  afterAll(async () => server?.close());

  const call = (model: string, maxResponseBytes?: number) =>
    httpUpstream({ name: "fake", url: `${server.url}/v1`, timeoutMs: 5000, ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }) }).call(
      "/v1/chat/completions",
      { model, messages: [] },
      new AbortController().signal,
    );

  it("reads answers within the bound, declared or chunked", async () => {
    expect(await call("small")).toMatchObject({ kind: "json", status: 200, body: { id: "ok", model: "small" } });
    expect(await call("declared")).toMatchObject({ kind: "json", body: { id: "x" } });
    expect(await call("chunked")).toMatchObject({ kind: "json", body: { id: "x" } });
  });

  it("refuses an answer over the bound, whether its length was declared or not", async () => {
    await expect(call("declared", 1024)).rejects.toMatchObject({ code: "RUNTIME_RESPONSE_INVALID", message: /more than 1024 bytes/ });
    await expect(call("chunked", 1024)).rejects.toMatchObject({ code: "RUNTIME_RESPONSE_INVALID", message: /more than 1024 bytes/ });
    await expect(call("lying", 1024)).rejects.toMatchObject({ code: "RUNTIME_RESPONSE_INVALID" });
  });

  it("sends the extra headers it is given (trace context) and its own content type", async () => {
    const client = httpUpstream({ name: "fake", url: server.url, timeoutMs: 5000 });
    await client.call("/v1/chat/completions", { model: "small" }, new AbortController().signal, {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "content-type": "text/plain",
    });
    const seen = server.requests.at(-1);
    expect(seen?.traceparent).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    expect(seen?.json).toEqual({ model: "small" }); // parsed as JSON: its own content type won
    await client.close();
  });
});
