import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { PerimeterError } from "../errors.js";
import { CHECK_IDS } from "./checks.js";

// The control catalogue: the frameworks auditors ask about, each control with its id and title as the
// framework writes them, the posture checks that are evidence for it and how far that evidence goes. Kept as
// data beside this module (catalogue.yaml, with its sources), read and checked once.

export const CATALOGUE_FILE = fileURLToPath(new URL("./catalogue.yaml", import.meta.url));

export const FRAMEWORK_IDS = ["owasp-llm", "owasp-agentic", "owasp-nhi", "nist-ai-rmf", "nist-ai-600-1", "nist-csf", "eu-ai-act", "iso-42001"] as const;
export type FrameworkId = (typeof FRAMEWORK_IDS)[number];

const frameworkSchema = z.strictObject({ id: z.enum(FRAMEWORK_IDS), name: z.string().min(1), source: z.string().url() });
const controlSchema = z.strictObject({
  // YAML reads an unquoted 2.10 as a number: ids must be written as strings.
  id: z.string().min(1).max(40),
  framework: z.enum(FRAMEWORK_IDS),
  title: z.string().min(1),
  checks: z.array(z.enum(CHECK_IDS)),
  coverage: z.enum(["full", "partial", "none"]),
  why: z.string().min(1),
});
const catalogueSchema = z.strictObject({ frameworks: z.array(frameworkSchema).min(1), controls: z.array(controlSchema).min(1) }).superRefine((c, ctx) => {
  const seen = new Set<string>();
  for (const [i, control] of c.controls.entries()) {
    const key = `${control.framework} ${control.id}`;
    if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["controls", i, "id"], message: `${key} is listed twice` });
    seen.add(key);
    if ((control.coverage === "none") !== (control.checks.length === 0))
      ctx.addIssue({ code: "custom", path: ["controls", i, "coverage"], message: `${key}: coverage none exactly when no check is listed` });
  }
  const declared = new Set(c.frameworks.map((f) => f.id));
  for (const id of FRAMEWORK_IDS) if (!declared.has(id)) ctx.addIssue({ code: "custom", path: ["frameworks"], message: `framework ${id} is not declared` });
});

export type Framework = z.infer<typeof frameworkSchema>;
export type CatalogueControl = z.infer<typeof controlSchema>;
export interface Catalogue {
  readonly frameworks: readonly Framework[];
  readonly controls: readonly CatalogueControl[];
}

let loaded: Catalogue | undefined;

/** The catalogue, read and checked once; a catalogue that does not check is an error, never a shorter report. */
export function controlCatalogue(file = CATALOGUE_FILE): Catalogue {
  if (file === CATALOGUE_FILE && loaded !== undefined) return loaded;
  let data: unknown;
  try {
    data = parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new PerimeterError("CONFIG_INVALID", `cannot read the control catalogue ${file}: ${(err as Error).message}`, { cause: err });
  }
  const result = catalogueSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new PerimeterError("CONFIG_INVALID", `the control catalogue ${file} is not valid: ${issues.join("; ")}`);
  }
  if (file === CATALOGUE_FILE) loaded = result.data;
  return result.data;
}

/** --framework values to framework ids; an unknown one is a usage error naming the known ones. */
export function parseFrameworks(values: readonly string[]): FrameworkId[] {
  const out: FrameworkId[] = [];
  for (const value of values.flatMap((v) => v.split(","))) {
    const id = value.trim().toLowerCase();
    if (id === "") continue;
    if (!(FRAMEWORK_IDS as readonly string[]).includes(id))
      throw new PerimeterError("USAGE", `unknown framework "${value}": choose from ${FRAMEWORK_IDS.join(", ")}`);
    if (!out.includes(id as FrameworkId)) out.push(id as FrameworkId);
  }
  return out;
}
