import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvalRepository } from "../../src/evals/repository.js";
import { approve, recordEvalEvidence, stateOf } from "../../src/lifecycle/service.js";
import { careful, COMPLIANCE, GATE_SUITE } from "./gate-suite.js";
import type { FakeOpenAI } from "../fixtures/fake-openai.js";
import { startEvalWorld, type EvalWorld } from "./setup.js";

// What the eval gate must refuse, as someone who wants a model approved would try it: a pass written by
// hand, a baseline of their choosing (the candidate itself, an unrelated model, a sample of the parent), a
// sample or a seed of their own, and a stored verdict edited in the database. Approval assesses the stored
// case results of the latest evaluation, under the configuration of the moment.

describe("the eval gate's restrictions", () => {
  let w: EvalWorld;
  beforeAll(async () => {
    w = await startEvalWorld("sqlite", { "gate-test.yaml": GATE_SUITE }, { evals: { gate: { requiredSuites: ["gate-test"] } } });
    await w.add("llama", "1", [], careful);
    await w.add("lost", "1", ["llama@1"], () => COMPLIANCE);
    await w.add("llama-ft", "4", ["llama@1"], careful);
    await w.add("mistral", "1", [], careful);
    await w.add("flaky", "1", ["llama@1"], () => COMPLIANCE);
    await w.discover();
    await w.evaluate("llama@1");
    await w.evaluate("lost@1");
  }, 120_000);
  afterAll(() => w.close());

  it("gates approval on the stored evaluation only: no hand-written pass, no baseline of its own choosing, no sample", async () => {
    // A "pass" recorded by hand is a record, not an evaluation: the gate assesses the stored run again.
    await recordEvalEvidence(w.lifecycle, "lost@1", "pass", { gate: { pass: true, reasons: [] } }, "mallory");
    const forged = await approve(w.lifecycle, "lost@1", { actor: "bob" }).catch((e: unknown) => e);
    expect(forged).toMatchObject({ code: "APPROVAL_REFUSED", message: expect.stringMatching(/category cybercrime rose 100 points over llama@1/) });

    // A fine-tune is compared with what it was made from, never with itself or an unrelated model.
    await expect(w.evaluate("llama-ft@4", { baseline: "llama-ft@4" })).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/llama-ft@4 cannot be its own baseline/),
    });
    await expect(w.evaluate("llama-ft@4", { baseline: "mistral@1" })).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/mistral@1 is not in llama-ft@4's lineage/),
    });

    // A sample does not gate, and is compared only with a baseline that ran the same cases.
    const sampled = await w.evaluate("llama-ft@4", { limit: 2 });
    const reasons = sampled.evaluation.gate?.reasons.join("\n") ?? "";
    expect(sampled.evaluation.gate?.pass).toBe(false);
    expect(reasons).toMatch(/ran a sample of 2 case\(s\) per suite \(--limit\)/);
    expect(reasons).toMatch(/no evaluation of the baseline llama@1 ran the same cases with the same settings/);
    const refused = await approve(w.lifecycle, "llama-ft@4", { actor: "bob" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "APPROVAL_REFUSED", message: expect.stringMatching(/--limit/) });

    // The whole suite, against the parent's whole-suite evaluation: approvable.
    const full = await w.evaluate("llama-ft@4");
    expect(full.evaluation.baseline).toMatchObject({ version: "llama@1" });
    expect(full.evaluation.gate).toMatchObject({ pass: true });
    await approve(w.lifecycle, "llama-ft@4", { actor: "bob" });
    expect(await stateOf(w.store, "llama-ft@4")).toBe("approved");
  }, 120_000);

  it("does not let a later pass of the same bytes and settings outvote an earlier failure", async () => {
    const failed = await w.evaluate("flaky@1");
    expect(failed.evaluation.gate?.pass).toBe(false);
    // The same bytes, asked again, happen to refuse this time (batch noise, a different replica).
    (w.served["flaky@1"] as FakeOpenAI).model = careful;
    const passed = await w.evaluate("flaky@1");
    expect(passed.evaluation.gate?.pass).toBe(true);
    const refused = await approve(w.lifecycle, "flaky@1", { actor: "bob" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "APPROVAL_REFUSED",
      message: expect.stringMatching(new RegExp(`an earlier evaluation of the same bytes .* evaluation ${failed.evaluation.id}`)),
    });
  });

  it("does not take a verdict edited into the stored evaluation: the case results are summed up again", async () => {
    const repo = new EvalRepository(w.store);
    const [run] = (await repo.runs("lost@1")).filter((r) => r.status === "complete");
    const stored = run?.evaluation;
    expect(stored?.gate?.pass).toBe(false);
    if (run === undefined || stored == null) throw new Error("no stored evaluation");
    // Someone with the database rewrites the summary and the gate to a clean pass.
    const clean = { ...stored.summary, asr: { ...stored.summary.asr, count: 0, rate: 0 }, asrByCategory: {} };
    await repo.complete(run.id, { ...stored, summary: clean, comparisons: [], gate: { pass: true, reasons: [], thresholds: {} } });
    const refused = await approve(w.lifecycle, "lost@1", { actor: "bob" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "APPROVAL_REFUSED", message: expect.stringMatching(/critical category chemical-biological is 100%/) });
    expect(await stateOf(w.store, "lost@1")).not.toBe("approved");
  });
});
