import { createHash } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { PerimeterError } from "../errors.js";
import { runOnWorkers, workerModule } from "../worker-pool.js";
import { chunkBuffers, hashFile, type HashOutcome, type HashTask, type HashWorkerData } from "./hash-worker.js";
import { DEFAULT_IGNORE_PATHS, DEFAULT_SIGNATURE_FILE, isIgnoredPath } from "./ignore.js";

// The OpenSSF model-signing (OMS v1.0) manifest of an artifact, "files" serialization with SHA-256, as the
// reference model_signing tool computes it:
// - one resource per regular file, named by its POSIX path relative to the model root ("." when the model
//   is a single file), digest = SHA-256 of the file's bytes;
// - resources sorted by path component by component, each component by code point (Python's PurePosixPath
//   order: "a/b" sorts before "a-b");
// - subject digest = SHA-256 over the concatenated raw 32-byte digests, in that order;
// - subject name = the model path's last component.

export { DEFAULT_IGNORE_PATHS, DEFAULT_SIGNATURE_FILE } from "./ignore.js";
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/** Below this many bytes in total the model is hashed in-process: starting workers would cost more. */
export const DEFAULT_MIN_PARALLEL_BYTES = 32 * 1024 * 1024;

export interface ManifestFile {
  /** POSIX path relative to the model root. */
  readonly name: string;
  readonly size: number;
  /** Lower-case hex. */
  readonly sha256: string;
}

/** The predicate's `serialization` object, spelled as OMS spells it. */
export interface FileSerialization {
  readonly method: "files";
  readonly hash_type: "sha256";
  readonly allow_symlinks: boolean;
  /** Sorted; model_signing writes the same set in arbitrary order. */
  readonly ignore_paths: readonly string[];
}

/** An OMS resource descriptor (`predicate.resources[]`). */
export interface ResourceDescriptor {
  readonly name: string;
  readonly algorithm: "sha256";
  readonly digest: string;
}

export interface ModelManifest {
  /** The in-toto subject name: the model path's last component. */
  readonly modelName: string;
  /** In OMS resource order. */
  readonly files: readonly ManifestFile[];
  readonly serialization: FileSerialization;
  /** The in-toto subject digest (sha256, hex) over the resources. */
  readonly digest: string;
}

export interface ManifestProgress {
  readonly bytesHashed: number;
  readonly totalBytes: number;
  readonly filesHashed: number;
  readonly totalFiles: number;
}

export interface ManifestOptions {
  /** Paths to leave out, relative to the model root (absolute paths inside the model also work). */
  readonly ignorePaths?: readonly string[];
  /** The signature file, left out of the manifest; relative to the model root. Default `model.sig`. */
  readonly signatureFile?: string;
  /** Follow symbolic links instead of refusing them. */
  readonly allowSymlinks?: boolean;
  /** Worker threads; default: the machine's available parallelism. 1 hashes in-process. */
  readonly threads?: number;
  /** Bytes per read; each worker holds one such buffer, the in-process hasher two. Default 8 MiB. */
  readonly chunkBytes?: number;
  /** Models smaller than this are hashed in-process. Default 32 MiB. */
  readonly minParallelBytes?: number;
  readonly onProgress?: (progress: ManifestProgress) => void;
  /** Stops the hashing within a chunk (the promise then rejects): for a caller that no longer needs it. */
  readonly signal?: AbortSignal;
  /** Test seam: runs once the first chunk of the named file is hashed, before the rest is read. */
  readonly testHooks?: { readonly afterFirstChunkOf?: { readonly name: string; readonly run: () => void | Promise<void> } };
}

/** The signature file: the one given, else model.sig inside a model directory, MODEL.sig beside a model file. */
export function signaturePath(modelPath: string, signature: string | undefined, isDirectory: boolean): string {
  if (signature !== undefined) return signature;
  return isDirectory ? path.join(modelPath, DEFAULT_SIGNATURE_FILE) : `${modelPath}.sig`;
}

