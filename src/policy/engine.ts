import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
  validate,
  type AuthorizationAnswer,
  type CedarValueJson,
  type DetailedError,
  type EntityJson,
  type StatefulAuthorizationCall,
} from "@cedar-policy/cedar-wasm/nodejs";
import { configPath, type LoadedConfig } from "../config/load.js";
import { PerimeterError } from "../errors.js";
import type { Principal } from "../identity/types.js";
import type { LicenseTier, ModelKind } from "../inventory/types.js";
import type { LifecycleState } from "../lifecycle/repository.js";
import { ADMIN_ROLES, CONTROL_SCHEMA, DEFAULT_CONTROL_POLICIES, DEFAULT_CONTROL_POLICY_FILE, type AdminRole, type ControlAction } from "./control-policies.js";
import { DEFAULT_POLICIES, PERIMETER_SCHEMA } from "./default-policies.js";
import { MAX_POLICY_DEPTH, policyTooDeep } from "./nesting.js";

// The Cedar engine: policies are parsed and validated against the schema once, at load, and kept in
// cedar-wasm's preparsed cache; each request only sends its entities and context. Request data only ever
// travels as JSON entities and context, never as policy text, so no id or attribute can change a policy.

export const POLICY_ACTIONS = ["invoke", "embed", "list"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** What policies see of the caller: a Principal fits as it is. */
export type PolicyPrincipal = Pick<Principal, "id" | "name" | "kind" | "owner" | "environment" | "scopes">;

/** What policies see of the model version: the inventory's row with its licence tier and lifecycle state. */
export interface PolicyModel {
  /** name@version */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly kind: ModelKind;
  readonly environments: readonly string[];
  readonly licenseTier: LicenseTier;
  readonly state: LifecycleState;
}

export interface PolicyContext {
  /** The gateway route, e.g. /v1/chat/completions. */
  readonly route: string;
  /** The environment of the gateway or runtime answering. */
  readonly environment: string;
  readonly stream: boolean;
  /** The request carries tools or functions. */
  readonly tools: boolean;
  /** Requested max tokens, 0 when unset. */
  readonly maxTokens: number;
  readonly promptChars: number;
  /** What the guards found; none when absent (the authorize stage, listings). */
  readonly guards?: GuardContext;
}

/** context.guards: the guards' findings as policies read them (see the schema's GuardContext). */
export interface GuardContext {
  readonly direction: "none" | "input" | "output";
  readonly categories: readonly string[];
  readonly types: readonly string[];
  readonly detectors: readonly string[];
  readonly maxSeverity: "none" | "info" | "low" | "medium" | "high" | "critical";
  readonly scores: { readonly secret: number; readonly pii: number; readonly injection: number; readonly jailbreak: number; readonly model: number };
  readonly count: number;
}

/** context.guards before any guard has looked. */
export const NO_GUARD_FINDINGS: GuardContext = {
  direction: "none",
  categories: [],
  types: [],
  detectors: [],
  maxSeverity: "none",
  scores: { secret: 0, pii: 0, injection: 0, jailbreak: 0, model: 0 },
  count: 0,
};

export interface PolicyRequest {
  readonly principal: PolicyPrincipal;
  readonly action: PolicyAction;
  readonly model: PolicyModel;
  readonly context: PolicyContext;
}

/** One argument of a tool call as policies read it (the schema's Argument type). */
export interface ToolArgument {
  readonly type: "string" | "number" | "boolean" | "null" | "array" | "object";
  readonly text: string;
  readonly number: number;
  readonly path: string;
  readonly host: string;
}

/** What policies see of a tool call (action call_tool): who, which tool, and its arguments. */
export interface ToolPolicyRequest {
  readonly principal: PolicyPrincipal;
  /** The tool as offered, e.g. files__read_file; its server's name and its name there. */
  readonly tool: { readonly id: string; readonly name: string; readonly server: string; readonly approval: boolean };
  /** True when deciding whether tools/list shows the tool. */
  readonly listing: boolean;
  readonly arguments: ReadonlyMap<string, ToolArgument>;
  readonly environment: string;
  readonly guards?: GuardContext;
}

/** One control API request: who (with the roles its scopes name), which action, and the route. */
export interface ControlPolicyRequest {
  readonly principal: PolicyPrincipal;
  readonly action: ControlAction;
  readonly route: string;
  readonly method: string;
  /** The scopes the change would hand over (see the schema's ControlContext). */
  readonly grants: readonly string[];
}

export interface PolicyDecision {
  readonly allow: boolean;
  readonly reason: string;
  /** The policies that decided (their @id): the permits on allow, the forbids on deny, the failing ones on error. */
  readonly policies: readonly string[];
  readonly errors: readonly string[];
}

export interface PolicySource {
  /** Where the text came from, for messages. */
  readonly file: string;
  readonly text: string;
}

export interface PolicyEngineOptions {
  /** A Cedar schema (Cedar text) to validate against instead of Perimeter's. */
  readonly schema?: string;
}

/** One loaded policy, as `perimeter policy check` lists it. */
export interface PolicyInfo {
  readonly id: string;
  readonly effect: "permit" | "forbid";
  readonly file: string;
  readonly line: number;
}

/** One thing wrong with a policy file, as POLICY_INVALID's details carry it. */
export interface PolicyIssue {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly policy?: string;
  readonly message: string;
}

/** The file name the default policy set reports in messages and `policy check`. */
export const DEFAULT_POLICY_FILE = "(default policy set)";

const NS = "Perimeter";

export class PolicyEngine {
  /** The policies in force, in file order. */
  readonly policies: readonly PolicyInfo[];
  /** The files they came from. */
  readonly files: readonly string[];
  /**
   * The request context attributes any policy reads (`context.x`, `context has x`), or "all" when one uses
   * the context whole. A decision depends on no other context attribute, so a cache of decisions keys on
   * these alone and still hits when, say, the prompt length varies and no policy looks at it.
   */
  readonly contextAttributes: ReadonlySet<string> | "all";
  /** Permits that name no principal and no resource and have no condition: they grant to every caller. */
  readonly blanketPermits: readonly string[];
  readonly #schemaName: string;
  readonly #policySetId: string;

  private constructor(
    schemaName: string,
    policySetId: string,
    policies: readonly PolicyInfo[],
    files: readonly string[],
    contextAttributes: ReadonlySet<string> | "all",
    blanketPermits: readonly string[],
  ) {
    this.blanketPermits = blanketPermits;
    this.#schemaName = schemaName;
    this.#policySetId = policySetId;
    this.policies = policies;
    this.files = files;
    this.contextAttributes = contextAttributes;
  }

  /** Parse, validate against the schema, and preparse: any problem is POLICY_INVALID naming the file. */
  static fromTexts(sources: readonly PolicySource[], options: PolicyEngineOptions = {}): PolicyEngine {
    const { schema, record, infos, contextAttributes, blanketPermits } = checkTexts(sources, options);
    // Content-addressed cache keys: loading the same policies again reuses the entry instead of adding one
    // (cedar-wasm keeps preparsed sets for the life of the process).
    const schemaName = `schema:${sha256(schema)}`;
    const policySetId = `policies:${sha256(JSON.stringify(record))}`;
    const preparsedSchema = preparseSchema(schemaName, schema);
    if (preparsedSchema.type === "failure") throw invalid([{ file: "(schema)", message: describe(preparsedSchema.errors) }]);
    const preparsedSet = preparsePolicySet(policySetId, { staticPolicies: record });
    if (preparsedSet.type === "failure") throw invalid([{ file: sources.map((s) => s.file).join(", "), message: describe(preparsedSet.errors) }]);
    return new PolicyEngine(
      schemaName,
      policySetId,
      infos,
      sources.map((s) => s.file),
      contextAttributes,
      blanketPermits,
    );
  }

  /**
   * Parse and validate against the schema, as fromTexts does, but keep nothing: cedar-wasm holds every preparsed
   * set for the life of the process, so checking text that is not put in force must not preparse it.
   */
  static check(sources: readonly PolicySource[], options: PolicyEngineOptions = {}): readonly PolicyInfo[] {
    return checkTexts(sources, options).infos;
  }

  /** The policy set Perimeter ships (src/policy/default-policies.ts). */
  static default(): PolicyEngine {
    return PolicyEngine.fromTexts([{ file: DEFAULT_POLICY_FILE, text: DEFAULT_POLICIES }]);
  }

  /** Read Cedar policy files; an unreadable file is POLICY_INVALID too. */
  static fromFiles(files: readonly string[], options: PolicyEngineOptions = {}): PolicyEngine {
    return PolicyEngine.fromTexts(files.map(readPolicyFile), options);
  }

  /** `policy.files`, relative to the config file; the default set when there are none. */
  static fromConfig(loaded: LoadedConfig): PolicyEngine {
    const files = loaded.config.policy.files;
    if (files.length === 0) return PolicyEngine.default();
    return PolicyEngine.fromFiles(files.map((f) => configPath(loaded, f)));
  }

  /** Decide one request. Fails closed: any error, from Cedar or from building the request, is a deny. */
  authorize(request: PolicyRequest): PolicyDecision {
    return this.#decide(
      () => this.#call(request),
      () => `no policy permits ${request.action} on ${request.model.id} for ${request.principal.id}`,
    );
  }

  /** Decide one tool call (action call_tool), or whether a listing shows the tool. Fails closed like authorize. */
  authorizeTool(request: ToolPolicyRequest): PolicyDecision {
    return this.#decide(
      () => this.#toolCall(request),
      () => `no policy permits call_tool on ${request.tool.id} for ${request.principal.id}`,
    );
  }

  /** Decide one control API request. Fails closed like authorize. */
  authorizeControl(request: ControlPolicyRequest): PolicyDecision {
    return this.#decide(
      () => this.#controlCall(request),
      () => `no control policy permits ${request.action} for ${request.principal.id} (its roles: ${rolesOf(request.principal).join(", ") || "none"})`,
    );
  }

  /** The control policy set: control.policyFiles, else the default one. */
  static control(files: readonly string[] = []): PolicyEngine {
    if (files.length === 0) return PolicyEngine.fromTexts([{ file: DEFAULT_CONTROL_POLICY_FILE, text: DEFAULT_CONTROL_POLICIES }], { schema: CONTROL_SCHEMA });
    return PolicyEngine.fromFiles(files, { schema: CONTROL_SCHEMA });
  }

  #controlCall(request: ControlPolicyRequest): StatefulAuthorizationCall {
    const principal = identityEntity(request.principal);
    const roles = rolesOf(request.principal).map((id) => ({ type: `${NS}::Role`, id }));
    const resourceUid = { type: `${NS}::ControlApi`, id: "perimeter" };
    return {
      principal: principal.uid,
      action: { type: `${NS}::Action`, id: request.action },
      resource: resourceUid,
      context: { route: request.route, method: request.method, grants: [...request.grants] },
      entities: [{ ...principal, parents: roles }, ...roles.map((uid) => ({ uid, attrs: {}, parents: [] })), { uid: resourceUid, attrs: {}, parents: [] }],
      preparsedSchemaName: this.#schemaName,
      preparsedPolicySetId: this.#policySetId,
      validateRequest: true,
    };
  }

  #decide(build: () => StatefulAuthorizationCall, nothingPermits: () => string): PolicyDecision {
    let answer: AuthorizationAnswer;
    try {
      answer = statefulIsAuthorized(build());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { allow: false, reason: `denied: the request could not be evaluated (${message})`, policies: [], errors: [message] };
    }
    if (answer.type === "failure") {
      const errors = answer.errors.map(detail);
      return { allow: false, reason: `denied: the request could not be evaluated (${errors.join("; ")})`, policies: [], errors };
    }
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      const failing = [...new Set(diagnostics.errors.map((e) => e.policyId))].sort();
      const errors = diagnostics.errors.map((e) => `${e.policyId}: ${detail(e.error)}`);
      return { allow: false, reason: `denied: policy ${failing.join(", ")} failed to evaluate (${errors.join("; ")})`, policies: failing, errors };
    }
    const deciding = [...diagnostics.reason].sort();
    if (decision === "allow") return { allow: true, reason: `permitted by ${deciding.join(", ")}`, policies: deciding, errors: [] };
    if (deciding.length > 0) return { allow: false, reason: `forbidden by ${deciding.join(", ")}`, policies: deciding, errors: [] };
    return { allow: false, reason: nothingPermits(), policies: [], errors: [] };
  }

  #toolCall(request: ToolPolicyRequest): StatefulAuthorizationCall {
    const { principal, tool } = request;
    const principalUid = identityUid(principal);
    const resourceUid = { type: `${NS}::Tool`, id: tool.id };
    const serverUid = { type: `${NS}::ToolServer`, id: tool.server };
    const callUid = { type: `${NS}::ToolCall`, id: "call" };
    const tags: Record<string, CedarValueJson> = {};
    for (const [name, a] of request.arguments) tags[name] = { type: a.type, text: a.text, number: a.number, path: a.path, host: a.host };
    return {
      principal: principalUid,
      action: { type: `${NS}::Action`, id: "call_tool" },
      resource: resourceUid,
      context: {
        server: tool.server,
        tool: tool.name,
        listing: request.listing,
        call: { __entity: callUid },
        environment: request.environment,
        guards: guardsJson(request.guards ?? NO_GUARD_FINDINGS),
      },
      entities: [
        identityEntity(principal),
        { uid: resourceUid, attrs: { name: tool.name, server: tool.server, approval: tool.approval }, parents: [serverUid] },
        { uid: serverUid, attrs: {}, parents: [] },
        { uid: callUid, attrs: {}, parents: [], tags },
      ],
      preparsedSchemaName: this.#schemaName,
      preparsedPolicySetId: this.#policySetId,
      validateRequest: true,
    };
  }

  // Every value is copied field by field into Cedar's JSON shapes: nothing the caller adds rides along.
  #call(request: PolicyRequest): StatefulAuthorizationCall {
    const { principal, model, context } = request;
    const principalUid = identityUid(principal);
    const resourceUid = { type: `${NS}::ModelVersion`, id: model.id };
    const modelUid = { type: `${NS}::Model`, id: model.name };
    const entities: EntityJson[] = [
      identityEntity(principal),
      {
        uid: resourceUid,
        attrs: {
          name: model.name,
          version: model.version,
          kind: model.kind,
          environments: [...model.environments],
          licenseTier: model.licenseTier,
          state: model.state,
        },
        parents: [modelUid],
      },
      { uid: modelUid, attrs: {}, parents: [] },
    ];
    return {
      principal: principalUid,
      action: { type: `${NS}::Action`, id: request.action },
      resource: resourceUid,
      context: {
        route: context.route,
        environment: context.environment,
        stream: context.stream,
        tools: context.tools,
        maxTokens: context.maxTokens,
        promptChars: context.promptChars,
        guards: guardsJson(context.guards ?? NO_GUARD_FINDINGS),
      },
      entities,
      preparsedSchemaName: this.#schemaName,
      preparsedPolicySetId: this.#policySetId,
      validateRequest: true,
    };
  }
}

