import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { perimeter } from "../helpers/cli.js";

const MT = new URL("../../../shared/vectors/model-transparency/scripts/tests/", import.meta.url).pathname;
const REFERENCE_KEY = join(MT, "keys/certificate/signing-key-pub.pem");

describe("perimeter hash / sign key / verify key", () => {
  let cwd: string;
  let model: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-sign-"));
    model = join(cwd, "tiny-model");
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(cwd, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(cwd, "key.pub"), publicKey.export({ type: "spki", format: "pem" }));
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    writeFileSync(join(cwd, "other.pub"), other.export({ type: "spki", format: "pem" }));
    const fs = { "config.json": '{"hidden_size": 64}', "weights/model.safetensors": "weights", "tokenizer.json": "{}" };
    for (const [name, text] of Object.entries(fs)) {
      const p = join(model, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const run = (args: string[]) => perimeter(args, { cwd, env: { PERIMETER_ACTOR: "release-bot" } });

  it("verifies model_signing's own signature and prints the same root digest", () => {
    const dir = join(MT, "v1.1.0-elliptic-key");
    const ok = run(["verify", "key", "--public-key", REFERENCE_KEY, "--ignore-paths", "ignore-me", dir]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid: 2 files of v1\.1\.0-elliptic-key, root 92745110/);
    const hash = run(["hash", "--ignore-paths", "ignore-me", "--format", "json", dir]);
    expect(JSON.parse(hash.stdout)).toMatchObject({ modelName: "v1.1.0-elliptic-key", digest: expect.stringMatching(/^92745110/) });
  });

  it("verifies model_signing's certificate signatures against the reference CA, and refuses another CA", () => {
    const dir = join(MT, "v1.1.0-certificate");
    const ca = join(MT, "keys/certificate/ca-cert.pem");
    const ok = run(["verify", "certificate", "--certificate-chain", ca, "--ignore-paths", "ignore-me", dir]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid: 2 files of v1\.1\.0-certificate/);
    const wrong = run(["verify", "certificate", "--certificate-chain", "key.pub", "--ignore-paths", "ignore-me", dir]);
    expect(wrong.code).not.toBe(0);
    expect(run(["verify", "certificate", "--ignore-paths", "ignore-me", dir]).code).toBe(2);
  });

  it("verifies model_signing's keyless signature offline, checking identity and issuer", () => {
    const dir = join(MT, "v1.1.0-sigstore");
    const args = ["verify", "sigstore", "--identity-provider", "https://sigstore.verify.ibm.com/oauth2", "--ignore-paths", "ignore-me"];
    const ok = run([...args, "--identity", "stefanb@us.ibm.com", dir]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const wrong = run([...args, "--identity", "mallory@example.com", dir]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/identity is stefanb@us\.ibm\.com, expected mallory@example\.com/);
  });

  it("signs a model, verifies it, and names the file that changed, was added or went missing", () => {
    const signed = run(["sign", "key", "--private-key", "key.pem", "tiny-model"]);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(/signed 3 files of tiny-model/);
    expect(JSON.parse(readFileSync(join(model, "model.sig"), "utf8"))).toMatchObject({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" });
    expect(run(["verify", "key", "--public-key", "key.pub", "tiny-model"]).code).toBe(0);

    const wrongKey = run(["verify", "key", "--public-key", "other.pub", "tiny-model"]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/SIGNATURE_INVALID/);

    appendFileSync(join(model, "config.json"), " ");
    const changed = run(["verify", "key", "--public-key", "key.pub", "tiny-model"]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/config\.json changed since it was signed .*\[MODEL_MISMATCH\]/);

    expect(run(["sign", "key", "--private-key", "key.pem", "tiny-model"]).code).toBe(0);
    writeFileSync(join(model, "extra.bin"), "x");
    expect(run(["verify", "key", "--public-key", "key.pub", "tiny-model"]).stderr).toMatch(/extra\.bin was added after the model was signed/);
    rmSync(join(model, "extra.bin"));
    rmSync(join(model, "tokenizer.json"));
    expect(run(["verify", "key", "--public-key", "key.pub", "tiny-model"]).stderr).toMatch(/tokenizer\.json was signed but is missing/);

    const events = JSON.parse(run(["audit", "list", "--format", "json"]).stdout) as Array<{ action: string; decision: string; actor: string }>;
    expect(events.map((e) => `${e.action}:${e.decision}`)).toEqual([
      "model.sign:allow",
      "model.verify:allow",
      "model.verify:deny",
      "model.verify:deny",
      "model.sign:allow",
      "model.verify:deny",
      "model.verify:deny",
    ]);
  });

  it("refuses a missing key, a key of the wrong type, and a tampered signature file with clear errors", () => {
    expect(run(["sign", "key", "--private-key", "nope.pem", "tiny-model"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read the private key nope\.pem/),
    });
    writeFileSync(join(cwd, "ed.pem"), generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
    const wrongType = run(["sign", "key", "--private-key", "ed.pem", "tiny-model"]);
    expect(wrongType.code).toBe(2);
    expect(() => readFileSync(join(model, "model.sig"))).toThrow(); // nothing half-written
    expect(run(["sign", "key", "--private-key", "key.pem", "tiny-model"]).code).toBe(0);
    const sig = JSON.parse(readFileSync(join(model, "model.sig"), "utf8")) as { dsseEnvelope: { signatures: Array<{ sig: string }> } };
    const s0 = sig.dsseEnvelope.signatures[0] as { sig: string };
    s0.sig = Buffer.from(Buffer.from(s0.sig, "base64").map((b, i) => (i === 10 ? b ^ 1 : b))).toString("base64");
    writeFileSync(join(model, "model.sig"), JSON.stringify(sig));
    expect(run(["verify", "key", "--public-key", "key.pub", "tiny-model"]).code).toBe(1);
  });
});
