import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { EgressPolicy, type EgressResolver, egressRuleSchema, parseEgressRule } from "../../src/tools/egress.js";
import { startToolServer } from "../fixtures/tools/tool-server.js";

// The egress allow-list: which destinations tools may reach, and a fetch that connects only to what it checked.
// Names are resolved by injected resolvers and every connection goes to a node:http server on 127.0.0.1, so no
// test looks a name up or sends a packet beyond 127.0.0.0/8.

type Table = Readonly<Record<string, string | readonly string[]>>;

/** A resolver over a table that counts its lookups; a name missing from the table does not resolve. */
function resolverOf(table: Table): { resolve: EgressResolver; lookups: string[] } {
  const lookups: string[] = [];
  const resolve: EgressResolver = async (host) => {
    lookups.push(host);
    const answer = table[host];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return (typeof answer === "string" ? [answer] : answer).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return { resolve, lookups };
}

/** A resolver that answers `first` to the first lookup of each name and `later` ever after: DNS rebinding. */
function rebinding(first: string, later: string): { resolve: EgressResolver; lookups: string[] } {
  const lookups: string[] = [];
  const resolve: EgressResolver = async (host) => {
    lookups.push(host);
    const address = lookups.filter((h) => h === host).length === 1 ? first : later;
    return [{ address, family: 4 }];
  };
  return { resolve, lookups };
}

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** The address the client connected to. */
  readonly localAddress: string | undefined;
}

interface Loopback {
  readonly port: number;
  readonly seen: Seen[];
  /** TCP connections accepted. */
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records each request and answers with `handler`. */
async function loopback(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<Loopback> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        localAddress: req.socket.localAddress,
      };
      handle.seen.push(seen);
      handler(req, res, seen);
    });
  });
  server.on("connection", () => {
    handle.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const handle: Loopback = {
    port: (server.address() as AddressInfo).port,
    seen: [],
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return handle;
}

/** Every connection undici attempts (the host it was asked for) and makes (the address the socket reached). */
function watchConnections(): { attempts: string[]; reached: string[]; stop(): void } {
  const attempts: string[] = [];
  const reached: string[] = [];
  const before = (m: unknown) => {
    const p = (m as { connectParams: { hostname: string; port: string | number } }).connectParams;
    attempts.push(`${p.hostname}:${p.port}`);
  };
  const connected = (m: unknown) => {
    const s = (m as { socket: Socket }).socket;
    reached.push(`${s.remoteAddress}:${s.remotePort}`);
  };
  subscribe("undici:client:beforeConnect", before);
  subscribe("undici:client:connected", connected);
  return {
    attempts,
    reached,
    stop: () => {
      unsubscribe("undici:client:beforeConnect", before);
      unsubscribe("undici:client:connected", connected);
    },
  };
}

async function refusal(p: Promise<unknown>): Promise<PerimeterError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PerimeterError);
  return err as PerimeterError;
}

