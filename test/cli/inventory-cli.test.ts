import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import { writeGgufModel, writeLoraAdapter } from "../fixtures/model-files.js";
import { perimeter, perimeterAsync } from "../helpers/cli.js";
import { startFakeOllama } from "../fixtures/fake-ollama.js";

describe("perimeter model / runtime / drift / bom", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-inventory-cli-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const run = (args: string[]) => perimeter(args, { cwd, env: { PERIMETER_ACTOR: "ml-platform" } });
  const json = (args: string[]) => {
    const r = run([...args, "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown> & Array<Record<string, unknown>>;
  };

  it("registers a lineage, shows it as text and JSON, and exports a BOM that validates", async () => {
    writeGgufModel(join(cwd, "base"));
    writeLoraAdapter(join(cwd, "lora"));
    const added = run([
      "model",
      "add",
      "base",
      "--name",
      "llama-demo",
      "--version",
      "1",
      "--license",
      "llama3.1",
      "--owner",
      "ml-platform",
      "--environment",
      "prod",
    ]);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/registered llama-demo@1/);
    expect(added.stdout).toMatch(/licence\s+LicenseRef-llama3\.1 \(restricted-use, from flag\)/);
    const adapter = json(["model", "add", "lora", "--name", "support-lora", "--version", "1", "--kind", "adapter", "--parent", "llama-demo@1"]);
    expect(adapter).toMatchObject({ id: "support-lora@1", kind: "adapter", parents: ["llama-demo@1"], euAiAct: { substantialModificationCandidate: true } });
    expect(adapter["findings"]).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: "LICENSE_UNKNOWN" }), expect.objectContaining({ rule: "EU_AI_ACT_REVIEW_PENDING" })]),
    );

    const list = run(["model", "list"]);
    expect(list.stdout).toMatch(/^MODEL\s+KIND\s+PARENTS/m);
    expect(list.stdout).toMatch(/support-lora@1\s+adapter\s+llama-demo@1/);
    expect(json(["model", "lineage", "support-lora@1"])).toMatchObject({ ancestry: { id: "support-lora@1", next: [{ id: "llama-demo@1" }] } });
    expect(run(["model", "lineage", "llama-demo@1"]).stdout).toMatch(/descendants[^\n]*\n\s+llama-demo@1[^\n]*\n\s+support-lora@1/);

    const bomFile = join(cwd, "bom.json");
    const bom = run(["bom", "--output", bomFile]);
    expect(bom.stderr).toBe("");
    expect(bom.code).toBe(0);
    const document = JSON.parse(readFileSync(bomFile, "utf8")) as { specVersion: string; components: Array<{ type: string; name: string }> };
    expect(document.specVersion).toBe("1.6");
    expect(
      document.components
        .filter((c) => c.type === "machine-learning-model")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["llama-demo", "support-lora"]);
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(document))).toBeNull();
    expect(run(["bom", "--output", bomFile]).code).toBe(2); // never overwritten without --force

    const review = run(["model", "review", "support-lora@1", "--outcome", "not-substantial", "--note", "a 2-rank LoRA for tone"]);
    expect(review.code).toBe(0);
    const removeBase = run(["model", "remove", "llama-demo@1", "--reason", "retired"]);
    expect(removeBase.code).toBe(2);
    expect(removeBase.stderr).toMatch(/llama-demo@1 is a parent of support-lora@1.*\[MODEL_HAS_DESCENDANTS\]/);

    const events = run(["audit", "list", "--format", "json"]);
    const logged = (JSON.parse(events.stdout) as Array<{ action: string; actor: string }>).map((e) => e.action);
    expect(logged).toEqual(["model.register", "model.register", "bom.export", "model.eu-ai-act-review"]);
    expect(run(["audit", "verify"]).code).toBe(0);
  });

  it("says clearly what is wrong with bad input, and records nothing", () => {
    writeGgufModel(join(cwd, "m"));
    expect(run(["model", "add", "m", "--name", "x", "--version", "1"]).code).toBe(0);
    const dup = run(["model", "add", "m", "--name", "x", "--version", "1"]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/x@1 is already in the inventory.*\[MODEL_VERSION_EXISTS\]/);
    const notModel = run(["model", "add", "perimeter.yaml-missing", "--name", "y", "--version", "1"]);
    expect(notModel.stderr).toMatch(/no such file or directory/);
    const badKind = run(["model", "add", "m", "--name", "y", "--version", "1", "--kind", "lora"]);
    expect(badKind.stderr).toMatch(/--kind must be one of base, fine-tune, adapter, merge, quantization/);
    const badRef = run(["model", "show", "no-version"]);
    expect(badRef.stderr).toMatch(/must be written name@version/);
    const badUrl = run(["runtime", "add", "gpu", "--type", "ollama", "--url", "ftp://x"]);
    expect(badUrl.stderr).toMatch(/--url must be an http:\/\/ or https:\/\/ URL/);
    const secretUrl = run(["runtime", "add", "gpu", "--type", "openai", "--url", "http://user:sk-123@host:8000"]);
    expect(secretUrl.stderr).toMatch(/must not carry credentials/);
    expect(secretUrl.stderr).not.toMatch(/sk-123/);
    expect(json(["model", "list"]).map((m) => m["id"])).toEqual(["x@1"]);
    expect(json(["runtime", "list"])).toEqual([]);
  });

  it("discovers what runtimes serve and exits 1 on drift, 0 once it is resolved", async () => {
    writeGgufModel(join(cwd, "m"));
    const added = JSON.parse(run(["model", "add", "m", "--name", "llama-demo", "--version", "1", "--format", "json"]).stdout) as {
      files: Array<{ sha256: string }>;
    };
    const sha = added.files[0]?.sha256 ?? "";
    const ollama = await startFakeOllama({
      models: [
        { name: "llama-demo:1", blobSha256: sha },
        { name: "mystery:latest", blobSha256: "ab".repeat(32) },
      ],
    });
    const a = (args: string[]) => perimeterAsync(args, { cwd, env: { PERIMETER_ACTOR: "ops" } });
    try {
      mkdirSync(join(cwd, "served"));
      copyFileSync(join(cwd, "m", DEMO_MODEL_FILE), join(cwd, "served", "demo.gguf"));
      expect((await a(["runtime", "add", "gpu-1", "--type", "ollama", "--url", ollama.url])).code).toBe(0);
      expect((await a(["runtime", "add", "local", "--type", "embedded", "--url", "served"])).code).toBe(0);
      const discovered = await a(["runtime", "discover"]);
      expect(discovered.code).toBe(0);
      expect(discovered.stdout).toContain(`llama-demo:1  sha256:${sha}`);
      expect(discovered.stdout).toContain(`demo  sha256:${sha}`);

      const drift = await a(["drift"]);
      expect(drift.code).toBe(1);
      expect(drift.stdout).toMatch(/drift \[high\] unregistered: "mystery:latest" \(sha256 (ab){32}\) is served by gpu-1 and is not in the inventory/);
      expect(drift.stdout).toMatch(/1 drift finding across 2 runtime/);

      ollama.models.splice(1, 1); // the operator removes the stray model
      const clean = await a(["drift", "--format", "json"]);
      expect(clean.code).toBe(0);
      expect(JSON.parse(clean.stdout)).toMatchObject({ drift: false, findings: [] });

      await ollama.close();
      const down = await a(["runtime", "discover", "gpu-1"]);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/runtime "gpu-1" \(ollama at http:\/\/127\.0\.0\.1:\d+\).*\[RUNTIME_UNREACHABLE\]/);
      const shown = JSON.parse((await a(["runtime", "show", "gpu-1", "--format", "json"])).stdout) as { served: Array<{ servedName: string }> };
      expect(shown.served.map((m) => m.servedName)).toEqual(["llama-demo:1"]); // the failed discovery recorded nothing
    } finally {
      await ollama.close();
    }
  });
});