/** The admin roles an identity's scopes name. */
export function rolesOf(principal: Pick<PolicyPrincipal, "scopes">): AdminRole[] {
  return ADMIN_ROLES.filter((r) => principal.scopes.includes(r));
}

function identityUid(principal: PolicyPrincipal): { type: string; id: string } {
  return { type: `${NS}::Identity`, id: principal.id };
}

function identityEntity(principal: PolicyPrincipal): EntityJson {
  return {
    uid: identityUid(principal),
    attrs: { name: principal.name, kind: principal.kind, owner: principal.owner, environment: principal.environment, scopes: [...principal.scopes] },
    parents: [],
  };
}

function guardsJson(g: GuardContext): CedarValueJson {
  const s = g.scores;
  return {
    direction: g.direction,
    categories: [...g.categories],
    types: [...g.types],
    detectors: [...g.detectors],
    maxSeverity: g.maxSeverity,
    scores: { secret: s.secret, pii: s.pii, injection: s.injection, jailbreak: s.jailbreak, model: s.model },
    count: g.count,
  };
}

function readPolicyFile(file: string): PolicySource {
  try {
    return { file, text: readFileSync(file, "utf8") };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw invalid([{ file, message: `cannot read the policy file: ${reason}` }]);
  }
}

function invalid(issues: readonly PolicyIssue[]): PerimeterError {
  const lines = issues.map((i) => {
    const at = i.line === undefined ? i.file : `${i.file}:${i.line}${i.column === undefined ? "" : `:${i.column}`}`;
    return `  ${at}: ${i.policy === undefined ? "" : `policy "${i.policy}": `}${i.message}`;
  });
  return new PerimeterError("POLICY_INVALID", `invalid Cedar policies (fix them, or check with perimeter policy check):\n${lines.join("\n")}`, {
    details: { issues },
  });
}

