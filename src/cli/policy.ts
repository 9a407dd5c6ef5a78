import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../config/load.js";
import { EXIT, PerimeterError } from "../errors.js";
import { getModel } from "../inventory/models.js";
import { IDENTITY_KINDS } from "../identity/types.js";
import { LICENSE_TIERS, MODEL_KINDS } from "../inventory/types.js";
import { LIFECYCLE_STATES } from "../lifecycle/repository.js";
import { stateOf } from "../lifecycle/service.js";
import { DEFAULT_POLICIES, PERIMETER_SCHEMA } from "../policy/default-policies.js";
import type { PolicyAction, PolicyContext, PolicyEngine, PolicyModel, PolicyPrincipal } from "../policy/engine.js";
import { POLICY_TARGETS } from "../policy/targets.js";
import { collect, parseFormat, printJson, printTable, resolveActor, withContext, type Cli, type GlobalOptions } from "./context.js";

// perimeter policy test|check|apply|revert|history|show-default — the Cedar policies the gateway enforces.

const ACTIONS = ["invoke", "embed", "list"] as const satisfies readonly PolicyAction[];

const DEFAULT_ROUTES: Record<PolicyAction, string> = { invoke: "/v1/chat/completions", embed: "/v1/embeddings", list: "/v1/models" };

const principalInput = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1).optional(),
  kind: z.enum([...IDENTITY_KINDS, "jwt"]).default("service-account"),
  owner: z.string().default("unknown"),
  environment: z.string().min(1),
  scopes: z.array(z.string()).default([]),
});

const modelInput = z.strictObject({
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  version: z.string().min(1),
  kind: z.enum(MODEL_KINDS).default("base"),
  environments: z.array(z.string().min(1)),
  licenseTier: z.enum(LICENSE_TIERS).default("unknown"),
  state: z.enum(LIFECYCLE_STATES),
});

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const contextInput = z.strictObject({
  route: z.string().optional(),
  environment: z.string().optional(),
  stream: z.boolean().default(false),
  tools: z.boolean().default(false),
  maxTokens: count.default(0),
  promptChars: count.default(0),
  /** What guards found, as policies read it (context.guards); none when absent. */
  guards: z
    .strictObject({
      direction: z.enum(["none", "input", "output"]).default("input"),
      categories: z.array(z.string()).default([]),
      types: z.array(z.string()).default([]),
      detectors: z.array(z.string()).default([]),
      maxSeverity: z.enum(["none", "info", "low", "medium", "high", "critical"]).default("none"),
      scores: z
        .strictObject({ secret: count.default(0), pii: count.default(0), injection: count.default(0), jailbreak: count.default(0), model: count.default(0) })
        .default({ secret: 0, pii: 0, injection: 0, jailbreak: 0, model: 0 }),
      count: count.default(0),
    })
    .optional(),
});

