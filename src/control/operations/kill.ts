import { z } from "zod";
import { KILL_KINDS } from "../../killswitch/index.js";
import { operation, who, type AnyOperation } from "../api.js";
import { reason } from "../schemas.js";
import type { ControlServices } from "../services.js";

// The kill switch over HTTP: preview what a kill would stop, trip it, lift it, list what is in force. A
// target that resolves to nothing is a 404 and kills nothing; the kill switch records its own decision.

const killBody = z.strictObject({
  kind: z.enum(KILL_KINDS),
  target: z.string().min(1).max(300).describe("identity id or name, runtime name, name@version or a model name, tool server or server/tool"),
  reason,
});

const killView = z.strictObject({
  kind: z.enum(KILL_KINDS),
  target: z.string(),
  covers: z.string().describe("what the kill stops, in words"),
  reason: z.string(),
  killedAt: z.string(),
  killedBy: z.string(),
});

export function killOperations(s: ControlServices): AnyOperation[] {
  /** Re-read the kills here now; when that fails the kill is stored and every gateway applies it on its next poll. */
  const applyHere = async (): Promise<boolean> => {
    try {
      await s.onKillChange();
      return true;
    } catch (err) {
      s.logger?.error({ err }, "the kill switch changed and this gateway could not re-read it at once; it will on its next poll");
      return false;
    }
  };
  return [
    operation({
      id: "listKills",
      method: "GET",
      path: "/control/kills",
      summary: "The kills in force, each with what it covers now",
      tag: "kill switch",
      action: "control_read",
      response: z.strictObject({ kills: z.array(killView) }),
      handle: async () => ({ kills: await s.killswitch.list() }),
    }),
    operation({
      id: "previewKill",
      method: "GET",
      path: "/control/kill/preview",
      summary: "What a kill would stop, before it is tripped (the dashboard's confirmation names it)",
      tag: "kill switch",
      action: "control_kill",
      query: z.strictObject({ kind: z.enum(KILL_KINDS), target: z.string().min(1).max(300) }),
      response: z.strictObject({ kind: z.enum(KILL_KINDS), target: z.string(), covers: z.string() }),
      async handle({ query }) {
        const resolved = await s.killswitch.resolve(query.kind, query.target);
        return { kind: query.kind, target: resolved.target, covers: resolved.covers };
      },
    }),
    operation({
      id: "kill",
      method: "POST",
      path: "/control/kill",
      summary: "Trip the kill switch on a model version or name, an identity, a runtime or a tool",
      tag: "kill switch",
      action: "control_kill",
      body: killBody,
      maxBodyBytes: 16 * 1024,
      response: z.strictObject({ killed: killView, appliedHere: z.boolean() }),
      async handle({ body }, caller) {
        const r = await s.killswitch.kill({ ...body, actor: who(caller).actor });
        const killed = { ...r.kill, covers: r.resolved.covers };
        return { killed, appliedHere: await applyHere() };
      },
    }),
    operation({
      id: "lift",
      method: "POST",
      path: "/control/lift",
      summary: "Lift a kill",
      tag: "kill switch",
      action: "control_kill",
      body: killBody,
      maxBodyBytes: 16 * 1024,
      response: z.strictObject({ lifted: killView, liftReason: z.string(), appliedHere: z.boolean() }),
      async handle({ body }, caller) {
        const r = await s.killswitch.lift({ ...body, actor: who(caller).actor });
        return { lifted: { ...r.lifted, covers: r.resolved.covers }, liftReason: body.reason, appliedHere: await applyHere() };
      },
    }),
  ];
}
