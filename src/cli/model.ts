import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { inventoryFindings } from "../inventory/findings.js";
import { openFindings, type VersionFinding } from "../lifecycle/findings.js";
import { getModel, lineageOf, listModels, registerModel, removeModel, reviewEuAiAct, type LineageNode } from "../inventory/models.js";
import { stateOf } from "../lifecycle/service.js";
import { MODEL_KINDS, type ModelKind, type ModelVersion } from "../inventory/types.js";
import { addViewCommand, collect, formatBytes, parseFormat, printJson, printTable, resolveActor, withContext, type Cli, type Context } from "./context.js";

// perimeter model add|list|show|lineage|remove|review — the inventory's model versions.

export function registerModelCommands(program: Command, cli: Cli): void {
  const model = program.command("model").description("the inventory's model versions: register, list, show, lineage, remove, EU AI Act review");

  model
    .command("add")
    .description("register a model version: hashes its files (OMS manifest digest), detects formats, licence and model-card fields, links its lineage")
    .argument("<path>", "the model file or directory")
    .requiredOption("--name <name>", "model name, e.g. meta-llama/Llama-3.1-8B-Instruct")
    .requiredOption("--version <version>", "version label, e.g. 2024-07 or 1.0.0")
    .option("--kind <kind>", MODEL_KINDS.join(", "), "base")
    .option("--parent <name@version>", "a parent version (repeatable): the base of a fine-tune or adapter, each input of a merge", collect, [] as string[])
    .option("--license <spdx>", "SPDX licence expression or Hugging Face licence id (default: read from the model card, config.json or LICENSE)")
    .option("--owner <owner>", "the team or person accountable for this version")
    .option("--source <uri>", "where the files came from (hub URL, registry, bucket)")
    .option("--environment <env>", "an environment the version may be served in (repeatable; default: inventory.defaultEnvironment)", collect, [] as string[])
    .option("--general-purpose", "a general-purpose AI model (EU AI Act); the default for a base model")
    .option("--no-general-purpose", "not a general-purpose AI model (e.g. a classifier)")
    .option("--task <task>", "what the model does, e.g. text-generation")
    .option("--description <text>", "one line for the model card")
    .option("--allow-symlinks", "follow symbolic links instead of refusing them")
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who registers it (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (path: string, opts: AddOptions) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const kind = parseFormat(opts.kind, MODEL_KINDS, "--kind") as ModelKind;
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const version = await registerModel(deps(ctx), {
            path,
            name: opts.name,
            version: opts.version,
            kind,
            parents: opts.parent,
            license: opts.license,
            owner: opts.owner,
            source: opts.source,
            environments: opts.environment.length > 0 ? opts.environment : [ctx.loaded.config.inventory.defaultEnvironment],
            generalPurpose: opts.generalPurpose,
            task: opts.task,
            description: opts.description,
            allowSymlinks: opts.allowSymlinks,
            actor,
          });
          const findings = inventoryFindings(version);
          if (format === "json") printJson({ ...version, findings });
          else {
            process.stdout.write(`registered ${version.id}\n`);
            printVersion(version, findings);
          }
          return EXIT.ok;
        });
      }),
    );

  addViewCommand(model, cli, { name: "list", description: "list model versions" }, async (ctx, _arg, opts) => {
    const name = opts["name"];
    const versions = await listModels(ctx.store, typeof name === "string" ? { name } : {});
    return {
      json: versions.map((v) => ({ ...v, findings: inventoryFindings(v) })),
      print: () => {
        if (versions.length === 0) process.stdout.write("no model versions: register one with perimeter model add PATH --name N --version V\n");
        else {
          printTable(
            ["MODEL", "KIND", "PARENTS", "LICENCE", "TIER", "ENVIRONMENTS", "DIGEST", "SIZE"],
            versions.map((v) => [
              v.id,
              v.kind,
              v.parents.join(",") || "-",
              v.license.expression ?? "-",
              v.license.tier,
              v.environments.join(","),
              v.digest.slice(0, 12),
              formatBytes(v.size),
            ]),
          );
        }
      },
    };
  }).option("--name <name>", "only versions of this model");

  addViewCommand(
    model,
    cli,
    { name: "show", description: "show one model version: digest, files, lineage, licence, EU AI Act flag, model card, findings", argument: "<name@version>" },
    async (ctx, ref) => {
      const version = await getModel(ctx.store, ref);
      const findings = (await openFindings(ctx.store, [version])).get(version.id) ?? [];
      const state = await stateOf(ctx.store, version.id);
      return {
        json: { ...version, state, findings },
        print: () => {
          process.stdout.write(`${version.id}  ${state}\n`);
          printVersion(version, findings);
          for (const f of version.files) process.stdout.write(`  file  ${f.path}  ${f.format}  ${formatBytes(f.size)}  sha256:${f.sha256}\n`);
        },
      };
    },
  );

  addViewCommand(
    model,
    cli,
    { name: "lineage", description: "show where a version comes from (parents, recursively) and what was derived from it", argument: "<name@version>" },
    async (ctx, ref) => {
      const lineage = await lineageOf(ctx.store, ref);
      return {
        json: lineage,
        print: () => {
          process.stdout.write("ancestry (version ← parents):\n");
          printTree(lineage.ancestry, "  ");
          process.stdout.write("descendants (version → derived):\n");
          printTree(lineage.descendants, "  ");
        },
      };
    },
  );

  model
    .command("remove")
    .description("remove a model version from the inventory (refused while other versions descend from it)")
    .argument("<name@version>")
    .requiredOption("--reason <text>", "why, for the audit log")
    .option("--actor <name>", "who removes it")
    .action(
      cli.run(async (ref: string, opts: { reason: string; actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const removed = await removeModel(deps(ctx), ref, actor, opts.reason);
          process.stdout.write(`removed ${removed.id}\n`);
          return EXIT.ok;
        });
      }),
    );

  model
    .command("review")
    .description("record the review of a version's EU AI Act substantial-modification flag")
    .argument("<name@version>")
    .requiredOption("--outcome <outcome>", "substantial or not-substantial")
    .requiredOption("--note <text>", "the reasoning, kept as evidence")
    .option("--actor <name>", "the reviewer")
    .action(
      cli.run(async (ref: string, opts: { outcome: string; note: string; actor?: string }) => {
        const outcome = parseFormat(opts.outcome, ["substantial", "not-substantial"] as const, "--outcome");
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const version = await reviewEuAiAct(deps(ctx), ref, outcome, opts.note, actor);
          process.stdout.write(
            `recorded: ${version.id} is ${outcome === "substantial" ? "a substantial modification" : "not a substantial modification"} (reviewer ${actor})\n`,
          );
          return EXIT.ok;
        });
      }),
    );
}

