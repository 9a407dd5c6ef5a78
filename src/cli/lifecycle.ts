import { createPublicKey } from "node:crypto";
import { lifecycleDeps } from "../app/services.js";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { admitFromBundle, admitFromStore } from "../lifecycle/admit.js";
import { exportAdmissionBundle } from "../lifecycle/admission.js";
import { privateKeyFromPem, publicKeyFromPem } from "../lifecycle/attestation.js";
import { attest } from "../lifecycle/provenance.js";
import { LifecycleRepository } from "../lifecycle/repository.js";
import { approve, attachImage, deploy, retire, rollback } from "../lifecycle/service.js";
import { resolveTrustedSigners } from "../lifecycle/signers.js";
import { getModel } from "../inventory/models.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { collect } from "./plain.js";
import { addViewCommand, parseFormat, printJson, printTable, resolveActor, withContext, type Cli } from "./context.js";

// perimeter approve|deploy|deprecate|revoke|rollback|admit, perimeter admission export|key, perimeter evidence.

export { lifecycleDeps };

export function registerLifecycle(program: Command, cli: Cli): void {
  program
    .command("approve")
    .description(
      "approve a model version: needs a clean scan of exactly its files, a signature by a trusted signer, the eval gate when configured, and an approver who is not the submitter",
    )
    .argument("<name@version>")
    .option("--signing-key <file>", "the approver's private key (PEM, Ed25519 or ECDSA) that signs the approval; default: the instance's lifecycle key")
    .option("--path <dir>", "where the files are, if not where they were registered from")
    .option("--signature <file>", "the OMS signature (default: model.sig in the model directory)")
    .option("--actor <name>", "the approver")
    .option("--note <text>", "why it is approved: kept in the signed approval and the audit event")
    .option(
      "--environment <env...>",
      "approve it for these of its registered environments only (default: all); approving an approved version for more environments promotes it",
    )
    .action(
      cli.run(async (ref: string, opts: { signingKey?: string; path?: string; signature?: string; actor?: string; note?: string; environment?: string[] }) => {
        const actor = resolveActor(opts.actor);
        const signingKey = opts.signingKey === undefined ? undefined : privateKeyFromPem(readKey(opts.signingKey), `--signing-key ${opts.signingKey}`);
        return withContext(cli.globals(), async (ctx) => {
          const result = await approve(lifecycleDeps(ctx), ref, {
            actor,
            signingKey,
            path: opts.path,
            signature: opts.signature,
            note: opts.note,
            environments: opts.environment,
          });
          process.stdout.write(
            `approved ${result.version.id} for ${result.environments.join(", ")} (signature by ${result.signer}; approval evidence ${result.evidence.id})\n`,
          );
          return EXIT.ok;
        });
      }),
    );

  program
    .command("attest")
    .description(
      "write SLSA v1 provenance for a fine-tune, adapter, merge or quantization: its builder, the parent models and datasets it was made from (by digest) and its parameters, signed by the builder (DSSE) and kept as evidence",
    )
    .argument("<name@version>")
    .requiredOption("--builder <id>", "the builder's id (a URI such as https://ci.example.com/train), as lifecycle.builders names it")
    .requiredOption("--signing-key <file>", "the builder's private key (PEM, Ed25519 or ECDSA)")
    .option("--material <ref>", "what it was made from: a model name@version, NAME=sha256:HEX, or a file to hash (repeatable)", collect, [] as string[])
    .option("--param <key=value>", "a build parameter, e.g. epochs=3 (repeatable)", collect, [] as string[])
    .option("--started <iso>", "when the build started")
    .option("--finished <iso>", "when it finished")
    .option("--actor <name>", "who records it")
    .option("--format <format>", "text or json (the statement)", "text")
    .action(
      cli.run(
        async (
          ref: string,
          opts: {
            builder: string;
            signingKey: string;
            material: string[];
            param: string[];
            started?: string;
            finished?: string;
            actor?: string;
            format: string;
          },
        ) => {
          const format = parseFormat(opts.format, ["text", "json"] as const);
          const signingKey = privateKeyFromPem(readKey(opts.signingKey), `--signing-key ${opts.signingKey}`);
          const parameters: Record<string, string> = {};
          for (const p of opts.param) {
            const eq = p.indexOf("=");
            if (eq < 1) throw new PerimeterError("USAGE", `--param takes key=value, not "${p}"`);
            parameters[p.slice(0, eq)] = p.slice(eq + 1);
          }
          const actor = resolveActor(opts.actor);
          return withContext(cli.globals(), async (ctx) => {
            const r = await attest(lifecycleDeps(ctx), ref, {
              builder: opts.builder,
              materials: opts.material,
              parameters,
              startedOn: opts.started,
              finishedOn: opts.finished,
              signingKey,
              actor,
            });
            if (format === "json") printJson(r.statement);
            else
              process.stdout.write(
                `attested ${ref} as built by ${opts.builder} from ${opts.material.length} materials (provenance evidence ${r.evidence.id})\n`,
              );
            return EXIT.ok;
          });
        },
      ),
    );

  program
    .command("deploy")
    .description("record that an approved version is deployed in an environment (operators)")
    .argument("<name@version>")
    .requiredOption("--environment <env>", "where")
    .option("--actor <name>", "the operator")
    .action(
      cli.run(async (ref: string, opts: { environment: string; actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          await deploy(lifecycleDeps(ctx), ref, opts.environment, actor);
          process.stdout.write(`${ref} is deployed in ${opts.environment}\n`);
          return EXIT.ok;
        });
      }),
    );

  for (const [name, to, help] of [
    ["deprecate", "deprecated", "stop admitting a version (operators); it can be rolled back to"],
    ["revoke", "revoked", "refuse a version everywhere at once: admission, the webhook and the gateway (approvers or operators)"],
  ] as const) {
    program
      .command(name)
      .description(help)
      .argument("<name@version>")
      .requiredOption("--reason <text>", "why, kept as evidence")
      .option("--actor <name>", "who")
      .action(
        cli.run(async (ref: string, opts: { reason: string; actor?: string }) => {
          const actor = resolveActor(opts.actor);
          return withContext(cli.globals(), async (ctx) => {
            await retire(lifecycleDeps(ctx), ref, to, actor, opts.reason);
            process.stdout.write(`${ref} is ${to}\n`);
            return EXIT.ok;
          });
        }),
      );
  }

  program
    .command("rollback")
    .description("deploy an earlier approved version of a model in an environment and deprecate the current one (operators)")
    .argument("<name>", "the model name")
    .requiredOption("--environment <env>", "where")
    .requiredOption("--to <name@version>", "the earlier version")
    .requiredOption("--reason <text>", "why")
    .option("--actor <name>", "the operator")
    .action(
      cli.run(async (name: string, opts: { environment: string; to: string; reason: string; actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const r = await rollback(lifecycleDeps(ctx), name, opts.environment, opts.to, actor, opts.reason);
          process.stdout.write(`rolled back ${name} in ${opts.environment}: ${r.from ?? "(nothing deployed)"} → ${r.to}\n`);
          return EXIT.ok;
        });
      }),
    );

  program
    .command("admit")
    .description(
      "may these files be loaded in this environment? For an init container before vLLM/SGLang/llama.cpp starts: exit 0 admitted, 1 refused with the reason",
    )
    .argument("<path>", "the model file or directory about to be loaded")
    .option("--environment <env>", "the environment (default: inventory.defaultEnvironment)")
    .option("--bundle <file>", "decide offline from an exported admission bundle instead of the store")
    .option("--bundle-key <file>", "the public key the bundle must be signed with (perimeter admission key)")
    .option("--signature <file>", "the OMS signature (default: model.sig in the model directory)")
    .option(
      "--runtime <name>",
      "the runtime about to load the files: on admission, record that it serves this digest (OpenAI-compatible servers do not report one)",
    )
    .option("--served-name <name>", "the name the runtime serves the model under (with --runtime; default: the model name)")
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who asks (recorded when deciding from the store)")
    .action(
      cli.run(
        async (
          path: string,
          opts: {
            environment?: string;
            bundle?: string;
            bundleKey?: string;
            signature?: string;
            runtime?: string;
            servedName?: string;
            format: string;
            actor?: string;
          },
        ) => {
          const format = parseFormat(opts.format, ["text", "json"] as const);
          const print = (d: { allow: boolean; reason: string; model: string | null; digest: string | null }) => {
            if (format === "json") printJson(d);
            else if (d.allow) process.stdout.write(`admitted: ${d.reason}\n`);
            else process.stderr.write(`perimeter: refused: ${d.reason} [ADMISSION_DENIED]\n`);
            return d.allow ? EXIT.ok : EXIT.refused;
          };
          if (opts.bundle !== undefined) {
            // Offline: no store, no config needed beyond the bundle and the key it must be signed with.
            if (opts.bundleKey === undefined) throw new PerimeterError("USAGE", "--bundle needs --bundle-key: the public key that must have signed it");
            if (opts.environment === undefined) throw new PerimeterError("USAGE", "--bundle needs --environment");
            if (opts.runtime !== undefined)
              throw new PerimeterError("USAGE", "--runtime records what a runtime loads, in the store: it does not go with --bundle");
            const bundle = { text: readText(opts.bundle, "--bundle"), trustedKey: publicKeyFromPem(readKey(opts.bundleKey), `--bundle-key ${opts.bundleKey}`) };
            return print(await admitFromBundle(bundle, { path, environment: opts.environment, signature: opts.signature }));
          }
          const actor = resolveActor(opts.actor);
          return withContext(cli.globals(), async (ctx) => {
            const environment = opts.environment ?? ctx.loaded.config.inventory.defaultEnvironment;
            const deps = { store: ctx.store, audit: ctx.audit, signers: resolveTrustedSigners(ctx.loaded) };
            return print(
              await admitFromStore(deps, { path, environment, signature: opts.signature, runtime: opts.runtime, servedName: opts.servedName, actor }),
            );
          });
        },
      ),
    );

  const admission = program.command("admission").description("offline admission bundles");
  admission
    .command("export")
    .description("write a signed admission bundle: every approved, deployed, deprecated and revoked version, and the trusted signers")
    .option("--environment <env>", "only versions registered for this environment")
    .option("--output <file>", "write to a file instead of standard output")
    .option("--force", "overwrite the output file")
    .option("--actor <name>", "who exports")
    .action(
      cli.run(async (opts: { environment?: string; output?: string; force?: boolean; actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const deps = lifecycleDeps(ctx);
          const { envelope, bundle } = await exportAdmissionBundle(
            ctx.store,
            deps.signers(),
            deps.instanceKey(),
            ctx.loaded.config.lifecycle.bundleTtlHours,
            opts.environment ?? null,
          );
          const text = `${JSON.stringify(envelope, null, 2)}\n`;
          if (opts.output === undefined) process.stdout.write(text);
          else await writeOutputFile(opts.output, opts.force === true, (out) => writeChunk(out, text));
          await ctx.audit().append({
            actor,
            action: "admission.export",
            resource: "admission-bundle",
            decision: "info",
            details: { versions: bundle.versions.length, environment: bundle.environment, expiresAt: bundle.expiresAt },
          });
          if (opts.output !== undefined)
            process.stderr.write(`wrote ${bundle.versions.length} version(s), valid until ${bundle.expiresAt}, to ${opts.output}\n`);
          return EXIT.ok;
        });
      }),
    );
  admission
    .command("key")
    .description("print the public key that signs admission bundles and approvals (give it to admit --bundle-key)")
    .action(
      cli.run(async () =>
        withContext(cli.globals(), async (ctx) => {
          process.stdout.write(createPublicKey(lifecycleDeps(ctx).instanceKey()).export({ type: "spki", format: "pem" }).toString());
          return EXIT.ok;
        }),
      ),
    );

  const evidence = program.command("evidence").description("evidence attached to a model version: scans, signatures, eval results, approvals, images");
  addViewCommand(
    evidence,
    cli,
    { name: "list", description: "the lifecycle state and every piece of evidence of a version", argument: "<name@version>" },
    async (ctx, ref) => {
      const version = await getModel(ctx.store, ref);
      const repo = new LifecycleRepository(ctx.store);
      const items = await repo.evidence(version.id);
      const state = (await repo.state(version.id))?.state ?? "registered";
      return {
        json: { model: version.id, state, evidence: items },
        print: () => {
          process.stdout.write(`${version.id}: ${state}\n`);
          printTable(
            ["KIND", "VERDICT", "DIGEST", "BY", "AT"],
            items.map((e) => [e.kind, e.verdict, e.digest.slice(0, 12), e.createdBy, e.createdAt]),
          );
        },
      };
    },
  );
  evidence
    .command("image")
    .description("attach the OCI image (modelcar) that carries a version's files, pinned by digest")
    .argument("<name@version>")
    .argument("<image>", "registry/repo@sha256:<digest>")
    .option("--actor <name>", "who")
    .action(
      cli.run(async (ref: string, image: string, opts: { actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          await attachImage(lifecycleDeps(ctx), ref, image, actor);
          process.stdout.write(`attached ${image} to ${ref}\n`);
          return EXIT.ok;
        });
      }),
    );
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new PerimeterError("USAGE", `cannot read ${option} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function readKey(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new PerimeterError("SIGNING_KEY_INVALID", `cannot read ${path}: ${(err as Error).message}`);
  }
}
