import type * as CycloneDxLibrary from "@cyclonedx/cyclonedx-library";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import parseSpdxExpression from "spdx-expression-parse";
import { PerimeterError } from "../errors.js";
import type { ModelCardFields, ModelFileRecord, ModelVersion, Runtime, ServedModel } from "./types.js";

// The inventory as an AI-BOM: CycloneDX 1.6 (validated against the schema before anyone sees it) and SPDX 3.0.1
// with the AI profile. Both say the same things: every model version with its digest, files, licence and
// lineage; for CycloneDX also every runtime and which of those versions it serves, and what it serves that the
// inventory does not know.

export interface BomInput {
  readonly models: readonly ModelVersion[];
  readonly runtimes: readonly Runtime[];
  readonly served: readonly ServedModel[];
  /** ISO 8601 date-time. */
  readonly generatedAt: string;
  readonly toolVersion: string;
  /** urn:uuid:…; a random one when not given. */
  readonly serialNumber?: string;
}

const SERIAL_NUMBER = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** How many schema errors the BOM_INVALID message quotes. */
const QUOTED_ERRORS = 5;

// ---------------------------------------------------------------------------------------------------------------
// CycloneDX 1.6
// ---------------------------------------------------------------------------------------------------------------

const modelRef = (m: Pick<ModelVersion, "name" | "version">): string => `model:${m.name}@${m.version}`;
const fileRef = (m: ModelVersion, f: ModelFileRecord): string => `${modelRef(m)}#file:${f.path}`;
const runtimeRef = (name: string): string => `runtime:${name}`;

/** The parts of the serialized BOM that are completed here because the library has no model for them. */
interface JsonHash {
  readonly alg: "SHA-256";
  readonly content: string;
}
interface JsonComponent {
  "bom-ref"?: string;
  hashes?: JsonHash[];
  pedigree?: object;
  modelCard?: object;
  components?: JsonComponent[];
}
interface JsonService {
  "bom-ref"?: string;
  endpoints?: string[];
}
interface JsonBom {
  serialNumber?: string;
  components?: JsonComponent[];
  services?: JsonService[];
}

/** What to add to a serialized component or service, by bom-ref. */
interface JsonAdditions {
  readonly hashes: Map<string, JsonHash[]>;
  readonly pedigree: Map<string, object>;
  readonly modelCard: Map<string, object>;
  readonly endpoints: Map<string, string[]>;
}

// Required when a BOM is made, not imported: the library finds its JSON schemas next to its own files, which a
// bundle does not have, and it requires optional XML packages Perimeter does not install; and only
// `perimeter bom` should pay for loading it.
let library: typeof CycloneDxLibrary | undefined;
function cyclonedx(): typeof CycloneDxLibrary {
  library ??= createRequire(import.meta.url)("@cyclonedx/cyclonedx-library") as typeof CycloneDxLibrary;
  return library;
}
type Component = CycloneDxLibrary.Models.Component;

// One validator for the process: it compiles the 1.6 schema once, on first use.
let validator: CycloneDxLibrary.Validation.JsonStrictValidator | undefined;

/**
 * The inventory as a CycloneDX 1.6 JSON BOM. It is validated against the 1.6 schema before it is returned: a
 * BOM that does not validate is never returned, it throws BOM_INVALID.
 */
