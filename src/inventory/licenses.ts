// The licence of a model version: which licence an artifact declares (model card, config.json, licence
// texts), the SPDX expression Perimeter records for it, and the tier a policy or a report acts on.
//
// Open-weight models mostly ship under licences the SPDX list does not carry (Llama, Gemma, the RAIL family,
// Qwen, Mistral's MNPL ...). Hugging Face names them by bare ids (`license: llama3.1`); Perimeter records
// them as `LicenseRef-<id>` so that every expression it stores stays a valid SPDX expression.

import { constants } from "node:fs";
import { open, readdir, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import parseSpdx from "spdx-expression-parse";
import spdxDeprecatedIds from "spdx-license-ids/deprecated.json" with { type: "json" };
import spdxIds from "spdx-license-ids/index.json" with { type: "json" };
import { parseDocument } from "yaml";
import { z } from "zod";
import { PerimeterError } from "../errors.js";
import type { LicenseRecord, LicenseSource, LicenseTier, ModelCardFields } from "./types.js";

export type KnownLicenseTier = Exclude<LicenseTier, "unknown">;

export interface LicenseTableEntry {
  readonly tier: KnownLicenseTier;
  /** One line for a person: the licence's name and the obligation that decides its tier. */
  readonly description: string;
}

export interface LicenseTableRow extends LicenseTableEntry {
  /** The id Perimeter records: an SPDX list id, or LicenseRef-<Hugging Face id> for a licence the list lacks. */
  readonly id: string;
  /** Other ids and spellings of the same licence: Hugging Face ids, deprecated SPDX ids, names as people write them. */
  readonly aliases: readonly string[];
}

/**
 * Licences an operator adds in perimeter.yaml (inventory.licenses), keyed by id (an SPDX id, LicenseRef-… or a
 * bare Hugging Face style id): as the config holds them, or as a Map. They override the table.
 */
export type ExtraLicenses = ReadonlyMap<string, LicenseTableEntry> | Readonly<Record<string, LicenseTableEntry>>;

/** What an operator does about a licence Perimeter cannot place. */
const WHAT_TO_DO = "record its SPDX id with --license, or add it to inventory.licenses in perimeter.yaml";

const row = (id: string, tier: KnownLicenseTier, description: string, aliases: readonly string[] = []): LicenseTableRow => ({
  id,
  tier,
  description,
  aliases,
});
/** A licence known only by its Hugging Face id: recorded as LicenseRef-<id>. */
const hf = (hfId: string, tier: KnownLicenseTier, description: string, aliases: readonly string[] = []): LicenseTableRow =>
  row(`LicenseRef-${hfId}`, tier, description, [hfId, ...aliases]);

const RAIL = "use-based restrictions that pass on to every downstream user";

const HAND_WRITTEN_ROWS: readonly LicenseTableRow[] = [
  // permissive
  row("MIT", "permissive", "MIT License: use, modify and redistribute freely; keep the copyright notice", ["Expat"]),
  row("MIT-0", "permissive", "MIT No Attribution: use, modify and redistribute freely"),
  row("Apache-2.0", "permissive", "Apache License 2.0: use freely with a patent grant; keep notices and state changes", ["Apache", "ASL 2.0"]),
  row("BSD-2-Clause", "permissive", "BSD 2-Clause License: use freely; keep the copyright notice", ["Simplified BSD"]),
  row("BSD-3-Clause", "permissive", "BSD 3-Clause License: use freely; keep the notice; do not use the authors' names to endorse", ["New BSD", "Revised BSD"]),
  row("BSD-3-Clause-Clear", "permissive", "BSD 3-Clause Clear License: use freely; no patent licence is granted"),
  hf("bsd", "permissive", "a BSD licence, clause count not stated: use freely; keep the copyright notice"),
  row("0BSD", "permissive", "Zero-Clause BSD: use freely, no conditions"),
  row("ISC", "permissive", "ISC License: use freely; keep the copyright notice"),
  row("Unlicense", "permissive", "The Unlicense: dedicated to the public domain"),
  row("CC0-1.0", "permissive", "Creative Commons Zero 1.0: dedicated to the public domain", ["CC0"]),
  row("BSL-1.0", "permissive", "Boost Software License 1.0: use freely; keep the notice in source copies", ["Boost Software License 1.0", "Boost"]),
  row("Zlib", "permissive", "zlib License: use freely; do not misrepresent the origin; mark altered versions"),
  row("PostgreSQL", "permissive", "PostgreSQL License: use freely; keep the copyright notice"),
  row("NCSA", "permissive", "University of Illinois/NCSA Open Source License: use freely; keep the notices"),
  row("AFL-3.0", "permissive", "Academic Free License 3.0: use freely with a patent grant; keep the notices"),
  row("Artistic-2.0", "permissive", "Artistic License 2.0: use freely; rename or publish modified versions"),
  row("ECL-2.0", "permissive", "Educational Community License 2.0: Apache 2.0 terms with a narrower patent grant"),
  row("etalab-2.0", "permissive", "Etalab Open License 2.0: reuse freely; credit the source"),
  row("WTFPL", "permissive", "WTFPL: no conditions"),
  row("UPL-1.0", "permissive", "Universal Permissive License 1.0: use freely with a patent grant; keep the notice"),
  row("BlueOak-1.0.0", "permissive", "Blue Oak Model License 1.0.0: use freely with a patent grant; pass the licence on"),
  row("Python-2.0", "permissive", "Python License 2.0: use freely; keep the notices"),
  row("CDLA-Permissive-1.0", "permissive", "Community Data License Agreement Permissive 1.0: use data freely; keep the notice"),
  row("CDLA-Permissive-2.0", "permissive", "Community Data License Agreement Permissive 2.0: use data freely; keep the licence text"),
  row("ODC-By-1.0", "permissive", "Open Data Commons Attribution 1.0: use data freely; credit the source", ["odc-by"]),
  row("PDDL-1.0", "permissive", "Open Data Commons Public Domain Dedication 1.0: public domain", ["pddl"]),
  row("OpenMDW-1.0", "permissive", "Open Model, Data & Weights License 1.0: use, modify and redistribute model materials freely; keep the notice"),
  hf("apple-ascl", "permissive", "Apple Sample Code License: use freely; keep the notice; no patent licence, no use of Apple's marks", [
    "Apple Sample Code License",
  ]),

  // copyleft
  row("GPL-2.0-only", "copyleft", "GNU GPL 2.0 only: distributed works must ship source under the same licence", ["GPL-2.0", "GPLv2", "GPL2"]),
  row("GPL-2.0-or-later", "copyleft", "GNU GPL 2.0 or later: distributed works must ship source under the same licence", ["GPL-2.0+"]),
  row("GPL-3.0-only", "copyleft", "GNU GPL 3.0 only: distributed works must ship source under the same licence", ["GPL-3.0", "GPLv3", "GPL3"]),
  row("GPL-3.0-or-later", "copyleft", "GNU GPL 3.0 or later: distributed works must ship source under the same licence", ["GPL-3.0+"]),
  hf("gpl", "copyleft", "GNU GPL, version not stated: distributed works must ship source under the same licence"),
  row("LGPL-2.0-only", "copyleft", "GNU LGPL 2.0 only: changes to the library must ship source; linking works may differ", ["LGPL-2.0"]),
  row("LGPL-2.0-or-later", "copyleft", "GNU LGPL 2.0 or later: changes to the library must ship source; linking works may differ", ["LGPL-2.0+"]),
  row("LGPL-2.1-only", "copyleft", "GNU LGPL 2.1 only: changes to the library must ship source; linking works may differ", ["LGPL-2.1", "LGPLv2.1"]),
  row("LGPL-2.1-or-later", "copyleft", "GNU LGPL 2.1 or later: changes to the library must ship source; linking works may differ", ["LGPL-2.1+"]),
  row("LGPL-3.0-only", "copyleft", "GNU LGPL 3.0 only: changes to the library must ship source; linking works may differ", ["LGPL-3.0", "LGPLv3"]),
  row("LGPL-3.0-or-later", "copyleft", "GNU LGPL 3.0 or later: changes to the library must ship source; linking works may differ", ["LGPL-3.0+"]),
  hf("lgpl", "copyleft", "GNU LGPL, version not stated: changes to the library must ship source"),
  hf("lgpl-lr", "copyleft", "Lesser General Public License for Linguistic Resources: changes to the resource must be shared alike"),
  row("AGPL-3.0-only", "copyleft", "GNU AGPL 3.0 only: serving the model over a network obliges you to offer its source", ["AGPL-3.0", "AGPLv3"]),
  row("AGPL-3.0-or-later", "copyleft", "GNU AGPL 3.0 or later: serving the model over a network obliges you to offer its source", ["AGPL-3.0+"]),
  row("MPL-2.0", "copyleft", "Mozilla Public License 2.0: changed files must ship source under the same licence", ["Mozilla Public License 2.0"]),
  row("MPL-1.1", "copyleft", "Mozilla Public License 1.1: changed files must ship source under the same licence"),
  row("EPL-1.0", "copyleft", "Eclipse Public License 1.0: changed modules must ship source under the same licence"),
  row("EPL-2.0", "copyleft", "Eclipse Public License 2.0: changed modules must ship source under the same licence", ["Eclipse Public License 2.0"]),
  row("EUPL-1.1", "copyleft", "European Union Public Licence 1.1: distributed or served works must share source"),
  row("EUPL-1.2", "copyleft", "European Union Public Licence 1.2: distributed or served works must share source"),
  row("OSL-3.0", "copyleft", "Open Software License 3.0: distributed or served works must share source under the same licence"),
  row("CDDL-1.0", "copyleft", "Common Development and Distribution License 1.0: changed files must ship source"),
  row("CDDL-1.1", "copyleft", "Common Development and Distribution License 1.1: changed files must ship source"),
  row("MS-PL", "copyleft", "Microsoft Public License: source distributions stay under the same licence"),
  row("MS-RL", "copyleft", "Microsoft Reciprocal License: changed files must ship source under the same licence"),
  row("OFL-1.1", "copyleft", "SIL Open Font License 1.1: derived fonts stay under the same licence"),
  row("CDLA-Sharing-1.0", "copyleft", "Community Data License Agreement Sharing 1.0: shared data stays under the same terms"),
  row("ODbL-1.0", "copyleft", "Open Database License 1.0: derived databases must be shared alike", ["odbl"]),
  hf("gfdl", "copyleft", "GNU Free Documentation License, version not stated: derived works stay under the same licence"),
  row("SSPL-1.0", "copyleft", "Server Side Public License 1.0: offering it as a service obliges you to release the whole service's source"),

  // restricted-use: open-weight community licences with acceptable-use policies, user caps or field-of-use limits
  hf("llama2", "restricted-use", "Llama 2 Community License (acceptable use policy, 700M monthly active users cap, may not improve other LLMs)", [
    "Llama 2 Community License",
  ]),
  hf("llama3", "restricted-use", "Meta Llama 3 Community License (acceptable use policy, 700M MAU cap, 'Built with Meta Llama 3' attribution)", [
    "Meta Llama 3 Community License",
  ]),
  hf("llama3.1", "restricted-use", "Llama 3.1 Community License (use restrictions, 700M MAU cap)", ["Llama 3.1 Community License"]),
  hf("llama3.2", "restricted-use", "Llama 3.2 Community License (use restrictions, 700M MAU cap; multimodal models not licensed to EU-based entities)", [
    "Llama 3.2 Community License",
  ]),
  hf("llama3.3", "restricted-use", "Llama 3.3 Community License (use restrictions, 700M MAU cap)", ["Llama 3.3 Community License"]),
  hf("llama4", "restricted-use", "Llama 4 Community License (use restrictions, 700M MAU cap, 'Built with Llama' attribution)", ["Llama 4 Community License"]),
  hf("gemma", "restricted-use", "Gemma Terms of Use (prohibited use policy that passes on to every user; Google may restrict use)", ["Gemma Terms of Use"]),
  hf("openrail", "restricted-use", `Open RAIL licence family (${RAIL})`, ["Open RAIL"]),
  // "+" is not allowed in a LicenseRef, so openrail++ is recorded under a spelled-out id.
  row("LicenseRef-openrail-plusplus", "restricted-use", `CreativeML Open RAIL++-M (${RAIL})`, ["openrail++", "CreativeML Open RAIL++-M"]),
  hf("bigscience-openrail-m", "restricted-use", `BigScience Open RAIL-M (${RAIL})`, ["BigScience OpenRAIL-M"]),
  hf("creativeml-openrail-m", "restricted-use", `CreativeML Open RAIL-M (${RAIL})`, ["CreativeML OpenRAIL-M"]),
  hf("bigscience-bloom-rail-1.0", "restricted-use", `BigScience BLOOM RAIL 1.0 (${RAIL})`, ["BigScience BLOOM RAIL 1.0"]),
  hf("bigcode-openrail-m", "restricted-use", `BigCode Open RAIL-M v1 (${RAIL})`, ["BigCode OpenRAIL-M"]),
  hf("deepseek", "restricted-use", `DeepSeek License Agreement (${RAIL})`, ["DeepSeek License Agreement", "deepseek-license"]),
  hf("qwen", "restricted-use", "Tongyi Qianwen (Qwen) License Agreement (use restrictions; above 100M monthly active users needs Alibaba's permission)", [
    "tongyi-qianwen",
    "Tongyi Qianwen License Agreement",
    "Qwen License Agreement",
  ]),
  hf("falcon", "restricted-use", "TII Falcon License (acceptable use policy that passes on to every user; hosting terms)", [
    "falcon-llm-license",
    "TII Falcon License",
    "Falcon LLM License",
  ]),
  hf("nvidia-open-model-license", "restricted-use", "NVIDIA Open Model License (rights end if guardrails are bypassed; trustworthy-AI terms)", [
    "NVIDIA Open Model License",
  ]),
  hf("stabilityai-ai-community", "restricted-use", "Stability AI Community License (free below USD 1M annual revenue; an enterprise licence above)", [
    "Stability AI Community License",
  ]),
  hf("c-uda", "restricted-use", "Computational Use of Data Agreement (data may be used for computational analysis only)"),
  row("Hippocratic-2.1", "restricted-use", "Hippocratic License 2.1 (may not be used to violate human rights)"),
  row("Hippocratic-3.0-core", "restricted-use", "Hippocratic License 3.0 core (may not be used to violate human rights)"),
  row("BUSL-1.1", "restricted-use", "Business Source License 1.1 (production use only as the licensor's additional use grant allows, until the change date)"),
  row("Elastic-2.0", "restricted-use", "Elastic License 2.0 (may not be offered as a managed service)"),

  // non-commercial: research or evaluation only
  row("PolyForm-Noncommercial-1.0.0", "non-commercial", "PolyForm Noncommercial 1.0.0: no commercial use"),
  hf("mnpl", "non-commercial", "Mistral AI Non-Production License (research and evaluation only; no production or commercial use)", [
    "mnpl-0.1",
    "Mistral AI Non-Production License",
  ]),
  hf("mrl", "non-commercial", "Mistral AI Research License (research use only; commercial use needs a separate licence)", ["Mistral AI Research License"]),
  hf("qwen-research", "non-commercial", "Qwen Research License Agreement (non-commercial research use only)", ["Qwen Research License Agreement"]),
  hf("deepfloyd-if-license", "non-commercial", "DeepFloyd IF License (non-commercial research use only)"),
  hf("fair-noncommercial-research-license", "non-commercial", "FAIR Noncommercial Research License (non-commercial research use only)"),
  hf("apple-amlr", "non-commercial", "Apple Machine Learning Research Model License (research use only)"),
  hf("intel-research", "non-commercial", "Intel Research Use License (non-commercial research use only)"),
];

/** Every Creative Commons Attribution licence on the SPDX list, ports included: the family is too large to keep by hand. */
function creativeCommonsRows(): LicenseTableRow[] {
  const rows: LicenseTableRow[] = [];
  for (const id of spdxIds) {
    const m = /^CC-BY(-NC)?(-SA|-ND)?-(\d\.\d)(-[A-Za-z]+)?$/.exec(id);
    if (!m) continue;
    const [, nc, variant, version, port] = m;
    const name = `Creative Commons Attribution${nc ? "-NonCommercial" : ""}${variant === "-SA" ? "-ShareAlike" : variant === "-ND" ? "-NoDerivatives" : ""} ${version}${port ? ` (${port.slice(1)} port)` : ""}`;
    const derivatives = variant === "-SA" ? "; share adaptations alike" : variant === "-ND" ? "; fine-tunes, adapters and merges may not be shared" : "";
    if (nc) rows.push(row(id, "non-commercial", `${name}: no commercial use${derivatives}; credit the author`));
    else if (variant === "-ND") rows.push(row(id, "restricted-use", `${name}: no derivatives${derivatives}; credit the author`));
    else if (variant === "-SA") rows.push(row(id, "copyleft", `${name}: credit the author${derivatives}`));
    else rows.push(row(id, "permissive", `${name}: use freely; credit the author`));
  }
  return rows;
}

/** Perimeter's licence table, sorted by id. */
export const LICENSE_TABLE: readonly LicenseTableRow[] = [...HAND_WRITTEN_ROWS, ...creativeCommonsRows()].sort((a, b) =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
);

// --- lookups -------------------------------------------------------------------------------------------------

const LICENSE_REF = /^licenseref-/i;

/** The key that makes common spellings meet: "Apache License, Version 2.0", "apache 2", "Apache-2.0" → apache20. */
function spellingKey(s: string): string {
  let k = s.toLowerCase();
  const withoutAsides = k.replace(/\([^)]*\)/g, " ");
  if (/[a-z0-9]/.test(withoutAsides)) k = withoutAsides; // "The MIT License (MIT)", but not "(MIT)"
  k = k
    .replace(/\bcreative commons\b/g, " cc ")
    .replace(/\bgnu\b/g, " ")
    .replace(/\baffero general public\b/g, " agpl ")
    .replace(/\b(?:lesser|library) general public\b/g, " lgpl ")
    .replace(/\bgeneral public\b/g, " gpl ")
    .replace(/\battribution\b/g, " by ")
    .replace(/\bnon[\s-]?commercial\b/g, " nc ")
    .replace(/\bshare[\s-]?alike\b/g, " sa ")
    .replace(/\bno[\s-]?deriv(?:ative)?s\b/g, " nd ")
    .replace(/\bor(?:[\s-]+any)?[\s-]+later\b/g, " orlater ")
    .replace(/\+/g, " orlater ")
    .replace(/\b(?:the|licen[cs]es?|version|international|public|agreement|generic|unported|community|meta)\b/g, " ")
    .replace(/v(?=\d)/g, "")
    // "GPLv3", "GPL-3" and "GPL-3.0" must meet: a lone major version gets its ".0".
    .replace(/(^|[^\d.])(\d)(?![\d.])/g, "$1$2.0");
  return k.replace(/[^a-z0-9]/g, "");
}