export function registerPolicy(program: Command, cli: Cli): void {
  const policy = program.command("policy").description("Cedar policies: test a request against them, check policy files, show the default set");

  policy
    .command("test")
    .description("decide one request with the configured policies (policy.files, else the default set); exit 0 allowed, 1 denied")
    .requiredOption("--principal <json>", 'the identity, as JSON or @file: {"id":"id_1","environment":"prod","scopes":["tools"]} (name, kind, owner optional)')
    .requiredOption(
      "--model <model>",
      'the model version: name@version from the inventory, or JSON / @file: {"name":"llama","version":"1","environments":["prod"],"state":"approved","licenseTier":"permissive"}',
    )
    .option("--action <action>", ACTIONS.join(", "), "invoke")
    .option(
      "--context <json>",
      'request context, as JSON or @file: {"tools":true,"maxTokens":16000,"stream":false,"route":"...","environment":"...","promptChars":0,"guards":{"categories":["pii"],"maxSeverity":"medium"}}',
      "{}",
    )
    .option("--policy <file>", "a Cedar policy file to use instead of the configured ones (repeatable)", collect, [] as string[])
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: TestOptions) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const action = parseFormat(opts.action, ACTIONS, "--action");
        const principal = parseInput(principalInput, opts.principal, "--principal");
        const context = parseInput(contextInput, opts.context, "--context");
        const model = isJsonArgument(opts.model) ? modelFromJson(opts.model) : await modelFromInventory(cli.globals(), opts.model);
        const engine = await loadEngine(cli.globals(), opts.policy);
        const request = {
          principal: { ...principal, name: principal.name ?? principal.id } satisfies PolicyPrincipal,
          action,
          model,
          context: {
            route: context.route ?? DEFAULT_ROUTES[action],
            environment: context.environment ?? principal.environment,
            stream: context.stream,
            tools: context.tools,
            maxTokens: context.maxTokens,
            promptChars: context.promptChars,
            ...(context.guards === undefined ? {} : { guards: context.guards }),
          } satisfies PolicyContext,
        };
        const decision = engine.authorize(request);
        if (format === "json") printJson({ ...decision, request });
        else {
          process.stdout.write(`${decision.allow ? "allowed" : "denied"}: ${action} on ${model.id} by ${principal.id}\n`);
          process.stdout.write(`  reason    ${decision.reason}\n`);
          process.stdout.write(`  policies  ${decision.policies.join(", ") || "-"}\n`);
          for (const e of decision.errors) process.stdout.write(`  error     ${e}\n`);
        }
        return decision.allow ? EXIT.ok : EXIT.refused;
      }),
    );

  policy
    .command("check")
    .description("parse and validate Cedar policy files against Perimeter's schema (default: the configured ones); exit 0 valid, 2 invalid")
    .argument("[files...]", "Cedar policy files")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (files: string[], opts: { format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const engine = await loadEngine(cli.globals(), files);
        if (format === "json") printJson({ valid: true, files: engine.files, policies: engine.policies });
        else {
          process.stdout.write(`valid: ${engine.policies.length} ${engine.policies.length === 1 ? "policy" : "policies"} in ${engine.files.join(", ")}\n`);
          for (const p of engine.policies) process.stdout.write(`  ${p.effect.padEnd(7)} ${p.id}  ${p.file}:${p.line}\n`);
        }
        return EXIT.ok;
      }),
    );

  policy
    .command("apply")
    .description("apply a Cedar policy file to every gateway (target gateway) or to the control API (target control), within a poll; exit 2 if invalid")
    .argument("<file>", "the Cedar policy file: the whole set, it replaces what is in force")
    .requiredOption("--reason <text>", "why the policies change (kept as evidence)")
    .option("--target <target>", "gateway or control", "gateway")
    .option("--actor <name>", "who applies them (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (file: string, opts: { reason: string; target: string; actor?: string }) => {
        const target = parseFormat(opts.target, POLICY_TARGETS, "--target");
        const actor = resolveActor(opts.actor);
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (err) {
          throw new PerimeterError("USAGE", `cannot read the policy file ${file}: ${(err as Error).message}`);
        }
        return withContext(cli.globals(), async (ctx) => {
          const { PolicySets } = await import("../policy/applied.js");
          const set = await new PolicySets(ctx.store, ctx.audit).apply({ target, text, actor, reason: opts.reason });
          process.stdout.write(
            `applied ${file} as ${target} policy set #${set.seq} (sha256 ${set.digest.slice(0, 16)}…); every gateway enforces it within gateway.killPollMs\n`,
          );
          return EXIT.ok;
        });
      }),
    );

  policy
    .command("revert")
    .description("go back to the configured policies (policy.files or control.policyFiles, else the default set)")
    .requiredOption("--reason <text>", "why (kept as evidence)")
    .option("--target <target>", "gateway or control", "gateway")
    .option("--actor <name>", "who (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (opts: { reason: string; target: string; actor?: string }) => {
        const target = parseFormat(opts.target, POLICY_TARGETS, "--target");
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const { PolicySets } = await import("../policy/applied.js");
          const set = await new PolicySets(ctx.store, ctx.audit).apply({ target, text: null, actor, reason: opts.reason });
          process.stdout.write(`${target} policies: back to the configured files (set #${set.seq})\n`);
          return EXIT.ok;
        });
      }),
    );

  policy
    .command("history")
    .description("the policy sets applied, newest first: who, when, why")
    .option("--target <target>", "gateway or control", "gateway")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { target: string; format: string }) => {
        const target = parseFormat(opts.target, POLICY_TARGETS, "--target");
        const format = parseFormat(opts.format, ["text", "json"] as const);
        return withContext({ ...cli.globals(), readOnly: true }, async (ctx) => {
          const { PolicySets } = await import("../policy/applied.js");
          const sets = await new PolicySets(ctx.store, ctx.audit).history(target);
          if (format === "json") printJson(sets.map(({ text: _text, ...rest }) => rest));
          else if (sets.length === 0) process.stdout.write(`no ${target} policy set was applied: the configured files are in force\n`);
          else
            printTable(
              ["SET", "SHA256", "BY", "AT", "REASON"],
              sets.map((s) => [`#${s.seq}`, s.digest === "" ? "(the configured files)" : s.digest.slice(0, 16), s.appliedBy, s.appliedAt, s.reason]),
            );
          return EXIT.ok;
        });
      }),
    );

  policy
    .command("show-default")
    .description("print the default policy set (used when policy.files is empty), or with --schema the Cedar schema policies are validated against")
    .option("--schema", "print the schema instead")
    .option("--control", "the control API's default set (or schema), used when control.policyFiles is empty")
    .action(
      cli.run(async (opts: { schema?: boolean; control?: boolean }) => {
        const { CONTROL_SCHEMA, DEFAULT_CONTROL_POLICIES } = await import("../policy/control-policies.js");
        if (opts.control === true) process.stdout.write(opts.schema === true ? CONTROL_SCHEMA : DEFAULT_CONTROL_POLICIES);
        else process.stdout.write(opts.schema === true ? PERIMETER_SCHEMA : DEFAULT_POLICIES);
        return EXIT.ok;
      }),
    );
}

