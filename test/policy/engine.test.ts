import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { PerimeterError } from "../../src/errors.js";
import { DEFAULT_POLICIES } from "../../src/policy/default-policies.js";
import { cachedDecisions } from "../../src/gateway/start.js";
import { PolicyEngine, type PolicyContext, type PolicyModel, type PolicyPrincipal, type PolicyRequest } from "../../src/policy/engine.js";

const principal: PolicyPrincipal = { id: "id_3f9c2a7d1b4e", name: "support-bot", kind: "agent", owner: "support", environment: "prod", scopes: [] };
const model: PolicyModel = {
  id: "llama@1",
  name: "llama",
  version: "1",
  kind: "base",
  environments: ["prod", "staging"],
  licenseTier: "permissive",
  state: "approved",
};
const context: PolicyContext = { route: "/v1/chat/completions", environment: "prod", stream: false, tools: false, maxTokens: 0, promptChars: 42 };

function request(
  change: { principal?: Partial<PolicyPrincipal>; model?: Partial<PolicyModel>; context?: Partial<PolicyContext>; action?: PolicyRequest["action"] } = {},
): PolicyRequest {
  return {
    principal: { ...principal, ...change.principal },
    action: change.action ?? "invoke",
    model: { ...model, ...change.model },
    context: { ...context, ...change.context },
  };
}

function loadError(fn: () => unknown): PerimeterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PerimeterError);
    return err as PerimeterError;
  }
  throw new Error("expected the policies to be refused");
}

describe("the default policy set", () => {
  const engine = PolicyEngine.default();

  it("allows an approved model version in the identity's environment, naming the permitting policy", () => {
    expect(engine.authorize(request())).toEqual({ allow: true, reason: "permitted by model-in-environment", policies: ["model-in-environment"], errors: [] });
    expect(engine.authorize(request({ action: "embed", model: { state: "deployed" } })).allow).toBe(true);
    expect(engine.authorize(request({ action: "list" })).allow).toBe(true);
  });

  it("denies a model version not registered for the identity's environment", () => {
    const decision = engine.authorize(request({ principal: { environment: "dev" } }));
    expect(decision).toEqual({ allow: false, reason: "no policy permits invoke on llama@1 for id_3f9c2a7d1b4e", policies: [], errors: [] });
  });

  it.each(["registered", "evaluated", "deprecated", "revoked"] as const)("denies a model version that is %s, not approved", (state) => {
    expect(engine.authorize(request({ model: { state } })).allow).toBe(false);
  });

  it("denies tools without the tools scope, and allows them with it", () => {
    expect(engine.authorize(request({ context: { tools: true } }))).toMatchObject({
      allow: false,
      reason: "forbidden by tools-need-scope",
      policies: ["tools-need-scope"],
    });
    expect(engine.authorize(request({ context: { tools: true }, principal: { scopes: ["tools"] } })).allow).toBe(true);
  });

  it("denies more than 8192 max tokens without the long-output scope", () => {
    expect(engine.authorize(request({ context: { maxTokens: 8192 } })).allow).toBe(true);
    expect(engine.authorize(request({ context: { maxTokens: 8193 } }))).toMatchObject({ allow: false, policies: ["long-output-needs-scope"] });
    expect(engine.authorize(request({ context: { maxTokens: 100_000 }, principal: { scopes: ["long-output"] } })).allow).toBe(true);
  });

  it("denies every action on a non-commercial model without the research scope", () => {
    for (const action of ["invoke", "embed", "list"] as const) {
      expect(engine.authorize(request({ action, model: { licenseTier: "non-commercial" } }))).toMatchObject({
        allow: false,
        policies: ["non-commercial-needs-research-scope"],
      });
    }
    expect(engine.authorize(request({ model: { licenseTier: "non-commercial" }, principal: { scopes: ["research"] } })).allow).toBe(true);
  });

  it("names every forbid that matched", () => {
    const decision = engine.authorize(request({ context: { tools: true, maxTokens: 9000 }, model: { licenseTier: "non-commercial" } }));
    expect(decision.policies).toEqual(["long-output-needs-scope", "non-commercial-needs-research-scope", "tools-need-scope"]);
  });

  it("lists its policies with their @id and effect", () => {
    expect(engine.policies.map((p) => `${p.effect} ${p.id}`)).toEqual([
      "permit model-in-environment",
      "forbid tools-need-scope",
      "forbid long-output-needs-scope",
      "forbid non-commercial-needs-research-scope",
      "permit tools-with-scope",
    ]);
  });
});

