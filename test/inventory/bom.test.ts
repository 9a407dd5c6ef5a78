import { createHash } from "node:crypto";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { toCycloneDx, toSpdx3, type BomInput } from "../../src/inventory/bom.js";
import type { LicenseRecord, ModelVersion, Runtime, ServedModel } from "../../src/inventory/types.js";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";

function modelVersion(name: string, version: string, over: Partial<ModelVersion> & { license: LicenseRecord }): ModelVersion {
  const file = { path: `${name}.gguf`, size: 1024, sha256: sha(`${name}@${version} weights`), format: "gguf" };
  return {
    id: `${name}@${version}`,
    name,
    version,
    kind: "base",
    parents: [],
    digest: sha(`${name}@${version} manifest`),
    size: 1024,
    files: [file],
    formats: ["gguf"],
    owner: "ml-platform",
    source: null,
    environments: ["prod"],
    generalPurpose: true,
    euAiAct: { substantialModificationCandidate: false, basis: "a base model is not a modification", review: null },
    modelCard: {},
    registeredAt: "2025-03-01T10:00:00.123Z",
    registeredBy: "ml-platform",
    location: null,
    ...over,
  };
}

const base = modelVersion("llama-demo", "1", {
  license: { expression: "Apache-2.0", tier: "permissive", source: "flag", detail: "Apache-2.0: permissive" },
  source: "hf://meta-llama/demo",
  environments: ["prod", "staging"],
  modelCard: { task: "text-generation", architecture: "llama", parameterCount: 1_000_000, quantization: "Q4_K_M", contextLength: 4096, datasets: ["wikitext"] },
});
const fineTune = modelVersion("support-bot", "1", {
  kind: "fine-tune",
  parents: [base.id],
  license: {
    expression: "LicenseRef-llama3.1",
    tier: "restricted-use",
    source: "model-card",
    detail: "LicenseRef-llama3.1: Llama 3.1 Community License (use restrictions, 700M MAU cap)",
  },
  source: "https://github.com/example/support-bot.git",
  euAiAct: {
    substantialModificationCandidate: true,
    basis: "fine-tune of a general-purpose model",
    review: { outcome: "not-substantial", reviewer: "dpo", note: "narrow task", time: "2025-03-02T09:00:00Z" },
  },
});
const adapter = modelVersion("support-bot-lora", "1", {
  kind: "adapter",
  parents: [fineTune.id],
  owner: null,
  license: { expression: null, tier: "unknown", source: "none", detail: "" },
  formats: ["json", "safetensors"],
  files: [
    { path: "adapter_config.json", size: 300, sha256: sha("adapter config"), format: "json" },
    { path: "adapter_model.safetensors", size: 4096, sha256: sha("adapter weights"), format: "safetensors" },
  ],
  euAiAct: { substantialModificationCandidate: true, basis: "adapter on a general-purpose model", review: null },
});
const merge = modelVersion("support-merge", "2", {
  kind: "merge",
  parents: [base.id, fineTune.id],
  license: { expression: "Apache-2.0 AND LicenseRef-llama3.1", tier: "restricted-use", source: "flag", detail: "" },
});

const ollama: Runtime = {
  name: "ollama-prod",
  type: "ollama",
  url: "http://127.0.0.1:11434",
  environment: "prod",
  apiKeyEnv: null,
  registeredAt: "2025-03-01T10:00:00Z",
  registeredBy: "ops",
  discoveredAt: "2025-03-03T12:00:00Z",
  version: null,
};
const vllm: Runtime = {
  ...ollama,
  name: "vllm-staging",
  type: "openai",
  url: "http://10.0.0.7:8000/v1",
  environment: "staging",
  discoveredAt: "2025-03-03T12:00:01Z",
};
const served = (runtime: string, servedName: string, digest: string | null, adapterDigests: string[] = []): ServedModel => ({
  runtime,
  servedName,
  digest,
  digestSource: digest === null ? "none" : "ollama-blob",
  adapterDigests,
  details: {},
  discoveredAt: "2025-03-03T12:00:00Z",
});
const MYSTERY = sha("weights nobody registered");

