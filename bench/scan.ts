// Scanner throughput: files/s and MB/s on picklescan's own corpus and on a generated 2 GB PyTorch
// checkpoint, beside picklescan run on the same files in the same run (when python3 and picklescan's
// source are available: PICKLESCAN_SRC=<dir holding the picklescan package>, or an installed picklescan;
// it needs py7zr and numpy for the corpus's .7z and .npy files: e.g. PICKLESCAN_PYTHON=/usr/bin/python3 with
// Debian's python3-py7zr and python3-numpy).
// Usage: npx tsx bench/scan.ts [--rounds N] [--checkpoint-gb N]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
// The compiled dist/ is measured, as the installed CLI runs it (run `npm run build` first).
const { scanPaths } = (await import(new URL("../dist/scan/scan.js", import.meta.url).href)) as typeof import("../src/scan/scan.js");
import { writeFileSync } from "node:fs";
import { PickleWriter } from "../test/fixtures/pickles.js";
import { writeTorchCheckpoint } from "../test/fixtures/torch-checkpoint.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, "checkpoint-gb": { type: "string", default: "2" } } });
const ROUNDS = Number(values.rounds);
const CORPUS = [
  new URL("../../shared/vectors/picklescan/tests/data", import.meta.url).pathname,
  new URL("../../shared/vectors/picklescan/tests/data2", import.meta.url).pathname,
];
const BIN = new URL("../bin/perimeter.js", import.meta.url).pathname;

function sizeOf(paths: readonly string[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    else {
      files += 1;
      bytes += st.size;
    }
  };
  paths.forEach(walk);
  return { files, bytes };
}

function picklescanCommand(): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } | undefined {
  const env = { ...process.env, ...(process.env["PICKLESCAN_SRC"] ? { PYTHONPATH: process.env["PICKLESCAN_SRC"] } : {}) };
  // -P: never import from the working directory (a stray dis.py there breaks Python's own imports).
  const python = process.env["PICKLESCAN_PYTHON"] ?? "python3";
  const probe = spawnSync(python, ["-P", "-c", "import picklescan.cli"], { env });
  return probe.status === 0 ? { cmd: python, args: ["-P", "-m", "picklescan.cli"], env } : undefined;
}