describe("custom policy sets", () => {
  it("forbids one identity by id while the rest are permitted, and resolves models by name", () => {
    const engine = PolicyEngine.fromTexts([
      { file: "base.cedar", text: DEFAULT_POLICIES },
      {
        file: "incident.cedar",
        text: `@id("block-compromised-agent")
forbid (principal == Perimeter::Identity::"id_compromised", action, resource);
@id("llama-is-prod-only")
forbid (principal, action in Perimeter::Action::"model", resource in Perimeter::Model::"llama")
unless { principal.environment == "prod" };`,
      },
    ]);
    expect(engine.authorize(request({ principal: { id: "id_compromised" } }))).toMatchObject({ allow: false, policies: ["block-compromised-agent"] });
    expect(engine.authorize(request()).allow).toBe(true);
    expect(engine.authorize(request({ principal: { environment: "staging" } }))).toMatchObject({ allow: false, policies: ["llama-is-prod-only"] });
    expect(engine.authorize(request({ principal: { environment: "staging" }, model: { id: "mistral@1", name: "mistral" } })).allow).toBe(true);
  });

  it("refuses at load a policy naming an attribute the schema does not have, with the file, line and Cedar's message", () => {
    const err = loadError(() =>
      PolicyEngine.fromTexts([
        {
          file: "team.cedar",
          text: `// team rules\n@id("owner-check")\npermit (principal, action in Perimeter::Action::"model", resource)\nwhen { principal.team == "ml" };\n`,
        },
      ]),
    );
    expect(err.code).toBe("POLICY_INVALID");
    expect(err.message).toMatch(/team\.cedar:4:\d+: policy "owner-check": .*attribute `team` on entity type `Perimeter::Identity` not found/);
  });

  it("refuses at load a policy that does not parse, and a schema that does not", () => {
    const err = loadError(() =>
      PolicyEngine.fromTexts([{ file: "broken.cedar", text: "permit (principal, action, resource)\nwhen { principal.scopes.contains( };" }]),
    );
    expect(err.code).toBe("POLICY_INVALID");
    expect(err.message).toMatch(/broken\.cedar:2:\d+: /);
    expect(loadError(() => PolicyEngine.fromTexts([], { schema: "namespace {" })).code).toBe("POLICY_INVALID");
  });

  it("refuses two policies with the same @id and policy templates", () => {
    const twice = `@id("a") permit (principal, action in Perimeter::Action::"model", resource);\n`;
    expect(
      loadError(() =>
        PolicyEngine.fromTexts([
          { file: "one.cedar", text: twice },
          { file: "two.cedar", text: twice },
        ]),
      ).message,
    ).toMatch(/two\.cedar:1: policy "a": policy id "a" is already used at one\.cedar:1/);
    const template = `@id("t") permit (principal == ?principal, action, resource);`;
    expect(loadError(() => PolicyEngine.fromTexts([{ file: "t.cedar", text: template }])).message).toMatch(/templates .* are not supported/);
  });

  it("names and places the policies of a long file in the file's order, and a duplicate @id at its own line", () => {
    // Cedar hands policies back ordered by its own ids (policy0, policy1, policy10, …): twelve without @id
    // must still be FILE#1…FILE#12 from the top, each at its own line.
    const unnamed = Array.from({ length: 12 }, (_, i) => `permit (principal, action == Perimeter::Action::"model", resource) when { context has n${i} };`).join(
      "\n",
    );
    const engine = PolicyEngine.fromTexts([{ file: "many.cedar", text: unnamed }]);
    expect(engine.policies.map((p) => [p.id, p.line])).toEqual(Array.from({ length: 12 }, (_, i) => [`many.cedar#${i + 1}`, i + 1]));

    const filler = Array.from({ length: 11 }, (_, i) => `@id("f${i}") permit (principal, action == Perimeter::Action::"model", resource);`);
    const dup = `@id("same") permit (principal, action == Perimeter::Action::"model", resource) when { context has a };`;
    const later = `@id("same") forbid (principal, action == Perimeter::Action::"model", resource);`;
    const text = [dup, ...filler, later].join("\n");
    expect(loadError(() => PolicyEngine.fromTexts([{ file: "dup.cedar", text }])).message).toMatch(
      /dup\.cedar:13: policy "same": policy id "same" is already used at dup\.cedar:1/,
    );
  });

  it("treats quotes and newlines in ids as data: they cannot close the id and add a condition", () => {
    const engine = PolicyEngine.fromTexts([
      {
        file: "only-one.cedar",
        text: `@id("only-svc") permit (principal == Perimeter::Identity::"svc", action in Perimeter::Action::"model", resource == Perimeter::ModelVersion::"llama@1");`,
      },
    ]);
    expect(engine.authorize(request({ principal: { id: "svc" } })).allow).toBe(true);
    for (const id of ['svc", action, resource) || true || ("', 'svc"\n', "svc\n", 'svc\\"', "svc\u0000"]) {
      const decision = engine.authorize(request({ principal: { id } }));
      expect(decision.allow).toBe(false);
      expect(decision.errors).toEqual([]);
    }
    const sneaky = engine.authorize(request({ principal: { id: "svc" }, model: { id: 'llama@1" || true || "', name: 'x"\n}' } }));
    expect(sneaky.allow).toBe(false);
    expect(sneaky.errors).toEqual([]);
  });

  it("denies when a policy fails to evaluate, even though another policy permits", () => {
    const engine = PolicyEngine.fromTexts([
      { file: "base.cedar", text: DEFAULT_POLICIES },
      {
        file: "overflow.cedar",
        text: `@id("token-budget") permit (principal, action in Perimeter::Action::"model", resource) when { context.maxTokens * 4611686018427387904 > 0 };`,
      },
    ]);
    expect(engine.authorize(request({ context: { maxTokens: 0 } })).allow).toBe(true);
    const decision = engine.authorize(request({ context: { maxTokens: 2 } }));
    expect(decision.allow).toBe(false);
    expect(decision.policies).toEqual(["token-budget"]);
    expect(decision.errors[0]).toMatch(/^token-budget: integer overflow/);
    expect(decision.reason).toMatch(/^denied: policy token-budget failed to evaluate/);
  });

  it("denies a request Cedar cannot evaluate, and one whose input throws while it is read", () => {
    const engine = PolicyEngine.default();
    const fractional = engine.authorize(request({ context: { maxTokens: 1.5 } }));
    expect(fractional.allow).toBe(false);
    expect(fractional.errors.length).toBeGreaterThan(0);
    const hostile = {
      ...principal,
      get scopes(): readonly string[] {
        throw new Error("scopes unavailable");
      },
    };
    expect(engine.authorize({ ...request(), principal: hostile })).toMatchObject({ allow: false, errors: ["scopes unavailable"] });
  });

  it("decides from the prepared policy set: a call costs well under a millisecond", () => {
    const engine = PolicyEngine.default();
    const req = request();
    for (let i = 0; i < 200; i++) engine.authorize(req);
    const n = 2000;
    const start = performance.now();
    for (let i = 0; i < n; i++) engine.authorize(req);
    const perCall = (performance.now() - start) / n;
    expect(perCall).toBeLessThan(1);
  });
});

