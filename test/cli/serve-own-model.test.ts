import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildDemoModel } from "../../src/runtimes/demo-model.js";
import { freePort } from "../helpers/replicas.js";

// The README's "Serve your own model", run as written: its shell blocks, in order, in a new directory, with
// `npx perimeter` being this checkout's CLI and ~/Downloads/my-model.gguf a generated tiny GGUF. The only
// changes are the port (a free one instead of 8080) and waiting for the gateway to answer before calling it.

const BIN = fileURLToPath(new URL("../../bin/perimeter.js", import.meta.url));
const README = fileURLToPath(new URL("../../README.md", import.meta.url));

function readmeBlocks(): string[] {
  const text = readFileSync(README, "utf8");
  const start = text.indexOf("\n## Serve your own model\n");
  if (start < 0) throw new Error('README.md has no section "Serve your own model"');
  const end = text.indexOf("\n## ", start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

describe("serve your own model, as the README says", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "perimeter-own-model-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("takes a GGUF file through register, scan, sign, approve, runtime, discovery and an identity to a chat answer through the gateway", async () => {
    const blocks = readmeBlocks();
    expect(blocks).toHaveLength(3);
    const [setup, serve, call] = blocks as [string, string, string];
    expect(serve.trim()).toBe("npx perimeter serve --port 8080");

    const home = join(root, "home");
    mkdirSync(join(home, "Downloads"), { recursive: true });
    writeFileSync(join(home, "Downloads", "my-model.gguf"), buildDemoModel({ seed: 42 }));
    const shims = join(root, "bin");
    mkdirSync(shims);
    writeFileSync(
      join(shims, "npx"),
      `#!/bin/sh\nif [ "$1" = perimeter ]; then shift; exec "${process.execPath}" "${BIN}" "$@"; fi\necho "npx $1 is not part of the README" >&2; exit 127\n`,
    );
    chmodSync(join(shims, "npx"), 0o755);
    const project = join(root, "project");
    mkdirSync(project);

    const port = await freePort();
    const script = [
      "set -euo pipefail",
      setup,
      `${serve.trim()} &`,
      "SERVE=$!",
      "trap 'kill $SERVE 2>/dev/null || true' EXIT",
      `for i in $(seq 1 300); do curl -sf http://127.0.0.1:8080/healthz >/dev/null && break; sleep 0.2; done`,
      "echo '--- answer'",
      call,
    ]
      .join("\n")
      .replaceAll("8080", String(port));
    const run = spawnSync("bash", ["-c", script], {
      cwd: project,
      env: { PATH: `${shims}:${process.env["PATH"] ?? ""}`, HOME: home },
      encoding: "utf8",
      timeout: 170_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(run.stdout).toMatch(/approved my-model@1 for default/);
    expect(run.stdout).toMatch(/local: 1 model\n {2}my-model\/my-model {2}sha256:[0-9a-f]{64}/);
    expect(run.stdout).toMatch(/no drift: 1 served model\(s\) on 1 runtime\(s\) match the inventory/);
    const answer = JSON.parse(run.stdout.slice(run.stdout.indexOf("--- answer") + "--- answer".length)) as {
      model: string;
      choices: Array<{ message: { role: string } }>;
      usage: { completion_tokens: number };
    };
    expect(answer.model).toBe("my-model@1");
    expect(answer.choices[0]?.message.role).toBe("assistant");
    expect(answer.usage.completion_tokens).toBeGreaterThan(0);
  }, 180_000);
});