/** Best of N wall-clock seconds of whole commands run one after another, start-up included. */
function timeCommands(runs: ReadonlyArray<{ cmd: string; args: string[]; env: NodeJS.ProcessEnv }>): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    for (const r of runs) {
      const out = spawnSync(r.cmd, r.args, { env: r.env, stdio: ["ignore", "ignore", "pipe"] });
      // 0 clean, 1 found something; picklescan also exits 2 when some file could not be scanned
      if (out.status === null || out.status > 2) throw new Error(`${r.cmd} ${r.args.join(" ")} failed (${out.status}): ${out.stderr.toString().slice(0, 500)}`);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

async function timeInProcess(paths: string[]): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    await scanPaths(paths);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

/** picklescan's own scan functions timed inside one Python process: its throughput without interpreter start-up. */
function picklescanInProcess(ps: { cmd: string; env: NodeJS.ProcessEnv }, paths: readonly string[]): number {
  const script = [
    "import sys, time, os",
    "from picklescan.scanner import scan_directory_path, scan_file_path",
    "paths = sys.argv[2:]; best = float('inf')",
    "for _ in range(int(sys.argv[1])):",
    "    t = time.perf_counter()",
    "    for p in paths: (scan_directory_path if os.path.isdir(p) else scan_file_path)(p)",
    "    best = min(best, time.perf_counter() - t)",
    "print(best)",
  ].join("\n");
  const out = spawnSync(ps.cmd, ["-P", "-c", script, String(ROUNDS), ...paths], { env: ps.env, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`picklescan in-process run failed: ${out.stderr.slice(0, 500)}`);
  return Number(out.stdout.trim());
}

function line(label: string, files: number, bytes: number, secs: number): string {
  return `  ${label.padEnd(34)} ${secs.toFixed(3).padStart(8)} s  ${(files / secs).toFixed(1).padStart(9)} files/s  ${(bytes / 2 ** 20 / secs).toFixed(1).padStart(10)} MB/s`;
}

const picklescan = picklescanCommand();
const cliScan = (paths: string[]) => [BIN, "scan", "--format", "json", ...paths];
const scratch = mkdtempSync(join(tmpdir(), "perimeter-bench-scan-"));
const cliEnv = { ...process.env, PERIMETER_CONFIG: "", PERIMETER_DATABASE_URL: "" };
try {
  process.chdir(scratch); // the CLI writes its audit event into a scratch .perimeter/
  const corpus = sizeOf(CORPUS);
  console.log(`picklescan corpus: ${corpus.files} files, ${(corpus.bytes / 1024).toFixed(0)} KiB, best of ${ROUNDS}`);
  const ours = await timeInProcess(CORPUS);
  console.log(line("perimeter scan (in process)", corpus.files, corpus.bytes, ours));
  const oursCli = timeCommands([{ cmd: process.execPath, args: cliScan(CORPUS), env: cliEnv }]);
  console.log(line("perimeter scan (CLI, start-up incl.)", corpus.files, corpus.bytes, oursCli));
  if (picklescan) {
    // picklescan takes one -p path per run (a second -p replaces the first): one run per corpus folder.
    const theirs = timeCommands(CORPUS.map((dir) => ({ cmd: picklescan.cmd, args: [...picklescan.args, "-p", dir], env: picklescan.env })));
    console.log(line("picklescan (CLI, start-up incl.)", corpus.files, corpus.bytes, theirs));
    const theirsIn = picklescanInProcess(picklescan, CORPUS);
    console.log(line("picklescan (in process)", corpus.files, corpus.bytes, theirsIn));
    console.log(`  ratio in process: ${(theirsIn / ours).toFixed(1)}x picklescan's throughput; CLI vs CLI: ${(theirs / oursCli).toFixed(1)}x`);
  } else {
    console.log("  picklescan: not available (set PICKLESCAN_SRC to the directory holding its picklescan package)");
  }

  const gb = Number(values["checkpoint-gb"]);
  const path = join(scratch, "pytorch_model.bin");
  const perTensor = 256 * 2 ** 20;
  const count = Math.max(1, Math.round((gb * 2 ** 30) / perTensor));
  const bytes = await writeTorchCheckpoint(
    path,
    Array.from({ length: count }, (_, i) => ({ name: `layers.${i}.weight`, numel: perTensor / 4 })),
  );
  execFileSync("cat", [path], { stdio: ["ignore", "ignore", "ignore"], maxBuffer: 1 }); // warm the page cache
  console.log(`\ngenerated PyTorch checkpoint: ${(bytes / 2 ** 30).toFixed(2)} GiB, ${count} tensors`);
  const oursBigIn = await timeInProcess([path]);
  console.log(line("perimeter scan (in process)", 1, bytes, oursBigIn));
  const oursBig = timeCommands([{ cmd: process.execPath, args: cliScan([path]), env: cliEnv }]);
  console.log(line("perimeter scan (CLI, start-up incl.)", 1, bytes, oursBig));
  if (picklescan) {
    const theirsBig = timeCommands([{ cmd: picklescan.cmd, args: [...picklescan.args, "-p", path], env: picklescan.env }]);
    console.log(line("picklescan (CLI, start-up incl.)", 1, bytes, theirsBig));
    const theirsBigIn = picklescanInProcess(picklescan, [path]);
    console.log(line("picklescan (in process)", 1, bytes, theirsBigIn));
    console.log(`  ratio in process: ${(theirsBigIn / oursBigIn).toFixed(1)}x picklescan's throughput; CLI vs CLI: ${(theirsBig / oursBig).toFixed(1)}x`);
  }

  // Where scanning time really goes: a large pickle stream (joblib/sklearn models, optimizer states,
  // legacy checkpoints with many tensors) that has to be read opcode by opcode.
  const big = join(scratch, "large.pkl");
  const w = new PickleWriter().proto(4).op("]").mark();
  for (let i = 0; i < 400_000; i++)
    w.mark()
      .unicode(`layer.${i}.weight`)
      .int(i)
      .int(i * 7)
      .unicode("float32")
      .op("t");
  writeFileSync(big, w.op("e").stop().bytes());
  const bigBytes = statSync(big).size;
  console.log(`\ngenerated large pickle: ${(bigBytes / 2 ** 20).toFixed(1)} MiB, 400,000 records`);
  const oursPkl = await timeInProcess([big]);
  console.log(line("perimeter scan (in process)", 1, bigBytes, oursPkl));
  if (picklescan) {
    const theirsPkl = picklescanInProcess(picklescan, [big]);
    console.log(line("picklescan (in process)", 1, bigBytes, theirsPkl));
    console.log(`  ratio in process: ${(theirsPkl / oursPkl).toFixed(1)}x picklescan's throughput`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