describe("loading from perimeter.yaml", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "perimeter-policy-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("uses the default set when policy.files is empty", () => {
    const engine = PolicyEngine.fromConfig(loadConfig({ cwd: dir, env: {} }));
    expect(engine.policies.map((p) => p.id)).toContain("model-in-environment");
  });

  it("reads policy.files relative to the config file", () => {
    writeFileSync(
      join(dir, "mine.cedar"),
      `@id("everyone-in-prod") permit (principal, action in Perimeter::Action::"model", resource) when { principal.environment == "prod" };`,
    );
    writeFileSync(join(dir, "perimeter.yaml"), "policy:\n  files: [mine.cedar]\n");
    const engine = PolicyEngine.fromConfig(loadConfig({ path: join(dir, "perimeter.yaml"), env: {} }));
    expect(engine.policies.map((p) => p.id)).toEqual(["everyone-in-prod"]);
    expect(engine.authorize(request({ model: { state: "registered" } })).policies).toEqual(["everyone-in-prod"]);
  });

  it("refuses a missing policy file, naming it", () => {
    writeFileSync(join(dir, "perimeter.yaml"), "policy:\n  files: [gone.cedar]\n");
    const err = loadError(() => PolicyEngine.fromConfig(loadConfig({ path: join(dir, "perimeter.yaml"), env: {} })));
    expect(err.code).toBe("POLICY_INVALID");
    expect(err.message).toContain(`${join(dir, "gone.cedar")}: cannot read the policy file: no such file`);
  });
});

