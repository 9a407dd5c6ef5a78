import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateSigningKey } from "../../src/audit/checkpoint.js";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { encodeGguf, readGgufHeader, type GgufMetadataEntry } from "../../src/formats/gguf.js";
import { registerModel } from "../../src/inventory/models.js";
import { LifecycleRepository } from "../../src/lifecycle/repository.js";
import { approve, recordScanEvidence, type LifecycleDeps } from "../../src/lifecycle/service.js";
import { resolveTrustedSigners } from "../../src/lifecycle/signers.js";
import { buildDemoModel } from "../../src/runtimes/demo-model.js";
import { scanFile, scanPaths, type FileReport, type ScanReport } from "../../src/scan/scan.js";
import { computeManifest, signModelWithKey } from "../../src/signing/index.js";
import type { Store } from "../../src/store/store.js";
import { perimeter } from "../helpers/cli.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";
import { denseLayer, keras3Archive, keras3Config, lambdaLayer, minimalHdf5 } from "../fixtures/keras3.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { systemCallPickle } from "../fixtures/pickles.js";
import { len, str } from "../fixtures/protobuf.js";
import { buildZip } from "../fixtures/zip-writer.js";

// The scanner's trust boundary, file by file: each case is something a model directory can hold that must
// not come out clean, with the finding that says why. Approval is where the scan's word is used, so the
// cases where the scan and the signature cover different files are here too.

