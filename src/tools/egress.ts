import { lookup } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, fetch as undiciFetch } from "undici";
import { z } from "zod";
import { PerimeterError } from "../errors.js";
import { clip } from "../clip.js";

// The egress allow-list: where tool servers, and the URLs among tool call arguments, may lead. A destination is a
// name or an address with a port. A name must be listed (exactly, or under a `*.suffix`) or resolve only to
// addresses an address entry (an IP or a CIDR) covers. It is resolved once per check: every address it resolves to
// must be public, or covered by an address entry, and the connection is made to the addresses that were checked,
// so a name that answers differently a moment later (DNS rebinding) changes nothing. Redirects are followed here,
// each hop checked again. Loopback, link-local (the cloud metadata service at 169.254.169.254 and fd00:ec2::254
// among them), private, CGNAT and reserved addresses — also when written in an IPv6 form that carries an IPv4
// address (mapped, compatible, NAT64, 6to4, Teredo) — are refused unless an address entry covers them;
// `allowPrivate` lets listed names resolve to private ranges, never to loopback or link-local ones.

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One allow-list entry, parsed. `entry` is the text as configured, quoted in every reason it decides. */
export type EgressRule =
  | {
      readonly kind: "name";
      /** Lower-case ASCII (IDNA applied), no trailing dot; for a wildcard, the suffix without "*.". */
      readonly name: string;
      readonly wildcard: boolean;
      readonly port: number | undefined;
      readonly entry: string;
    }
  | { readonly kind: "net"; readonly address: Address; readonly bits: number; readonly port: number | undefined; readonly entry: string };

/** An address a name resolved to, as the resolver answers it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** How names are resolved: every address of the name (A and AAAA), in the resolver's order. */
export type EgressResolver = (host: string) => Promise<readonly ResolvedAddress[]>;

/** Schemes a destination may have; every one of them names a host and has a default port. */
export type EgressProtocol = "http" | "https" | "ws" | "wss";

export interface EgressOptions {
  /**
   * Entries: `api.example.com`, `api.example.com:443`, `*.example.com` (subdomains only), `localhost`,
   * `192.0.2.7`, `10.0.0.0/8`, `10.0.0.0/8:5432`, `2001:db8::/32`, `[2001:db8::1]:8443`.
   */
  readonly allow: readonly string[];
  /** Listed names may resolve to private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); loopback and link-local stay refused. */
  readonly allowPrivate?: boolean;
  /** How names are resolved (tests inject one); default the system resolver, every address, unsorted. */
  readonly resolve?: EgressResolver;
  /** Redirects `fetch` follows before it refuses; default 5. */
  readonly maxRedirects?: number;
  /** How long resolving a name, and then opening the connection, may take; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Schemes allowed; default http and https. */
  readonly protocols?: readonly EgressProtocol[];
}

export type EgressDecision =
  | {
      readonly allow: true;
      readonly reason: string;
      /** The destination as checked (a copy: changing the caller's URL afterwards changes nothing here). */
      readonly url: URL;
      /** The address to connect to: the first the name resolved to, or the literal address of the URL. */
      readonly address: string;
      readonly family: 4 | 6;
      /** Every address the name resolved to, each checked; a connection may use any of them. */
      readonly addresses: readonly { readonly address: string; readonly family: 4 | 6 }[];
      /** The allow-list entry that let it through. */
      readonly rule: string;
    }
  | {
      readonly allow: false;
      readonly reason: string;
      readonly url?: URL;
      /** The address that was refused, when an address was. */
      readonly address?: string;
      readonly family?: 4 | 6;
    };

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443, "ws:": 80, "wss:": 443 };
/** Never a destination, whatever covers them: 0.0.0.0 and :: reach the local host on Linux; multicast and broadcast are not hosts. */
const NEVER = new Set(["unspecified", "broadcast", "multicast"]);
/** What `allowPrivate` opens to listed names. */
const PRIVATE = new Set(["private", "carrierGradeNat", "uniqueLocal"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Request headers that describe a body: dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];
/** Headers fetch drops when a redirect leaves the origin (credentials the next origin must not see). */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];
/** A host name after IDNA: LDH labels (and "_", which the URL parser and DNS both allow), at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** Global unicast IPv6 (2000::/3): an IPv6 address outside it that ipaddr.js calls unicast is not a public host. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
/** How many connection pools (one per origin and checked addresses) are kept; the least recently used closes first. */
const MAX_POOLS = 256;

