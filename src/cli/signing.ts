import { readFileSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { writeChunk, writeOutputFile } from "../output-file.js";
import { computeManifest, signaturePath, type ManifestOptions, type ModelManifest } from "../signing/manifest.js";
import type { ModelVerification } from "../signing/index.js";
import type { Cli } from "./context.js";
import { collect, parseFormat, printJson } from "./plain.js";
import { hashingProgress } from "./progress.js";

// Mirrors model_signing's CLI: `hash`, `sign key`, `verify key`.
// `hash` loads nothing but the hashing: the signing methods (Sigstore, X.509), the store and the audit log
// load on first use, by the commands that need them, while `sign` and `verify` are hashing.
const signing = () => import("../signing/index.js");
const context = () => import("./context.js");

interface ModelOptions {
  signature?: string;
  ignorePaths: string[];
  allowSymlinks?: boolean;
  format: string;
  actor?: string;
}

function modelOptions(cmd: Command): Command {
  return cmd
    .option("--signature <path>", "the signature file (default: MODEL/model.sig)")
    .option("--ignore-paths <path>", "leave this path out of the manifest (repeatable)", collect, [] as string[])
    .option("--allow-symlinks", "follow symbolic links instead of refusing them")
    .option("--format <format>", "text or json", "text");
}

function inspect(model: string): { path: string; isDirectory: boolean } {
  const path = resolve(model);
  try {
    return { path, isDirectory: statSync(path).isDirectory() };
  } catch {
    throw new PerimeterError("USAGE", `${model}: no such file or directory`);
  }
}

type Progress = ReturnType<typeof hashingProgress> & { readonly signal?: AbortSignal };

/**
 * Hash (and sign or verify) while the store and the audit log open: opening them (migrations, the audit
 * key, fsyncs) costs a few hundred milliseconds that hashing a large model need not wait for. If the
 * store cannot be opened, the hashing is stopped before the error is reported.
 */
async function hashingWhileOpening<R, T>(work: (progress: Progress) => Promise<R>, open: (result: Promise<R>) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const progress = hashingProgress("hashing");
  const result = work({ ...progress, signal: controller.signal }).finally(progress.done);
  result.catch(() => undefined); // awaited by `open`; a failure before then is not unhandled
  try {
    return await open(result);
  } finally {
    controller.abort();
    await result.catch(() => undefined);
  }
}

/** Hashing shows its progress on a terminal's stderr (bytes, rate) and says nothing otherwise. */
function manifestOptions(model: { path: string; isDirectory: boolean }, opts: ModelOptions, progress: Progress): ManifestOptions {
  const sig = signaturePath(model.path, opts.signature, model.isDirectory);
  return {
    ignorePaths: opts.ignorePaths,
    allowSymlinks: opts.allowSymlinks === true,
    onProgress: progress.onProgress,
    ...(progress.signal === undefined ? {} : { signal: progress.signal }),
    ...(model.isDirectory ? { signatureFile: relative(model.path, resolve(sig)) } : {}),
  };
}

export function registerSigning(program: Command, cli: Cli): void {
  modelOptions(program.command("hash").description("print a model's OMS manifest (per-file SHA-256) and its root digest").argument("<model>")).action(
    cli.run(async (model: string, opts: ModelOptions) => {
      const format = parseFormat(opts.format, ["text", "json"] as const);
      const m = inspect(model);
      const progress = hashingProgress("hashing");
      const manifest = await computeManifest(m.path, manifestOptions(m, opts, progress)).finally(progress.done);
      if (format === "json") printJson(manifest);
      else {
        for (const f of manifest.files) process.stdout.write(`${f.sha256}  ${f.name}\n`);
        process.stdout.write(`root ${manifest.digest}  ${manifest.modelName} (${manifest.files.length} files)\n`);
      }
      return EXIT.ok;
    }),
  );

  const sign = program.command("sign").description("sign a model in the OpenSSF model-signing (OMS) format");
  modelOptions(sign.command("key").description("sign with an ECDSA private key (P-256, P-384 or P-521 PEM)").argument("<model>"))
    .requiredOption("--private-key <file>", "the ECDSA private key (PEM)")
    .option("--actor <name>", "who signs, recorded in the audit log (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (model: string, opts: ModelOptions & { privateKey: string }) => {
        const { readKeyFile, signModelWithKey } = await signing();
        const privateKeyPem = readKeyFile(opts.privateKey, "private key");
        return signCommand(cli, model, opts, "key", (m, progress) => signModelWithKey(m.path, { ...manifestOptions(m, opts, progress), privateKeyPem }));
      }),
    );
  modelOptions(sign.command("certificate").description("sign with an ECDSA key and its X.509 certificate chain").argument("<model>"))
    .requiredOption("--private-key <file>", "the ECDSA private key (PEM)")
    .requiredOption("--signing-certificate <file>", "the certificate of that key (PEM)")
    .option("--certificate-chain <file>", "an intermediate or root certificate to carry in the bundle (repeatable)", collect, [] as string[])
    .option("--actor <name>", "who signs, recorded in the audit log (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (model: string, opts: ModelOptions & { privateKey: string; signingCertificate: string; certificateChain: string[] }) => {
        const { readKeyFile, signModelWithCertificate } = await signing();
        const privateKeyPem = readKeyFile(opts.privateKey, "private key");
        const signingCertificatePem = readKeyFile(opts.signingCertificate, "signing certificate");
        const chainPems = opts.certificateChain.map((f) => readKeyFile(f, "chain certificate"));
        return signCommand(cli, model, opts, "certificate", (m, progress) =>
          signModelWithCertificate(m.path, { ...manifestOptions(m, opts, progress), privateKeyPem, signingCertificatePem, chainPems }),
        );
      }),
    );

  const verify = program.command("verify").description("verify a model against its OMS signature; exit 1 with the first reason when it does not");
  modelOptions(verify.command("key").description("verify a signature made with an ECDSA key").argument("<model>"))
    .requiredOption("--public-key <file>", "the ECDSA public key (PEM)")
    .option("--actor <name>", "who verifies, recorded in the audit log (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (model: string, opts: ModelOptions & { publicKey: string }) => {
        const { readKeyFile, verifyModelWithKey } = await signing();
        const publicKeyPem = readKeyFile(opts.publicKey, "public key");
        return verifyCommand(cli, model, opts, "key", (m, bundle, progress) =>
          verifyModelWithKey(m.path, bundle, publicKeyPem, manifestOptions(m, opts, progress)),
        );
      }),
    );
  modelOptions(verify.command("certificate").description("verify a certificate-method signature against trusted CA certificates").argument("<model>"))
    .option("--certificate-chain <file>", "a trusted CA (root or intermediate) certificate, PEM (repeatable; at least one)", collect, [] as string[])
    .option("--subject <dn>", 'only a signing certificate with this subject, e.g. "CN=release-bot, O=Acme"')
    .option("--san-email <email>", "only a signing certificate naming this email address in its subjectAltName")
    .option("--san-uri <uri>", "only a signing certificate naming this URI in its subjectAltName")
    .option("--san-dns <name>", "only a signing certificate naming this DNS name in its subjectAltName")
    .option("--actor <name>", "who verifies, recorded in the audit log (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(
        async (model: string, opts: ModelOptions & { certificateChain: string[]; subject?: string; sanEmail?: string; sanUri?: string; sanDns?: string }) => {
          if (opts.certificateChain.length === 0) throw new PerimeterError("USAGE", "verify certificate needs at least one --certificate-chain CA certificate");
          const { readKeyFile, verifyModelWithCertificate } = await signing();
          const caPems = opts.certificateChain.map((f) => readKeyFile(f, "CA certificate"));
          const identity = { subject: opts.subject, email: opts.sanEmail, uri: opts.sanUri, dns: opts.sanDns };
          return verifyCommand(cli, model, opts, "certificate", (m, bundle, progress) =>
            verifyModelWithCertificate(m.path, bundle, caPems, manifestOptions(m, opts, progress), identity),
          );
        },
      ),
    );
  modelOptions(
    verify
      .command("sigstore")
      .description("verify a keyless (Sigstore) signature offline, against the public-good trusted root or --trust-config")
      .argument("<model>"),
  )
    .requiredOption("--identity <identity>", "the signer's expected certificate identity (email or URI)")
    .requiredOption("--identity-provider <url>", "the expected OIDC issuer that authenticated the signer")
    .option("--trust-config <file>", "a Sigstore trusted_root.json to use instead of the public-good root built in")
    .option("--actor <name>", "who verifies, recorded in the audit log (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (model: string, opts: ModelOptions & { identity: string; identityProvider: string; trustConfig?: string }) => {
        const { readKeyFile, verifyModelWithSigstore } = await signing();
        const trustedRoot = opts.trustConfig === undefined ? undefined : readKeyFile(opts.trustConfig, "trust configuration");
        const expected = { identity: opts.identity, issuer: opts.identityProvider, ...(trustedRoot === undefined ? {} : { trustedRoot }) };
        return verifyCommand(cli, model, opts, "sigstore", (m, bundle, progress) =>
          verifyModelWithSigstore(m.path, bundle, expected, manifestOptions(m, opts, progress)),
        );
      }),
    );
}