describe("the gateway's cache of decisions", () => {
  const counting = (engine: PolicyEngine) => {
    let calls = 0;
    const decide = cachedDecisions((r) => {
      calls++;
      return engine.authorize(r);
    }, engine.contextAttributes);
    return { decide, calls: () => calls };
  };

  it("knows which context attributes the policies read, and keys on those alone", () => {
    const engine = PolicyEngine.default();
    expect(engine.contextAttributes).not.toBe("all");
    expect([...(engine.contextAttributes as Set<string>)]).toContain("maxTokens");
    expect([...(engine.contextAttributes as Set<string>)]).not.toContain("promptChars");
    const { decide, calls } = counting(engine);
    // The prompt's length varies on every call and no default policy reads it: one evaluation serves both.
    expect(decide(request({ context: { promptChars: 10 } })).allow).toBe(true);
    expect(decide(request({ context: { promptChars: 90_000 } })).allow).toBe(true);
    expect(calls()).toBe(1);
    // An attribute a policy reads is part of the key: the long-output rule sees each value.
    expect(decide(request({ context: { maxTokens: 100_000 } })).allow).toBe(false);
    expect(calls()).toBe(2);
  });

  it("never answers from the cache what a policy reading that attribute would decide otherwise", () => {
    const engine = PolicyEngine.fromTexts([
      { file: "base.cedar", text: DEFAULT_POLICIES },
      {
        file: "size.cedar",
        text: '@id("short-prompts") forbid(principal, action in Perimeter::Action::"model", resource) when { context.promptChars > 1000 };',
      },
    ]);
    const { decide, calls } = counting(engine);
    expect(decide(request({ context: { promptChars: 10 } })).allow).toBe(true);
    expect(decide(request({ context: { promptChars: 5000 } }))).toMatchObject({ allow: false, policies: ["short-prompts"] });
    expect(calls()).toBe(2);
  });

  it("keys on the whole context when a policy uses it whole", () => {
    const engine = PolicyEngine.fromTexts([
      { file: "base.cedar", text: DEFAULT_POLICIES },
      {
        file: "whole.cedar",
        text: '@id("exact") forbid(principal, action in Perimeter::Action::"model", resource) when { context == {"route": "/v1/embeddings", "environment": "prod", "stream": false, "tools": false, "maxTokens": 0, "promptChars": 7, "guards": context.guards} };',
      },
    ]);
    expect(engine.contextAttributes).toBe("all");
    const { decide } = counting(engine);
    expect(decide(request({ context: { route: "/v1/embeddings", promptChars: 8 } })).allow).toBe(true);
    expect(decide(request({ context: { route: "/v1/embeddings", promptChars: 7 } }))).toMatchObject({ allow: false, policies: ["exact"] });
  });
});

describe("tool calls (action call_tool)", () => {
  const tool = { id: "files__read_file", name: "read_file", server: "files", approval: false };
  const arg = (value: string) => ({ type: "string" as const, text: value, number: 0, path: value.startsWith("/") ? value : "", host: "" });
  const toolRequest = (scopes: string[], args: Record<string, string> = {}, listing = false) => ({
    principal: { ...principal, scopes },
    tool,
    listing,
    arguments: new Map(Object.entries(args).map(([k, v]) => [k, arg(v)])),
    environment: "prod",
  });

  it("permits tool calls to identities with the tools scope under the default policies, and nothing else", () => {
    const engine = PolicyEngine.default();
    expect(engine.authorizeTool(toolRequest(["tools"]))).toMatchObject({ allow: true, policies: ["tools-with-scope"] });
    expect(engine.authorizeTool(toolRequest([])).reason).toBe("no policy permits call_tool on files__read_file for id_3f9c2a7d1b4e");
    // A model-call scope check never leaks into tools, nor the other way round.
    expect(engine.authorize(request({ principal: { scopes: ["tools"] } })).policies).toEqual(["model-in-environment"]);
  });

  it("lets a policy decide on a tool's server and on the call's arguments, and listing on neither", () => {
    const engine = PolicyEngine.fromTexts([
      {
        file: "tools.cedar",
        text: `
@id("files-for-readers")
permit (principal, action == Perimeter::Action::"call_tool", resource in Perimeter::ToolServer::"files")
when { principal.scopes.contains("reader") };

@id("only-public-paths")
forbid (principal, action == Perimeter::Action::"call_tool", resource == Perimeter::Tool::"files__read_file")
when { !context.listing && !(context.call.hasTag("path") && context.call.getTag("path").path like "/srv/public/*") };
`,
      },
    ]);
    expect(engine.authorizeTool(toolRequest(["reader"], { path: "/srv/public/a.txt" })).allow).toBe(true);
    expect(engine.authorizeTool(toolRequest(["reader"], { path: "/etc/passwd" }))).toMatchObject({ allow: false, reason: "forbidden by only-public-paths" });
    expect(engine.authorizeTool(toolRequest(["reader"], {})).allow).toBe(false);
    expect(engine.authorizeTool(toolRequest(["reader"], {}, true)).allow).toBe(true);
    expect(engine.authorizeTool(toolRequest([], { path: "/srv/public/a.txt" })).allow).toBe(false);
    expect(engine.contextAttributes).toEqual(new Set(["listing", "call"]));
  });

  it("refuses a tool policy that reads an attribute the schema does not have", () => {
    const err = loadError(() =>
      PolicyEngine.fromTexts([
        { file: "bad.cedar", text: `permit (principal, action == Perimeter::Action::"call_tool", resource) when { context.arguments.path == "x" };` },
      ]),
    );
    expect(err.code).toBe("POLICY_INVALID");
  });
});