const input: BomInput = {
  models: [base, fineTune, adapter, merge],
  runtimes: [ollama, vllm],
  served: [
    served("ollama-prod", "support-bot:1", fineTune.files[0]?.sha256 ?? "", [adapter.files[1]?.sha256 ?? ""]),
    served("ollama-prod", "mystery:latest", MYSTERY),
    served("vllm-staging", "gpt-oss-20b", null),
  ],
  generatedAt: "2025-03-04T08:30:00.500Z",
  toolVersion: "0.1.0",
  serialNumber: SERIAL,
};

interface Property {
  name: string;
  value: string;
}
interface Component {
  type: string;
  name: string;
  version?: string;
  "bom-ref"?: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
  properties?: Property[];
  pedigree?: { ancestors?: Component[] };
  modelCard?: { modelParameters?: Record<string, unknown>; properties?: Property[] };
  components?: Component[];
  externalReferences?: Array<{ type: string; url: string }>;
}
interface CycloneDx {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; lifecycles: unknown[]; tools: { components: Component[] } };
  components: Component[];
  services: Array<{ "bom-ref": string; name: string; endpoints?: string[]; properties?: Property[] }>;
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}

const component = (bom: CycloneDx, ref: string): Component => {
  const found = bom.components.find((c) => c["bom-ref"] === ref);
  if (found === undefined) throw new Error(`no component ${ref}`);
  return found;
};
const values = (props: Property[] | undefined, name: string) => (props ?? []).filter((p) => p.name === name).map((p) => p.value);
const dependsOn = (bom: CycloneDx, ref: string) => bom.dependencies.find((d) => d.ref === ref)?.dependsOn ?? [];

