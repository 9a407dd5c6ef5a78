import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixtureServer, type FixtureServer } from "../fixtures/fake-ollama.js";
import { startPerimeter, type Perimeter } from "./setup.js";

// OpenTelemetry: with gateway.tracing.otlpEndpoint set, every call is a span sent over OTLP/HTTP (JSON) to
// the collector, a child of the caller's trace context, whose context goes on to the runtime.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number; message?: string };
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

function spansOf(collector: FixtureServer): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const r of collector.requests) {
    const body = r.json as { resourceSpans?: Array<{ resource?: { attributes?: OtlpSpan["attributes"] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> };
    for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) out.push(...(ss.spans ?? []));
  }
  return out;
}

const attr = (span: OtlpSpan, key: string): unknown => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (v["stringValue"] ?? (v["intValue"] === undefined ? undefined : Number(v["intValue"])) ?? v["boolValue"]);
};

describe("OpenTelemetry traces of gateway calls", () => {
  let p: Perimeter;
  let collector: FixtureServer;
  beforeAll(async () => {
    collector = await startFixtureServer((req, res) => {
      res.writeHead(req.path === "/v1/traces" ? 200 : 404, { "content-type": "application/json" });
      res.end("{}");
    });
    p = await startPerimeter("sqlite");
  }, 60_000);
  afterAll(async () => {
    await p?.close();
    await collector?.close();
  });

  it("sends a span per call, a child of the caller's trace, named and attributed by the GenAI conventions, and passes the context to the runtime", async () => {
    const { url, started } = await p.serve((c) => ({
      ...c,
      gateway: { ...c.gateway, tracing: { ...c.gateway.tracing, otlpEndpoint: `${collector.url}/v1/traces`, serviceName: "gw-test" } },
    }));
    const { key, id } = await p.key("traced-app");
    const traceId = randomBytes(16).toString("hex");
    const parentId = randomBytes(8).toString("hex");
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: { traceparent: `00-${traceId}-${parentId}-01` } });
    const chat = await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "trace me" }] });
    expect(chat.choices[0]?.message.content).toBe("echo: trace me");
    // The runtime was called within the same trace, by the gateway's span.
    const upstream = p.vllm.requests.at(-1)?.traceparent ?? "";
    expect(upstream).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // A refused call is traced too.
    await expect(openai.chat.completions.create({ model: "unapproved-llama@1", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
      status: 404,
    });

    await started.close(); // flushes the batch to the collector
    const spans = spansOf(collector).filter((s) => s.traceId === traceId);
    expect(spans.map((s) => s.name).sort()).toEqual(["chat unapproved-llama@1", "chat vllm-llama@1"]);
    const ok = spans.find((s) => s.name === "chat vllm-llama@1") as OtlpSpan;
    expect(ok.parentSpanId).toBe(parentId);
    expect(upstream.split("-")[2]).toBe(ok.spanId);
    expect(ok.kind).toBe(2); // SERVER
    expect(ok.status?.code).toBe(1); // OK
    expect(attr(ok, "gen_ai.operation.name")).toBe("chat");
    expect(attr(ok, "gen_ai.request.model")).toBe("vllm-llama@1");
    expect(attr(ok, "gen_ai.usage.input_tokens")).toBe(chat.usage?.prompt_tokens);
    expect(attr(ok, "gen_ai.usage.output_tokens")).toBe(chat.usage?.completion_tokens);
    expect(attr(ok, "perimeter.identity.id")).toBe(id);
    expect(attr(ok, "perimeter.model.digest")).toBe(p.models.vllm.digest);
    expect(attr(ok, "perimeter.decision")).toBe("allow");
    expect(attr(ok, "http.response.status_code")).toBe(200);
    const denied = spans.find((s) => s.name === "chat unapproved-llama@1") as OtlpSpan;
    expect(denied.status?.code).toBe(2); // ERROR
    expect(denied.status?.message).toMatch(/unapproved-llama@1" is not in the inventory/);
    expect(attr(denied, "perimeter.decision")).toBe("deny");
    expect(attr(denied, "http.response.status_code")).toBe(404);
    // The resource names the service.
    const resource = (collector.requests[0]!.json as { resourceSpans: Array<{ resource: { attributes: OtlpSpan["attributes"] } }> }).resourceSpans[0]?.resource
      .attributes;
    expect(resource?.find((a) => a.key === "service.name")?.value).toEqual({ stringValue: "gw-test" });
  });

  it("sends nothing and adds no trace context when tracing is not configured", async () => {
    const before = collector.requests.length;
    const { url, started } = await p.serve();
    const { key } = await p.key("untraced-app");
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "quiet" }] });
    expect(p.vllm.requests.at(-1)?.traceparent).toBeUndefined();
    await started.close();
    expect(collector.requests.length).toBe(before);
  });
});
