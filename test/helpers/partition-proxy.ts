import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

// A TCP proxy on loopback that can cut a process off from a server the way a network partition does: while
// cut, nothing crosses in either direction and new connections are accepted but go nowhere (packets dropped,
// not refused: the process sees no error, only silence); once healed, what was held flows on and new
// connections reach the server, as TCP does when a link comes back before its timeouts.

export interface PartitionProxy {
  /** host:port to connect to instead of the server. */
  readonly port: number;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

export async function startPartitionProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<PartitionProxy> {
  let cut = false;
  const pairs = new Set<Pair>();
  const join = (pair: Pair): void => {
    const upstream = connect(targetPort, targetHost);
    pair.upstream = upstream;
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
    upstream.on("error", () => pair.client.destroy());
    upstream.on("close", () => {
      pair.client.destroy();
      pairs.delete(pair);
    });
    pair.client.resume();
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on("error", () => pair.upstream?.destroy());
    client.on("close", () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (!cut) join(pair);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    cut() {
      cut = true;
      for (const p of pairs) {
        // Neither side's bytes are read any more: they wait in the kernel's buffers, as on a dead link.
        p.client.unpipe();
        p.upstream?.unpipe();
        p.client.pause();
        p.upstream?.pause();
      }
    },
    heal() {
      cut = false;
      for (const p of pairs) {
        if (p.upstream === undefined) {
          join(p);
          continue;
        }
        p.client.pipe(p.upstream);
        p.upstream.pipe(p.client);
        p.client.resume();
        p.upstream.resume();
      }
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
