import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { perimeter } from "../helpers/cli.js";

describe("perimeter approve / admit / admission export / revoke", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-lifecycle-cli-"));
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(cwd, "release.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(cwd, "release.pub"), publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(
      join(cwd, "perimeter.yaml"),
      stringify({
        lifecycle: {
          roles: { approver: ["bob"], operator: ["olga"] },
          trustedSigners: [{ name: "release", publicKey: "release.pub" }],
        },
      }),
    );
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const as = (actor: string, args: string[]) => perimeter(args, { cwd, env: { PERIMETER_ACTOR: actor } });

  it("takes a model from registration to admission, offline too, and refuses it once revoked", () => {
    writeGgufModel(join(cwd, "llama"));
    expect(as("alice", ["model", "add", "llama", "--name", "llama", "--version", "1", "--environment", "prod"]).code).toBe(0);
    const early = as("bob", ["approve", "llama@1"]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /llama@1 cannot be approved:\n\s+- no scan on record: run perimeter scan .*llama --model llama@1\n\s+- no signature at .*\[APPROVAL_REFUSED\]/,
    );

    expect(as("alice", ["scan", "llama", "--model", "llama@1"]).stderr).toMatch(/recorded a clean scan of llama@1 as evidence/);
    expect(as("alice", ["sign", "key", "--private-key", "release.pem", "llama"]).code).toBe(0);
    expect(as("alice", ["approve", "llama@1"]).stderr).toMatch(
      /alice does not hold the approver role[\s\S]*alice submitted llama@1 and cannot also approve it/,
    );
    const approved = as("bob", ["approve", "llama@1"]);
    expect(approved.stderr).toBe("");
    expect(approved.stdout).toMatch(/approved llama@1 for prod \(signature by release/);
    expect(as("bob", ["model", "show", "llama@1"]).stdout).toMatch(/^llama@1 {2}approved$/m);

    const admitted = as("init", ["admit", "llama", "--environment", "prod"]);
    expect(admitted.code).toBe(0);
    expect(admitted.stdout).toMatch(/admitted: llama@1 is approved for prod/);
    expect(as("init", ["admit", "llama", "--environment", "staging"]).stderr).toMatch(/registered for prod, not for staging \[ADMISSION_DENIED\]/);

    expect(as("olga", ["admission", "export", "--environment", "prod", "--output", "bundle.json"]).code).toBe(0);
    writeFileSync(join(cwd, "bundle.pub"), as("olga", ["admission", "key"]).stdout);
    // Offline: a fresh directory with no config and no database, only the bundle and its key.
    const offline = mkdtempSync(join(tmpdir(), "perimeter-offline-"));
    try {
      const bundleArgs = ["--bundle", join(cwd, "bundle.json"), "--bundle-key", join(cwd, "bundle.pub"), "--environment", "prod"];
      const ok = perimeter(["admit", join(cwd, "llama"), ...bundleArgs, "--format", "json"], { cwd: offline });
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ allow: true, model: "llama@1" });
      appendFileSync(join(cwd, "llama", DEMO_MODEL_FILE), "changed after approval");
      const changed = perimeter(["admit", join(cwd, "llama"), ...bundleArgs], { cwd: offline });
      expect(changed.code).toBe(1);
      expect(changed.stderr).toMatch(/is not a model version in the admission bundle/);
    } finally {
      rmSync(offline, { recursive: true, force: true });
    }

    expect(as("olga", ["revoke", "llama@1", "--reason", "recalled by the vendor"]).code).toBe(0);
    expect(as("bob", ["model", "show", "llama@1", "--format", "json"]).stdout).toMatch(/"state": "revoked"/);
    const log = JSON.parse(as("auditor", ["audit", "list", "--last", "100", "--format", "json"]).stdout) as Array<{
      action: string;
      decision: string;
      actor: string;
    }>;
    expect(log.map((e) => `${e.action}:${e.decision}:${e.actor}`)).toEqual(
      expect.arrayContaining([
        "model.approve:deny:bob",
        "model.approve:deny:alice",
        "model.approve:allow:bob",
        "admission.admit:allow:init",
        "admission.admit:deny:init",
        "model.revoke:allow:olga",
      ]),
    );
  });
});