describe("egress allow-list entries", () => {
  it("reads names, ports, wildcards, addresses and CIDRs", () => {
    expect(parseEgressRule("API.Example.com.")).toMatchObject({ kind: "name", name: "api.example.com", wildcard: false, port: undefined });
    expect(parseEgressRule("api.example.com:443")).toMatchObject({ kind: "name", name: "api.example.com", port: 443 });
    expect(parseEgressRule("*.example.com")).toMatchObject({ kind: "name", name: "example.com", wildcard: true });
    expect(parseEgressRule("localhost")).toMatchObject({ kind: "name", name: "localhost" });
    const ip = parseEgressRule("192.0.2.7");
    expect(ip.kind === "net" && [ip.address.toString(), ip.bits, ip.port]).toEqual(["192.0.2.7", 32, undefined]);
    const cidr = parseEgressRule("10.0.0.0/8:5432");
    expect(cidr.kind === "net" && [cidr.address.toString(), cidr.bits, cidr.port]).toEqual(["10.0.0.0", 8, 5432]);
    const v6 = parseEgressRule("[2001:db8::1]:8443");
    expect(v6.kind === "net" && [v6.address.toString(), v6.bits, v6.port]).toEqual(["2001:db8::1", 128, 8443]);
    const v6net = parseEgressRule("2001:db8::/32");
    expect(v6net.kind === "net" && [v6net.address.toString(), v6net.bits]).toEqual(["2001:db8::", 32]);
  });

  it("applies IDNA to a name entry, as the URL parser does to a URL's host", async () => {
    expect(parseEgressRule("bücher.example")).toMatchObject({ name: "xn--bcher-kva.example" });
    const { resolve } = resolverOf({ "xn--bcher-kva.example": "93.184.216.34" });
    const policy = new EgressPolicy({ allow: ["bücher.example"], resolve });
    expect((await policy.check(new URL("https://BÜCHER.example/"))).allow).toBe(true);
    expect((await policy.check("https://xn--bcher-kva.example/")).allow).toBe(true);
  });

  it("reads an IPv4-mapped entry as the IPv4 addresses it maps", () => {
    const rule = parseEgressRule("::ffff:10.0.0.0/104");
    expect(rule.kind === "net" && [rule.address.kind(), rule.address.toString(), rule.bits]).toEqual(["ipv4", "10.0.0.0", 8]);
  });

  it("refuses a bad entry in perimeter.yaml with a message that says what to write", () => {
    expect(egressRuleSchema.safeParse("api.example.com:443").success).toBe(true);
    const r = egressRuleSchema.safeParse("https://api.example.com/");
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/not a URL/);
    expect(egressRuleSchema.safeParse("10.0.0.1/8").error?.issues[0]?.message).toMatch(/write 10\.0\.0\.0\/8/);
  });

  it("refuses to build a policy with a bad entry: CONFIG_INVALID, naming the entry", () => {
    let err: unknown;
    try {
      new EgressPolicy({ allow: ["api.example.com", "0x7f.1"] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PerimeterError);
    expect(err).toMatchObject({ code: "CONFIG_INVALID", message: expect.stringContaining('"0x7f.1"') });
  });
});

describe("EgressPolicy.check", () => {
  const table: Table = {
    "api.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "a.example.com": "93.184.216.35",
    "deep.a.example.com": "93.184.216.36",
    "example.com": "93.184.216.37",
    "db.internal.test": "10.0.0.5",
    "half.internal.test": ["10.0.0.5", "93.184.216.34"],
    "cgnat.test": "100.64.0.9",
    "ula.test": "fd12::9",
    "metadata.test": "169.254.169.254",
    "loop.test": "127.0.0.1",
    localhost: ["127.0.0.1", "::1"],
    "dns64.test": "64:ff9b::5db8:d822",
  };

  it("allows a listed name that resolves to public addresses, and says where to connect", async () => {
    const { resolve, lookups } = resolverOf(table);
    const d = await new EgressPolicy({ allow: ["api.example.com"], resolve }).check("https://api.example.com/v1?q=1");
    expect(d).toMatchObject({ allow: true, address: "93.184.216.34", family: 4, rule: "api.example.com" });
    expect(d.allow && d.addresses.map((a) => a.address)).toEqual(["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]);
    expect(d.reason).toBe('api.example.com port 443 is allowed by "api.example.com"');
    expect(lookups).toEqual(["api.example.com"]);
  });

  it("lets an entry without a port allow every port, and one with a port only that port (80 and 443 by scheme)", async () => {
    const { resolve } = resolverOf(table);
    const any = new EgressPolicy({ allow: ["api.example.com"], resolve });
    expect((await any.check("http://api.example.com:8080/")).allow).toBe(true);
    const tls = new EgressPolicy({ allow: ["api.example.com:443"], resolve });
    expect((await tls.check("https://api.example.com/")).allow).toBe(true);
    expect((await tls.check("http://api.example.com:443/")).allow).toBe(true);
    expect((await tls.check("http://api.example.com/")).allow).toBe(false);
    expect((await tls.check("https://api.example.com:8443/")).allow).toBe(false);
  });

  it("matches *.example.com to subdomains at any depth, never to example.com itself", async () => {
    const { resolve } = resolverOf(table);
    const policy = new EgressPolicy({ allow: ["*.example.com"], resolve });
    expect((await policy.check("https://a.example.com/")).allow).toBe(true);
    expect((await policy.check("https://deep.a.example.com/")).allow).toBe(true);
    expect((await policy.check("https://example.com/")).allow).toBe(false);
  });

  it("matches names whatever their case and with or without a trailing dot", async () => {
    const { resolve } = resolverOf(table);
    const policy = new EgressPolicy({ allow: ["api.example.com"], resolve });
    for (const url of ["https://API.EXAMPLE.COM/", "https://api.example.com./", "HTTPS://Api.Example.Com.:443/"])
      expect((await policy.check(url)).allow, url).toBe(true);
  });

  it("lets an address entry cover a literal host, and a name that resolves only inside it", async () => {
    const { resolve } = resolverOf(table);
    const policy = new EgressPolicy({ allow: ["10.0.0.0/8:5432", "192.0.2.7", "[2001:db8::1]:8443"], resolve });
    expect(await policy.check("http://10.1.2.3:5432/")).toMatchObject({ allow: true, address: "10.1.2.3", rule: "10.0.0.0/8:5432" });
    expect((await policy.check("http://10.1.2.3:5433/")).allow).toBe(false);
    expect(await policy.check("http://db.internal.test:5432/")).toMatchObject({ allow: true, address: "10.0.0.5" });
    expect(await policy.check("https://192.0.2.7/")).toMatchObject({ allow: true, address: "192.0.2.7" });
    expect(await policy.check("https://[2001:db8::1]:8443/")).toMatchObject({ allow: true, address: "2001:db8::1", family: 6 });
    expect((await policy.check("https://[2001:db8::1]/")).allow).toBe(false);
    // One of its addresses is outside every entry: the name is not covered.
    expect(await policy.check("http://half.internal.test:5432/")).toMatchObject({ allow: false, address: "93.184.216.34" });
  });

  it("lets allowPrivate open private, CGNAT and unique-local addresses to listed names, never loopback or link-local", async () => {
    const { resolve } = resolverOf(table);
    const allow = ["db.internal.test", "cgnat.test", "ula.test", "metadata.test", "loop.test"];
    const strict = new EgressPolicy({ allow, resolve });
    const open = new EgressPolicy({ allow, resolve, allowPrivate: true });
    for (const name of ["db.internal.test", "cgnat.test", "ula.test"]) {
      expect((await strict.check(`http://${name}/`)).allow, name).toBe(false);
      expect((await open.check(`http://${name}/`)).allow, name).toBe(true);
    }
    expect((await open.check("http://metadata.test/")).reason).toMatch(/169\.254\.169\.254: a link-local address/);
    expect((await open.check("http://loop.test/")).reason).toMatch(/127\.0\.0\.1: a loopback address/);
    // A literal address is never a listed name.
    expect((await open.check("http://10.0.0.5/")).allow).toBe(false);
  });

  it("lets localhost resolve to loopback when localhost is listed: that is what it means", async () => {
    const { resolve } = resolverOf(table);
    expect(await new EgressPolicy({ allow: ["localhost:8080"], resolve }).check("http://localhost:8080/")).toMatchObject({ allow: true, address: "127.0.0.1" });
    expect((await new EgressPolicy({ allow: ["localhost:8080"], resolve }).check("http://localhost:8081/")).allow).toBe(false);
    expect((await new EgressPolicy({ allow: ["loop.test"], resolve }).check("http://loop.test/")).allow).toBe(false);
  });

  it("lets a listed name resolve through NAT64 (DNS64) to a public IPv4 address", async () => {
    const { resolve } = resolverOf(table);
    expect(await new EgressPolicy({ allow: ["dns64.test"], resolve }).check("https://dns64.test/")).toMatchObject({
      allow: true,
      address: "64:ff9b::5db8:d822",
    });
  });

  it("resolves the name once per check, so an answer that changes is checked as it is then", async () => {
    const { resolve, lookups } = rebinding("93.184.216.34", "10.0.0.5");
    const policy = new EgressPolicy({ allow: ["rebind.test"], resolve });
    expect(await policy.check("http://rebind.test/")).toMatchObject({ allow: true, address: "93.184.216.34" });
    expect(lookups).toHaveLength(1);
    expect(await policy.check("http://rebind.test/")).toMatchObject({ allow: false, address: "10.0.0.5" });
    expect(lookups).toHaveLength(2);
  });

  it("does not look up a name no entry could allow: the lookup itself would tell the attacker's DNS server", async () => {
    const { resolve, lookups } = resolverOf(table);
    const names = new EgressPolicy({ allow: ["api.example.com", "10.0.0.0/8:5432"], resolve });
    expect((await names.check("https://c2VjcmV0.attacker.test/")).reason).toBe("c2vjcmv0.attacker.test port 443 is not on the egress allow-list");
    expect(lookups).toEqual([]);
    // An address entry with no port can cover any name: then the name is resolved to see whether it does.
    const nets = new EgressPolicy({ allow: ["10.0.0.0/8"], resolve });
    expect((await nets.check("https://c2VjcmV0.attacker.test/")).allow).toBe(false);
    expect(lookups).toEqual(["c2vjcmv0.attacker.test"]);
  });

  it("refuses when the name does not resolve, resolves to nothing, or takes longer than timeoutMs", async () => {
    const { resolve } = resolverOf(table);
    const policy = new EgressPolicy({ allow: ["*.test"], resolve });
    expect(await policy.check("https://nowhere.test/")).toMatchObject({ allow: false, reason: "nowhere.test does not resolve (ENOTFOUND): refused" });
    const empty = new EgressPolicy({ allow: ["empty.test"], resolve: async () => [] });
    expect((await empty.check("https://empty.test/")).reason).toBe("empty.test resolves to no address: refused");
    const slow = new EgressPolicy({ allow: ["slow.test"], resolve: () => new Promise(() => undefined), timeoutMs: 30 });
    expect((await slow.check("https://slow.test/")).reason).toMatch(/slow\.test does not resolve \(ETIMEOUT\)/);
    const broken = new EgressPolicy({ allow: ["broken.test"], resolve: () => Promise.reject(new Error("resolver crashed")) });
    expect((await broken.check("https://broken.test/")).allow).toBe(false);
  });

  it("checks a copy of a URL object: changing it afterwards changes nothing", async () => {
    const { resolve } = resolverOf(table);
    const url = new URL("https://api.example.com/");
    const d = await new EgressPolicy({ allow: ["api.example.com"], resolve }).check(url);
    url.hostname = "metadata.test";
    expect(d.url?.hostname).toBe("api.example.com");
  });

  it("allows http and https unless told otherwise", async () => {
    const { resolve } = resolverOf(table);
    expect((await new EgressPolicy({ allow: ["api.example.com"], resolve }).check("wss://api.example.com/")).reason).toMatch(/wss: URLs are refused/);
    const wsOnly = new EgressPolicy({ allow: ["api.example.com"], resolve, protocols: ["wss"] });
    expect((await wsOnly.check("wss://api.example.com/")).allow).toBe(true);
    expect((await wsOnly.check("https://api.example.com/")).allow).toBe(false);
    expect(() => new EgressPolicy({ allow: [], protocols: ["gopher" as "http"] })).toThrow(/only http, https, ws and wss/);
  });
});

describe("EgressPolicy.fetch", () => {
  let watch: ReturnType<typeof watchConnections>;
  const servers: Loopback[] = [];
  const policies: EgressPolicy[] = [];
  const serve = async (handler: Parameters<typeof loopback>[0]) => {
    const s = await loopback(handler);
    servers.push(s);
    return s;
  };
  const policy = (options: ConstructorParameters<typeof EgressPolicy>[0]) => {
    const p = new EgressPolicy(options);
    policies.push(p);
    return p;
  };
  /** Test names: the tool servers on loopback, and the metadata service that must never be reached. */
  const names = () => resolverOf({ "tools.test": "127.0.0.1", "other.test": "127.0.0.1", "metadata.test": "169.254.169.254" });

  beforeEach(() => {
    watch = watchConnections();
  });
  afterEach(async () => {
    watch.stop();
    await Promise.all(policies.splice(0).map((p) => p.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("connects to the checked address and keeps the name in the Host header", async () => {
    const s = await serve((_req, res) => res.end("hello"));
    const { resolve, lookups } = names();
    const egress = policy({ allow: ["tools.test", "127.0.0.0/8"], resolve });
    const response = await egress.fetch(`http://tools.test:${s.port}/path?x=1`);
    expect(await response.text()).toBe("hello");
    expect(s.seen[0]).toMatchObject({ method: "GET", path: "/path?x=1", localAddress: "127.0.0.1" });
    expect(s.seen[0]?.headers.host).toBe(`tools.test:${s.port}`);
    expect(lookups).toEqual(["tools.test"]);
    expect(watch.attempts).toEqual([`tools.test:${s.port}`]);
    expect(watch.reached).toEqual([`127.0.0.1:${s.port}`]);
  });

  it("connects to the address it checked, even when a later lookup of the name would answer differently", async () => {
    const s = await serve((_req, res) => res.end("ok"));
    // The first answer is loopback (allowed by 127.0.0.0/8); every later one is the metadata address. Were the
    // connection to look the name up again it would reach 169.254.169.254 — or, as tools.test is in no real DNS,
    // fail: it does neither.
    const { resolve, lookups } = rebinding("127.0.0.1", "169.254.169.254");
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    const response = await egress.fetch(`http://tools.test:${s.port}/`);
    expect(await response.text()).toBe("ok");
    expect(lookups).toEqual(["tools.test"]);
    expect(watch.reached).toEqual([`127.0.0.1:${s.port}`]);
    // The next request checks again, sees the new answer, and is refused before it connects.
    const err = await refusal(egress.fetch(`http://tools.test:${s.port}/`));
    expect(err).toMatchObject({ code: "EGRESS_DENIED", status: 403, message: expect.stringContaining("169.254.169.254") });
    expect(lookups).toHaveLength(2);
    expect(watch.attempts).toHaveLength(1);
  });

  it("follows a redirect, checking the next hop", async () => {
    const b = await serve((_req, res) => res.end("arrived"));
    const a = await serve((_req, res) => res.writeHead(302, { location: `http://other.test:${b.port}/there` }).end());
    const { resolve, lookups } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    const response = await egress.fetch(`http://tools.test:${a.port}/`);
    expect(await response.text()).toBe("arrived");
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`http://other.test:${b.port}/there`);
    expect(lookups).toEqual(["tools.test", "other.test"]);
  });

  it("refuses a redirect to a name that resolves to the metadata address, before connecting to it", async () => {
    const a = await serve((_req, res) => res.writeHead(302, { location: "http://metadata.test/latest/meta-data/iam/security-credentials/" }).end());
    const { resolve, lookups } = names();
    const egress = policy({ allow: ["tools.test", "metadata.test", "127.0.0.0/8"], resolve });
    const err = await refusal(egress.fetch(`http://tools.test:${a.port}/`));
    expect(err.code).toBe("EGRESS_DENIED");
    expect(err.message).toMatch(/redirect 1.*metadata\.test port 80 resolves to 169\.254\.169\.254: a link-local address/);
    expect(lookups).toEqual(["tools.test", "metadata.test"]);
    expect(watch.attempts).toEqual([`tools.test:${a.port}`]);
    expect(watch.reached).toEqual([`127.0.0.1:${a.port}`]);
  });

  it("refuses past maxRedirects, so a redirect loop ends", async () => {
    const s = await serve((req, res) => res.writeHead(307, { location: req.url === "/a" ? "/b" : "/a" }).end());
    const { resolve } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve, maxRedirects: 3 });
    const err = await refusal(egress.fetch(`http://tools.test:${s.port}/a`));
    expect(err).toMatchObject({ code: "EGRESS_DENIED", message: expect.stringContaining("more than 3 redirects") });
    expect(s.seen.map((r) => r.path)).toEqual(["/a", "/b", "/a", "/b"]);
  });

  it("drops Authorization and Cookie when a redirect leaves the origin, and keeps them within it", async () => {
    const b = await serve((_req, res) => res.end("b"));
    const a = await serve((req, res) => {
      if (req.url === "/start") res.writeHead(302, { location: "/same" }).end();
      else if (req.url === "/same") res.writeHead(302, { location: `http://other.test:${b.port}/away` }).end();
    });
    const { resolve } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    await egress.fetch(`http://tools.test:${a.port}/start`, { headers: { authorization: "Bearer secret", cookie: "s=1", "x-trace": "t" } });
    expect(a.seen.map((r) => [r.path, r.headers.authorization, r.headers.cookie])).toEqual([
      ["/start", "Bearer secret", "s=1"],
      ["/same", "Bearer secret", "s=1"],
    ]);
    expect(b.seen[0]?.headers.authorization).toBeUndefined();
    expect(b.seen[0]?.headers.cookie).toBeUndefined();
    expect(b.seen[0]?.headers["x-trace"]).toBe("t");
  });

  it("turns a POST into a GET without its body on 303, and sends method and body again on 307", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/see-other") res.writeHead(303, { location: "/done" }).end();
      else if (req.url === "/temporary") res.writeHead(307, { location: "/done" }).end();
      else res.end("done");
    });
    const { resolve } = names();
    const egress = policy({ allow: ["127.0.0.1"], resolve });
    const init = { method: "POST", body: '{"a":1}', headers: { "content-type": "application/json" } };
    await egress.fetch(`http://tools.test:${s.port}/see-other`, init);
    await egress.fetch(`http://tools.test:${s.port}/temporary`, init);
    expect(s.seen.map((r) => [r.method, r.path, r.body, r.headers["content-type"]])).toEqual([
      ["POST", "/see-other", '{"a":1}', "application/json"],
      ["GET", "/done", "", undefined],
      ["POST", "/temporary", '{"a":1}', "application/json"],
      ["POST", "/done", '{"a":1}', "application/json"],
    ]);
  });

  it("returns a redirect as it is with redirect: manual, and fails with redirect: error", async () => {
    const s = await serve((_req, res) => res.writeHead(302, { location: "http://metadata.test/" }).end());
    const { resolve } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    const manual = await egress.fetch(`http://tools.test:${s.port}/`, { redirect: "manual" });
    expect(manual.status).toBe(302);
    expect(manual.headers.get("location")).toBe("http://metadata.test/");
    await expect(egress.fetch(`http://tools.test:${s.port}/`, { redirect: "error" })).rejects.toThrow(TypeError);
    expect(watch.attempts.every((a) => a.startsWith("tools.test:"))).toBe(true);
  });

  it("streams an SSE body event by event, and the caller's signal ends it", async () => {
    let stream: ServerResponse | undefined;
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: one\n\n");
      stream = res;
    });
    const { resolve } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    const controller = new AbortController();
    const response = await egress.fetch(`http://tools.test:${s.port}/events`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe("data: one\n\n");
    stream?.write("data: two\n\n");
    expect((await reader.read()).value).toBe("data: two\n\n");
    controller.abort();
    await expect(reader.read()).rejects.toThrow(/abort/i);
  });

  it("passes an aborted signal on: nothing is looked up or sent", async () => {
    const { resolve, lookups } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    await expect(egress.fetch("http://tools.test:9/", { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    expect(lookups).toEqual([]);
    expect(watch.attempts).toEqual([]);
  });

  it("sends a Request's method, headers and body", async () => {
    const s = await serve((_req, res) => res.end());
    const { resolve } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    await egress.fetch(new Request(`http://tools.test:${s.port}/r`, { method: "PUT", headers: { "x-a": "1" }, body: "payload" }));
    expect(s.seen[0]).toMatchObject({ method: "PUT", path: "/r", body: "payload" });
    expect(s.seen[0]?.headers["x-a"]).toBe("1");
  });

  it("reuses one connection for requests to the same origin and address", async () => {
    const s = await serve((_req, res) => res.end("x"));
    const { resolve, lookups } = names();
    const egress = policy({ allow: ["127.0.0.0/8"], resolve });
    for (let i = 0; i < 5; i++) {
      await (await egress.fetch(`http://tools.test:${s.port}/${i}`)).text();
      // undici hands the socket back to its pool a tick after the body ends.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(s.seen).toHaveLength(5);
    expect(s.connections).toBe(1);
    expect(lookups).toHaveLength(5);
  });

  it("refuses to send once closed", async () => {
    const egress = policy({ allow: ["127.0.0.0/8"] });
    await egress.close();
    await expect(egress.fetch("http://127.0.0.1:9/")).rejects.toMatchObject({ code: "USAGE" });
  });

  it("is the fetch of the MCP SDK's streamable HTTP client: POST, the SSE stream, DELETE", async () => {
    const tools = await startToolServer();
    try {
      const { resolve } = names();
      const egress = policy({ allow: ["tools.test", "127.0.0.1"], resolve });
      const url = new URL(tools.url);
      url.hostname = "tools.test";
      const client = new Client({ name: "egress-test", version: "1.0.0" });
      const transport = new StreamableHTTPClientTransport(url, { fetch: egress.fetch });
      const changed = new Promise<void>((resolveChanged) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolveChanged()));
      await client.connect(transport);
      const result = await client.callTool({ name: "echo", arguments: { text: "through the allow-list" } });
      expect(result.content).toEqual([{ type: "text", text: "through the allow-list" }]);
      // The server speaks on the GET stream: the notification arrives through the egress fetch's streamed body.
      await expect.poll(() => tools.requests.some((r) => r.method === "GET")).toBe(true);
      await tools.redefine("echo", "Echoes, changed.");
      await changed;
      await transport.terminateSession();
      await client.close();
      expect(new Set(tools.requests.map((r) => r.method))).toEqual(new Set(["POST", "GET", "DELETE"]));
      for (const r of tools.requests) expect(r.headers.host).toBe(`tools.test:${url.port}`);
      expect(watch.reached.every((a) => a.startsWith("127.0.0.1:"))).toBe(true);
    } finally {
      await tools.close();
    }
  });
});
