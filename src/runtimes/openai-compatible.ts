// OpenAI-compatible discovery (vLLM, SGLang, llama.cpp server, any server with GET /v1/models). These
// servers list model ids only and vouch for no weights digest, so what they serve is recorded as "none"
// and only the metadata each server adds is kept.

import { z } from "zod";
import type { DiscoveredModel } from "./types.js";
import type { RuntimeHttp } from "./discovery.js";

const count = z.number().int().nonnegative();

// OpenAI's Model object is {id, object, created, owned_by}; vLLM adds root, parent and max_model_len
// (vllm/entrypoints/openai/protocol.py ModelCard), llama.cpp server adds meta (tools/server model_meta).
const modelSchema = z
  .object({
    id: z.string().min(1),
    created: z.number().int().optional(),
    owned_by: z.string().optional(),
    root: z.string().nullable().optional(),
    parent: z.string().nullable().optional(),
    max_model_len: count.nullable().optional(),
    meta: z
      .object({
        n_vocab: count.optional(),
        n_ctx_train: count.optional(),
        n_params: count.optional(),
        size: count.optional(),
      })
      .loose()
      .nullable()
      .optional(),
  })
  .loose();

// llama.cpp also returns an Ollama-style top-level "models" array (with "size": "" strings); it is not
// OpenAI's API and is left alone.
const modelListSchema = z.object({ data: z.array(modelSchema) }).loose();

export async function discoverOpenAICompatible(http: RuntimeHttp, options: { readonly baseEndsWithV1: boolean }): Promise<DiscoveredModel[]> {
  const endpoint = options.baseEndsWithV1 ? "/models" : "/v1/models";
  const list = await http.get(endpoint, modelListSchema, "an OpenAI-compatible list of models");
  return list.data.map((model) => {
    const details: Record<string, string | number | boolean> = {};
    const put = (key: string, value: string | number | undefined | null): void => {
      if (value !== undefined && value !== null && value !== "") details[key] = value;
    };
    put("ownedBy", model.owned_by);
    put("created", model.created);
    put("root", model.root);
    put("parent", model.parent);
    put("contextLength", model.max_model_len ?? model.meta?.n_ctx_train);
    put("parameterCount", model.meta?.n_params);
    put("sizeBytes", model.meta?.size);
    put("vocabSize", model.meta?.n_vocab);
    return { servedName: model.id, digest: null, digestSource: "none", adapterDigests: [], details };
  });
}
