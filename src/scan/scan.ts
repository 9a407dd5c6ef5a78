import { lstatSync, readdirSync, type Stats } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { PerimeterError } from "../errors.js";
import { ignoredByDefault } from "../signing/ignore.js";
import { DEFAULT_LIMITS, detectFormat, scanSource, type ScanLimits } from "./engine.js";
import { finding, verdictOf, type Finding, type Verdict } from "./findings.js";
import type { AllowList } from "./pickle-policy.js";
import { fileSource } from "./source.js";

export interface FileReport {
  readonly path: string;
  /** The POSIX path relative to the scanned directory, as the OMS manifest names it ("." for a file scanned by itself). */
  readonly name: string;
  readonly format: string;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly bytes: number;
}

export interface ScanSummary {
  readonly files: number;
  readonly clean: number;
  readonly malicious: number;
  readonly suspicious: number;
  readonly unscannable: number;
  readonly invalid: number;
  readonly bytes: number;
  readonly durationMs: number;
}

export interface ScanReport {
  readonly files: readonly FileReport[];
  readonly summary: ScanSummary;
}

export interface ScanOptions {
  readonly allow?: AllowList;
  readonly limits?: Partial<ScanLimits>;
  /** Called after each file, for progress display. */
  readonly onFile?: (done: number, total: number, report: FileReport) => void;
  /** Files scanned at once. */
  readonly concurrency?: number;
}

/** Scan files and directories (walked recursively; symlinks are reported, never followed). */
export async function scanPaths(paths: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  const started = performance.now();
  const targets: Target[] = [];
  for (const p of paths) collect(resolve(p), ".", targets);
  const reports = new Array<FileReport>(targets.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i] as Target;
      const report = { ...(t.symlink ? symlinkReport(t.path) : await scanFile(t.path, options)), name: t.name };
      reports[i] = report;
      options.onFile?.(++done, targets.length, report);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return { files: reports, summary: summarize(reports, performance.now() - started) };
}

/** Scan one file. Any failure of the scanner itself is a finding that refuses the file: fail closed. */
export async function scanFile(path: string, options: ScanOptions = {}): Promise<FileReport> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  let source: ReturnType<typeof fileSource>;
  try {
    source = fileSource(path);
  } catch (err) {
    return report(path, "unknown", [finding("READ_FAILED", `cannot read the file: ${(err as Error).message}`, "(file)")], 0);
  }
  try {
    const result = await scanSource(source, "", { limits, allow: options.allow ?? {}, fileName: basename(path) });
    return report(path, result.format, result.findings, source.size);
  } catch (err) {
    return report(path, "unknown", [finding("SCAN_ERROR", `the scanner failed: ${(err as Error).message}`, "(file)")], source.size);
  } finally {
    source.close();
  }
}

/** The file's format by content, as the scan detects it; "unreadable" when it cannot be opened. */
export async function detectFileFormat(path: string): Promise<string> {
  let source: ReturnType<typeof fileSource>;
  try {
    source = fileSource(path);
  } catch {
    return "unreadable";
  }
  try {
    return await detectFormat(source);
  } finally {
    source.close();
  }
}

function report(path: string, format: string, findings: Finding[], bytes: number): FileReport {
  return { path, name: ".", format, verdict: verdictOf(findings), findings, bytes };
}

function symlinkReport(path: string): FileReport {
  return report(path, "symlink", [finding("SYMLINK", "a symbolic link is not followed: it could point at any file on the machine", "(file)")], 0);
}

interface Target {
  readonly path: string;
  readonly name: string;
  readonly symlink: boolean;
}

function collect(path: string, name: string, out: Target[]): void {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    throw new PerimeterError(
      "USAGE",
      `cannot scan ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`,
    );
  }
  if (st.isSymbolicLink()) out.push({ path, name, symlink: true });
  else if (st.isDirectory()) {
    // Exactly what the manifest leaves out (root-level .git, model.sig, …): everything signed is scanned.
    for (const entry of readdirSync(path).sort()) {
      const child = name === "." ? entry : `${name}/${entry}`;
      if (!ignoredByDefault(child)) collect(join(path, entry), child, out);
    }
  } else if (st.isFile()) out.push({ path, name, symlink: false });
}

function summarize(files: readonly FileReport[], durationMs: number): ScanSummary {
  const count = (v: Verdict) => files.filter((f) => f.verdict === v).length;
  return {
    files: files.length,
    clean: count("clean"),
    malicious: count("malicious"),
    suspicious: count("suspicious"),
    unscannable: count("unscannable"),
    invalid: count("invalid"),
    bytes: files.reduce((a, f) => a + f.bytes, 0),
    durationMs: Math.round(durationMs),
  };
}

export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}
