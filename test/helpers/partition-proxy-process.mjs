// The partition proxy's own process (see partition-proxy.ts): plain JavaScript, so `node` starts it at once.
// argv: target port, target host. Says {port} once listening; answers "cut" and "heal" with {done} once done.
import { connect, createServer } from "node:net";

const [targetPort, targetHost] = [Number(process.argv[2]), process.argv[3] ?? "127.0.0.1"];
let cut = false;
const pairs = new Set();

const join = (pair) => {
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

const server = createServer({ pauseOnConnect: true, noDelay: true }, (client) => {
  const pair = { client, upstream: undefined };
  pairs.add(pair);
  client.on("error", () => pair.upstream?.destroy());
  client.on("close", () => {
    pair.upstream?.destroy();
    pairs.delete(pair);
  });
  if (!cut) join(pair);
});

const actions = {
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
};

process.on("message", (action) => {
  actions[action]?.();
  process.send?.({ done: action });
});
// The test that started it is gone: so is the proxy.
process.on("disconnect", () => process.exit(0));
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
