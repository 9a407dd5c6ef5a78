// What each runtime says it is, asked at discovery: its patch level, held against known advisories by
// `perimeter posture`. A runtime that will not say is recorded as such, and discovery still succeeds.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverVersion } from "../../src/runtimes/discovery.js";
import { startFakeOllama, startFixtureServer, type FakeOllama, sendJson } from "../fixtures/fake-ollama.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai.js";

describe("runtime versions at discovery", () => {
  let ollama: FakeOllama;
  let vllm: FakeOpenAI;
  let llamacpp: FakeOpenAI;
  let sglang: FakeOpenAI;
  let silent: Awaited<ReturnType<typeof startFixtureServer>>;

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: [], version: "0.1.33" });
    vllm = await startFakeOpenAI({ flavour: "vllm", models: [{ id: "llama" }], version: "0.8.4", apiKey: "k-vllm" });
    llamacpp = await startFakeOpenAI({ flavour: "llamacpp", models: [{ id: "llama" }], version: "b3560-4a1b2c3", apiKey: "k-llama" });
    sglang = await startFakeOpenAI({ flavour: "sglang", models: [{ id: "qwen", root: "Qwen/Qwen2.5-7B-Instruct" }], version: "0.4.3.post2" });
    silent = await startFixtureServer((_request, res) => sendJson(res, 404, { detail: "Not Found" }));
  });
  afterAll(async () => {
    for (const s of [ollama, vllm, llamacpp, sglang, silent]) await s?.close();
  });

  it("reads Ollama's /api/version", async () => {
    expect(await discoverVersion({ name: "o", type: "ollama", url: ollama.url })).toEqual({ version: "0.1.33", kind: "ollama", note: "GET /api/version" });
  });

  it("tells vLLM from llama.cpp server behind the OpenAI-compatible API, at the server's root even when registered with /v1", async () => {
    expect(await discoverVersion({ name: "v", type: "openai", url: `${vllm.url}/v1`, apiKey: "k-vllm" })).toEqual({
      version: "0.8.4",
      kind: "vllm",
      note: "GET /version",
    });
    expect(await discoverVersion({ name: "l", type: "openai", url: llamacpp.url, apiKey: "k-llama" })).toEqual({
      version: "b3560-4a1b2c3",
      kind: "llamacpp",
      note: "GET /props",
    });
  });

  it("tells SGLang by its /get_server_info, and reads an upgrade at the next discovery", async () => {
    expect(await discoverVersion({ name: "g", type: "openai", url: `${sglang.url}/v1` })).toEqual({
      version: "0.4.3.post2",
      kind: "sglang",
      note: "GET /get_server_info",
    });
    sglang.version = "0.5.4";
    expect(await discoverVersion({ name: "g", type: "openai", url: sglang.url })).toMatchObject({ version: "0.5.4", kind: "sglang" });
  });

  it("records a runtime that says nothing as unknown, saying what it asked", async () => {
    const v = await discoverVersion({ name: "s", type: "openai", url: silent.url });
    expect(v).toMatchObject({ version: null, kind: null });
    expect(v.note).toMatch(/\/get_server_info .*\/props .*\/version/);
    // A key the server refuses is the same: no version, the reason kept.
    const refused = await discoverVersion({ name: "l", type: "openai", url: llamacpp.url, apiKey: "wrong" });
    expect(refused).toMatchObject({ version: null });
    expect(refused.note).toMatch(/401/);
  });

  it("reports the embedded runtime's llama.cpp release, from node-llama-cpp", async () => {
    const v = await discoverVersion({ name: "e", type: "embedded", url: "/nowhere" });
    expect(v).toMatchObject({ kind: "llamacpp", note: "node-llama-cpp's llama.cpp release" });
    expect(v.version).toMatch(/^(b\d+|v\d+\.\d+\.\d+)$/);
  });
});