interface Lookup {
  /** Lower-cased id or alias → row; a LicenseRef id is also found without its prefix. */
  readonly exact: ReadonlyMap<string, LicenseTableRow>;
  /** spellingKey → row, for a whole input written as people write licence names. */
  readonly spelling: ReadonlyMap<string, LicenseTableRow>;
  /** Recorded id → row. */
  readonly byId: ReadonlyMap<string, LicenseTableRow>;
}

function buildLookup(rows: readonly LicenseTableRow[]): Lookup {
  const exact = new Map<string, LicenseTableRow>();
  const spelling = new Map<string, LicenseTableRow | null>();
  const byId = new Map<string, LicenseTableRow>();
  for (const r of rows) {
    byId.set(r.id, r);
    for (const name of [r.id, ...r.aliases]) {
      exact.set(name.toLowerCase(), r);
      if (LICENSE_REF.test(name)) exact.set(name.slice("LicenseRef-".length).toLowerCase(), r);
      const key = spellingKey(name);
      const seen = spelling.get(key);
      // Two licences that spell alike are left to their exact ids rather than guessed between.
      if (key !== "") spelling.set(key, seen === undefined || seen?.id === r.id ? r : null);
    }
  }
  const unambiguous = new Map<string, LicenseTableRow>();
  for (const [k, r] of spelling) if (r) unambiguous.set(k, r);
  return { exact, spelling: unambiguous, byId };
}

