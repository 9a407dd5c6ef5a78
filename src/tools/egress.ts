import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { Agent, fetch as undiciFetch } from "undici";
import { z } from "zod";
import { PerimeterError } from "../errors.js";

// The egress allow-list: where tool servers, and the URLs among tool call arguments, may lead. A destination is
// a name or an address with a port. A name must be listed (exactly, or under a `*.suffix`), and it is resolved
// once: every address it resolves to must be public, or covered by an address entry (an IP or a CIDR), and the
// connection is made to the address that was checked, so a name that answers differently a moment later (DNS
// rebinding) changes nothing. Redirects are followed here, each hop checked again. Private, loopback and
// link-local addresses — the cloud metadata service at 169.254.169.254 among them — are refused unless an
// address entry covers them (`allowPrivate` lets names resolve to private ranges, never to link-local ones).

type Address = ipaddr.IPv4 | ipaddr.IPv6;

interface NameRule {
  readonly kind: "name";
  /** Lower-case, no trailing dot; for a wildcard, the suffix without "*.". */
  readonly name: string;
  readonly wildcard: boolean;
  readonly port: number | undefined;
}

interface NetRule {
  readonly kind: "net";
  readonly net: [Address, number];
  readonly port: number | undefined;
}

type Rule = NameRule | NetRule;

export interface EgressOptions {
  /** Entries: `api.example.com`, `api.example.com:443`, `*.example.com`, `192.0.2.7`, `10.0.0.0/8:5432`, `[2001:db8::1]:8443`. */
  readonly allow: readonly string[];
  /** Names may resolve to private ranges (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10); link-local never. */
  readonly allowPrivate?: boolean;
  /** How names are resolved (tests inject one); default the system resolver, every address. */
  readonly resolve?: (host: string) => Promise<readonly { address: string; family: 4 | 6 | number }[]>;
  readonly maxRedirects?: number;
}

export interface EgressDecision {
  readonly allow: boolean;
  readonly reason: string;
  readonly url?: URL;
  /** The address checked, which the connection must use. */
  readonly address?: string;
  readonly family?: 4 | 6;
}

const PRIVATE_RANGES = new Set(["private", "uniqueLocal", "carrierGradeNat"]);

/** One allow-list entry, parsed; throws with a message saying what is expected. */
export function parseEgressRule(entry: string): Rule {
  const text = entry.trim().toLowerCase();
  if (text === "" || /\s/.test(text)) throw new Error(`"${entry}" is not a host, address or CIDR`);
  let host = text;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](\/\d{1,3})?(?::(\d{1,5}))?$/.exec(text);
  if (bracket !== null) {
    host = `${bracket[1]}${bracket[2] ?? ""}`;
    port = bracket[3] === undefined ? undefined : portOf(bracket[3], entry);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const at = text.lastIndexOf(":");
    host = text.slice(0, at);
    port = portOf(text.slice(at + 1), entry);
  }
  if (host.includes("/")) {
    try {
      return { kind: "net", net: ipaddr.parseCIDR(host), port };
    } catch {
      throw new Error(`"${entry}" is not a CIDR like 10.0.0.0/8 or [2001:db8::]/32:443`);
    }
  }
  if (ipaddr.isValid(host)) {
    if (!ipaddr.IPv6.isValid(host) && !ipaddr.IPv4.isValidFourPartDecimal(host)) throw new Error(`"${entry}": write an IPv4 address as four decimal parts`);
    const a = ipaddr.process(host);
    return { kind: "net", net: [a, a.kind() === "ipv4" ? 32 : 128], port };
  }
  const wildcard = host.startsWith("*.");
  const name = (wildcard ? host.slice(2) : host).replace(/\.$/, "");
  if (!/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(name))
    throw new Error(`"${entry}" is not a host name (api.example.com, *.example.com), an address or a CIDR`);
  return { kind: "name", name, wildcard, port };
}

function portOf(text: string, entry: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65_535) throw new Error(`"${entry}": the port must be 1..65535`);
  return port;
}

