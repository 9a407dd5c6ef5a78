import { stat } from "node:fs/promises";
import { z } from "zod";
import { checkDrift } from "../../inventory/drift.js";
import { getModel, lineageOf, listModels } from "../../inventory/models.js";
import { InventoryRepository } from "../../inventory/repository.js";
import { listRuntimes } from "../../inventory/runtimes.js";
import { LICENSE_TIERS, MODEL_KINDS, type ModelVersion } from "../../inventory/types.js";
import { EVIDENCE_KINDS, type Evidence, LIFECYCLE_STATES, LifecycleRepository } from "../../lifecycle/repository.js";
import { signaturePath } from "../../signing/manifest.js";
import { approvalRecord, approve, deploy, retire } from "../../lifecycle/service.js";
import { operation, who, type AnyOperation } from "../api.js";
import { anyJson, reason } from "../schemas.js";
import type { ControlServices } from "../services.js";

// The inventory and the lifecycle: model versions, their lineage and evidence, runtimes and drift, and the
// approvals queue. Approving here runs the lifecycle's own checks — the same as `perimeter approve`: a clean
// scan, a trusted signature, the eval gate, lifecycle.roles.approver, and an approver who is not the submitter.

const ref = z.strictObject({ ref: z.string().min(3).max(300).describe("name@version, URL-encoded") });

const versionSummary = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  kind: z.enum(MODEL_KINDS),
  parents: z.array(z.string()),
  digest: z.string(),
  size: z.number(),
  formats: z.array(z.string()),
  license: z.object({ expression: z.string().nullable(), tier: z.enum(LICENSE_TIERS), source: z.string(), detail: z.string() }),
  owner: z.string().nullable(),
  environments: z.array(z.string()),
  registeredAt: z.string(),
  registeredBy: z.string(),
  state: z.enum(LIFECYCLE_STATES),
  stateChangedAt: z.string().nullable(),
});

const versionDetail = versionSummary.extend({
  source: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string(), format: z.string() })),
  generalPurpose: z.boolean(),
  euAiAct: anyJson,
  modelCard: z.record(z.string(), anyJson),
  location: z.string().nullable(),
});

const evidence = z.object({
  id: z.string(),
  versionId: z.string(),
  kind: z.enum(EVIDENCE_KINDS),
  verdict: z.enum(["pass", "fail"]),
  digest: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  body: z.record(z.string(), anyJson),
});

const served = z.object({
  runtime: z.string(),
  name: z.string(),
  digest: z.string().nullable(),
  discoveredAt: z.string(),
});

const approvalView = z.strictObject({
  evidence: z.string(),
  approvedAt: z.string(),
  approver: z.string(),
  submitter: z.string().nullable(),
  signer: z.string().nullable().describe("the trusted signer whose OMS signature over the files verified at approval"),
  note: z.string().nullable(),
  keyId: z.string().nullable().describe("the key that signed the approval statement"),
  verified: z.boolean().describe("the approval statement verifies against the instance's lifecycle key or the approver's configured keys"),
  problem: z.string().nullable(),
});

const signatureView = z.strictObject({
  signer: z.string().nullable().describe("the trusted signer, from the newest approval whose statement verifies; null: not verified yet"),
  file: z.string().nullable().describe("the OMS signature file at the version's location, if one is there"),
  approvals: z.array(approvalView),
});

const lineageGraph = z.strictObject({
  nodes: z.array(z.strictObject({ id: z.string(), kind: z.enum(MODEL_KINDS), state: z.enum(LIFECYCLE_STATES), license: z.string().nullable() })),
  edges: z.array(z.strictObject({ from: z.string().describe("the parent"), to: z.string().describe("the version made from it") })),
});

const approvalBody = z.strictObject({
  reason: z.string().max(2000).default("").describe("why it is approved: kept in the signed approval"),
  environments: z
    .array(z.string().min(1).max(63))
    .max(64)
    .optional()
    .describe("approve it for these of its registered environments only (default: all); an approved version is promoted this way"),
});

