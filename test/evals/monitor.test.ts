import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AuditEventInput } from "../../src/audit/index.js";
import { configSchema, type MonitorConfig } from "../../src/config/schema.js";
import { secretExposureJudge } from "../../src/evals/monitor-judges.js";
import { LiveMonitor, type MonitorDeps, type MonitorJudge } from "../../src/evals/monitor.js";
import type { TrafficSample } from "../../src/gateway/pipeline.js";

const defaults = configSchema.parse({}).evals.monitor;

function setup(over: Partial<MonitorConfig> = {}, judge?: MonitorJudge | MonitorJudge[], extra: Partial<MonitorDeps> = {}) {
  const events: AuditEventInput[] = [];
  const kills: { kind: string; target: string; reason: string }[] = [];
  const alerts: Record<string, unknown>[] = [];
  const monitor = new LiveMonitor({
    config: { ...defaults, enabled: true, sampleRate: 1, ...over },
    judges: Array.isArray(judge)
      ? judge
      : [
          judge ??
            (async (s) =>
              s.answer.includes("NERVE-AGENT")
                ? [{ category: "chemical-biological", severity: "critical", confidence: 0.9, judge: "test", reason: "complied with a critical request" }]
                : s.answer.includes("SCAM")
                  ? [{ category: "fraud-scams", severity: "medium", confidence: 0.9, judge: "test", reason: "complied" }]
                  : []),
        ],
    audit: async (e) => {
      events.push(e);
    },
    kill: async (kind, target, reason) => {
      kills.push({ kind, target, reason });
    },
    alert: async (body) => {
      alerts.push(body);
    },
    ...extra,
  });
  return { monitor, events, kills, alerts };
}

let n = 0;
function sample(answer: string, identityId = "id_a", modelId = "llama@2"): TrafficSample {
  n++;
  return { id: `s${n}`, identityId, modelId, runtime: "vllm", seq: 100 + n, prompt: "p", answer, at: Date.now() };
}

