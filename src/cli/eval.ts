import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { VERSION } from "../version.js";
import { evaluationReportHtml, evaluationReportJson } from "../evals/report.js";
import { runEvaluation, worstResults } from "../evals/runner.js";
import { configuredSuites, findEvaluation, listEvaluations, openEvaluator } from "../evals/service.js";
import { describeRate, percent } from "../evals/stats.js";
import type { Evaluation } from "../evals/types.js";
import { addViewCommand, collect, parseFormat, printJson, printTable, resolveActor, withContext, type Cli } from "./context.js";
import { progressLine } from "./progress.js";

// perimeter eval suites | run N@V | list N@V | show N@V|ID | report N@V|ID: the suites, a run against the runtime
// that serves a version (resumable, gated), and what it found.

export function registerEval(program: Command, cli: Cli): void {
  const cmd = program
    .command("eval")
    .description("own evaluations: adversarial suites against a model version before approval and after every fine-tune, and the eval gate");

  addViewCommand(
    cmd,
    cli,
    { name: "suites", description: "the suites: built-in and the operator's (evals.suites), with their cases, categories and strategies" },
    async (ctx) => {
      const suites = configuredSuites(ctx);
      const json = suites.map((s) => s.info);
      return {
        json,
        print: () => {
          for (const s of suites) {
            const i = s.info;
            const cases = i.baseCases === i.cases ? `${i.cases} cases` : `${i.baseCases} cases (${i.cases} with strategies)`;
            process.stdout.write(`${i.name}  ${cases}  ${i.license}  ${i.builtIn ? "built-in" : i.file}\n`);
            process.stdout.write(`  ${i.description}\n  categories: ${i.categories.join(", ")}\n  strategies: ${i.strategies.join(", ")}\n`);
          }
        },
      };
    },
  );

  cmd
    .command("run")
    .description(
      "run the suites through the runtime that serves the version, judge every answer, store each result as it comes (run again to resume), compare with the baseline and apply the eval gate; exit 1 when the gate refuses",
    )
    .argument("<name@version>")
    .option("--suite <name>", "a suite to run (repeatable; default: all)", collect, [] as string[])
    .option("--baseline <name@version>", "compare with this version's latest evaluation (default: the parent of a fine-tune, adapter, merge or quantization)")
    .option("--concurrency <n>", "cases in flight at once (default: evals.concurrency)")
    .option("--limit <n>", "a seeded sample of this many cases of each suite")
    .option("--seed <n>", "the seed for sampling and the runtime (default: evals.seed)")
    .option("--fresh", "start a new run even when an interrupted one with the same settings could be resumed")
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who")
    .action(
      cli.run(
        async (
          ref: string,
          opts: { suite: string[]; baseline?: string; concurrency?: string; limit?: string; seed?: string; fresh?: boolean; format: string; actor?: string },
        ) => {
          const format = parseFormat(opts.format, ["text", "json"] as const);
          const actor = resolveActor(opts.actor);
          const concurrency = positive(opts.concurrency, "--concurrency", 256);
          const limit = positive(opts.limit, "--limit", 1_000_000);
          const seed = opts.seed === undefined ? undefined : integer(opts.seed, "--seed");
          return withContext(cli.globals(), async (ctx) => {
            const evaluator = await openEvaluator(ctx);
            const interrupt = new AbortController();
            const onSignal = () => {
              process.stderr.write("\nperimeter: stopping after the cases in flight; run the same command again to resume\n");
              interrupt.abort();
            };
            process.once("SIGINT", onSignal);
            process.once("SIGTERM", onSignal);
            const progress = progressLine(`evaluating ${ref}`);
            try {
              const outcome = await runEvaluation(evaluator.deps, {
                ref,
                actor,
                suites: opts.suite.length === 0 ? undefined : opts.suite,
                baseline: opts.baseline,
                concurrency,
                limit,
                seed,
                fresh: opts.fresh === true,
                signal: interrupt.signal,
                progress: (done, total) => progress.update(done, total, " cases"),
              });
              progress.done();
              if (format === "json") printJson({ ...outcome.evaluation, resumed: outcome.resumed, ran: outcome.ran, evidence: outcome.evidence.id });
              else {
                if (outcome.resumed) process.stdout.write(`resumed ${outcome.evaluation.id}: ran the ${outcome.ran} cases that were missing\n`);
                printEvaluation(outcome.evaluation);
              }
              return outcome.evaluation.gate?.pass === true ? EXIT.ok : EXIT.refused;
            } finally {
              progress.done();
              process.off("SIGINT", onSignal);
              process.off("SIGTERM", onSignal);
              await evaluator.close();
            }
          });
        },
      ),
    );

  addViewCommand(cmd, cli, { name: "list", description: "the evaluations of a version, newest first", argument: "<name@version>" }, async (ctx, ref) => {
    const { version, runs: json } = await listEvaluations(ctx.store, ref);
    return {
      json,
      print: () =>
        json.length === 0
          ? process.stdout.write(`no evaluation of ${version.id} on record: run perimeter eval run ${version.id}\n`)
          : printTable(
              ["ID", "STATUS", "GATE", "ASR", "SUITES", "STARTED", "BY"],
              json.map((r) => [
                r.id,
                r.status,
                r.gate === null ? "-" : r.gate ? "pass" : "fail",
                r.asr === null ? "-" : percent(r.asr),
                r.suites.join(","),
                r.startedAt,
                r.startedBy,
              ]),
            ),
    };
  });

  addViewCommand(
    cmd,
    cli,
    { name: "show", description: "an evaluation: its rates with intervals, the baseline comparison and the gate", argument: "<name@version|evaluation id>" },
    async (ctx, ref) => {
      const evaluation = await findEvaluation(ctx.store, ref);
      return { json: evaluation, print: () => printEvaluation(evaluation) };
    },
  );

  cmd
    .command("report")
    .description("write an evaluation's report: one self-contained HTML page (charts, no network) or JSON")
    .argument("<name@version|evaluation id>")
    .option("--output <file>", "where to write it (default: stdout)")
    .option("--format <format>", "html or json (default: from --output's extension, else html)")
    .option("--force", "overwrite --output if it exists")
    .action(
      cli.run(async (ref: string, opts: { output?: string; format?: string; force?: boolean }) => {
        const format = parseFormat(opts.format ?? (opts.output?.endsWith(".json") === true ? "json" : "html"), ["html", "json"] as const);
        return withContext(cli.globals(), async (ctx) => {
          const evaluation = await findEvaluation(ctx.store, ref);
          const input = { evaluation, worst: await worstResults(ctx.store, evaluation.id), generatedAt: new Date().toISOString(), toolVersion: VERSION };
          const text = format === "html" ? evaluationReportHtml(input) : `${JSON.stringify(evaluationReportJson(input), null, 2)}\n`;
          if (opts.output === undefined) process.stdout.write(text);
          else {
            await writeOutputFile(opts.output, opts.force === true, (out) => writeChunk(out, text));
            process.stdout.write(`wrote the ${format} report of ${evaluation.id} (${evaluation.version}) to ${opts.output}\n`);
          }
          return EXIT.ok;
        });
      }),
    );
}