function detail(e: DetailedError): string {
  return e.help === null || e.help === "" ? e.message : `${e.message} (${e.help})`;
}

function describe(errors: readonly DetailedError[]): string {
  return errors.map(detail).join("; ");
}

/** Line and column of Cedar's first source location; its offsets are UTF-8 bytes into the text it was given. */
/** Parse policy texts and validate them against the schema: any problem is POLICY_INVALID naming the file. */
function checkTexts(
  sources: readonly PolicySource[],
  options: PolicyEngineOptions,
): {
  schema: string;
  record: Record<string, string>;
  infos: PolicyInfo[];
  contextAttributes: Set<string> | "all";
  blanketPermits: string[];
} {
  const schema = options.schema ?? PERIMETER_SCHEMA;
  const schemaCheck = checkParseSchema(schema);
  if (schemaCheck.type === "failure") {
    throw invalid([{ file: "(schema)", message: `the Cedar schema does not parse: ${describe(schemaCheck.errors)}` }]);
  }

  // Each policy keeps its @id as its Cedar policy id, so Cedar's diagnostics name it directly.
  const issues: PolicyIssue[] = [];
  const record: Record<string, string> = {};
  const infos: PolicyInfo[] = [];
  const blanketPermits: string[] = [];
  const where = new Map<string, { source: PolicySource; start: number }>();
  let contextAttributes: Set<string> | "all" = new Set<string>();
  for (const source of sources) {
    // Before any of it reaches Cedar: text nested past Cedar's stack would break Cedar for the whole process.
    const deep = policyTooDeep(source.text);
    if (deep !== undefined) {
      issues.push({
        file: source.file,
        ...lineColumn(source.text, deep.index),
        message: `a policy is nested too deeply (about ${deep.depth} levels of brackets and operators here; at most ${MAX_POLICY_DEPTH}): write a long list as a set, e.g. ["a", "b"].contains(context.route), not a chain of ||`,
      });
      continue;
    }
    const parts = policySetTextToParts(source.text);
    if (parts.type === "failure") {
      for (const e of parts.errors) issues.push({ file: source.file, ...locate(source.text, 0, e), message: detail(e) });
      continue;
    }
    if (parts.policy_templates.length > 0) {
      issues.push({ file: source.file, message: "policy templates (?principal, ?resource) are not supported: write static policies" });
    }
    // Cedar hands the policies back in the order of its own ids (policy0, policy1, policy10, …), not the
    // file's: each is found in the text and they are taken in the file's order, so fallback ids (FILE#N) and
    // the earlier of two duplicates are as the file reads. Identical texts take their places in turn.
    sourceOrder(source.text, parts.policies).forEach(({ text, start }, index) => {
      const json = policyToJson(text);
      if (json.type === "failure") {
        issues.push({ file: source.file, ...locate(source.text, start, json.errors[0]), message: describe(json.errors) });
        return;
      }
      const id = json.json.annotations?.["id"] ?? `${source.file}#${index + 1}`;
      const earlier = where.get(id);
      const line = lineColumn(source.text, start).line;
      if (id.trim() === "") {
        issues.push({ file: source.file, line, message: '@id must name the policy, e.g. @id("prod-only")' });
        return;
      }
      if (earlier !== undefined) {
        const earlierLine = lineColumn(earlier.source.text, earlier.start).line;
        issues.push({
          file: source.file,
          line,
          policy: id,
          message: `policy id "${id}" is already used at ${earlier.source.file}:${earlierLine}: each @id must be unique`,
        });
        return;
      }
      where.set(id, { source, start });
      record[id] = text;
      if (contextAttributes !== "all") contextAttributes = contextReads(json.json, contextAttributes);
      infos.push({ id, effect: json.json.effect, file: source.file, line });
      const { principal, resource, conditions } = json.json as { principal?: { op?: string }; resource?: { op?: string }; conditions?: unknown[] };
      if (json.json.effect === "permit" && principal?.op === "All" && resource?.op === "All" && (conditions ?? []).length === 0) blanketPermits.push(id);
    });
  }
  if (issues.length > 0) throw invalid(issues);

  const validation = validate({ schema, policies: { staticPolicies: record }, validationSettings: { mode: "strict" } });
  if (validation.type === "failure") {
    throw invalid([{ file: sources.map((s) => s.file).join(", "), message: `validation failed: ${describe(validation.errors)}` }]);
  }
  for (const e of validation.validationErrors) {
    const at = where.get(e.policyId);
    issues.push({
      file: at?.source.file ?? "(unknown file)",
      ...(at === undefined ? {} : locate(at.source.text, at.start, e.error)),
      policy: e.policyId,
      message: detail(e.error),
    });
  }
  if (issues.length > 0) throw invalid(issues);

  return { schema, record, infos, contextAttributes, blanketPermits };
}