interface TestOptions {
  principal: string;
  model: string;
  action: string;
  context: string;
  policy: string[];
  format: string;
}

// The engine (and the 4 MB Cedar WebAssembly module) loads only when a policy command runs, not on every start.
async function loadEngine(globals: GlobalOptions, files: readonly string[]): Promise<PolicyEngine> {
  const { PolicyEngine } = await import("../policy/engine.js");
  if (files.length > 0) return PolicyEngine.fromFiles(files);
  // The set the gateways enforce: an applied one when the store holds one, else the configured files.
  try {
    return await withContext({ ...globals, readOnly: true }, async (ctx) => {
      const { LivePolicies } = await import("../policy/applied.js");
      const live = new LivePolicies({ store: ctx.store, target: "gateway", fromConfig: () => PolicyEngine.fromConfig(ctx.loaded) });
      await live.refresh();
      return live.engine;
    });
  } catch (err) {
    if (err instanceof PerimeterError && err.code === "STORE_NOT_FOUND") return PolicyEngine.fromConfig(loadConfig({ path: globals.config }));
    throw err;
  }
}

function isJsonArgument(value: string): boolean {
  return /^\s*[{@]/.test(value);
}

/** JSON inline, or @file. */
function parseInput<T>(schema: z.ZodType<T>, value: string, option: string): T {
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (err) {
      throw new PerimeterError("USAGE", `${option}: cannot read ${value.slice(1)}: ${(err as Error).message}`);
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PerimeterError("USAGE", `${option} is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length === 0 ? "(top level)" : i.path.join(".")}: ${i.message}`);
    throw new PerimeterError("USAGE", `${option}: ${issues.join("; ")}`);
  }
  return parsed.data;
}

function modelFromJson(value: string): PolicyModel {
  const m = parseInput(modelInput, value, "--model");
  return { ...m, id: m.id ?? `${m.name}@${m.version}` };
}

async function modelFromInventory(globals: GlobalOptions, ref: string): Promise<PolicyModel> {
  return withContext(globals, async (ctx) => {
    const version = await getModel(ctx.store, ref);
    const state = await stateOf(ctx.store, version.id);
    return {
      id: version.id,
      name: version.name,
      version: version.version,
      kind: version.kind,
      environments: version.environments,
      licenseTier: version.license.tier,
      state,
    };
  });
}