/** One allow-list entry, parsed; throws CONFIG_INVALID saying what is expected. */
export function parseEgressRule(entry: string): EgressRule {
  const bad = (why: string) => new PerimeterError("CONFIG_INVALID", `egress allow-list entry ${JSON.stringify(entry)}: ${why}`);
  const text = entry.trim().toLowerCase();
  if (text === "") throw bad("is empty");
  if (text.includes("://")) throw bad("write the host and port (api.example.com:443), not a URL");
  // Anything a URL parser would read as the end of a host, credentials or an escape has no place in an entry.
  if (/[\s\\@?#%,;/]/.test(text.replace(/\/\d{1,3}(?=$|:)/, "")) || /[\u0000-\u001f\u007f]/.test(text))
    throw bad("is not a host name, an address or a CIDR (with an optional :port)");
  let host = text;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const m = /^\[([^\]]+)\](\/\d{1,3})?(?::(.*))?$/.exec(text);
    if (m === null) throw bad("an IPv6 address is written [2001:db8::1], [2001:db8::1]:8443 or [2001:db8::]/32:443");
    host = `${m[1]}${m[2] ?? ""}`;
    portText = m[3];
    if (!host.includes(":")) throw bad("brackets are for IPv6 addresses");
  } else if (text.indexOf(":") !== -1 && text.indexOf(":") === text.lastIndexOf(":")) {
    host = text.slice(0, text.indexOf(":"));
    portText = text.slice(text.indexOf(":") + 1);
  }
  const port = portText === undefined ? undefined : parsePort(portText, bad);
  if (host.includes("/") || host.includes(":") || looksNumeric(host)) return { kind: "net", ...parseNet(host, bad), port, entry };
  const wildcard = host.startsWith("*.");
  const name = canonicalName(wildcard ? host.slice(2) : host);
  if (name === undefined) {
    if (host.includes("*")) throw bad("a wildcard is written *.example.com and matches the subdomains of example.com");
    throw bad("is not a host name (api.example.com, *.example.com), an address (192.0.2.7) or a CIDR (10.0.0.0/8)");
  }
  if (DOTTED_QUAD.test(name)) throw bad(`write an IPv4 address as four decimal numbers (${name})`);
  return { kind: "name", name, wildcard, port, entry };
}

function parsePort(text: string, bad: (why: string) => Error): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65_535) throw bad("the port must be a number from 1 to 65535");
  return port;
}

/** Whether the URL parser would read `host` as an IPv4 address (its last label is a number): then it must be one, written plainly. */
function looksNumeric(host: string): boolean {
  const last = host.replace(/\.$/, "").split(".").at(-1) ?? "";
  return /^(?:\d+|0x[0-9a-f]*)$/.test(last);
}

function parseNet(host: string, bad: (why: string) => Error): { address: Address; bits: number } {
  const slash = host.indexOf("/");
  const addressText = slash === -1 ? host : host.slice(0, slash);
  let address: Address;
  let bits: number;
  if (addressText.includes(":")) {
    if (!ipaddr.IPv6.isValid(addressText) || addressText.includes("%")) throw bad("is not an IPv6 address or CIDR (2001:db8::1, 2001:db8::/32)");
    address = ipaddr.IPv6.parse(addressText);
    bits = 128;
  } else {
    // Octal, hex and shortened forms (0177.0.0.1, 0x7f.1, 127.1) mean different addresses to different parsers.
    if (!ipaddr.IPv4.isValidFourPartDecimal(addressText)) throw bad("write an IPv4 address as four decimal numbers without leading zeros (192.0.2.7)");
    address = ipaddr.IPv4.parse(addressText);
    bits = 32;
  }
  if (slash !== -1) {
    const text = host.slice(slash + 1);
    const prefix = Number(text);
    if (text.includes(":")) throw bad("an IPv6 CIDR with a port is written in brackets: [2001:db8::]/32:443");
    if (!/^\d{1,3}$/.test(text) || prefix > bits) throw bad(`the prefix length must be 0 to ${bits}`);
    bits = prefix;
    const base = (address.kind() === "ipv4" ? ipaddr.IPv4 : ipaddr.IPv6).networkAddressFromCIDR(`${address.toString()}/${bits}`);
    // 10.0.0.1/8 is a typo for 10.0.0.1 or for 10.0.0.0/8: the operator says which, rather than Perimeter guessing.
    if (base.toString() !== address.toString()) throw bad(`has bits set past /${bits}: write ${base.toString()}/${bits}`);
  }
  // An IPv4-mapped entry means the IPv4 addresses (addresses are compared in IPv4 form).
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96)
    return { address: (address as ipaddr.IPv6).toIPv4Address(), bits: bits - 96 };
  return { address, bits };
}

