import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatByteCount, hashingProgress, progressLine, renderByteProgress, type ProgressStream } from "../../src/cli/progress.js";
import { perimeter } from "../helpers/cli.js";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** A stand-in for process.stderr that records what was written. */
function stream(isTTY: boolean): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe("the progress line's text", () => {
  it("shows the bytes done of the total, the percentage and the rate", () => {
    expect(renderByteProgress("hashing", 1.5 * GiB, 3 * GiB, 2000)).toBe(`hashing [${"#".repeat(15)}${".".repeat(15)}] 1.50 GiB / 3.00 GiB  50%  768 MiB/s`);
  });

  it("shows no rate until there is a quarter of a second to measure it over", () => {
    expect(renderByteProgress("hashing", 10 * MiB, 3 * GiB, 100)).toBe(`hashing [${".".repeat(30)}] 10.0 MiB / 3.00 GiB  0%`);
  });

  it("never shows more than the whole, even for a file that grew", () => {
    const text = renderByteProgress("hashing", 4 * GiB, 3 * GiB, 1000);
    expect(text).toContain(`[${"#".repeat(30)}]`);
    expect(text).toContain(" 100% ");
  });

  it("writes sizes in binary units with three significant digits at most", () => {
    expect([0, 1023, 1536, 10 * MiB + 1, 200 * MiB, 3 * GiB].map(formatByteCount)).toEqual(["0 B", "1023 B", "1.50 KiB", "10.0 MiB", "200 MiB", "3.00 GiB"]);
  });
});

describe("progress on stderr", () => {
  it("redraws one line on a terminal at most every 100 ms, always draws the end, and clears itself", () => {
    const out = stream(true);
    let now = 0;
    const p = hashingProgress("hashing", out, () => now);
    p.onProgress({ bytesHashed: 0, totalBytes: 100 * MiB });
    now = 50;
    p.onProgress({ bytesHashed: 5 * MiB, totalBytes: 100 * MiB }); // too soon: not drawn
    now = 500;
    p.onProgress({ bytesHashed: 50 * MiB, totalBytes: 100 * MiB });
    now = 520;
    p.onProgress({ bytesHashed: 100 * MiB, totalBytes: 100 * MiB }); // the end is drawn however soon
    p.done();
    expect(out.written).toHaveLength(4);
    expect(out.written[1]).toBe(`\rhashing [${"#".repeat(15)}${".".repeat(15)}] 50.0 MiB / 100 MiB  50%  100 MiB/s\x1b[K`);
    expect(out.written[2]).toContain("100 MiB / 100 MiB  100%");
    expect(out.written[3]).toBe("\r\x1b[K");
  });

  it("writes nothing at all when stderr is not a terminal", () => {
    const out = stream(false);
    const p = hashingProgress("hashing", out);
    p.onProgress({ bytesHashed: 0, totalBytes: MiB });
    p.onProgress({ bytesHashed: MiB, totalBytes: MiB });
    p.done();
    const files = progressLine("scanning", out);
    files.update(1, 2, " files");
    files.update(2, 2, " files");
    files.done();
    expect(out.written).toEqual([]);
  });
});

describe("perimeter hash on a large model", () => {
  let cwd: string;
  let model: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-progress-"));
    model = join(cwd, "model");
    mkdirSync(model);
    // Over the 32 MiB at which hashing moves to worker threads, so their progress reaches the line.
    const block = Buffer.alloc(8 * MiB);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(join(model, "model-00001.safetensors"), Buffer.concat([block, block, block]));
    writeFileSync(join(model, "model-00002.safetensors"), Buffer.concat([block, block]));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("shows bytes hashed of the total on a terminal, then clears the line before the digests", () => {
    // script(1) runs the real binary on a pseudo-terminal: stdout and stderr are both that terminal.
    const bin = fileURLToPath(new URL("../../bin/perimeter.js", import.meta.url));
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} hash model`;
    const r = spawnSync("script", ["-qec", command, "/dev/null"], {
      cwd,
      env: { PATH: process.env["PATH"], HOME: process.env["HOME"], TERM: "dumb" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\rhashing \[#{30}\] 40\.0 MiB \/ 40\.0 MiB {2}100%/);
    const cleared = r.stdout.lastIndexOf("\r\x1b[K");
    expect(cleared).toBeGreaterThan(-1);
    expect(r.stdout.slice(cleared)).toMatch(/[0-9a-f]{64} {2}model-00001\.safetensors/);
  });

  it("says nothing on stderr when stderr is not a terminal", () => {
    const r = perimeter(["hash", "model"], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("model-00002.safetensors");
    expect(r.stderr).toBe("");
  });
});
