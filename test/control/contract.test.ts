// The control API against its own OpenAPI document: the document validates as OpenAPI 3.1, every route in it
// answers as documented (status and body schema), and every route holds to its role checks, its CSRF check
// and session expiry. A route added without an example here fails the walk.

import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/server.js";
import { DEFAULT_POLICIES } from "../../src/policy/default-policies.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { bearer, request, signIn, type ControlAnswer, type Session } from "./client.js";

type Json = Record<string, unknown>;
interface Documented {
  readonly path: string;
  readonly method: string;
  readonly operation: Json;
}

/** Which roles the default control policies let use each Cedar action. */
const PERMITTED: Readonly<Record<string, readonly string[]>> = {
  control_read: ["viewer", "auditor", "operator", "approver", "admin"],
  control_audit: ["auditor", "operator", "admin"],
  control_kill: ["operator", "admin"],
  control_identities: ["operator", "admin"],
  control_lifecycle: ["operator", "admin"],
  control_approve: ["approver", "admin"],
  control_policies: ["admin"],
};
const ROLES = ["viewer", "auditor", "operator", "approver", "admin"] as const;

interface Example {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
}

describe.each(STORE_KINDS)("the control API's contract on %s", (kind) => {
  let p: Perimeter;
  let server: RunningServer;
  let doc: Json;
  let keys: Record<(typeof ROLES)[number], { key: string; id: string }>;
  let target: { key: string; id: string };
  let admin: Session;
  const ajv = new Ajv2020({ strict: false, allErrors: true });

  beforeAll(async () => {
    p = await startPerimeter(kind);
    ({ server } = await p.serve());
    keys = {
      viewer: await p.key("c-viewer", { scopes: ["viewer"], owner: "vic" }),
      auditor: await p.key("c-auditor", { scopes: ["auditor"], owner: "aud" }),
      operator: await p.key("c-operator", { scopes: ["operator"], owner: "olga" }),
      approver: await p.key("c-approver", { scopes: ["approver"], owner: "bob" }),
      admin: await p.key("c-admin", { scopes: ["admin"], owner: "ada" }),
    };
    target = await p.key("contract-target");
    admin = await signIn(server.url, { key: keys.admin.key });
    doc = (await request(`${server.url}/control/openapi.json`, {})).body as Json;
  });
  afterAll(async () => {
    await p?.close();
  });

  const operations = (): Documented[] =>
    Object.entries(doc["paths"] as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
  const id = (d: Documented) => String(d.operation["operationId"]);

  /** An input that succeeds, where one can: run in this order, they leave the store as a person would. */
  const succeeds = (): Record<string, Example> => ({
    signIn: { body: { key: keys.viewer.key } },
    getSession: {},
    signOut: {},
    getOverview: {},
    getTraffic: {},
    getPolicies: {},
    validatePolicies: { body: { text: DEFAULT_POLICIES } },
    applyPolicies: { body: { target: "gateway", text: DEFAULT_POLICIES, reason: "the defaults, from the store" } },
    listVersions: { query: { state: "approved" } },
    getVersion: { params: { ref: "vllm-llama@1" } },
    getLineage: {},
    listApprovals: {},
    approveVersion: { params: { ref: "draft-llama@1" }, body: {} },
    rejectVersion: { params: { ref: "draft-llama@1" }, body: { reason: "never scanned" } },
    deployVersion: { params: { ref: "vllm-llama@1" }, body: { environment: "default" } },
    retireVersion: { params: { ref: "ollama-llama@1" }, body: { to: "deprecated", reason: "superseded" } },
    listRuntimes: {},
    getDrift: {},
    listEvaluations: { params: { ref: "vllm-llama@1" } },
    getEvaluation: { params: { id: "vllm-llama@1" } },
    listIdentities: { query: { all: "true" } },
    getIdentity: { params: { id: "c-viewer" } },
    createIdentity: { body: { name: "contract-agent", kind: "agent", owner: "app-team", scopes: ["tools"] } },
    rotateIdentityKey: { params: { id: "contract-agent" }, body: { overlapSeconds: 0 } },
    revokeKey: { params: { keyId: "KEY_OF_CONTRACT_AGENT" }, body: { reason: "leaked in a log" } },
    revokeIdentity: { params: { id: "contract-agent" }, body: { reason: "the agent was retired" } },
    listAuditEvents: { query: { limit: "5", action: "control.*" } },
    verifyAuditLog: {},
    proveAuditEvent: { params: { seq: "1" } },
    listKills: {},
    previewKill: { query: { kind: "model", target: "local-llama" } },
    kill: { body: { kind: "model", target: "local-llama@1", reason: "contract walk" } },
    lift: { body: { kind: "model", target: "local-llama@1", reason: "contract walk over" } },
    listToolApprovals: {},
    listToolPins: {},
    getGuards: {},
    checkGuards: { body: { text: `deploy with ghp_${"x1Y2".repeat(9)} please`, direction: "input" } },
    listToolServers: {},
    reviewToolServer: { params: { name: "none" } },
    decideToolCall: { body: { id: "apr_nope", decision: "deny" } },
    approveToolServer: { body: { server: "none" } },
  });

  /** A well-formed input that changes nothing whoever sends it (it fails after authorization, or only reads). */
  const harmless = (d: Documented): Example => {
    const byId: Record<string, Example> = {
      approveVersion: { params: { ref: "ghost@1" }, body: {} },
      rejectVersion: { params: { ref: "ghost@1" }, body: { reason: "x" } },
      deployVersion: { params: { ref: "ghost@1" }, body: { environment: "default" } },
      retireVersion: { params: { ref: "ghost@1" }, body: { to: "deprecated", reason: "x" } },
      createIdentity: { body: { name: "-not-a-name", kind: "agent", owner: "app-team", scopes: [] } },
      rotateIdentityKey: { params: { id: target.id }, body: { overlapSeconds: 0 } },
      revokeIdentity: { params: { id: "no-such-identity" }, body: { reason: "x" } },
      revokeKey: { params: { keyId: "no-such-key" }, body: { reason: "x" } },
      kill: { body: { kind: "identity", target: "no-such-identity", reason: "x" } },
      lift: { body: { kind: "identity", target: "no-such-identity", reason: "x" } },
      signIn: { body: { key: "prm_nope_nope" } },
      applyPolicies: { body: { target: "gateway", text: "permit(", reason: "x" } },
    };
    return byId[id(d)] ?? succeeds()[id(d)] ?? {};
  };

  const url = (d: Documented, e: Example): string => {
    let path = d.path;
    for (const [k, v] of Object.entries(e.params ?? {})) path = path.replace(`{${k}}`, encodeURIComponent(v));
    const query = new URLSearchParams(e.query ?? {}).toString();
    return `${path}${query === "" ? "" : `?${query}`}`;
  };
  const send = (d: Documented, e: Example, call: (path: string, o: { method: string; body?: unknown }) => Promise<ControlAnswer>) =>
    call(url(d, e), { method: d.method, ...(e.body === undefined ? {} : { body: e.body }) });

  /** The documented schema of a status's answer, with the document's own references resolved. */
  const schemaFor = (d: Documented, status: number): Json | undefined => {
    const responses = d.operation["responses"] as Record<string, Json>;
    const entry = responses[String(status)];
    if (entry === undefined) return undefined;
    const schema = ((entry["content"] as Json)["application/json"] as Json)["schema"] as Json;
    const ref = schema["$ref"];
    if (typeof ref !== "string") return schema;
    return ((doc["components"] as Json)["schemas"] as Json)[ref.replace("#/components/schemas/", "")] as Json;
  };
  const answersAsDocumented = (d: Documented, answer: ControlAnswer): void => {
    const where = `${d.method} ${d.path} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
    expect(answer.headers.get("content-type"), where).toMatch(/^application\/json/);
    const schema = schemaFor(d, answer.status);
    expect(schema, `${where}: status not documented`).toBeDefined();
    const validate = ajv.compile(schema as Json);
    expect(validate(answer.body), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
  };

  it("serves an OpenAPI 3.1 document that validates, with every operation documented once", async () => {
    const result = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc["openapi"]).toBe("3.1.0");
    const ids = operations().map(id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(succeeds()).sort());
  });

  it("answers every route as documented, walked in order through a signed-in session", async () => {
    const examples = succeeds();
    const byId = new Map(operations().map((d) => [id(d), d]));
    const statuses: Record<string, number> = {};
    for (const [name, example] of Object.entries(examples)) {
      if (name === "signOut") continue;
      const d = byId.get(name) as Documented;
      let e = example;
      if (name === "revokeKey") {
        const agent = (await admin.call("/control/identities/contract-agent")).body as { identity: { keys: { id: string; revokedAt: string | null }[] } };
        e = { ...e, params: { keyId: agent.identity.keys.find((k) => k.revokedAt === null)?.id ?? "" } };
      }
      const answer =
        name === "signIn" ? await send(d, e, (path, o) => request(`${server.url}${path}`, {}, o)) : await send(d, e, (path, o) => admin.call(path, o));
      answersAsDocumented(d, answer);
      statuses[name] = answer.status;
    }
    // The walk did what a person would have seen it do.
    expect(statuses).toMatchObject({
      signIn: 200,
      getOverview: 200,
      validatePolicies: 200,
      applyPolicies: 200,
      getVersion: 200,
      createIdentity: 201,
      rotateIdentityKey: 200,
      revokeKey: 200,
      revokeIdentity: 200,
      verifyAuditLog: 200,
      proveAuditEvent: 200,
      kill: 200,
      lift: 200,
      // ada holds the admin role but is not in lifecycle.roles: the lifecycle refuses her, as it would on the CLI.
      rejectVersion: 403,
      getEvaluation: 404,
    });
    const out = await signIn(server.url, { key: keys.viewer.key });
    const signOut = byId.get("signOut") as Documented;
    answersAsDocumented(signOut, await send(signOut, {}, (path, o) => out.call(path, o)));
    expect((await out.call("/control/overview")).status).toBe(401);
  });

  it("refuses each route to each role the control policies do not name, and lets the others past authorization", async () => {
    for (const d of operations()) {
      const action = String(d.operation["x-perimeter-action"]);
      if (action === "public") continue;
      for (const role of ROLES) {
        const answer = await send(d, harmless(d), (path, o) => bearer(server.url, keys[role].key)(path, o));
        const where = `${role} ${d.method} ${d.path}: ${answer.status} ${JSON.stringify(answer.body)}`;
        if (PERMITTED[action]?.includes(role)) expect(answer.body.error?.stage, where).not.toBe("authorize");
        else expect(answer.body.error, where).toMatchObject({ code: "PERMISSION_DENIED", stage: "authorize" });
        answersAsDocumented(d, answer);
      }
    }
  });

  it("refuses every route without credentials and with an expired session, and every change without its CSRF token", async () => {
    const expired = await signIn(server.url, { key: keys.operator.key });
    const fresh = await signIn(server.url, { key: keys.admin.key });
    await p.store.db
      .updateTable("control_sessions")
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where("identity_id", "=", keys.operator.id)
      .execute();
    for (const d of operations()) {
      if (d.operation["x-perimeter-action"] === "public") continue;
      const e = harmless(d);
      const anonymous = await send(d, e, (path, o) => request(`${server.url}${path}`, {}, o));
      expect(anonymous.body.error, `${d.method} ${d.path}`).toMatchObject({ code: "AUTH_MISSING", stage: "authenticate" });
      const old = await send(d, e, (path, o) => expired.call(path, o));
      expect(old.body.error, `${d.method} ${d.path}`).toMatchObject({ code: "AUTH_SESSION_EXPIRED" });
      if (d.method !== "GET") {
        const forged = await send(d, e, (path, o) => fresh.call(path, { ...o, csrf: false }));
        expect(forged.body.error, `${d.method} ${d.path}`).toMatchObject({ code: "CSRF_INVALID", stage: "csrf" });
        answersAsDocumented(d, forged);
      }
    }
  });
});
