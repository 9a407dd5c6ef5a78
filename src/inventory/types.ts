// The inventory's domain types: what a model version and a runtime are, as every part of Perimeter sees
// them. The tables behind them are src/inventory/repository.ts's; nothing else reads those tables.

import type { DiscoveredModel, RuntimeType, RuntimeVersion } from "../runtimes/types.js";

export type { RuntimeVersion };

// What runtimes report is theirs (src/runtimes/types.ts); the inventory records it as it is.
export { RUNTIME_TYPES, type DiscoveredModel, type RuntimeType, type ServedDigestSource } from "../runtimes/types.js";

export const MODEL_KINDS = ["base", "fine-tune", "adapter", "merge", "quantization"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const LICENSE_TIERS = ["permissive", "copyleft", "restricted-use", "non-commercial", "unknown"] as const;
export type LicenseTier = (typeof LICENSE_TIERS)[number];

/** Where the licence on record came from. */
export type LicenseSource = "flag" | "model-card" | "config" | "license-file" | "none";

export interface LicenseRecord {
  /** An SPDX licence expression (ids not on the SPDX list are LicenseRef-…), or null when none is known. */
  readonly expression: string | null;
  readonly tier: LicenseTier;
  readonly source: LicenseSource;
  /** Why this tier, for the report: e.g. "LicenseRef-llama3.1: Llama 3.1 Community License (use restrictions, 700M MAU cap)". */
  readonly detail: string;
}

export interface ModelFileRecord {
  /** POSIX path relative to the artifact root ("." for a single-file artifact), as in the OMS manifest. */
  readonly path: string;
  readonly size: number;
  /** sha256, lower-case hex. */
  readonly sha256: string;
  /** The scanner's content detection (gguf, safetensors, pickle, zip, ...). */
  readonly format: string;
}

/** Fields a model card carries (CycloneDX modelCard, SPDX AI profile), taken from file metadata and flags. */
export interface ModelCardFields {
  readonly description?: string;
  /** e.g. text-generation (Hugging Face pipeline tag). */
  readonly task?: string;
  /** e.g. llama (GGUF general.architecture, config.json model_type). */
  readonly architecture?: string;
  readonly parameterCount?: number;
  /** e.g. Q4_K_M, F16. */
  readonly quantization?: string;
  readonly contextLength?: number;
  /** Base models the model card itself names (README front matter base_model), to compare with the lineage on record. */
  readonly declaredBaseModels?: readonly string[];
  readonly datasets?: readonly string[];
}

export type EuAiActReviewOutcome = "substantial" | "not-substantial";

export interface EuAiActRecord {
  /** True when this version modifies a general-purpose model (fine-tune, adapter, merge of one). */
  readonly substantialModificationCandidate: boolean;
  /** The rule that set the flag, for the reviewer. */
  readonly basis: string;
  readonly review: {
    readonly outcome: EuAiActReviewOutcome;
    readonly reviewer: string;
    readonly note: string;
    readonly time: string;
  } | null;
}

export interface ModelVersion {
  /** name@version */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly kind: ModelKind;
  /** Parent ids (name@version), in the order given. */
  readonly parents: readonly string[];
  /** The OMS manifest (in-toto subject) digest of the artifact, sha256 hex. */
  readonly digest: string;
  readonly size: number;
  readonly files: readonly ModelFileRecord[];
  /** Distinct file formats, sorted. */
  readonly formats: readonly string[];
  readonly license: LicenseRecord;
  readonly owner: string | null;
  readonly source: string | null;
  /** Environments the version is registered for (e.g. dev, staging, prod). */
  readonly environments: readonly string[];
  /** A general-purpose AI model, or derived from one (EU AI Act GPAI). */
  readonly generalPurpose: boolean;
  readonly euAiAct: EuAiActRecord;
  readonly modelCard: ModelCardFields;
  readonly registeredAt: string;
  readonly registeredBy: string;
  /** Absolute path the files were registered from (where approval finds them unless told otherwise). */
  readonly location: string | null;
}

export interface Runtime {
  readonly name: string;
  readonly type: RuntimeType;
  /** http(s) base URL; for the embedded runtime, the directory of GGUF files it serves. */
  readonly url: string;
  readonly environment: string;
  /** Name of the environment variable holding the runtime's API key (never the key itself). */
  readonly apiKeyEnv: string | null;
  readonly registeredAt: string;
  readonly registeredBy: string;
  /** When discovery last succeeded; null before the first. */
  readonly discoveredAt: string | null;
  /** What the runtime said it is at its last discovery (its patch level). */
  readonly version: RuntimeVersion | null;
}

export interface ServedModel extends DiscoveredModel {
  readonly runtime: string;
  readonly discoveredAt: string;
}
