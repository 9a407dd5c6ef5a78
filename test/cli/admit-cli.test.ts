import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startFakeOpenAI } from "../fixtures/fake-openai.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { perimeterAsync } from "../helpers/cli.js";

// perimeter admit --runtime: what an OpenAI-compatible server loads is proved at its start, and discovery
// then reports the digest admission proved. Refused before anything is decided when the runtime is unknown.

describe("perimeter admit --runtime", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-admit-cli-"));
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(cwd, "release.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(cwd, "release.pub"), publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(
      join(cwd, "perimeter.yaml"),
      stringify({ lifecycle: { roles: { approver: ["bob"], operator: ["olga"] }, trustedSigners: [{ name: "release", publicKey: "release.pub" }] } }),
    );
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const as = (actor: string, args: string[]) => perimeterAsync(args, { cwd, env: { PERIMETER_ACTOR: actor } });

  it("records the admitted digest for the runtime, which discovery then reports, and refuses an unknown runtime or one with --bundle", async () => {
    writeGgufModel(join(cwd, "llama"));
    expect((await as("alice", ["model", "add", "llama", "--name", "llama", "--version", "1"])).code).toBe(0);
    expect((await as("alice", ["scan", "llama", "--model", "llama@1"])).code).toBe(0);
    expect((await as("alice", ["sign", "key", "--private-key", "release.pem", "llama"])).code).toBe(0);
    expect((await as("bob", ["approve", "llama@1"])).code).toBe(0);
    const vllm = await startFakeOpenAI({ flavour: "vllm", models: [{ id: "llama" }] });
    try {
      expect((await as("olga", ["runtime", "add", "vllm-1", "--type", "openai", "--url", vllm.url])).code).toBe(0);

      const unknown = await as("init", ["admit", "llama", "--runtime", "vllm-2"]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/no runtime named "vllm-2".*\[RUNTIME_NOT_FOUND\]/);
      const offline = await as("init", [
        "admit",
        "llama",
        "--bundle",
        "b.json",
        "--bundle-key",
        "release.pub",
        "--environment",
        "default",
        "--runtime",
        "vllm-1",
      ]);
      expect(offline.code).toBe(2);
      expect(offline.stderr).toMatch(/--runtime records what a runtime loads, in the store: it does not go with --bundle/);
      const missingBundle = await as("init", ["admit", "llama", "--bundle", "nope.json", "--bundle-key", "release.pub", "--environment", "default"]);
      expect(missingBundle.code).toBe(2);
      expect(missingBundle.stderr).toMatch(/cannot read --bundle nope\.json: ENOENT \[USAGE\]/);

      const admitted = await as("init", ["admit", "llama", "--runtime", "vllm-1", "--format", "json"]);
      expect(admitted.code).toBe(0);
      const decision = JSON.parse(admitted.stdout) as { allow: boolean; model: string; digest: string };
      expect(decision).toMatchObject({ allow: true, model: "llama@1" });
      expect((await as("olga", ["runtime", "discover", "vllm-1"])).stdout).toContain(`llama  sha256:${decision.digest}`);

      const events = JSON.parse((await as("auditor", ["audit", "list", "--last", "50", "--format", "json"])).stdout) as Array<{
        action: string;
        decision: string;
        actor: string;
      }>;
      expect(events.filter((e) => e.action === "admission.admit").map((e) => `${e.decision}:${e.actor}`)).toEqual(["allow:init"]);
    } finally {
      await vllm.close();
    }
  }, 120_000);
});
