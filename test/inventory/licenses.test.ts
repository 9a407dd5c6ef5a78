import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import parseSpdx from "spdx-expression-parse";
import spdxDeprecatedIds from "spdx-license-ids/deprecated.json" with { type: "json" };
import spdxIds from "spdx-license-ids/index.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LICENSE_TABLE,
  classifyLicense,
  detectLicense,
  licenseTierFinding,
  normaliseLicenseExpression,
  readModelCardMetadata,
  type LicenseTableEntry,
} from "../../src/inventory/licenses.js";
import { LICENSE_TIERS, type LicenseRecord } from "../../src/inventory/types.js";

const SCENARIOS = new URL("../../../shared/vectors/modelaudit/tests/assets/scenarios/license_scenarios/", import.meta.url).pathname;
const WHAT_TO_DO = /--license.*inventory\.licenses in perimeter\.yaml/;

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "perimeter-licenses-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A model directory holding these files (and a weights file, as a real one would). */
async function artifact(files: Readonly<Record<string, string | Uint8Array>>): Promise<string> {
  const dir = join(root, `model-${++counter}`);
  await mkdir(dir);
  await writeFile(join(dir, "model.safetensors"), new Uint8Array(16));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

const card = (frontMatter: string, body = "") => `---\n${frontMatter}\n---\n${body}`;

/** The opening of each licence text, as the licence files people ship begin. */
const TEXTS = {
  MIT: "MIT License\n\nCopyright (c) 2024 Example\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software",
  "Apache-2.0":
    "\n                                 Apache License\n                           Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n",
  "GPL-3.0-only":
    "                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n ...\n  13. Use with the GNU Affero General Public License.\n",
  "AGPL-3.0-only":
    "                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3, 19 November 2007\n ...\n under version 3 of the GNU General Public License\n",
  "LGPL-3.0-only":
    "                   GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n\n  This version of the GNU Lesser General Public License incorporates\nthe terms and conditions of version 3 of the GNU General Public\nLicense",
  "BSL-1.0": "Boost Software License - Version 1.0 - August 17th, 2003\n\nPermission is hereby granted, free of charge, to any person or organization",
  "LicenseRef-llama2": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\nLlama 2 Version Release Date: July 18, 2023\n",
  "LicenseRef-llama3": "META LLAMA 3 COMMUNITY LICENSE AGREEMENT\nMeta Llama 3 Version Release Date: April 18, 2024\n",
  "LicenseRef-llama3.1": "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024\n",
  "LicenseRef-gemma": "Gemma Terms of Use\n\nLast modified: February 21, 2024\n",
  "CC-BY-NC-4.0": "Attribution-NonCommercial 4.0 International\n\n=======================================================================\n",
} as const;

describe("licence tiers", () => {
  const families: Readonly<Record<string, readonly string[]>> = {
    permissive: ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense", "CC0-1.0", "CC-BY-4.0", "BSL-1.0", "Zlib", "PostgreSQL"],
    copyleft: [
      "GPL-2.0-only",
      "GPL-2.0-or-later",
      "GPL-3.0-only",
      "GPL-3.0-or-later",
      "LGPL-2.1-only",
      "LGPL-2.1-or-later",
      "LGPL-3.0-only",
      "LGPL-3.0-or-later",
      "AGPL-3.0-only",
      "AGPL-3.0-or-later",
      "MPL-2.0",
      "EPL-2.0",
      "CC-BY-SA-4.0",
      "OSL-3.0",
    ],
    "non-commercial": [
      "CC-BY-NC-4.0",
      "CC-BY-NC-SA-4.0",
      "CC-BY-NC-ND-4.0",
      "CC-BY-NC-3.0",
      "CC-BY-NC-SA-3.0",
      "CC-BY-NC-ND-3.0",
      "CC-BY-NC-2.0",
      "CC-BY-NC-SA-2.0",
      "mnpl",
      "qwen-research",
    ],
    "restricted-use": [
      "llama2",
      "llama3",
      "llama3.1",
      "llama3.2",
      "llama3.3",
      "llama4",
      "gemma",
      "openrail",
      "openrail++",
      "bigscience-openrail-m",
      "creativeml-openrail-m",
      "bigscience-bloom-rail-1.0",
      "bigcode-openrail-m",
      "deepseek",
      "qwen",
      "falcon",
      "CC-BY-ND-4.0",
    ],
  };
  for (const [tier, ids] of Object.entries(families)) {
    it(`places ${ids.join(", ")} in the ${tier} tier, with a description`, () => {
      for (const id of ids) {
        const r = classifyLicense(id, "flag");
        expect(r.tier, `${id}: ${r.detail}`).toBe(tier);
        expect(r.detail).toMatch(/: \S/);
      }
    });
  }

  it("records Hugging Face ids the SPDX list lacks as LicenseRef-<id>, and reads them back", () => {
    expect(classifyLicense("llama3.1", "model-card")).toEqual({
      expression: "LicenseRef-llama3.1",
      tier: "restricted-use",
      source: "model-card",
      detail: "LicenseRef-llama3.1: Llama 3.1 Community License (use restrictions, 700M MAU cap)",
    });
    expect(normaliseLicenseExpression("gemma")).toBe("LicenseRef-gemma");
    expect(normaliseLicenseExpression("LicenseRef-gemma")).toBe("LicenseRef-gemma");
    expect(normaliseLicenseExpression("tongyi-qianwen")).toBe("LicenseRef-qwen");
    // "+" may not appear in a LicenseRef
    expect(normaliseLicenseExpression("openrail++")).toBe("LicenseRef-openrail-plusplus");
  });

  it("records Hugging Face ids that are SPDX ids under their SPDX spelling", () => {
    expect(normaliseLicenseExpression("apache-2.0")).toBe("Apache-2.0");
    expect(normaliseLicenseExpression("cc-by-nc-sa-4.0")).toBe("CC-BY-NC-SA-4.0");
    expect(normaliseLicenseExpression("agpl-3.0")).toBe("AGPL-3.0-only");
    expect(normaliseLicenseExpression("lgpl-2.1")).toBe("LGPL-2.1-only");
    expect(normaliseLicenseExpression("bsd-3-clause")).toBe("BSD-3-Clause");
  });

  it("reads the spellings people write", () => {
    const spellings: Readonly<Record<string, string>> = {
      "Apache 2.0": "Apache-2.0",
      "Apache License, Version 2.0": "Apache-2.0",
      "apache-2.0": "Apache-2.0",
      "MIT License": "MIT",
      "The MIT License (MIT)": "MIT",
      mit: "MIT",
      GPLv3: "GPL-3.0-only",
      "GPLv3+": "GPL-3.0-or-later",
      "GPL-2.0+": "GPL-2.0-or-later",
      "GNU General Public License v3.0": "GPL-3.0-only",
      "GNU Affero General Public License v3": "AGPL-3.0-only",
      "LGPLv2.1": "LGPL-2.1-only",
      "BSD 3-Clause License": "BSD-3-Clause",
      "CC BY-NC 4.0": "CC-BY-NC-4.0",
      "CC BY-NC-SA 4.0": "CC-BY-NC-SA-4.0",
      "Creative Commons Attribution NonCommercial 4.0 International": "CC-BY-NC-4.0",
      "Creative Commons Attribution-ShareAlike 4.0 International": "CC-BY-SA-4.0",
      "Llama 3.1 Community License Agreement": "LicenseRef-llama3.1",
      "Mistral AI Non-Production License": "LicenseRef-mnpl",
      "Gemma Terms of Use": "LicenseRef-gemma",
    };
    for (const [written, expression] of Object.entries(spellings)) expect(normaliseLicenseExpression(written), written).toBe(expression);
  });

  it("reads every id and alias in its table back as that licence, so no two licences are mistaken for each other", () => {
    for (const row of LICENSE_TABLE) {
      for (const name of [row.id, ...row.aliases]) expect(normaliseLicenseExpression(name), `${name} (${row.id})`).toBe(row.id);
    }
  });

  it("records only ids that are on the SPDX list or are LicenseRefs, as valid SPDX expressions", () => {
    const onList = new Set<string>([...spdxIds, ...spdxDeprecatedIds]);
    for (const row of LICENSE_TABLE) {
      expect(row.id.startsWith("LicenseRef-") || onList.has(row.id), row.id).toBe(true);
      expect(() => parseSpdx(row.id), row.id).not.toThrow();
    }
  });
});

describe("licence expressions", () => {
  it("gives A AND B the more restrictive tier: both licences bind", () => {
    const r = classifyLicense("MIT AND CC-BY-NC-4.0", "flag");
    expect(r).toMatchObject({ expression: "MIT AND CC-BY-NC-4.0", tier: "non-commercial" });
    expect(r.detail).toContain("most restrictive");
    expect(classifyLicense("Apache-2.0 AND llama3.1", "flag")).toMatchObject({ expression: "Apache-2.0 AND LicenseRef-llama3.1", tier: "restricted-use" });
  });

  it("gives A OR B the less restrictive tier: the licensee may choose", () => {
    const r = classifyLicense("MIT OR GPL-3.0-only", "flag");
    expect(r.tier).toBe("permissive");
    expect(r.detail).toContain("least restrictive");
    expect(classifyLicense("CC-BY-NC-4.0 OR GPL-2.0-or-later", "flag").tier).toBe("copyleft");
  });

  it("nests AND and OR as SPDX does (AND binds tighter)", () => {
    expect(classifyLicense("MIT OR GPL-3.0-only AND CC-BY-NC-4.0", "flag").tier).toBe("permissive");
    expect(classifyLicense("(MIT OR GPL-3.0-only) AND CC-BY-NC-4.0", "flag").tier).toBe("non-commercial");
    expect(classifyLicense("(mit or apache-2.0) and llama3.2", "flag")).toMatchObject({
      expression: "(MIT OR Apache-2.0) AND LicenseRef-llama3.2",
      tier: "restricted-use",
    });
  });

  it("makes an AND with an unknown part unknown: obligations it cannot read may be the strictest", () => {
    const r = classifyLicense("MIT AND acme-eula", "flag");
    expect(r).toMatchObject({ expression: "MIT AND LicenseRef-acme-eula", tier: "unknown" });
    expect(r.detail).toContain("LicenseRef-acme-eula");
    expect(r.detail).toMatch(WHAT_TO_DO);
  });

  it("takes the known alternative of an OR with an unknown one, and is unknown only when every alternative is", () => {
    const r = classifyLicense("acme-eula OR CC-BY-NC-4.0", "flag");
    expect(r.tier).toBe("non-commercial");
    expect(r.detail).toContain("LicenseRef-acme-eula");
    expect(classifyLicense("acme-eula OR other-eula", "flag").tier).toBe("unknown");
  });

  it("keeps the base licence's tier under a WITH exception", () => {
    expect(classifyLicense("GPL-2.0-only WITH Classpath-exception-2.0", "flag")).toMatchObject({
      expression: "GPL-2.0-only WITH Classpath-exception-2.0",
      tier: "copyleft",
    });
    expect(classifyLicense("Apache-2.0 WITH LLVM-exception", "flag").tier).toBe("permissive");
  });

  it("reads a + suffix as the or-later licence", () => {
    expect(classifyLicense("GPL-2.0+", "flag")).toMatchObject({ expression: "GPL-2.0-or-later", tier: "copyleft" });
    expect(classifyLicense("LGPL-2.1+ OR MIT", "flag").expression).toBe("LGPL-2.1-or-later OR MIT");
    expect(classifyLicense("Apache-2.0+", "flag")).toMatchObject({ expression: "Apache-2.0+", tier: "permissive" });
  });
});

describe("licences Perimeter cannot place", () => {
  it("marks a licence missing from its table unknown, saying how to place it", () => {
    const r = classifyLicense("foo", "flag");
    expect(r).toMatchObject({ expression: "LicenseRef-foo", tier: "unknown", source: "flag" });
    expect(r.detail).toBe(`licence "foo" is not in Perimeter's table: record its SPDX id with --license, or add it to inventory.licenses in perimeter.yaml`);
  });

  for (const input of ["NOASSERTION", "NONE", "other", "unknown", "", "   ", null, undefined]) {
    it(`marks ${JSON.stringify(input)} unknown, with no expression on record`, () => {
      const r = classifyLicense(input, "model-card");
      expect(r).toMatchObject({ expression: null, tier: "unknown", source: "model-card" });
      expect(r.detail).toMatch(WHAT_TO_DO);
    });
  }

  for (const input of ["MIT OR", "(MIT", "MIT AND AND GPL-3.0-only", "Apache License 2.0 or whatever", "MIT WITH nonsense-exception", "x".repeat(5000)]) {
    it(`marks the unparseable ${JSON.stringify(input.slice(0, 40))} unknown instead of guessing`, () => {
      const r = classifyLicense(input, "flag");
      expect(r).toMatchObject({ expression: null, tier: "unknown" });
      expect(r.detail).toMatch(WHAT_TO_DO);
    });
  }

  it("refuses expressions nested beyond its bound rather than recursing", () => {
    const deep = `${"(".repeat(5000)}MIT${")".repeat(5000)}`;
    expect(classifyLicense(deep, "flag").tier).toBe("unknown");
  });
});

describe("licence findings", () => {
  it("makes an unknown licence a medium finding that says what to do", () => {
    const f = licenseTierFinding(classifyLicense("foo", "flag"));
    expect(f?.severity).toBe("medium");
    expect(f?.rule).toBe("LICENSE_UNKNOWN");
    expect(f?.message).toMatch(WHAT_TO_DO);
  });

  it("warns (medium) about a non-commercial licence, naming the obligation", () => {
    const f = licenseTierFinding(classifyLicense("CC-BY-NC-4.0", "flag"));
    expect(f).toMatchObject({ rule: "LICENSE_NON_COMMERCIAL", severity: "medium" });
    expect(f?.message).toContain("CC-BY-NC-4.0");
    expect(f?.message).toMatch(/commercial/);
  });

  it("informs (low) about a restricted-use licence, naming the obligation", () => {
    const f = licenseTierFinding(classifyLicense("llama3.1", "flag"));
    expect(f).toMatchObject({ rule: "LICENSE_RESTRICTED_USE", severity: "low" });
    expect(f?.message).toContain("LicenseRef-llama3.1");
    expect(f?.message).toContain("700M MAU");
  });

  it("finds nothing to say about permissive and copyleft licences", () => {
    expect(licenseTierFinding(classifyLicense("MIT", "flag"))).toBeNull();
    expect(licenseTierFinding(classifyLicense("GPL-3.0-only", "flag"))).toBeNull();
  });
});

describe("licences added in perimeter.yaml", () => {
  const acme: LicenseTableEntry = { tier: "non-commercial", description: "Acme research licence (internal research only)" };

  it("places a LicenseRef the operator added, by its id or its bare name", () => {
    const extra = new Map([["LicenseRef-acme-research", acme]]);
    expect(classifyLicense("LicenseRef-acme-research", "flag", extra)).toMatchObject({
      expression: "LicenseRef-acme-research",
      tier: "non-commercial",
      detail: "LicenseRef-acme-research: Acme research licence (internal research only)",
    });
    expect(classifyLicense("acme-research", "flag", extra).tier).toBe("non-commercial");
    expect(classifyLicense("acme-research AND MIT", "flag", extra).tier).toBe("non-commercial");
  });

  it("takes the table as perimeter.yaml holds it (a record keyed by id)", () => {
    expect(classifyLicense("acme-research", "flag", { "acme-research": acme })).toMatchObject({
      expression: "LicenseRef-acme-research",
      tier: "non-commercial",
    });
  });

  it("lets the operator override a built-in tier, for that call only", () => {
    const negotiated = { gemma: { tier: "permissive", description: "Gemma under Acme's negotiated agreement" } } as const;
    expect(classifyLicense("gemma", "model-card", negotiated)).toMatchObject({ expression: "LicenseRef-gemma", tier: "permissive" });
    expect(classifyLicense("gemma", "model-card").tier).toBe("restricted-use");
  });

  it("places an operator's licence named by a model card", async () => {
    const dir = await artifact({ "README.md": card("license: other\nlicense_name: acme-research") });
    const { record } = await detectLicense(dir, { "acme-research": acme });
    expect(record).toMatchObject({ expression: "LicenseRef-acme-research", tier: "non-commercial", source: "model-card" });
  });
});

describe("detecting an artifact's licence", () => {
  it("reads the licence from the model card's front matter", async () => {
    const dir = await artifact({ "README.md": card("license: llama3.1\npipeline_tag: text-generation") });
    const { record, evidence } = await detectLicense(dir);
    expect(record).toMatchObject({ expression: "LicenseRef-llama3.1", tier: "restricted-use", source: "model-card" });
    expect(evidence.join("\n")).toContain('README.md license says "llama3.1"');
  });

  it("reads license: other through license_name, and keeps the link when the licence is unknown", async () => {
    const mnpl = await artifact({ "README.md": card("license: other\nlicense_name: mnpl\nlicense_link: https://mistral.ai/licenses/MNPL-0.1.md") });
    expect((await detectLicense(mnpl)).record).toMatchObject({ expression: "LicenseRef-mnpl", tier: "non-commercial" });

    const custom = await artifact({ "README.md": card("license: other\nlicense_name: zeta-model-license\nlicense_link: https://example.com/terms") });
    const { record } = await detectLicense(custom);
    expect(record.tier).toBe("unknown");
    expect(record.detail).toContain("zeta-model-license");
    expect(record.detail).toContain("https://example.com/terms");
    expect(record.detail).toMatch(WHAT_TO_DO);
  });

  it("marks license: other without a license_name unknown", async () => {
    const dir = await artifact({ "README.md": card("license: other") });
    expect((await detectLicense(dir)).record).toMatchObject({ expression: null, tier: "unknown", source: "model-card" });
  });

  it("reads config.json's license field", async () => {
    const dir = await artifact({ "config.json": JSON.stringify({ model_type: "llama", license: "apache-2.0" }) });
    expect((await detectLicense(dir)).record).toMatchObject({ expression: "Apache-2.0", tier: "permissive", source: "config" });
  });

  for (const [expression, text] of Object.entries(TEXTS)) {
    it(`recognises the text of ${expression} in a LICENSE file`, async () => {
      const dir = await artifact({ LICENSE: text });
      const { record, evidence } = await detectLicense(dir);
      expect(record).toMatchObject({ expression, source: "license-file" });
      expect(evidence.join("\n")).toContain(`LICENSE reads as the text of ${expression}`);
    });
  }

  it("recognises licence texts under LICENSE.md, LICENSE.txt and COPYING", async () => {
    expect((await detectLicense(await artifact({ "LICENSE.md": `# ${TEXTS["LicenseRef-gemma"]}` }))).record.expression).toBe("LicenseRef-gemma");
    expect((await detectLicense(await artifact({ "LICENSE.txt": TEXTS.MIT }))).record.expression).toBe("MIT");
    expect((await detectLicense(await artifact({ COPYING: TEXTS["GPL-3.0-only"] }))).record.expression).toBe("GPL-3.0-only");
  });

  it("says so when a LICENSE file is no text it recognises, and records no licence from it", async () => {
    const { record, evidence } = await detectLicense(await artifact({ LICENSE: "All rights reserved. Ask us." }));
    expect(record).toMatchObject({ expression: null, tier: "unknown", source: "none" });
    expect(evidence.join("\n")).toContain("LICENSE is not a licence text Perimeter recognises");
  });

  it("prefers the model card when the sources agree on the tier", async () => {
    const dir = await artifact({
      "README.md": card("license: apache-2.0"),
      "config.json": JSON.stringify({ license: "MIT" }),
      LICENSE: TEXTS.MIT,
    });
    const { record, evidence } = await detectLicense(dir);
    expect(record).toMatchObject({ expression: "Apache-2.0", tier: "permissive", source: "model-card" });
    expect(evidence.join("\n")).toContain("sources disagree");
  });

  it("records the model card's licence without noting disagreement when every source says the same", async () => {
    const dir = await artifact({ "README.md": card("license: mit"), LICENSE: TEXTS.MIT });
    const { record, evidence } = await detectLicense(dir);
    expect(record).toMatchObject({ expression: "MIT", source: "model-card" });
    expect(record.detail).not.toContain("disagree");
    expect(evidence.join("\n")).not.toContain("disagree");
  });

  it("records the most restrictive licence when the sources disagree, and says so", async () => {
    const dir = await artifact({ "README.md": card("license: apache-2.0"), LICENSE: TEXTS["LicenseRef-llama3.1"] });
    const { record, evidence } = await detectLicense(dir);
    expect(record).toMatchObject({ expression: "LicenseRef-llama3.1", tier: "restricted-use", source: "license-file" });
    expect(record.detail).toContain("disagree");
    expect(record.detail).toContain("Apache-2.0");
    expect(evidence.join("\n")).toMatch(/sources disagree: the most restrictive, LicenseRef-llama3\.1 \(restricted-use\) from LICENSE/);
  });

  it("fails closed when a source names a licence it cannot place, whatever the others say", async () => {
    const dir = await artifact({ "README.md": card("license: zeta-eula"), "config.json": JSON.stringify({ license: "MIT" }) });
    expect((await detectLicense(dir)).record).toMatchObject({ tier: "unknown", source: "model-card", expression: "LicenseRef-zeta-eula" });
  });

  it("records nothing for a single-file artifact, which carries no metadata", async () => {
    const dir = await artifact({});
    const { record } = await detectLicense(join(dir, "model.safetensors"));
    expect(record).toMatchObject({ expression: null, tier: "unknown", source: "none" });
    expect(record.detail).toMatch(WHAT_TO_DO);
  });

  it("treats malformed front matter and config.json as evidence, not as an error, and still reads the LICENSE", async () => {
    const dir = await artifact({
      "README.md": "---\nlicense: [mit\n  : : :\n---\nbody",
      "config.json": "{ not json",
      LICENSE: TEXTS["Apache-2.0"],
    });
    const { record, evidence } = await detectLicense(dir);
    expect(record).toMatchObject({ expression: "Apache-2.0", source: "license-file" });
    const said = evidence.join("\n");
    expect(said).toContain("README.md could not be read as a model card");
    expect(said).toContain("config.json could not be read");
  });

  it("does not follow a symbolic link out of the artifact", async () => {
    const outside = join(root, `outside-${++counter}.txt`);
    await writeFile(outside, TEXTS.MIT);
    const dir = await artifact({});
    await symlink(outside, join(dir, "LICENSE"));
    const { record, evidence } = await detectLicense(dir);
    expect(record.tier).toBe("unknown");
    expect(evidence.join("\n")).toContain("LICENSE could not be opened");
  });

  it("reads only the first MiB of an oversized model card", async () => {
    const dir = await artifact({ "README.md": card("license: gemma", "x".repeat(2 * 1024 * 1024)) });
    const { record, evidence } = await detectLicense(dir);
    expect(record.expression).toBe("LicenseRef-gemma");
    expect(evidence.join("\n")).toContain("only its first 1 MiB was read");
  });

  it("reads a licence list in a model card as all of them applying", async () => {
    const dir = await artifact({ "README.md": card("license:\n  - apache-2.0\n  - cc-by-nc-4.0") });
    expect((await detectLicense(dir)).record).toMatchObject({ expression: "(Apache-2.0) AND (CC-BY-NC-4.0)", tier: "non-commercial" });
  });
});

describe("model card metadata", () => {
  it("reads task, base models, datasets, architecture and description", async () => {
    const dir = await artifact({
      "README.md": card(
        "license: llama3.1\npipeline_tag: text-generation\nbase_model:\n  - meta-llama/Llama-3.1-8B\ndatasets: HuggingFaceH4/ultrachat_200k",
        "\n# Acme Chat 8B\n\n![badge](https://example.com/b.svg)\n\nAcme Chat is a fine-tune of Llama 3.1 8B\nfor customer support.\n\nMore text.\n",
      ),
      "config.json": JSON.stringify({ model_type: "llama", hidden_size: 4096 }),
    });
    expect(await readModelCardMetadata(dir)).toEqual({
      task: "text-generation",
      declaredBaseModels: ["meta-llama/Llama-3.1-8B"],
      datasets: ["HuggingFaceH4/ultrachat_200k"],
      architecture: "llama",
      description: "Acme Chat is a fine-tune of Llama 3.1 8B for customer support.",
    });
  });

  it("bounds the description to 500 characters", async () => {
    const dir = await artifact({ "README.md": card("license: mit", `${"word ".repeat(400)}\n`) });
    const { description } = await readModelCardMetadata(dir);
    expect(description?.length).toBeLessThanOrEqual(500);
    expect(description?.startsWith("word word")).toBe(true);
  });

  it("keeps the fields it can read when others are malformed", async () => {
    const dir = await artifact({ "README.md": card("pipeline_tag: [1, 2]\nbase_model: org/base\ndatasets: {a: 1}"), "config.json": "[]" });
    expect(await readModelCardMetadata(dir)).toEqual({ declaredBaseModels: ["org/base"] });
  });

  it("has nothing to say about a single-file artifact", async () => {
    const dir = await artifact({});
    expect(await readModelCardMetadata(join(dir, "model.safetensors"))).toEqual({});
  });
});

describe("ModelAudit's licence scenarios", () => {
  it("mit_model: config.json's MIT licence is permissive", async () => {
    const { record } = await detectLicense(join(SCENARIOS, "mit_model"));
    expect(record).toMatchObject({ expression: "MIT", tier: "permissive", source: "config" });
    expect(licenseTierFinding(record)).toBeNull();
  });

  it("mixed_licenses: the MIT LICENSE is read, and the dataset's CC BY-NC 4.0 notice makes the artifact non-commercial", async () => {
    const { record, evidence } = await detectLicense(join(SCENARIOS, "mixed_licenses"));
    const said = evidence.join("\n");
    expect(said).toContain("LICENSE reads as the text of MIT (permissive)");
    expect(said).toContain("dataset_cc_nc.json _license");
    expect(record).toMatchObject({ expression: "CC-BY-NC-4.0", tier: "non-commercial", source: "license-file" });
    expect(licenseTierFinding(record)?.rule).toBe("LICENSE_NON_COMMERCIAL");
  });

  for (const scenario of ["agpl_component", "unlicensed_dataset"]) {
    it(`${scenario}: no licence metadata makes the licence unknown, a finding`, async () => {
      const { record } = await detectLicense(join(SCENARIOS, scenario));
      expect(record).toMatchObject({ expression: null, tier: "unknown", source: "none" });
      const finding = licenseTierFinding(record);
      expect(finding?.severity).toBe("medium");
      expect(finding?.message).toMatch(WHAT_TO_DO);
    });
  }
});

function expectWellFormed(r: LicenseRecord): void {
  expect(LICENSE_TIERS).toContain(r.tier);
  expect(r.detail.length).toBeGreaterThan(0);
  if (r.expression !== null) expect(() => parseSpdx(r.expression ?? "")).not.toThrow();
  if (r.tier === "unknown") expect(licenseTierFinding(r)?.severity).toBe("medium");
}

describe("robustness", () => {
  const licenceWords = fc.constantFrom(
    "MIT",
    "mit",
    "AND",
    "or",
    "WITH",
    "(",
    ")",
    "+",
    "GPL-2.0",
    "llama3.1",
    "openrail++",
    "LicenseRef-",
    "Classpath-exception-2.0",
    "foo",
    "other",
    ":",
  );

  it("classifyLicense never throws and always records a valid expression or none", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 300 }),
          fc.array(licenceWords, { maxLength: 30 }).map((w) => w.join(" ")),
        ),
        (input) => {
          expectWellFormed(classifyLicense(input, "flag"));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("detectLicense never throws on random model cards, config.json and licence files", async () => {
    const dir = await artifact({});
    const bytes = fc.uint8Array({ maxLength: 2048 });
    const frontMatter = fc.string({ unit: "binary", maxLength: 400 }).map((s) => new TextEncoder().encode(`---\n${s}\n---\n${s}`));
    await fc.assert(
      fc.asyncProperty(fc.oneof(bytes, frontMatter), bytes, bytes, bytes, async (readme, config, license, notice) => {
        await writeFile(join(dir, "README.md"), readme);
        await writeFile(join(dir, "config.json"), config);
        await writeFile(join(dir, "LICENSE"), license);
        await writeFile(join(dir, "notice.json"), notice);
        const { record } = await detectLicense(dir);
        expectWellFormed(record);
        await readModelCardMetadata(dir);
      }),
      { numRuns: 200 },
    );
  });
});
