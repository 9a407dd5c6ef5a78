import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { encodeGguf } from "../../src/formats/gguf.js";
import { buildDemoModel, DEMO_MODEL_FILE, DEMO_MODEL_NAME } from "../../src/runtimes/demo-model.js";
import { discoverRuntime, type RuntimeTarget } from "../../src/runtimes/discovery.js";
import { modelfileBlobs } from "../../src/runtimes/ollama.js";
import { writeDemoModel } from "../fixtures/demo-model.js";
import { startFakeOllama, startFixtureServer, type FakeOllama, type FakeOllamaModel, type Misbehaviour } from "../fixtures/fake-ollama.js";
import { startFakeOpenAI, type FakeOpenAI, type OpenAIFlavour } from "../fixtures/fake-openai.js";

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function failure(promise: Promise<unknown>): Promise<PerimeterError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PerimeterError) return err;
    throw err;
  }
  throw new Error("expected a PerimeterError");
}

const WEIGHTS = sha256("llama3.2 weights");
const BOT_WEIGHTS = sha256("support-bot weights");
const BOT_ADAPTER = sha256("support-bot adapter");
const SMUGGLED = sha256("a blob named only inside a template");
const LLAVA_WEIGHTS = sha256("llava weights");
const LLAVA_PROJECTOR = sha256("llava projector");
const LLAMA_TEMPLATE = "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ .Prompt }}";

const OLLAMA_MODELS: readonly FakeOllamaModel[] = [
  {
    name: "llama3.2:1b",
    blobSha256: WEIGHTS,
    template: LLAMA_TEMPLATE,
    parameterSize: "1.2B",
    quantization: "Q8_0",
    size: 1_321_098_329,
    contextLength: 131_072,
    parameterCount: 1_235_814_432,
    capabilities: ["completion", "tools"],
    license: "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
  },
  {
    name: "support-bot",
    blobSha256: BOT_WEIGHTS,
    adapterSha256s: [BOT_ADAPTER],
    // Anyone who can create a model writes its template: a line in it must not pass for the weights.
    template: `{{ .Prompt }}\nFROM /root/.ollama/models/blobs/sha256-${SMUGGLED}\nADAPTER /root/.ollama/models/blobs/sha256-${SMUGGLED}`,
  },
  { name: "llava:7b", blobSha256: LLAVA_WEIGHTS, projectorSha256: LLAVA_PROJECTOR, capabilities: ["completion", "vision"] },
  { name: "mario", blobSha256: WEIGHTS, from: "llama3.2:1b" },
];

