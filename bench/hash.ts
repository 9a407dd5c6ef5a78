// Hash, sign and verify throughput on a generated 4 GB model (one 2 GB file and four of 512 MB) beside
// `openssl dgst -sha256` over the same files, one process per core, in the same run, warm cache.
// All are whole commands, start-up included; peak RSS of ours from /usr/bin/time. Rounds alternate between
// the commands (openssl, hash, sign, verify, openssl, …) so that a noisy machine slows each alike; best of.
// `perimeter --version` is timed too: the CLI's start-up, which every command pays.
// Usage: npm run build && npx tsx bench/hash.ts [--gb 4] [--rounds 3] [--baseline /other/checkout/bin/perimeter.js]
//   --baseline times another build's commands in the same rounds (e.g. a worktree of the previous commit, built)
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { gb: { type: "string", default: "4" }, rounds: { type: "string", default: "3" }, baseline: { type: "string" } } });
const BASELINE = values.baseline;
const GB = Number(values.gb);
const ROUNDS = Number(values.rounds);
const BIN = new URL("../bin/perimeter.js", import.meta.url).pathname;
const CORES = availableParallelism();

const scratch = mkdtempSync(join(tmpdir(), "perimeter-bench-hash-"));
const model = join(scratch, "model");
mkdirSync(model);
try {
  // Pseudo-random content (not zeros, which some filesystems store sparsely), written in 16 MiB blocks.
  const block = Buffer.alloc(16 << 20);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  const total = GB * 2 ** 30;
  const sizes = [total / 2, ...Array.from({ length: 4 }, () => total / 8)];
  const files = sizes.map((size, i) => {
    const path = join(model, i === 0 ? "model-00001.safetensors" : `model-0000${i + 1}.safetensors`);
    const fd = openSync(path, "w");
    for (let written = 0; written < size; written += block.length) writeSync(fd, block, 0, Math.min(block.length, size - written));
    closeSync(fd);
    return path;
  });
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  writeFileSync(join(scratch, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(join(scratch, "key.pub"), publicKey.export({ type: "spki", format: "pem" }));
  execFileSync("cat", files, { stdio: ["ignore", "ignore", "ignore"] }); // warm the page cache

  const env = { ...process.env, PERIMETER_CONFIG: "", PERIMETER_DATABASE_URL: "" };
  // Wall time is what a user waits; CPU time (user + system, children included) is what the work costs and
  // reads steadier than wall time on a machine other jobs share.
  const once = (cmd: string, args: readonly string[]): { secs: number; cpu: number; rssMiB: number } => {
    const start = process.hrtime.bigint();
    const out = spawnSync("/usr/bin/time", ["-f", "%M %U %S", cmd, ...args], { cwd: scratch, env, encoding: "utf8" });
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    if (out.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${out.stderr.slice(-500)}`);
    const [rss, user, sys] = (out.stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
    return { secs, cpu: (user ?? Number.NaN) + (sys ?? Number.NaN), rssMiB: (rss ?? Number.NaN) / 1024 };
  };
  // Each command as a user runs it; with --baseline, the same commands of another build in the same rounds.
  const perimeterCommands = (bin: string, tag: string) => [
    { key: `startup${tag}`, label: `perimeter --version (start-up)${tag}`, cmd: process.execPath, args: [bin, "--version"], hashes: false },
    { key: `hash${tag}`, label: `perimeter hash${tag}`, cmd: process.execPath, args: [bin, "hash", "model"], hashes: true },
    {
      key: `sign${tag}`,
      label: `perimeter sign key${tag}`,
      cmd: process.execPath,
      args: [bin, "sign", "key", "--private-key", "key.pem", "model"],
      hashes: true,
    },
    {
      key: `verify${tag}`,
      label: `perimeter verify key${tag}`,
      cmd: process.execPath,
      args: [bin, "verify", "key", "--public-key", "key.pub", "model"],
      hashes: true,
    },
  ];
  const commands = [
    {
      key: "openssl",
      label: `openssl dgst -sha256, ${CORES} in parallel`,
      cmd: "sh",
      args: ["-c", `ls model/* | xargs -P ${CORES} -n 1 openssl dgst -sha256 > /dev/null`],
      hashes: true,
    },
    ...perimeterCommands(BIN, ""),
    ...(BASELINE === undefined ? [] : perimeterCommands(BASELINE, " (baseline)")),
  ];
  const best = new Map<string, { secs: number; cpu: number; rssMiB: number }>();
  const all = new Map<string, number[]>();
  const cpuBest = new Map<string, number>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of commands) {
      const t = once(c.cmd, c.args);
      all.set(c.key, [...(all.get(c.key) ?? []), t.secs]);
      if (t.secs < (best.get(c.key)?.secs ?? Number.POSITIVE_INFINITY)) best.set(c.key, t);
      cpuBest.set(c.key, Math.min(cpuBest.get(c.key) ?? Number.POSITIVE_INFINITY, t.cpu));
    }
  }
  const gbps = (secs: number) => (total / 2 ** 30 / secs).toFixed(2);
  const openssl = best.get("openssl")?.secs ?? Number.NaN;
  const opensslCpu = cpuBest.get("openssl") ?? Number.NaN;
  console.log(
    `model: ${GB} GiB in ${files.length} files (largest ${(sizes[0] as number) / 2 ** 30} GiB), ${CORES} cores, warm cache, best of ${ROUNDS}${BASELINE === undefined ? "" : `; baseline ${BASELINE}`}`,
  );
  console.log("  wall: best (and every round); CPU: user + system, best round; % of openssl: its time over ours");
  for (const c of commands) {
    const t = best.get(c.key);
    const cpuSecs = cpuBest.get(c.key) ?? Number.NaN;
    if (t === undefined) continue;
    const vs =
      c.key === "openssl" || !c.hashes ? "" : `  (${((openssl / t.secs) * 100).toFixed(0)}% of openssl; CPU ${((opensslCpu / cpuSecs) * 100).toFixed(0)}%)`;
    const rate = c.hashes ? `  ${gbps(t.secs)} GiB/s` : "";
    console.log(
      `  ${c.label.padEnd(46)} ${t.secs.toFixed(2)} s${rate}  CPU ${cpuSecs.toFixed(2)} s  peak RSS ${t.rssMiB.toFixed(0)} MiB${vs}  [${(all.get(c.key) ?? []).map((x) => x.toFixed(2)).join(" ")}]`,
    );
  }
  console.log("  targets: >= 80% of openssl end to end, peak RSS < 256 MiB");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
