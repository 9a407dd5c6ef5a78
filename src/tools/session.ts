import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListRootsRequestSchema,
  ListToolsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ReadResourceRequestSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  ToolListChangedNotificationSchema,
  UnsubscribeRequestSchema,
  type ClientCapabilities,
  type Notification,
  type RequestId,
  type ServerCapabilities,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../identity/types.js";
import { VERSION } from "../version.js";
import { NAMESPACE_SEPARATOR, offeredName } from "./definition.js";
import { AnyResult, PERIMETER_META, type ListedTool, type Upstream } from "./upstream.js";

// One agent's MCP session at /mcp: the SDK server the agent talks to, and a connection to each tool server made
// for this session alone, so that what a tool server asks of its client (sampling, elicitation, roots), its
// logs, progress and resource updates reach this agent and no other. Tool calls go through the gateway's stages
// (ToolGateway.callTool); resources, prompts, completion and logging levels pass through to the server whose
// they are, once the gateway has let the identity use that server.

type Json = Record<string, unknown>;
type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What the session asks of the gateway. */
export interface SessionHost {
  /** The tools this identity is offered now: approved, unchanged, not killed, permitted by policy to list. */
  offered(session: AgentSession): Promise<Map<string, OfferedTool>>;
  callTool(session: AgentSession, params: Json, extra: Extra): Promise<Json>;
  /** A resource's contents or a prompt's messages, through the guards on what reaches the model. */
  inspect(session: AgentSession, method: string, what: string, result: Json): Json;
  /** Whether the identity may use a server's resources and prompts (policy, kill switch). */
  mayUse(session: AgentSession, upstream: Upstream): Promise<boolean>;
}

export interface OfferedTool {
  readonly upstream: Upstream;
  readonly listed: ListedTool;
  /** The name agents call it by. */
  readonly name: string;
}

/** Capabilities the gateway offers when some tool server has them (tools always: the gateway is a tool server). */
function unionCapabilities(upstreams: readonly Upstream[]): ServerCapabilities {
  const caps: ServerCapabilities = { tools: { listChanged: true } };
  for (const u of upstreams) {
    const c = u.capabilities;
    if (c.resources !== undefined) caps.resources = { listChanged: true, subscribe: Boolean(caps.resources?.subscribe) || Boolean(c.resources.subscribe) };
    if (c.prompts !== undefined) caps.prompts = { listChanged: true };
    if (c.logging !== undefined) caps.logging = {};
    if (c.completions !== undefined) caps.completions = {};
  }
  return caps;
}

export class AgentSession {
  readonly server: Server;
  readonly capabilities: ServerCapabilities;
  /** Agent requests in flight on each upstream: what a server-to-client request during a call relates to. */
  private readonly active = new Map<Upstream, Set<RequestId>>();
  lastUsed = Date.now();
  /** tools() as last computed, and the upstream listings it was computed from. */
  private offeredCache: { readonly from: readonly Map<string, ListedTool>[]; readonly tools: Map<string, OfferedTool> } | undefined;
  /** Set by the transport when the session is initialised. */
  id = "";

  constructor(
    /** Who the session belongs to, as last authenticated (scopes may change while it lasts). */
    public principal: Principal,
    readonly upstreams: readonly Upstream[],
    private readonly host: SessionHost,
    private readonly agentCapabilities: ClientCapabilities,
  ) {
    this.capabilities = unionCapabilities(upstreams);
    this.server = new Server({ name: "perimeter", version: VERSION }, { capabilities: this.capabilities });
    this.handleAgent();
    for (const u of upstreams) this.handleUpstream(u);
  }

  async close(): Promise<void> {
    await Promise.all(this.upstreams.map((u) => u.close()));
    await this.server.close().catch(() => undefined);
  }

  /** Track an agent request on an upstream while `run` runs. */
  async relating<T>(upstream: Upstream, requestId: RequestId, run: () => Promise<T>): Promise<T> {
    let ids = this.active.get(upstream);
    if (ids === undefined) {
      ids = new Set();
      this.active.set(upstream, ids);
    }
    ids.add(requestId);
    try {
      return await run();
    } finally {
      ids.delete(requestId);
    }
  }

  /** Every upstream's tools under the names agents see; a name two servers would both offer is offered by neither. */
  async tools(signal?: AbortSignal): Promise<Map<string, OfferedTool>> {
    // The common case, on every call: no server's list changed since the last time.
    const cached = this.offeredCache;
    if (cached !== undefined && this.upstreams.every((u, i) => u.tools !== undefined && u.tools === cached.from[i])) return cached.tools;
    const all = new Map<string, OfferedTool | null>();
    const listings = await Promise.all(this.upstreams.map(async (u) => ({ u, tools: await u.list(signal).catch(() => new Map<string, ListedTool>()) })));
    for (const { u, tools } of listings) {
      const namespace = u.server.namespace ?? u.server.name;
      for (const listed of tools.values()) {
        const name = offeredName(namespace, listed.definition.name);
        all.set(name, all.has(name) ? null : { upstream: u, listed, name });
      }
    }
    const out = new Map<string, OfferedTool>();
    for (const [name, t] of all) if (t !== null) out.set(name, t);
    this.offeredCache = { from: listings.map((l) => l.tools), tools: out };
    return out;
  }

