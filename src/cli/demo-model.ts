import { createHash } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { DEMO_MODEL_FILE, DEMO_MODEL_SEED, buildDemoModel } from "../runtimes/demo-model.js";
import { parseFormat, printJson, resolveActor, withContext, type Cli } from "./context.js";

export function registerDemoModel(program: Command, cli: Cli): void {
  program
    .command("demo-model")
    .description(`write the tiny demo llama model (GGUF, random weights, real tokenizer) to DIR/${DEMO_MODEL_FILE}`)
    .argument("<dir>", "directory to write into (created if missing)")
    .option("--seed <n>", "seed of the random weights (0..4294967295); the same seed writes the same bytes", String(DEMO_MODEL_SEED))
    .option("--force", "overwrite an existing file")
    .option("--actor <name>", "who asks (default: PERIMETER_ACTOR, else the OS user)")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (dir: string, opts: { seed: string; force?: boolean; actor?: string; format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const actor = resolveActor(opts.actor);
        if (!/^[0-9]{1,10}$/.test(opts.seed) || Number(opts.seed) > 0xffffffff) {
          throw new PerimeterError("USAGE", `--seed must be an integer from 0 to 4294967295, not "${opts.seed}"`);
        }
        const path = resolve(dir, DEMO_MODEL_FILE);
        return withContext(cli.globals(), async (ctx) => {
          const bytes = buildDemoModel({ seed: Number(opts.seed) });
          writeAtomically(path, bytes, opts.force === true);
          const sha256 = createHash("sha256").update(bytes).digest("hex");
          const event = await ctx.audit().append({
            actor,
            action: "demo-model.write",
            resource: path,
            decision: "allow",
            details: { bytes: bytes.length, sha256, seed: Number(opts.seed) },
          });
          if (format === "json") printJson({ path, bytes: bytes.length, sha256, auditSeq: event.seq });
          else process.stdout.write(`wrote ${path} (${bytes.length} bytes, sha256 ${sha256})\n`);
          return EXIT.ok;
        });
      }),
    );
}

/** Write to a temporary name, fsync, then rename: a reader never sees a half-written model. */
function writeAtomically(path: string, bytes: Uint8Array, force: boolean): void {
  if (!force && exists(path)) {
    throw new PerimeterError("FILE_EXISTS", `${path} exists; pass --force to overwrite it`);
  }
  const dir = resolve(path, "..");
  const tmp = join(dir, `.${DEMO_MODEL_FILE}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, "w", 0o644);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new PerimeterError("IO_FAILED", `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
