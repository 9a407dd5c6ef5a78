// The dashboard in Debian's Chromium against a real Perimeter (on SQLite and on PostgreSQL, fake vLLM and
// Ollama, the embedded runtime): each flow the issue names is done by clicking, then checked twice — in the page, as the person sees
// it, and in the store, as the server recorded it. Every page is screenshotted at 1280 and 390 px wide and
// checked by axe-core; every request the page makes must go to the server's own origin.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditVerifierKeys, readAuditEvents, type AuditEvent, verifyAuditLog } from "../../src/audit/index.js";
import { signInLink } from "../../src/control/signin-link.js";
import type { RunningServer } from "../../src/http/server.js";
import { registerModel } from "../../src/inventory/models.js";
import type { ModelVersion } from "../../src/inventory/types.js";
import { listKills } from "../../src/killswitch/index.js";
import { LifecycleRepository } from "../../src/lifecycle/repository.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { artifactsDir, chromiumPath, drawnCanvases } from "../helpers/chromium.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { axeViolations, buildDashboard, openPage, recordEvaluation, serious, type Watched } from "./browser.js";

const PAGES = ["overview", "inventory", "version", "runtimes", "identities", "traffic", "audit", "kill", "guards", "tools", "policies"] as const;
const WIDTHS = [1280, 390] as const;

