import { execFile, spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/perimeter.js", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A clean environment plus `env`. The search for a project stops below the temp directory, so a stray
 * perimeter.yaml or .perimeter/ there cannot capture tests run in their own temp directories.
 */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env["PATH"], HOME: process.env["HOME"], PERIMETER_CEILING_DIRECTORIES: tmpdir(), ...env };
}

export const PERIMETER_BIN = BIN;

/** Run the real `perimeter` binary as a user would, in `cwd`, with `env` added to a clean environment. */
export function perimeter(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): CliResult {
  const env = cliEnv(options.env);
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    encoding: "utf8",
    timeout: 60_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the event loop: for tests whose fake servers run in this process. */
export function perimeterAsync(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const env = cliEnv(options.env);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      if (err !== null && code === null) reject(err);
      else resolve({ code, stdout, stderr });
    });
  });
}