/** One allow-list entry in perimeter.yaml. */
export const egressRuleSchema = z.string().superRefine((entry, ctx) => {
  try {
    parseEgressRule(entry);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

export class EgressPolicy {
  private readonly rules: readonly Rule[];
  private readonly allowPrivate: boolean;
  private readonly resolve: NonNullable<EgressOptions["resolve"]>;
  private readonly maxRedirects: number;
  /** Connection pools by origin and the address checked for it. */
  private readonly agents = new Map<string, Agent>();

  constructor(options: EgressOptions) {
    this.rules = options.allow.map((entry) => {
      try {
        return parseEgressRule(entry);
      } catch (err) {
        throw new PerimeterError("CONFIG_INVALID", `tools.egress.allow: ${(err as Error).message}`);
      }
    });
    this.allowPrivate = options.allowPrivate ?? false;
    this.resolve = options.resolve ?? ((host) => lookup(host, { all: true, verbatim: true }));
    this.maxRedirects = options.maxRedirects ?? 5;
  }

  /** Whether tools may reach `url`, and the address to connect to. Never throws: a failure is a refusal. */
  async check(url: string | URL): Promise<EgressDecision> {
    let u: URL;
    try {
      u = typeof url === "string" ? new URL(url) : url;
    } catch {
      return deny(`${clip(String(url))} is not a URL`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return deny(`${u.protocol} URLs are not allowed: only http and https`);
    if (u.username !== "" || u.password !== "") return deny(`${u.host}: URLs with credentials in them are refused`);
    const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
    const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname.replace(/\.$/, "");
    const where = `${host}:${port}`;
    if (ipaddr.isValid(host)) {
      const a = ipaddr.process(host);
      if (!this.covered(a, port)) return deny(`${where} is not on the egress allow-list (an address needs an address or CIDR entry)`);
      return { allow: true, reason: `${where} is on the egress allow-list`, url: u, address: a.toString(), family: a.kind() === "ipv4" ? 4 : 6 };
    }
    const named = this.rules.some((r) => r.kind === "name" && nameMatches(r, host) && (r.port === undefined || r.port === port));
    let answers: readonly { address: string; family: number }[];
    try {
      answers = await this.resolve(host);
    } catch (err) {
      return deny(`${host} does not resolve (${(err as { code?: string }).code ?? (err as Error).message}): refused`);
    }
    if (answers.length === 0) return deny(`${host} resolves to no address: refused`);
    let first: Address | undefined;
    for (const answer of answers) {
      if (!ipaddr.isValid(answer.address)) return deny(`${host} resolved to something that is not an address: refused`);
      const a = ipaddr.process(answer.address);
      first ??= a;
      if (this.covered(a, port)) continue;
      if (!named) return deny(`${where} is not on the egress allow-list`);
      const range = a.range();
      if (range === "unicast") continue;
      if (host === "localhost" && range === "loopback") continue;
      if (this.allowPrivate && PRIVATE_RANGES.has(range)) continue;
      return deny(`${host} resolves to ${a.toString()}, a ${range} address tools may not reach: list it (or its CIDR) in tools.egress.allow if it is meant`);
    }
    const a = first as Address;
    return { allow: true, reason: `${where} is on the egress allow-list`, url: u, address: a.toString(), family: a.kind() === "ipv4" ? 4 : 6 };
  }

  /**
   * fetch through the allow-list: each destination checked, the connection made to the address checked (the
   * Host header and TLS name stay the URL's), redirects followed here and checked hop by hop. A refused
   * destination is EGRESS_DENIED before any connection is made to it.
   */
  readonly fetch: typeof fetch = async (input, init) => {
    let url = input instanceof URL ? input : new URL(typeof input === "string" ? input : input.url);
    let method = (init?.method ?? "GET").toUpperCase();
    let body = init?.body;
    for (let hop = 0; ; hop++) {
      const decision = await this.check(url);
      if (!decision.allow) throw new PerimeterError("EGRESS_DENIED", `egress refused: ${decision.reason}`);
      const response = await undiciFetch(url, {
        ...(init as Parameters<typeof undiciFetch>[1]),
        method,
        body: body as never,
        redirect: "manual",
        dispatcher: this.agentFor(url, decision.address as string, decision.family as 4 | 6),
      });
      const location = response.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(response.status) || location === null || init?.redirect === "manual") return response as unknown as Response;
      await response.body?.cancel().catch(() => undefined);
      if (init?.redirect === "error") throw new PerimeterError("EGRESS_DENIED", `egress refused: ${url.host} redirected, and redirects were not allowed`);
      if (hop >= this.maxRedirects) throw new PerimeterError("EGRESS_DENIED", `egress refused: more than ${this.maxRedirects} redirects from ${url.host}`);
      url = new URL(location, url);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
    }
  };

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  }

  private covered(a: Address, port: number): boolean {
    for (const r of this.rules) {
      if (r.kind !== "net" || (r.port !== undefined && r.port !== port)) continue;
      if (a.kind() === r.net[0].kind() && a.match(r.net)) return true;
    }
    return false;
  }

  /** A pool that connects to the checked address whatever a later lookup of the name would say. */
  private agentFor(url: URL, address: string, family: 4 | 6): Agent {
    const key = `${url.origin}|${address}`;
    let agent = this.agents.get(key);
    if (agent === undefined) {
      if (this.agents.size >= 256) {
        const [oldest, old] = this.agents.entries().next().value as [string, Agent];
        this.agents.delete(oldest);
        void old.close().catch(() => undefined);
      }
      agent = new Agent({
        connect: {
          lookup: (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
            if (options.all === true) callback(null, [{ address, family }]);
            else callback(null, address, family);
          },
        } as never,
      });
      this.agents.set(key, agent);
    }
    return agent;
  }
}

function nameMatches(rule: NameRule, host: string): boolean {
  return rule.wildcard ? host.endsWith(`.${rule.name}`) : host === rule.name;
}

function deny(reason: string): EgressDecision {
  return { allow: false, reason };
}

function clip(s: string, max = 200): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