const dir = mkdtempSync(join(tmpdir(), "perimeter-restrictions-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(bytes: Uint8Array | string, name = "file"): string {
  const folder = join(dir, `f${n++}`);
  mkdirSync(folder);
  const p = join(folder, name);
  writeFileSync(p, bytes);
  return p;
}
const rules = (r: FileReport) => [...new Set(r.findings.map((f) => f.rule))].sort();
const UNSAFE_TEMPLATE = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";

describe("the scanner refuses", () => {
  it("a tokenizer_config.json holding NaN whose chat template reaches __globals__", async () => {
    const r = await scanFile(file(`{"model_max_length": NaN, "chat_template": ${JSON.stringify(UNSAFE_TEMPLATE)}}`, "tokenizer_config.json"));
    expect(r.format).toBe("json");
    expect(r.verdict).toBe("malicious");
    expect(rules(r)).toContain("TEMPLATE_UNSAFE");
  });

  it("a tokenizer_config.json holding Infinity and -Infinity, larger than the sniffer's head", async () => {
    const padding = JSON.stringify("x".repeat(8192));
    const r = await scanFile(
      file(`{"pad": ${padding}, "range": [-Infinity, Infinity], "chat_template": ${JSON.stringify(UNSAFE_TEMPLATE)}}`, "tokenizer_config.json"),
    );
    expect(r.verdict).toBe("malicious");
    expect(rules(r)).toContain("TEMPLATE_UNSAFE");
  });

  it("a chat template given twice, judged by the last one as Python keeps it", async () => {
    const r = await scanFile(file(`{"chat_template": "{{ messages }}", "chat_template": ${JSON.stringify(UNSAFE_TEMPLATE)}}`, "tokenizer_config.json"));
    expect(r.verdict).toBe("malicious");
  });

  it("a .json file that does not parse, as unscannable", async () => {
    const r = await scanFile(file(`{"chat_template": ${JSON.stringify(UNSAFE_TEMPLATE)},}`, "tokenizer_config.json"));
    expect(r.verdict).toBe("unscannable");
    expect(r.findings[0]).toMatchObject({ rule: "JSON_UNSCANNABLE", message: expect.stringContaining("does not parse") });
  });

  it("a .json file too large to analyse, as unscannable", async () => {
    const path = file(`{"chat_template": ${JSON.stringify(UNSAFE_TEMPLATE)}, "pad": "${"x".repeat(4096)}"}`, "tokenizer_config.json");
    const r = await scanFile(path, { limits: { maxTextBytes: 1024 } });
    expect(r.verdict).toBe("unscannable");
    expect(r.findings[0]).toMatchObject({ rule: "JSON_UNSCANNABLE", message: expect.stringContaining("larger than the 1024") });
  });

  it("a .json file nested deeper than the reader goes, as unscannable", async () => {
    const r = await scanFile(file(`${"[".repeat(5000)}${"]".repeat(5000)}`, "config.json"));
    expect(r.verdict).toBe("unscannable");
    expect(rules(r)).toEqual(["JSON_UNSCANNABLE"]);
  });

  it("a .json file that is not UTF-8, as unscannable", async () => {
    const r = await scanFile(file(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), "tokenizer_config.json"));
    expect(r.verdict).toBe("unscannable");
  });

  it("a Lambda layer in a Keras 3 archive", async () => {
    const r = await scanFile(file(keras3Archive({ config: keras3Config([denseLayer("dense", 8, 4), lambdaLayer("lam")]) }), "model.keras"));
    expect(r.verdict).toBe("suspicious");
    expect(r.findings).toContainEqual(
      expect.objectContaining({ rule: "KERAS_CODE", location: "config.json", message: expect.stringContaining("Lambda layer") }),
    );
  });

  it("a Lambda layer in a Keras 3 config.json that holds NaN", async () => {
    const config = JSON.stringify(keras3Config([lambdaLayer("lam")])).replace('"learning_rate":0.001', '"learning_rate":NaN');
    expect(config).toContain("NaN");
    const r = await scanFile(file(keras3Archive({ config }), "model.keras"));
    expect(r.verdict).toBe("suspicious");
    expect(rules(r)).toEqual(["KERAS_CODE"]);
  });

  it("a Lambda layer in an archive holding config.json alone (load_model rebuilds it before looking for weights)", async () => {
    const r = await scanFile(file(buildZip([{ name: "config.json", data: Buffer.from(JSON.stringify(keras3Config([lambdaLayer("lam")]))) }]), "model.keras"));
    expect(r.verdict).toBe("suspicious");
    expect(rules(r)).toEqual(["KERAS_CODE"]);
  });

  it("a Keras 3 archive whose config.json does not parse, as unscannable", async () => {
    const r = await scanFile(file(keras3Archive({ config: '{"class_name": "Sequential",' }), "model.keras"));
    expect(r.verdict).toBe("unscannable");
    expect(rules(r)).toEqual(["KERAS_CONFIG_MISSING"]);
  });

  it("a model config with a Lambda planted in a Keras 3 archive's weights file", async () => {
    const planted = Buffer.concat([minimalHdf5(), Buffer.from(JSON.stringify(keras3Config([lambdaLayer("lam")])))]);
    const r = await scanFile(file(keras3Archive({ weights: planted }), "model.keras"));
    expect(r.verdict).toBe("suspicious");
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: "KERAS_CODE", location: "model.weights.h5" }));
  });

  it("a legacy .h5 whose model_config holds NaN and a Lambda layer", async () => {
    const config = JSON.stringify({
      class_name: "Sequential",
      config: { name: "s", layers: [{ class_name: "Lambda", config: { name: "l", function: "4wEAAAA=", function_type: "lambda", scale: NaN } }] },
    });
    const r = await scanFile(file(Buffer.concat([minimalHdf5(), Buffer.from(config.replace("null", "NaN"))]), "model.h5"));
    expect(r.verdict).toBe("suspicious");
    expect(rules(r)).toEqual(["KERAS_CODE"]);
  });

  it("a legacy .h5 with no model config it can find, as unscannable", async () => {
    const r = await scanFile(file(minimalHdf5(), "model.h5"));
    expect(r.verdict).toBe("unscannable");
    expect(rules(r)).toEqual(["KERAS_CONFIG_MISSING"]);
  });

  it("a SavedModel op that is not on the allow-list", async () => {
    const graph = [...len(1, [...str(1, "x"), ...str(2, "Placeholder")]), ...len(1, [...str(1, "odd"), ...str(2, "DecodeProtoV2")])];
    const r = await scanFile(file(Uint8Array.from(len(2, len(2, graph))), "saved_model.pb"));
    expect(r.verdict).toBe("suspicious");
    expect(r.findings).toEqual([expect.objectContaining({ rule: "TF_OP_NOT_ALLOWED", message: expect.stringContaining("DecodeProtoV2") })]);
  });

  it("a SavedModel op that runs Python, as malicious", async () => {
    const r = await scanFile(file(Uint8Array.from(len(2, len(2, len(1, [...str(1, "bad"), ...str(2, "PyFunc")])))), "saved_model.pb"));
    expect(r.verdict).toBe("malicious");
    expect(rules(r)).toEqual(["TF_DANGEROUS_OP"]);
  });

  it("a symbolic link, without following it", async () => {
    const link = join(dir, `link${n++}`);
    symlinkSync("/etc/passwd", link);
    const r = (await scanPaths([link])).files[0];
    expect(r).toMatchObject({ verdict: "suspicious", format: "symlink" });
  });

  it("a binary format it does not recognise, as unscannable", async () => {
    const r = await scanFile(file(Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff, 0x10, 0x00, 0x80, 0x7f]), "weights.bin"));
    expect(r.verdict).toBe("unscannable");
    expect(rules(r)).toEqual(["FORMAT_UNKNOWN"]);
  });

  it("an archive format it cannot open, as unscannable", async () => {
    const r = await scanFile(file(Buffer.from("377abcaf271c000400000000000000000000000000000000", "hex"), "model.7z"));
    expect(r.verdict).toBe("unscannable");
    expect(rules(r)).toEqual(["ARCHIVE_UNSUPPORTED"]);
  });

  it("an unsafe chat template in a GGUF file, as malicious", async () => {
    const header = readGgufHeader(buildDemoModel());
    const metadata: GgufMetadataEntry[] = header.metadata.map((m) =>
      m.key === "tokenizer.chat_template" ? { key: m.key, type: "string", value: UNSAFE_TEMPLATE } : m,
    );
    const r = await scanFile(
      file(encodeGguf({ metadata, tensors: [{ name: "token_embd.weight", shape: [4], type: "F32", data: new Float32Array(4) }] }), "model.gguf"),
    );
    expect(r.verdict).toBe("malicious");
    expect(rules(r)).toEqual(["TEMPLATE_UNSAFE"]);
  });

  it("an unsafe bare Jinja template that starts like JSON", async () => {
    const r = await scanFile(file(`{%- set x = cycler.__init__.__globals__ %}{{ x.os.popen('id').read() }}`, "chat_template.jinja"));
    expect(r.verdict).toBe("malicious");
  });

  it("Python source beside the weights", async () => {
    const r = await scanFile(file("import os\nfrom torch import nn\n", "modeling_custom.py"));
    expect(r.verdict).toBe("suspicious");
    expect(rules(r)).toEqual(["EXECUTABLE_CODE"]);
  });

  it("a pickle that calls posix.system, as malicious", async () => {
    const r = await scanFile(file(systemCallPickle(), "model.pkl"));
    expect(r.verdict).toBe("malicious");
  });

  it("a zip member whose name escapes the extraction directory", async () => {
    const r = await scanFile(file(buildZip([{ name: "../../evil.json", data: Buffer.from("{}") }]), "model.zip"));
    expect(rules(r)).toContain("ARCHIVE_PATH_TRAVERSAL");
    expect(r.verdict).toBe("suspicious");
  });

  it("files under a nested .git directory: they are signed, so they are scanned", async () => {
    const model = join(dir, `model${n++}`);
    mkdirSync(join(model, "sub/.git/objects"), { recursive: true });
    mkdirSync(join(model, ".git"), { recursive: true });
    writeFileSync(join(model, "config.json"), '{"architectures": ["LlamaForCausalLM"]}');
    writeFileSync(join(model, "sub/.git/objects/payload.pkl"), systemCallPickle());
    writeFileSync(join(model, ".git/HEAD"), "ref: refs/heads/main\n");
    const report = await scanPaths([model]);
    expect(report.files.map((f) => f.name)).toEqual(["config.json", "sub/.git/objects/payload.pkl"]);
    expect(report.files.find((f) => f.name === "sub/.git/objects/payload.pkl")?.verdict).toBe("malicious");
    const cli = perimeter(["scan", model, "--format", "json"], { cwd: dir });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain("payload.pkl");
  });
});

