import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { EgressPolicy, type EgressResolver, parseEgressRule } from "../../src/tools/egress.js";

// What the egress allow-list must refuse: the trust boundary between what an agent (or a tool server's answer)
// names and where Perimeter's tool traffic goes. Each case is a destination an attacker can write into a tool
// call's arguments or a redirect: another spelling of a refused address, a listed name that resolves somewhere
// tools may not go, an IPv6 form that carries a refused IPv4 address, a URL two parsers read differently. The
// control cases first show that the same policy allows what it lists, so that each refusal is the check's doing.
// Names are resolved by the table below; nothing is looked up and nothing is sent beyond 127.0.0.0/8.

const ALLOW = [
  "api.example.com",
  "*.example.org",
  "localhost:8080",
  "203.0.113.0/24",
  "[2001:db8::]/32",
  // IPv6 ranges whose addresses carry IPv4 addresses: covering the IPv6 form is not covering what it carries.
  "64:ff9b::/96",
  "2002::/16",
  "2001::/32",
];

const NAMES: Readonly<Record<string, readonly string[]>> = {
  "api.example.com": ["93.184.216.34"],
  "www.example.org": ["93.184.216.35"],
  "docs6.example.org": ["2001:db8::7"],
  "dns64.example.org": ["64:ff9b::5db8:d822"],
  localhost: ["127.0.0.1", "::1"],
  "metadata.example.org": ["169.254.169.254"],
  "aws6.example.org": ["fd00:ec2::254"],
  "private.example.org": ["10.0.0.5"],
  "private172.example.org": ["172.16.0.1"],
  "private192.example.org": ["192.168.1.1"],
  "cgnat.example.org": ["100.64.0.1"],
  "ula.example.org": ["fd12:3456::1"],
  "mixed.example.org": ["93.184.216.34", "10.0.0.5"],
  "loop.example.org": ["127.0.0.1"],
  "loop6.example.org": ["::1"],
  "mapped.example.org": ["::ffff:127.0.0.1"],
  "mappedhex.example.org": ["::ffff:a9fe:a9fe"],
  "compat.example.org": ["::7f00:1"],
  "translated.example.org": ["::ffff:0:a9fe:a9fe"],
  "nat64.example.org": ["64:ff9b::a9fe:a9fe"],
  "sixtofour.example.org": ["2002:a9fe:a9fe::1"],
  "teredo.example.org": ["2001:0:4136:e378:8000:63bf:f5ff:fffe"],
  "linklocal6.example.org": ["fe80::1"],
  "zoned.example.org": ["fe80::1%eth0"],
  "zero.example.org": ["0.0.0.0"],
  "unspecified6.example.org": ["::"],
  "multicast.example.org": ["224.0.0.1"],
  "broadcast.example.org": ["255.255.255.255"],
  "reserved.example.org": ["240.0.0.1"],
  "benchmark.example.org": ["198.18.0.1"],
  "sitelocal.example.org": ["fec0::1"],
  "octal.example.org": ["0177.0.0.1"],
  "garbage.example.org": ["169.254.169.254.nip.io"],
  "empty.example.org": [],
  "tools.test": ["127.0.0.1"],
};

