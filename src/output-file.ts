import { createWriteStream, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { PerimeterError } from "./errors.js";

/**
 * Write an output file so that nobody ever sees it half-written and nothing existing is lost: the content
 * goes to a temporary file beside it, is flushed to disk, and only then takes the final name (refusing to
 * replace an existing file unless `overwrite`).
 */
export async function writeOutputFile(path: string, overwrite: boolean, write: (out: Writable) => Promise<void>): Promise<void> {
  if (!overwrite && exists(path)) throw new PerimeterError("FILE_EXISTS", `${path} exists; pass --force to overwrite it`);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, "wx", 0o644);
    const out = createWriteStream("", { fd, autoClose: false });
    await write(out);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    fsyncSync(fd);
    out.close();
    if (overwrite) renameSync(tmp, path);
    else {
      linkSync(tmp, path); // fails if the name was taken meanwhile: never replaces a file
      rmSync(tmp);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof PerimeterError) throw err;
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new PerimeterError("FILE_EXISTS", `${path} exists; pass --force to overwrite it`);
    }
    throw new PerimeterError("IO_FAILED", `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Write a stream's chunk, waiting for the buffer to drain when it is full. */
export async function writeChunk(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
