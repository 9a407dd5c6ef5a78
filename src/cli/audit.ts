import { resolve } from "node:path";
import type { Writable } from "node:stream";
import type { Command } from "commander";
import {
  auditVerifierKeys,
  proveInclusion,
  readAuditEvents,
  verifyAuditLog,
  type AuditEvent,
} from "../audit/index.js";
import { EXIT, PerimeterError } from "../errors.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { parseFormat, parsePositiveInt, printJson, resolveActor, withContext, type Cli } from "./context.js";

export function registerAudit(program: Command, cli: Cli): void {
  const globals = cli.globals;
  const audit = program
    .command("audit")
    .description("the tamper-evident audit log: verify it, prove an event is in it, export it");

  audit
    .command("verify")
    .description("recompute every hash, link, Merkle root and checkpoint signature; exit 1 naming the first bad sequence number")
    .option("--public-key <file>", "verify checkpoints with this Ed25519 public key instead of the configured signing key")
    .option("--threads <n>", "verify slices of the log on this many worker threads (pays off on many cores)", "1")
    .option("--format <format>", "text or json", "text")
    .action(cli.run(async (opts: { publicKey?: string; threads: string; format: string }) => {
      const format = parseFormat(opts.format, ["text", "json"] as const);
      const parallelism = parsePositiveInt(opts.threads, "--threads");
      return withContext(globals(), async (ctx) => {
        const report = await verifyAuditLog(ctx.store, auditVerifierKeys(ctx.loaded, opts.publicKey), { parallelism });
        if (format === "json") printJson(report);
        else if (report.ok) {
          process.stdout.write(`audit log verified: ${report.events} events, ${report.checkpoints} checkpoints, root ${report.root}\n`);
        } else {
          process.stdout.write(`audit log FAILED verification: first bad sequence number ${report.firstBadSeq ?? "unknown"}\n`);
          for (const p of report.problems) process.stdout.write(`  ${p.seq === null ? "-" : `#${p.seq}`}: ${p.message}\n`);
        }
        return report.ok ? EXIT.ok : EXIT.refused;
      });
    }));

  audit
    .command("prove")
    .description("print an RFC 6962 inclusion proof of event SEQ against a signed checkpoint")
    .argument("<seq>", "sequence number of the event")
    .option("--format <format>", "json or text", "json")
    .action(cli.run(async (seqText: string, opts: { format: string }) => {
      const format = parseFormat(opts.format, ["text", "json"] as const);
      const seq = parsePositiveInt(seqText, "SEQ");
      return withContext(globals(), async (ctx) => {
        const proof = await proveInclusion(ctx.store, seq, auditVerifierKeys(ctx.loaded));
        if (format === "json") printJson(proof);
        else {
          process.stdout.write(
            `event ${seq} (leaf ${proof.leafIndex}, hash ${proof.leafHash})\n` +
              `is in the tree of ${proof.treeSize} events with root ${proof.rootHash}\n` +
              `audit path (leaf to root):\n${proof.proof.map((h) => `  ${h}\n`).join("")}` +
              `signed checkpoint:\n${proof.checkpoint}`,
          );
        }
        return EXIT.ok;
      });
    }));

  audit
    .command("export")
    .description("write every event, in order, one JSON object a line")
    .option("--format <format>", "jsonl", "jsonl")
    .option("--output <file>", "write to a file instead of standard output")
    .option("--force", "overwrite an existing output file")
    .option("--actor <name>", "who exports, recorded when writing a file (default: PERIMETER_ACTOR, else the OS user)")
    .option("--from <seq>", "start at this sequence number", "1")
    .action(cli.run(async (opts: { format: string; output?: string; force?: boolean; actor?: string; from: string }) => {
      parseFormat(opts.format, ["jsonl"] as const);
      const from = parsePositiveInt(opts.from, "--from");
      return withContext(globals(), async (ctx) => {
        let count = 0;
        const writeAll = async (out: Writable) => {
          for await (const event of readAuditEvents(ctx.store, from)) {
            await writeChunk(out, `${JSON.stringify(event)}\n`);
            count += 1;
          }
        };
        if (opts.output === undefined) await writeAll(process.stdout);
        else {
          const actor = resolveActor(opts.actor);
          await writeOutputFile(opts.output, opts.force === true, writeAll);
          await ctx.audit().append({ actor, action: "audit.export", resource: resolve(opts.output), decision: "allow", details: { events: count, from } });
          process.stderr.write(`exported ${count} events to ${opts.output}\n`);
        }
        return EXIT.ok;
      });
    }));

  audit
    .command("list")
    .description("show the most recent events")
    .option("--last <n>", "how many", "20")
    .option("--format <format>", "text or json", "text")
    .action(cli.run(async (opts: { last: string; format: string }) => {
      const format = parseFormat(opts.format, ["text", "json"] as const);
      const last = parsePositiveInt(opts.last, "--last");
      return withContext(globals(), async (ctx) => {
        const rows = await ctx.store.db.selectFrom("audit_events").select("seq").orderBy("seq", "desc").limit(1).executeTakeFirst();
        const from = Math.max(1, (rows?.seq ?? 0) - last + 1);
        const events: AuditEvent[] = [];
        for await (const e of readAuditEvents(ctx.store, from)) events.push(e);
        if (format === "json") printJson(events);
        else for (const e of events) process.stdout.write(`${formatEvent(e)}\n`);
        return EXIT.ok;
      });
    }));

  audit
    .command("checkpoint")
    .description("sign and store a checkpoint of the log now")
    .option("--actor <name>", "who asks (default: PERIMETER_ACTOR, else the OS user)")
    .option("--format <format>", "text or json", "text")
    .action(cli.run(async (opts: { actor?: string; format: string }) => {
      const format = parseFormat(opts.format, ["text", "json"] as const);
      const actor = resolveActor(opts.actor);
      return withContext(globals(), async (ctx) => {
        const log = ctx.audit();
        await log.append({ actor, action: "audit.checkpoint", resource: "audit-log", decision: "allow" });
        const cp = await log.checkpoint();
        if (cp === undefined) throw new PerimeterError("INTERNAL", "no checkpoint was made");
        if (format === "json") printJson({ treeSize: cp.size, rootHash: cp.root.toString("hex"), note: cp.note });
        else process.stdout.write(cp.note);
        return EXIT.ok;
      });
    }));
}

function formatEvent(e: AuditEvent): string {
  const reason = e.reason === "" ? "" : ` — ${e.reason}`;
  return `#${e.seq} ${e.time} ${e.actor} ${e.action} ${e.resource} ${e.decision}${reason}`;
}
