import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { PerimeterError } from "../errors.js";

// Checkpoints are C2SP signed notes (tlog-checkpoint): "<origin>\n<size>\n<base64 root>\n", then a blank
// line and one signature line per signer. Any transparency-log tooling that reads checkpoints reads ours.

const ED25519_ALG = 0x01;

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  readonly note: string;
}

export interface AuditSigner {
  readonly name: string;
  readonly keyId: Buffer;
  readonly publicKey: KeyObject;
  sign(checkpoint: Checkpoint): SignedCheckpoint;
}

export interface AuditVerifierKey {
  readonly name: string;
  readonly keyId: Buffer;
  readonly publicKey: KeyObject;
}

export function checkpointBody(c: Checkpoint): string {
  return `${c.origin}\n${c.size}\n${c.root.toString("base64")}\n`;
}

function rawEd25519(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new PerimeterError("AUDIT_KEY_INVALID", "the audit key is not an Ed25519 key");
  }
  return Buffer.from(jwk.x, "base64url");
}

/** C2SP signed-note key id: the first 4 bytes of SHA-256(name || "\n" || alg || public key). */
export function noteKeyId(name: string, publicKey: KeyObject): Buffer {
  return createHash("sha256")
    .update(name)
    .update("\n")
    .update(Buffer.from([ED25519_ALG]))
    .update(rawEd25519(publicKey))
    .digest()
    .subarray(0, 4);
}

export function createSigner(name: string, privateKey: KeyObject): AuditSigner {
  const publicKey = createPublicKey(privateKey);
  const keyId = noteKeyId(name, publicKey);
  return {
    name,
    keyId,
    publicKey,
    sign(c: Checkpoint): SignedCheckpoint {
      const body = checkpointBody(c);
      const sig = sign(null, Buffer.from(body), privateKey);
      const note = `${body}\n\u2014 ${name} ${Buffer.concat([keyId, sig]).toString("base64")}\n`;
      return { ...c, note };
    },
  };
}

export type NoteCheck = { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string };

/** Parse a signed checkpoint and check that a trusted key signed it. Never throws on bad input. */
export function verifyCheckpointNote(note: string, keys: readonly AuditVerifierKey[]): NoteCheck {
  const split = note.indexOf("\n\n");
  if (split < 0) return { ok: false, reason: "the checkpoint has no signature block" };
  const body = note.slice(0, split + 1);
  const lines = body.split("\n");
  const [origin, sizeText, rootText] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) {
    return { ok: false, reason: "the checkpoint body is malformed" };
  }
  const root = Buffer.from(rootText, "base64");
  if (root.length !== 32 || root.toString("base64") !== rootText) {
    return { ok: false, reason: "the checkpoint root hash is malformed" };
  }
  const sigLines = note
    .slice(split + 2)
    .split("\n")
    .filter((l) => l !== "");
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (m === null) return { ok: false, reason: "a checkpoint signature line is malformed" };
    const raw = Buffer.from(m[2] as string, "base64");
    if (raw.length !== 4 + 64) continue;
    for (const key of keys) {
      if (key.name !== m[1] || !key.keyId.equals(raw.subarray(0, 4))) continue;
      if (verify(null, Buffer.from(body), key.publicKey, raw.subarray(4))) {
        return { ok: true, checkpoint: { origin, size: Number(sizeText), root } };
      }
      return { ok: false, reason: `the checkpoint signature by key ${key.keyId.toString("hex")} does not verify` };
    }
  }
  return { ok: false, reason: "the checkpoint is not signed by any trusted audit key" };
}

/**
 * Load the Ed25519 signing key, creating it (mode 0600, never overwritten) when it does not exist yet.
 * The key lives outside the database so that write access to the database is not enough to forge history.
 */
/** Which key, for the messages: the audit log's and the lifecycle's keys are loaded the same way. */
export interface KeyPurpose {
  readonly what: string;
  readonly setting: string;
  readonly code: "AUDIT_KEY_INVALID" | "SIGNING_KEY_INVALID";
}

const AUDIT_KEY: KeyPurpose = { what: "audit signing key", setting: "audit.signingKey", code: "AUDIT_KEY_INVALID" };

export function loadOrCreateSigningKey(path: string, create: boolean, purpose: KeyPurpose = AUDIT_KEY): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" || !create) {
      throw new PerimeterError(
        purpose.code,
        `cannot read the ${purpose.what} ${path}: ${(err as Error).message}. Set ${purpose.setting} in perimeter.yaml to a readable Ed25519 PEM key.`,
        { cause: err },
      );
    }
    pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Written whole to a file of our own, then linked into place: link() creates the name only if it is
    // free, atomically, so a process starting at the same moment sees no key or a whole key, never a
    // half-written one (creating the name first and writing after let a second writer read an empty file).
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      const fd = openSync(tmp, "wx", 0o600);
      try {
        writeSync(fd, pem);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      linkSync(tmp, path);
    } catch (writeErr) {
      // Another process created it first: use theirs, so every writer signs with one key.
      if ((writeErr as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new PerimeterError(purpose.code, `cannot create the ${purpose.what} ${path}: ${(writeErr as Error).message}`, {
          cause: writeErr,
        });
      }
      return loadOrCreateSigningKey(path, false, purpose);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`it is a ${key.asymmetricKeyType ?? "unknown"} key`);
    return key;
  } catch (err) {
    throw new PerimeterError(purpose.code, `the ${purpose.what} ${path} is not an Ed25519 private key (${(err as Error).message})`, { cause: err });
  }
}

/** A public key (or a private key, whose public half is used) from a PEM file. */
export function loadVerifierKey(name: string, path: string): AuditVerifierKey {
  let publicKey: KeyObject;
  try {
    const pem = readFileSync(path, "utf8");
    publicKey = pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  } catch (err) {
    throw new PerimeterError("AUDIT_KEY_INVALID", `cannot read the audit public key ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (publicKey.asymmetricKeyType !== "ed25519") {
    throw new PerimeterError("AUDIT_KEY_INVALID", `the audit public key ${path} is not an Ed25519 key`);
  }
  return { name, keyId: noteKeyId(name, publicKey), publicKey };
}
