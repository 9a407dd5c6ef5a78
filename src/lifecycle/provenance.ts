import { createHash, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { asPerimeterError, PerimeterError } from "../errors.js";
import { getModel } from "../inventory/models.js";
import type { ModelVersion } from "../inventory/types.js";
import { keyId, signStatement, verifyStatement } from "./attestation.js";
import { LifecycleRepository, type Evidence } from "./repository.js";
import type { LifecycleDeps } from "./service.js";

// SLSA v1 provenance for what a pipeline made from other models and data (a fine-tune, an adapter, a merge, a
// quantization): an in-toto statement naming the builder, the parent models and datasets it consumed (by
// digest) and its parameters, signed by the builder in a DSSE envelope and kept as evidence on the version.
// With lifecycle.requireProvenance, approving such a version needs one that verifies against a configured
// builder's key and whose model materials are exactly the version's recorded parents.

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
export const MODEL_BUILD_TYPE = "https://perimeter.dev/model-build/v1";
const MODEL_URI = "perimeter:model/";

export interface Material {
  readonly name: string;
  readonly uri?: string;
  readonly digest: { readonly sha256: string };
}

export interface AttestInput {
  readonly builder: string;
  /** name@version (a model in the inventory), sha256:HEX or NAME=sha256:HEX (a dataset by digest), or a file to hash. */
  readonly materials: readonly string[];
  readonly parameters: Readonly<Record<string, string>>;
  readonly startedOn?: string | undefined;
  readonly finishedOn?: string | undefined;
  readonly signingKey: KeyObject;
  readonly actor: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

async function resolveMaterial(deps: Pick<LifecycleDeps, "store">, ref: string): Promise<Material> {
  const named = /^([^=]{1,200})=sha256:([0-9a-f]{64})$/.exec(ref);
  if (named !== null) return { name: named[1] as string, digest: { sha256: named[2] as string } };
  const bare = /^sha256:([0-9a-f]{64})$/.exec(ref);
  if (bare !== null) return { name: ref, digest: { sha256: bare[1] as string } };
  if (/^[^/@\s]+@[^/@\s]+$/.test(ref)) {
    const v = await getModel(deps.store, ref);
    return { name: v.id, uri: `${MODEL_URI}${v.id}`, digest: { sha256: v.digest } };
  }
  let isFile = false;
  try {
    isFile = statSync(ref).isFile();
  } catch {
    // not a file: refused below
  }
  if (!isFile) throw new PerimeterError("USAGE", `--material ${ref} is not a model (name@version), a digest (NAME=sha256:HEX) or a file to hash`);
  return { name: basename(ref), digest: { sha256: createHash("sha256").update(readFileSync(ref)).digest("hex") } };
}

/** Write and sign a version's provenance, and keep it as evidence on the version. */
export async function attest(
  deps: Pick<LifecycleDeps, "store" | "audit">,
  ref: string,
  input: AttestInput,
): Promise<{ evidence: Evidence; statement: unknown }> {
  const version = await getModel(deps.store, ref);
  if (!/^[\x21-\x7e]{1,500}$/.test(input.builder)) throw new PerimeterError("USAGE", "--builder is the builder's id: a URI or name without spaces");
  const materials = [];
  for (const m of input.materials) materials.push(await resolveMaterial(deps, m));
  const now = new Date().toISOString();
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: version.id, digest: { sha256: version.digest } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: MODEL_BUILD_TYPE,
        externalParameters: { ...input.parameters, kind: version.kind },
        internalParameters: {},
        resolvedDependencies: materials,
      },
      runDetails: {
        builder: { id: input.builder },
        metadata: { startedOn: input.startedOn ?? now, finishedOn: input.finishedOn ?? now },
      },
    },
  };
  const envelope = signStatement(statement, IN_TOTO_PAYLOAD_TYPE, input.signingKey);
  const evidence = await new LifecycleRepository(deps.store).addEvidence({
    versionId: version.id,
    kind: "provenance",
    verdict: "pass",
    digest: version.digest,
    createdBy: input.actor,
    body: { envelope, builder: input.builder, keyId: envelope.signatures[0]?.keyid ?? null },
  });
  await deps.audit().append({
    actor: input.actor,
    action: "evidence.provenance",
    resource: `model:${version.id}`,
    decision: "allow",
    details: { evidence: evidence.id, builder: input.builder, materials: materials.map((m) => ({ name: m.name, sha256: m.digest.sha256 })) },
  });
  return { evidence, statement };
}