function sourceOrder(fileText: string, policies: readonly string[]): { text: string; start: number }[] {
  const places = new Map<string, number[]>();
  return policies
    .map((text) => {
      let found = places.get(text);
      if (found === undefined) {
        found = [];
        for (let i = fileText.indexOf(text); i !== -1; i = fileText.indexOf(text, i + text.length)) found.push(i);
        places.set(text, found);
      }
      return { text, start: found.shift() ?? 0 };
    })
    .sort((a, b) => a.start - b.start);
}

function locate(fileText: string, partStart: number, e: DetailedError | undefined): { line?: number; column?: number } {
  const byteOffset = e?.sourceLocations?.[0]?.start;
  if (byteOffset === undefined) return partStart === 0 ? {} : lineColumn(fileText, partStart);
  const part = fileText.slice(partStart);
  const chars = Buffer.from(part, "utf8").subarray(0, byteOffset).toString("utf8").length;
  return lineColumn(fileText, partStart + chars);
}

/** Where each line of the text last asked about starts: a set of thousands of policies is located in n log n, not n². */
let lineStarts: { text: string; starts: number[] } | undefined;

function lineColumn(text: string, index: number): { line: number; column: number } {
  if (lineStarts?.text !== text) {
    const starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    lineStarts = { text, starts };
  }
  const starts = lineStarts.starts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - (starts[lo] as number) + 1 };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Add the context attributes a policy (as Cedar's JSON form) reads to `into`; "all" when it uses the
 * context any other way (compares it whole, passes it to a function), or when the form is not understood.
 */
function contextReads(policy: unknown, into: Set<string>): Set<string> | "all" {
  let all = false;
  const isContext = (n: unknown): boolean => n !== null && typeof n === "object" && (n as { Var?: unknown }).Var === "context";
  const walk = (n: unknown): void => {
    if (all || n === null || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const item of n) walk(item);
      return;
    }
    const node = n as Record<string, unknown>;
    if (isContext(node)) {
      all = true; // reached without an attribute access around it
      return;
    }
    for (const op of [".", "has"]) {
      const access = node[op] as { left?: unknown; attr?: unknown } | undefined;
      if (access !== undefined && isContext(access.left)) {
        if (typeof access.attr !== "string") all = true;
        else into.add(access.attr);
        return;
      }
    }
    for (const value of Object.values(node)) walk(value);
  };
  walk(policy);
  return all ? "all" : into;
}
