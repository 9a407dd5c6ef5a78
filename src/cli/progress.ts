/** One self-rewriting line on a terminal's stderr; nothing at all when stderr is not a terminal. */
export function progressLine(label: string): { update: (done: number, total: number, unit?: string) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  return {
    update(done, total, unit = "") {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${unit}`);
    },
    done() {
      process.stderr.write("\r\x1b[K");
    },
  };
}

/** Progress of hashing, in MiB. */
export function hashingProgress(label: string) {
  const line = progressLine(label);
  return {
    onProgress: (p: { bytesHashed: number; totalBytes: number }) =>
      line.update(Math.round(p.bytesHashed / 2 ** 20), Math.round(p.totalBytes / 2 ** 20), " MiB"),
    done: line.done,
  };
}
