import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
    // Over the 32 MiB at which hashing moves to worker threads.
    mkdirSync(join(cwd, "model"));
    const block = Buffer.alloc(8 * 2 ** 20);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    for (const name of ["a.safetensors", "b.safetensors", "c.safetensors", "d.safetensors", "e.safetensors"]) writeFileSync(join(cwd, "model", name), block);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(cwd, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(cwd, "key.pub"), publicKey.export({ type: "spki", format: "pem" }));
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

  // sign and verify hash while the store opens: a store that cannot be opened must still stop them.
  it("sign and verify with a bad configuration stop hashing, exit 2 naming the file, and write no signature", () => {
    writeFileSync(join(cwd, "bad.yaml"), "store:\n  nope: 1\n");
    const signed = perimeter(["--config", "bad.yaml", "sign", "key", "--private-key", "key.pem", "model"], { cwd });
    expect(signed.code).toBe(2);
    expect(signed.stderr).toContain("bad.yaml");
    expect(existsSync(join(cwd, "model", "model.sig"))).toBe(false);
    const good = perimeter(["sign", "key", "--private-key", "key.pem", "model"], { cwd, env: { PERIMETER_CONFIG: "" } });
    expect(good.code).toBe(0);
    const verified = perimeter(["--config", "bad.yaml", "verify", "key", "--public-key", "key.pub", "model"], { cwd });
    expect(verified.code).toBe(2);
    expect(verified.stderr).toContain("bad.yaml");
    expect(perimeter(["verify", "key", "--public-key", "key.pub", "model"], { cwd, env: { PERIMETER_CONFIG: "" } }).stdout).toContain(
      "valid: 5 files of model",
    );
  });
});