interface AddOptions {
  name: string;
  version: string;
  kind: string;
  parent: string[];
  license?: string;
  owner?: string;
  source?: string;
  environment: string[];
  generalPurpose?: boolean;
  task?: string;
  description?: string;
  allowSymlinks?: boolean;
  format: string;
  actor?: string;
}

export function deps(ctx: Context) {
  return { store: ctx.store, audit: ctx.audit, licenses: ctx.loaded.config.inventory.licenses };
}

function printVersion(v: ModelVersion, findings: readonly VersionFinding[]): void {
  const card = v.modelCard;
  const lines: Array<[string, string]> = [
    ["kind", v.kind + (v.parents.length > 0 ? ` of ${v.parents.join(", ")}` : "")],
    ["digest", `sha256:${v.digest}`],
    ["files", `${v.files.length} (${formatBytes(v.size)}): ${v.formats.join(", ")}`],
    ["licence", `${v.license.expression ?? "none"} (${v.license.tier}, from ${v.license.source})`],
    ["owner", v.owner ?? "-"],
    ["source", v.source ?? "-"],
    ["environments", v.environments.join(", ")],
    ["general-purpose", v.generalPurpose ? "yes" : "no"],
    [
      "EU AI Act",
      v.euAiAct.substantialModificationCandidate
        ? `candidate substantial modification; ${v.euAiAct.review === null ? "review pending" : `reviewed ${v.euAiAct.review.outcome} by ${v.euAiAct.review.reviewer}`}`
        : "not flagged",
    ],
    ["registered", `${v.registeredAt} by ${v.registeredBy}`],
  ];
  const cardText = [
    card.architecture,
    card.parameterCount === undefined ? undefined : `${card.parameterCount.toLocaleString("en")} parameters`,
    card.quantization,
    card.contextLength === undefined ? undefined : `context ${card.contextLength}`,
    card.task,
  ].filter((x) => x !== undefined);
  if (cardText.length > 0) lines.push(["model card", cardText.join(", ")]);
  for (const [k, value] of lines) process.stdout.write(`  ${k.padEnd(16)}${value}\n`);
  for (const f of findings) process.stdout.write(`  finding [${f.severity}] ${f.message}\n`);
}

function printTree(node: LineageNode, indent: string): void {
  process.stdout.write(`${indent}${node.id}  ${node.kind}  sha256:${node.digest.slice(0, 12)}  ${node.license ?? "no licence"}\n`);
  for (const n of node.next) printTree(n, `${indent}  `);
}
