import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeGgufModel } from "../fixtures/model-files.js";
import { perimeter } from "../helpers/cli.js";

describe("perimeter policy", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-policy-cli-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const run = (args: string[]) => perimeter(args, { cwd, env: { PERIMETER_ACTOR: "ml-platform" } });

  const principal = JSON.stringify({ id: "id_support", environment: "prod", scopes: [] });
  const model = JSON.stringify({ name: "llama", version: "1", environments: ["prod"], state: "approved", licenseTier: "permissive" });

  it("allows an approved model in the identity's environment with the default set: exit 0, the deciding policy named", () => {
    const r = run(["policy", "test", "--principal", principal, "--model", model]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^allowed: invoke on llama@1 by id_support/);
    expect(r.stdout).toMatch(/reason\s+permitted by model-in-environment/);
  });

  it("denies tools without the tools scope: exit 1, the forbid named, JSON on request", () => {
    const r = run(["policy", "test", "--principal", principal, "--model", model, "--context", '{"tools":true}', "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      allow: false,
      reason: "forbidden by tools-need-scope",
      policies: ["tools-need-scope"],
      errors: [],
      request: { action: "invoke", context: { tools: true, route: "/v1/chat/completions", environment: "prod", maxTokens: 0 } },
    });
  });

  it("reads the principal and model from @files and decides with the policy files given", () => {
    writeFileSync(join(cwd, "principal.json"), JSON.stringify({ id: "id_compromised", environment: "prod" }));
    writeFileSync(join(cwd, "model.json"), model);
    writeFileSync(
      join(cwd, "incident.cedar"),
      `@id("everyone") permit (principal, action in Perimeter::Action::"model", resource);\n@id("block-compromised") forbid (principal == Perimeter::Identity::"id_compromised", action, resource);\n`,
    );
    const blocked = run(["policy", "test", "--principal", "@principal.json", "--model", "@model.json", "--action", "embed", "--policy", "incident.cedar"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/^denied: embed on llama@1 by id_compromised\n\s+reason\s+forbidden by block-compromised/);
    const other = run(["policy", "test", "--principal", principal, "--model", "@model.json", "--policy", "incident.cedar"]);
    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(/permitted by everyone/);
  });

  it("looks a name@version up in the inventory: a registered, unapproved version is denied", () => {
    writeGgufModel(join(cwd, "model"));
    expect(run(["model", "add", "model", "--name", "llama-demo", "--version", "1", "--environment", "prod"]).code).toBe(0);
    const r = run(["policy", "test", "--principal", principal, "--model", "llama-demo@1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/reason\s+no policy permits invoke on llama-demo@1 for id_support/);
    expect(run(["policy", "test", "--principal", principal, "--model", "nope@1"]).stderr).toMatch(/\[MODEL_VERSION_NOT_FOUND\]/);
  });

  it("refuses malformed input as a usage error (exit 2)", () => {
    const r = run(["policy", "test", "--principal", '{"id":"x"}', "--model", model]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--principal: environment: .*\[USAGE\]/);
    expect(run(["policy", "test", "--principal", principal, "--model", "{not json"]).code).toBe(2);
    expect(run(["policy", "test", "--principal", principal, "--model", model, "--action", "delete"]).code).toBe(2);
  });

  it("checks policy files: exit 0 with the policies listed, exit 2 naming the file and line of a bad one", () => {
    writeFileSync(
      join(cwd, "good.cedar"),
      `@id("prod-only") permit (principal, action in Perimeter::Action::"model", resource) when { principal.environment == "prod" };\n`,
    );
    writeFileSync(
      join(cwd, "bad.cedar"),
      `// typo in an attribute\n@id("typo")\nforbid (principal, action in Perimeter::Action::"model", resource)\nwhen { resource.licenceTier == "non-commercial" };\n`,
    );
    const good = run(["policy", "check", "good.cedar"]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^valid: 1 policy in good\.cedar\n\s+permit\s+prod-only\s+good\.cedar:1/);
    const bad = run(["policy", "check", "good.cedar", "bad.cedar"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/bad\.cedar:4:\d+: policy "typo": .*attribute `licenceTier`.*not found/);
    expect(bad.stderr).toMatch(/\[POLICY_INVALID\]/);
  });

  it("checks the configured policies, the default set when none are configured", () => {
    const r = run(["policy", "check", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, files: ["(default policy set)"] });
    writeFileSync(join(cwd, "perimeter.yaml"), "policy:\n  files: [missing.cedar]\n");
    const missing = run(["policy", "check"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.cedar: cannot read the policy file: no such file/);
  });

  it("shows the default policy set and the schema", () => {
    const policies = run(["policy", "show-default"]);
    expect(policies.code).toBe(0);
    expect(policies.stdout).toContain('@id("model-in-environment")');
    expect(policies.stdout).toContain('@id("non-commercial-needs-research-scope")');
    expect(run(["policy", "show-default", "--schema"]).stdout).toMatch(/namespace Perimeter \{[\s\S]*entity ModelVersion in \[Model\]/);
  });

  it("applies a policy file that policy test then decides with, lists it in the history, and reverts to the configured set", () => {
    writeFileSync(
      join(cwd, "no-llama.cedar"),
      `${run(["policy", "show-default"]).stdout}\n@id("no-llama")\nforbid (principal, action, resource is Perimeter::ModelVersion) when { resource.name == "llama" };\n`,
    );
    const applied = run(["policy", "apply", "no-llama.cedar", "--reason", "llama is under review"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/applied no-llama\.cedar as gateway policy set #1/);
    const denied = run(["policy", "test", "--principal", principal, "--model", model]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/forbidden by no-llama/);
    const history = JSON.parse(run(["policy", "history", "--format", "json"]).stdout) as { seq: number; appliedBy: string; reason: string }[];
    expect(history).toMatchObject([{ seq: 1, appliedBy: "ml-platform", reason: "llama is under review" }]);

    writeFileSync(join(cwd, "broken.cedar"), "permit(");
    const broken = run(["policy", "apply", "broken.cedar", "--reason", "x"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/not applied/);
    expect(run(["policy", "revert", "--reason", "review done"]).code).toBe(0);
    expect(run(["policy", "test", "--principal", principal, "--model", model]).code).toBe(0);
  });
});
