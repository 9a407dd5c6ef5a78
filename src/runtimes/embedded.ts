// Embedded discovery: the embedded llama.cpp runtime serves the GGUF files in one directory (and in its
// per-model subdirectories), so Perimeter reads them itself. A file is a model when its bytes say GGUF, whatever its name; its digest is the
// sha256 Perimeter computes over the whole file, and its details come from the GGUF header.

import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open, readdir, type FileHandle } from "node:fs/promises";
import type { Dirent } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PerimeterError } from "../errors.js";
import { GGUF_MAGIC, readGgufHeader, summarizeGguf, type GgufHeader } from "../formats/gguf.js";
import type { DiscoveredModel } from "./types.js";
import type { RuntimeTarget } from "./discovery.js";

/** The header is read from at most this many leading bytes; real headers (vocabularies included) are smaller. */
export const MAX_GGUF_HEADER_BYTES = 16 * 1024 * 1024;
const HASH_CHUNK_BYTES = 1024 * 1024;
/** A model directory holds models, not a file tree: past this many files it is the wrong directory. */
export const MAX_EMBEDDED_FILES = 10_000;

// O_NOFOLLOW: a file swapped for a symlink after the listing is refused, not followed. O_NONBLOCK: one
// swapped for a FIFO cannot stall discovery in open(). Neither flag exists on Windows.
const OPEN_FLAGS =
  constants.O_RDONLY |
  (typeof constants.O_NOFOLLOW === "number" ? constants.O_NOFOLLOW : 0) |
  (typeof constants.O_NONBLOCK === "number" ? constants.O_NONBLOCK : 0);

/**
 * The models in the runtime's directory: each GGUF file in it, served by its stem ("llama" for llama.gguf),
 * and each GGUF file one directory down, served as "dir/stem" — the models/<name>/<file>.gguf layout that
 * `perimeter up` and most downloads use. Deeper levels are not searched; symlinks are never followed.
 */
export async function discoverEmbedded(runtime: Pick<RuntimeTarget, "name" | "type" | "url">): Promise<DiscoveredModel[]> {
  const directory = directoryOf(runtime);
  const label = `runtime "${runtime.name}" (${runtime.type} at ${directory})`;
  let top: Dirent[];
  try {
    top = await readdir(directory, { withFileTypes: true });
  } catch (err) {
    throw new PerimeterError(
      "RUNTIME_UNREACHABLE",
      `${label}: the model directory cannot be read: ${message(err)}. Check that it exists and Perimeter may read it`,
      { cause: err },
    );
  }
  // Dirent types come from lstat, so a symlink is neither a file nor a directory here and is skipped unfollowed.
  const candidates = top.filter((entry) => entry.isFile()).map((entry) => entry.name);
  for (const entry of top.filter((e) => e.isDirectory() && !e.name.startsWith("."))) {
    let inner: Dirent[];
    try {
      inner = await readdir(join(directory, entry.name), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue; // gone since the listing
      throw unreadable(label, entry.name, err);
    }
    for (const file of inner) if (file.isFile()) candidates.push(`${entry.name}/${file.name}`);
  }
  if (candidates.length > MAX_EMBEDDED_FILES) {
    throw new PerimeterError(
      "RUNTIME_RESPONSE_INVALID",
      `${label}: more than ${MAX_EMBEDDED_FILES} files to look at; point the runtime at the directory of models itself`,
    );
  }
  const models: DiscoveredModel[] = [];
  for (const name of candidates) {
    const model = await readModelFile(join(directory, name), name, label);
    if (model !== null) models.push(model);
  }
  return models;
}

function directoryOf(runtime: Pick<RuntimeTarget, "name" | "type" | "url">): string {
  if (!runtime.url.startsWith("file:")) return resolve(runtime.url);
  try {
    return fileURLToPath(runtime.url);
  } catch (err) {
    throw new PerimeterError(
      "RUNTIME_UNREACHABLE",
      `runtime "${runtime.name}" (${runtime.type}) cannot be read: ${JSON.stringify(runtime.url)} is not a local file URL`,
      { cause: err },
    );
  }
}

async function readModelFile(path: string, name: string, label: string): Promise<DiscoveredModel | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Gone since the listing, or now a symlink: either way not a regular file the runtime serves.
    if (code === "ENOENT" || code === "ELOOP") return null;
    throw unreadable(label, name, err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return null;
    if (!isGguf(await readAt(handle, 8))) return null;

    const headerBytes = await readAt(handle, Math.min(stat.size, MAX_GGUF_HEADER_BYTES));
    const details: Record<string, string | number | boolean> = { sizeBytes: stat.size };
    try {
      Object.assign(details, headerDetails(readGgufHeader(headerBytes)));
    } catch (err) {
      // The file is still served (or tried) by the runtime, so its digest is recorded either way.
      details.header =
        headerBytes.length < stat.size ? `larger than ${MAX_GGUF_HEADER_BYTES / (1024 * 1024)} MiB; metadata not read` : `unreadable: ${message(err)}`;
    }
    return {
      servedName: name.replace(/\.gguf$/i, ""),
      digest: await sha256(handle),
      digestSource: "file-sha256",
      adapterDigests: [],
      details,
    };
  } catch (err) {
    throw unreadable(label, name, err);
  } finally {
    await handle.close();
  }
}

/**
 * The magic and a version llama.cpp reads (2 or 3, little-endian). The four letters alone are not enough:
 * a text file may well begin with "GGUF".
 */
function isGguf(start: Uint8Array): boolean {
  if (start.length < 8 || GGUF_MAGIC.some((byte, i) => start[i] !== byte)) return false;
  const version = new DataView(start.buffer, start.byteOffset, start.byteLength).getUint32(4, true);
  return version === 2 || version === 3;
}

function headerDetails(header: GgufHeader): Record<string, string | number> {
  const s = summarizeGguf(header);
  const details: Record<string, string | number> = { parameterCount: s.parameterCount };
  const found: [string, string | number | undefined][] = [
    ["architecture", s.architecture],
    ["modelName", s.name],
    ["contextLength", s.contextLength],
    ["quantization", s.quantization],
  ];
  for (const [key, value] of found) if (value !== undefined) details[key] = value;
  return details;
}

/** Up to `length` bytes from the start of the file. */
async function readAt(handle: FileHandle, length: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** sha256 of the whole file through the already-open handle, a chunk at a time. */
async function sha256(handle: FileHandle): Promise<string> {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(HASH_CHUNK_BYTES);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest("hex");
}

function unreadable(label: string, name: string, err: unknown): PerimeterError {
  if (err instanceof PerimeterError) return err;
  return new PerimeterError("RUNTIME_UNREACHABLE", `${label}: model file ${JSON.stringify(name)} cannot be read: ${message(err)}`, {
    cause: err,
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
