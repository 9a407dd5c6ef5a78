// Ollama discovery: GET /api/tags lists the models, POST /api/show tells what each is built from. Ollama
// is the one HTTP runtime that vouches for its weights: the modelfile /api/show returns names the GGUF blob
// by its sha256 (the FROM line), and the blob of every adapter (ADAPTER lines).

import { createHash } from "node:crypto";
import { z } from "zod";
import type { DiscoveredModel } from "./types.js";
import type { RuntimeHttp } from "./discovery.js";

/** /api/show calls in flight at once: quick on a big model library, gentle on a busy server. */
const SHOW_CONCURRENCY = 4;

// Shapes from ollama/ollama api/types.go. Go's omitempty drops empty fields, so all but the ones we key
// on are optional; unknown fields pass, because every Ollama release adds some.
const modelDetailsSchema = z
  .object({
    parent_model: z.string().optional(),
    format: z.string().optional(),
    family: z.string().optional(),
    families: z.array(z.string()).nullable().optional(),
    parameter_size: z.string().optional(),
    quantization_level: z.string().optional(),
  })
  .loose();

const tagsSchema = z
  .object({
    models: z.array(
      z
        .object({
          name: z.string().min(1),
          model: z.string().optional(),
          size: z.number().int().nonnegative().optional(),
          digest: z.string().optional(),
          details: modelDetailsSchema.optional(),
        })
        .loose(),
    ),
  })
  .loose();

type OllamaTag = z.infer<typeof tagsSchema>["models"][number];

const nonNegativeInteger = (value: unknown): boolean => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

const showSchema = z
  .object({
    modelfile: z.string(),
    template: z.string().optional(),
    details: modelDetailsSchema.optional(),
    model_info: z.record(z.string(), z.unknown()).nullable().optional(),
    capabilities: z.array(z.string()).nullable().optional(),
  })
  .loose()
  .superRefine((show, ctx) => {
    // model_info is GGUF metadata with architecture-specific keys, so the keys read below are checked here.
    const info = show.model_info ?? {};
    const architecture = info["general.architecture"];
    if (architecture !== undefined && typeof architecture !== "string") {
      ctx.addIssue({ code: "custom", path: ["model_info", "general.architecture"], message: "expected a string" });
    }
    const numeric = ["general.parameter_count"];
    if (typeof architecture === "string") numeric.push(`${architecture}.context_length`);
    for (const key of numeric) {
      if (info[key] !== undefined && !nonNegativeInteger(info[key])) {
        ctx.addIssue({ code: "custom", path: ["model_info", key], message: "expected a non-negative integer" });
      }
    }
  });

type OllamaShow = z.infer<typeof showSchema>;

export async function discoverOllama(http: RuntimeHttp): Promise<DiscoveredModel[]> {
  const tags = await http.get("/api/tags", tagsSchema, "Ollama's list of models");
  return mapWithConcurrency(tags.models, SHOW_CONCURRENCY, async (tag) => {
    const show = await http.post("/api/show", { model: tag.name }, showSchema, "Ollama's model information");
    return describeModel(tag, show);
  });
}

function describeModel(tag: OllamaTag, show: OllamaShow): DiscoveredModel {
  const blobs = modelfileBlobs(show.modelfile);
  const details: Record<string, string | number | boolean> = {};
  const put = (key: string, value: string | number | undefined | null): void => {
    if (value !== undefined && value !== null && value !== "") details[key] = value;
  };
  const modelDetails = { ...tag.details, ...show.details };
  const info = show.model_info ?? {};
  const architecture = info["general.architecture"];

  put("manifestDigest", tag.digest);
  put("format", modelDetails.format);
  put("family", modelDetails.family);
  put("parentModel", modelDetails.parent_model);
  put("parameterSize", modelDetails.parameter_size);
  put("quantization", modelDetails.quantization_level);
  put("sizeBytes", tag.size);
  if (typeof architecture === "string") {
    put("architecture", architecture);
    put("contextLength", info[`${architecture}.context_length`] as number | undefined);
  }
  put("parameterCount", info["general.parameter_count"] as number | undefined);
  if (show.template !== undefined) put("templateSha256", createHash("sha256").update(show.template, "utf8").digest("hex"));
  if (show.capabilities) put("capabilities", show.capabilities.join(","));
  if (blobs.projectors.length > 0) put("projectorDigests", blobs.projectors.join(","));

  return {
    servedName: tag.name,
    digest: blobs.weights,
    digestSource: blobs.weights === null ? "none" : "ollama-blob",
    adapterDigests: blobs.adapters,
    details,
  };
}

export interface ModelfileBlobs {
  /** sha256 of the weights blob, or null when the first FROM does not name a blob. */
  readonly weights: string | null;
  readonly adapters: readonly string[];
  /** Vision projectors: Ollama writes them as further FROM lines after the weights. */
  readonly projectors: readonly string[];
}

/**
 * The blobs named by the FROM and ADAPTER lines Ollama writes at the top of a generated modelfile
 * (`FROM /root/.ollama/models/blobs/sha256-<hex>`; its docs show `sha256:<hex>`; Windows uses backslashes).
 * Only that leading block is read: TEMPLATE, SYSTEM and LICENSE bodies follow it and may hold any text,
 * including a line that looks like FROM.
 */
export function modelfileBlobs(modelfile: string): ModelfileBlobs {
  let weights: string | null = null;
  let sawFrom = false;
  const adapters: string[] = [];
  const projectors: string[] = [];
  for (const rawLine of modelfile.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const command = /^(FROM|ADAPTER)\s+(.+)$/i.exec(line);
    if (command === null) break;
    const blob = blobDigest(command[2] ?? "");
    if ((command[1] ?? "").toUpperCase() === "ADAPTER") {
      if (blob !== null) adapters.push(blob);
    } else if (!sawFrom) {
      sawFrom = true;
      weights = blob;
    } else if (blob !== null) {
      projectors.push(blob);
    }
  }
  return { weights, adapters, projectors };
}

function blobDigest(argument: string): string | null {
  const path = argument.trim().replace(/^"(.*)"$/, "$1");
  const match = /(?:^|[\\/])sha256[-:]([0-9a-fA-F]{64})$/.exec(path);
  return match?.[1]?.toLowerCase() ?? null;
}

/** Like Promise.all over `items.map(fn)`, with at most `limit` calls in flight; stops starting calls after a failure. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