const BUILT_IN = buildLookup(LICENSE_TABLE);

/** Every id on the SPDX list, current and deprecated, by its lower-cased form: ids are case-insensitive, the parser is not. */
const SPDX_CANONICAL: ReadonlyMap<string, string> = new Map([...spdxIds, ...spdxDeprecatedIds].map((id) => [id.toLowerCase(), id]));

/** An extra table entry's key as a recorded id: an SPDX id in its canonical case, anything else a LicenseRef. */
function extraId(key: string): string {
  const k = key.trim();
  const known = BUILT_IN.exact.get(k.toLowerCase())?.id ?? SPDX_CANONICAL.get(k.toLowerCase());
  if (known) return known;
  return `LicenseRef-${k.replace(LICENSE_REF, "").replace(/[^A-Za-z0-9.-]+/g, "-")}`;
}

function isMap(extra: ExtraLicenses): extra is ReadonlyMap<string, LicenseTableEntry> {
  return extra instanceof Map;
}

const extraLookups = new WeakMap<ExtraLicenses, Lookup>();

function lookupFor(extra: ExtraLicenses | undefined): Lookup {
  if (!extra) return BUILT_IN;
  const cached = extraLookups.get(extra);
  if (cached) return cached;
  const entries: [string, LicenseTableEntry][] = isMap(extra) ? [...extra] : Object.entries(extra);
  if (entries.length === 0) return BUILT_IN;
  const overrides = new Map<string, LicenseTableRow>();
  for (const [key, entry] of entries) {
    const id = extraId(key);
    overrides.set(id, row(id, entry.tier, entry.description, [key, ...(BUILT_IN.byId.get(id)?.aliases ?? [])]));
  }
  const lookup = buildLookup([...LICENSE_TABLE.filter((r) => !overrides.has(r.id)), ...overrides.values()]);
  extraLookups.set(extra, lookup);
  return lookup;
}

