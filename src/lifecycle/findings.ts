import type { Finding } from "../decision.js";
import { inventoryFindings, type InventoryFinding } from "../inventory/findings.js";
import type { ModelVersion } from "../inventory/types.js";
import type { Store } from "../store/store.js";
import { LifecycleRepository, type Evidence, type LifecycleState } from "./repository.js";

// The findings open on a version: what the inventory finds wrong with its record, and what its scans say —
// never scanned, scanned and refused, or scanned as other bytes than it now holds. A revoked or deprecated
// version is out of service, so its scan findings are no longer open.

export type ScanFindingRule = "SCAN_MISSING" | "SCAN_REFUSED" | "SCAN_STALE";

export interface ScanFinding extends Finding<ScanFindingRule> {
  readonly severity: "high" | "medium";
}

export type VersionFinding = InventoryFinding | ScanFinding;

const IN_SERVICE: readonly LifecycleState[] = ["registered", "evaluated", "approved", "deployed"];

export function scanFindings(v: ModelVersion, state: LifecycleState, scan: Evidence | undefined): ScanFinding[] {
  if (!IN_SERVICE.includes(state)) return [];
  const rescan = `perimeter scan ${v.location ?? "PATH"} --model ${v.id}`;
  if (scan === undefined) return [{ rule: "SCAN_MISSING", severity: "medium", message: `never scanned: run ${rescan}; approval needs a clean scan` }];
  if (scan.digest !== v.digest)
    return [
      {
        rule: "SCAN_STALE",
        severity: "high",
        message: `the last scan (${scan.createdAt}) covered other bytes (digest ${scan.digest.slice(0, 12)}…) than ${v.id} holds (${v.digest.slice(0, 12)}…): run ${rescan}`,
      },
    ];
  if (scan.verdict === "pass") return [];
  const refused = (scan.body["refused"] as Array<{ path?: unknown; verdict?: unknown; rules?: unknown }> | undefined) ?? [];
  const named = refused
    .slice(0, 5)
    .map((r) => `${String(r.path)} is ${String(r.verdict)}${Array.isArray(r.rules) && r.rules.length > 0 ? ` (${r.rules.join(", ")})` : ""}`)
    .join("; ");
  return [
    {
      rule: "SCAN_REFUSED",
      severity: "high",
      message: `the last scan (${scan.createdAt}) refused it${named === "" ? "" : `: ${named}`}. Reject it (perimeter retire ${v.id} --to revoked) or replace the files and scan again`,
      ...(refused.length === 0 ? {} : { location: String(refused[0]?.path) }),
    },
  ];
}

/** Every open finding of these versions, by version id. */
export async function openFindings(store: Store, versions: readonly ModelVersion[]): Promise<Map<string, VersionFinding[]>> {
  const repo = new LifecycleRepository(store);
  const states = await repo.states(versions.map((v) => v.id));
  const scans = await repo.latestOfEach(
    versions.map((v) => v.id),
    "scan",
  );
  return new Map(versions.map((v) => [v.id, [...inventoryFindings(v), ...scanFindings(v, states.get(v.id)?.state ?? "registered", scans.get(v.id))]] as const));
}
