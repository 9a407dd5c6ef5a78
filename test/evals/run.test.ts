import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { EvalRepository } from "../../src/evals/repository.js";
import { registerModel } from "../../src/inventory/models.js";
import { KillSwitch } from "../../src/killswitch/index.js";
import { approve, stateOf } from "../../src/lifecycle/service.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { join } from "node:path";
import type { FakeOpenAI } from "../fixtures/fake-openai.js";
import { careful, COMPLIANCE, GATE_SUITE } from "./gate-suite.js";
import { chatCalls, startEvalWorld, type EvalWorld } from "./setup.js";

// The eval gate with two faithful fake runtimes: a parent that refuses harmful requests and answers benign
// ones, a fine-tune of it whose runtime complies with everything (its refusals trained away), and a second
// fine-tune that kept them. Approval of the first is refused and says which categories regressed and by
// how much; the second is approved. And an interrupted run resumes with only its missing cases.

for (const kind of STORE_KINDS) {
  describe(`evaluations and the eval gate (${kind})`, () => {
    let w: EvalWorld;
    beforeAll(async () => {
      w = await startEvalWorld(kind, { "gate-test.yaml": GATE_SUITE }, { evals: { concurrency: 4, gate: { requiredSuites: ["gate-test"] } } });
      await w.add("llama", "1", [], careful);
      await w.add("llama-ft", "1", ["llama@1"], () => COMPLIANCE);
      await w.add("llama-ft", "2", ["llama@1"], careful);
      await w.add("llama-ft", "3", ["llama@1"], careful);
      await w.discover();
    }, 120_000);
    afterAll(() => w.close());
    it("refuses approval of a fine-tune that lost its refusals, naming the categories and by how much", async () => {
      const parent = await w.evaluate("llama@1");
      expect(parent.evaluation.summary.asr).toMatchObject({ count: 0, n: 30 });
      expect(parent.evaluation.summary.overRefusal).toMatchObject({ count: 0, n: 10 });
      expect(parent.evaluation.gate).toMatchObject({ pass: true });
      const asked = chatCalls(w.served["llama@1"] as FakeOpenAI);
      expect(asked).toHaveLength(40);
      const sent = asked[0] as Record<string, unknown>;
      expect(sent).toMatchObject({ model: "llama-1", temperature: 0, max_tokens: 512, seed: 1 });

      const lost = await w.evaluate("llama-ft@1");
      const s = lost.evaluation.summary;
      expect(s.asrByCategory["cybercrime"]).toMatchObject({ count: 15, n: 15 });
      expect(s.asrByCategory["chemical-biological"]).toMatchObject({ count: 15, n: 15 });
      expect(lost.evaluation.baseline).toMatchObject({ version: "llama@1", evaluationId: parent.evaluation.id });
      expect(lost.evaluation.gate?.pass).toBe(false);
      expect(lost.evidence.verdict).toBe("fail");

      const refused = await approve(w.lifecycle, "llama-ft@1", { actor: "bob" }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PerimeterError);
      const message = (refused as PerimeterError).message;
      expect((refused as PerimeterError).code).toBe("APPROVAL_REFUSED");
      expect(message).toMatch(/attack success by category cybercrime rose 100 points over llama@1: 100% \(15\/15\) against 0% \(0\/15\)/);
      expect(message).toMatch(/category chemical-biological rose 100 points/);
      expect(message).toMatch(/critical category chemical-biological is 100%/);
      expect(await stateOf(w.store, "llama-ft@1")).toBe("registered");
    }, 120_000);

    it("approves a fine-tune that kept its refusals", async () => {
      const kept = await w.evaluate("llama-ft@2");
      expect(kept.evaluation.gate).toMatchObject({ pass: true, reasons: [] });
      expect(kept.evaluation.comparisons?.find((c) => c.key === "cybercrime")).toMatchObject({ deltaPoints: 0, significant: false });
      expect(await stateOf(w.store, "llama-ft@2")).toBe("evaluated");
      await approve(w.lifecycle, "llama-ft@2", { actor: "bob" });
      expect(await stateOf(w.store, "llama-ft@2")).toBe("approved");
    }, 120_000);

    it("resumes an interrupted run, running only the cases that were missing", async () => {
      const fake = w.served["llama-ft@3"] as FakeOpenAI;
      const interrupt = new AbortController();
      const first = await w
        .evaluate("llama-ft@3", {
          concurrency: 1,
          signal: interrupt.signal,
          progress: (done) => {
            if (done === 12) interrupt.abort();
          },
        })
        .catch((e: unknown) => e);
      expect(first).toMatchObject({ code: "EVAL_INTERRUPTED" });
      expect((first as Error).message).toMatch(/interrupted with 12 of 40 cases judged: run the same command again to resume it/);
      const calls = () => chatCalls(fake).length;
      expect(calls()).toBe(12);
      const runs = await new EvalRepository(w.store).runs("llama-ft@3");
      expect(runs).toHaveLength(1);
      expect(runs[0]?.status).toBe("interrupted");

      const second = await w.evaluate("llama-ft@3");
      expect(second).toMatchObject({ resumed: true, ran: 28 });
      expect(calls()).toBe(40);
      expect(second.evaluation.id).toBe(runs[0]?.id);
      expect(second.evaluation.summary.judged).toBe(40);
      // Each case was asked once: the prompts the runtime saw are the 40 cases, none twice.
      const prompts = chatCalls(fake).map((r) => JSON.stringify((r as { messages: unknown }).messages));
      expect(new Set(prompts).size).toBe(40);
    }, 120_000);

    it("refuses to evaluate a version no runtime serves, and one that is killed", async () => {
      const deps = { store: w.store, audit: () => w.audit };
      const dir = writeGgufModel(join(w.env.dir, "unserved"), { seed: 9 });
      await registerModel(deps, { path: dir, name: "unserved", version: "1", kind: "base", parents: [], environments: ["default"], actor: "alice" });
      await expect(w.evaluate("unserved@1")).rejects.toMatchObject({
        code: "EVAL_NOT_SERVED",
        message: expect.stringMatching(/no runtime serves the bytes of unserved@1/),
      });
      await new KillSwitch({ store: w.store, audit: () => w.audit }).kill({ kind: "model", target: "llama@1", reason: "investigating", actor: "olga" });
      await expect(w.evaluate("llama@1")).rejects.toMatchObject({
        code: "KILLED",
        message: expect.stringMatching(/llama@1 cannot be evaluated: .*investigating/),
      });
    });
  });
}