// --- normalising to an SPDX expression --------------------------------------------------------------------------

/** Longer than any real licence expression: beyond this the input is not one, and parsing it is wasted work. */
const MAX_EXPRESSION_CHARS = 1000;
const MAX_TOKENS = 128;
// The SPDX parser and the tier walk recurse once per operator and parenthesis: bound both.
const MAX_PAREN_DEPTH = 16;

type Normalised = { readonly expression: string; readonly problem?: undefined } | { readonly expression: null; readonly problem: string };

/** One licence id as written → the id Perimeter records. */
function resolveId(token: string, lookup: Lookup): string {
  const known = lookup.exact.get(token.toLowerCase());
  if (known) return known.id;
  if (LICENSE_REF.test(token)) return `LicenseRef-${token.slice("LicenseRef-".length)}`;
  if (/^documentref-/i.test(token)) return token;
  const spdx = SPDX_CANONICAL.get(token.toLowerCase());
  if (spdx) return spdx;
  // A bare id Hugging Face style ("my-org-license"): record it as a LicenseRef so the expression stays valid.
  if (/^[A-Za-z0-9.-]+$/.test(token)) return `LicenseRef-${token}`;
  return token;
}

/** One licence term as written, with SPDX's "+" (or later) read as the -or-later id where there is one. */
function resolveLicenseToken(token: string, lookup: Lookup): string {
  // Whole first: "openrail++" is an id, not openrail twice "or later".
  const whole = lookup.exact.get(token.toLowerCase());
  if (whole) return whole.id;
  if (!token.endsWith("+") || token.length === 1) return resolveId(token, lookup);
  const base = resolveId(token.slice(0, -1), lookup);
  const orLater = base.endsWith("-only") ? lookup.byId.get(`${base.slice(0, -"-only".length)}-or-later`) : undefined;
  if (orLater) return orLater.id;
  if (!LICENSE_REF.test(base) && SPDX_CANONICAL.has(base.toLowerCase())) return `${base}+`;
  return token; // a "+" on a LicenseRef is not SPDX: left for the parser to refuse
}

/** Special values that say no licence is stated (SPDX's NOASSERTION and NONE, Hugging Face's other and unknown). */
const NO_LICENCE = /^(?:noassertion|none|other|unknown)$/i;

function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

function normalise(input: string, lookup: Lookup): Normalised {
  const text = input.trim();
  if (text.length > MAX_EXPRESSION_CHARS) return { expression: null, problem: `it is longer than ${MAX_EXPRESSION_CHARS} characters` };
  if (text === "" || NO_LICENCE.test(text)) return { expression: null, problem: "it names no licence" };
  const whole = lookup.exact.get(text.toLowerCase()) ?? (balanced(text) ? lookup.spelling.get(spellingKey(text)) : undefined);
  if (whole) return { expression: whole.id };

  const tokens = text.split(/(\s+|\(|\))/).filter((t) => t.trim() !== "");
  if (tokens.length > MAX_TOKENS) return { expression: null, problem: `it has more than ${MAX_TOKENS} terms` };
  let depth = 0;
  let afterWith = false;
  const out: string[] = [];
  for (const t of tokens) {
    if (t === "(" || t === ")") {
      depth += t === "(" ? 1 : -1;
      if (depth > MAX_PAREN_DEPTH) return { expression: null, problem: `it nests parentheses deeper than ${MAX_PAREN_DEPTH}` };
      out.push(t);
      afterWith = false;
    } else if (/^(?:and|or|with)$/i.test(t)) {
      out.push(t.toUpperCase());
      afterWith = t.toUpperCase() === "WITH";
    } else {
      out.push(afterWith ? t : resolveLicenseToken(t, lookup));
      afterWith = false;
    }
  }
  const expression = out.join(" ").replace(/\( /g, "(").replace(/ \)/g, ")");
  try {
    parseSpdx(expression);
  } catch (err) {
    return { expression: null, problem: `it is not a valid SPDX expression (${err instanceof Error ? err.message : String(err)})` };
  }
  return { expression };
}

/**
 * The SPDX expression Perimeter records for what a model card, a flag or a person wrote: an SPDX expression
 * (any case), a Hugging Face id (llama3.1 → LicenseRef-llama3.1) or a common spelling ("Apache 2.0",
 * "GPLv3", "CC BY-NC 4.0"). Null when the input is not a licence expression at all.
 */
export function normaliseLicenseExpression(input: string, extra?: ExtraLicenses): string | null {
  return normalise(input, lookupFor(extra)).expression;
}

// --- tiers ------------------------------------------------------------------------------------------------------

/** How restrictive a tier is; unknown ranks above everything because an unplaced licence must fail closed. */
const TIER_RANK: Readonly<Record<LicenseTier, number>> = {
  permissive: 0,
  copyleft: 1,
  "restricted-use": 2,
  "non-commercial": 3,
  unknown: 4,
};

interface Leaf {
  readonly label: string;
  readonly row: LicenseTableRow | undefined;
}

interface Evaluation {
  readonly tier: LicenseTier;
  readonly leaves: readonly Leaf[];
  readonly operators: ReadonlySet<"and" | "or">;
}

