import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
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
          await writeOutputFile(path, opts.force === true, (out) => writeChunk(out, bytes));
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