describe("Ollama discovery", () => {
  let ollama: FakeOllama;
  beforeAll(async () => {
    ollama = await startFakeOllama({ models: OLLAMA_MODELS });
  });
  afterAll(() => ollama.close());

  it("serves what the official ollama client reads: list, show, version and Ollama's not-found error", async () => {
    const client = new Ollama({ host: ollama.url });
    const list = await client.list();
    expect(list.models.map((m) => m.name)).toEqual(["llama3.2:1b", "support-bot:latest", "llava:7b", "mario:latest"]);
    expect(list.models[0]?.details.quantization_level).toBe("Q8_0");
    expect(list.models[0]?.digest).toMatch(/^[0-9a-f]{64}$/);

    const show = await client.show({ model: "llama3.2:1b" });
    expect(show.modelfile).toContain(`\nFROM /root/.ollama/models/blobs/sha256-${WEIGHTS}\n`);
    expect(show.template).toBe(LLAMA_TEMPLATE);
    expect(show.capabilities).toEqual(["completion", "tools"]);
    // The client types model_info as a Map, but on the wire (and so at runtime) it is a plain object.
    const info = show.model_info as unknown as Record<string, unknown>;
    expect(info["general.architecture"]).toBe("llama");
    expect(info["llama.context_length"]).toBe(131_072);
    expect((await client.show({ model: "support-bot" })).modelfile).toContain(`ADAPTER /root/.ollama/models/blobs/sha256-${BOT_ADAPTER}`);

    expect((await client.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    await expect(client.show({ model: "no-such-model" })).rejects.toThrow("model 'no-such-model' not found");
  });

  it("reports each model's weights blob digest, adapters and details, sorted by served name", async () => {
    const models = await discoverRuntime({ name: "gpu-1", type: "ollama", url: ollama.url });
    expect(models.map((m) => m.servedName)).toEqual(["llama3.2:1b", "llava:7b", "mario:latest", "support-bot:latest"]);

    const tags = await new Ollama({ host: ollama.url }).list();
    const llama = models.find((m) => m.servedName === "llama3.2:1b");
    expect(llama).toEqual({
      servedName: "llama3.2:1b",
      digest: WEIGHTS,
      digestSource: "ollama-blob",
      adapterDigests: [],
      details: {
        manifestDigest: tags.models[0]?.digest,
        format: "gguf",
        family: "llama",
        parameterSize: "1.2B",
        quantization: "Q8_0",
        sizeBytes: 1_321_098_329,
        architecture: "llama",
        contextLength: 131_072,
        parameterCount: 1_235_814_432,
        templateSha256: sha256(LLAMA_TEMPLATE),
        capabilities: "completion,tools",
      },
    });

    const bot = models.find((m) => m.servedName === "support-bot:latest");
    expect(bot?.digest).toBe(BOT_WEIGHTS);
    expect(bot?.adapterDigests).toEqual([BOT_ADAPTER]);

    const llava = models.find((m) => m.servedName === "llava:7b");
    expect(llava?.digest).toBe(LLAVA_WEIGHTS);
    expect(llava?.details.projectorDigests).toBe(LLAVA_PROJECTOR);
    expect(llava?.details.capabilities).toBe("completion,vision");
  });

  it("reports no digest for a model whose modelfile names another model instead of a blob", async () => {
    const models = await discoverRuntime({ name: "gpu-1", type: "ollama", url: ollama.url });
    expect(models.find((m) => m.servedName === "mario:latest")).toMatchObject({ digest: null, digestSource: "none", adapterDigests: [] });
  });

  it("asks /api/show about every listed model, by name", async () => {
    const before = ollama.requests.length;
    await discoverRuntime({ name: "gpu-1", type: "ollama", url: ollama.url });
    const made = ollama.requests.slice(before);
    expect(made.filter((r) => r.path === "/api/tags")).toHaveLength(1);
    const shown = made.filter((r) => r.method === "POST" && r.path === "/api/show").map((r) => JSON.parse(r.body) as unknown);
    expect(shown).toEqual(
      expect.arrayContaining([{ model: "llama3.2:1b" }, { model: "support-bot:latest" }, { model: "llava:7b" }, { model: "mario:latest" }]),
    );
    expect(shown).toHaveLength(4);
  });

  it("reads the weights blob in every spelling Ollama writes and only from the modelfile's leading FROM block", () => {
    const hex = "200765e1283640ffbd013184bf496e261032fa75b99498a9613be4e94d63ad52";
    // docs/api.md's example spells the blob sha256:<hex>.
    expect(
      modelfileBlobs(
        `# Modelfile generated by "ollama show"\n# FROM llava:latest\n\nFROM /Users/matt/.ollama/models/blobs/sha256:${hex}\nTEMPLATE """{{ .System }}"""\n`,
      ).weights,
    ).toBe(hex);
    expect(modelfileBlobs(`FROM D:\\ollama\\models\\blobs\\sha256-${hex}\r\nPARAMETER stop <|end|>\r\n`).weights).toBe(hex);
    expect(modelfileBlobs(`FROM "/root/.ollama/models/blobs/sha256-${hex.toUpperCase()}"\n`).weights).toBe(hex);
    expect(modelfileBlobs("FROM llama3\nSYSTEM You are mario.\n").weights).toBeNull();
    expect(modelfileBlobs(`TEMPLATE {{ .Prompt }}\nFROM /root/.ollama/models/blobs/sha256-${hex}\n`).weights).toBeNull();
    expect(modelfileBlobs(`FROM /root/.ollama/models/blobs/sha256-${hex}.gguf\n`).weights).toBeNull();
    expect(modelfileBlobs("").weights).toBeNull();
  });

  it("passes on Ollama's own error when /api/show fails", async () => {
    ollama.misbehaviour = "error-500";
    ollama.misbehavingPath = "/api/show";
    try {
      const err = await failure(discoverRuntime({ name: "gpu-1", type: "ollama", url: ollama.url }));
      expect(err.code).toBe("RUNTIME_UNREACHABLE");
      expect(err.message).toContain(`runtime "gpu-1" (ollama at ${ollama.url}) answered POST /api/show with HTTP 500`);
      expect(err.message).toContain('"unexpected server error"');

      ollama.misbehaviour = "wrong-shape";
      const invalid = await failure(discoverRuntime({ name: "gpu-1", type: "ollama", url: ollama.url }));
      expect(invalid.code).toBe("RUNTIME_RESPONSE_INVALID");
      expect(invalid.message).toContain("POST /api/show");
      expect(invalid.message).toContain("modelfile");
    } finally {
      ollama.misbehaviour = undefined;
      ollama.misbehavingPath = undefined;
    }
  });
});

describe("OpenAI-compatible discovery", () => {
  const KEY = "sk-perimeter-test-0123456789";
  let vllm: FakeOpenAI;
  let llamacpp: FakeOpenAI;
  beforeAll(async () => {
    vllm = await startFakeOpenAI({
      flavour: "vllm",
      apiKey: KEY,
      models: [
        { id: "meta-llama/Llama-3.2-1B-Instruct", maxModelLen: 8192, created: 1_751_000_000 },
        { id: "sql-lora", root: "/adapters/sql-lora", parent: "meta-llama/Llama-3.2-1B-Instruct", maxModelLen: 8192 },
      ],
    });
    llamacpp = await startFakeOpenAI({
      flavour: "llamacpp",
      apiKey: KEY,
      models: [{ id: "qwen2.5-0.5b-instruct-q4_k_m.gguf", nParams: 494_032_768, nCtxTrain: 32_768, sizeBytes: 397_807_616, nVocab: 151_936 }],
    });
  });
  afterAll(async () => {
    await vllm.close();
    await llamacpp.close();
  });

  it("serves what the official openai client reads, and refuses it a wrong key as vLLM does", async () => {
    const client = new OpenAI({ baseURL: `${vllm.url}/v1`, apiKey: KEY });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["meta-llama/Llama-3.2-1B-Instruct", "sql-lora"]);
    expect(page.data[0]).toMatchObject({ object: "model", owned_by: "vllm", created: 1_751_000_000 });

    const wrong = new OpenAI({ baseURL: `${vllm.url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const llama = await new OpenAI({ baseURL: `${llamacpp.url}/v1`, apiKey: KEY }).models.list();
    expect(llama.data.map((m) => m.id)).toEqual(["qwen2.5-0.5b-instruct-q4_k_m.gguf"]);
    expect(llama.data[0]?.owned_by).toBe("llamacpp");
  });

  it("lists vLLM's models and LoRA adapters with no digest, sending the API key as a bearer token", async () => {
    const before = vllm.requests.length;
    const models = await discoverRuntime({ name: "gpu-2", type: "openai", url: vllm.url, apiKey: KEY });
    expect(models).toEqual([
      {
        servedName: "meta-llama/Llama-3.2-1B-Instruct",
        digest: null,
        digestSource: "none",
        adapterDigests: [],
        details: { ownedBy: "vllm", created: 1_751_000_000, root: "meta-llama/Llama-3.2-1B-Instruct", contextLength: 8192 },
      },
      {
        servedName: "sql-lora",
        digest: null,
        digestSource: "none",
        adapterDigests: [],
        details: {
          ownedBy: "vllm",
          created: 1_750_000_000,
          root: "/adapters/sql-lora",
          parent: "meta-llama/Llama-3.2-1B-Instruct",
          contextLength: 8192,
        },
      },
    ]);
    expect(vllm.requests.slice(before)).toEqual([{ method: "GET", path: "/v1/models", authorization: `Bearer ${KEY}`, body: "" }]);
  });

  it("does not double /v1 when the runtime's URL already ends with it", async () => {
    const before = vllm.requests.length;
    const models = await discoverRuntime({ name: "gpu-2", type: "openai", url: `${vllm.url}/v1/`, apiKey: KEY });
    expect(models).toHaveLength(2);
    expect(vllm.requests.slice(before).map((r) => r.path)).toEqual(["/v1/models"]);
  });

  it("reports the metadata llama.cpp server adds, which lists its models without the key it requires elsewhere", async () => {
    const models = await discoverRuntime({ name: "laptop", type: "openai", url: llamacpp.url });
    expect(models).toEqual([
      {
        servedName: "qwen2.5-0.5b-instruct-q4_k_m.gguf",
        digest: null,
        digestSource: "none",
        adapterDigests: [],
        details: {
          ownedBy: "llamacpp",
          created: 1_750_000_000,
          contextLength: 32_768,
          parameterCount: 494_032_768,
          sizeBytes: 397_807_616,
          vocabSize: 151_936,
        },
      },
    ]);
    expect(llamacpp.requests.at(-1)?.authorization).toBeUndefined();
  });

  it("refuses a wrong or missing API key with the runtime's name and without echoing the key", async () => {
    const wrongKey = "sk-wrong-key-9f8e7d6c";
    const err = await failure(discoverRuntime({ name: "gpu-2", type: "openai", url: vllm.url, apiKey: wrongKey }));
    expect(err.code).toBe("RUNTIME_UNREACHABLE");
    expect(err.message).toContain(`runtime "gpu-2" (openai at ${vllm.url}) answered GET /v1/models with HTTP 401 Unauthorized: "Unauthorized"`);
    expect(err.message).toContain("API key");
    expect(err.message).not.toContain(wrongKey);
    expect(JSON.stringify(err.details)).not.toContain(wrongKey);

    const missing = await failure(discoverRuntime({ name: "gpu-2", type: "openai", url: vllm.url }));
    expect(missing.code).toBe("RUNTIME_UNREACHABLE");
    expect(missing.message).toContain("HTTP 401");
  });
});

describe("embedded discovery", () => {
  let dir: string;
  let demoPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "perimeter-embedded-"));
    demoPath = await writeDemoModel(dir);
    await writeFile(join(dir, "README.txt"), "models for the embedded runtime\n");
    // Named like a model and even starting with the magic letters, but text.
    await writeFile(join(dir, "notes.gguf"), "GGUF is the format; this file is only text about it\n");
    // Detected by its bytes, not its name.
    await writeFile(join(dir, "weights.bin"), buildDemoModel({ seed: 7 }));
    await symlink(demoPath, join(dir, "linked.gguf"));
    await mkdir(join(dir, "nested"));
    await writeFile(join(dir, "nested", "inner.gguf"), buildDemoModel({ seed: 8 }));
    // Only one level down, and never through a symlink or into a hidden directory.
    await mkdir(join(dir, "nested", "deeper"));
    await writeFile(join(dir, "nested", "deeper", "too-deep.gguf"), buildDemoModel({ seed: 9 }));
    await symlink(join(dir, "nested"), join(dir, "linked-dir"));
    await mkdir(join(dir, ".cache"));
    await writeFile(join(dir, ".cache", "partial.gguf"), buildDemoModel({ seed: 10 }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reports every GGUF file in the directory and in its per-model directories by content, with the sha256 of its bytes and its header's metadata", async () => {
    const models = await discoverRuntime({ name: "local", type: "embedded", url: dir });
    expect(models.map((m) => m.servedName)).toEqual(["nested/inner", DEMO_MODEL_FILE.replace(/\.gguf$/, ""), "weights.bin"]);
    expect(models[0]?.digest).toBe(sha256(await readFile(join(dir, "nested", "inner.gguf"))));
    models.shift();

    const demoBytes = await readFile(demoPath);
    expect(models[0]).toEqual({
      servedName: "perimeter-demo-llama",
      digest: sha256(demoBytes),
      digestSource: "file-sha256",
      adapterDigests: [],
      details: {
        sizeBytes: demoBytes.length,
        architecture: "llama",
        modelName: DEMO_MODEL_NAME,
        contextLength: 512,
        quantization: "F32",
        parameterCount: expect.any(Number),
      },
    });
    expect(models[1]?.digest).toBe(sha256(await readFile(join(dir, "weights.bin"))));
  });

  it("reads the directory from a file:// URL too", async () => {
    const models = await discoverRuntime({ name: "local", type: "embedded", url: pathToFileURL(dir).href });
    expect(models.map((m) => m.servedName)).toEqual(["nested/inner", "perimeter-demo-llama", "weights.bin"]);
  });

  it("finds the models in the models/<name>/<file>.gguf layout that perimeter up writes", async () => {
    const models = await mkdtemp(join(tmpdir(), "perimeter-embedded-layout-"));
    try {
      await mkdir(join(models, "perimeter-demo"));
      const path = await writeDemoModel(join(models, "perimeter-demo"));
      await writeFile(join(models, "perimeter-demo", "model.sig"), "{}");
      const found = await discoverRuntime({ name: "local", type: "embedded", url: models });
      expect(found.map((m) => [m.servedName, m.digest])).toEqual([["perimeter-demo/perimeter-demo-llama", sha256(await readFile(path))]]);
    } finally {
      await rm(models, { recursive: true, force: true });
    }
  });

  it("still records the digest of a GGUF whose header is larger than it reads, leaving the metadata out", async () => {
    const bigDir = await mkdtemp(join(tmpdir(), "perimeter-embedded-big-"));
    try {
      const bytes = encodeGguf({
        metadata: [
          { key: "general.architecture", type: "string", value: "llama" },
          { key: "general.description", type: "string", value: "x".repeat(17 * 1024 * 1024) },
        ],
        tensors: [],
      });
      await writeFile(join(bigDir, "huge-header.gguf"), bytes);
      const [model, ...rest] = await discoverRuntime({ name: "local", type: "embedded", url: bigDir });
      expect(rest).toEqual([]);
      expect(model?.digest).toBe(sha256(bytes));
      expect(model?.details).toEqual({ sizeBytes: bytes.length, header: "larger than 16 MiB; metadata not read" });
    } finally {
      await rm(bigDir, { recursive: true, force: true });
    }
  });

  it("says which runtime and path cannot be read when the directory is missing", async () => {
    const missing = join(dir, "no-such-directory");
    const err = await failure(discoverRuntime({ name: "local", type: "embedded", url: missing }));
    expect(err.code).toBe("RUNTIME_UNREACHABLE");
    expect(err.message).toContain(`runtime "local" (embedded at ${missing})`);
    expect(err.message).toContain("ENOENT");
  });
});

interface HttpRuntimeCase {
  readonly label: string;
  readonly type: RuntimeTarget["type"];
  readonly endpoint: string;
  readonly wrongField: string;
  readonly runtimeError: string;
  start(misbehaviour: Misbehaviour): Promise<{ url: string; close(): Promise<void> }>;
}

const openAICase = (flavour: OpenAIFlavour, runtimeError: string): HttpRuntimeCase => ({
  label: flavour,
  type: "openai",
  endpoint: "GET /v1/models",
  wrongField: "data[0].id",
  runtimeError,
  start: (misbehaviour) => startFakeOpenAI({ flavour, models: [{ id: "m" }], misbehaviour }),
});

// One contract for every HTTP runtime client: each failure a runtime (or what sits in front of it) can
// produce ends as the same coded error, naming the runtime, its URL and the request.
describe.each<HttpRuntimeCase>([
  {
    label: "ollama",
    type: "ollama",
    endpoint: "GET /api/tags",
    wrongField: "models[0].name",
    runtimeError: "unexpected server error",
    start: (misbehaviour) => startFakeOllama({ models: OLLAMA_MODELS, misbehaviour }),
  },
  openAICase("vllm", "EngineCore encountered an issue"),
  openAICase("llamacpp", "failed to process request"),
])("discovery failures ($label)", (runtime) => {
  async function discoverFrom(misbehaviour: Misbehaviour, options: { timeoutMs?: number } = {}): Promise<{ err: PerimeterError; url: string }> {
    const server = await runtime.start(misbehaviour);
    try {
      return { err: await failure(discoverRuntime({ name: "flaky", type: runtime.type, url: server.url }, options)), url: server.url };
    } finally {
      await server.close();
    }
  }

  it("says which runtime did not answer in time", async () => {
    const started = Date.now();
    const { err, url } = await discoverFrom("hang", { timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.code).toBe("RUNTIME_UNREACHABLE");
    expect(err.message).toContain(`runtime "flaky" (${runtime.type} at ${url}) did not answer ${runtime.endpoint} within 0.2s`);
  });

  it("passes on the runtime's own explanation of an HTTP 500", async () => {
    const { err, url } = await discoverFrom("error-500");
    expect(err.code).toBe("RUNTIME_UNREACHABLE");
    expect(err.message).toContain(`runtime "flaky" (${runtime.type} at ${url}) answered ${runtime.endpoint} with HTTP 500`);
    expect(err.message).toContain(runtime.runtimeError);
  });

  it("refuses an HTML page where JSON belongs", async () => {
    const { err } = await discoverFrom("html");
    expect(err.code).toBe("RUNTIME_RESPONSE_INVALID");
    expect(err.message).toContain(`runtime "flaky"`);
    expect(err.message).toContain("is not JSON (text/html");
  });

  it("refuses JSON of the wrong shape, naming the field", async () => {
    const { err } = await discoverFrom("wrong-shape");
    expect(err.code).toBe("RUNTIME_RESPONSE_INVALID");
    expect(err.message).toContain(`answered ${runtime.endpoint} with JSON that is not`);
    expect(err.message).toContain(runtime.wrongField);
  });

  it("refuses to read an answer larger than 16 MiB", async () => {
    const { err } = await discoverFrom("oversize");
    expect(err.code).toBe("RUNTIME_RESPONSE_INVALID");
    expect(err.message).toContain("more than 16 MiB");
  });

  it("does not follow a redirect away from the registered URL", async () => {
    const elsewhere = await startFixtureServer((_request, res) => {
      res.writeHead(302, { location: "http://198.51.100.7/stolen?session=abc" }).end();
    });
    try {
      const err = await failure(discoverRuntime({ name: "flaky", type: runtime.type, url: elsewhere.url }));
      expect(err.code).toBe("RUNTIME_UNREACHABLE");
      expect(err.message).toContain(`answered ${runtime.endpoint} with a redirect (HTTP 302 to http://198.51.100.7/stolen)`);
      expect(err.message).not.toContain("session=abc");
    } finally {
      await elsewhere.close();
    }
  });

  it("says which runtime could not be reached when nothing listens on its port", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const err = await failure(discoverRuntime({ name: "flaky", type: runtime.type, url }));
    expect(err.code).toBe("RUNTIME_UNREACHABLE");
    expect(err.message).toContain(`runtime "flaky" (${runtime.type} at ${url}) could not be reached for ${runtime.endpoint}`);
    expect(err.message).toContain("ECONNREFUSED");
  });
});