/** OMS resource order: path components compared one by one, by code point (UTF-8 byte order is code point order). */
export function compareResourceNames(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = Buffer.compare(Buffer.from(pa[i]!, "utf8"), Buffer.from(pb[i]!, "utf8"));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** The subject digest OMS puts in the statement: SHA-256 over the raw resource digests, in resource order. */
export function subjectDigest(resourceDigestsHex: readonly string[]): string {
  const hash = createHash("sha256");
  for (const hex of resourceDigestsHex) {
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new PerimeterError("USAGE", `not a SHA-256 hex digest: ${JSON.stringify(hex)}`);
    hash.update(Buffer.from(hex, "hex"));
  }
  return hash.digest("hex");
}

/** The manifest's files as OMS `predicate.resources`. */
export function resourceDescriptors(manifest: ModelManifest): ResourceDescriptor[] {
  return manifest.files.map((f) => ({ name: f.name, algorithm: "sha256", digest: f.sha256 }));
}

interface Listed extends HashTask {
  readonly size: number;
}

function symlinkRefused(name: string): PerimeterError {
  return new PerimeterError("SYMLINK_REFUSED", `${name} is a symbolic link; replace it with the file it points to, ignore it, or allow symlinks`, {
    details: { reason: "symlink", path: name },
  });
}

function ioFailed(what: string, err: unknown): PerimeterError {
  return new PerimeterError("IO_FAILED", `cannot read ${what}: ${(err as Error).message}`, { cause: err });
}

/** Ignore paths as POSIX paths relative to the model root; those outside it are dropped, as model_signing does. */
function relativeIgnorePaths(root: string, given: readonly string[], isDirectory: boolean): string[] {
  const out = new Set<string>(DEFAULT_IGNORE_PATHS);
  if (!isDirectory) return [...out].sort(compareResourceNames);
  for (const p of given) {
    const rel = path.relative(root, path.resolve(root, p));
    if (rel === "") throw new PerimeterError("USAGE", `the ignore path ${JSON.stringify(p)} is the model itself; nothing would be signed`);
    if (rel.startsWith("..") && (rel.length === 2 || rel[2] === path.sep)) continue;
    if (path.isAbsolute(rel)) continue; // another drive
    out.add(rel.split(path.sep).join("/"));
  }
  return [...out].sort(compareResourceNames);
}

async function listModel(root: string, ignore: readonly string[], allowSymlinks: boolean): Promise<Listed[]> {
  const files: Listed[] = [];
  const walk = async (dir: string, prefix: string, ancestors: ReadonlySet<string>): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw ioFailed(prefix === "" ? "the model directory" : prefix, err);
    }
    const subdirs: Array<{ full: string; name: string }> = [];
    await Promise.all(
      entries.map(async (entry) => {
        const name = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
        if (isIgnoredPath(name, ignore)) return;
        const full = path.join(dir, entry.name);
        let info: Stats;
        try {
          if (entry.isSymbolicLink() && !allowSymlinks) throw symlinkRefused(name);
          info = await (allowSymlinks ? stat : lstat)(full);
        } catch (err) {
          if (err instanceof PerimeterError) throw err;
          throw ioFailed(name, err);
        }
        if (info.isSymbolicLink()) throw symlinkRefused(name); // replaced since readdir
        if (info.isFile()) files.push({ path: full, name, size: info.size });
        else if (info.isDirectory()) subdirs.push({ full, name });
        else throw new PerimeterError("USAGE", `${name} is not a regular file or directory (a device, socket or pipe); remove it or ignore it`);
      }),
    );
    for (const sub of subdirs) {
      let real = sub.full;
      if (allowSymlinks) {
        real = await realpath(sub.full).catch((err: unknown) => {
          throw ioFailed(sub.name, err);
        });
        if (ancestors.has(real)) throw new PerimeterError("USAGE", `${sub.name} links back to a directory that contains it; remove the symlink loop`);
      }
      await walk(sub.full, sub.name, new Set([...ancestors, real]));
    }
  };
  const realRoot = allowSymlinks ? await realpath(root) : root;
  await walk(root, "", new Set([realRoot]));
  return files;
}