function leafRow(info: parseSpdx.LicenseInfo, lookup: Lookup): LicenseTableRow | undefined {
  if (info.plus) {
    // "GPL-2.0+" is GPL-2.0-or-later; for a licence without one, "+" changes nothing a tier depends on.
    const orLater = lookup.byId.get(`${info.license.replace(/-only$/, "")}-or-later`);
    if (orLater) return orLater;
  }
  return lookup.byId.get(info.license);
}

function evaluate(node: parseSpdx.Info, lookup: Lookup): Evaluation {
  if ("license" in node) {
    const label = `${node.license}${node.plus ? "+" : ""}${node.exception ? ` WITH ${node.exception}` : ""}`;
    const r = leafRow(node, lookup);
    // An exception only ever grants more (GCC runtime, classpath ...): the base licence's tier stands.
    return { tier: r ? r.tier : "unknown", leaves: [{ label, row: r }], operators: new Set() };
  }
  const left = evaluate(node.left, lookup);
  const right = evaluate(node.right, lookup);
  const operators = new Set([...left.operators, ...right.operators, node.conjunction]);
  const leaves = [...left.leaves, ...right.leaves];
  let tier: LicenseTier;
  if (node.conjunction === "and") {
    // Every part binds at once: the most restrictive governs, and an unplaced part makes the whole unplaced.
    tier = TIER_RANK[left.tier] >= TIER_RANK[right.tier] ? left.tier : right.tier;
  } else if (left.tier === "unknown" || right.tier === "unknown") {
    // The licensee may always choose the known alternative, so it bounds what they must accept; the unplaced
    // one might be laxer, but saying so would be a guess, and it can never make the choice stricter.
    tier = left.tier === "unknown" ? right.tier : left.tier;
  } else {
    tier = TIER_RANK[left.tier] <= TIER_RANK[right.tier] ? left.tier : right.tier;
  }
  return { tier, leaves, operators };
}

function quote(input: string): string {
  return JSON.stringify(input.length > 120 ? `${input.slice(0, 117)}...` : input);
}

function unknownRecord(source: LicenseSource, detail: string, expression: string | null = null): LicenseRecord {
  return { expression, tier: "unknown", source, detail };
}

/**
 * The licence record for what a model card, config, licence text or flag declares. The tier of `A AND B` is the
 * more restrictive of the two, of `A OR B` the less restrictive known one; anything Perimeter cannot place is
 * tier unknown with a detail that says how to place it.
 */
export function classifyLicense(input: string | null | undefined, source: LicenseSource, extra?: ExtraLicenses): LicenseRecord {
  const text = (input ?? "").trim();
  if (text === "") return unknownRecord(source, `no licence is declared: ${WHAT_TO_DO}`);
  if (NO_LICENCE.test(text)) {
    const what =
      text.toUpperCase() === "NONE"
        ? "the licence is declared as NONE, which grants no rights"
        : text.toUpperCase() === "NOASSERTION"
          ? "the licence is declared as NOASSERTION (not stated)"
          : `the licence is declared as "${text.toLowerCase()}" without naming it`;
    return unknownRecord(source, `${what}: ${WHAT_TO_DO}`);
  }
  const lookup = lookupFor(extra);
  const n = normalise(text, lookup);
  if (n.expression === null) return unknownRecord(source, `licence ${quote(text)} cannot be read: ${n.problem}: ${WHAT_TO_DO}`);

  let evaluation: Evaluation;
  try {
    evaluation = evaluate(parseSpdx(n.expression), lookup);
  } catch (err) {
    // normalise() already parsed it; an exception here is a bug, and the licence stays unplaced rather than guessed.
    return unknownRecord(source, `licence ${quote(text)} cannot be read (${err instanceof Error ? err.message : String(err)}): ${WHAT_TO_DO}`);
  }
  const unplaced = [...new Set(evaluation.leaves.filter((l) => !l.row).map((l) => l.label))];
  const placed = [...new Map(evaluation.leaves.flatMap((l) => (l.row ? [[l.label, `${l.label}: ${l.row.description}`] as const] : []))).values()];
  const single = evaluation.leaves.length === 1;

  if (evaluation.tier === "unknown") {
    const names = unplaced.map((l) => quote(l)).join(", ");
    const subject = single ? `licence ${quote(text)}` : `in ${n.expression}, ${names}`;
    const verb = unplaced.length > 1 ? "are" : "is";
    return unknownRecord(source, `${subject} ${verb} not in Perimeter's table: ${WHAT_TO_DO}`, n.expression);
  }
  if (single) return { expression: n.expression, tier: evaluation.tier, source, detail: placed[0] ?? n.expression };

  const rule =
    evaluation.operators.size > 1
      ? "the most restrictive part of each AND and the least restrictive alternative of each OR governs"
      : evaluation.operators.has("and")
        ? "every part applies, so the most restrictive governs"
        : "any alternative may be chosen, so the least restrictive governs";
  const ignored = unplaced.length > 0 ? `; ${unplaced.join(", ")} ${unplaced.length > 1 ? "are" : "is"} not in Perimeter's table but only an alternative` : "";
  return {
    expression: n.expression,
    tier: evaluation.tier,
    source,
    detail: `${n.expression} is ${evaluation.tier} (${rule}): ${placed.join("; ")}${ignored}`,
  };
}

export type LicenseFindingRule = "LICENSE_UNKNOWN" | "LICENSE_NON_COMMERCIAL" | "LICENSE_RESTRICTED_USE";

export interface LicenseFinding {
  readonly rule: LicenseFindingRule;
  readonly severity: "medium" | "low";
  readonly message: string;
}

/**
 * What a licence record means for whoever approves the model version: an unplaced licence is a finding to
 * resolve; a non-commercial or restricted-use one informs, naming the obligation. Null for permissive and copyleft.
 */
export function licenseTierFinding(record: LicenseRecord): LicenseFinding | null {
  switch (record.tier) {
    case "unknown":
      return { rule: "LICENSE_UNKNOWN", severity: "medium", message: `the licence is unknown: ${record.detail}` };
    case "non-commercial":
      return {
        rule: "LICENSE_NON_COMMERCIAL",
        // A company serving it is most likely in breach: someone must look before it reaches a runtime.
        severity: "medium",
        message: `${record.expression ?? "the licence"} forbids commercial use: do not serve this model for commercial purposes (${record.detail})`,
      };
    case "restricted-use":
      return {
        rule: "LICENSE_RESTRICTED_USE",
        severity: "low",
        message: `${record.expression ?? "the licence"} restricts use: its use policy and caps bind every deployment and every user (${record.detail})`,
      };
    case "permissive":
    case "copyleft":
      return null;
  }
}

// --- detection in an artifact ---------------------------------------------------------------------------------

