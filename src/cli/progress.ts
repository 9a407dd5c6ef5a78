// Progress of long work, as one self-rewriting line on stderr when stderr is a terminal, and nothing at all
// otherwise: piped or captured output (CI logs, `2> file`, tests) never holds carriage returns or bars.

/** Where a progress line goes: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

interface Line {
  /** Redraws the line with this text, at most every `intervalMs` unless `final`. */
  show(text: string, final: boolean): void;
  /** Clears the line, if anything was drawn. */
  done(): void;
}

function line(stream: ProgressStream, intervalMs: number, now: () => number): Line {
  if (stream.isTTY !== true) return { show: () => undefined, done: () => undefined };
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    show(text, final) {
      const t = now();
      if (!final && t - last < intervalMs) return;
      last = t;
      drawn = true;
      stream.write(`\r${text}\x1b[K`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}

function bar(done: number, total: number, width = 30): string {
  const filled = Math.max(0, Math.min(width, Math.round((done / Math.max(total, 1)) * width)));
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

/** One self-rewriting line of counted work (files, …); nothing at all when the stream is not a terminal. */
export function progressLine(
  label: string,
  stream: ProgressStream = process.stderr,
): { update: (done: number, total: number, unit?: string) => void; done: () => void } {
  const l = line(stream, 100, Date.now);
  return {
    update: (done, total, unit = "") => l.show(`${label} ${bar(done, total)} ${done}/${total}${unit}`, done >= total),
    done: l.done,
  };
}

/** 1536 → "1.5 KiB"; three significant digits at most. */
export function formatByteCount(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0} B`;
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/**
 * The text of a byte-progress line: "hashing [#####.....] 1.20 GiB / 3.00 GiB  40%  812 MiB/s".
 * The rate shows once there is something to measure it over (a quarter of a second).
 */
export function renderByteProgress(label: string, done: number, total: number, elapsedMs: number): string {
  const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  const rate = elapsedMs >= 250 && done > 0 ? `  ${formatByteCount((done * 1000) / elapsedMs)}/s` : "";
  return `${label} ${bar(done, total)} ${formatByteCount(done)} / ${formatByteCount(total)}  ${pct}%${rate}`;
}

/** Progress of hashing a model: bytes hashed of the total and the rate since it was created. */
export function hashingProgress(label: string, stream: ProgressStream = process.stderr, now: () => number = Date.now) {
  const l = line(stream, 100, now);
  const start = now();
  return {
    onProgress: (p: { bytesHashed: number; totalBytes: number }) =>
      l.show(renderByteProgress(label, p.bytesHashed, p.totalBytes, now() - start), p.bytesHashed >= p.totalBytes),
    done: l.done,
  };
}
