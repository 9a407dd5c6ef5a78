import { describe, expect, it } from "vitest";
import { redactForClient } from "../../src/http/redact.js";

// What a client may read of an error message: the words stay, this server's paths and URLs do not.

describe("error messages for clients", () => {
  it("hide absolute file paths, file: URLs, Windows paths and URLs", () => {
    expect(redactForClient("/srv/models/llama/model.gguf no longer hashes to the approved digest")).toBe("<path> no longer hashes to the approved digest");
    expect(redactForClient("cannot read (/etc/perimeter/jwks.json): ENOENT")).toBe("cannot read (<path>): ENOENT");
    expect(redactForClient("loading file:///var/lib/x failed")).toBe("loading <path> failed");
    expect(redactForClient("C:\\models\\a.gguf is locked")).toBe("<path> is locked");
    expect(redactForClient("fetching http://10.0.0.5:8000/v1/models failed")).toBe("fetching <url> failed");
  });

  it("hide paths relative to home or here, paths that climb out of an API route, and paths mixing / and \\", () => {
    expect(redactForClient("open ~/.ollama/models/blobs/sha256-abc failed")).toBe("open <path> failed");
    expect(redactForClient("model ./models/secret/llama.gguf missing")).toBe("model <path> missing");
    expect(redactForClient("model ../models/llama.gguf missing")).toBe("model <path> missing");
    expect(redactForClient("cannot read /v1/../../srv/secret/weights.gguf")).toBe("cannot read <path>");
    expect(redactForClient("cannot read /srv\\models\\x.gguf")).toBe("cannot read <path>");
  });

  it("keep API routes, model names and plain words", () => {
    const m = 'runtime "vllm" did not answer POST /v1/chat/completions: no answer within 400 ms (model meta-llama/Llama-3.1-8B, /api/chat)';
    expect(redactForClient(m)).toBe(m);
  });
});
