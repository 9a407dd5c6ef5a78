import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import type { Finding, Severity } from "../decision.js";
import { PerimeterError } from "../errors.js";
import type { Runtime } from "../inventory/types.js";
import { compareVersions, inRange, isVersion, parseRange, RUNTIME_KINDS, type RuntimeKind } from "../runtimes/versions.js";

// The runtimes' patch level: the version each reported at its last discovery, held against a table of
// known-vulnerable versions kept as data beside this module (runtime-advisories.yaml: CVE and GHSA ids, the
// affected range in the runtime's own scheme, the first fixed version, the sources read). A runtime that
// would not say its version, or says one the advisories cannot be compared with, cannot be shown patched:
// that is a finding too.

export const ADVISORIES_FILE = fileURLToPath(new URL("./runtime-advisories.yaml", import.meta.url));

const severity = z.enum(["critical", "high", "medium", "low"]);
const advisorySchema = z.strictObject({
  runtime: z.enum(RUNTIME_KINDS),
  ids: z.array(z.string().regex(/^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|GO-\d{4}-\d{4,}|PYSEC-\d{4}-\d+)$/)).min(1),
  summary: z.string().min(1),
  severity,
  affected: z.string().min(1),
  fixed: z.string().min(1).nullable(),
  sources: z.array(z.string().url()).min(1),
});
export type Advisory = z.infer<typeof advisorySchema>;

export type RuntimeFindingRule = "RUNTIME_VULNERABLE" | "RUNTIME_VERSION_UNKNOWN";

export interface RuntimePosture {
  readonly runtime: string;
  readonly type: Runtime["type"];
  readonly environment: string;
  readonly version: string | null;
  readonly kind: RuntimeKind | null;
  /** vulnerable: some advisory covers it; patched: none does; unknown: its version cannot be told or compared. */
  readonly status: "vulnerable" | "patched" | "unknown";
  readonly advisories: readonly Advisory[];
  /** The first version that fixes every advisory that covers it; null when one has no fix, or nothing covers it. */
  readonly upgradeTo: string | null;
  readonly findings: readonly Finding<RuntimeFindingRule>[];
}

let loaded: readonly Advisory[] | undefined;

/** The advisories table, read and checked once: an entry whose range or fixed version does not parse is refused. */
export function runtimeAdvisories(file = ADVISORIES_FILE): readonly Advisory[] {
  if (file === ADVISORIES_FILE && loaded !== undefined) return loaded;
  let list: unknown;
  try {
    list = parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new PerimeterError("CONFIG_INVALID", `the runtime advisories ${file} cannot be read: ${(err as Error).message}`);
  }
  const parsed = z.array(advisorySchema).safeParse(list);
  if (!parsed.success) throw new PerimeterError("CONFIG_INVALID", `the runtime advisories ${file} are malformed: ${parsed.error.issues[0]?.message ?? ""}`);
  for (const a of parsed.data) {
    parseRange(a.runtime, a.affected);
    if (a.fixed !== null && !isVersion(a.runtime, a.fixed))
      throw new PerimeterError("CONFIG_INVALID", `the runtime advisory ${a.ids[0]} names fixed version "${a.fixed}", which is not a ${a.runtime} version`);
  }
  if (file === ADVISORIES_FILE) loaded = parsed.data;
  return parsed.data;
}

const ORDER: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

export function runtimePosture(runtime: Runtime, advisories: readonly Advisory[] = runtimeAdvisories()): RuntimePosture {
  const base = { runtime: runtime.name, type: runtime.type, environment: runtime.environment };
  const reported = runtime.version;
  const unknown = (why: string): RuntimePosture => ({
    ...base,
    version: reported?.version ?? null,
    kind: reported?.kind ?? null,
    status: "unknown",
    advisories: [],
    upgradeTo: null,
    findings: [{ rule: "RUNTIME_VERSION_UNKNOWN", severity: "medium", message: `${runtime.name}: ${why}, so whether it is patched cannot be told` }],
  });
  if (reported === null) return unknown("never discovered (perimeter runtime discover), so its version is not known");
  if (reported.version === null || reported.kind === null) return unknown(`it did not say its version (${reported.note})`);
  const { version, kind } = reported;
  if (!isVersion(kind, version))
    return unknown(`it reports version "${version}", which the ${kind} advisories (written against ${SCHEMES[kind]}) cannot be compared with`);
  const hits = advisories.filter((a) => a.runtime === kind && inRange(kind, version, a.affected));
  const unfixed = hits.filter((a) => a.fixed === null);
  const fixes = hits.flatMap((a) => (a.fixed === null ? [] : [a.fixed]));
  const upgradeTo = unfixed.length > 0 || fixes.length === 0 ? null : fixes.reduce((a, b) => (compareVersions(kind, a, b) >= 0 ? a : b));
  const worst = hits.map((a) => a.severity).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0];
  const findings: Finding<RuntimeFindingRule>[] =
    worst === undefined
      ? []
      : [
          {
            rule: "RUNTIME_VULNERABLE",
            severity: worst,
            message: `${runtime.name} runs ${kind} ${version}, affected by ${hits.map((a) => a.ids[0]).join(", ")}: ${
              upgradeTo !== null
                ? `upgrade to ${upgradeTo} or later`
                : `${unfixed.map((a) => a.ids[0]).join(", ")} ${unfixed.length === 1 ? "has" : "have"} no fixed release; upgrade to ${fixes.length === 0 ? "the newest release" : `at least ${fixes.reduce((a, b) => (compareVersions(kind, a, b) >= 0 ? a : b))}`} and restrict who can reach it`
            }`,
          },
        ];
  return { ...base, version, kind, status: hits.length === 0 ? "patched" : "vulnerable", advisories: hits, upgradeTo, findings };
}

const SCHEMES: Record<RuntimeKind, string> = {
  ollama: "its releases (0.6.2)",
  vllm: "its releases (0.8.5)",
  sglang: "its releases (0.4.6.post1)",
  llamacpp: "build numbers (b5662)",
};