/** A host name as the URL parser leaves it (IDNA to ASCII, lower case, no trailing dot), or undefined if it is not one. */
function canonicalName(name: string): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(`http://${name}/`).hostname;
  } catch {
    return undefined;
  }
  hostname = hostname.replace(/\.$/, "");
  return HOST_NAME.test(hostname) || DOTTED_QUAD.test(hostname) ? hostname : undefined;
}

/** One allow-list entry in perimeter.yaml. */
export const egressRuleSchema: z.ZodType<string> = z.string().superRefine((entry, ctx) => {
  try {
    parseEgressRule(entry);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

interface NameGrant {
  readonly port: number | undefined;
  readonly entry: string;
  /** The entry names localhost (or a name under .localhost): resolving to loopback is what it means. */
  readonly loopback: boolean;
}

interface V4Grant {
  readonly base: number;
  readonly mask: number;
  readonly port: number | undefined;
  readonly entry: string;
}

interface V6Grant {
  readonly net: [ipaddr.IPv6, number];
  readonly port: number | undefined;
  readonly entry: string;
}

type Judgement = { readonly ok: true; readonly rule: string } | { readonly ok: false; readonly why: string };

export class EgressPolicy {
  // The allow-list compiled once: names in maps (a lookup per label of the host), IPv4 networks as integers.
  private readonly exact = new Map<string, NameGrant[]>();
  private readonly wildcards = new Map<string, NameGrant[]>();
  private readonly v4: V4Grant[] = [];
  private readonly v6: V6Grant[] = [];
  private readonly netPorts = new Set<number | undefined>();
  private readonly allowPrivate: boolean;
  private readonly resolver: EgressResolver;
  private readonly maxRedirects: number;
  private readonly timeoutMs: number;
  private readonly protocols: ReadonlySet<string>;
  /** Connection pools by origin and the addresses checked for it, least recently used first. */
  private readonly pools = new Map<string, Agent>();
  private closed = false;

  /** Throws CONFIG_INVALID naming the first entry (or option) that is not valid. */
  constructor(options: EgressOptions) {
    for (const entry of options.allow) {
      const rule = parseEgressRule(entry);
      if (rule.kind === "name") {
        const grants = rule.wildcard ? this.wildcards : this.exact;
        const loopback = rule.name === "localhost" || rule.name.endsWith(".localhost");
        const list = grants.get(rule.name) ?? [];
        list.push({ port: rule.port, entry, loopback });
        grants.set(rule.name, list);
      } else if (rule.address.kind() === "ipv4") {
        const mask = rule.bits === 0 ? 0 : (0xffff_ffff << (32 - rule.bits)) >>> 0;
        this.v4.push({ base: (v4Number(rule.address as ipaddr.IPv4) & mask) >>> 0, mask, port: rule.port, entry });
        this.netPorts.add(rule.port);
      } else {
        this.v6.push({ net: [rule.address as ipaddr.IPv6, rule.bits], port: rule.port, entry });
        this.netPorts.add(rule.port);
      }
    }
    const maxRedirects = options.maxRedirects ?? 5;
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(maxRedirects) || maxRedirects < 0 || maxRedirects > 20)
      throw new PerimeterError("CONFIG_INVALID", `egress maxRedirects must be a whole number from 0 to 20, not ${maxRedirects}`);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new PerimeterError("CONFIG_INVALID", `egress timeoutMs must be a positive whole number, not ${timeoutMs}`);
    const protocols = options.protocols ?? ["http", "https"];
    for (const p of protocols)
      if (DEFAULT_PORTS[`${p}:`] === undefined)
        throw new PerimeterError("CONFIG_INVALID", `egress protocol ${JSON.stringify(p)}: only http, https, ws and wss`);
    this.protocols = new Set(protocols.map((p) => `${p}:`));
    this.allowPrivate = options.allowPrivate ?? false;
    this.resolver = options.resolve ?? ((host) => lookup(host, { all: true, order: "verbatim" }));
    this.maxRedirects = maxRedirects;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Whether tools may reach `url`, and the address to connect to. Never throws: a failure is a refusal. A string
   * must be written as it is understood (scheme://host, an ASCII host, IPv4 in four decimal numbers, no
   * credentials): a tool server parses the URL arguments it is sent with a parser of its own, and a URL two
   * parsers read differently could pass here as one host and reach another there.
   */
  check(url: string | URL, signal?: AbortSignal): Promise<EgressDecision> {
    return this.decide(url, signal).catch((err: unknown) => deny(`the check failed (${(err as Error).message}): refused`));
  }

  /**
   * fetch through the allow-list: each destination checked, the connection made to the addresses checked (the Host
   * header and the TLS server name stay the URL's), redirects followed here and checked hop by hop. A refused
   * destination throws EGRESS_DENIED before any connection is made to it.
   */
  readonly fetch: typeof fetch = (input, init) => this.send(input, init);

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }

  private async decide(input: string | URL, signal: AbortSignal | undefined): Promise<EgressDecision> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return deny(`${JSON.stringify(clip(String(input)))} is not a URL: refused`);
    }
    if (!this.protocols.has(url.protocol)) return deny(`${url.protocol} URLs are refused: only ${[...this.protocols].join(", ")}`, url);
    if (url.username !== "" || url.password !== "") return deny(`${url.host}: a URL with credentials in it is refused`, url);
    if (typeof input === "string") {
      const problem = writtenProblem(input, url);
      if (problem !== undefined) return deny(problem, url);
    }
    const port = url.port === "" ? (DEFAULT_PORTS[url.protocol] as number) : Number(url.port);
    if (port < 1 || port > 65_535) return deny(`${url.host}: port ${port} is refused`, url);
    if (url.hostname.startsWith("[") || DOTTED_QUAD.test(url.hostname)) {
      const address = normalized(ipaddr.parse(url.hostname.replace(/^\[|\]$/g, "")));
      const where = `${address.toString()} port ${port}`;
      const j = this.judge(address, port, undefined);
      if (!j.ok) return deny(`${where}: ${j.why}`, url, address);
      const a = { address: address.toString(), family: familyOf(address) };
      return { allow: true, reason: `${where} is allowed by ${JSON.stringify(j.rule)}`, url, ...a, addresses: [a], rule: j.rule };
    }
    const host = url.hostname.replace(/\.$/, "");
    if (!HOST_NAME.test(host)) return deny(`${JSON.stringify(clip(host))} is not a host name: refused`, url);
    const where = `${host} port ${port}`;
    const grant = this.nameGrant(host, port);
    // An unlisted name is looked up only when an address entry could cover it: a lookup of an attacker's name
    // (secret.attacker.example) tells the attacker's DNS server what it spells, refused or not.
    if (grant === undefined && !this.netPorts.has(undefined) && !this.netPorts.has(port)) return deny(`${where} is not on the egress allow-list`, url);
    let answers: readonly ResolvedAddress[];
    try {
      answers = await this.resolveOnce(host, signal);
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      const why = `does not resolve (${(err as { code?: string }).code ?? (err as Error).message})`;
      return deny(grant === undefined ? `${where} is not on the egress allow-list (and ${why})` : `${host} ${why}: refused`, url);
    }
    if (answers.length === 0) return deny(grant === undefined ? `${where} is not on the egress allow-list` : `${host} resolves to no address: refused`, url);
    const addresses: { address: string; family: 4 | 6 }[] = [];
    let rule: string | undefined;
    for (const answer of answers) {
      const text = typeof answer?.address === "string" ? answer.address : "";
      if (!ipaddr.isValid(text) || !(ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text)))
        return deny(`${host} resolved to ${JSON.stringify(clip(text, 60))}, which is not an address: refused`, url);
      const address = normalized(ipaddr.parse(text));
      const j = this.judge(address, port, grant);
      if (!j.ok) {
        const why =
          grant === undefined ? `${where} is not on the egress allow-list (it resolves to ${address.toString()}` : `${where} resolves to ${address.toString()}`;
        return deny(`${why}${grant === undefined ? ")" : ""}: ${j.why}`, url, address);
      }
      rule ??= j.rule;
      if (!addresses.some((a) => a.address === address.toString())) addresses.push({ address: address.toString(), family: familyOf(address) });
    }
    const first = addresses[0] as { address: string; family: 4 | 6 };
    return { allow: true, reason: `${where} is allowed by ${JSON.stringify(rule)}`, url, ...first, addresses, rule: rule as string };
  }

  /** Whether `address` may be reached on `port`, for a literal host (no grant) or a name (its grant, if listed). */
  private judge(address: Address, port: number, grant: NameGrant | undefined): Judgement {
    const { range, embedded } = classify(address);
    if (NEVER.has(range)) return { ok: false, why: `${describe(range)} is never a destination` };
    const net = this.netGrant(address, port);
    if (net !== undefined) {
      // An IPv6 form that carries an IPv4 address (NAT64, 6to4, Teredo) reaches that address: it must be allowed too.
      const hidden = embedded.find((e) => e.range() !== "unicast" && this.netGrant(e, port) === undefined);
      if (hidden === undefined) return { ok: true, rule: net };
      return { ok: false, why: `it carries ${hidden.toString()}, ${describe(hidden.range())} no entry covers` };
    }
    if (grant === undefined) return { ok: false, why: "no address or CIDR entry covers it" };
    if (range === "unicast") return { ok: true, rule: grant.entry };
    if (range === "loopback" && grant.loopback) return { ok: true, rule: grant.entry };
    if (this.allowPrivate && PRIVATE.has(range)) return { ok: true, rule: `${grant.entry} (allowPrivate)` };
    return { ok: false, why: `${describe(range)} tools may not reach: list it (or its CIDR) in tools.egress.allow if it is meant` };
  }

  private nameGrant(host: string, port: number): NameGrant | undefined {
    const exact = pick(this.exact.get(host), port);
    if (exact !== undefined || this.wildcards.size === 0) return exact;
    for (let dot = host.indexOf("."); dot !== -1; dot = host.indexOf(".", dot + 1)) {
      const grant = pick(this.wildcards.get(host.slice(dot + 1)), port);
      if (grant !== undefined) return grant;
    }
    return undefined;
  }

  private netGrant(address: Address, port: number): string | undefined {
    if (address.kind() === "ipv4") {
      const n = v4Number(address as ipaddr.IPv4);
      for (const g of this.v4) if ((n & g.mask) >>> 0 === g.base && (g.port === undefined || g.port === port)) return g.entry;
      return undefined;
    }
    for (const g of this.v6) if ((g.port === undefined || g.port === port) && (address as ipaddr.IPv6).match(g.net)) return g.entry;
    return undefined;
  }

  /** The one lookup of a check, bounded by timeoutMs and the caller's signal. */
  private resolveOnce(host: string, signal: AbortSignal | undefined): Promise<readonly ResolvedAddress[]> {
    return new Promise((resolve, reject) => {
      const settle = (done: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        done();
      };
      const onAbort = () => settle(() => reject(signal?.reason));
      const timer = setTimeout(
        () => settle(() => reject(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: "ETIMEOUT" }))),
        this.timeoutMs,
      );
      timer.unref();
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.resolver(host).then(
        (answers) => settle(() => resolve(Array.isArray(answers) ? answers : [])),
        (err: unknown) => settle(() => reject(err)),
      );
    });
  }

  private async send(input: Parameters<typeof fetch>[0], init: RequestInit = {}): Promise<Response> {
    const request = typeof input === "object" && !(input instanceof URL) ? input : undefined;
    let url = new URL(request?.url ?? (input as string | URL));
    let method = init.method ?? request?.method ?? "GET";
    const headers = new Headers(init.headers ?? request?.headers);
    let body: RequestInit["body"] = init.body !== undefined ? init.body : (request?.body ?? null);
    const signal = init.signal ?? request?.signal ?? undefined;
    const mode = init.redirect ?? request?.redirect ?? "follow";
    // Everything else in init (duplex, keepalive, …) goes through as given; a dispatcher of the caller's never does.
    const { method: _m, headers: _h, body: _b, signal: _s, redirect: _r, dispatcher: _d, ...rest } = init as RequestInit & { dispatcher?: unknown };
    const extra = rest as Record<string, unknown>;
    if (init.body === undefined && request?.body instanceof ReadableStream) extra["duplex"] = "half";
    for (let redirects = 0; ; redirects++) {
      if (this.closed) throw new PerimeterError("USAGE", "the egress policy is closed: nothing is sent through it after close()");
      signal?.throwIfAborted();
      const decision = await this.check(url, signal ?? undefined);
      signal?.throwIfAborted();
      if (!decision.allow) {
        const hop = redirects === 0 ? "" : ` (redirect ${redirects})`;
        throw new PerimeterError("EGRESS_DENIED", `egress refused${hop}: ${decision.reason}`, { details: { reason: decision.reason, origin: url.origin } });
      }
      const response = await undiciFetch(decision.url, {
        ...(extra as Parameters<typeof undiciFetch>[1]),
        method,
        headers: headers as never,
        body: body as never,
        signal,
        redirect: "manual",
        dispatcher: this.pool(decision),
      });
      const location = REDIRECTS.has(response.status) ? response.headers.get("location") : null;
      if (location === null || mode === "manual") return (redirects === 0 ? response : markRedirected(response)) as unknown as Response;
      await response.body?.cancel().catch(() => undefined);
      if (mode === "error") throw new TypeError(`fetch failed: ${url.origin} redirected, and this request does not follow redirects`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new TypeError(`fetch failed: ${url.origin} redirected to something that is not a URL`);
      }
      if (redirects >= this.maxRedirects)
        throw new PerimeterError("EGRESS_DENIED", `egress refused: more than ${this.maxRedirects} redirects, the last from ${url.origin}`, {
          details: { origin: url.origin },
        });
      const upper = method.toUpperCase();
      if ((response.status === 303 && upper !== "GET" && upper !== "HEAD") || ((response.status === 301 || response.status === 302) && upper === "POST")) {
        method = "GET";
        body = null;
        for (const h of BODY_HEADERS) headers.delete(h);
        delete extra["duplex"];
      } else if (body instanceof ReadableStream) {
        throw new TypeError(`fetch failed: ${url.origin} answered ${response.status}, and a streamed body cannot be sent again`);
      }
      if (next.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
      url = next;
    }
  }

  /** A pool whose connections go to the checked addresses, whatever a later lookup of the name would say. */
  private pool(decision: EgressDecision & { allow: true }): Agent {
    // Keyed by the set of addresses, not their order: a round-robin name shares one pool, every address in it checked.
    const key = `${decision.url.origin} ${decision.addresses
      .map((a) => a.address)
      .sort()
      .join(",")}`;
    let agent = this.pools.get(key);
    if (agent !== undefined) {
      this.pools.delete(key);
      this.pools.set(key, agent);
      return agent;
    }
    if (this.pools.size >= MAX_POOLS) {
      const [oldest, old] = this.pools.entries().next().value as [string, Agent];
      this.pools.delete(oldest);
      void old.close().catch(() => undefined);
    }
    const addresses = decision.addresses.map((a) => ({ address: a.address, family: a.family }));
    const first = addresses[0] as { address: string; family: 4 | 6 };
    // The socket asks this instead of DNS (net.connect with autoSelectFamily asks for all addresses).
    const checkedLookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options.all === true) callback(null, addresses);
      else callback(null, first.address, first.family);
    }) as unknown as LookupFunction;
    agent = new Agent({
      connect: { lookup: checkedLookup, timeout: this.timeoutMs },
      // SSE streams sit quiet between events for as long as the session lasts: the caller's signal ends them.
      bodyTimeout: 0,
    });
    this.pools.set(key, agent);
    return agent;
  }
}

