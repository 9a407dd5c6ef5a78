// The Cedar schema every policy is validated against, and the policy set Perimeter enforces when
// `policy.files` is empty. Both are string constants so they ship inside the bundle with no file to find.

/**
 * The `Perimeter` namespace: who calls (Identity), what they call (ModelVersion, a member of its Model, so a
 * policy can say `resource in Perimeter::Model::"llama"`), and the request context the gateway fills in.
 */
export const PERIMETER_SCHEMA = `// Perimeter's Cedar schema. Every policy file is validated against it (strict mode) when it is loaded.
namespace Perimeter {
  // A non-human identity: service account, agent, pipeline, or a workload's JWT.
  entity Identity = {
    name: String,
    kind: String,
    owner: String,
    environment: String,
    scopes: Set<String>,
  };

  // A model by name: every version of it is a member, e.g. Perimeter::Model::"meta-llama/Llama-3.1-8B".
  entity Model;

  // A model version (id name@version) as the inventory and the lifecycle know it.
  entity ModelVersion in [Model] = {
    name: String,
    version: String,
    // base, fine-tune, adapter, merge, quantization
    kind: String,
    environments: Set<String>,
    // permissive, copyleft, restricted-use, non-commercial, unknown
    licenseTier: String,
    // registered, evaluated, approved, deployed, deprecated, revoked
    state: String,
  };

  // A tool server (tools.servers in perimeter.yaml): its tools are members, so a policy can say
  // \`resource in Perimeter::ToolServer::"files"\`.
  entity ToolServer;

  // A tool as agents are offered it through /mcp; its id is the offered name, e.g. files__read_file.
  entity Tool in [ToolServer] = {
    // its name on its server
    name: String,
    server: String,
    // calls wait for an approver (approval: required)
    approval: Bool,
  };

  // One argument of a tool call as policies read it: context.call.getTag("path").path like "/srv/data/*".
  type Argument = {
    // string, number, boolean, null, array or object
    type: String,
    // a string as it is; anything else as JSON (cut at 4096 characters)
    text: String,
    // a number's integer part (0 for other types and for numbers beyond Long)
    number: Long,
    // a string that is an absolute path, normalised ("/srv/a/../b" is "/srv/b"); "" otherwise
    path: String,
    // a string that is an http(s) URL: its host, lower-case; "" otherwise
    host: String,
  };

  // The arguments of one tool call: one tag per top-level argument.
  entity ToolCall tags Argument;

  // What the guards found in the text of the call (see guards in perimeter.yaml). At the authorize stage
  // nothing has been inspected yet: direction "none", no categories. When a guard finds something, the call
  // is judged again with the findings, once for the request (direction "input") and, for an answer, as
  // findings arise (direction "output"): a policy can forbid, or permit, what the findings say.
  type GuardContext = {
    // none, input or output
    direction: String,
    // secret, pii, injection, jailbreak, or a guard model's category (Llama Guard's S1…S14)
    categories: Set<String>,
    // what exactly: aws-access-key, email, iban, instruction-override, …
    types: Set<String>,
    // secrets, pii, injection, or a guard model's name
    detectors: Set<String>,
    // none, info, low, medium, high, critical
    maxSeverity: String,
    // the highest confidence per category, 0..100; model is the highest of the guard models
    scores: { secret: Long, pii: Long, injection: Long, jailbreak: Long, model: Long },
    // findings in all
    count: Long,
  };

  type RequestContext = {
    // The gateway route, e.g. /v1/chat/completions.
    route: String,
    // The environment of the gateway (or runtime) answering the request.
    environment: String,
    stream: Bool,
    // The request carries tools or functions the model may call.
    tools: Bool,
    // The most tokens the call may generate: what it asked for, else its context window or
    // gateway.defaultMaxTokens (sent on to the runtime), whichever is less; 0 for embeddings.
    maxTokens: Long,
    promptChars: Long,
    guards: GuardContext,
  };

  // Every action on a model version: policies say \`action in Perimeter::Action::"model"\`.
  action "model";
  // chat, completions, generate
  action invoke in ["model"] appliesTo { principal: [Identity], resource: [ModelVersion], context: RequestContext };
  action embed in ["model"] appliesTo { principal: [Identity], resource: [ModelVersion], context: RequestContext };
  // see the model version in /v1/models (or /api/tags)
  action list in ["model"] appliesTo { principal: [Identity], resource: [ModelVersion], context: RequestContext };
  type ToolContext = {
    // the tool server's name and the tool's name on it
    server: String,
    tool: String,
    // true when deciding whether tools/list shows the tool to the caller: there are no arguments yet
    listing: Bool,
    // the call's arguments (no tags when listing)
    call: ToolCall,
    // the environment of the gateway answering
    environment: String,
    // what the guards found in the arguments (direction "input")
    guards: GuardContext,
  };

  // An agent's tool call through /mcp, and whether tools/list shows the tool. Its context has guards too, so
  // a policy on context.guards that names no action validates for every action.
  action call_tool appliesTo { principal: [Identity], resource: [Tool], context: ToolContext };
}
`;

/** The policy set enforced when `policy.files` is empty. Each policy's `@id` is what decisions name. */
export const DEFAULT_POLICIES = `// Perimeter's default policy set.
//
// Cedar denies unless some permit matches, and any matching forbid overrides every permit. Perimeter adds one
// rule of its own: when any policy fails to evaluate, the request is denied (fail closed).
//
// Scopes these policies read from the identity:
//   tools        may send requests that carry tools/functions, and call the tools behind /mcp
//   long-output  may ask for more than 8192 tokens
//   research     may use models under a non-commercial licence

// An identity may use a model version registered for its own environment, once the version is approved
// (or deployed): registered or evaluated versions, and deprecated or revoked ones, are not served.
@id("model-in-environment")
permit (
  principal is Perimeter::Identity,
  action in Perimeter::Action::"model",
  resource is Perimeter::ModelVersion
)
when {
  resource.environments.contains(principal.environment) &&
  ["approved", "deployed"].contains(resource.state)
};

// Tools let the model drive side effects; asking for them is a grant of its own.
@id("tools-need-scope")
forbid (
  principal is Perimeter::Identity,
  action in Perimeter::Action::"model",
  resource is Perimeter::ModelVersion
)
when { context.tools }
unless { principal.scopes.contains("tools") };

// Long generations are where cost and exfiltration volume grow; more than 8192 tokens needs a grant.
@id("long-output-needs-scope")
forbid (
  principal is Perimeter::Identity,
  action in Perimeter::Action::"model",
  resource is Perimeter::ModelVersion
)
when { context.maxTokens > 8192 }
unless { principal.scopes.contains("long-output") };

// A non-commercial licence forbids production use: only research identities may see or call such models.
@id("non-commercial-needs-research-scope")
forbid (
  principal is Perimeter::Identity,
  action in Perimeter::Action::"model",
  resource is Perimeter::ModelVersion
)
when { resource.licenseTier == "non-commercial" }
unless { principal.scopes.contains("research") };

// Agents call tools through /mcp with the tools scope. Narrow it in policies of your own: per server
// (resource in Perimeter::ToolServer::"files"), per tool, or on arguments (context.call.getTag("path")).
@id("tools-with-scope")
permit (
  principal is Perimeter::Identity,
  action == Perimeter::Action::"call_tool",
  resource is Perimeter::Tool
)
when { principal.scopes.contains("tools") };
`;