  private handleAgent(): void {
    const s = this.server;
    const caps = this.capabilities;
    s.setRequestHandler(ListToolsRequestSchema, async () => {
      const tools = await this.host.offered(this);
      return { tools: [...tools.values()].map((t) => ({ ...t.listed.entry, name: t.name })) };
    });
    s.setRequestHandler(CallToolRequestSchema, (request, extra) => this.host.callTool(this, request.params as Json, extra) as never);
    if (caps.resources !== undefined) {
      s.setRequestHandler(ListResourcesRequestSchema, (r, extra) => this.gather("resources/list", "resources", r.params, extra) as never);
      s.setRequestHandler(
        ListResourceTemplatesRequestSchema,
        (r, extra) => this.gather("resources/templates/list", "resourceTemplates", r.params, extra) as never,
      );
      s.setRequestHandler(
        ReadResourceRequestSchema,
        async (r, extra) =>
          this.host.inspect(this, "resources/read", r.params.uri, await this.forward(await this.byUri(r.params.uri, extra), r, extra)) as never,
      );
      s.setRequestHandler(SubscribeRequestSchema, async (r, extra) => this.forward(await this.byUri(r.params.uri, extra), r, extra) as never);
      s.setRequestHandler(UnsubscribeRequestSchema, async (r, extra) => this.forward(await this.byUri(r.params.uri, extra), r, extra) as never);
    }
    if (caps.prompts !== undefined) {
      s.setRequestHandler(ListPromptsRequestSchema, (r, extra) => this.gather("prompts/list", "prompts", r.params, extra, true) as never);
      s.setRequestHandler(GetPromptRequestSchema, async (r, extra) => {
        const { upstream, name } = await this.byPromptName(r.params.name);
        return this.host.inspect(
          this,
          "prompts/get",
          r.params.name,
          await this.forward(upstream, { method: r.method, params: { ...r.params, name } }, extra),
        ) as never;
      });
    }
    if (caps.completions !== undefined)
      s.setRequestHandler(CompleteRequestSchema, async (r, extra) => {
        const ref = r.params.ref as Json;
        if (ref["type"] === "ref/prompt") {
          const { upstream, name } = await this.byPromptName(String(ref["name"]));
          return this.forward(upstream, { method: r.method, params: { ...r.params, ref: { ...ref, name } } }, extra) as never;
        }
        return this.forward(await this.byUri(String(ref["uri"]), extra, true), r, extra) as never;
      });
    if (caps.logging !== undefined)
      s.setRequestHandler(SetLevelRequestSchema, async (r, extra) => {
        const targets = (await this.usable()).filter((u) => u.capabilities.logging !== undefined);
        await Promise.all(targets.map((u) => this.forward(u, r, extra)));
        return {};
      });
  }