/**
 * The range an address counts as: its own, or for an IPv6 form that carries an IPv4 address (compatible, NAT64,
 * 6to4, Teredo, IPv4-translated) the worst range of the addresses it carries. IPv6 outside 2000::/3 is reserved.
 */
function classify(address: Address): { range: string; embedded: ipaddr.IPv4[] } {
  if (address.kind() === "ipv4") return { range: address.range(), embedded: [] };
  const a = address as ipaddr.IPv6;
  const embedded = embeddedIPv4(a);
  if (embedded.length > 0) return { range: embedded.map((e) => e.range() as string).find((r) => r !== "unicast") ?? "unicast", embedded };
  const range: string = a.range();
  if (range === "unicast" && !a.match(GLOBAL_UNICAST)) return { range: "reserved", embedded };
  return { range, embedded };
}

function embeddedIPv4(a: ipaddr.IPv6): ipaddr.IPv4[] {
  const p = a.parts as [number, number, number, number, number, number, number, number];
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  // ::a.b.c.d (IPv4-compatible), ::ffff:0:a.b.c.d (IPv4-translated), 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (zeros(0, 6) && !(p[6] === 0 && p[7] <= 1)) return [v4(p[6], p[7])];
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return [v4(p[6], p[7])];
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return [v4(p[6], p[7])];
  // 2002:AABB:CCDD::/48 is 6to4 for AA.BB.CC.DD
  if (p[0] === 0x2002) return [v4(p[1], p[2])];
  // 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC is Teredo: the server, and the client with its bits inverted
  if (p[0] === 0x2001 && p[1] === 0) return [v4(p[2], p[3]), v4(~p[6] & 0xffff, ~p[7] & 0xffff)];
  return [];
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address: checked, matched and connected to as one. */
function normalized(address: Address): Address {
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) return (address as ipaddr.IPv6).toIPv4Address();
  return address;
}

