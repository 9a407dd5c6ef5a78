import { readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { scanFile, scanPaths, type FileReport } from "../../src/scan/scan.js";

// The published corpora, classified as their READMEs say (../shared/vectors/README.md).

const VECTORS = new URL("../../../shared/vectors/", import.meta.url).pathname;
const PICKLESCAN = join(VECTORS, "picklescan/tests");
const MODELAUDIT = join(VECTORS, "modelaudit/tests/assets");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function describeReport(r: FileReport): string {
  return `${r.verdict} [${r.format}] ${r.findings.map((f) => `${f.rule}: ${f.message} @ ${f.location}`).join(" | ")}`;
}

const MUST_REFUSE =
  /^(malicious|GHSA-)|exploit|_sploit|^cloudpickle_|^dns_exfiltration|^io_FileIO|^logging_FileHandler|^types_CodeType|^urllib_request_urlopen|^pytorch_magic_bypass\.pt$/;
const MUST_PASS = /^(benign|int_array)|^pytorch_model\.bin$|^new_pytorch_model\.bin$/;

describe("picklescan's corpus", () => {
  const all = [...files(join(PICKLESCAN, "data")), ...files(join(PICKLESCAN, "data2"))];

  it("holds the files its README describes", () => {
    expect(all.length).toBeGreaterThanOrEqual(100);
  });

  for (const path of all) {
    const name = basename(path);
    if (name === "benign_password_protected.zip") {
      it("refuses the password-protected zip as unscannable, saying it is encrypted", async () => {
        const r = await scanFile(path);
        expect(r.verdict, describeReport(r)).toBe("unscannable");
        expect(r.findings.some((f) => f.rule === "ARCHIVE_ENCRYPTED")).toBe(true);
      });
    } else if (MUST_REFUSE.test(name)) {
      it(`refuses ${name}`, async () => {
        const r = await scanFile(path);
        expect(r.verdict, describeReport(r)).not.toBe("clean");
        expect(r.findings.length).toBeGreaterThan(0);
      });
    } else if (MUST_PASS.test(name)) {
      it(`passes ${name} clean`, async () => {
        const r = await scanFile(path);
        expect(r.verdict, describeReport(r)).toBe("clean");
      });
    } else {
      it(`decides ${name} from its bytes and says why`, async () => {
        const r = await scanFile(path);
        // object arrays, not_a_pickle.bin, bad_pytorch.pt, broken_model.pkl: whatever the verdict, a refusal
        // must carry findings that name the reason.
        if (r.verdict !== "clean") expect(r.findings.length, describeReport(r)).toBeGreaterThan(0);
        for (const f of r.findings) expect(f.message.length).toBeGreaterThan(10);
        expect(describeReport(r)).toMatchSnapshot();
      });
    }
  }
});

const MA_REFUSE = /malicious|exploit|attack|bypass|evil|nested_pickle|decode_exec|dill_func|path_traversal/;
const MA_PASS = /safe|benign/;

describe("ModelAudit's corpus", () => {
  for (const path of files(MODELAUDIT)) {
    const rel = relative(MODELAUDIT, path);
    if (rel === "LICENSE" || rel.endsWith("/LICENSE")) continue;
    if (rel.startsWith("scenarios/")) continue; // judged as whole model folders below
    if (rel.startsWith("samples/safetensors/")) {
      // Structurally valid; metadata text cannot execute: reported, not refused.
      it(`passes ${rel} and reports what its metadata holds`, async () => {
        const r = await scanFile(path);
        expect(r.verdict, describeReport(r)).toBe("clean");
        const notes = r.findings.filter((f) => f.rule === "SAFETENSORS_METADATA");
        if (rel.includes("safe_model")) expect(notes).toEqual([]);
        else expect(notes.length, describeReport(r)).toBeGreaterThan(0);
      });
    } else if (MA_REFUSE.test(rel)) {
      it(`refuses ${rel}`, async () => {
        const r = await scanFile(path);
        expect(r.verdict, describeReport(r)).not.toBe("clean");
      });
    } else if (MA_PASS.test(rel) && !rel.startsWith("samples/jinja2/edge_cases")) {
      it(`passes ${rel} clean`, async () => {
        const r = await scanFile(path);
        expect(r.verdict, describeReport(r)).toBe("clean");
      });
    } else {
      it(`decides ${rel} without crashing and says why`, async () => {
        const r = await scanFile(path);
        expect(r.findings.every((f) => f.message.length > 10)).toBe(true);
        expect(describeReport(r)).toMatchSnapshot();
      });
    }
  }
});

describe("ModelAudit's scenario folders, scanned as model directories", () => {
  const root = join(MODELAUDIT, "scenarios");
  const folders = readdirSync(root).flatMap((group) => readdirSync(join(root, group)).map((f) => join(root, group, f)));
  for (const folder of folders) {
    const rel = relative(root, folder);
    it(`${MA_REFUSE.test(rel) ? "refuses" : "decides"} the folder ${rel}`, async () => {
      const report = await scanPaths([folder]);
      const refused = report.files.filter((f) => f.verdict !== "clean");
      if (MA_REFUSE.test(rel)) expect(refused.length, report.files.map(describeReport).join("\n")).toBeGreaterThan(0);
      expect(report.files.map((f) => `${relative(folder, f.path)}: ${describeReport(f)}`)).toMatchSnapshot();
    });
  }
});