describe.each(STORE_KINDS)("the dashboard in a browser on %s", (kind) => {
  let p: Perimeter;
  let server: RunningServer;
  let browser: Browser;
  let admin: { key: string; id: string };
  let approver: { key: string; id: string };
  let caller: { key: string; id: string };
  let fineTune: ModelVersion;
  const opened: Watched[] = [];
  const shots = join(artifactsDir(), kind === "sqlite" ? "dashboard" : `dashboard-${kind}`);

  beforeAll(async () => {
    buildDashboard();
    mkdirSync(shots, { recursive: true });
    p = await startPerimeter(kind);
    // A lineage to draw: vllm-llama@1 → vllm-support@1 (fine-tune) → vllm-support-lora@1 (adapter), and an
    // evaluation of the fine-tune against its base for the charts.
    const deps = { store: p.store, audit: () => p.audit };
    fineTune = await registerModel(deps, {
      path: writeGgufModel(join(p.work, "vllm-support"), { seed: 60 }),
      name: "vllm-support",
      version: "1",
      kind: "fine-tune",
      parents: [p.models.vllm.id],
      environments: ["default"],
      actor: "alice",
    });
    await registerModel(deps, {
      path: writeGgufModel(join(p.work, "vllm-support-lora"), { seed: 61 }),
      name: "vllm-support-lora",
      version: "1",
      kind: "adapter",
      parents: [fineTune.id],
      environments: ["default"],
      actor: "alice",
    });
    const base = await recordEvaluation(p.store, p.models.vllm);
    await recordEvaluation(p.store, fineTune, { version: p.models.vllm.id, evaluationId: base });
    ({ server } = await p.serve());
    admin = await p.key("soc-admin", { scopes: ["admin"], owner: "ada" });
    approver = await p.key("bob-laptop", { scopes: ["approver"], owner: "bob" });
    caller = await p.key("support-bot", { owner: "support-team" });
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
  });
  afterAll(async () => {
    await browser?.close();
    await p?.close();
  });

  async function open(width = 1280): Promise<Watched> {
    const w = await openPage(browser, width);
    opened.push(w);
    return w;
  }
  async function signedIn(key: string, width = 1280): Promise<Watched> {
    const w = await open(width);
    await w.page.goto(`${server.url}/ui/`);
    await w.page.getByLabel("API key").fill(key);
    await w.page.getByRole("button", { name: "Sign in" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    return w;
  }
  async function go(page: Page, hash: string, heading: string): Promise<void> {
    await page.goto(`${server.url}/ui/#/${hash}`);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  }
  /** The page's status line once it says something: what a screen reader announces. */
  async function said(page: Page, role: "status" | "alert", text: string | RegExp): Promise<string> {
    const line = page.getByRole(role).filter({ hasText: text }).first();
    await line.waitFor();
    return textOf(line);
  }
  async function events(filter: (e: AuditEvent) => boolean): Promise<AuditEvent[]> {
    await p.audit.flush();
    const out: AuditEvent[] = [];
    for await (const e of readAuditEvents(p.store)) if (filter(e)) out.push(e);
    return out;
  }
  const state = async (id: string) => (await new LifecycleRepository(p.store).state(id))?.state ?? "registered";
  const call = (key: string, model = p.models.vllm.id) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 8 }),
    });

  it("signs in with an API key, keeps the session over a reload, signs out, and refuses a key it did not issue", async () => {
    const { page } = await open();
    await page.goto(`${server.url}/ui/`);
    await page.getByLabel("API key").fill("prm_nope_nope");
    await page.getByRole("button", { name: "Sign in" }).click();
    // The page says what the API said, word for word.
    const refusal = (await (
      await fetch(`${server.url}/control/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key: "prm_nope_nope" }),
      })
    ).json()) as { error: { message: string } };
    expect(await said(page, "alert", /key/i)).toBe(refusal.error.message);

    await page.getByLabel("API key").fill(admin.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(await textOf(page.getByRole("banner"))).toContain("Signed in as ada");
    // The key is gone from the form and the page: only the session cookie (HttpOnly) remains.
    expect(await page.content()).not.toContain(admin.key);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([["perimeter_session", true, "Strict"]]);

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(await textOf(page.getByRole("banner"))).toContain("Signed in as ada");
    // One session, the good key's: the refused key started none.
    const sessions = () => p.store.db.selectFrom("control_sessions").select(["identity_id", "actor", "method", "ended_at"]).execute();
    expect(await sessions()).toEqual([{ identity_id: admin.id, actor: "ada", method: "api-key", ended_at: null }]);

    // Signing out is a change: it works only with the CSRF token, which the page re-read after the reload.
    await page.getByRole("button", { name: "Sign out" }).click();
    expect(await textOf(page.getByText("You signed out."))).toBe("You signed out.");
    await page.reload();
    await page.getByLabel("API key").waitFor();
    expect(await sessions()).toEqual([{ identity_id: admin.id, actor: "ada", method: "api-key", ended_at: expect.any(String) }]);
    const changes = await events((e) => e.actor === "ada" && (e.action === "control.signIn" || e.action === "control.signOut"));
    expect(changes.map((e) => [e.action, e.decision])).toEqual([
      ["control.signIn", "allow"],
      ["control.signOut", "allow"],
    ]);
  });

  it("sends a person whose session ended back to sign in, saying why", async () => {
    const { page } = await signedIn(admin.key);
    // The overview's answers are in before the session ends: the next request is the click below.
    await READY.overview(page).waitFor();
    await p.store.db
      .updateTable("control_sessions")
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where("ended_at", "is", null)
      .execute();
    await page.getByRole("navigation").getByRole("link", { name: "Inventory" }).click();
    expect(await textOf(page.locator(".signin-note"))).toMatch(/^You are signed out: .*expired/);
    await page.getByLabel("API key").waitFor();
  });

  it("signs in with a one-time link from perimeter up, takes the token out of the address bar, and refuses it a second time", async () => {
    const link = await signInLink({ loaded: p.env.loaded, store: p.store, audit: () => p.audit }, p.identities, {
      identity: "soc-admin",
      baseUrl: server.url,
      actor: "ops",
    });
    const token = link.url.slice(link.url.indexOf("#signin=") + "#signin=".length);
    const first = (await open()).page;
    await first.goto(link.url);
    await first.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(await textOf(first.getByRole("banner"))).toContain("Signed in as ada");
    expect(first.url()).toBe(`${server.url}/ui/#/overview`);

    const second = (await open()).page;
    await second.goto(link.url);
    expect(await textOf(second.getByText("The sign-in link did not work"))).toMatch(/unknown, used or expired/);
    expect(second.url()).not.toContain(token);

    const links = await p.store.db.selectFrom("control_signin_links").select(["used_at"]).execute();
    expect(links).toHaveLength(1);
    expect(links[0]?.used_at).toEqual(expect.any(String));
    expect(await p.store.db.selectFrom("control_sessions").select("method").where("method", "=", "link").execute()).toHaveLength(1);
  });

  it("approves a version for an approver, and refuses the approver a version they submitted", async () => {
    const own = await p.candidate("bob-tuned", "bob");
    const theirs = await p.candidate("support-tuned", "alice");
    const { page } = await signedIn(approver.key);

    await go(page, `versions/${encodeURIComponent(own.id)}`, own.id);
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: `Approve ${own.id}?` });
    expect(await textOf(dialog)).toContain("You approve it as bob");
    await dialog.getByRole("button", { name: `Approve ${own.id}` }).click();
    expect(await said(page, "alert", "cannot be approved")).toContain(`bob submitted ${own.id} and cannot also approve it (separation of duties)`);
    expect(await state(own.id)).toBe("registered");

    await go(page, `versions/${encodeURIComponent(theirs.id)}`, theirs.id);
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page
      .getByRole("dialog")
      .getByRole("button", { name: `Approve ${theirs.id}` })
      .click();
    expect(await said(page, "status", "Approved")).toBe(`Approved ${theirs.id} (signed by release): runtimes may admit it now.`);
    // The page shows the new state and the approval, and no longer offers to approve.
    await page
      .locator("section", { has: page.getByRole("heading", { name: "Approvals" }) })
      .getByText(/approved by\s+bob/)
      .waitFor();
    expect(await page.getByRole("button", { name: "Approve", exact: true }).count()).toBe(0);

    expect(await state(theirs.id)).toBe("approved");
    const evidence = await new LifecycleRepository(p.store).evidence(theirs.id);
    expect(evidence.filter((e) => e.kind === "approval").map((e) => e.createdBy)).toEqual(["bob"]);
    const decisions = await events((e) => e.action === "model.approve" && (e.resource === `model:${own.id}` || e.resource === `model:${theirs.id}`));
    expect(decisions.map((e) => [e.actor, e.resource, e.decision])).toEqual([
      ["bob", `model:${own.id}`, "deny"],
      ["bob", `model:${theirs.id}`, "allow"],
    ]);
  });

  it("records a deployment for an operator", async () => {
    const operator = await p.key("olga-laptop", { scopes: ["operator"], owner: "olga" });
    const { page } = await signedIn(operator.key);
    await go(page, `versions/${encodeURIComponent(p.models.ollama.id)}`, p.models.ollama.id);
    await page.getByRole("button", { name: "Record a deployment" }).waitFor();
    // An operator deploys and retires; approving is an approver's.
    expect(await page.getByRole("button", { name: "Approve", exact: true }).count()).toBe(0);
    await page.getByRole("button", { name: "Record a deployment" }).click();
    const dialog = page.getByRole("dialog", { name: `Record ${p.models.ollama.id} as deployed?` });
    await dialog.getByRole("button", { name: "Record deployment" }).click();
    expect(await said(page, "status", "Recorded")).toBe(`Recorded ${p.models.ollama.id} as deployed in default.`);
    await page.getByText("deployed", { exact: true }).first().waitFor();
    expect(await state(p.models.ollama.id)).toBe("deployed");
    const deployments = await p.store.db
      .selectFrom("deployments")
      .select(["environment", "deployed_by"])
      .where("version_id", "=", p.models.ollama.id)
      .execute();
    expect(deployments).toEqual([{ environment: "default", deployed_by: "olga" }]);
  });

  it("rotates a key (shown once, the old one refused), revokes one leaked key, and revokes the identity", async () => {
    const ci = await p.key("ci-runner", { owner: "ci-team" });
    expect((await call(ci.key)).status).toBe(200);
    const { page } = await signedIn(admin.key);
    await go(page, "identities", "Identities");

    await page.getByRole("button", { name: "Rotate key of ci-runner" }).click();
    const rotate = page.getByRole("dialog", { name: "Rotate the key of ci-runner?" });
    await rotate.getByLabel("Old keys keep working for").selectOption("0");
    await rotate.getByRole("button", { name: "Rotate key" }).click();
    expect(await said(page, "status", "Rotated")).toBe("Rotated the key of ci-runner.");
    const shown = page.getByLabel("API key");
    const newKey = await shown.inputValue();
    expect(newKey).toMatch(/^prm_/);
    expect(newKey).not.toBe(ci.key);
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.content()).not.toContain(newKey);

    const rotated = await p.identities.get(ci.id);
    expect(rotated.keys).toHaveLength(2);
    expect((await p.identities.authenticateApiKey(newKey)).ok).toBe(true);
    expect(await p.identities.authenticateApiKey(ci.key)).toMatchObject({ ok: false });
    expect((await call(ci.key)).status).toBe(401);
    expect((await call(newKey)).status).toBe(200);

    // Rotate again with an overlap: two live keys, and the older one (say it leaked) revoked on its own.
    await page.getByRole("button", { name: "Rotate key of ci-runner" }).click();
    await rotate.getByLabel("Old keys keep working for").selectOption("3600");
    await rotate.getByRole("button", { name: "Rotate key" }).click();
    expect(await said(page, "status", "Rotated")).toBe("Rotated the key of ci-runner.");
    const newest = await shown.inputValue();
    await page.getByRole("button", { name: "Done" }).click();
    const leaked = (await p.identities.authenticateApiKey(newKey)) as { ok: true; principal: { via: { keyId: string } } };
    const leakedId = leaked.principal.via.keyId;
    const ciRow = page.getByRole("row", { name: /ci-runner/ });
    await ciRow.getByText(/^2 live keys/).click();
    await page.getByRole("button", { name: `Revoke key ${leakedId}` }).click();
    const revokeKey = page.getByRole("dialog", { name: "Revoke this key?" });
    expect(await textOf(revokeKey)).toContain("the identity and its other keys keep working");
    await revokeKey.getByLabel("Why (kept as evidence)").fill("pasted into a public issue");
    await revokeKey.getByRole("button", { name: "Revoke the key" }).click();
    expect(await said(page, "status", "Revoked key")).toBe(`Revoked key ${leakedId} of ci-runner; its other keys keep working.`);
    await ciRow.getByText(/^1 live key of/).waitFor();
    expect((await p.identities.get(ci.id)).keys.find((k) => k.id === leakedId)?.revokedAt).toEqual(expect.any(String));
    expect((await call(newKey)).status).toBe(401);
    expect((await call(newest)).status).toBe(200);

    await page.getByRole("button", { name: "Revoke ci-runner" }).click();
    const revoke = page.getByRole("dialog", { name: "Revoke ci-runner?" });
    expect(await textOf(revoke)).toContain("This cannot be undone");
    await revoke.getByLabel("Why (kept as evidence)").fill("the CI runner moved to workload identity");
    await revoke.getByRole("button", { name: "Revoke ci-runner" }).click();
    expect(await said(page, "status", "Revoked")).toBe("Revoked ci-runner: every key it holds is refused from now on.");
    await page.getByLabel("Show revoked identities").check();
    const row = page.getByRole("row", { name: /ci-runner/ });
    await row.getByText("the CI runner moved to workload identity").waitFor();
    expect(await textOf(row)).toContain("revoked");

    const revoked = await p.identities.get(ci.id);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(revoked.revokedReason).toBe("the CI runner moved to workload identity");
    expect((await call(newest)).status).toBe(401);
    const changes = await events((e) => e.action.startsWith("control.") && e.resource === "control" && e.actor === "ada" && e.decision === "allow");
    expect(changes.map((e) => e.action)).toEqual(expect.arrayContaining(["control.rotateIdentityKey", "control.revokeKey", "control.revokeIdentity"]));
  });

  it("trips the kill switch after naming what will stop, refuses the call, then lifts it and the call is served", async () => {
    expect((await call(caller.key)).status).toBe(200);
    const { page } = await signedIn(admin.key);
    await go(page, "kill", "Kill switch");
    await page.getByText("No kill is in force.").waitFor();

    await page.getByLabel("What to stop").selectOption("model");
    await page.getByLabel("Target").fill(p.models.vllm.id);
    await page.getByLabel("Why (kept as evidence)").fill("jailbroken in production");
    await page.getByRole("button", { name: "Review the kill" }).click();
    const confirm = page.getByRole("dialog", { name: "Stop this everywhere?" });
    const preview = await (
      await fetch(`${server.url}/control/kill/preview?kind=model&target=${encodeURIComponent(p.models.vllm.id)}`, {
        headers: { authorization: `Bearer ${admin.key}` },
      })
    ).json();
    expect(await textOf(confirm)).toContain(`This will stop ${(preview as { covers: string }).covers}`);
    // Focus starts on Cancel, stays inside the dialog, and Escape backs out without killing anything.
    expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Cancel");
    for (let i = 0; i < 4; i++) await page.keyboard.press("Tab");
    expect(await page.evaluate<boolean>("document.querySelector('dialog[open]').contains(document.activeElement)")).toBe(true);
    expect(serious(await axeViolations(page))).toEqual([]);
    await page.screenshot({ path: join(shots, "kill-confirm-1280.png") });
    await page.keyboard.press("Escape");
    await confirm.waitFor({ state: "hidden" });
    await expect.poll(() => page.evaluate<string>("document.activeElement.textContent")).toBe("Review the kill");
    expect(await listKills(p.store)).toEqual([]);

    await page.getByRole("button", { name: "Review the kill" }).click();
    await confirm.getByRole("button", { name: `Kill ${p.models.vllm.id}` }).click();
    expect(await said(page, "status", "Killed")).toContain(`Killed: ${(preview as { covers: string }).covers}`);
    await page.getByRole("row", { name: /jailbroken in production/ }).waitFor();
    expect((await listKills(p.store)).map((k) => [k.kind, k.target, k.reason, k.killedBy])).toEqual([
      ["model", p.models.vllm.id, "jailbroken in production", "ada"],
    ]);
    const refused = await call(caller.key);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("KILLED");

    await page.getByRole("button", { name: /^Lift the kill of/ }).click();
    const lift = page.getByRole("dialog", { name: "Lift this kill?" });
    await lift.getByLabel("Why (kept as evidence)").fill("fixed: the guard model is back");
    await lift.getByRole("button", { name: "Lift the kill" }).click();
    expect(await said(page, "status", "Lifted")).toMatch(/^Lifted the kill of .*: it is served again\.$/);
    await page.getByText("No kill is in force.").waitFor();
    expect(await listKills(p.store)).toEqual([]);
    expect((await call(caller.key)).status).toBe(200);
  });

  it("puts a text through the guards in force and shows what they would redact, without sending it anywhere", async () => {
    const { page } = await signedIn(admin.key);
    await go(page, "guards", "Guards");
    await page.getByRole("rowheader", { name: "secret" }).waitFor();
    const token = `ghp_${"a1B2c3D4e5".repeat(4).slice(0, 36)}`;
    await page.getByLabel("Text").fill(`push with ${token} tonight`);
    await page.getByRole("button", { name: "Check the text" }).click();
    expect(await said(page, "status", "The guards would")).toBe("The guards would redact it: 1 finding(s).");
    const found = page.getByRole("region", { name: "What the guards found" });
    expect(await textOf(found)).toMatch(/secret: github-token\s+secrets\s+characters 10–50\s+redact/);
    const after = await textOf(page.locator("pre.json"));
    expect(after).toMatch(/^push with .+ tonight$/);
    expect(after).not.toContain(token);
    // A dry run is not a call: nothing was counted, and the audit log holds no text.
    expect(await page.getByText("Nothing yet.").count()).toBe(1);
    expect(JSON.stringify(await events((e) => e.action === "control.checkGuards"))).not.toContain(token);
  });

  it("shows every page at 1280 and 390 px wide with no serious or critical accessibility violation", async () => {
    // Some traffic to show, refused calls included.
    for (let i = 0; i < 3; i++) await call(caller.key);
    await call(caller.key, "no-such-model@1");
    await call("prm_nope_nope");
    for (const width of WIDTHS) {
      const signIn = await open(width);
      await signIn.page.goto(`${server.url}/ui/`);
      await signIn.page.getByLabel("API key").waitFor();
      expect(serious(await axeViolations(signIn.page)), `sign-in at ${width}`).toEqual([]);
      await signIn.page.screenshot({ path: join(shots, `signin-${width}.png`), fullPage: true });

      const { page, errors } = await signedIn(admin.key, width);
      if (width < 900) {
        // On a phone the sections fold into a menu that opens and closes by its button.
        const menu = page.getByRole("button", { name: "Menu" });
        const inventory = page.getByRole("navigation").getByRole("link", { name: "Inventory" });
        expect(await inventory.isVisible()).toBe(false);
        await menu.click();
        await inventory.waitFor({ state: "visible" });
        expect(await menu.getAttribute("aria-expanded")).toBe("true");
        await menu.click();
        await inventory.waitFor({ state: "hidden" });
        expect(await menu.getAttribute("aria-expanded")).toBe("false");
      }
      for (const name of PAGES) {
        const [hash, heading] = name === "version" ? [`versions/${encodeURIComponent(fineTune.id)}`, fineTune.id] : [name, titleOf(name)];
        await go(page, hash, heading);
        await READY[name](page).first().waitFor();
        await page.getByText("Loading…").first().waitFor({ state: "detached" });
        if (name === "version" || name === "traffic" || name === "overview")
          await expect.poll(() => drawnCanvases(page), { message: `${name} draws its charts`, timeout: 10_000 }).toBeGreaterThan(0);
        const found = serious(await axeViolations(page));
        expect(found, `${name} at ${width}: ${JSON.stringify(found, null, 1)}`).toEqual([]);
        // Nothing is wider than the screen but the tables and the graph, which scroll in their own boxes.
        expect(await page.evaluate<number>("document.documentElement.scrollWidth"), `${name} at ${width} fits the width`).toBeLessThanOrEqual(width);
        await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
      }
      expect(errors).toEqual([]);
    }
  });

  it("verifies the audit log and proves an event in the page, then shows the log failing once a row is changed in the store", async () => {
    const keys = auditVerifierKeys(p.env.loaded);
    const { page } = await signedIn(admin.key);
    await go(page, "audit", "Audit log");
    const verification = page.locator("section", { has: page.getByRole("heading", { name: "Verification" }) });
    await verification.getByText("The log verifies.").waitFor();
    expect(await verifyAuditLog(p.store, keys)).toMatchObject({ ok: true, firstBadSeq: null });

    const firstRow = page.getByRole("row").nth(1);
    const seq = Number(await textOf(firstRow.getByRole("rowheader")));
    await firstRow.getByRole("button", { name: `Prove event ${seq}` }).click();
    expect(await textOf(firstRow.getByRole("status"))).toMatch(
      new RegExp(`included\\s+Event ${seq} is in the signed checkpoint of \\d+ events; the proof checks\\.`),
    );

    await p.audit.flush();
    const victim = (await events((e) => e.action === "model.approve" && e.decision === "allow"))[0] as AuditEvent;
    await p.store.db.updateTable("audit_events").set({ reason: "nothing happened here" }).where("seq", "=", victim.seq).execute();
    await verification.getByRole("button", { name: "Verify again" }).click();
    await verification.getByText("The log does not verify").waitFor();
    const failed = await textOf(verification.getByRole("status"));
    expect(failed).toContain(`the first bad event is #${victim.seq}`);
    expect(await verifyAuditLog(p.store, keys)).toMatchObject({ ok: false, firstBadSeq: victim.seq });
    await page.screenshot({ path: join(shots, "audit-tampered-1280.png"), fullPage: true });
  });

  it("makes no request to any origin but its own, on any page", async () => {
    const origin = new URL(server.url).origin;
    const all = opened.flatMap((w) => w.requests);
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    await Promise.all(opened.map((w) => w.close()));
  });
});

