import { describe, expect, it } from "vitest";
import { servable } from "../../src/lifecycle/servable.js";

// The lifecycle's rule for what may answer calls, as the gateway's catalog asks it.

const version = { id: "llama@1", digest: "a".repeat(64), files: [{ sha256: "b".repeat(64) }], environments: ["prod"], approvedFor: ["prod"] };
const copy = { runtime: "vllm-prod", environment: "prod", digest: "a".repeat(64) };

describe("what may be served", () => {
  it("serves an approved or deployed version, by its manifest digest or its one file's", () => {
    expect(servable(version, "approved", copy).allow).toBe(true);
    expect(servable(version, "deployed", { ...copy, digest: "b".repeat(64) }).allow).toBe(true);
  });

  for (const state of ["registered", "evaluated", "deprecated", "revoked"] as const) {
    it(`refuses a ${state} version`, () => {
      expect(servable(version, state, copy)).toMatchObject({ allow: false, code: "MODEL_NOT_AVAILABLE", findings: [{ rule: "servable.state" }] });
    });
  }

  it("refuses a runtime that serves other bytes, or vouches for none", () => {
    expect(servable(version, "approved", { ...copy, digest: "c".repeat(64) })).toMatchObject({ allow: false, findings: [{ rule: "servable.digest" }] });
    expect(servable(version, "approved", { ...copy, digest: null })).toMatchObject({ allow: false, reason: expect.stringMatching(/vouches for no digest/) });
  });

  it("refuses a runtime of an environment the version is not registered for, naming both", () => {
    expect(servable(version, "approved", { ...copy, environment: "staging" })).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/environment staging.*registered for prod/),
      findings: [{ rule: "servable.environment" }],
    });
  });

  it("refuses a registered environment the version is not approved for yet, saying how to approve it there", () => {
    const both = { ...version, environments: ["prod", "staging"], approvedFor: ["staging"] };
    expect(servable(both, "approved", { ...copy, environment: "staging" }).allow).toBe(true);
    expect(servable(both, "deployed", copy)).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/approved for staging, not for prod.*perimeter approve llama@1 --environment prod/),
      findings: [{ rule: "servable.environment" }],
    });
  });
});
