import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandOf } from "../../src/cli/main.js";
import { perimeter } from "../helpers/cli.js";

// The CLI loads only the command group a self-contained command needs (hash, sign, verify): what that
// must not change for a user.
describe("loading only the command group a command needs", () => {
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), "perimeter-startup-"));
    writeFileSync(join(cwd, "weights.bin"), "weights");
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("finds the command after the global --config and its value, and none before --help or --version", () => {
    expect(commandOf(["--config", "perimeter.yaml", "hash", "model"])).toBe("hash");
    expect(commandOf(["--config=perimeter.yaml", "sign", "key", "model"])).toBe("sign");
    expect(commandOf(["serve", "--port", "0"])).toBe("serve");
    expect(commandOf(["--help", "hash"])).toBeUndefined();
    expect(commandOf(["-V"])).toBeUndefined();
    expect(commandOf([])).toBeUndefined();
  });

  it("hashes with a global --config before the command, and shows the command's own help", () => {
    writeFileSync(join(cwd, "perimeter.yaml"), "{}\n");
    const hashed = perimeter(["--config", "perimeter.yaml", "hash", "weights.bin"], { cwd });
    expect(hashed.code).toBe(0);
    expect(hashed.stdout).toContain("root ");
    const help = perimeter(["hash", "--help"], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: perimeter hash [options] <model>");
  });

  it("still lists every command with --help and refuses an unknown one with exit 2", () => {
    const help = perimeter(["--help"], { cwd });
    expect(help.code).toBe(0);
    for (const command of ["scan", "hash", "sign", "verify", "serve", "audit"]) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    const unknown = perimeter(["hahs", "weights.bin"], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
    const version = perimeter(["--version"], { cwd });
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