/** Kinds made from other models: what requireProvenance asks provenance of. */
const DERIVED = new Set(["fine-tune", "adapter", "merge", "quantization"]);

/**
 * Why this version's provenance does not hold, or undefined when it does (or none is needed). Every stored
 * statement is tried, newest first; the reasons of all that fail are given when none holds.
 */
export async function provenanceProblem(deps: Pick<LifecycleDeps, "store" | "builderKeys">, version: ModelVersion): Promise<string | undefined> {
  if (!DERIVED.has(version.kind)) return undefined;
  let builders: ReadonlyMap<string, readonly KeyObject[]>;
  try {
    builders = deps.builderKeys?.() ?? new Map();
  } catch (err) {
    return `the builder keys cannot be read: ${asPerimeterError(err).message}`;
  }
  if (builders.size === 0) return "provenance is required (lifecycle.requireProvenance) but no builder is trusted (lifecycle.builders)";
  const parents = new Map<string, string>();
  for (const p of version.parents) parents.set((await getModel(deps.store, p)).digest, p);
  const stored = (await new LifecycleRepository(deps.store).evidence(version.id, "provenance")).reverse();
  if (stored.length === 0)
    return `no provenance on record: the pipeline that made ${version.id} attests it (perimeter attest ${version.id} --builder ID --material PARENT@V …)`;
  const why: string[] = [];
  for (const e of stored) {
    const problem = statementProblem(e, version, builders, parents);
    if (problem === undefined) return undefined;
    why.push(problem);
  }
  return `no provenance of ${version.id} holds: ${why.join("; ")}`;
}

function statementProblem(
  e: Evidence,
  version: ModelVersion,
  builders: ReadonlyMap<string, readonly KeyObject[]>,
  parents: ReadonlyMap<string, string>,
): string | undefined {
  const claimed = typeof e.body["builder"] === "string" ? e.body["builder"] : "";
  const keys = builders.get(claimed);
  if (keys === undefined) return `${e.id} names builder "${claimed}", which is not in lifecycle.builders`;
  let payload: unknown;
  for (const key of keys) {
    try {
      payload = verifyStatement(e.body["envelope"], IN_TOTO_PAYLOAD_TYPE, key, "the provenance");
      break;
    } catch {
      // the next key of this builder
    }
  }
  if (payload === undefined) return `${e.id} is not signed by a key of builder ${claimed} (${keys.map((k) => keyId(k).slice(0, 12)).join(", ")})`;
  const s = payload as {
    predicateType?: unknown;
    subject?: { digest?: { sha256?: unknown } }[];
    predicate?: { buildDefinition?: { resolvedDependencies?: unknown }; runDetails?: { builder?: { id?: unknown } } };
  };
  if (s.predicateType !== SLSA_PROVENANCE_V1) return `${e.id} is not SLSA v1 provenance`;
  if (s.subject?.[0]?.digest?.sha256 !== version.digest) return `${e.id} is of other bytes than ${version.id}`;
  if (s.predicate?.runDetails?.builder?.id !== claimed) return `${e.id} is signed for builder ${claimed} but names another`;
  const deps = Array.isArray(s.predicate?.buildDefinition?.resolvedDependencies) ? s.predicate.buildDefinition.resolvedDependencies : [];
  const models = new Set<string>();
  for (const d of deps as { uri?: unknown; digest?: { sha256?: unknown } }[]) {
    const sha = d?.digest?.sha256;
    if (typeof d?.uri === "string" && d.uri.startsWith(MODEL_URI) && typeof sha === "string" && HEX64.test(sha)) models.add(sha);
  }
  const missing = [...parents].filter(([digest]) => !models.has(digest)).map(([, id]) => id);
  const extra = [...models].filter((digest) => !parents.has(digest));
  if (missing.length > 0 || extra.length > 0)
    return `${e.id}'s model materials are not ${version.id}'s recorded parents${missing.length > 0 ? ` (missing ${missing.join(", ")})` : ""}${extra.length > 0 ? ` (${extra.length} not a recorded parent)` : ""}`;
  return undefined;
}