describe("the scanner passes", () => {
  it("a Keras 3 archive whose config is clean", async () => {
    const r = await scanFile(file(keras3Archive(), "model.keras"));
    expect(r).toMatchObject({ format: "zip", verdict: "clean", findings: [] });
  });

  it("a SavedModel that calls its own library functions", async () => {
    const fn = len(1, [...len(1, str(1, "__inference_call_7")), ...len(3, [...str(1, "y"), ...str(2, "MatMul")])]);
    const graph = [...len(1, [...str(1, "call"), ...str(2, "__inference_call_7")]), ...len(2, fn)];
    const r = await scanFile(file(Uint8Array.from(len(2, len(2, graph))), "saved_model.pb"));
    expect(r).toMatchObject({ verdict: "clean", findings: [] });
  });

  it("exactly the files the manifest signs: root .git, .github and model.sig left out by both, nested .git in both", async () => {
    const model = join(dir, `model${n++}`);
    for (const d of [".git", ".github/workflows", "nested/.git", "nested/.github"]) mkdirSync(join(model, d), { recursive: true });
    writeFileSync(join(model, ".git/HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(model, ".github/workflows/ci.yml"), "on: push\n");
    writeFileSync(join(model, ".gitattributes"), "*.gguf filter=lfs\n");
    writeFileSync(join(model, "model.sig"), "{}");
    writeFileSync(join(model, "nested/.git/HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(model, "nested/.github/x.md"), "hello\n");
    writeFileSync(join(model, "config.json"), "{}");
    const scanned = (await scanPaths([model])).files.map((f) => f.name);
    const signed = (await computeManifest(model)).files.map((f) => f.name);
    expect(scanned.sort()).toEqual([...signed].sort());
    expect(scanned).toContain("nested/.git/HEAD");
  });
});

describe.each(STORE_KINDS)("approval on %s refuses", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let deps: LifecycleDeps;
  let signerKey: string;
  let work: string;

  beforeEach(async () => {
    const trusted = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = (k: KeyObject, type: "pkcs8" | "spki") => k.export({ type, format: "pem" }).toString();
    signerKey = pem(trusted.privateKey, "pkcs8");
    env = await createTestEnv(
      kind,
      {},
      {
        lifecycle: {
          roles: { submitter: ["alice"], approver: ["bob"], operator: [], auditor: [] },
          trustedSigners: [{ name: "release-key", publicKey: "release.pub" }],
          signingKey: "keys/lifecycle.pem",
        },
      },
    );
    writeFileSync(join(env.dir, "release.pub"), pem(trusted.publicKey, "spki"));
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    const key = loadOrCreateSigningKey(join(env.dir, "keys/lifecycle.pem"), true);
    deps = { store, audit: () => audit, config: env.loaded.config.lifecycle, signers: () => resolveTrustedSigners(env.loaded), instanceKey: () => key };
    work = mkdtempSync(join(tmpdir(), "perimeter-restrictions-approval-"));
  });
  afterEach(async () => {
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  /** A signed model with a nested .git, registered; the scan is recorded by the caller. */
  async function signedModel(): Promise<string> {
    const model = writeGgufModel(join(work, "llama"));
    mkdirSync(join(model, "vendor/.git"), { recursive: true });
    writeFileSync(join(model, "vendor/.git/config"), "[core]\n");
    await registerModel(
      { store, audit: () => audit },
      { path: model, name: "llama", version: "1", kind: "base", parents: [], environments: ["prod"], actor: "alice" },
    );
    const { bundle } = await signModelWithKey(model, { privateKeyPem: signerKey });
    writeFileSync(join(model, "model.sig"), bundle);
    return model;
  }
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("approval was expected to be refused");
  };
  const digest = async (model: string) => (await computeManifest(model)).digest;

  it("a clean scan that did not cover every signed file, naming the files it missed", async () => {
    const model = await signedModel();
    const full = await scanPaths([model]);
    expect(full.files.map((f) => f.name)).toContain("vendor/.git/config");
    // What the scanner reported before it scanned nested .git directories.
    const partial: ScanReport = {
      files: full.files.filter((f) => !f.name.includes(".git/")),
      summary: { ...full.summary, files: full.summary.files - 1, clean: full.summary.clean - 1 },
    };
    await recordScanEvidence(deps, "llama@1", partial, await digest(model), "ci");
    const message = await refusal(approve(deps, "llama@1", { actor: "bob" }));
    expect(message).toMatch(/1 signed file\(s\) were not covered by the last scan .*: vendor\/\.git\/config/);
  });

  it("a clean scan that covered files the signature does not", async () => {
    const model = await signedModel();
    const full = await scanPaths([model]);
    const extra: ScanReport = {
      files: [...full.files, { ...(full.files[0] as FileReport), name: "unsigned.bin" }],
      summary: { ...full.summary, files: full.summary.files + 1, clean: full.summary.clean + 1 },
    };
    await recordScanEvidence(deps, "llama@1", extra, await digest(model), "ci");
    expect(await refusal(approve(deps, "llama@1", { actor: "bob" }))).toMatch(/covered 1 file\(s\) the signature does not: unsigned\.bin/);
  });

  it("a clean scan recorded without a file list, asking for a new scan", async () => {
    const model = await signedModel();
    const version = await new LifecycleRepository(store).addEvidence({
      versionId: "llama@1",
      kind: "scan",
      verdict: "pass",
      digest: await digest(model),
      createdBy: "ci",
      body: { summary: {}, matchesVersion: true, refused: [] },
    });
    expect(version.verdict).toBe("pass");
    expect(await refusal(approve(deps, "llama@1", { actor: "bob" }))).toMatch(/did not record which files it covered.*scan again with perimeter scan/);
  });

  it("nothing when the clean scan covered exactly the signed files, nested .git included", async () => {
    const model = await signedModel();
    await recordScanEvidence(deps, "llama@1", await scanPaths([model]), await digest(model), "ci");
    const result = await approve(deps, "llama@1", { actor: "bob" });
    expect(result.signer).toBe("release-key");
  });
});
