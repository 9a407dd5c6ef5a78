import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, open, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import {
  compareResourceNames,
  computeManifest,
  resourceDescriptors,
  subjectDigest,
  type ManifestOptions,
  type ManifestProgress,
} from "../../src/signing/manifest.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const vectors = path.resolve(here, "../../../shared/vectors");
const mtTests = path.join(vectors, "model-transparency/scripts/tests");

interface Statement {
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicate: {
    resources: Array<{ name: string; algorithm: string; digest: string }>;
    serialization: { method: string; hash_type: string; allow_symlinks: boolean; ignore_paths?: string[] };
  };
}

function statementOf(bundleFile: string): Statement {
  const bundle = JSON.parse(readFileSync(bundleFile, "utf8")) as { dsseEnvelope: { payload: string } };
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8")) as Statement;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function expectRefusal(p: Promise<unknown>, code: string, reason?: string): Promise<PerimeterError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PerimeterError);
  const pe = err as PerimeterError;
  expect(pe.code).toBe(code);
  if (reason !== undefined) expect(pe.details?.["reason"]).toBe(reason);
  return pe;
}

describe("the manifest matches the reference model_signing bundles", () => {
  const dirs = readdirSync(mtTests).filter((d) => /^v1\.\d+\.\d+-/.test(d));

  it("finds every v1.x signing-method directory", () => {
    expect(dirs.sort()).toEqual([
      "v1.0.1-certificate",
      "v1.0.1-elliptic-key",
      "v1.0.1-sigstore",
      "v1.1.0-certificate",
      "v1.1.0-elliptic-key",
      "v1.1.0-sigstore",
    ]);
  });

  it.each(dirs)("%s: resources, subject digest, subject name and serialization", async (dir) => {
    const model = path.join(mtTests, dir);
    const statement = statementOf(path.join(model, "model.sig"));
    const manifest = await computeManifest(model, { ignorePaths: ["ignore-me"] });

    expect(resourceDescriptors(manifest)).toEqual(statement.predicate.resources.map(({ name, algorithm, digest }) => ({ name, algorithm, digest })));
    expect(manifest.digest).toBe(statement.subject[0]!.digest.sha256);
    expect(manifest.modelName).toBe(statement.subject[0]!.name);
    const { method, hash_type, allow_symlinks, ignore_paths } = statement.predicate.serialization;
    expect(manifest.serialization).toMatchObject({ method, hash_type, allow_symlinks });
    // v1.0.x wrote no ignore_paths; v1.1.x writes the set in arbitrary order.
    if (ignore_paths !== undefined) expect([...manifest.serialization.ignore_paths].sort()).toEqual([...ignore_paths].sort());
    expect(manifest.files.map((f) => f.size)).toEqual(statement.predicate.resources.map((r) => readFileSync(path.join(model, r.name)).length));
  });

  it('v0.3.1 signed the single file signme-1: one resource named ".", the subject named after the file', async () => {
    const statement = statementOf(path.join(mtTests, "v0.3.1-elliptic-key/model.sig"));
    const manifest = await computeManifest(path.join(mtTests, "v0.3.1-elliptic-key/signme-1"));
    expect(resourceDescriptors(manifest)).toEqual(statement.predicate.resources.map(({ name, algorithm, digest }) => ({ name, algorithm, digest })));
    expect(manifest.files[0]!.name).toBe(".");
    expect(manifest.digest).toBe(statement.subject[0]!.digest.sha256);
    expect(manifest.modelName).toBe("signme-1");
  });

  it("the OMS spec's valid key bundle signs the same resources as v1.0.1-elliptic-key", async () => {
    const statement = statementOf(path.join(vectors, "oms-spec/test-vectors/v1.0/valid/key.bundle.json"));
    const manifest = await computeManifest(path.join(mtTests, "v1.0.1-elliptic-key"), { ignorePaths: ["ignore-me"] });
    expect(manifest.digest).toBe(statement.subject[0]!.digest.sha256);
    expect(subjectDigest(statement.predicate.resources.map((r) => r.digest))).toBe(statement.subject[0]!.digest.sha256);
  });

  it("without ignoring ignore-me the manifest differs from the signed one", async () => {
    const model = path.join(mtTests, "v1.1.0-elliptic-key");
    const manifest = await computeManifest(model);
    expect(manifest.files.map((f) => f.name)).toEqual(["ignore-me", "signme-1", "signme-2"]);
    expect(manifest.digest).not.toBe(statementOf(path.join(model, "model.sig")).subject[0]!.digest.sha256);
  });
});