function failureToError(task: HashTask, outcome: Extract<HashOutcome, { ok: false }>): PerimeterError {
  const code = outcome.failure === "not-regular" ? "USAGE" : outcome.failure === "changed" ? "MODEL_UNSTABLE" : "IO_FAILED";
  return new PerimeterError(code, outcome.message, { details: { reason: outcome.failure, path: task.name } });
}

function throwFirstFailure(tasks: readonly HashTask[], outcomes: readonly HashOutcome[]): void {
  let abortedAt: number | undefined;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.ok) continue;
    if (o.failure !== "aborted") throw failureToError(tasks[i]!, o);
    abortedAt ??= i;
  }
  if (abortedAt !== undefined) throw new PerimeterError("INTERNAL", "hashing stopped without a reported failure");
}

async function hashInProcess(
  tasks: readonly Listed[],
  options: ManifestOptions,
  chunkBytes: number,
  report: (bytes: number, files: number) => void,
): Promise<HashOutcome[]> {
  const largest = tasks.reduce((n, t) => Math.max(n, t.size), 0);
  const buffers = chunkBuffers(Math.min(chunkBytes, Math.max(4096, largest))); // a small model needs no 8 MiB buffers
  const seam = options.testHooks?.afterFirstChunkOf;
  const outcomes: HashOutcome[] = [];
  const abort = abortFlag(options.signal);
  for (const task of tasks) {
    const outcome = await hashFile(task, buffers, {
      allowSymlinks: options.allowSymlinks ?? false,
      ...(abort === undefined ? {} : { abort: abort.flag }),
      onChunk: (bytes) => report(bytes, 0),
      ...(seam === undefined ? {} : { afterFirstChunk: async (t: HashTask) => (t.name === seam.name ? seam.run() : undefined) }),
    });
    report(0, 1);
    outcomes.push(outcome);
    if (!outcome.ok) break;
  }
  abort?.release();
  return outcomes;
}

/** An abort flag the hashers read between chunks, raised when the signal fires. */
function abortFlag(
  signal: AbortSignal | undefined,
  flag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)),
): { flag: Int32Array; release: () => void } | undefined {
  if (signal === undefined) return undefined;
  const raise = () => Atomics.store(flag, 0, 1);
  if (signal.aborted) raise();
  signal.addEventListener("abort", raise, { once: true });
  return { flag, release: () => signal.removeEventListener("abort", raise) };
}

async function hashOnWorkers(
  tasks: readonly Listed[],
  options: ManifestOptions,
  chunkBytes: number,
  threads: number,
  onTick: (bytes: number, files: number) => void,
): Promise<HashOutcome[]> {
  const control = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const progress = new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
  const seam = options.testHooks?.afterFirstChunkOf;
  const data: HashWorkerData = {
    kind: "perimeter.hash-worker",
    chunkBytes,
    allowSymlinks: options.allowSymlinks ?? false,
    control,
    progress,
    ...(seam === undefined ? {} : { pauseAfterFirstChunkOf: seam.name }),
  };
  const counters = new BigInt64Array(progress);
  const flags = new Int32Array(control);
  const abort = abortFlag(options.signal, flags);
  let seamDone = seam === undefined;
  const poll = setInterval(
    () => {
      onTick(Number(Atomics.load(counters, 0)), Number(Atomics.load(counters, 1)));
      if (!seamDone && Atomics.load(flags, 1) === 1) {
        seamDone = true;
        Promise.resolve()
          .then(() => seam?.run())
          .finally(() => {
            Atomics.store(flags, 1, 2);
            Atomics.notify(flags, 1);
          })
          .catch(() => undefined);
      }
    },
    seam === undefined ? 100 : 5,
  );
  try {
    return await runOnWorkers<HashTask, HashOutcome>(workerModule(import.meta.url, "hash-worker"), data, tasks, threads);
  } finally {
    abort?.release();
    clearInterval(poll);
    onTick(Number(Atomics.load(counters, 0)), Number(Atomics.load(counters, 1)));
  }
}

