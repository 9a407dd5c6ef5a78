import { z } from "zod";
import { PerimeterError } from "../../errors.js";
import { GUARD_ACTIONS } from "../../guards/actions.js";
import { checkLines } from "../../guards/check.js";
import { operation, type AnyOperation } from "../api.js";
import type { ControlServices } from "../services.js";

// The guards as they stand: what each detector's finding leads to by direction and category, the rules that
// override that for some identities or models, the guard models, and what they found since this gateway
// started. A dry run puts one text through the built-in detectors in force, as `perimeter guard check` does.

const action = z.enum(GUARD_ACTIONS);

const guardsView = z.strictObject({
  enabled: z.boolean(),
  detectors: z.array(z.string()),
  actions: z.strictObject({ input: z.record(z.string(), action), output: z.record(z.string(), action), other: action }),
  rules: z.array(
    z.strictObject({
      identities: z.array(z.string()).nullable(),
      models: z.array(z.string()).nullable(),
      direction: z.enum(["input", "output"]).nullable(),
      actions: z.record(z.string(), action),
    }),
  ),
  holdBackTokens: z.number().describe("streamed answers are held back this many tokens behind the newest"),
  models: z.array(
    z.strictObject({
      name: z.string(),
      kind: z.string(),
      directions: z.array(z.enum(["input", "output"])),
      model: z.string().nullable().describe("the approved model version it runs as, for guard models served by a runtime"),
      onError: z.enum(["block", "allow"]),
      timeoutMs: z.number(),
    }),
  ),
  findings: z
    .array(z.strictObject({ direction: z.string(), category: z.string(), action: z.string(), count: z.number() }))
    .describe("what this gateway's guards found since it started"),
});

const checked = z.strictObject({
  action,
  findings: z.array(
    z.strictObject({
      detector: z.string(),
      category: z.string(),
      type: z.string(),
      severity: z.string(),
      span: z.tuple([z.number(), z.number()]).describe("characters [start, end) of the text"),
      action,
    }),
  ),
  redacted: z.string().nullable().describe("the text as it would go on, when something in it is redacted"),
});

export function guardOperations(s: ControlServices): AnyOperation[] {
  return [
    operation({
      id: "getGuards",
      method: "GET",
      path: "/control/guards",
      summary: "The guards in force: actions by direction and category, rules, guard models, and what they found since this gateway started",
      tag: "guards",
      action: "control_read",
      response: guardsView,
      async handle() {
        const g = s.ctx.loaded.config.guards;
        return {
          enabled: g.enabled,
          detectors: [...g.detectors],
          actions: g.actions,
          rules: g.rules.map((r) => ({ identities: r.identities ?? null, models: r.models ?? null, direction: r.direction ?? null, actions: r.actions })),
          holdBackTokens: g.holdBackTokens,
          models: g.models.map((m) => ({
            name: m.name,
            kind: m.kind,
            directions: [...m.directions],
            model: "model" in m ? m.model : null,
            onError: m.onError,
            timeoutMs: m.timeoutMs,
          })),
          findings: (await s.guards?.findings()) ?? [],
        };
      },
    }),
    operation({
      id: "checkGuards",
      method: "POST",
      path: "/control/guards/check",
      summary: "Put one text through the built-in detectors in force, as a request (input) or an answer (output), and say what they would do",
      tag: "guards",
      action: "control_read",
      maxBodyBytes: 20 * 1024,
      body: z.strictObject({
        // The detectors run on the event loop, as they do for every call: a dry run is kept short.
        text: z
          .string()
          .min(1)
          .max(16 * 1024),
        direction: z.enum(["input", "output"]).default("input"),
        identity: z.string().min(1).max(200).optional().describe("judge as this identity (id or name) for guards.rules"),
        model: z.string().min(1).max(300).optional().describe("judge as a call to this model (name or name@version) for guards.rules"),
      }),
      response: checked,
      async handle({ body }) {
        const engine = s.guards?.engine;
        if (engine === undefined) throw new PerimeterError("ROUTE_NOT_FOUND", "this server runs no gateway: there are no guards in force to try");
        const model = body.model ?? "";
        // One text, judged whole: its newlines are the text's, not lines of a file.
        const [result] = await checkLines(engine, JSON.stringify({ text: body.text }), {
          direction: body.direction,
          subject: { identityId: body.identity ?? "", identityName: body.identity ?? "", modelName: model.split("@")[0] ?? model, modelId: model },
        });
        if (result === undefined) throw new PerimeterError("INTERNAL", "the guards answered nothing");
        return {
          action: result.action,
          findings: result.findings.map((f) => ({
            detector: f.detector,
            category: f.category,
            type: f.type,
            severity: f.severity,
            span: [f.span.start, f.span.end] as [number, number],
            action: f.action,
          })),
          redacted: result.redacted ?? null,
        };
      },
    }),
  ];
}
