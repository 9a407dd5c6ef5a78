import type { Store } from "../store/store.js";
import { toCycloneDx, toSpdx3 } from "./bom.js";
import { InventoryRepository } from "./repository.js";

// The AI-BOM of the whole inventory: every model version, every runtime and what each served at its last discovery.

export interface ExportedBom {
  readonly document: object;
  readonly serialNumber: string;
  readonly models: number;
  readonly runtimes: number;
}

export async function exportBom(store: Store, format: "cyclonedx" | "spdx", toolVersion: string): Promise<ExportedBom> {
  const repo = new InventoryRepository(store);
  const models = await repo.listModels();
  const runtimes = await repo.listRuntimes();
  const served = await repo.servedModels();
  const serialNumber = `urn:uuid:${crypto.randomUUID()}`;
  const input = { models, runtimes, served, generatedAt: new Date().toISOString(), toolVersion, serialNumber };
  const document = format === "cyclonedx" ? await toCycloneDx(input) : toSpdx3(input);
  return { document, serialNumber, models: models.length, runtimes: runtimes.length };
}