describe("CycloneDX 1.6 AI-BOM", () => {
  it("passes the CycloneDX library's strict 1.6 schema validation, checked again here", async () => {
    const bom = await toCycloneDx(input);
    const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(bom));
    expect(errors).toBeNull();
    expect(bom).toMatchObject({
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      serialNumber: SERIAL,
      metadata: {
        timestamp: "2025-03-04T08:30:00.500Z",
        lifecycles: [{ phase: "operations" }],
        tools: { components: [{ type: "application", name: "Perimeter", version: "0.1.0" }] },
      },
    });
  });

  it("gives every serialization its own random serial number when none is asked for", async () => {
    const { serialNumber: _, ...unnumbered } = input;
    const a = (await toCycloneDx(unnumbered)) as CycloneDx;
    const b = (await toCycloneDx(unnumbered)) as CycloneDx;
    expect(a.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  it("lists every model version as a machine-learning-model component with its manifest digest and its files", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    expect(bom.components.map((c) => [c.type, c["bom-ref"], c.name, c.version])).toEqual([
      ["machine-learning-model", "model:llama-demo@1", "llama-demo", "1"],
      ["machine-learning-model", "model:support-bot@1", "support-bot", "1"],
      ["machine-learning-model", "model:support-bot-lora@1", "support-bot-lora", "1"],
      ["machine-learning-model", "model:support-merge@2", "support-merge", "2"],
    ]);
    for (const m of input.models) {
      const c = component(bom, `model:${m.id}`);
      expect(c.hashes).toEqual([{ alg: "SHA-256", content: m.digest }]);
      expect(c.components?.map((f) => ({ type: f.type, name: f.name, hashes: f.hashes }))).toEqual(
        m.files.map((f) => ({ type: "file", name: f.path, hashes: [{ alg: "SHA-256", content: f.sha256 }] })),
      );
    }
    const lora = component(bom, "model:support-bot-lora@1");
    expect(values(lora.properties, "perimeter:format")).toEqual(["json", "safetensors"]);
    expect(values(lora.properties, "perimeter:kind")).toEqual(["adapter"]);
  });

  it("carries the model card: task, architecture family, datasets, text in and out, size and quantization", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    const card = component(bom, "model:llama-demo@1").modelCard;
    expect(card?.modelParameters).toEqual({
      task: "text-generation",
      architectureFamily: "llama",
      datasets: [{ type: "dataset", name: "wikitext" }],
      inputs: [{ format: "string" }],
      outputs: [{ format: "string" }],
    });
    expect(card?.properties).toEqual([
      { name: "perimeter:parameterCount", value: "1000000" },
      { name: "perimeter:quantization", value: "Q4_K_M" },
      { name: "perimeter:contextLength", value: "4096" },
    ]);
  });

  it("shows lineage as pedigree ancestors with their digests and as dependencies from child to parents", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    expect(component(bom, "model:llama-demo@1").pedigree).toBeUndefined();
    expect(component(bom, "model:support-bot-lora@1").pedigree?.ancestors).toEqual([
      { type: "machine-learning-model", name: "support-bot", version: "1", hashes: [{ alg: "SHA-256", content: fineTune.digest }] },
    ]);
    const ancestors = component(bom, "model:support-merge@2").pedigree?.ancestors ?? [];
    expect(ancestors.map((a) => `${a.name}@${a.version}`)).toEqual(["llama-demo@1", "support-bot@1"]);
    // Ancestors repeat components of the BOM: a bom-ref on them would be a duplicate.
    expect(ancestors.every((a) => a["bom-ref"] === undefined)).toBe(true);

    expect(dependsOn(bom, "model:support-bot@1")).toEqual(["model:llama-demo@1"]);
    expect(dependsOn(bom, "model:support-bot-lora@1")).toEqual(["model:support-bot@1"]);
    expect(dependsOn(bom, "model:support-merge@2").sort()).toEqual(["model:llama-demo@1", "model:support-bot@1"]);
    expect(dependsOn(bom, "model:llama-demo@1")).toEqual([]);
  });

  it("states each licence the way CycloneDX can, with its tier, and says so when there is none", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    expect(component(bom, "model:llama-demo@1").licenses).toEqual([{ license: { id: "Apache-2.0", acknowledgement: "declared" } }]);
    expect(component(bom, "model:support-bot@1").licenses).toEqual([{ expression: "LicenseRef-llama3.1", acknowledgement: "declared" }]);
    expect(component(bom, "model:support-merge@2").licenses).toEqual([{ expression: "Apache-2.0 AND LicenseRef-llama3.1", acknowledgement: "declared" }]);
    const lora = component(bom, "model:support-bot-lora@1");
    expect(lora.licenses).toBeUndefined();
    expect(values(lora.properties, "perimeter:license")).toEqual(["none"]);
    expect(values(lora.properties, "perimeter:licenseTier")).toEqual(["unknown"]);
    expect(values(lora.properties, "perimeter:owner")).toEqual(["none"]);

    const tuned = component(bom, "model:support-bot@1");
    expect(values(tuned.properties, "perimeter:licenseTier")).toEqual(["restricted-use"]);
    expect(values(tuned.properties, "perimeter:licenseDetail")[0]).toContain("700M MAU");
    expect(values(component(bom, "model:llama-demo@1").properties, "perimeter:environment")).toEqual(["prod", "staging"]);
  });

  it("records where a model came from as a distribution or VCS reference", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    expect(component(bom, "model:llama-demo@1").externalReferences).toEqual([{ type: "distribution", url: "hf://meta-llama/demo" }]);
    expect(component(bom, "model:support-bot@1").externalReferences).toEqual([{ type: "vcs", url: "https://github.com/example/support-bot.git" }]);
  });

  it("flags EU AI Act substantial-modification candidates and whether they were reviewed", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    const flags = (ref: string) => {
      const props = component(bom, ref).properties;
      return [
        values(props, "perimeter:euAiAct:substantialModificationCandidate")[0],
        values(props, "perimeter:euAiAct:review")[0],
        values(props, "perimeter:generalPurpose")[0],
      ];
    };
    expect(flags("model:llama-demo@1")).toEqual(["false", "not-required", "true"]);
    expect(flags("model:support-bot@1")).toEqual(["true", "not-substantial", "true"]);
    expect(flags("model:support-bot-lora@1")).toEqual(["true", "pending", "true"]);
  });

  it("shows each runtime as a service that depends on the model versions whose bytes it serves", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    const service = bom.services.find((s) => s["bom-ref"] === "runtime:ollama-prod");
    expect(service).toMatchObject({ name: "ollama-prod", endpoints: ["http://127.0.0.1:11434"] });
    expect(values(service?.properties, "perimeter:runtimeType")).toEqual(["ollama"]);
    expect(values(service?.properties, "perimeter:environment")).toEqual(["prod"]);
    expect(values(service?.properties, "perimeter:discoveredAt")).toEqual(["2025-03-03T12:00:00Z"]);
    // The fine-tune by the sha256 of its GGUF file, the adapter by the adapter digest Ollama applies on top.
    expect(dependsOn(bom, "runtime:ollama-prod").sort()).toEqual(["model:support-bot-lora@1", "model:support-bot@1"]);
  });

  it("makes served models the inventory does not know visible on their runtime", async () => {
    const bom = (await toCycloneDx(input)) as CycloneDx;
    const props = (ref: string) => bom.services.find((s) => s["bom-ref"] === ref)?.properties;
    expect(values(props("runtime:ollama-prod"), "perimeter:served")).toEqual([`mystery:latest ${MYSTERY}`]);
    expect(values(props("runtime:vllm-staging"), "perimeter:served")).toEqual(["gpt-oss-20b no digest"]);
    expect(dependsOn(bom, "runtime:vllm-staging")).toEqual([]);
  });

  it("refuses to return a BOM whose model digest is not hex, naming the schema error", async () => {
    const corrupt = { ...input, models: [{ ...base, digest: "not-a-sha256" }] };
    const outcome = await toCycloneDx(corrupt).then(
      (bom) => ({ bom }),
      (err: unknown) => ({ err }),
    );
    expect(outcome).not.toHaveProperty("bom");
    expect(outcome).toHaveProperty("err");
    const err = "err" in outcome ? outcome.err : undefined;
    expect(err).toBeInstanceOf(PerimeterError);
    expect(err).toMatchObject({ code: "BOM_INVALID", message: expect.stringContaining("/components/0/hashes/0/content") });
  });

  it("refuses a serial number that is not a urn:uuid instead of quietly leaving it out", async () => {
    await expect(toCycloneDx({ ...input, serialNumber: "bom-42" })).rejects.toMatchObject({
      code: "BOM_INVALID",
      message: expect.stringContaining("/serialNumber"),
    });
  });

  it("refuses an inventory that names one model version twice", async () => {
    await expect(toCycloneDx({ ...input, models: [base, base] })).rejects.toMatchObject({
      code: "BOM_INVALID",
      message: expect.stringContaining("llama-demo@1 appears twice"),
    });
  });
});

