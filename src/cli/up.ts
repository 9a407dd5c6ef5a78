import type { Command } from "commander";
import { checkAddressFree, dashboardLink, prepareDemo, serveDemo, upAddress, writeDemoConfig } from "../app/up.js";
import { EXIT } from "../errors.js";
import { parsePositiveInt, withContext, type Cli } from "./context.js";
import { untilSignal } from "./serve.js";

// perimeter up — the demo end to end (src/app/up.ts): check the address, set up, serve, print how to call it.

export function registerUp(program: Command, cli: Cli): void {
  program
    .command("up")
    .description("set up and run everything on the embedded defaults: store, demo model, scan, sign, register, approve, identity, and the gateway")
    .option("--port <port>", "port to serve on (default gateway.port, 8080)")
    .option("--host <host>", "address to serve on (default gateway.host, 127.0.0.1)")
    .action(
      cli.run(async (opts: { port?: string; host?: string }) => {
        const port = opts.port === undefined ? undefined : opts.port === "0" ? 0 : parsePositiveInt(opts.port, "--port");
        const say = (line: string) => process.stderr.write(`perimeter: ${line}\n`);
        // Before anything changes: a second up while one runs must not touch the first one's keys.
        const address = upAddress(cli.globals(), { host: opts.host, port });
        await checkAddressFree(address);
        const written = writeDemoConfig(cli.globals());
        if (written !== null) say(`wrote ${written} (demo roles and trusted signer)`);
        return withContext(
          cli.globals(),
          async (ctx) => {
            const demo = await prepareDemo(ctx, say);
            const server = await serveDemo(ctx, address);
            const link = await dashboardLink(ctx, server.url);
            const { model: id, key } = demo;
            process.stdout.write(
              [
                "",
                `Perimeter is serving ${id} (sha256 ${demo.digest.slice(0, 16)}…) on the embedded llama.cpp runtime.`,
                `  gateway   ${server.url}/v1 (OpenAI) and ${server.url}/api (Ollama); metrics at ${server.url}/metrics`,
                `  API key   ${key}`,
                `            ${demo.keyNote}`,
                `  dashboard ${server.url}/ui/`,
                `  sign in   ${link.url}`,
                `            once, before ${link.expiresAt}, as ${link.identity} (the admin role); another: perimeter dashboard link`,
                "",
                "Try it:",
                `  curl -s ${server.url}/v1/chat/completions -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
                `    -d '{"model":"${id}","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'`,
                "",
                `  node --input-type=module -e 'import OpenAI from "openai"; const c = new OpenAI({ baseURL: "${server.url}/v1", apiKey: "${key}" });`,
                `    console.log((await c.chat.completions.create({ model: "${id}", messages: [{ role: "user", content: "Hello" }], max_tokens: 16 })).choices[0].message)'`,
                "",
                `Then: perimeter audit list · perimeter model show ${id} · perimeter kill model ${id} --reason test`,
                "Stop with Ctrl-C.",
                "",
              ].join("\n"),
            );
            const signal = await untilSignal();
            say(`${signal}: stopping`);
            await server.close();
            return EXIT.ok;
          },
          { server: true },
        );
      }),
    );
}