/** Metadata files are read up to this many bytes: a model card or a licence is far smaller. */
const MAX_METADATA_BYTES = 1024 * 1024;
/** Other JSON files at the root checked for a licence notice; a model directory holds a handful. */
const MAX_NOTICE_FILES = 32;
const MAX_DESCRIPTION_CHARS = 500;
const MAX_LIST_ITEMS = 64;
const MAX_NAME_CHARS = 300;

const LICENSE_FILE_NAMES = ["LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "LICENCE.txt", "LICENCE.md", "COPYING", "COPYING.txt"];

type Read = { readonly ok: true; readonly text: string; readonly truncated: boolean } | { readonly ok: false; readonly reason: string };

async function readBounded(path: string): Promise<Read> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: a link at the root could point anywhere on the host, and the artifact is untrusted.
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    return { ok: false, reason: `could not be opened (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: "is not a regular file" };
    const buf = Buffer.alloc(Math.min(info.size, MAX_METADATA_BYTES));
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const text = new TextDecoder("utf-8").decode(buf.subarray(0, filled)).replace(/^\uFEFF/, "");
    return { ok: true, text, truncated: info.size > MAX_METADATA_BYTES };
  } catch (err) {
    return { ok: false, reason: `could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    await handle.close();
  }
}

/** The artifact root's entries; null for a single-file artifact, which carries no metadata files. */
async function rootEntries(dir: string): Promise<string[] | null> {
  try {
    if (!(await stat(dir)).isDirectory()) return null;
    return (await readdir(dir)).sort();
  } catch (err) {
    throw new PerimeterError("IO_FAILED", `cannot read the artifact at ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The entry named `name` in any letter case, preferring the exact spelling. */
function findEntry(entries: readonly string[], name: string): string | undefined {
  return entries.includes(name) ? name : entries.find((e) => e.toLowerCase() === name.toLowerCase());
}

const text = z.string().trim().min(1).max(MAX_NAME_CHARS);
const textList = z
  .union([text.transform((s) => [s]), z.array(z.unknown())])
  .transform((items) =>
    items.flatMap((i) => (typeof i === "string" && i.trim() !== "" && i.length <= MAX_NAME_CHARS ? [i.trim()] : [])).slice(0, MAX_LIST_ITEMS),
  );

// Each field is read on its own: one malformed field costs that field, not the whole card.
const modelCardSchema = z.object({
  license: z
    .union([text, z.array(text).min(1).max(MAX_LIST_ITEMS)])
    .optional()
    .catch(undefined),
  license_name: text.optional().catch(undefined),
  license_link: text.optional().catch(undefined),
  base_model: textList.optional().catch(undefined),
  pipeline_tag: text.optional().catch(undefined),
  datasets: textList.optional().catch(undefined),
});
type ModelCardFrontMatter = z.infer<typeof modelCardSchema>;

const configSchema = z.object({
  license: text.optional().catch(undefined),
  model_type: text.optional().catch(undefined),
});
type ConfigJson = z.infer<typeof configSchema>;

const noticeSchema = z.object({
  license: text.optional().catch(undefined),
  _license: text.optional().catch(undefined),
  licence: text.optional().catch(undefined),
});

interface ModelCard {
  readonly frontMatter: ModelCardFrontMatter | null;
  readonly body: string;
}

function parseModelCard(source: string): { card: ModelCard; problem?: string } {
  const lines = source.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== "---") return { card: { frontMatter: null, body: source } };
  const end = lines.findIndex((l, i) => i > 0 && /^(?:---|\.\.\.)\s*$/.test(l));
  if (end < 0) return { card: { frontMatter: null, body: "" }, problem: "its front matter is not closed by a --- line" };
  const body = lines.slice(end + 1).join("\n");
  try {
    const doc = parseDocument(lines.slice(1, end).join("\n"));
    const first = doc.errors[0];
    if (first) return { card: { frontMatter: null, body }, problem: `its front matter is not valid YAML (${first.message.split("\n")[0] ?? ""})` };
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return { card: { frontMatter: {}, body } };
    const parsed = modelCardSchema.safeParse(value);
    if (!parsed.success) return { card: { frontMatter: null, body }, problem: "its front matter is not a YAML mapping" };
    return { card: { frontMatter: parsed.data, body } };
  } catch (err) {
    return { card: { frontMatter: null, body }, problem: `its front matter could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
}

function parseJsonObject<T>(source: string, schema: z.ZodType<T>): { value: T | null; problem?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (err) {
    return { value: null, problem: `is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { value: parsed.data } : { value: null, problem: "is not a JSON object" };
}

async function readModelCard(
  dir: string,
  entries: readonly string[],
  evidence: string[],
): Promise<{ name: string; card: ModelCard; unreadable: boolean } | null> {
  const name = findEntry(entries, "README.md");
  if (!name) return null;
  const read = await readBounded(join(dir, name));
  if (!read.ok) {
    evidence.push(`${name} ${read.reason}`);
    return null;
  }
  if (read.truncated) evidence.push(`${name} is larger than 1 MiB: only its first 1 MiB was read`);
  const { card, problem } = parseModelCard(read.text);
  if (problem) evidence.push(`${name} could not be read as a model card: ${problem}`);
  return { name, card, unreadable: problem !== undefined };
}

async function readConfig(dir: string, entries: readonly string[], evidence: string[]): Promise<{ name: string; config: ConfigJson } | null> {
  const name = findEntry(entries, "config.json");
  if (!name) return null;
  const read = await readBounded(join(dir, name));
  if (!read.ok) {
    evidence.push(`${name} ${read.reason}`);
    return null;
  }
  const { value, problem } = parseJsonObject(read.text, configSchema);
  if (!value) {
    evidence.push(`${name} could not be read: it ${problem ?? "is malformed"}${read.truncated ? " (only its first 1 MiB was read)" : ""}`);
    return null;
  }
  return { name, config: value };
}

/** Distinctive phrases of licence texts, most restrictive first, so a file that bundles several is recorded as the strictest. */
const LICENSE_TEXTS: readonly { readonly id: string; readonly anyOf: readonly (readonly string[])[] }[] = [
  { id: "LicenseRef-mnpl", anyOf: [["mistral ai non-production license"]] },
  { id: "LicenseRef-mrl", anyOf: [["mistral ai research license"]] },
  { id: "LicenseRef-qwen-research", anyOf: [["qwen research license agreement"]] },
  { id: "LicenseRef-deepfloyd-if-license", anyOf: [["deepfloyd if license agreement"]] },
  { id: "LicenseRef-fair-noncommercial-research-license", anyOf: [["fair noncommercial research license"]] },
  { id: "CC-BY-NC-ND-4.0", anyOf: [["attribution-noncommercial-noderivatives 4.0 international"]] },
  { id: "CC-BY-NC-SA-4.0", anyOf: [["attribution-noncommercial-sharealike 4.0 international"]] },
  { id: "CC-BY-NC-4.0", anyOf: [["attribution-noncommercial 4.0 international"]] },
  { id: "CC-BY-NC-ND-3.0", anyOf: [["attribution-noncommercial-noderivs 3.0 unported"]] },
  { id: "CC-BY-NC-SA-3.0", anyOf: [["attribution-noncommercial-sharealike 3.0 unported"]] },
  { id: "CC-BY-NC-3.0", anyOf: [["attribution-noncommercial 3.0 unported"]] },
  { id: "LicenseRef-llama4", anyOf: [["llama 4 community license agreement"], ["llama 4 version effective date"]] },
  { id: "LicenseRef-llama3.3", anyOf: [["llama 3.3 community license agreement"], ["llama 3.3 version release date"]] },
  { id: "LicenseRef-llama3.2", anyOf: [["llama 3.2 community license agreement"], ["llama 3.2 version release date"]] },
  { id: "LicenseRef-llama3.1", anyOf: [["llama 3.1 community license agreement"], ["llama 3.1 version release date"]] },
  { id: "LicenseRef-llama3", anyOf: [["meta llama 3 community license agreement"]] },
  { id: "LicenseRef-llama2", anyOf: [["llama 2 community license agreement"]] },
  { id: "LicenseRef-gemma", anyOf: [["gemma terms of use"]] },
  { id: "LicenseRef-qwen", anyOf: [["tongyi qianwen license agreement"], ["qwen license agreement"]] },
  { id: "LicenseRef-deepseek", anyOf: [["deepseek license agreement"]] },
  { id: "LicenseRef-falcon", anyOf: [["tii falcon license"], ["falcon llm license"], ["falcon 180b tii license"]] },
  { id: "LicenseRef-nvidia-open-model-license", anyOf: [["nvidia open model license"]] },
  { id: "LicenseRef-openrail-plusplus", anyOf: [["open rail++-m license"]] },
  { id: "LicenseRef-bigcode-openrail-m", anyOf: [["bigcode open rail-m"]] },
  { id: "LicenseRef-creativeml-openrail-m", anyOf: [["creativeml open rail-m"]] },
  { id: "LicenseRef-bigscience-bloom-rail-1.0", anyOf: [["bigscience rail license v1.0"]] },
  { id: "LicenseRef-bigscience-openrail-m", anyOf: [["bigscience open rail-m"]] },
  { id: "CC-BY-ND-4.0", anyOf: [["attribution-noderivatives 4.0 international"]] },
  { id: "BUSL-1.1", anyOf: [["business source license 1.1"]] },
  { id: "Elastic-2.0", anyOf: [["elastic license 2.0"]] },
  // Titles only: the GPL's text names the AGPL and the LGPL's names the GPL, but never as "<name> version <n>".
  { id: "AGPL-3.0-only", anyOf: [["gnu affero general public license version 3"]] },
  { id: "SSPL-1.0", anyOf: [["server side public license version 1"]] },
  { id: "LGPL-3.0-only", anyOf: [["gnu lesser general public license version 3"]] },
  { id: "LGPL-2.1-only", anyOf: [["gnu lesser general public license version 2.1"]] },
  { id: "LGPL-2.0-only", anyOf: [["gnu library general public license version 2"]] },
  { id: "MPL-2.0", anyOf: [["mozilla public license version 2.0"], ["mozilla public license, version 2.0"]] },
  { id: "EPL-2.0", anyOf: [["eclipse public license - v 2.0"]] },
  { id: "GPL-3.0-only", anyOf: [["gnu general public license version 3"]] },
  { id: "GPL-2.0-only", anyOf: [["gnu general public license version 2"]] },
  { id: "CC-BY-SA-4.0", anyOf: [["attribution-sharealike 4.0 international"]] },
  { id: "CC-BY-4.0", anyOf: [["attribution 4.0 international"]] },
  { id: "Apache-2.0", anyOf: [["apache license", "version 2.0"]] },
  // Boost's grant opens with MIT's words: it has to be tried first.
  { id: "BSL-1.0", anyOf: [["boost software license - version 1.0"]] },
  { id: "MIT", anyOf: [["permission is hereby granted, free of charge"]] },
  {
    id: "ISC",
    anyOf: [["permission to use, copy, modify, and/or distribute this software for any purpose", "provided that the above copyright notice"]],
  },
  { id: "0BSD", anyOf: [["permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted"]] },
  { id: "BSD-3-Clause", anyOf: [["redistribution and use in source and binary forms", "neither the name"]] },
  { id: "BSD-2-Clause", anyOf: [["redistribution and use in source and binary forms"]] },
  { id: "Unlicense", anyOf: [["this is free and unencumbered software released into the public domain"]] },
  { id: "CC0-1.0", anyOf: [["cc0 1.0 universal"]] },
];

/** The licence a licence text is, by its distinctive phrases; null when it is none Perimeter knows. */
function recogniseLicenseText(source: string): string | null {
  const t = source
    .toLowerCase()
    .replace(/[*_#>`]/g, " ")
    .replace(/\s+/g, " ");
  for (const { id, anyOf } of LICENSE_TEXTS) if (anyOf.some((all) => all.every((phrase) => t.includes(phrase)))) return id;
  return null;
}

interface Declaration {
  /** Where it was read, for evidence: "README.md license", "LICENSE". */
  readonly where: string;
  /** What a field says, as written; null for a licence text, which is known by what it reads as. */
  readonly said: string | null;
  readonly record: LicenseRecord;
}

function describeDeclaration(d: Declaration): string {
  const what = `${d.record.expression ?? "no SPDX expression"} (${d.record.tier})`;
  return d.said === null ? `${d.where} reads as the text of ${what}` : `${d.where} says ${quote(d.said)}: ${what}`;
}

function modelCardDeclaration(name: string, fm: ModelCardFrontMatter, extra: ExtraLicenses | undefined, evidence: string[]): Declaration | null {
  const licenses = fm.license === undefined ? [] : typeof fm.license === "string" ? [fm.license] : fm.license;
  const named = fm.license_name;
  if (licenses.length === 0 && !named) {
    evidence.push(`${name} front matter has no license`);
    return null;
  }
  if (fm.license_link) evidence.push(`${name} links its licence: ${fm.license_link}`);
  // Hugging Face writes a licence it has no id for as license: other plus a license_name.
  const onlyOther = licenses.length === 0 || (licenses.length === 1 && licenses[0]?.toLowerCase() === "other");
  const said = onlyOther && named ? named : licenses.join(", ");
  const where = onlyOther && named ? `${name} license_name` : `${name} license`;
  // A list in the card means each entry applies.
  const input = licenses.length > 1 && !onlyOther ? licenses.map((l) => `(${normaliseLicenseExpression(l, extra) ?? l})`).join(" AND ") : said;
  let record = classifyLicense(input, "model-card", extra);
  if (record.tier === "unknown" && fm.license_link) record = { ...record, detail: `${record.detail} (the model card links its terms: ${fm.license_link})` };
  return { where, said, record };
}

/** The licence a model directory declares, and the evidence for it (what each source said, what could not be read). */
export interface LicenseDetection {
  readonly record: LicenseRecord;
  readonly evidence: readonly string[];
}

/**
 * Reads the licence an artifact declares at its root: the model card's front matter (README.md), config.json's
 * license, licence texts (LICENSE, COPYING ...) and licence notices in other JSON files. A model card outranks
 * config.json, which outranks a licence file; when they disagree, the most restrictive is on record and the
 * evidence says so. Unreadable or malformed files are evidence, never an exception.
 */
export async function detectLicense(dir: string, extra?: ExtraLicenses): Promise<LicenseDetection> {
  const entries = await rootEntries(dir);
  if (entries === null) {
    return {
      record: unknownRecord("none", `a single-file artifact carries no licence metadata: ${WHAT_TO_DO}`),
      evidence: ["the artifact is a single file: there is no model card, config.json or licence file to read"],
    };
  }
  const evidence: string[] = [];
  const declarations: Declaration[] = [];

  const card = await readModelCard(dir, entries, evidence);
  if (card?.card.frontMatter) {
    const d = modelCardDeclaration(card.name, card.card.frontMatter, extra, evidence);
    if (d) declarations.push(d);
  } else if (card && !card.unreadable) {
    evidence.push(`${card.name} has no front matter`);
  }

  const config = await readConfig(dir, entries, evidence);
  if (config?.config.license) {
    declarations.push({ where: `${config.name} license`, said: config.config.license, record: classifyLicense(config.config.license, "config", extra) });
  }

  const licenseFiles = [...new Set(LICENSE_FILE_NAMES.map((n) => findEntry(entries, n)).filter((n): n is string => n !== undefined))];
  for (const name of licenseFiles) {
    const read = await readBounded(join(dir, name));
    if (!read.ok) {
      evidence.push(`${name} ${read.reason}`);
      continue;
    }
    const id = recogniseLicenseText(read.text);
    if (!id) {
      evidence.push(`${name} is not a licence text Perimeter recognises`);
      continue;
    }
    declarations.push({ where: name, said: null, record: classifyLicense(id, "license-file", extra) });
  }

  // A dataset or other file shipped in the artifact can carry its own terms, and they bind whoever ships the
  // artifact too: a notice like {"_license": "CC BY-NC 4.0"} counts as a licence file.
  const notices = entries.filter((e) => e.toLowerCase().endsWith(".json") && e !== config?.name && e.toLowerCase() !== "config.json");
  if (notices.length > MAX_NOTICE_FILES) evidence.push(`only the first ${MAX_NOTICE_FILES} of ${notices.length} JSON files were checked for a licence notice`);
  for (const name of notices.slice(0, MAX_NOTICE_FILES)) {
    const path = join(dir, name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      continue;
    }
    // Tokenizers and weight indexes run to megabytes and never carry a licence: not worth a partial read.
    if (size > MAX_METADATA_BYTES) continue;
    const read = await readBounded(path);
    if (!read.ok) continue;
    const { value } = parseJsonObject(read.text, noticeSchema);
    const said = value?.license ?? value?._license ?? value?.licence;
    const field = value?.license ? "license" : value?._license ? "_license" : "licence";
    if (said) declarations.push({ where: `${name} ${field}`, said, record: classifyLicense(said, "license-file", extra) });
  }

  for (const d of declarations) evidence.push(describeDeclaration(d));
  const first = declarations[0];
  if (!first) {
    evidence.push("no licence is declared at the artifact root: no model card licence, config.json license, licence text or licence notice");
    return {
      record: unknownRecord(
        "none",
        `no licence found: the artifact has no model card licence, config.json license or licence text Perimeter recognises: ${WHAT_TO_DO}`,
      ),
      evidence,
    };
  }
  const disagree = declarations.some((d) => d.record.expression !== first.record.expression || d.record.tier !== first.record.tier);
  if (!disagree) return { record: first.record, evidence };

  // Declarations are in precedence order, so the first of the most restrictive tier is the one that outranks.
  const chosen = declarations.reduce((a, b) => (TIER_RANK[b.record.tier] > TIER_RANK[a.record.tier] ? b : a));
  const others = declarations
    .filter((d) => d !== chosen)
    .map(describeDeclaration)
    .join("; ");
  evidence.push(
    `the sources disagree: the most restrictive, ${chosen.record.expression ?? "an unknown licence"} (${chosen.record.tier}) from ${chosen.where}, is on record`,
  );
  return {
    record: { ...chosen.record, detail: `${chosen.record.detail} (sources disagree, the most restrictive is on record; also: ${others})` },
    evidence,
  };
}

/** The first paragraph of a model card's prose: what the model is, in its authors' words. */
function firstParagraph(body: string): string | undefined {
  const paragraph: string[] = [];
  let inFence = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^(?:```|~~~)/.test(line)) {
      if (paragraph.length > 0) break;
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    if (line === "") {
      if (paragraph.length > 0) break;
      continue;
    }
    if (/^[=-]{3,}$/.test(line)) {
      paragraph.length = 0; // the lines above were a setext heading, not prose
      continue;
    }
    // Headings, HTML, badges, images and tables are not the description.
    if (paragraph.length === 0 && /^(?:#|<|!\[|\[!\[|\||[*_-]{3,}$)/.test(line)) continue;
    paragraph.push(line);
    if (paragraph.join(" ").length > MAX_DESCRIPTION_CHARS) break;
  }
  const textOut = paragraph.join(" ").replace(/\s+/g, " ").trim();
  if (textOut === "") return undefined;
  return textOut.length > MAX_DESCRIPTION_CHARS ? `${textOut.slice(0, MAX_DESCRIPTION_CHARS - 1)}…` : textOut;
}

/**
 * The model-card fields an artifact states about itself: task (pipeline_tag), declared base models and datasets
 * from README.md's front matter, the description from its first paragraph, and the architecture from
 * config.json's model_type. Empty for a single-file artifact; malformed files contribute nothing.
 */
export async function readModelCardMetadata(dir: string): Promise<ModelCardFields> {
  const entries = await rootEntries(dir);
  if (entries === null) return {};
  const ignored: string[] = [];
  const card = await readModelCard(dir, entries, ignored);
  const config = await readConfig(dir, entries, ignored);
  const fm = card?.card.frontMatter;
  const description = card ? firstParagraph(card.card.body) : undefined;
  return {
    ...(description ? { description } : {}),
    ...(fm?.pipeline_tag ? { task: fm.pipeline_tag } : {}),
    ...(config?.config.model_type ? { architecture: config.config.model_type } : {}),
    ...(fm?.base_model && fm.base_model.length > 0 ? { declaredBaseModels: fm.base_model } : {}),
    ...(fm?.datasets && fm.datasets.length > 0 ? { datasets: fm.datasets } : {}),
  };
}
