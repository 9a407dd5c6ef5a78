// Credentials shipped beside the weights: a cloud key in config.json, a hub token in .env, a private key in a
// notebook's output, a token in a deployment YAML. Each is a finding that refuses its file (so the version
// cannot be approved), named by kind and line and never quoted; the weights and a clean config still pass.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import { scanPaths } from "../../src/scan/scan.js";
import { writeGgufModel } from "../fixtures/model-files.js";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const pick = (alphabet: string, n: number) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");

describe("secrets beside the weights", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "perimeter-secrets-scan-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses each file that carries a credential, names it by kind and line, and never repeats it", async () => {
    const model = writeGgufModel(join(dir, "model"));
    const aws = `AKIA${pick(BASE32, 16)}`;
    const hf = `hf_${pick("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 34)}`;
    const gh = `ghp_${pick("abcdefghijklmnopqrstuvwxyz0123456789", 36)}`;
    const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    writeFileSync(join(model, "config.json"), JSON.stringify({ model_type: "llama", hidden_size: 64, aws_access_key_id: aws }, null, 2));
    writeFileSync(join(model, ".env"), `MODEL=llama\nHF_TOKEN=${hf}\n`);
    writeFileSync(
      join(model, "train.ipynb"),
      JSON.stringify({
        cells: [{ cell_type: "code", source: ["print(open('key.pem').read())"], outputs: [{ output_type: "stream", text: [pem] }] }],
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
      }),
    );
    writeFileSync(join(model, "deploy.yaml"), `image: vllm/vllm-openai\nenv:\n  - name: GITHUB_TOKEN\n    value: ${gh}\n`);
    writeFileSync(join(model, "generation_config.json"), JSON.stringify({ temperature: 0.6, top_p: 0.9 }));

    const report = await scanPaths([model]);
    const byName = new Map(report.files.map((f) => [f.name, f]));
    for (const [name, type, line] of [
      ["config.json", "aws-access-key", 4],
      [".env", "huggingface-token", 2],
      ["train.ipynb", "private-key", 1],
      ["deploy.yaml", "github-token", 4],
    ] as const) {
      const f = byName.get(name);
      expect(f?.verdict, name).toBe("suspicious");
      const secret = f?.findings.find((x) => x.rule === "SECRET_IN_FILE");
      expect(secret?.message, name).toContain(`a ${type} is in the file at line ${line}`);
      expect(secret?.location, name).toBe(`(file) line ${line}`);
    }
    expect(byName.get("generation_config.json")?.verdict).toBe("clean");
    expect(byName.get(DEMO_MODEL_FILE)?.verdict).toBe("clean");
    const everything = JSON.stringify(report);
    for (const secret of [aws, hf, gh, pem.split("\n")[1] as string]) expect(everything).not.toContain(secret);
  });
});
