import { open, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import type { AuditLog } from "../audit/index.js";
import { PerimeterError } from "../errors.js";
import { readGgufHeader, summarizeGguf } from "../formats/gguf.js";
import { isLoadableFormat } from "../scan/engine.js";
import { detectFileFormat } from "../scan/scan.js";
import { computeManifest } from "../signing/index.js";
import type { Store } from "../store/store.js";
import { classifyLicense, detectLicense, readModelCardMetadata, type ExtraLicenses } from "./licenses.js";
import { InventoryRepository, MAX_LINEAGE_DEPTH, notFound } from "./repository.js";
import type { EuAiActRecord, EuAiActReviewOutcome, LicenseRecord, ModelCardFields, ModelFileRecord, ModelKind, ModelVersion } from "./types.js";

// Model versions: registration (hash, detect, classify, link lineage, record), queries, lineage, removal and
// the EU AI Act review. Every change is an audit event written after the change commits.

export interface RegisterModelInput {
  readonly path: string;
  readonly name: string;
  readonly version: string;
  readonly kind: ModelKind;
  readonly parents: readonly string[];
  readonly license?: string | undefined;
  readonly owner?: string | undefined;
  readonly source?: string | undefined;
  readonly environments: readonly string[];
  /** Base models default to general-purpose; derived ones inherit from their parents. */
  readonly generalPurpose?: boolean | undefined;
  readonly task?: string | undefined;
  readonly description?: string | undefined;
  readonly allowSymlinks?: boolean | undefined;
  readonly actor: string;
}

export interface InventoryDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  readonly licenses?: ExtraLicenses | undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
export const ENVIRONMENT = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Parse `name@version` (the last @ splits, so names may not hold one). */
export function parseModelRef(ref: string, what = "model version"): { name: string; version: string; id: string } {
  const at = ref.lastIndexOf("@");
  const name = at > 0 ? ref.slice(0, at) : "";
  const version = at > 0 ? ref.slice(at + 1) : "";
  if (!NAME.test(name) || name.includes("..") || !VERSION.test(version)) {
    throw new PerimeterError("USAGE", `${what} must be written name@version (e.g. llama-3.1-8b@2024-07), not "${ref}"`);
  }
  return { name, version, id: `${name}@${version}` };
}

/** How many parents each kind takes: [min, max]. */
const PARENT_COUNT: Readonly<Record<ModelKind, readonly [number, number, string]>> = {
  base: [0, 0, "a base model has no parent"],
  "fine-tune": [1, 1, "a fine-tune has exactly one parent (the model it was trained from)"],
  adapter: [1, 1, "an adapter has exactly one parent (the base it applies to)"],
  quantization: [1, 1, "a quantization has exactly one parent (the model it was quantized from)"],
  merge: [2, 64, "a merge has two or more parents"],
};

/** Extensions of weights formats whose bytes carry no signature to sniff (protobuf and friends). */
const SIGNATURELESS_WEIGHTS = new Set([".onnx", ".pb", ".tflite", ".mlmodel", ".pdmodel", ".pdiparams", ".caffemodel", ".ort"]);

export async function registerModel(deps: InventoryDeps, input: RegisterModelInput): Promise<ModelVersion> {
  const { id, name, version } = parseModelRef(`${input.name}@${input.version}`, "--name and --version");
  const parents = input.parents.map((p) => parseModelRef(p, "--parent").id);
  const [min, max, rule] = PARENT_COUNT[input.kind];
  if (new Set(parents).size !== parents.length) throw new PerimeterError("LINEAGE_INVALID", `a parent is named twice: ${parents.join(", ")}`);
  if (parents.length < min || parents.length > max) {
    throw new PerimeterError(
      "LINEAGE_INVALID",
      `${rule}; ${parents.length === 0 ? "none was" : `${parents.length} were`} given for ${id} (--kind ${input.kind})`,
    );
  }
  if (parents.includes(id)) throw new PerimeterError("LINEAGE_INVALID", `${id} cannot be its own parent: that would form a cycle`);
  for (const env of input.environments) {
    if (!ENVIRONMENT.test(env)) throw new PerimeterError("USAGE", `--environment must be a lower-case name such as prod, not "${env}"`);
  }

  // Cheap refusals first: a duplicate or an unknown parent should not cost hashing a 100 GB model.
  const repo = new InventoryRepository(deps.store);
  if (await repo.modelExists(id)) {
    throw new PerimeterError(
      "MODEL_VERSION_EXISTS",
      `${id} is already in the inventory: a model version never changes, register the new files as another version`,
    );
  }
  const parentVersions: ModelVersion[] = [];
  for (const p of parents) {
    const found = await repo.getModel(p);
    if (found === undefined)
      throw new PerimeterError("LINEAGE_INVALID", `parent ${p} is not in the inventory: register it first (perimeter model add), or fix --parent`);
    parentVersions.push(found);
  }

  const isDirectory = await pathKind(input.path);
  const manifest = await computeManifest(input.path, { allowSymlinks: input.allowSymlinks === true });
  const files: ModelFileRecord[] = [];
  for (const f of manifest.files) {
    const onDisk = isDirectory ? join(input.path, f.name) : input.path;
    files.push({ path: f.name, size: f.size, sha256: f.sha256, format: await detectFileFormat(onDisk) });
  }
  const weights = files.filter(
    (f) => isLoadableFormat(f.format) || (f.format === "unknown-binary" && SIGNATURELESS_WEIGHTS.has(extname(f.path).toLowerCase())),
  );
  if (weights.length === 0) {
    const seen = files.length === 0 ? "it holds no files" : `found ${summarizeFormats(files)}`;
    throw new PerimeterError(
      "MODEL_NOT_A_MODEL",
      `${input.path} is not a model: ${seen}, and no weights (GGUF, safetensors, PyTorch/pickle, NumPy, Keras/HDF5, ONNX) by content`,
    );
  }

  const license: LicenseRecord =
    input.license !== undefined
      ? classifyLicense(input.license, "flag", deps.licenses)
      : isDirectory
        ? (await detectLicense(input.path, deps.licenses)).record
        : classifyLicense(null, "none", deps.licenses);
  const modelCard = await modelCardOf(input, isDirectory, files);
  const generalPurpose = input.generalPurpose ?? (input.kind === "base" ? true : parentVersions.some((p) => p.generalPurpose));
  const model: ModelVersion = {
    id,
    name,
    version,
    kind: input.kind,
    parents,
    digest: manifest.digest,
    size: files.reduce((a, f) => a + f.size, 0),
    files,
    formats: [...new Set(files.map((f) => f.format))].sort(),
    license,
    owner: input.owner ?? null,
    source: input.source ?? null,
    environments: [...new Set(input.environments)].sort(),
    generalPurpose,
    euAiAct: euAiActFlag(input.kind, parentVersions),
    modelCard,
    registeredAt: new Date().toISOString(),
    registeredBy: input.actor,
    location: resolve(input.path),
  };
  await repo.insertModel(model);
  await deps.audit().append({
    actor: input.actor,
    action: "model.register",
    resource: `model:${id}`,
    decision: "allow",
    details: {
      digest: model.digest,
      kind: model.kind,
      parents: model.parents,
      files: model.files.length,
      size: model.size,
      formats: model.formats,
      license: model.license.expression,
      licenseTier: model.license.tier,
      owner: model.owner,
      environments: model.environments,
      euAiActCandidate: model.euAiAct.substantialModificationCandidate,
    },
  });
  return model;
}

/**
 * EU AI Act: whoever fine-tunes, adapts or merges a general-purpose AI model may become its provider for the
 * modification (Art. 25(2) and the Commission's GPAI guidelines): flag it for a person to review.
 */
function euAiActFlag(kind: ModelKind, parents: readonly ModelVersion[]): EuAiActRecord {
  const gpaiParents = parents.filter((p) => p.generalPurpose).map((p) => p.id);
  if (kind === "fine-tune" || kind === "adapter" || kind === "merge") {
    if (gpaiParents.length > 0) {
      return {
        substantialModificationCandidate: true,
        basis: `${kind} of the general-purpose model${gpaiParents.length > 1 ? "s" : ""} ${gpaiParents.join(", ")}: a candidate substantial modification under EU AI Act Art. 25(2); review whether the modifier becomes a provider`,
        review: null,
      };
    }
    return { substantialModificationCandidate: false, basis: `${kind} of a model not marked general-purpose`, review: null };
  }
  if (kind === "quantization")
    return { substantialModificationCandidate: false, basis: "quantization: a change of representation, not of intended capability", review: null };
  return { substantialModificationCandidate: false, basis: "base model", review: null };
}

async function modelCardOf(input: RegisterModelInput, isDirectory: boolean, files: readonly ModelFileRecord[]): Promise<ModelCardFields> {
  const fromCard: ModelCardFields = isDirectory ? await readModelCardMetadata(input.path) : {};
  const gguf = files.find((f) => f.format === "gguf");
  const fromGguf = gguf === undefined ? {} : await ggufCard(isDirectory ? join(input.path, gguf.path) : input.path);
  return {
    ...fromGguf,
    ...fromCard,
    ...(input.task === undefined ? {} : { task: input.task }),
    ...(input.description === undefined ? {} : { description: input.description }),
  };
}

/** GGUF headers this large are read; a bigger one still registers, without the model-card fields. */
const MAX_GGUF_HEADER_BYTES = 64 * 1024 * 1024;

async function ggufCard(path: string): Promise<ModelCardFields> {
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    const bytes = new Uint8Array(Math.min(size, MAX_GGUF_HEADER_BYTES));
    await file.read(bytes, 0, bytes.length, 0);
    const s = summarizeGguf(readGgufHeader(bytes));
    return {
      ...(s.architecture === undefined ? {} : { architecture: s.architecture }),
      ...(s.contextLength === undefined ? {} : { contextLength: s.contextLength }),
      ...(s.quantization === undefined ? {} : { quantization: s.quantization }),
      parameterCount: s.parameterCount,
      ...(s.hasChatTemplate ? { task: "text-generation" } : {}),
    };
  } catch {
    return {};
  } finally {
    await file.close();
  }
}

