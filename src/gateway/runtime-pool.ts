import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { join } from "node:path";
import { PerimeterError } from "../errors.js";
import type { Runtime } from "../inventory/types.js";
import type { CallSignal, DialectResponse, OpenAIDialect, OpenAIPath } from "../runtimes/dialect.js";
import { httpUpstream } from "../runtimes/http-upstream.js";
import type { ModelRoute } from "./catalog.js";

// One client per runtime, made on first use. HTTP runtimes share a keep-alive pool; the embedded runtime
// loads only files whose bytes hash to the approved digest at the moment they are loaded.

export type EmbeddedFactory = (models: ReadonlyMap<string, string>) => OpenAIDialect;

export class RuntimePool {
  private readonly http = new Map<string, OpenAIDialect>();
  /** One embedded runtime per served file: a runtime's model table is fixed when it is made. */
  private readonly embedded = new Map<string, OpenAIDialect>();
  /** path → verified sha256, keyed with size and mtime so a replaced file is hashed again. */
  private readonly verified = new Map<string, string>();

  constructor(private readonly options: { readonly timeoutMs: number; readonly embedded?: EmbeddedFactory | undefined }) {}

  runtimeFor(route: ModelRoute): OpenAIDialect {
    const r = route.runtime;
    if (r.type !== "embedded") {
      let client = this.http.get(r.name);
      if (client === undefined) {
        client = httpUpstream({ name: r.name, url: r.url, apiKey: apiKey(r), timeoutMs: this.options.timeoutMs });
        this.http.set(r.name, client);
      }
      return client;
    }
    return this.embeddedFor(route);
  }

  private embeddedFor(route: ModelRoute): OpenAIDialect {
    const factory = this.options.embedded;
    if (factory === undefined)
      throw new PerimeterError("RUNTIME_UNREACHABLE", `runtime "${route.runtime.name}" is embedded, and this gateway was started without the embedded runtime`);
    const path = ggufPath(route.runtime.url, route.servedName);
    const key = `${route.runtime.name}\0${route.servedName}\0${path}`;
    let runtime = this.embedded.get(key);
    if (runtime === undefined) {
      runtime = factory(new Map([[route.servedName, path]]));
      this.embedded.set(key, runtime);
    }
    const loaded = runtime;
    const expected = route.version.files.length === 1 ? route.version.files[0]?.sha256 : route.version.files.find((f) => f.format === "gguf")?.sha256;
    return {
      call: async (p: OpenAIPath, body: Record<string, unknown>, signal: CallSignal): Promise<DialectResponse> => {
        // The bytes about to be loaded must be the approved ones, whatever discovery saw earlier.
        const actual = await this.sha256(path);
        if (actual !== expected) {
          throw new PerimeterError("MODEL_MISMATCH", `${path} no longer hashes to the approved digest of ${route.version.id}: refusing to load it`);
        }
        return loaded.call(p, body, signal);
      },
      close: () => loaded.close(),
    };
  }

  private async sha256(path: string): Promise<string> {
    const st = statSync(path);
    const key = `${path}\0${st.size}\0${st.mtimeMs}`;
    const cached = this.verified.get(key);
    if (cached !== undefined) return cached;
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const digest = hash.digest("hex");
    this.verified.set(key, digest);
    return digest;
  }

  async close(): Promise<void> {
    await Promise.all([...this.http.values(), ...this.embedded.values()].map((c) => c.close().catch(() => undefined)));
  }
}

function ggufPath(dir: string, servedName: string): string {
  for (const name of [`${servedName}.gguf`, servedName]) {
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // try the next spelling
    }
  }
  return join(dir, `${servedName}.gguf`);
}

function apiKey(r: Runtime): string | undefined {
  if (r.apiKeyEnv === null) return undefined;
  const key = process.env[r.apiKeyEnv];
  if (key === undefined || key === "")
    throw new PerimeterError("CONFIG_INVALID", `runtime "${r.name}" takes its API key from $${r.apiKeyEnv}, which is not set`);
  return key;
}