/** Where the version's OMS signature would be, if a file is there (the check itself runs at approval: it reads every byte). */
async function signatureFileOf(location: string | null): Promise<string | null> {
  if (location === null) return null;
  try {
    const info = await stat(location);
    const file = signaturePath(location, undefined, info.isDirectory());
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}
const reasonBody = z.strictObject({
  reason,
});

export function inventoryOperations(s: ControlServices): AnyOperation[] {
  const store = s.ctx.store;
  const withStates = async (versions: readonly ModelVersion[]) => {
    const states = await new LifecycleRepository(store).states(versions.map((v) => v.id));
    return versions.map((v) => summary(v, states.get(v.id)));
  };
  const signatureOf = async (v: ModelVersion, all: readonly Evidence[]): Promise<z.infer<typeof signatureView>> => {
    const approvals = all
      .filter((e) => e.kind === "approval")
      .map((e) => approvalRecord(s.lifecycle, e))
      .sort((a, b) => b.approvedAt.localeCompare(a.approvedAt));
    return { signer: approvals.find((a) => a.verified && a.signer !== null)?.signer ?? null, file: await signatureFileOf(v.location), approvals };
  };
  const detail = async (reference: string) => {
    const v = await getModel(store, reference);
    const lifecycle = new LifecycleRepository(store);
    const state = await lifecycle.state(v.id);
    const inventory = new InventoryRepository(store);
    const evidence = await lifecycle.evidence(v.id);
    return {
      version: {
        ...summary(v, state),
        source: v.source,
        files: v.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, format: f.format })),
        generalPurpose: v.generalPurpose,
        euAiAct: v.euAiAct,
        modelCard: { ...v.modelCard },
        location: v.location,
      },
      evidence,
      served: (await inventory.servedModels())
        .filter((m) => m.digest === v.digest)
        .map((m) => ({ runtime: m.runtime, name: m.servedName, digest: m.digest, discoveredAt: m.discoveredAt })),
      children: await inventory.childrenOf(v.id),
      signature: await signatureOf(v, evidence),
    };
  };
  return [
    operation({
      id: "listVersions",
      method: "GET",
      path: "/control/versions",
      summary: "Every model version in the inventory with its lifecycle state",
      tag: "inventory",
      action: "control_read",
      query: z.strictObject({ name: z.string().min(1).max(200).optional(), state: z.enum(LIFECYCLE_STATES).optional() }),
      response: z.strictObject({ versions: z.array(versionSummary) }),
      async handle({ query }) {
        const all = await withStates(await listModels(store, query.name === undefined ? {} : { name: query.name }));
        return { versions: query.state === undefined ? all : all.filter((v) => v.state === query.state) };
      },
    }),
    operation({
      id: "getVersion",
      method: "GET",
      path: "/control/versions/{ref}",
      summary: "One model version: files, licence, lifecycle state, every piece of evidence, where it is served",
      tag: "inventory",
      action: "control_read",
      params: ref,
      response: z.strictObject({
        version: versionDetail,
        evidence: z.array(evidence),
        served: z.array(served),
        children: z.array(z.string()),
        signature: signatureView,
      }),
      handle: ({ params }) => detail(params.ref),
    }),
    operation({
      id: "getLineage",
      method: "GET",
      path: "/control/lineage",
      summary: "The lineage graph of the whole inventory (or of one model's versions): base → fine-tune → adapter",
      tag: "inventory",
      action: "control_read",
      query: z.strictObject({ ref: z.string().min(3).max(300).optional().describe("only this version's ancestors and descendants") }),
      response: lineageGraph,
      async handle({ query }) {
        const versions = await withStates(await listModels(store));
        let keep: Set<string> | undefined;
        if (query.ref !== undefined) {
          const lineage = await lineageOf(store, query.ref);
          keep = new Set<string>();
          const walk = (n: { id: string; next: readonly { id: string; next: readonly unknown[] }[] }) => {
            keep?.add(n.id);
            for (const c of n.next) walk(c as typeof n);
          };
          walk(lineage.ancestry);
          walk(lineage.descendants);
        }
        const nodes = versions.filter((v) => keep === undefined || keep.has(v.id));
        const ids = new Set(nodes.map((v) => v.id));
        return {
          nodes: nodes.map((v) => ({ id: v.id, kind: v.kind, state: v.state, license: v.license.expression })),
          edges: nodes.flatMap((v) => v.parents.filter((p) => ids.has(p)).map((p) => ({ from: p, to: v.id }))),
        };
      },
    }),
    operation({
      id: "listApprovals",
      method: "GET",
      path: "/control/approvals",
      summary: "The approvals queue: versions registered or evaluated, waiting for an approver",
      tag: "lifecycle",
      action: "control_read",
      response: z.strictObject({ waiting: z.array(versionSummary) }),
      async handle() {
        const all = await withStates(await listModels(store));
        return { waiting: all.filter((v) => v.state === "registered" || v.state === "evaluated") };
      },
    }),
    operation({
      id: "approveVersion",
      method: "POST",
      path: "/control/versions/{ref}/approve",
      summary: "Approve a version (as perimeter approve: scan, signature, eval gate, lifecycle.roles.approver, not its submitter)",
      tag: "lifecycle",
      action: "control_approve",
      params: ref,
      body: approvalBody,
      response: z.strictObject({ version: z.string(), signer: z.string(), evidence }),
      async handle({ params, body }, caller) {
        const r = await approve(s.lifecycle, params.ref, { actor: who(caller).actor, note: body.reason, environments: body.environments });
        return { version: r.version.id, signer: r.signer, evidence: r.evidence };
      },
    }),
    operation({
      id: "rejectVersion",
      method: "POST",
      path: "/control/versions/{ref}/reject",
      summary: "Reject a version: it is revoked, refused by admission, the webhook and the gateway everywhere",
      tag: "lifecycle",
      action: "control_approve",
      params: ref,
      body: reasonBody,
      response: z.strictObject({ version: z.string(), state: z.enum(LIFECYCLE_STATES) }),
      async handle({ params, body }, caller) {
        const v = await getModel(store, params.ref);
        await retire(s.lifecycle, v.id, "revoked", who(caller).actor, body.reason);
        return { version: v.id, state: "revoked" as const };
      },
    }),
    operation({
      id: "deployVersion",
      method: "POST",
      path: "/control/versions/{ref}/deploy",
      summary: "Record that an approved version is deployed in an environment (operators)",
      tag: "lifecycle",
      action: "control_lifecycle",
      params: ref,
      body: z.strictObject({ environment: z.string().min(1).max(63) }),
      response: z.strictObject({ version: z.string(), state: z.enum(LIFECYCLE_STATES) }),
      async handle({ params, body }, caller) {
        const v = await getModel(store, params.ref);
        await deploy(s.lifecycle, v.id, body.environment, who(caller).actor);
        return { version: v.id, state: "deployed" as const };
      },
    }),
    operation({
      id: "retireVersion",
      method: "POST",
      path: "/control/versions/{ref}/retire",
      summary: "Deprecate or revoke a version",
      tag: "lifecycle",
      action: "control_lifecycle",
      params: ref,
      body: z.strictObject({
        to: z.enum(["deprecated", "revoked"]),
        reason: reasonBody.shape.reason,
      }),
      response: z.strictObject({ version: z.string(), state: z.enum(LIFECYCLE_STATES) }),
      async handle({ params, body }, caller) {
        const v = await getModel(store, params.ref);
        await retire(s.lifecycle, v.id, body.to, who(caller).actor, body.reason);
        return { version: v.id, state: body.to };
      },
    }),
    operation({
      id: "listRuntimes",
      method: "GET",
      path: "/control/runtimes",
      summary: "Every runtime and what it served at its last discovery",
      tag: "runtimes",
      action: "control_read",
      response: z.strictObject({
        runtimes: z.array(
          z.object({
            name: z.string(),
            type: z.string(),
            url: z.string(),
            environment: z.string(),
            registeredAt: z.string(),
            discoveredAt: z.string().nullable(),
            served: z.array(served.extend({ versions: z.array(z.string()) })),
          }),
        ),
      }),
      async handle() {
        const repo = new InventoryRepository(store);
        const all = await repo.servedModels();
        const versions = await listModels(store);
        return {
          runtimes: (await listRuntimes({ store })).map((r) => ({
            name: r.name,
            type: r.type,
            url: r.url,
            environment: r.environment,
            registeredAt: r.registeredAt,
            discoveredAt: r.discoveredAt,
            served: all
              .filter((m) => m.runtime === r.name)
              .map((m) => ({
                runtime: m.runtime,
                name: m.servedName,
                digest: m.digest,
                discoveredAt: m.discoveredAt,
                versions: versions.filter((v) => m.digest !== null && v.digest === m.digest).map((v) => v.id),
              })),
          })),
        };
      },
    }),
    operation({
      id: "getDrift",
      method: "GET",
      path: "/control/drift",
      summary: "Drift between what runtimes serve and what is approved: from the last discovery, or asked now (live=true)",
      tag: "runtimes",
      action: "control_read",
      query: z.strictObject({ live: z.enum(["true", "false"]).default("false") }),
      response: z.object({
        checkedAt: z.string(),
        live: z.boolean(),
        drift: z.boolean(),
        runtimes: z.array(anyJson),
        served: z.array(anyJson),
        findings: z.array(
          z.object({
            kind: z.string(),
            severity: z.string(),
            runtime: z.string(),
            environment: z.string(),
            servedName: z.string().nullable(),
            digest: z.string().nullable(),
            modelVersions: z.array(z.string()),
            message: z.string(),
          }),
        ),
      }),
      handle: async ({ query }, caller) =>
        checkDrift({ store, audit: s.ctx.audit }, { live: query.live === "true", timeoutMs: 5000, actor: who(caller).actor }),
    }),
  ];
}

function summary(v: ModelVersion, state: { state: (typeof LIFECYCLE_STATES)[number]; changedAt: string } | undefined) {
  return {
    id: v.id,
    name: v.name,
    version: v.version,
    kind: v.kind,
    parents: [...v.parents],
    digest: v.digest,
    size: v.size,
    formats: [...v.formats],
    license: { ...v.license },
    owner: v.owner,
    environments: [...v.environments],
    registeredAt: v.registeredAt,
    registeredBy: v.registeredBy,
    state: state?.state ?? ("registered" as const),
    stateChangedAt: state?.changedAt ?? null,
  };
}