const lookups: string[] = [];
const resolve: EgressResolver = async (host) => {
  lookups.push(host);
  const answers = NAMES[host];
  if (answers === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

const policy = new EgressPolicy({ allow: ALLOW, resolve });

describe("the egress allow-list (control: what the policy lists is allowed)", () => {
  it.each([
    "https://api.example.com/v1/weather?city=Oslo",
    "https://www.example.org/",
    "http://localhost:8080/",
    "http://203.0.113.9:8443/",
    "http://[2001:db8::7]/",
    "https://docs6.example.org/",
    "https://dns64.example.org/",
    "http://[64:ff9b::cb00:7109]/",
  ])("allows %s", async (url) => {
    const d = await policy.check(url);
    expect(d.reason).toMatch(/is allowed by/);
    expect(d.allow).toBe(true);
  });
});

type Case = readonly [url: string, why: RegExp];

async function refuses([url, why]: Case): Promise<void> {
  const d = await policy.check(url);
  expect(d.allow).toBe(false);
  expect(d.reason).toMatch(why);
}

describe("the egress allow-list refuses", () => {
  describe("a scheme other than http and https", () => {
    it.each<Case>([
      ["file:///etc/passwd", /file: URLs are refused/],
      ["gopher://api.example.com:70/_SET%20key%20value", /gopher: URLs are refused/],
      ["data:text/plain,hello", /data: URLs are refused/],
      ["ftp://api.example.com/", /ftp: URLs are refused/],
      ["javascript:alert(1)", /javascript: URLs are refused/],
      ["dict://api.example.com:11211/stat", /dict: URLs are refused/],
      ["ws://api.example.com/", /ws: URLs are refused/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  describe("text that is not a URL, or that URL parsers read differently", () => {
    it.each<Case>([
      ["", /is not a URL/],
      ["api.example.com", /is not a URL/],
      ["//api.example.com/", /is not a URL/],
      ["http:api.example.com", /not written scheme:\/\/host/],
      ["http:/api.example.com/", /not written scheme:\/\/host/],
      [" http://api.example.com/", /not written scheme:\/\/host/],
      ["http://api.exa\tmple.com/", /the host is written "api\.exa\\tmple\.com"/],
      ["http://api.exa\nmple.com/", /the host is written/],
      ["http://api.example%2ecom/", /the host is written "api\.example%2ecom"/],
      ["http://ａｐｉ.example.com/", /the host is written/],
      ["http://api.example.com\\@evil.test/", /credentials/],
      ["http://api.example.com\\.evil.test/", /the host is written/],
      ["http://a&b.example.org/", /is not a host name/],
      ["http://a;b.example.org/", /is not a host name/],
    ])("%j", (url, why) => refuses([url, why]));
  });

  describe("credentials in the URL", () => {
    it.each<Case>([
      ["http://api.example.com@evil.test/", /evil\.test: a URL with credentials/],
      ["http://api.example.com:443@evil.test/", /evil\.test: a URL with credentials/],
      ["http://user:pass@api.example.com/", /api\.example\.com: a URL with credentials/],
      ["http://@api.example.com/", /a URL with credentials/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  describe("a port that is not allowed or not a port", () => {
    it.each<Case>([
      ["http://api.example.com:0/", /port 0 is refused/],
      ["http://api.example.com:65536/", /is not a URL/],
      ["http://api.example.com:-1/", /is not a URL/],
      ["http://localhost:8081/", /localhost port 8081 is not on the egress allow-list/],
      ["http://LOCALHOST./", /localhost port 80 is not on the egress allow-list/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  describe("a literal address no address entry covers (a listed name's address included)", () => {
    it.each<Case>([
      ["http://93.184.216.34/", /no address or CIDR entry covers it/],
      ["http://127.0.0.1:8080/", /no address or CIDR entry covers it/],
      ["http://169.254.169.254/latest/meta-data/", /no address or CIDR entry covers it/],
      ["http://[fd00:ec2::254]/latest/meta-data/", /no address or CIDR entry covers it/],
      ["http://[::1]/", /no address or CIDR entry covers it/],
      ["http://10.0.0.5/", /no address or CIDR entry covers it/],
      ["http://[fe80::1]/", /no address or CIDR entry covers it/],
      ["http://0.0.0.0/", /an unspecified address \(0\.0\.0\.0 or ::\) is never a destination/],
      ["http://[::]/", /never a destination/],
      ["http://[ff02::1]/", /a multicast address is never a destination/],
      ["http://255.255.255.255/", /the broadcast address is never a destination/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  describe("the loopback or metadata address in another spelling", () => {
    it.each<Case>([
      ["http://2130706433/", /the host is written "2130706433".*reads 127\.0\.0\.1/],
      ["http://0x7f.1/", /the host is written "0x7f\.1"/],
      ["http://0177.0.0.1/", /the host is written "0177\.0\.0\.1"/],
      ["http://127.1/", /the host is written "127\.1"/],
      ["http://%31%32%37.0.0.1/", /the host is written "%31%32%37\.0\.0\.1"/],
      ["http://127。0。0。1/", /the host is written/],
      ["http://0xa9.0xfe.0xa9.0xfe/", /reads 169\.254\.169\.254/],
      ["http://[::ffff:127.0.0.1]/", /^127\.0\.0\.1 port 80: no address or CIDR entry covers it/],
      ["http://[::ffff:7f00:1]/", /^127\.0\.0\.1 port 80: no address or CIDR entry covers it/],
      ["http://[0:0:0:0:0:ffff:a9fe:a9fe]/", /^169\.254\.169\.254 port 80/],
      ["http://[::127.0.0.1]/", /^::7f00:1 port 80: no address or CIDR entry covers it/],
      ["http://[fe80::1%25eth0]/", /is not a URL/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  describe("a covered IPv6 address that carries an IPv4 address no entry covers", () => {
    it.each<Case>([
      ["http://[64:ff9b::a9fe:a9fe]/", /carries 169\.254\.169\.254, a link-local address/],
      ["http://[64:ff9b::7f00:1]/", /carries 127\.0\.0\.1, a loopback address/],
      ["http://[2002:a9fe:a9fe::1]/", /carries 169\.254\.169\.254/],
      ["http://[2002:7f00:1::]/", /carries 127\.0\.0\.1/],
      ["http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", /carries 10\.0\.0\.1, a private address/],
      ["http://[64:ff9b::]/", /never a destination/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  describe("a name that is not on the list", () => {
    it.each<Case>([
      ["http://evil.test/", /evil\.test port 80 is not on the egress allow-list/],
      ["http://example.org/", /example\.org port 80 is not on the egress allow-list/],
      ["http://api.example.com.evil.test/", /is not on the egress allow-list/],
      ["http://evilapi.example.com/", /is not on the egress allow-list/],
      ["http://api-example.com/", /is not on the egress allow-list/],
      ["http://example.org.evil.test/", /is not on the egress allow-list/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  describe("a listed name that resolves to an address tools may not reach", () => {
    it.each<Case>([
      ["http://metadata.example.org/latest/meta-data/", /resolves to 169\.254\.169\.254: a link-local address/],
      ["http://aws6.example.org/latest/meta-data/", /resolves to fd00:ec2::254: a unique-local address/],
      ["http://private.example.org/", /resolves to 10\.0\.0\.5: a private address/],
      ["http://private172.example.org/", /resolves to 172\.16\.0\.1: a private address/],
      ["http://private192.example.org/", /resolves to 192\.168\.1\.1: a private address/],
      ["http://cgnat.example.org/", /resolves to 100\.64\.0\.1: a carrier-grade NAT address/],
      ["http://ula.example.org/", /resolves to fd12:3456::1: a unique-local address/],
      ["http://mixed.example.org/", /resolves to 10\.0\.0\.5: a private address/],
      ["http://loop.example.org/", /resolves to 127\.0\.0\.1: a loopback address/],
      ["http://loop6.example.org/", /resolves to ::1: a loopback address/],
      ["http://mapped.example.org/", /resolves to 127\.0\.0\.1: a loopback address/],
      ["http://mappedhex.example.org/", /resolves to 169\.254\.169\.254: a link-local address/],
      ["http://compat.example.org/", /resolves to ::7f00:1: a loopback address/],
      ["http://translated.example.org/", /resolves to ::ffff:0:a9fe:a9fe: a link-local address/],
      ["http://nat64.example.org/", /carries 169\.254\.169\.254/],
      ["http://sixtofour.example.org/", /carries 169\.254\.169\.254/],
      ["http://teredo.example.org/", /carries 10\.0\.0\.1/],
      ["http://linklocal6.example.org/", /resolves to fe80::1: a link-local address/],
      ["http://zoned.example.org/", /resolves to fe80::1%eth0: a link-local address/],
      ["http://zero.example.org/", /resolves to 0\.0\.0\.0: an unspecified address/],
      ["http://unspecified6.example.org/", /resolves to ::: an unspecified address/],
      ["http://multicast.example.org/", /a multicast address is never a destination/],
      ["http://broadcast.example.org/", /the broadcast address is never a destination/],
      ["http://reserved.example.org/", /resolves to 240\.0\.0\.1: a reserved address/],
      ["http://benchmark.example.org/", /resolves to 198\.18\.0\.1: a reserved address/],
      ["http://sitelocal.example.org/", /resolves to fec0::1: a deprecatedSiteLocal address/],
      ["http://octal.example.org/", /resolved to "0177\.0\.0\.1", which is not an address/],
      ["http://garbage.example.org/", /which is not an address/],
      ["http://empty.example.org/", /resolves to no address/],
      ["http://nxdomain.example.org/", /does not resolve \(ENOTFOUND\)/],
    ])("%s", (url, why) => refuses([url, why]));
  });

  it("0.0.0.0 and :: even under 0.0.0.0/0 and ::/0: they reach the local host", async () => {
    const everything = new EgressPolicy({ allow: ["0.0.0.0/0", "::/0"], resolve });
    expect((await everything.check("http://192.0.2.1/")).allow).toBe(true);
    for (const url of ["http://0.0.0.0:8080/", "http://[::]:8080/", "http://[::ffff:0.0.0.0]/", "http://zero.example.org/", "http://unspecified6.example.org/"])
      expect((await everything.check(url)).reason, url).toMatch(/never a destination/);
  });

  it("loopback, link-local and their IPv6 forms under allowPrivate", async () => {
    const open = new EgressPolicy({ allow: ALLOW, resolve, allowPrivate: true });
    expect((await open.check("http://private.example.org/")).allow).toBe(true);
    for (const name of ["metadata", "loop", "loop6", "mapped", "mappedhex", "compat", "nat64", "sixtofour", "linklocal6", "zero"])
      expect((await open.check(`http://${name}.example.org/`)).allow, name).toBe(false);
  });

  it("a name that answers a public address and then a private one: the second check sees the second answer", async () => {
    let n = 0;
    const rebinding = new EgressPolicy({
      allow: ["rebind.test"],
      resolve: async () => [{ address: n++ === 0 ? "93.184.216.34" : "169.254.169.254", family: 4 }],
    });
    expect((await rebinding.check("http://rebind.test/")).allow).toBe(true);
    expect((await rebinding.check("http://rebind.test/")).reason).toMatch(/169\.254\.169\.254: a link-local address/);
    expect(n).toBe(2);
  });
});

describe("the egress allow-list refuses the entry", () => {
  it.each<Case>([
    ["", /is empty/],
    ["   ", /is empty/],
    ["*", /a wildcard is written \*\.example\.com/],
    ["*.", /a wildcard is written/],
    ["**.example.com", /a wildcard is written/],
    ["api.*.example.com", /a wildcard is written/],
    ["*example.com", /a wildcard is written/],
    ["*.example.com:*", /the port must be a number/],
    ["https://api.example.com", /not a URL/],
    ["api.example.com/path", /is not a host name, an address or a CIDR/],
    ["user@api.example.com", /is not a host name, an address or a CIDR/],
    ["api.example.com,evil.test", /is not a host name, an address or a CIDR/],
    ["api.example.com:0", /the port must be a number from 1 to 65535/],
    ["api.example.com:65536", /the port must be a number from 1 to 65535/],
    ["api.example.com:http", /the port must be a number/],
    ["api.example.com:", /the port must be a number/],
    ["10.0.0.1/8", /has bits set past \/8: write 10\.0\.0\.0\/8/],
    ["10.0.0.0/33", /the prefix length must be 0 to 32/],
    ["2001:db8::/129", /the prefix length must be 0 to 128/],
    ["0x7f.1", /four decimal numbers/],
    ["2130706433", /four decimal numbers/],
    ["127.1", /four decimal numbers/],
    ["010.0.0.1", /four decimal numbers/],
    ["127。0。0。1", /four decimal numbers/],
    ["[fe80::1%eth0]", /is not a host name, an address or a CIDR/],
    ["fe80::1%eth0", /is not a host name, an address or a CIDR/],
    ["[api.example.com]:443", /brackets are for IPv6 addresses/],
    ["[2001:db8::1", /an IPv6 address is written/],
    ["foo.123", /four decimal numbers/],
    ["exa mple.com", /is not a host name, an address or a CIDR/],
    ["-bad.example.com", /is not a host name/],
    ["a..b.example.com", /is not a host name/],
    [`${"x".repeat(64)}.example.com`, /is not a host name/],
  ])("%j", (entry, why) => {
    let err: unknown;
    try {
      parseEgressRule(entry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PerimeterError);
    expect(err).toMatchObject({ code: "CONFIG_INVALID" });
    expect((err as Error).message).toMatch(why);
    expect(() => new EgressPolicy({ allow: [entry] })).toThrow(PerimeterError);
  });
});

describe("the egress fetch refuses a redirect, before connecting to where it leads", () => {
  let server: Server;
  let port: number;
  const attempts: string[] = [];
  const before = (m: unknown) => {
    const p = (m as { connectParams: { hostname: string; port: string | number } }).connectParams;
    attempts.push(`${p.hostname}:${p.port}`);
  };
  // tools.test is loopback, so an address entry lets it through; everything else is ALLOW's.
  const egress = new EgressPolicy({ allow: [...ALLOW, "127.0.0.1"], resolve });

  beforeAll(async () => {
    // Answers /to?<url> with a redirect to <url>, /loop with a redirect to itself, /end with a page.
    server = createServer((req, res) => {
      if (req.url === "/end") return void res.end("end");
      const target = req.url === "/loop" ? "/loop" : decodeURIComponent((req.url ?? "").replace(/^\/to\?/, ""));
      res.writeHead(302, { location: target }).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
    subscribe("undici:client:beforeConnect", before);
  });
  afterAll(async () => {
    unsubscribe("undici:client:beforeConnect", before);
    await egress.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("(control: a redirect to what the list allows is followed)", async () => {
    attempts.length = 0;
    const response = await egress.fetch(`http://tools.test:${port}/to?${encodeURIComponent(`http://127.0.0.1:${port}/end`)}`);
    expect(await response.text()).toBe("end");
    expect(attempts).toContain(`127.0.0.1:${port}`);
  });

  it.each<Case>([
    ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 port 80: no address or CIDR entry covers it/],
    ["http://metadata.example.org/latest/meta-data/", /resolves to 169\.254\.169\.254: a link-local address/],
    ["http://aws6.example.org/latest/meta-data/", /resolves to fd00:ec2::254/],
    ["http://private.example.org/admin", /resolves to 10\.0\.0\.5: a private address/],
    ["http://[::ffff:a9fe:a9fe]/", /169\.254\.169\.254 port 80/],
    ["http://[64:ff9b::a9fe:a9fe]/", /carries 169\.254\.169\.254/],
    ["http://evil.test/", /evil\.test port 80 is not on the egress allow-list/],
    ["file:///etc/passwd", /file: URLs are refused/],
    ["gopher://api.example.com:70/_x", /gopher: URLs are refused/],
  ])("to %s", async (target, why) => {
    attempts.length = 0;
    const result = await egress.fetch(`http://tools.test:${port}/to?${encodeURIComponent(target)}`).then(
      (r) => r,
      (e: unknown) => e,
    );
    expect(result).toBeInstanceOf(PerimeterError);
    expect(result).toMatchObject({ code: "EGRESS_DENIED", message: expect.stringMatching(why) });
    // The only connection made (if the pool had none open) is to the server that answered with the redirect.
    expect(attempts.filter((a) => a !== `tools.test:${port}`)).toEqual([]);
  });

  it("that loops, past maxRedirects", async () => {
    await expect(egress.fetch(`http://tools.test:${port}/loop`)).rejects.toMatchObject({
      code: "EGRESS_DENIED",
      message: expect.stringMatching(/more than 5 redirects/),
    });
  });
});