describe("resource order", () => {
  it("compares path component by component, by code point, as Python's PurePosixPath does", () => {
    expect(compareResourceNames("a/b", "a-b")).toBeLessThan(0); // plain string order would say otherwise
    expect(compareResourceNames("a", "a/b")).toBeLessThan(0);
    expect(compareResourceNames("B", "a")).toBeLessThan(0);
    expect(compareResourceNames("\uffff", "\u{10000}")).toBeLessThan(0); // UTF-16 order would say otherwise
    expect(compareResourceNames("x", "x")).toBe(0);
  });
});

describe("on a generated model", () => {
  let root: string;
  let model: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "perimeter-manifest-"));
    model = path.join(root, "my-model");
    await mkdir(model);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const put = async (name: string, data: string | Buffer) => {
    await mkdir(path.dirname(path.join(model, name)), { recursive: true });
    await writeFile(path.join(model, name), data);
  };

  it("orders resources as OMS does and digests them in that order", async () => {
    await put("a-b", "1");
    await put("a/b", "2");
    await put("B", "3");
    await put("empty", "");
    const manifest = await computeManifest(model);
    expect(manifest.files.map((f) => f.name)).toEqual(["B", "a/b", "a-b", "empty"]);
    expect(manifest.files[3]!.sha256).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(manifest.digest).toBe(sha256(Buffer.concat(manifest.files.map((f) => Buffer.from(f.sha256, "hex")))));
    expect(manifest.modelName).toBe("my-model");
  });

  it("leaves out .git, .gitattributes, .github, .gitignore at the root only, the signature file and the caller's ignore paths", async () => {
    for (const name of [
      ".git/config",
      ".gitattributes",
      ".github/workflows/ci.yml",
      ".gitignore",
      "model.sig",
      "custom.sig",
      "cache/x.bin",
      "cache/y/z.bin",
      "tmp.txt",
    ]) {
      await put(name, name);
    }
    await put("weights.safetensors", "w");
    await put("sub/.gitignore", "kept: not at the root");
    await put("cached.bin", "kept: only a prefix of an ignored name");

    const byDefault = await computeManifest(model, { ignorePaths: ["cache", path.join(model, "tmp.txt")] });
    expect(byDefault.files.map((f) => f.name)).toEqual(["cached.bin", "custom.sig", "sub/.gitignore", "weights.safetensors"]);
    expect(byDefault.serialization.ignore_paths).toEqual([".git", ".gitattributes", ".github", ".gitignore", "cache", "model.sig", "tmp.txt"]);

    const custom = await computeManifest(model, { signatureFile: "custom.sig", ignorePaths: ["cache/", "./tmp.txt", "../elsewhere"] });
    expect(custom.files.map((f) => f.name)).toEqual(["cached.bin", "model.sig", "sub/.gitignore", "weights.safetensors"]);
    expect(custom.serialization.ignore_paths).toEqual([".git", ".gitattributes", ".github", ".gitignore", "cache", "custom.sig", "tmp.txt"]);
  });

  it("refuses a model with nothing left to sign", async () => {
    await put("model.sig", "sig");
    await expectRefusal(computeManifest(model), "USAGE");
  });

  it("refuses a symlink unless symlinks are allowed, then follows it", async () => {
    await put("real/weights.bin", "weights");
    await symlink(path.join(model, "real/weights.bin"), path.join(model, "link.bin"));
    const err = await expectRefusal(computeManifest(model), "SYMLINK_REFUSED", "symlink");
    expect(err.message).toContain("link.bin");

    const allowed = await computeManifest(model, { allowSymlinks: true });
    expect(allowed.files.map((f) => f.name)).toEqual(["link.bin", "real/weights.bin"]);
    expect(allowed.files[0]!.sha256).toBe(allowed.files[1]!.sha256);
    expect(allowed.serialization.allow_symlinks).toBe(true);
  });

  it("refuses a symlinked directory and a symlinked model path, and a symlink ignored is no error", async () => {
    await put("w.bin", "w");
    await symlink(root, path.join(model, "up"));
    await expectRefusal(computeManifest(model), "SYMLINK_REFUSED", "symlink");
    expect((await computeManifest(model, { ignorePaths: ["up"] })).files.map((f) => f.name)).toEqual(["w.bin"]);
    await expectRefusal(computeManifest(model, { allowSymlinks: true }), "USAGE"); // a loop back to an ancestor

    await unlink(path.join(model, "up"));
    await symlink(model, path.join(root, "alias"));
    await expectRefusal(computeManifest(path.join(root, "alias")), "SYMLINK_REFUSED", "symlink");
    expect((await computeManifest(path.join(root, "alias"), { allowSymlinks: true })).modelName).toBe("alias");
  });

  it("refuses a named pipe in the model", async () => {
    await put("w.bin", "w");
    execFileSync("mkfifo", [path.join(model, "pipe")]);
    await expectRefusal(computeManifest(model), "USAGE");
  });

  const modes: Array<{ mode: string; options: ManifestOptions }> = [
    { mode: "in-process", options: { threads: 1, chunkBytes: 64 * 1024 } },
    { mode: "on worker threads", options: { threads: 2, chunkBytes: 64 * 1024, minParallelBytes: 0 } },
  ];

  describe.each(modes)("hashing $mode", ({ options }) => {
    it("detects a file modified (same size) while it is being hashed", async () => {
      await put("big.bin", randomBytes(1024 * 1024));
      await put("small.bin", randomBytes(1000));
      const target = path.join(model, "big.bin");
      const err = await expectRefusal(
        computeManifest(model, {
          ...options,
          testHooks: {
            afterFirstChunkOf: {
              name: "big.bin",
              run: async () => {
                const fh = await open(target, "r+");
                await fh.write(Buffer.from("tampered"), 0, 8, 512 * 1024);
                await fh.close();
              },
            },
          },
        }),
        "MODEL_UNSTABLE",
        "changed",
      );
      expect(err.message).toContain("big.bin changed while it was being hashed");
    });

    it("detects a file that grows while it is being hashed", async () => {
      await put("big.bin", randomBytes(1024 * 1024));
      await put("small.bin", randomBytes(1000));
      const err = await expectRefusal(
        computeManifest(model, {
          ...options,
          testHooks: { afterFirstChunkOf: { name: "big.bin", run: () => writeFile(path.join(model, "big.bin"), randomBytes(4096), { flag: "a" }) } },
        }),
        "MODEL_UNSTABLE",
        "changed",
      );
      expect(err.details?.["path"]).toBe("big.bin");
    });

    it("stops within a chunk when its caller aborts, and rejects instead of giving a manifest", async () => {
      await put("big.bin", randomBytes(1024 * 1024));
      await put("small.bin", randomBytes(1000));
      const controller = new AbortController();
      let hashed = 0;
      await expect(
        computeManifest(model, {
          ...options,
          signal: controller.signal,
          onProgress: (p) => (hashed = p.bytesHashed),
          testHooks: { afterFirstChunkOf: { name: "big.bin", run: () => controller.abort() } },
        }),
      ).rejects.toThrow("hashing was stopped before it finished");
      expect(hashed).toBeLessThan(1024 * 1024);
    });

    it("reports a file that disappears before it is read as unreadable", async () => {
      await put("big.bin", randomBytes(1024 * 1024)); // largest first: hashed before small.bin
      await put("small.bin", randomBytes(1000));
      const err = await expectRefusal(
        computeManifest(model, {
          ...options,
          threads: 1,
          testHooks: { afterFirstChunkOf: { name: "big.bin", run: () => unlink(path.join(model, "small.bin")) } },
        }),
        "IO_FAILED",
        "unreadable",
      );
      expect(err.message).toContain("small.bin");
    });
  });

  it("multi-MB files hashed across threads give the digests node:crypto gives in one pass", async () => {
    const contents = new Map<string, Buffer>();
    const sizes = [9_000_001, 5 * 1024 * 1024, 3_333_333, 1024 * 1024, 777_777, 2_000_000, 0, 1, 65_536, 4_500_000];
    for (const [i, size] of sizes.entries()) {
      const name = i % 3 === 0 ? `shard-${i}.bin` : `nested/dir-${i % 2}/part-${i}.bin`;
      const data = randomBytes(size);
      contents.set(name, data);
      await put(name, data);
    }
    const progress: ManifestProgress[] = [];
    const parallel = await computeManifest(model, { threads: 4, chunkBytes: 1024 * 1024, minParallelBytes: 0, onProgress: (p) => progress.push(p) });
    const inProcess = await computeManifest(model, { threads: 1 });

    expect(parallel.files.length).toBe(sizes.length);
    for (const f of parallel.files) {
      expect(f.sha256).toBe(sha256(contents.get(f.name)!));
      expect(f.size).toBe(contents.get(f.name)!.length);
    }
    expect(parallel).toEqual(inProcess);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(progress.at(-1)).toEqual({ bytesHashed: total, totalBytes: total, filesHashed: sizes.length, totalFiles: sizes.length });
  });

  it('hashes a single-file model as one resource named "."', async () => {
    const data = randomBytes(100_000);
    await put("model.gguf", data);
    const manifest = await computeManifest(path.join(model, "model.gguf"), { ignorePaths: ["x"] });
    expect(manifest.files).toEqual([{ name: ".", size: data.length, sha256: sha256(data) }]);
    expect(manifest.modelName).toBe("model.gguf");
    expect(manifest.serialization.ignore_paths).toEqual([".git", ".gitattributes", ".github", ".gitignore"]);
  });

  it("says which path is missing", async () => {
    const err = await expectRefusal(computeManifest(path.join(root, "nope")), "IO_FAILED");
    expect(err.message).toContain("nope");
    expect(existsSync(path.join(root, "nope"))).toBe(false);
  });
});