type Model = { path: string; isDirectory: boolean };

async function signCommand(
  cli: Cli,
  model: string,
  opts: ModelOptions,
  method: string,
  sign: (m: Model, progress: Progress) => Promise<{ bundle: string; manifest: ModelManifest }>,
): Promise<number> {
  const format = parseFormat(opts.format, ["text", "json"] as const);
  const { resolveActor, withContext } = await context();
  const actor = resolveActor(opts.actor);
  const m = inspect(model);
  return hashingWhileOpening(
    (progress) => sign(m, progress),
    (signed) =>
      withContext(cli.globals(), async (ctx) => {
        const { bundle, manifest } = await signed;
        const sig = resolve(signaturePath(m.path, opts.signature, m.isDirectory));
        await writeOutputFile(sig, true, (out) => writeChunk(out, bundle));
        await ctx.audit().append({
          actor,
          action: "model.sign",
          resource: m.path,
          decision: "allow",
          details: { method, signature: sig, digest: manifest.digest, files: manifest.files.length },
        });
        if (format === "json") printJson({ signature: sig, digest: manifest.digest, files: manifest.files.length });
        else process.stdout.write(`signed ${manifest.files.length} files of ${manifest.modelName} (root ${manifest.digest}) into ${sig}\n`);
        return EXIT.ok;
      }),
  );
}