  /** What a tool server sends its client goes to this session's agent. */
  private handleUpstream(u: Upstream): void {
    const c = u.client;
    const toAgent = (method: string, params: unknown, extra: { signal: AbortSignal }) => {
      const related = this.single(u);
      return this.server.request({ method, params } as never, AnyResult, {
        signal: extra.signal,
        ...(related === undefined ? {} : { relatedRequestId: related }),
      });
    };
    // Only what the agent's client can do is offered to the server (the client was made with the same capabilities).
    const can = this.agentCapabilities;
    if (can.sampling !== undefined) c.setRequestHandler(CreateMessageRequestSchema, (r, extra) => toAgent(r.method, r.params, extra) as never);
    if (can.elicitation !== undefined) c.setRequestHandler(ElicitRequestSchema, (r, extra) => toAgent(r.method, r.params, extra) as never);
    if (can.roots !== undefined) c.setRequestHandler(ListRootsRequestSchema, (r, extra) => toAgent(r.method, r.params, extra) as never);
    const notify = (n: Notification, related = true): Promise<void> => {
      const id = related ? this.single(u) : undefined;
      return this.server.notification(n as never, id === undefined ? {} : { relatedRequestId: id }).catch(() => undefined);
    };
    c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => notify(n));
    c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => notify(n, false));
    c.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => notify(n, false));
    c.setNotificationHandler(PromptListChangedNotificationSchema, (n) => notify(n, false));
    c.setNotificationHandler(ToolListChangedNotificationSchema, (n) => {
      u.invalidate();
      return notify(n, false);
    });
  }

  /** The one agent request in flight on an upstream, if exactly one: a request the server makes belongs to it. */
  private single(u: Upstream): RequestId | undefined {
    const ids = this.active.get(u);
    if (ids === undefined || ids.size !== 1) return undefined;
    return ids.values().next().value;
  }

  private async usable(): Promise<Upstream[]> {
    const may = await Promise.all(this.upstreams.map((u) => this.host.mayUse(this, u)));
    return this.upstreams.filter((_, i) => may[i]);
  }

  /** Send an agent's request to one upstream as it is (less Perimeter's own meta keys), with its cancellation. */
  async forward(upstream: Upstream, request: { method: string; params?: unknown }, extra: Extra): Promise<Json> {
    if (!(await this.host.mayUse(this, upstream)))
      throw new McpError(ErrorCode.InvalidParams, `tool server ${upstream.server.name} is not available to this identity`);
    const params = stripPerimeterMeta(request.params);
    return this.relating(upstream, extra.requestId, () =>
      upstream.client.request({ method: request.method, params } as never, AnyResult, {
        signal: extra.signal,
        timeout: upstream.server.timeoutMs,
      }),
    );
  }

  /** A list method over every usable server, concatenated (one page each; prompts renamed into namespaces). */
  private async gather(method: string, key: string, params: unknown, extra: Extra, rename = false): Promise<Json> {
    const targets = (await this.usable()).filter((u) => (key === "prompts" ? u.capabilities.prompts : u.capabilities.resources) !== undefined);
    const pages = await Promise.all(targets.map((u) => this.collect(u, method, key, params, extra)));
    const items: unknown[] = [];
    for (const [i, page] of pages.entries()) {
      const u = targets[i] as Upstream;
      for (const item of page) {
        if (rename && item !== null && typeof item === "object" && typeof (item as Json)["name"] === "string")
          items.push({ ...(item as Json), name: offeredName(u.server.namespace ?? u.server.name, (item as Json)["name"] as string) });
        else items.push(item);
      }
    }
    return { [key]: items };
  }

  private async collect(u: Upstream, method: string, key: string, params: unknown, extra: Extra): Promise<unknown[]> {
    const items: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const { cursor: _agentCursor, ...rest } = stripPerimeterMeta(params);
      const p = cursor === undefined ? rest : { ...rest, cursor };
      const result = await this.forward(u, { method, params: p }, extra);
      const list = result[key];
      if (Array.isArray(list)) items.push(...list);
      cursor = typeof result["nextCursor"] === "string" ? result["nextCursor"] : undefined;
      if (cursor === undefined) break;
    }
    return items;
  }

  /** The server a resource URI belongs to: the one that lists it, or whose template matches it. */
  private async byUri(uri: string, extra: Extra, templatesOnly = false): Promise<Upstream> {
    const targets = (await this.usable()).filter((u) => u.capabilities.resources !== undefined);
    if (targets.length === 1) return targets[0] as Upstream;
    for (const u of targets) {
      if (!templatesOnly) {
        const resources = await this.collect(u, "resources/list", "resources", {}, extra).catch(() => []);
        if (resources.some((r) => r !== null && typeof r === "object" && (r as Json)["uri"] === uri)) return u;
      }
      const templates = await this.collect(u, "resources/templates/list", "resourceTemplates", {}, extra).catch(() => []);
      for (const t of templates) {
        const template = t !== null && typeof t === "object" ? (t as Json)["uriTemplate"] : undefined;
        if (typeof template === "string" && new UriTemplate(template).match(uri) !== null) return u;
      }
    }
    throw new McpError(ErrorCode.InvalidParams, `no tool server offers the resource ${uri}`);
  }

  /** A prompt's server and its own name, from the name agents see. */
  private async byPromptName(offered: string): Promise<{ upstream: Upstream; name: string }> {
    const usable = (await this.usable()).filter((u) => u.capabilities.prompts !== undefined);
    for (const u of usable) {
      const prefix = `${u.server.namespace ?? u.server.name}${NAMESPACE_SEPARATOR}`;
      if (prefix !== NAMESPACE_SEPARATOR && offered.startsWith(prefix)) return { upstream: u, name: offered.slice(prefix.length) };
    }
    const unprefixed = usable.find((u) => u.server.namespace === "");
    if (unprefixed !== undefined) return { upstream: unprefixed, name: offered };
    throw new McpError(ErrorCode.InvalidParams, `no tool server offers the prompt ${offered}`);
  }
}

/** Drop `_meta` keys in Perimeter's namespace from what an agent sends: only Perimeter sets them. */
export function stripPerimeterMeta(params: unknown): Json {
  if (params === null || typeof params !== "object") return {};
  const p = params as Json;
  const meta = p["_meta"];
  if (meta === null || typeof meta !== "object") return p;
  const keys = Object.keys(meta);
  if (!keys.some((k) => k.startsWith(PERIMETER_META))) return p;
  const kept: Json = {};
  for (const k of keys) if (!k.startsWith(PERIMETER_META)) kept[k] = (meta as Json)[k];
  return { ...p, _meta: kept };
}