interface SpdxNode {
  type: string;
  spdxId?: string;
  "@id"?: string;
  [key: string]: unknown;
}

describe("SPDX 3.0.1 AI-BOM", () => {
  const doc = toSpdx3(input) as { "@context": string; "@graph": SpdxNode[] };
  const graph = doc["@graph"];
  const elements = graph.filter((n) => n.type !== "CreationInfo");
  const byId = new Map(elements.map((n) => [n.spdxId, n]));
  const of = (type: string) => graph.filter((n) => n.type === type);
  const relationships = of("Relationship") as Array<SpdxNode & { from: string; to: string[]; relationshipType: string }>;
  const pkg = (name: string) => of("ai_AIPackage").find((p) => p["name"] === name);
  // SPDX's own individuals for "no assertion": references to them are not references into the graph.
  const INDIVIDUALS = new Set([
    "expandedlicensing_NoAssertionLicense",
    "expandedlicensing_NoneLicense",
    "https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement",
  ]);

  it("is JSON-LD in the 3.0.1 context where every element has a type and a unique spdxId", () => {
    expect(doc["@context"]).toBe("https://spdx.org/rdf/3.0.1/spdx-context.jsonld");
    expect(
      elements.every(
        (n) => typeof n.type === "string" && typeof n.spdxId === "string" && n.spdxId.startsWith("urn:perimeter:3e671687-395b-41f5-a30f-a58921a69b79#"),
      ),
    ).toBe(true);
    expect(byId.size).toBe(elements.length);
    const [info] = of("CreationInfo");
    expect(info).toMatchObject({ "@id": "_:creationinfo", specVersion: "3.0.1", created: "2025-03-04T08:30:00Z" });
    expect(elements.every((n) => n["creationInfo"] === "_:creationinfo")).toBe(true);
    for (const ref of [...(info!["createdBy"] as string[]), ...(info!["createdUsing"] as string[])]) expect(byId.has(ref)).toBe(true);
  });

  it("only relates elements that are in the graph, and the document lists every element", () => {
    for (const r of relationships) {
      for (const ref of [r.from, ...r.to]) expect(byId.has(ref) || INDIVIDUALS.has(ref), `${r.relationshipType} → ${ref}`).toBe(true);
    }
    const [document] = of("SpdxDocument");
    const listed = new Set(document?.["element"] as string[]);
    expect(elements.filter((n) => n.type !== "SpdxDocument").every((n) => listed.has(n.spdxId ?? ""))).toBe(true);
    expect(document?.["rootElement"]).toEqual(of("ai_AIPackage").map((p) => p.spdxId));
    expect(byId.get(document?.["dataLicense"] as string)).toMatchObject({ simplelicensing_licenseExpression: "CC0-1.0" });
  });

  it("has one AI package per model version with its version, digest, purpose and the fields the AI profile requires", () => {
    expect(of("ai_AIPackage").map((p) => `${String(p["name"])}@${String(p["software_packageVersion"])}`)).toEqual(input.models.map((m) => m.id));
    expect(pkg("llama-demo")).toMatchObject({
      verifiedUsing: [{ type: "Hash", algorithm: "sha256", hashValue: base.digest }],
      software_primaryPurpose: "model",
      software_downloadLocation: "hf://meta-llama/demo",
      releaseTime: "2025-03-01T10:00:00Z",
      ai_typeOfModel: ["llama"],
      ai_domain: ["text-generation"],
    });
    expect(byId.get(pkg("llama-demo")?.["suppliedBy"] as string)).toMatchObject({ type: "Agent", name: "ml-platform" });
    expect(pkg("support-bot-lora")).toMatchObject({
      software_downloadLocation: "NOASSERTION",
      suppliedBy: "https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement",
    });
    const files = relationships.find((r) => r.from === pkg("support-bot-lora")?.spdxId && r.relationshipType === "contains")?.to ?? [];
    expect(files.map((f) => byId.get(f)?.["name"])).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
  });

  it("states lineage as descendantOf relationships from child to parents", () => {
    const lineage = relationships
      .filter((r) => r.relationshipType === "descendantOf")
      .map((r) => [byId.get(r.from)?.["name"], r.to.map((t) => byId.get(t)?.["name"])]);
    expect(lineage).toEqual([
      ["support-bot", ["llama-demo"]],
      ["support-bot-lora", ["support-bot"]],
      ["support-merge", ["llama-demo", "support-bot"]],
    ]);
  });

  it("declares each licence once per package, no assertion where none is known, and concludes nothing", () => {
    const declared = (name: string) => {
      const r = relationships.filter((x) => x.from === pkg(name)?.spdxId && x.relationshipType === "hasDeclaredLicense");
      expect(r).toHaveLength(1);
      const to = r[0]?.to[0] ?? "";
      return INDIVIDUALS.has(to) ? to : byId.get(to)?.["simplelicensing_licenseExpression"];
    };
    expect(declared("llama-demo")).toBe("Apache-2.0");
    expect(declared("support-bot")).toBe("LicenseRef-llama3.1");
    expect(declared("support-merge")).toBe("Apache-2.0 AND LicenseRef-llama3.1");
    expect(declared("support-bot-lora")).toBe("expandedlicensing_NoAssertionLicense");
    for (const p of of("ai_AIPackage")) {
      const concluded = relationships.filter((x) => x.from === p.spdxId && x.relationshipType === "hasConcludedLicense");
      expect(concluded.map((x) => x.to)).toEqual([["expandedlicensing_NoAssertionLicense"]]);
    }
  });

  it("tells the reviewer about the EU AI Act flag and the licence tier in the package comment", () => {
    expect(pkg("support-bot-lora")?.["comment"]).toContain(
      "EU AI Act: substantial-modification candidate (adapter on a general-purpose model); review: pending",
    );
    expect(pkg("support-bot")?.["comment"]).toContain("tier: restricted-use");
  });

  it("refuses a digest that is not a sha256 rather than describe bytes it cannot vouch for", () => {
    expect(() => toSpdx3({ ...input, models: [{ ...base, digest: "xyz" }] })).toThrow(expect.objectContaining({ code: "BOM_INVALID" }));
  });
});
