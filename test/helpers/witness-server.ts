import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeS3Credentials } from "./fake-s3.js";

// An HTTP audit witness for tests, on 127.0.0.1, speaking the protocol HttpWitness documents: GET answers
// what it holds (404 when nothing), PUT stores a newer head and refuses (409) one smaller than it holds, or of
// the same size with another root: it is append-only, so whoever holds the token cannot move it back. It sends
// an ETag and honours If-Match / If-None-Match as RFC 9110 says, and wants a bearer token when given one. Tests
// change `held` as someone with the endpoint's own storage would, or make it misbehave.

/**
 * Credentials made for this test run (none is ever committed), exported to the environment variables the tests'
 * witness configs name: TEST_WITNESS_KEY_ID, TEST_WITNESS_SECRET and TEST_WITNESS_TOKEN.
 */
export function witnessCredentials(): { readonly creds: FakeS3Credentials; readonly token: string } {
  const creds = { accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(30).toString("base64") };
  const token = randomBytes(24).toString("base64url");
  process.env["TEST_WITNESS_KEY_ID"] = creds.accessKeyId;
  process.env["TEST_WITNESS_SECRET"] = creds.secretAccessKey;
  process.env["TEST_WITNESS_TOKEN"] = token;
  return { creds, token };
}

export interface WitnessServer {
  readonly url: string;
  /** What it holds, as stored (any text: tests put edited or broken content here). */
  held: string | undefined;
  /** Answer every request with this status instead (and no body). */
  status: number | undefined;
  /** Hold each answer this long. */
  delayMs: number;
  /** Answer GET with this many bytes of padding after what it holds. */
  padBytes: number;
  /** Answer PUT with 204 but keep what it held (a store that loses writes). */
  losesWrites: boolean;
  /** Take any head, older ones too (an endpoint that does not keep the protocol). */
  movesBack: boolean;
  readonly requests: { method: string; authorization: string | undefined; ifMatch: string | undefined; ifNoneMatch: string | undefined }[];
  close(): Promise<void>;
}

/** The size and root of a witness JSON, or undefined when it is not one. */
function headOf(text: string): { size: number; root: string } | undefined {
  try {
    const v = JSON.parse(text) as { size?: unknown; root?: unknown };
    return typeof v.size === "number" && typeof v.root === "string" ? { size: v.size, root: v.root } : undefined;
  } catch {
    return undefined;
  }
}

const etagOf = (text: string) => `"${createHash("sha256").update(text).digest("hex").slice(0, 16)}"`;

export async function startWitnessServer(options: { token?: string; path?: string } = {}): Promise<WitnessServer> {
  const path = options.path ?? "/witness/perimeter.json";
  const server: Server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === "string" ? v : undefined;
      };
      w.requests.push({ method: req.method ?? "", authorization: header("authorization"), ifMatch: header("if-match"), ifNoneMatch: header("if-none-match") });
      const answer = (status: number, headers: Record<string, string> = {}, body?: string) => {
        const send = () => {
          res.writeHead(status, headers);
          res.end(body);
        };
        if (w.delayMs > 0) setTimeout(send, w.delayMs).unref();
        else send();
      };
      if (w.status !== undefined) return answer(w.status);
      if (options.token !== undefined && header("authorization") !== `Bearer ${options.token}`) return answer(401, { "www-authenticate": "Bearer" });
      if (req.url !== path) return answer(404);
      const current = w.held;
      const etag = current === undefined ? undefined : etagOf(current);
      if (req.method === "GET") {
        if (current === undefined) return answer(404);
        return answer(200, { "content-type": "application/json", etag: etag as string }, current + " ".repeat(w.padBytes));
      }
      if (req.method === "PUT") {
        const ifMatch = header("if-match");
        const ifNoneMatch = header("if-none-match");
        if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== etag) return answer(412);
        if (ifNoneMatch === "*" && current !== undefined) return answer(412);
        const sent = Buffer.concat(parts).toString("utf8");
        const next = headOf(sent);
        if (next === undefined) return answer(400);
        const held = current === undefined ? undefined : headOf(current);
        if (!w.movesBack && held !== undefined && (next.size < held.size || (next.size === held.size && next.root !== held.root))) return answer(409);
        if (!w.losesWrites) w.held = sent;
        return answer(204, { etag: etagOf(w.held ?? "") });
      }
      return answer(405);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const w: WitnessServer = {
    url: `http://127.0.0.1:${port}${path}`,
    held: undefined,
    status: undefined,
    delayMs: 0,
    padBytes: 0,
    losesWrites: false,
    movesBack: false,
    requests: [],
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return w;
}