export async function toCycloneDx(input: BomInput): Promise<object> {
  const { Enums, Models, Serialize, Spec } = cyclonedx();
  const serialNumber = input.serialNumber ?? `urn:uuid:${randomUUID()}`;
  const timestamp = parseTimestamp(input.generatedAt);
  checkUnique(input);

  const additions: JsonAdditions = { hashes: new Map(), pedigree: new Map(), modelCard: new Map(), endpoints: new Map() };
  const bom = new Models.Bom({
    serialNumber,
    metadata: new Models.Metadata({
      timestamp,
      lifecycles: new Models.LifecycleRepository([Enums.LifecyclePhase.Operations]),
      tools: new Models.Tools({
        components: new Models.ComponentRepository([new Models.Component(Enums.ComponentType.Application, "Perimeter", { version: input.toolVersion })]),
      }),
    }),
  });

  const byId = new Map(input.models.map((m) => [m.id, m]));
  const components = new Map<string, Component>();
  for (const m of input.models) {
    const component = modelComponent(m, additions);
    components.set(m.id, component);
    bom.components.add(component);
  }
  for (const m of input.models) {
    const child = components.get(m.id);
    if (child === undefined) continue;
    for (const parentId of m.parents) {
      const parent = components.get(parentId);
      if (parent !== undefined) child.dependencies.add(parent.bomRef);
    }
    if (m.parents.length > 0) {
      additions.pedigree.set(modelRef(m), {
        ancestors: m.parents.map((p) => ancestor(p, byId.get(p))),
        notes: `${m.kind} of ${m.parents.join(", ")}`,
      });
    }
  }

  const servedBy = new Map<string, ServedModel[]>();
  for (const s of input.served) {
    const list = servedBy.get(s.runtime) ?? [];
    list.push(s);
    servedBy.set(s.runtime, list);
  }
  const byDigest = digestIndex(input.models);
  const runtimes = new Map(input.runtimes.map((r) => [r.name, r]));
  // A served row whose runtime is not in the input still says something runs: keep it visible.
  for (const name of new Set([...runtimes.keys(), ...servedBy.keys()])) {
    bom.services.add(runtimeService(name, runtimes.get(name), servedBy.get(name) ?? [], byDigest, components, additions));
  }

  let json: JsonBom;
  try {
    const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
    json = JSON.parse(serializer.serialize(bom)) as JsonBom;
  } catch (err) {
    throw new PerimeterError("BOM_INVALID", `the CycloneDX library could not serialize the inventory: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  // The library leaves out a serial number it does not like, without a word; put it back so the schema decides.
  json.serialNumber = serialNumber;
  complete(json, additions);
  await validateCycloneDx(json);
  return json;
}

function modelComponent(m: ModelVersion, additions: JsonAdditions): Component {
  const { Enums, Models } = cyclonedx();
  const component = new Models.Component(Enums.ComponentType.MachineLearningModel, m.name, {
    bomRef: modelRef(m),
    version: m.version,
    ...(m.modelCard.description === undefined ? {} : { description: m.modelCard.description }),
  });
  // The library drops a hash whose value it does not like, without a word: a model in the BOM without its digest
  // is worse than no BOM, so hashes are written into the JSON and the schema judges them.
  additions.hashes.set(modelRef(m), [{ alg: "SHA-256", content: m.digest }]);
  if (m.license.expression !== null) component.licenses.add(cycloneDxLicense(m.license.expression));
  if (m.source !== null) {
    component.externalReferences.add(
      new Models.ExternalReference(m.source, isVcs(m.source) ? Enums.ExternalReferenceType.VCS : Enums.ExternalReferenceType.Distribution),
    );
  }

  const property = (name: string, value: string) => component.properties.add(new Models.Property(`perimeter:${name}`, value));
  property("kind", m.kind);
  if (m.license.expression === null) property("license", "none");
  property("licenseTier", m.license.tier);
  property("licenseSource", m.license.source);
  if (m.license.detail !== "") property("licenseDetail", m.license.detail);
  property("owner", m.owner ?? "none");
  for (const env of m.environments) property("environment", env);
  for (const format of m.formats) property("format", format);
  property("size", String(m.size));
  property("generalPurpose", String(m.generalPurpose));
  property("euAiAct:substantialModificationCandidate", String(m.euAiAct.substantialModificationCandidate));
  property("euAiAct:basis", m.euAiAct.basis);
  const review = m.euAiAct.review;
  property("euAiAct:review", review !== null ? review.outcome : m.euAiAct.substantialModificationCandidate ? "pending" : "not-required");
  if (review !== null) {
    property("euAiAct:reviewer", review.reviewer);
    property("euAiAct:reviewedAt", review.time);
    if (review.note !== "") property("euAiAct:reviewNote", review.note);
  }
  for (const declared of m.modelCard.declaredBaseModels ?? []) property("declaredBaseModel", declared);
  property("registeredAt", m.registeredAt);
  property("registeredBy", m.registeredBy);

  for (const f of m.files) {
    const file = new Models.Component(Enums.ComponentType.File, f.path === "." ? m.name : f.path, { bomRef: fileRef(m, f) });
    file.properties.add(new Models.Property("perimeter:path", f.path));
    file.properties.add(new Models.Property("perimeter:format", f.format));
    file.properties.add(new Models.Property("perimeter:size", String(f.size)));
    additions.hashes.set(fileRef(m, f), [{ alg: "SHA-256", content: f.sha256 }]);
    component.components.add(file);
  }
  const card = modelCard(m.modelCard);
  if (Object.keys(card).length > 0) additions.modelCard.set(modelRef(m), card);
  return component;
}

/** A single SPDX id as a licence id, any other valid expression (compound, LicenseRef-…) as an expression. */
function cycloneDxLicense(expression: string): CycloneDxLibrary.Models.License {
  const { Enums, Models, SPDX } = cyclonedx();
  const e = expression.trim();
  const license = SPDX.isSupportedSpdxId(e) ? new Models.SpdxLicense(e) : isSpdxExpression(e) ? new Models.LicenseExpression(e) : new Models.NamedLicense(e);
  // Every licence on record is what the supplier or operator declared; Perimeter concludes nothing.
  license.acknowledgement = Enums.LicenseAcknowledgement.Declared;
  return license;
}

function isSpdxExpression(e: string): boolean {
  try {
    parseSpdxExpression(e);
    return true;
  } catch {
    return false;
  }
}

function isVcs(source: string): boolean {
  return /^(git\+|git:|ssh:)|\.git\/?$|^https?:\/\/(www\.)?(github\.com|gitlab\.com|bitbucket\.org)\//i.test(source);
}

/** A parent as pedigree sees it: enough to recognise it, no bom-ref (it is a component of the BOM already). */
function ancestor(id: string, parent: ModelVersion | undefined): object {
  if (parent === undefined) {
    const at = id.lastIndexOf("@");
    return { type: "machine-learning-model", name: at > 0 ? id.slice(0, at) : id, ...(at > 0 ? { version: id.slice(at + 1) } : {}) };
  }
  return { type: "machine-learning-model", name: parent.name, version: parent.version, hashes: [{ alg: "SHA-256", content: parent.digest }] };
}

// Hugging Face pipeline tags whose inputs and outputs are text; other tasks leave the formats unstated.
const TEXT_TO_TEXT = new Set(["text-generation", "text2text-generation", "summarization", "translation", "question-answering", "conversational"]);

function modelCard(card: ModelCardFields): object {
  const parameters: Record<string, unknown> = {};
  if (card.task !== undefined) parameters["task"] = card.task;
  // GGUF general.architecture and config.json model_type name a family (llama covers Llama 2 and 3, Mistral-likes).
  if (card.architecture !== undefined) parameters["architectureFamily"] = card.architecture;
  if (card.datasets !== undefined && card.datasets.length > 0) parameters["datasets"] = card.datasets.map((name) => ({ type: "dataset", name }));
  if (card.task !== undefined && TEXT_TO_TEXT.has(card.task)) {
    parameters["inputs"] = [{ format: "string" }];
    parameters["outputs"] = [{ format: "string" }];
  }
  const properties: Array<{ name: string; value: string }> = [];
  if (card.parameterCount !== undefined) properties.push({ name: "perimeter:parameterCount", value: String(card.parameterCount) });
  if (card.quantization !== undefined) properties.push({ name: "perimeter:quantization", value: card.quantization });
  if (card.contextLength !== undefined) properties.push({ name: "perimeter:contextLength", value: String(card.contextLength) });
  return {
    ...(Object.keys(parameters).length > 0 ? { modelParameters: parameters } : {}),
    ...(properties.length > 0 ? { properties } : {}),
  };
}

/** sha256 → the model versions that hold those bytes, as a whole artifact or as one of its files. */
function digestIndex(models: readonly ModelVersion[]): ReadonlyMap<string, readonly ModelVersion[]> {
  const index = new Map<string, ModelVersion[]>();
  const add = (digest: string, m: ModelVersion) => {
    const list = index.get(digest) ?? [];
    if (!list.includes(m)) list.push(m);
    index.set(digest, list);
  };
  for (const m of models) {
    add(m.digest, m);
    for (const f of m.files) add(f.sha256, m);
  }
  return index;
}

function runtimeService(
  name: string,
  runtime: Runtime | undefined,
  served: readonly ServedModel[],
  byDigest: ReadonlyMap<string, readonly ModelVersion[]>,
  components: ReadonlyMap<string, Component>,
  additions: JsonAdditions,
): CycloneDxLibrary.Models.Service {
  const { Models } = cyclonedx();
  const service = new Models.Service(name, { bomRef: runtimeRef(name) });
  const property = (key: string, value: string) => service.properties.add(new Models.Property(`perimeter:${key}`, value));
  if (runtime === undefined) {
    property("runtimeType", "unregistered");
  } else {
    property("runtimeType", runtime.type);
    property("environment", runtime.environment);
    property("discoveredAt", runtime.discoveredAt ?? "never");
    // The embedded runtime's url is the directory it loads GGUF files from, not an endpoint.
    if (runtime.type !== "embedded" && /^https?:\/\//i.test(runtime.url)) additions.endpoints.set(runtimeRef(name), [runtime.url]);
    else property("modelDirectory", runtime.url);
  }
  const dependOn = (models: readonly ModelVersion[]) => {
    for (const m of models) {
      const component = components.get(m.id);
      if (component !== undefined) service.dependencies.add(component.bomRef);
    }
  };
  for (const s of served) {
    const models = s.digest === null ? [] : (byDigest.get(s.digest) ?? []);
    // A runtime that reports no digest vouches for no bytes: by name alone it is not the inventory's model.
    if (models.length === 0) property("served", `${s.servedName} ${s.digest ?? "no digest"}`);
    dependOn(models);
    for (const adapter of s.adapterDigests) {
      const adapters = byDigest.get(adapter) ?? [];
      if (adapters.length === 0) property("servedAdapter", `${s.servedName} ${adapter}`);
      dependOn(adapters);
    }
  }
  return service;
}

/** Add what the library has no model for (pedigree, modelCard, endpoints) and the hashes it would drop. */
function complete(json: JsonBom, additions: JsonAdditions): void {
  const visit = (components: readonly JsonComponent[] | undefined) => {
    for (const c of components ?? []) {
      const ref = c["bom-ref"];
      if (ref === undefined) continue;
      const hashes = additions.hashes.get(ref);
      if (hashes !== undefined) c.hashes = hashes;
      const pedigree = additions.pedigree.get(ref);
      if (pedigree !== undefined) c.pedigree = pedigree;
      const card = additions.modelCard.get(ref);
      if (card !== undefined) c.modelCard = card;
      visit(c.components);
    }
  };
  visit(json.components);
  for (const s of json.services ?? []) {
    const endpoints = s["bom-ref"] === undefined ? undefined : additions.endpoints.get(s["bom-ref"]);
    if (endpoints !== undefined) s.endpoints = endpoints;
  }
}

async function validateCycloneDx(json: JsonBom): Promise<void> {
  const { Spec, Validation } = cyclonedx();
  validator ??= new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  let errors: unknown;
  try {
    errors = await validator.validate(JSON.stringify(json));
  } catch (err) {
    // A BOM that cannot be checked is not vouched for.
    throw new PerimeterError(
      "BOM_INVALID",
      `the CycloneDX BOM could not be validated (${err instanceof Error ? err.message : String(err)}); install ajv, ajv-formats and ajv-formats-draft2019`,
      { cause: err },
    );
  }
  if (errors === null) return;
  const list: unknown[] = Array.isArray(errors) ? errors : [errors];
  const quoted = list.slice(0, QUOTED_ERRORS).map(describeSchemaError).join("; ");
  throw new PerimeterError(
    "BOM_INVALID",
    `the CycloneDX 1.6 BOM does not validate against its schema (${list.length} error(s)): ${quoted}. This is a bug in Perimeter or a corrupt inventory row: report it with the inventory entries named`,
    {
      details: { errors: list.slice(0, QUOTED_ERRORS) },
    },
  );
}

function describeSchemaError(e: unknown): string {
  if (typeof e !== "object" || e === null) return String(e);
  const { instancePath, message } = e as { instancePath?: unknown; message?: unknown };
  return `${typeof instancePath === "string" && instancePath !== "" ? instancePath : "/"} ${typeof message === "string" ? message : JSON.stringify(e)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// SPDX 3.0.1, AI profile
// ---------------------------------------------------------------------------------------------------------------

const SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const CREATION_INFO = "_:creationinfo";
// SPDX's own individuals for "nothing is asserted here"; they are not elements of the graph.
const NO_ASSERTION_LICENSE = "expandedlicensing_NoAssertionLicense";
const NO_ASSERTION_ELEMENT = "https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement";

type SpdxNode = Record<string, unknown> & { readonly type: string };

/**
 * The model versions as an SPDX 3.0.1 JSON-LD document with the AI profile. Runtimes are not in it: SPDX 3.0.1
 * has no class for a running service.
 */
export function toSpdx3(input: BomInput): object {
  const serialNumber = input.serialNumber ?? `urn:uuid:${randomUUID()}`;
  if (!SERIAL_NUMBER.test(serialNumber))
    throw new PerimeterError("BOM_INVALID", `the BOM serial number must be urn:uuid:<lower-case uuid>, not "${serialNumber}"`);
  const created = spdxDateTime(input.generatedAt, "generatedAt");
  checkUnique(input);
  for (const m of input.models) {
    if (!SHA256.test(m.digest))
      throw new PerimeterError("BOM_INVALID", `${m.id}: its digest "${m.digest}" is not a lower-case sha256: the inventory row is corrupt`);
    for (const f of m.files) {
      if (!SHA256.test(f.sha256))
        throw new PerimeterError(
          "BOM_INVALID",
          `${m.id}: file ${f.path} has sha256 "${f.sha256}", which is not a lower-case sha256: the inventory row is corrupt`,
        );
    }
  }

  const base = `urn:perimeter:${serialNumber.slice("urn:uuid:".length)}#`;
  const id = (...parts: string[]) => `${base}${parts.map(encodeURIComponent).join("/")}`;
  const graph: SpdxNode[] = [];
  const elements: string[] = [];
  const add = (node: SpdxNode & { spdxId: string }) => {
    graph.push({ ...node, creationInfo: CREATION_INFO });
    elements.push(node.spdxId);
  };
  let relationships = 0;
  const relate = (from: string, relationshipType: string, to: readonly string[]) => {
    if (to.length === 0) return;
    add({ type: "Relationship", spdxId: id("relationship", String(++relationships)), from, relationshipType, to: [...to] });
  };
  const licenses = new Map<string, string>();
  const licenseElement = (expression: string): string => {
    const known = licenses.get(expression);
    if (known !== undefined) return known;
    const spdxId = id("license", String(licenses.size + 1));
    licenses.set(expression, spdxId);
    add({ type: "simplelicensing_LicenseExpression", spdxId, simplelicensing_licenseExpression: expression });
    return spdxId;
  };

  const agentId = id("agent", "perimeter");
  const toolId = id("tool", "perimeter");
  graph.push({ type: "CreationInfo", "@id": CREATION_INFO, specVersion: "3.0.1", created, createdBy: [agentId], createdUsing: [toolId] });
  add({ type: "SoftwareAgent", spdxId: agentId, name: "Perimeter" });
  add({ type: "Tool", spdxId: toolId, name: `Perimeter ${input.toolVersion}` });

  const owners = new Map<string, string>();
  const ownerAgent = (owner: string): string => {
    const known = owners.get(owner);
    if (known !== undefined) return known;
    const spdxId = id("owner", owner);
    owners.set(owner, spdxId);
    add({ type: "Agent", spdxId, name: owner });
    return spdxId;
  };

  const packages = new Map<string, string>(input.models.map((m) => [m.id, id("model", m.id)]));
  for (const m of input.models) {
    const spdxId = packages.get(m.id) ?? id("model", m.id);
    add({
      type: "ai_AIPackage",
      spdxId,
      name: m.name,
      software_packageVersion: m.version,
      ...(m.modelCard.description === undefined ? {} : { description: m.modelCard.description }),
      verifiedUsing: [{ type: "Hash", algorithm: "sha256", hashValue: m.digest }],
      software_primaryPurpose: "model",
      // The AI profile requires a download location; a source that is not a URI is no location.
      software_downloadLocation: m.source !== null && /^[a-z][a-z0-9+.-]*:/i.test(m.source) ? m.source : "NOASSERTION",
      // The inventory knows when a version was released into this perimeter, not when its publisher released it.
      releaseTime: spdxDateTime(m.registeredAt, `${m.id} registeredAt`),
      // The owner is who answers for the version inside the perimeter; with none on record nothing is asserted.
      suppliedBy: m.owner === null ? NO_ASSERTION_ELEMENT : ownerAgent(m.owner),
      ...(m.modelCard.architecture === undefined ? {} : { ai_typeOfModel: [m.modelCard.architecture] }),
      // The AI profile has no task field; its own examples put tasks ("sentiment analysis") in domain.
      ...(m.modelCard.task === undefined ? {} : { ai_domain: [m.modelCard.task] }),
      ...(m.modelCard.datasets !== undefined && m.modelCard.datasets.length > 0
        ? { ai_informationAboutTraining: `datasets named by the model card: ${m.modelCard.datasets.join(", ")}` }
        : {}),
      comment: spdxComment(m),
    });
    // The AI profile wants exactly one declared and one concluded licence per package: Perimeter records what
    // was declared and concludes nothing.
    relate(spdxId, "hasDeclaredLicense", [m.license.expression === null ? NO_ASSERTION_LICENSE : licenseElement(m.license.expression.trim())]);
    relate(spdxId, "hasConcludedLicense", [NO_ASSERTION_LICENSE]);

    const files = m.files.map((f) => {
      const fileId = id("file", m.id, f.path);
      add({
        type: "software_File",
        spdxId: fileId,
        name: f.path,
        software_fileKind: "file",
        verifiedUsing: [{ type: "Hash", algorithm: "sha256", hashValue: f.sha256 }],
        comment: `format: ${f.format}; size: ${f.size} bytes`,
      });
      return fileId;
    });
    relate(spdxId, "contains", files);
  }
  for (const m of input.models) {
    const from = packages.get(m.id);
    const parents = m.parents.flatMap((p) => packages.get(p) ?? []);
    if (from !== undefined) relate(from, "descendantOf", parents);
  }

  const documentId = id("document");
  graph.push({
    type: "SpdxDocument",
    spdxId: documentId,
    creationInfo: CREATION_INFO,
    name: `Perimeter AI-BOM ${serialNumber}`,
    dataLicense: licenseElement("CC0-1.0"),
    profileConformance: ["core", "software", "simpleLicensing", "ai"],
    rootElement: [...packages.values()],
    element: [...elements],
  });
  return { "@context": SPDX_CONTEXT, "@graph": graph };
}

/** What the AI profile has no field for, in words a reviewer reads. */
function spdxComment(m: ModelVersion): string {
  const review = m.euAiAct.review;
  const euAiAct = m.euAiAct.substantialModificationCandidate
    ? `substantial-modification candidate (${m.euAiAct.basis}); review: ${review === null ? "pending" : `${review.outcome} by ${review.reviewer} at ${review.time}`}`
    : `not a substantial-modification candidate (${m.euAiAct.basis})`;
  const card = m.modelCard;
  return [
    `kind: ${m.kind}${m.parents.length > 0 ? ` of ${m.parents.join(", ")}` : ""}`,
    `licence: ${m.license.expression ?? "none"}; tier: ${m.license.tier}${m.license.detail === "" ? "" : ` (${m.license.detail})`}; from: ${m.license.source}`,
    `owner: ${m.owner ?? "none"}`,
    `environments: ${m.environments.length > 0 ? m.environments.join(", ") : "none"}`,
    `general-purpose AI model: ${m.generalPurpose ? "yes" : "no"}`,
    `EU AI Act: ${euAiAct}`,
    ...(card.parameterCount === undefined ? [] : [`parameters: ${card.parameterCount}`]),
    ...(card.quantization === undefined ? [] : [`quantization: ${card.quantization}`]),
    ...(card.contextLength === undefined ? [] : [`context length: ${card.contextLength}`]),
    `registered: ${m.registeredAt} by ${m.registeredBy}`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------------------------

function parseTimestamp(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new PerimeterError("BOM_INVALID", `generatedAt must be an ISO 8601 date-time, not "${iso}"`);
  return date;
}

/** SPDX 3 date-times are UTC to the second, with a Z. */
function spdxDateTime(iso: string, what: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new PerimeterError("BOM_INVALID", `${what} must be an ISO 8601 date-time, not "${iso}"`);
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Two rows with one name would become two components with one bom-ref or spdxId. */
function checkUnique(input: BomInput): void {
  const seen = new Set<string>();
  for (const m of input.models) {
    if (seen.has(m.id)) throw new PerimeterError("BOM_INVALID", `model version ${m.id} appears twice in the inventory given to the BOM`);
    seen.add(m.id);
  }
  const runtimes = new Set<string>();
  for (const r of input.runtimes) {
    if (runtimes.has(r.name)) throw new PerimeterError("BOM_INVALID", `runtime ${r.name} appears twice in the inventory given to the BOM`);
    runtimes.add(r.name);
  }
}
