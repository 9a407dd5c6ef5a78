// Runtime versions compared in each runtime's own scheme, as advisories' ranges need them.

import { describe, expect, it } from "vitest";
import { compareVersions, inRange, isVersion, parseRange } from "../../src/runtimes/versions.js";

describe("runtime versions", () => {
  it("orders Ollama's semver numerically, a release candidate before its release", () => {
    expect(compareVersions("ollama", "0.1.9", "0.1.34")).toBe(-1);
    expect(compareVersions("ollama", "0.10.0", "0.9.6")).toBe(1);
    expect(compareVersions("ollama", "0.6.2-rc0", "0.6.2")).toBe(-1);
    expect(compareVersions("ollama", "v0.3.14", "0.3.14")).toBe(0);
    expect(inRange("ollama", "0.1.33", "<0.1.34")).toBe(true);
    expect(inRange("ollama", "0.1.34", "<0.1.34")).toBe(false);
  });

  it("orders vLLM's and SGLang's PEP 440: four parts, dev < rc < release < post", () => {
    expect(compareVersions("vllm", "0.10.1.1", "0.10.1")).toBe(1);
    expect(compareVersions("vllm", "0.9.0rc2", "0.9.0")).toBe(-1);
    expect(compareVersions("vllm", "0.9.0.dev1", "0.9.0rc1")).toBe(-1);
    expect(compareVersions("sglang", "0.4.6.post1", "0.4.6")).toBe(1);
    expect(compareVersions("sglang", "0.4.6.post1", "0.4.7")).toBe(-1);
    expect(compareVersions("vllm", "0.8.5+cu128", "0.8.5")).toBe(0);
    expect(inRange("vllm", "0.7.3", ">=0.6.5 <0.8.0")).toBe(true);
    expect(inRange("vllm", "0.8.0", ">=0.6.5, <0.8.0")).toBe(false);
    expect(inRange("vllm", "0.6.4", ">=0.6.5 <0.8.0")).toBe(false);
  });

  it("orders llama.cpp by build number, with or without its commit", () => {
    expect(compareVersions("llamacpp", "b999", "b3561")).toBe(-1);
    expect(compareVersions("llamacpp", "b5662-a1b2c3d", "b5662")).toBe(0);
    expect(inRange("llamacpp", "b3560", "<b3561")).toBe(true);
  });

  it("refuses what is not a version of the runtime, rather than reading it as 0", () => {
    expect(isVersion("ollama", "latest")).toBe(false);
    expect(isVersion("llamacpp", "0.3.1")).toBe(false);
    expect(isVersion("vllm", "")).toBe(false);
    expect(() => compareVersions("ollama", "dev", "0.1.0")).toThrow(/"dev" is not a ollama version/);
    expect(() => parseRange("vllm", "<0.8.0 or so")).toThrow(/not a vllm bound/);
    expect(inRange("vllm", "0.1.0", "")).toBe(true);
  });
});