/** Hash an artifact (a model directory or a single file) into its OMS manifest. */
export async function computeManifest(modelPath: string, options: ManifestOptions = {}): Promise<ModelManifest> {
  const allowSymlinks = options.allowSymlinks ?? false;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 4096 || chunkBytes > 1 << 30) {
    throw new PerimeterError("USAGE", `chunkBytes must be an integer between 4096 and 1 GiB, got ${chunkBytes}`);
  }
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new PerimeterError("USAGE", `threads must be a positive integer, got ${threads}`);

  const root = path.resolve(modelPath);
  let info: Stats;
  try {
    info = await lstat(root);
    if (info.isSymbolicLink()) {
      if (!allowSymlinks) throw symlinkRefused(modelPath);
      info = await stat(root);
    }
  } catch (err) {
    if (err instanceof PerimeterError) throw err;
    throw ioFailed(modelPath, err);
  }
  const isDirectory = info.isDirectory();
  if (!isDirectory && !info.isFile()) throw new PerimeterError("USAGE", `${modelPath} is neither a directory nor a regular file`);

  const given = [...(options.ignorePaths ?? []), options.signatureFile ?? DEFAULT_SIGNATURE_FILE];
  const ignorePaths = relativeIgnorePaths(root, given, isDirectory);
  const listed = isDirectory ? await listModel(root, ignorePaths, allowSymlinks) : [{ path: root, name: ".", size: info.size }];
  if (listed.length === 0) {
    throw new PerimeterError("USAGE", `${modelPath} holds no regular files once ignored paths are left out; there is nothing to sign`);
  }
  listed.sort((a, b) => compareResourceNames(a.name, b.name));

  // Largest first: one big file then overlaps the many small ones instead of finishing last.
  const order = listed.map((_, i) => i).sort((a, b) => listed[b]!.size - listed[a]!.size);
  const tasks = order.map((i) => listed[i]!);
  const totalBytes = listed.reduce((n, f) => n + f.size, 0);
  const totalFiles = listed.length;
  let bytesHashed = 0;
  let filesHashed = 0;
  const emit = () => options.onProgress?.({ bytesHashed, totalBytes, filesHashed, totalFiles });

  const parallel = Math.min(threads, tasks.length);
  const onWorkers = parallel > 1 && totalBytes >= (options.minParallelBytes ?? DEFAULT_MIN_PARALLEL_BYTES);
  const outcomes = onWorkers
    ? await hashOnWorkers(tasks, options, chunkBytes, parallel, (bytes, files) => {
        if (bytes === bytesHashed && files === filesHashed) return;
        bytesHashed = bytes;
        filesHashed = files;
        emit();
      })
    : await hashInProcess(tasks, options, chunkBytes, (bytes, files) => {
        bytesHashed += bytes;
        filesHashed += files;
        emit();
      });
  if (options.signal?.aborted === true) throw new PerimeterError("INTERNAL", "hashing was stopped before it finished");
  throwFirstFailure(tasks, outcomes);

  const byName = new Map<string, ManifestFile>();
  tasks.forEach((task, i) => {
    const o = outcomes[i];
    if (o === undefined || !o.ok) throw new PerimeterError("INTERNAL", `no digest for ${task.name}`);
    byName.set(task.name, { name: task.name, size: o.size, sha256: o.sha256 });
  });
  const files = listed.map((f) => byName.get(f.name)!);
  return {
    modelName: path.basename(root),
    files,
    serialization: { method: "files", hash_type: "sha256", allow_symlinks: allowSymlinks, ignore_paths: ignorePaths },
    digest: subjectDigest(files.map((f) => f.sha256)),
  };
}
