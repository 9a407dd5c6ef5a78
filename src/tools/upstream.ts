import { AsyncLocalStorage } from "node:async_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ClientCapabilities, ServerCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { ToolServerConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import { VERSION } from "../version.js";
import { definitionDigest, definitionOf, type ToolDefinition } from "./definition.js";

// One connection to a tool server, made for one agent session: the MCP SDK client over streamable HTTP (through
// the egress allow-list) or stdio (a process of its own). Perimeter authenticates to the server with what the
// server's `credential` says — a token minted for each call, or a secret Perimeter holds — never with anything
// the agent sent.

/** Any result, passed on as the server sent it: the agent's SDK validates what it receives. */
export const AnyResult = z.looseObject({});

/** Meta keys of Perimeter's own: stripped from what agents send, so an agent cannot plant a credential. */
export const PERIMETER_META = "io.perimeter/";
/** Where a stdio server finds the call's token (it has no headers): params._meta["io.perimeter/credential"]. */
export const CREDENTIAL_META = `${PERIMETER_META}credential`;

/** What a connection needs from the gateway: tokens, the egress-checked fetch, the server's secret. */
export interface UpstreamDeps {
  /** A token for traffic that is not a tool call (initialize, listings, notifications, the SSE stream). */
  sessionToken(server: ToolServerConfig): string;
  /** fetch that checks every destination against the egress allow-list. */
  readonly fetch: typeof fetch;
  /** The secret of a server whose credential is static (from the environment); throws when unset. */
  secret(server: ToolServerConfig): string;
}

/** A tool as the server lists it now, with the digest of its definition. */
export interface ListedTool {
  readonly definition: ToolDefinition;
  readonly digest: string;
  /** The entry as the server sent it, passed on to agents when the tool is offered. */
  readonly entry: Record<string, unknown>;
}

interface CallCredential {
  readonly token: string;
  used: boolean;
}

export class Upstream {
  /** The server's tools at the last listing; undefined until listed, or after it said its list changed. */
  tools: Map<string, ListedTool> | undefined;
  private listing: Promise<Map<string, ListedTool>> | undefined;
  private readonly credential = new AsyncLocalStorage<CallCredential>();

  private constructor(
    readonly server: ToolServerConfig,
    readonly client: Client,
  ) {}

  /** Connect and initialize, mirroring what the agent's client can do (sampling, elicitation, roots). */
  static async connect(server: ToolServerConfig, deps: UpstreamDeps, capabilities: ClientCapabilities): Promise<Upstream> {
    const client = new Client({ name: "perimeter", version: VERSION }, { capabilities });
    const upstream = new Upstream(server, client);
    const transport = upstream.transport(deps);
    try {
      await client.connect(transport, { timeout: server.timeoutMs });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw unavailable(server, err);
    }
    return upstream;
  }

  get capabilities(): ServerCapabilities {
    return this.client.getServerCapabilities() ?? {};
  }

  /** The server's tools (every page), listed once and again after it says its list changed. */
  list(signal?: AbortSignal): Promise<Map<string, ListedTool>> {
    if (this.tools !== undefined) return Promise.resolve(this.tools);
    this.listing ??= this.fetchTools(signal).finally(() => {
      this.listing = undefined;
    });
    return this.listing;
  }

  /** Forget the listing: the server said its tools changed. */
  invalidate(): void {
    this.tools = undefined;
  }

  /** Send a request whose first HTTP message carries `token` (a tool call's own credential). */
  withCredential<T>(token: string, send: () => Promise<T>): Promise<T> {
    return this.credential.run({ token, used: false }, send);
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }

  private async fetchTools(signal?: AbortSignal): Promise<Map<string, ListedTool>> {
    const tools = new Map<string, ListedTool>();
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await this.client.request(
        { method: "tools/list", params: cursor === undefined ? {} : { cursor } },
        AnyResult,
        signal === undefined ? { timeout: this.server.timeoutMs } : { timeout: this.server.timeoutMs, signal },
      );
      const list = Array.isArray(result["tools"]) ? (result["tools"] as unknown[]) : [];
      for (const entry of list) {
        if (entry === null || typeof entry !== "object" || typeof (entry as { name?: unknown }).name !== "string") continue;
        const definition = definitionOf(entry as Record<string, unknown>);
        tools.set(definition.name, { definition, digest: definitionDigest(definition), entry: entry as Record<string, unknown> });
      }
      cursor = typeof result["nextCursor"] === "string" ? result["nextCursor"] : undefined;
      if (cursor === undefined) break;
    }
    this.tools = tools;
    return tools;
  }

  private transport(deps: UpstreamDeps): Transport {
    const server = this.server;
    const credential = server.credential;
    if (server.command !== undefined) {
      const [command, ...args] = server.command as [string, ...string[]];
      const env: Record<string, string> = { ...getDefaultEnvironment(), ...server.env };
      if (credential.type === "static" && credential.envVar !== undefined) env[credential.envVar] = deps.secret(server);
      return new StdioClientTransport({ command, args, env, stderr: "pipe", ...(server.cwd === undefined ? {} : { cwd: server.cwd }) });
    }
    const url = new URL(server.url as string);
    // The header is set here, per HTTP request: the POST that carries a tool call gets that call's token; every
    // other request (the SSE stream, notifications, answers to the server's own requests) a session token.
    const headerValue = (): string | undefined => {
      if (credential.type === "none") return undefined;
      if (credential.type === "static") {
        const secret = deps.secret(server);
        return credential.scheme === "" ? secret : `${credential.scheme} ${secret}`;
      }
      const call = this.credential.getStore();
      if (call !== undefined && !call.used) {
        call.used = true;
        return `Bearer ${call.token}`;
      }
      return `Bearer ${deps.sessionToken(server)}`;
    };
    const header = credential.type === "none" ? "" : credential.header;
    const fetchWithCredential: typeof fetch = (input, init) => {
      const value = headerValue();
      if (value === undefined) return deps.fetch(input, init);
      const headers = new Headers(init?.headers);
      headers.set(header, value);
      return deps.fetch(input, { ...init, headers });
    };
    return new StreamableHTTPClientTransport(url, { fetch: fetchWithCredential });
  }
}

export function unavailable(server: ToolServerConfig, err: unknown): PerimeterError {
  if (err instanceof PerimeterError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PerimeterError("TOOL_UNAVAILABLE", `tool server ${server.name} cannot be reached: ${message}`, { cause: err });
}
