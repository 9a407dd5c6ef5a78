import type { IncomingHttpHeaders } from "node:http";
import type { Attributes, Span, Tracer } from "@opentelemetry/api";
import type { GatewayConfig } from "../config/schema.js";

// OpenTelemetry traces of gateway calls, when configured: one SERVER span per call, a child of the caller's
// W3C trace context when it sent one, named and attributed by the GenAI semantic conventions
// ("chat llama@1", gen_ai.usage.input_tokens ...) plus Perimeter's decision. The trace context goes on to an
// HTTP runtime, so vLLM's or SGLang's own spans join the same trace. The SDK is loaded only when tracing is
// on: a gateway without it pays one undefined check per call.

export interface CallTrace {
  /** Headers that carry this span's context to the runtime (traceparent, tracestate). */
  readonly headers: Readonly<Record<string, string>>;
  set(attributes: Attributes): void;
  /** End the span: an allowed call is OK; a refusal or a failure is ERROR with the reason. */
  end(outcome: "allow" | "deny" | "error", reason?: string): void;
}

export interface Tracing {
  /** Where spans are sent. */
  readonly endpoint: string;
  start(headers: IncomingHttpHeaders, operation: string, model: string, route: string): CallTrace;
  /** Send what is buffered and stop. */
  shutdown(): Promise<void>;
}

/** The OTLP endpoint the config or the standard environment names; undefined when tracing is off. */
function tracesEndpoint(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return config.tracing.otlpEndpoint ?? (env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] || undefined);
}

export async function startTracing(config: GatewayConfig, version: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const url = tracesEndpoint(config, env);
  if (url === undefined) return undefined;
  const [api, core, sdk, resources, otlp] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/core"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/exporter-trace-otlp-http"),
  ]);
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ "service.name": config.tracing.serviceName, "service.version": version }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.tracing.sampleRatio) }),
    spanProcessors: [new sdk.BatchSpanProcessor(new otlp.OTLPTraceExporter({ url }))],
  });
  const tracer: Tracer = provider.getTracer("perimeter-gateway", version);
  const propagator = new core.W3CTraceContextPropagator();
  const { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, defaultTextMapGetter, defaultTextMapSetter } = api;

  return {
    endpoint: url,
    start(headers, operation, model, route) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span: Span = tracer.startSpan(
        `${operation} ${model}`,
        {
          kind: SpanKind.SERVER,
          attributes: { "gen_ai.operation.name": operation, "gen_ai.request.model": model, "http.request.method": "POST", "http.route": route },
        },
        parent,
      );
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
      let ended = false;
      return {
        headers: carrier,
        set: (attributes) => span.setAttributes(attributes),
        end(outcome, reason) {
          if (ended) return;
          ended = true;
          span.setAttribute("perimeter.decision", outcome);
          if (outcome === "allow") span.setStatus({ code: SpanStatusCode.OK });
          else span.setStatus({ code: SpanStatusCode.ERROR, ...(reason === undefined ? {} : { message: reason }) });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