function summarizeFormats(files: readonly ModelFileRecord[]): string {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(f.format, (counts.get(f.format) ?? 0) + 1);
  return [...counts].map(([format, n]) => `${n} ${format} file${n === 1 ? "" : "s"}`).join(", ");
}

async function pathKind(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) return true;
    if (st.isFile()) return false;
    throw new PerimeterError("MODEL_NOT_A_MODEL", `${path} is neither a file nor a directory`);
  } catch (err) {
    if (err instanceof PerimeterError) throw err;
    throw new PerimeterError(
      "USAGE",
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`,
    );
  }
}

export async function getModel(store: Store, ref: string): Promise<ModelVersion> {
  const { id } = parseModelRef(ref);
  const found = await new InventoryRepository(store).getModel(id);
  if (found === undefined) throw notFound(id);
  return found;
}

export async function listModels(store: Store, filter: { name?: string } = {}): Promise<ModelVersion[]> {
  return new InventoryRepository(store).listModels(filter);
}

export interface LineageNode {
  readonly id: string;
  readonly kind: ModelKind;
  readonly digest: string;
  readonly license: string | null;
  /** Parents (for the ancestry) or children (for the descendants). */
  readonly next: readonly LineageNode[];
}

export interface Lineage {
  readonly model: string;
  /** The model and its parents, recursively. */
  readonly ancestry: LineageNode;
  /** The model and what was derived from it, recursively. */
  readonly descendants: LineageNode;
}

/** The lineage graph around one version, both ways, bounded in depth. */
export async function lineageOf(store: Store, ref: string): Promise<Lineage> {
  const repo = new InventoryRepository(store);
  const root = await getModel(store, ref);
  const cache = new Map<string, ModelVersion>([[root.id, root]]);
  const load = async (id: string): Promise<ModelVersion> => {
    let v = cache.get(id);
    if (v === undefined) {
      v = await repo.getModel(id);
      if (v === undefined) throw notFound(id);
      cache.set(id, v);
    }
    return v;
  };
  const walk = async (v: ModelVersion, nextOf: (v: ModelVersion) => Promise<readonly string[]>, path: readonly string[]): Promise<LineageNode> => {
    if (path.length > MAX_LINEAGE_DEPTH || path.includes(v.id)) {
      throw new PerimeterError("LINEAGE_INVALID", `the inventory's lineage loops or runs deeper than ${MAX_LINEAGE_DEPTH} at ${[...path, v.id].join(" → ")}`);
    }
    const next: LineageNode[] = [];
    for (const id of await nextOf(v)) next.push(await walk(await load(id), nextOf, [...path, v.id]));
    return { id: v.id, kind: v.kind, digest: v.digest, license: v.license.expression, next };
  };
  return {
    model: root.id,
    ancestry: await walk(root, async (v) => v.parents, []),
    descendants: await walk(root, async (v) => repo.childrenOf(v.id), []),
  };
}

