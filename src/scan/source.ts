import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Random access to the bytes of a file or of an archive member already in memory. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(Math.max(0, offset), Math.min(bytes.length, offset + Math.max(0, length)))),
  };
}

/** Files this small are read whole, once: most files in a model folder are, and each read then costs nothing. */
const WHOLE_FILE_BYTES = 1 << 20;

/**
 * A file opened for positional reads; short reads at the end, never past it. Reads are synchronous: the
 * scanner reads headers and pickles (kilobytes, from the page cache), and a hop through libuv's thread pool
 * per read cost more than the reads themselves (measured: 70% of the corpus scan time).
 */
export function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, "r");
  try {
    const { size } = fstatSync(fd);
    const readAt = (offset: number, length: number): Uint8Array => {
      const start = Math.max(0, Math.min(offset, size));
      const len = Math.max(0, Math.min(length, size - start));
      const buf = Buffer.allocUnsafe(len);
      let done = 0;
      while (done < len) {
        const n = readSync(fd, buf, done, len - done, start + done);
        if (n === 0) break;
        done += n;
      }
      return buf.subarray(0, done);
    };
    if (size <= WHOLE_FILE_BYTES) {
      const whole = readAt(0, size);
      closeSync(fd);
      return { ...memorySource(whole), close: () => undefined };
    }
    return { size, read: (offset, length) => Promise.resolve(readAt(offset, length)), close: () => closeSync(fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
