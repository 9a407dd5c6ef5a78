// Sign + verify throughput on a generated 4 GB model (one 2 GB file and four of 512 MB) beside
// `openssl dgst -sha256` over the same files, one process per core, in the same run, warm cache.
// Both are whole commands, start-up included; peak RSS of ours from /usr/bin/time.
// Usage: npm run build && npx tsx bench/hash.ts [--gb 4] [--rounds 3]
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { gb: { type: "string", default: "4" }, rounds: { type: "string", default: "3" } } });
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
  const timed = (cmd: string, args: string[]): { secs: number; rssMiB: number } => {
    let best = { secs: Number.POSITIVE_INFINITY, rssMiB: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const start = process.hrtime.bigint();
      const out = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], { cwd: scratch, env, encoding: "utf8" });
      const secs = Number(process.hrtime.bigint() - start) / 1e9;
      if (out.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${out.stderr.slice(-500)}`);
      const rss = Number(out.stderr.trim().split("\n").at(-1)) / 1024;
      if (secs < best.secs) best = { secs, rssMiB: rss };
    }
    return best;
  };
  const gbps = (secs: number) => (total / 2 ** 30 / secs).toFixed(2);
  console.log(`model: ${GB} GiB in ${files.length} files (largest ${(sizes[0] as number) / 2 ** 30} GiB), ${CORES} cores, warm cache, best of ${ROUNDS}`);
  const openssl = timed("sh", ["-c", `ls model/* | xargs -P ${CORES} -n 1 openssl dgst -sha256 > /dev/null`]);
  console.log(`  openssl dgst -sha256, ${CORES} in parallel   ${openssl.secs.toFixed(2)} s  ${gbps(openssl.secs)} GiB/s`);
  const sign = timed(process.execPath, [BIN, "sign", "key", "--private-key", "key.pem", "model"]);
  console.log(`  perimeter sign key                 ${sign.secs.toFixed(2)} s  ${gbps(sign.secs)} GiB/s  (${((openssl.secs / sign.secs) * 100).toFixed(0)}% of openssl; peak RSS ${sign.rssMiB.toFixed(0)} MiB)`);
  const verify = timed(process.execPath, [BIN, "verify", "key", "--public-key", "key.pub", "model"]);
  console.log(`  perimeter verify key               ${verify.secs.toFixed(2)} s  ${gbps(verify.secs)} GiB/s  (${((openssl.secs / verify.secs) * 100).toFixed(0)}% of openssl; peak RSS ${verify.rssMiB.toFixed(0)} MiB)`);
  console.log("  targets: >= 80% of openssl end to end, peak RSS < 256 MiB");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
