// The fast local upstream of bench/gateway.ts: a minimal OpenAI-compatible server (node:http) that answers
// POST /v1/chat/completions with a small fixed chat.completion (with usage) and GET /v1/models in vLLM's
// shape, so that discovery records what it serves. Run by bench/gateway.ts in a process of its own.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runChild } from "./gateway-child.js";

const MODEL = process.env["BENCH_SERVED_MODEL"] ?? "bench-model";
const CREATED = 1_750_000_000;

const completion = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: CREATED,
    model: MODEL,
    choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I help you today?" }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
  }),
);
const models = Buffer.from(
  JSON.stringify({
    object: "list",
    data: [{ id: MODEL, object: "model", created: CREATED, owned_by: "vllm", root: MODEL, parent: null, max_model_len: 4096 }],
  }),
);
const notFound = Buffer.from(JSON.stringify({ error: { message: "not found", type: "NotFoundError", code: 404 } }));

const reply = (res: import("node:http").ServerResponse, status: number, body: Buffer): void => {
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
};

await runChild(async () => {
  const server = createServer((req, res) => {
    // Read the whole request, as a real server does, before answering.
    req.on("data", () => undefined);
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/chat/completions") reply(res, 200, completion);
      else if (req.method === "GET" && req.url === "/v1/models") reply(res, 200, models);
      else reply(res, 404, notFound);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ready: { url: `http://127.0.0.1:${port}` },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
});