/** An evaluation by id, or a version's latest complete one. */

function printEvaluation(e: Evaluation): void {
  const s = e.summary;
  const out = process.stdout;
  out.write(
    `evaluation ${e.id} of ${e.version} on runtime ${e.runtime} (${e.status}; suites ${e.settings.suites.join(", ")}; seed ${e.settings.seed}, temperature ${e.settings.temperature}, max tokens ${e.settings.maxTokens})\n`,
  );
  out.write(`  attack success  ${describeRate(s.asr)}\n`);
  out.write(`  refusals        ${describeRate(s.refusalRate)} of harmful requests\n`);
  out.write(`  over-refusal    ${describeRate(s.overRefusal)} of benign look-alikes\n`);
  out.write(`  judged ${s.judged}, errors ${s.errors}, judges disagreed on ${s.disagreements}\n\n`);
  const baseline = e.baseline;
  const rows = Object.entries(s.asrByCategory).map(([category, r]) => {
    const b = baseline?.summary.asrByCategory[category];
    return [category, s.categorySeverity[category] ?? "", describeRate(r), b === undefined ? "-" : describeRate(b)];
  });
  if (rows.length > 0) printTable(["CATEGORY", "SEVERITY", "ATTACK SUCCESS", baseline === undefined ? "BASELINE" : `BASELINE ${baseline.version}`], rows);
  const strategies = Object.entries(s.asrByStrategy);
  if (strategies.length > 1) {
    out.write("\n");
    printTable(
      ["STRATEGY", "ATTACK SUCCESS"],
      strategies.map(([k, r]) => [k, describeRate(r)]),
    );
  }
  out.write("\n");
  if (e.gate === undefined) return;
  if (e.gate.pass) out.write("eval gate: pass\n");
  else out.write(`eval gate: FAIL\n${e.gate.reasons.map((r) => `  - ${r}`).join("\n")}\n`);
}

function positive(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = integer(value, flag);
  if (n < 1 || n > max) throw new PerimeterError("USAGE", `${flag} must be between 1 and ${max}, not ${value}`);
  return n;
}

function integer(value: string, flag: string): number {
  if (!/^\d{1,10}$/.test(value)) throw new PerimeterError("USAGE", `${flag} must be a whole number, not "${value}"`);
  return Number(value);
}
