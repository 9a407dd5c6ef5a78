import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { verifyModelWithCertificate, verifyModelWithKey, verifyModelWithSigstore } from "../../src/signing/index.js";

// Every signature model_signing made in ../shared/vectors/model-transparency verifies against the files on
// disk, and stops verifying after any change to a signed file, an added or removed file, or the bundle.

const MT = new URL("../../../shared/vectors/model-transparency/scripts/tests/", import.meta.url).pathname;
const PUBLIC_KEY = readFileSync(join(MT, "keys/certificate/signing-key-pub.pem"), "utf8");
const CA = readFileSync(join(MT, "keys/certificate/ca-cert.pem"), "utf8");
const SIGSTORE = { identity: "stefanb@us.ibm.com", issuer: "https://sigstore.verify.ibm.com/oauth2" };

const dirs = readdirSync(MT).filter((d) => /-(elliptic-key|certificate|sigstore)$/.test(d));
const scratch = mkdtempSync(join(tmpdir(), "perimeter-vectors-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function verifier(dir: string) {
  if (dir.endsWith("-elliptic-key")) return (model: string, bundle: string) => verifyModelWithKey(model, bundle, PUBLIC_KEY, options(model));
  if (dir.endsWith("-certificate")) return (model: string, bundle: string) => verifyModelWithCertificate(model, bundle, [CA], options(model));
  return (model: string, bundle: string) => verifyModelWithSigstore(model, bundle, SIGSTORE, options(model));
}
// A directory model leaves ignore-me out, as the reference verification does; a single-file model is the file.
const options = (model: string) => (model.endsWith("signme-1") ? {} : { ignorePaths: ["ignore-me"] });

async function refusal(p: Promise<unknown>): Promise<PerimeterError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PerimeterError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe.each(dirs)("model_signing's %s signature", (dir) => {
  const fresh = () => {
    const copy = mkdtempSync(join(scratch, `${dir}-`));
    cpSync(join(MT, dir), copy, { recursive: true });
    const bundle = readFileSync(join(copy, "model.sig"), "utf8");
    const singleFile = (
      JSON.parse(Buffer.from((JSON.parse(bundle) as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, "base64").toString()) as {
        predicate: { resources: Array<{ name: string }> };
      }
    ).predicate.resources.some((r) => r.name === ".");
    return { copy, bundle, model: singleFile ? join(copy, "signme-1") : copy, singleFile };
  };
  const verify = verifier(dir);

  it("verifies against the files on disk", async () => {
    const { model, bundle } = fresh();
    expect((await verify(model, bundle)).files).toBeGreaterThan(0);
  });

  it("stops verifying after one changed byte in a signed file, naming it", async () => {
    const { copy, model, bundle } = fresh();
    const file = join(copy, "signme-1");
    const bytes = readFileSync(file);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    const err = await refusal(verify(model, bundle));
    expect(err.code).toBe("MODEL_MISMATCH");
  });

  it("stops verifying after a file is added or removed", async () => {
    const { copy, model, bundle, singleFile } = fresh();
    if (singleFile) {
      appendFileSync(join(copy, "signme-1"), "more"); // a one-file model can only grow
      expect((await refusal(verify(model, bundle))).code).toBe("MODEL_MISMATCH");
      return;
    }
    writeFileSync(join(copy, "added.bin"), "x");
    expect((await refusal(verify(model, bundle))).message).toMatch(/added\.bin was added/);
    rmSync(join(copy, "added.bin"));
    rmSync(join(copy, "signme-2"));
    expect((await refusal(verify(model, bundle))).message).toMatch(/signme-2 was signed but is missing/);
  });

  it("stops verifying after any change to the bundle", async () => {
    const { model, bundle } = fresh();
    const parsed = JSON.parse(bundle) as { dsseEnvelope: { payload: string; signatures: Array<{ sig: string }> } };
    const sig = parsed.dsseEnvelope.signatures[0] as { sig: string };
    const flipped = Buffer.from(sig.sig, "base64");
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] ?? 0) ^ 1;
    const badSig = JSON.stringify({ ...parsed, dsseEnvelope: { ...parsed.dsseEnvelope, signatures: [{ ...sig, sig: flipped.toString("base64") }] } });
    expect((await refusal(verify(model, badSig))).kind).toBe("refused");
    const statement = JSON.parse(Buffer.from(parsed.dsseEnvelope.payload, "base64").toString()) as { subject: Array<{ name: string }> };
    (statement.subject[0] as { name: string }).name = "renamed";
    const badPayload = JSON.stringify({
      ...parsed,
      dsseEnvelope: { ...parsed.dsseEnvelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64") },
    });
    expect((await refusal(verify(model, badPayload))).kind).toBe("refused");
  });
});