async function verifyCommand(
  cli: Cli,
  model: string,
  opts: ModelOptions,
  method: string,
  verify: (m: Model, bundle: string, progress: Progress) => Promise<ModelVerification>,
): Promise<number> {
  const format = parseFormat(opts.format, ["text", "json"] as const);
  const { resolveActor, withContext } = await context();
  const actor = resolveActor(opts.actor);
  const m = inspect(model);
  const sig = resolve(signaturePath(m.path, opts.signature, m.isDirectory));
  let bundle: string;
  try {
    bundle = readFileSync(sig, "utf8");
  } catch (err) {
    throw new PerimeterError("SIGNATURE_BUNDLE_INVALID", `cannot read the signature ${sig}: ${(err as Error).message}`);
  }
  return hashingWhileOpening(
    (progress) => verify(m, bundle, progress),
    (verified) =>
      withContext(cli.globals(), async (ctx) => {
        try {
          const result = await verified;
          await ctx.audit().append({ actor, action: "model.verify", resource: m.path, decision: "allow", details: { method, ...result } });
          if (format === "json") printJson({ valid: true, ...result });
          else process.stdout.write(`valid: ${result.files} files of ${result.modelName}, root ${result.subjectDigest}\n`);
          return EXIT.ok;
        } catch (err) {
          if (err instanceof PerimeterError && err.kind === "refused") {
            await ctx
              .audit()
              .append({ actor, action: "model.verify", resource: m.path, decision: "deny", reason: err.message, details: { method, code: err.code } });
          }
          throw err;
        }
      }),
  );
}