/** What a person reads in an element: Playwright's innerText (the rule it trips is about the DOM's). */
function textOf(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Locator.innerText is Playwright's, and it is the visible text that is asserted
  return locator.innerText();
}

/** What each page shows once its answers are in. */
const READY: Record<(typeof PAGES)[number], (page: Page) => Locator> = {
  overview: (page) => page.locator("canvas"),
  inventory: (page) => page.getByRole("img", { name: /Lineage of the model versions/ }),
  version: (page) => page.locator("canvas"),
  runtimes: (page) => page.getByRole("heading", { name: /^vllm/ }),
  identities: (page) => page.getByRole("row", { name: /soc-admin/ }),
  traffic: (page) => page.locator("canvas"),
  audit: (page) => page.getByText("The log verifies."),
  kill: (page) => page.getByText("No kill is in force."),
  guards: (page) => page.getByRole("rowheader", { name: "secret" }),
  tools: (page) => page.getByText("No tool call is waiting."),
  policies: (page) => page.getByRole("rowheader", { name: "model-in-environment" }),
};

function titleOf(name: Exclude<(typeof PAGES)[number], "version">): string {
  const titles: Record<typeof name, string> = {
    overview: "Overview",
    inventory: "Inventory",
    runtimes: "Runtimes",
    identities: "Identities",
    traffic: "Live traffic",
    audit: "Audit log",
    kill: "Kill switch",
    guards: "Guards",
    tools: "Tools",
    policies: "Policies",
  };
  return titles[name];
}