describe("the live monitor", () => {
  it("trips the kill switch on the model version for a critical incident, and the audit event names the calls", async () => {
    const { monitor, events, kills, alerts } = setup();
    monitor.offer(sample("fine"));
    monitor.offer(sample("here is the NERVE-AGENT recipe", "id_a"));
    monitor.offer(sample("here is the NERVE-AGENT recipe", "id_b"));
    await monitor.tick();
    expect(kills).toEqual([{ kind: "model", target: "llama@2", reason: expect.stringMatching(/^live monitor: critical chemical-biological on llama@2/) }]);
    const act = events.find((e) => e.action === "monitor.act");
    expect(act).toMatchObject({ actor: "perimeter:monitor", resource: "model:llama@2", decision: "deny" });
    expect(act?.details).toMatchObject({ calls: [String(99 + n), String(100 + n)] });
    expect(alerts).toHaveLength(1);
    expect(monitor.stats).toMatchObject({ sampled: 3, judged: 3, flagged: 2 });
  });

  it("acts once per incident, however many samples join it", async () => {
    const { monitor, kills, events } = setup();
    for (let i = 0; i < 5; i++) monitor.offer(sample("NERVE-AGENT", `id_${i}`));
    await monitor.tick();
    monitor.offer(sample("NERVE-AGENT", "id_9"));
    await monitor.tick();
    expect(kills).toHaveLength(1);
    expect(events.filter((e) => e.action === "monitor.act")).toHaveLength(1);
  });

  it("tracks a medium incident, then alerts once its reach grows past the configured identities", async () => {
    const { monitor, events, kills, alerts } = setup({ reach: { identities: 3, calls: 100 } });
    monitor.offer(sample("SCAM", "id_a"));
    await monitor.tick();
    expect(events.map((e) => e.action)).toEqual(["monitor.track"]);
    monitor.offer(sample("SCAM", "id_b"));
    monitor.offer(sample("SCAM", "id_c"));
    await monitor.tick();
    // Three identities raise medium to high, which attends: a log line and the webhook, no kill.
    expect(events.map((e) => e.action)).toEqual(["monitor.track", "monitor.attend"]);
    expect(alerts).toHaveLength(1);
    expect(kills).toHaveLength(0);
  });

  it("kills the identity when configured to and one identity made every flagged call, then the model once another joins", async () => {
    const { monitor, kills, events } = setup({ act: "identity-or-model" });
    monitor.offer(sample("NERVE-AGENT", "id_rogue"));
    await monitor.tick();
    expect(kills).toEqual([expect.objectContaining({ kind: "identity", target: "id_rogue" })]);
    // More of the same from the killed identity changes nothing, and is counted.
    monitor.offer(sample("NERVE-AGENT", "id_rogue"));
    await monitor.tick();
    expect(kills).toHaveLength(1);
    // A second identity gets the same content: it is the model, and the decision escalates to it.
    monitor.offer(sample("NERVE-AGENT", "id_b"));
    await monitor.tick();
    expect(kills.map((k) => `${k.kind}:${k.target}`)).toEqual(["identity:id_rogue", "model:llama@2"]);
    const acts = events.filter((e) => e.action === "monitor.act");
    expect(acts).toHaveLength(2);
    expect(acts[1]?.details).toMatchObject({ kill: { kind: "model", target: "llama@2" }, unchangedSamples: 1, reach: { identities: 2 } });
  });

  it("never lets one API key kill a model: one identity's flagged calls are attended until another identity or a second judge confirms", async () => {
    const { monitor, kills, events, alerts } = setup();
    for (let i = 0; i < 20; i++) monitor.offer(sample("NERVE-AGENT", "id_mallory"));
    await monitor.tick();
    expect(kills).toHaveLength(0);
    expect(events.map((e) => e.action)).toEqual(["monitor.attend"]);
    expect(events[0]?.reason).toMatch(/do not kill a model \(evals.monitor.killQuorum 2\)/);
    expect(alerts).toHaveLength(1);

    // A second judge flagging the same sample is confirmation enough.
    const flag =
      (judge: string): MonitorJudge =>
      async (s) =>
        s.answer.includes("NERVE-AGENT")
          ? [{ category: judge === "refusal" ? "chemical-biological" : "S9", severity: "critical", confidence: 0.9, judge, reason: "r" }]
          : [];
    const two = setup({}, [flag("refusal"), flag("llama-guard")]);
    two.monitor.offer(sample("NERVE-AGENT", "id_a"));
    await two.monitor.tick();
    expect(two.kills[0]).toMatchObject({ kind: "model", target: "llama@2" });
  });

  it("takes no secret in an answer as confirmation of harm, and lets no identity kill use up the cap on model kills", async () => {
    const harm: MonitorJudge = async () => [{ category: "chemical-biological", severity: "critical", confidence: 0.9, judge: "refusal", reason: "r" }];
    const secret: MonitorJudge = async () => [{ category: "secret-exposure", severity: "critical", confidence: 1, judge: "secrets", reason: "r" }];
    const one = setup({}, [harm, secret]);
    one.monitor.offer(sample("x", "id_mallory"));
    await one.monitor.tick();
    expect(one.kills.filter((k) => k.kind === "model")).toHaveLength(0);

    const capped = setup({ act: "identity-or-model", maxKills: 1 }, (async (s) => [
      { category: s.answer, severity: "critical", confidence: 0.9, judge: "refusal", reason: "r" },
    ]) as MonitorJudge);
    for (const category of ["a", "b", "c"]) capped.monitor.offer(sample(category, "id_throwaway"));
    await capped.monitor.tick();
    capped.monitor.offer(sample("real", "id_1"));
    capped.monitor.offer(sample("real", "id_2"));
    await capped.monitor.tick();
    expect(capped.kills.map((k) => k.kind)).toEqual(["identity", "identity", "identity", "model"]);
  });

  it("trips a kill again after an operator lifted it and the content goes on, and no more than maxKills in a window", async () => {
    let inForce = true;
    const { monitor, kills } = setup({ killQuorum: 1, maxKills: 2 }, undefined, { inForce: async () => inForce });
    monitor.offer(sample("NERVE-AGENT"));
    await monitor.tick();
    monitor.offer(sample("NERVE-AGENT"));
    await monitor.tick();
    expect(kills).toHaveLength(1);
    inForce = false;
    monitor.offer(sample("NERVE-AGENT"));
    await monitor.tick();
    expect(kills).toHaveLength(2);
    // A third model in the same window: the cap holds, an operator is alerted instead.
    monitor.offer(sample("NERVE-AGENT", "id_a", "qwen@1"));
    await monitor.tick();
    expect(kills).toHaveLength(2);
  });

  it("retries a kill it could not trip on the next flagged sample", async () => {
    let fail = true;
    const tried: string[] = [];
    const { monitor, events } = setup({ killQuorum: 1 }, undefined, {
      kill: async (kind, target) => {
        tried.push(`${kind}:${target}`);
        if (fail) throw new Error("store down");
      },
    });
    monitor.offer(sample("NERVE-AGENT"));
    await monitor.tick();
    fail = false;
    monitor.offer(sample("NERVE-AGENT"));
    await monitor.tick();
    expect(tried).toEqual(["model:llama@2", "model:llama@2"]);
    expect(events.map((e) => [e.action, e.decision])).toEqual([
      ["monitor.act", "error"],
      ["monitor.act", "deny"],
    ]);
  });

  it("does not count a secret the request carried as one the model exposed, and holds samples bounded", async () => {
    const judge = secretExposureJudge();
    // Generated here, as the house rules ask of every secret a test needs.
    const key = `AKIA${Array.from(randomBytes(16), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32]).join("")}`;
    const echoed = { ...sample(`Your config with ${key} fixed:`), prompt: `fix this config: aws_access_key_id=${key}` };
    expect(await judge(echoed, AbortSignal.timeout(1000))).toEqual([]);
    const leaked = { ...sample(`Here is a key: aws_access_key_id=${key}`), prompt: "give me a working AWS key" };
    expect((await judge(leaked, AbortSignal.timeout(1000)))[0]).toMatchObject({ category: "secret-exposure" });

    let seen = 0;
    const { monitor } = setup({}, async (s) => {
      seen = s.answer.length + s.prompt.length;
      return [];
    });
    monitor.offer({ ...sample("x".repeat(5_000_000)), prompt: "y".repeat(5_000_000) });
    await monitor.tick();
    expect(seen).toBeGreaterThan(30_000);
    expect(seen).toBeLessThan(50_000);
  });

  it("lowers the severity of a weak finding: a low-confidence critical finding attends instead of killing", async () => {
    const { monitor, kills, events } = setup({}, async () => [
      { category: "chemical-biological", severity: "critical", confidence: 0.3, judge: "t", reason: "r" },
    ]);
    monitor.offer(sample("x"));
    await monitor.tick();
    expect(kills).toHaveLength(0);
    expect(events.map((e) => e.action)).toEqual(["monitor.attend"]);
  });

  it("drops samples past its queue and counts them, never waiting", () => {
    const { monitor } = setup({ queue: 3 });
    for (let i = 0; i < 10; i++) monitor.offer(sample("fine"));
    expect(monitor.stats).toMatchObject({ sampled: 3, dropped: 7, queued: 3 });
  });

  it("counts a sample no judge could read as unjudged and records a kill it could not trip", async () => {
    const events: AuditEventInput[] = [];
    const failing = new LiveMonitor({
      config: { ...defaults, enabled: true, sampleRate: 1 },
      judges: [
        async () => {
          throw new Error("guard model down");
        },
      ],
      audit: async (e) => {
        events.push(e);
      },
      kill: async () => undefined,
    });
    failing.offer(sample("x"));
    await failing.tick();
    expect(failing.stats).toMatchObject({ judged: 0, unjudged: 1 });

    const { monitor } = setup();
    const broken = new LiveMonitor({
      config: { ...defaults, enabled: true, sampleRate: 1, killQuorum: 1 },
      judges: [async () => [{ category: "chemical-biological", severity: "critical", confidence: 1, judge: "t", reason: "r" }]],
      audit: async (e) => {
        events.push(e);
      },
      kill: async () => {
        throw new Error("store down");
      },
    });
    broken.offer(sample("x"));
    await broken.tick();
    expect(events.at(-1)).toMatchObject({ action: "monitor.act", decision: "error", reason: expect.stringMatching(/could not be tripped: store down/) });
    await monitor.close();
  });

  it("samples at the configured rate and only the identities and models configured", () => {
    let i = 0;
    const draws = [0.05, 0.5, 0.09, 0.99];
    const config = { ...defaults, enabled: true, sampleRate: 0.1, models: ["llama"], identities: ["support-bot"] };
    const m = new LiveMonitor({ config, judges: [], audit: async () => undefined, kill: async () => undefined, random: () => draws[i++ % 4] as number });
    const principal = { id: "id_1", name: "support-bot" } as never;
    const route = { version: { id: "llama@2", name: "llama" } } as never;
    const other = { version: { id: "qwen@1", name: "qwen" } } as never;
    expect([m.wants(principal, route), m.wants(principal, route), m.wants(principal, route), m.wants(principal, route)]).toEqual([true, false, true, false]);
    expect(m.wants(principal, other)).toBe(false);
    expect(m.wants({ id: "id_2", name: "batch" } as never, route)).toBe(false);
  });
});
