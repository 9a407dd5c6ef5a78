// perimeter posture: each runtime's version, as it reported it at its last discovery, held against the known
// advisories (src/posture/runtime-advisories.yaml), with what to upgrade to; exit 1 while any runtime is
// vulnerable or its version cannot be told.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeOllama } from "../fixtures/fake-ollama.js";
import { startFakeOpenAI } from "../fixtures/fake-openai.js";
import { perimeterAsync } from "../helpers/cli.js";

interface Posture {
  runtime: string;
  version: string | null;
  kind: string | null;
  status: string;
  advisories: { ids: string[]; fixed: string | null; sources: string[] }[];
  upgradeTo: string | null;
  findings: { rule: string; severity: string; message: string }[];
}

describe("perimeter posture", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-posture-cli-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const run = (args: string[]) => perimeterAsync(args, { cwd, env: { PERIMETER_ACTOR: "ops" } });
  const postures = async () => {
    const r = await run(["posture", "--format", "json"]);
    return { code: r.code, runtimes: (JSON.parse(r.stdout) as { runtimes: Posture[] }).runtimes };
  };

  it("names a runtime on a vulnerable version, its advisories and what to upgrade to, and passes once it is upgraded", async () => {
    const old = await startFakeOllama({ models: [], version: "0.1.33" });
    const vllm = await startFakeOpenAI({ flavour: "vllm", models: [{ id: "llama" }], version: "0.8.4" });
    try {
      expect((await run(["runtime", "add", "gpu-1", "--type", "ollama", "--url", old.url])).code).toBe(0);
      expect((await run(["runtime", "add", "gpu-2", "--type", "openai", "--url", `${vllm.url}/v1`])).code).toBe(0);
      // Before discovery nothing is known of either: that is a finding, not a pass.
      const before = await postures();
      expect(before.code).toBe(1);
      expect(before.runtimes.map((p) => [p.runtime, p.status])).toEqual([
        ["gpu-1", "unknown"],
        ["gpu-2", "unknown"],
      ]);

      expect((await run(["runtime", "discover"])).code).toBe(0);
      const after = await postures();
      expect(after.code).toBe(1);
      const ollama = after.runtimes.find((p) => p.runtime === "gpu-1") as Posture;
      expect(ollama).toMatchObject({ kind: "ollama", version: "0.1.33", status: "vulnerable" });
      expect(ollama.advisories.flatMap((a) => a.ids)).toContain("CVE-2024-37032");
      expect(ollama.advisories.every((a) => a.sources.length > 0)).toBe(true);
      const gpu2 = after.runtimes.find((p) => p.runtime === "gpu-2") as Posture;
      expect(gpu2).toMatchObject({ kind: "vllm", version: "0.8.4", status: "vulnerable" });
      expect(gpu2.findings[0]?.message).toMatch(/gpu-2 runs vllm 0\.8\.4, affected by .*CVE-2025-32444/);

      const text = await run(["posture"]);
      expect(text.stdout).toMatch(/gpu-1\s+default\s+ollama\s+0\.1\.33\s+vulnerable/);
      expect(text.stdout).toMatch(/RUNTIME_VULNERABLE {2}gpu-1 runs ollama 0\.1\.33/);
    } finally {
      await old.close();
      await vllm.close();
    }

    // The same runtimes, upgraded past every advisory, pass.
    const current = await startFakeOllama({ models: [], version: "99.0.0" });
    const newer = await startFakeOpenAI({ flavour: "vllm", models: [{ id: "llama" }], version: "99.0.0" });
    try {
      expect((await run(["runtime", "remove", "gpu-1"])).code).toBe(0);
      expect((await run(["runtime", "remove", "gpu-2"])).code).toBe(0);
      expect((await run(["runtime", "add", "gpu-1", "--type", "ollama", "--url", current.url])).code).toBe(0);
      expect((await run(["runtime", "add", "gpu-2", "--type", "openai", "--url", newer.url])).code).toBe(0);
      expect((await run(["runtime", "discover"])).code).toBe(0);
      const fixed = await postures();
      expect(fixed.runtimes.map((p) => [p.runtime, p.status, p.findings.length])).toEqual([
        ["gpu-1", "patched", 0],
        ["gpu-2", "patched", 0],
      ]);
      expect(fixed.code).toBe(0);
    } finally {
      await current.close();
      await newer.close();
    }
  });

  it("reads a llama.cpp server's build from /props, and cannot tell a version no advisory is written in", async () => {
    const llama = await startFakeOpenAI({ flavour: "llamacpp", models: [{ id: "llama" }], version: "b3560-4a1b2c3" });
    const odd = await startFakeOpenAI({ flavour: "llamacpp", models: [{ id: "llama" }], version: "v0.4.0" });
    try {
      expect((await run(["runtime", "add", "cpu-1", "--type", "openai", "--url", llama.url])).code).toBe(0);
      expect((await run(["runtime", "add", "cpu-2", "--type", "openai", "--url", odd.url])).code).toBe(0);
      expect((await run(["runtime", "discover"])).code).toBe(0);
      const { code, runtimes } = await postures();
      expect(code).toBe(1);
      expect(runtimes.find((p) => p.runtime === "cpu-1")).toMatchObject({ kind: "llamacpp", status: "vulnerable" });
      expect((runtimes.find((p) => p.runtime === "cpu-1") as Posture).advisories.flatMap((a) => a.ids)).toContain("CVE-2024-42479");
      const unknown = runtimes.find((p) => p.runtime === "cpu-2") as Posture;
      expect(unknown).toMatchObject({ status: "unknown", version: "v0.4.0" });
      expect(unknown.findings[0]).toMatchObject({ rule: "RUNTIME_VERSION_UNKNOWN", message: expect.stringMatching(/build numbers/) });
    } finally {
      await llama.close();
      await odd.close();
    }
  });
});