export async function removeModel(deps: InventoryDeps, ref: string, actor: string, reason: string): Promise<ModelVersion> {
  const model = await getModel(deps.store, ref);
  await new InventoryRepository(deps.store).removeModel(model.id);
  await deps.audit().append({
    actor,
    action: "model.remove",
    resource: `model:${model.id}`,
    decision: "allow",
    reason,
    details: { digest: model.digest, kind: model.kind, parents: model.parents },
  });
  return model;
}

/** Record a person's review of the EU AI Act substantial-modification flag. */
export async function reviewEuAiAct(deps: InventoryDeps, ref: string, outcome: EuAiActReviewOutcome, note: string, actor: string): Promise<ModelVersion> {
  const model = await getModel(deps.store, ref);
  if (!model.euAiAct.substantialModificationCandidate) {
    throw new PerimeterError(
      "USAGE",
      `${model.id} is not flagged as a candidate substantial modification (${model.euAiAct.basis}): there is nothing to review`,
    );
  }
  if (note.trim() === "") throw new PerimeterError("USAGE", "--note must say why (the review is evidence an auditor reads)");
  const euAiAct: EuAiActRecord = { ...model.euAiAct, review: { outcome, reviewer: actor, note, time: new Date().toISOString() } };
  await new InventoryRepository(deps.store).setEuAiAct(model.id, euAiAct);
  await deps.audit().append({
    actor,
    action: "model.eu-ai-act-review",
    resource: `model:${model.id}`,
    decision: "info",
    reason: note,
    details: { outcome, previous: model.euAiAct.review },
  });
  return { ...model, euAiAct };
}
