import { resolve } from "node:path";
import type { Writable } from "node:stream";
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { AuditVerifierKey } from "../audit/checkpoint.js";
import { auditEventFields, auditExportLines, verifyAuditExport, type ExportedKey } from "../audit/export.js";
import {
  auditVerifierKeys,
  auditWitnesses,
  checkInclusionProof,
  proveInclusion,
  pushWitnesses,
  verifyAuditLog,
  witnessFromTarget,
  witnessStatuses,
  type AuditEvent,
  type AuditVerifyReport,
  type InclusionProof,
  type WitnessPush,
} from "../audit/index.js";
import type { ProofCheck } from "../audit/proof.js";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import { pageAuditEvents } from "../audit/query.js";
import { EXIT, PerimeterError } from "../errors.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { parseFormat, parsePositiveInt, printJson, resolveActor, withContext, type Cli } from "./context.js";

export function registerAudit(program: Command, cli: Cli): void {
  const globals = cli.globals;
  const audit = program.command("audit").description("the tamper-evident audit log: verify it, prove an event is in it, export it");

  audit
    .command("verify")
    .description("recompute every hash, link, Merkle root and checkpoint signature; exit 1 naming the first bad sequence number")
    .option("--public-key <file>", "verify checkpoints with this Ed25519 public key instead of the configured signing key")
    .option(
      "--witness [file|url]",
      "check the log against this witness only: a file, an http(s):// URL or s3://BUCKET/PREFIX; alone, every configured witness (the default, except with --from-export)",
    )
    .option("--no-witness", "verify without a witness: a log rolled back to an earlier signed state then passes")
    .option("--from-export <file>", "verify an export (perimeter audit export) instead of the store, offline")
    .option("--threads <n>", "verify slices of the log on this many worker threads (pays off on many cores)", "1")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { publicKey?: string; witness?: string | boolean; fromExport?: string; threads: string; format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const parallelism = parsePositiveInt(opts.threads, "--threads");
        const witnesses = (loaded: LoadedConfig) =>
          opts.witness === false ? [] : typeof opts.witness === "string" ? [witnessFromTarget(loaded, opts.witness)] : auditWitnesses(loaded);
        if (opts.fromExport !== undefined) {
          const file = opts.fromExport;
          const loaded = loadConfig({ path: globals().config });
          // Only witnesses asked for on the command line: the export is verified away from the store's host.
          const exportWitnesses = opts.witness === undefined ? [] : witnesses(loaded);
          const { report, publicKeys } = await verifyAuditExport(file, auditVerifierKeys(loaded, opts.publicKey), { witnesses: exportWitnesses });
          return printVerifyReport(report, format, `export ${file}`, publicKeys);
        }
        return withContext(globals(), async (ctx) => {
          const report = await verifyAuditLog(ctx.store, auditVerifierKeys(ctx.loaded, opts.publicKey), { parallelism, witnesses: witnesses(ctx.loaded) });
          return printVerifyReport(report, format, "audit log");
        });
      }),
    );

  const witness = audit
    .command("witness")
    .description("the witnesses of the log's signed head (audit.witnessFile, audit.witnesses): write the head to them now, or show what they hold");

  witness
    .command("push")
    .description("write the log's current signed head to every configured witness now (only forward), and print what each holds")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        return withContext(globals(), async (ctx) => {
          const pushed = await pushWitnesses(ctx.store, auditVerifierKeys(ctx.loaded), auditWitnesses(ctx.loaded));
          if (pushed === undefined) {
            if (format === "json") printJson({ size: 0, witnesses: [] });
            else process.stdout.write("the audit log is empty: there is no signed head to witness yet\n");
            return EXIT.ok;
          }
          if (format === "json") printJson({ size: pushed.size, root: pushed.root, witnesses: pushed.results });
          else {
            process.stdout.write(`the signed head: ${pushed.size} events, root ${pushed.root}\n`);
            for (const r of pushed.results) process.stdout.write(`${r.name}\n  ${r.outcome}: ${r.message}\n${holdsLine(r.holds)}`);
          }
          const outcomes = pushed.results.map((r) => r.outcome);
          return outcomes.includes("refused") ? EXIT.refused : outcomes.includes("failed") ? EXIT.internal : EXIT.ok;
        });
      }),
    );

  witness
    .command("show")
    .description("print what each configured witness holds (size, root, when) and whether the local log is consistent with it; exit 1 if one is not")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        return withContext(globals(), async (ctx) => {
          const statuses = await witnessStatuses(ctx.store, auditVerifierKeys(ctx.loaded), auditWitnesses(ctx.loaded));
          if (format === "json") printJson({ witnesses: statuses });
          else for (const st of statuses) process.stdout.write(`${st.name}\n${holdsLine(st.holds)}  ${st.state}: ${st.message}\n`);
          const bad = statuses.filter((st) => !st.ok);
          return bad.some((st) => st.state !== "unreadable") ? EXIT.refused : bad.length > 0 ? EXIT.internal : EXIT.ok;
        });
      }),
    );

  audit
    .command("prove")
    .description("print an RFC 6962 inclusion proof of event SEQ against a signed checkpoint, or check a saved one offline (--verify FILE)")
    .argument("[seq]", "sequence number of the event")
    .option("--verify [file]", "check a proof saved from `audit prove SEQ` (or, with SEQ, the proof just made) against the audit public key, without the store")
    .option("--public-key <file>", "check checkpoints with this Ed25519 public key instead of the configured signing key")
    .option("--format <format>", "json or text", "json")
    .action(
      cli.run(async (seqText: string | undefined, opts: { format: string; verify?: string | boolean; publicKey?: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        if (typeof opts.verify === "string") {
          if (seqText !== undefined) throw new PerimeterError("USAGE", "give either SEQ (prove and check it) or --verify FILE (check a saved proof), not both");
          const proof = readProofFile(opts.verify);
          const loaded = loadConfig({ path: globals().config });
          return printProofCheck(proof, checkInclusionProof(proof, auditVerifierKeys(loaded, opts.publicKey)), format);
        }
        if (seqText === undefined) throw new PerimeterError("USAGE", "audit prove needs SEQ, or --verify FILE to check a saved proof");
        const seq = parsePositiveInt(seqText, "SEQ");
        return withContext(globals(), async (ctx) => {
          const keys = auditVerifierKeys(ctx.loaded, opts.publicKey);
          const proof = await proveInclusion(ctx.store, seq, keys);
          if (opts.verify === true) return printProofCheck(proof, checkInclusionProof(proof, keys), format);
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
      }),
    );

  audit
    .command("export")
    .description(
      "write the log for offline verification: a header with the public keys, every event in order, the signed checkpoints and head, one JSON object a line",
    )
    .option("--format <format>", "jsonl", "jsonl")
    .option("--output <file>", "write to a file instead of standard output")
    .option("--force", "overwrite an existing output file")
    .option("--actor <name>", "who exports, recorded when writing a file (default: PERIMETER_ACTOR, else the OS user)")
    .option("--from <seq>", "start at this sequence number (a partial export cannot be verified on its own)", "1")
    .action(
      cli.run(async (opts: { format: string; output?: string; force?: boolean; actor?: string; from: string }) => {
        parseFormat(opts.format, ["jsonl"] as const);
        const from = parsePositiveInt(opts.from, "--from");
        return withContext(globals(), async (ctx) => {
          let count = 0;
          let keys: AuditVerifierKey[] = [];
          try {
            keys = auditVerifierKeys(ctx.loaded);
          } catch {
            // No signing key yet (nothing was ever audited here): the export names no key.
          }
          const writeAll = async (out: Writable) => {
            for await (const line of auditExportLines(ctx.store, ctx.loaded.config.audit.origin, keys, from)) {
              await writeChunk(out, `${line}\n`);
              if (line.startsWith('{"type":"event"')) count += 1;
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
      }),
    );

  audit
    .command("list")
    .description("show the most recent events, oldest first; filter by actor, action (or a prefix: kill.* or control.*) or decision")
    .option("--last <n>", "how many", "20")
    .option("--actor <actor>", "only this actor's events (a person, or identity:ID)")
    .option("--action <action>", "only this action, or a prefix ending in . or * (e.g. policy.*)")
    .option("--decision <decision>", "allow or deny")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { last: string; actor?: string; action?: string; decision?: string; format: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const limit = parsePositiveInt(opts.last, "--last");
        const decision = opts.decision === undefined ? undefined : parseFormat(opts.decision, ["allow", "deny"] as const, "--decision");
        return withContext(globals(), async (ctx) => {
          const page = await pageAuditEvents(ctx.store, { limit, actor: opts.actor, action: opts.action, decision });
          const events = page.events.reverse();
          if (format === "json") printJson(events);
          else for (const e of events) process.stdout.write(`${formatEvent(e)}\n`);
          return EXIT.ok;
        });
      }),
    );

  audit
    .command("checkpoint")
    .description("sign and store a checkpoint of the log now")
    .option("--actor <name>", "who asks (default: PERIMETER_ACTOR, else the OS user)")
    .option("--format <format>", "text or json", "text")
    .action(
      cli.run(async (opts: { actor?: string; format: string }) => {
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
      }),
    );
}

function holdsLine(holds: WitnessPush["holds"]): string {
  return holds === undefined ? "" : `  holds: ${holds.size} events, root ${holds.root}, recorded at ${holds.recordedAt}\n`;
}

function printVerifyReport(report: AuditVerifyReport, format: "text" | "json", what: string, publicKeys?: readonly ExportedKey[]): number {
  if (format === "json") printJson(publicKeys === undefined ? report : { ...report, publicKeys });
  else if (report.ok) {
    process.stdout.write(`${what} verified: ${report.events} events, ${report.checkpoints} checkpoints, root ${report.root}\n`);
  } else {
    process.stdout.write(`${what} FAILED verification: first bad sequence number ${report.firstBadSeq ?? "unknown"}\n`);
    for (const p of report.problems) process.stdout.write(`  ${p.seq === null ? "-" : `#${p.seq}`}: ${p.message}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.refused;
}

const proofSchema = z.strictObject({
  event: z.strictObject(auditEventFields),
  leafIndex: z.number().int().min(0),
  leafHash: z.string(),
  treeSize: z.number().int().min(1),
  rootHash: z.string(),
  proof: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(64),
  checkpoint: z.string().max(10_000),
});

function readProofFile(file: string): InclusionProof {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new PerimeterError("USAGE", `--verify ${file} is not a readable JSON file: ${(err as Error).message}`);
  }
  const parsed = proofSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PerimeterError(
      "USAGE",
      `--verify ${file} is not an inclusion proof from perimeter audit prove (${issue === undefined ? "invalid" : `${issue.path.join(".")}: ${issue.message}`})`,
    );
  }
  return parsed.data;
}

function printProofCheck(proof: InclusionProof, check: ProofCheck, format: "text" | "json"): number {
  const result = check;
  if (format === "json") printJson({ ...result, seq: proof.event.seq, treeSize: proof.treeSize });
  else if (result.ok) process.stdout.write(`proof verified: event ${proof.event.seq} is in the signed tree of ${proof.treeSize} events\n`);
  else process.stdout.write(`proof FAILED: ${result.reason}\n`);
  return result.ok ? EXIT.ok : EXIT.refused;
}

function formatEvent(e: AuditEvent): string {
  const reason = e.reason === "" ? "" : ` — ${e.reason}`;
  return `#${e.seq} ${e.time} ${e.actor} ${e.action} ${e.resource} ${e.decision}${reason}`;
}