function familyOf(address: Address): 4 | 6 {
  return address.kind() === "ipv4" ? 4 : 6;
}

function v4Number(a: ipaddr.IPv4): number {
  const [b0, b1, b2, b3] = a.octets as [number, number, number, number];
  return ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}

function pick(grants: readonly NameGrant[] | undefined, port: number): NameGrant | undefined {
  return grants?.find((g) => g.port === undefined || g.port === port);
}

/** Why a URL given as text is refused for being written other than as the URL parser understands it, if it is. */
function writtenProblem(text: string, url: URL): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text);
  if (m === null) return `${JSON.stringify(clip(text, 80))} is not written scheme://host/…: refused`;
  const authority = m[1] as string;
  if (authority.includes("@")) return `${url.host}: a URL with credentials in it is refused`;
  // An IPv6 literal has one meaning however it is written; its address is what gets checked.
  if (url.hostname.startsWith("["))
    return /^\[[0-9a-f:.]+\](?::\d*)?$/i.test(authority) ? undefined : `${JSON.stringify(clip(authority, 80))} is not an IPv6 host: refused`;
  const colon = authority.lastIndexOf(":");
  const hostText = colon === -1 ? authority : authority.slice(0, colon);
  const portText = colon === -1 ? "" : authority.slice(colon + 1);
  if (!/^[\x21-\x7e]*$/.test(hostText) || hostText.toLowerCase() !== url.hostname)
    return `the host is written ${JSON.stringify(clip(hostText, 80))}, which URL parsers read differently (this one reads ${url.hostname}): write it plainly`;
  if (!/^\d*$/.test(portText)) return `the port is written ${JSON.stringify(clip(portText, 20))}: refused`;
  return undefined;
}

function describe(range: string): string {
  const names: Record<string, string> = {
    unspecified: "an unspecified address (0.0.0.0 or ::)",
    broadcast: "the broadcast address",
    multicast: "a multicast address",
    loopback: "a loopback address",
    linkLocal: "a link-local address (the cloud metadata service lives there)",
    private: "a private address",
    uniqueLocal: "a unique-local address",
    carrierGradeNat: "a carrier-grade NAT address",
  };
  return names[range] ?? `a ${range} address`;
}

function markRedirected<T extends object>(response: T): T {
  Object.defineProperty(response, "redirected", { value: true });
  return response;
}

function deny(reason: string, url?: URL, address?: Address): EgressDecision {
  if (address === undefined) return url === undefined ? { allow: false, reason } : { allow: false, reason, url };
  return { allow: false, reason, ...(url === undefined ? {} : { url }), address: address.toString(), family: familyOf(address) };
}
