import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { addRuntime, listRuntimes } from "../../src/inventory/runtimes.js";
import type { Store } from "../../src/store/store.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

// The embedded runtime's directory: a relative --url is taken from where the command runs and stored
// absolute; what is not a directory is refused with the path it resolved to, and nothing is recorded.

describe.each(STORE_KINDS)("registering an embedded runtime on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let work: string;
  let deps: { store: Store; audit: () => AuditLog };

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    deps = { store, audit: () => audit };
    work = mkdtempSync(join(tmpdir(), "perimeter-runtime-url-"));
  });
  afterEach(async () => {
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const add = (url: string, name = "local") => addRuntime(deps, { name, type: "embedded", url, environment: "default", actor: "ops" });

  it("stores a relative directory as the absolute path it names from where the command runs", async () => {
    mkdirSync(join(work, "models"));
    const r = await add(relative(process.cwd(), join(work, "models")));
    expect(r.url).toBe(join(work, "models"));
    expect((await add(pathToFileURL(join(work, "models")).href, "by-url")).url).toBe(join(work, "models"));
  });

  it("refuses a directory that does not exist, or a file, naming the path it resolved to", async () => {
    const missing = relative(process.cwd(), join(work, "no-models"));
    await expect(add(missing)).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringContaining(`--url ${missing} (${join(work, "no-models")}) does not exist`),
    });
    writeFileSync(join(work, "model.gguf"), "GGUF");
    await expect(add(join(work, "model.gguf"))).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/is a file: give the directory that holds it/),
    });
    await expect(add(pathToFileURL(join(work, "gone")).href)).rejects.toMatchObject({ code: "USAGE", message: expect.stringMatching(/does not exist/) });
    expect(await listRuntimes(deps)).toEqual([]);
  });
});
