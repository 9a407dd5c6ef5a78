// Whether an address the server listens on, or a Host or Origin header, is this machine's loopback.

/** A listen address (or Host header) on loopback: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith("[")
    ? host.slice(1, host.indexOf("]"))
    : host.includes(":") && host.indexOf(":") === host.lastIndexOf(":")
      ? (host.split(":")[0] ?? "")
      : host;
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
