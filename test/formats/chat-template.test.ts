import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  analyzeChatTemplate as analyzeTemplateFacts,
  CHAT_TEMPLATE_MAX_CHARS,
  extractChatTemplates,
  type NamedChatTemplate,
} from "../../src/formats/chat-template.js";
import { judgeChatTemplate as analyzeChatTemplate, type ChatTemplateJudgement as ChatTemplateAnalysis } from "../../src/scan/template-policy.js";

// Chat templates run inside every runtime that formats a prompt. The analyzer must pass the templates
// real model families ship, flag every construct a sandbox escape needs, and never crash or stall.

const JINJA = new URL("../../../shared/vectors/modelaudit/tests/assets/samples/jinja2/", import.meta.url).pathname;

function kinds(a: ChatTemplateAnalysis): string[] {
  return [...new Set(a.findings.map((f) => f.kind))].sort();
}

function clean(template: string): void {
  const a = analyzeChatTemplate(template);
  expect(a.error).toBeUndefined();
  expect(a.parsed).toBe(true);
  expect(a.findings).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------------
// Templates as the model families ship them (whitespace trimmed where it does not matter).

const LLAMA_3_2 = `{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\\n\\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
        {{- '{"name": "' + tool_call.name + '", ' }}
        {{- '"parameters": ' }}
        {{- tool_call.arguments | tojson }}
        {{- "}" }}
        {{- "<|eot_id|>" }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
`;

const QWEN_2_5 = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

const QWEN_3 = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\\n\\n' }}
    {%- endif %}
    {{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0].role == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.content is string %}
        {%- set content = message.content %}
    {%- else %}
        {%- set content = '' %}
    {%- endif %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- else %}
            {%- if '</think>' in content %}
                {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
                {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
            {%- endif %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index %}
            {%- if loop.last or (not loop.last and reasoning_content) %}
                {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}
            {%- else %}
                {{- '<|im_start|>' + message.role + '\\n' + content }}
            {%- endif %}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\\n' + content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\\n\\n</think>\\n\\n' }}
    {%- endif %}
{%- endif %}
`;

const MISTRAL_7B_INSTRUCT = `{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}`;

const MISTRAL_V3_TOOLS = `{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
            {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\\n\\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
`;

const GEMMA_2 = `{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}`;

const GEMMA_3 = `{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\\n'}}
{%- endif -%}
`;

/** The gpt-oss (harmony) template's structure: macros, namespaces, strftime_now, raise_exception. */
const GPT_OSS_LIKE = `{#- gpt-oss style (harmony), condensed #}
{%- macro render_typescript_type(param_spec, required_params, is_nullable=false) -%}
    {%- if param_spec.type == "array" -%}
        {%- if param_spec['items'] -%}
            {%- if param_spec['items']['type'] == "string" -%}
                {{- "string[]" }}
            {%- elif param_spec['items']['type'] == "number" -%}
                {{- "number[]" }}
            {%- else -%}
                {{- "any[]" }}
            {%- endif -%}
        {%- endif -%}
    {%- elif param_spec.type is defined and param_spec.type is iterable and param_spec.type is not string and param_spec.type is not mapping -%}
        {%- for t in param_spec.type -%}
            {{- render_typescript_type({"type": t}, required_params) -}}
            {%- if not loop.last %}{{- " | " }}{%- endif -%}
        {%- endfor -%}
    {%- elif param_spec.enum -%}
        {{- '"' + param_spec.enum | join('" | "') + '"' -}}
    {%- elif param_spec.type == "string" -%}
        {{- "string" }}
    {%- elif param_spec.type == "number" or param_spec.type == "integer" -%}
        {{- "number" }}
    {%- elif param_spec.type == "boolean" -%}
        {{- "boolean" }}
    {%- elif param_spec.type == "object" -%}
        {%- if param_spec.properties -%}
            {{- "{\\n" }}
            {%- for prop_name, prop_spec in param_spec.properties.items() -%}
                {{- prop_name -}}
                {%- if prop_name not in (param_spec.required or []) -%}{{- "?" }}{%- endif -%}
                {{- ": " }}
                {{- render_typescript_type(prop_spec, param_spec.required or []) }}
                {%- if not loop.last -%}{{- ", " }}{%- endif -%}
            {%- endfor -%}
            {{- "}" }}
        {%- else -%}
            {{- "object" }}
        {%- endif -%}
    {%- else -%}
        {{- "any" }}
    {%- endif -%}
{%- endmacro -%}

{%- macro render_tool_namespace(namespace_name, tools) -%}
    {{- "## " + namespace_name + "\\n\\n" }}
    {{- "namespace " + namespace_name + " {\\n\\n" }}
    {%- for tool in tools %}
        {%- set tool = tool.function %}
        {{- "// " + tool.description + "\\n" }}
        {{- "type "+ tool.name + " = " }}
        {%- if tool.parameters and tool.parameters.properties %}
            {{- "(_: {\\n" }}
            {%- for param_name, param_spec in tool.parameters.properties.items() %}
                {%- if param_spec.description %}
                    {{- "// " + param_spec.description + "\\n" }}
                {%- endif %}
                {{- param_name }}
                {%- if param_name not in (tool.parameters.required or []) -%}
                    {{- "?" }}
                {%- endif -%}
                {{- ": " }}
                {{- render_typescript_type(param_spec, tool.parameters.required or []) }}
                {%- if param_spec.default is defined -%}
                    {{- ", // default: " + param_spec.default|tojson }}
                {%- endif -%}
                {{- ",\\n" }}
            {%- endfor %}
            {{- "}) => any;\\n\\n" }}
        {%- else -%}
            {{- "() => any;\\n\\n" }}
        {%- endif -%}
    {%- endfor %}
    {{- "} // namespace " + namespace_name }}
{%- endmacro -%}

{%- macro build_system_message() -%}
    {%- if model_identity is not defined %}
        {%- set model_identity = "You are ChatGPT, a large language model trained by OpenAI." %}
    {%- endif %}
    {{- model_identity + "\\n" }}
    {{- "Knowledge cutoff: 2024-06\\n" }}
    {{- "Current date: " + strftime_now("%Y-%m-%d") + "\\n\\n" }}
    {%- if reasoning_effort is not defined %}
        {%- set reasoning_effort = "medium" %}
    {%- endif %}
    {{- "Reasoning: " + reasoning_effort + "\\n\\n" }}
    {{- "# Valid channels: analysis, commentary, final. Channel must be included for every message." }}
{%- endmacro -%}

{{- "<|start|>system<|message|>" }}
{{- build_system_message() }}
{{- "<|end|>" }}

{%- set loop_state = namespace(last_tool_call_name=none) %}
{%- for message in messages -%}
    {%- if message.role == 'assistant' -%}
        {%- if "tool_calls" in message %}
            {%- if message.tool_calls|length > 1 %}
                {{- raise_exception("Only one tool call per assistant message is supported") }}
            {%- endif %}
            {%- set tool_call = message.tool_calls[0] %}
            {%- if tool_call.function %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- "<|start|>assistant to=" }}
            {{- "functions." + tool_call.name + "<|channel|>commentary json<|message|>" }}
            {{- tool_call.arguments|tojson }}
            {{- "<|call|>" }}
            {%- set loop_state.last_tool_call_name = tool_call.name %}
        {%- elif loop.last and not add_generation_prompt %}
            {{- "<|start|>assistant<|channel|>final<|message|>" + message.content + "<|return|>" }}
        {%- else %}
            {{- "<|start|>assistant<|channel|>final<|message|>" + message.content + "<|end|>" }}
        {%- endif %}
    {%- elif message.role == 'tool' -%}
        {%- if loop_state.last_tool_call_name is none %}
            {{- raise_exception("Message has tool role, but there was no previous assistant message with a tool call!") }}
        {%- endif %}
        {{- "<|start|>functions." + loop_state.last_tool_call_name }}
        {{- " to=assistant<|channel|>commentary<|message|>" + message.content|tojson + "<|end|>" }}
    {%- elif message.role == 'user' -%}
        {{- "<|start|>user<|message|>" + message.content + "<|end|>" }}
    {%- endif -%}
{%- endfor -%}
{%- if tools -%}
    {{- "<|start|>developer<|message|>" }}
    {{- "# Tools\\n\\n" }}
    {{- render_tool_namespace("functions", tools) }}
    {{- "<|end|>" }}
{%- endif -%}
{%- if add_generation_prompt -%}
<|start|>assistant
{%- endif -%}
`;

/** Qwen3-Coder style: a macro walking a dict by its own keys, and |items. */
const QWEN_3_CODER_EXCERPT = `{%- macro render_extra_keys(json_dict, handled_keys) %}
    {%- if json_dict is mapping %}
        {%- for json_key in json_dict if json_key not in handled_keys %}
            {%- if json_dict[json_key] is mapping or (json_dict[json_key] is sequence and json_dict[json_key] is not string) %}
                {{- '\\n<' ~ json_key ~ '>' ~ (json_dict[json_key] | tojson | safe) ~ '</' ~ json_key ~ '>' }}
            {%- else %}
                {{-'\\n<' ~ json_key ~ '>' ~ (json_dict[json_key] | string) ~ '</' ~ json_key ~ '>' }}
            {%- endif %}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}
{%- for tool in tools %}
    {%- if tool.function is defined %}{%- set tool = tool.function %}{%- endif %}
    {{- "\\n<function>\\n<name>" ~ tool.name ~ "</name>" }}
    {%- for param_name, param_fields in tool.parameters.properties|items %}
        {{- '\\n<parameter>\\n<name>' ~ param_name ~ '</name>' }}
        {%- set handled_keys = ['name', 'type', 'description'] %}
        {{- render_extra_keys(param_fields, handled_keys) }}
    {%- endfor %}
    {%- for key in tool.parameters.properties.keys() %}{{ tool.parameters.properties[key].type }}{%- endfor %}
{%- endfor %}
{%- for message in messages %}{% generation %}{{ message.content }}{% endgeneration %}{%- endfor %}
`;

const FAMILIES: Record<string, string> = {
  "Llama 3.2 (tools, strftime_now, raise_exception)": LLAMA_3_2,
  "Qwen 2.5 (ChatML with tools)": QWEN_2_5,
  "Qwen 3 (namespace, reversed slice, string methods)": QWEN_3,
  "Qwen 3 Coder (dict walked by its own keys, {% generation %})": QWEN_3_CODER_EXCERPT,
  "Mistral 7B Instruct (raise_exception)": MISTRAL_7B_INSTRUCT,
  "Mistral v3 (tools, selectattr, namespace)": MISTRAL_V3_TOOLS,
  "Gemma 2": GEMMA_2,
  "Gemma 3 (multimodal content)": GEMMA_3,
  "gpt-oss-like (macros, namespace, strftime_now)": GPT_OSS_LIKE,
};

describe("chat templates of the common model families", () => {
  for (const [family, template] of Object.entries(FAMILIES)) {
    it(`passes ${family} clean`, () => clean(template));
  }

  it("passes a template list with a tool_use variant", () => {
    const extracted = extractChatTemplates({
      chat_template: [
        { name: "default", template: QWEN_2_5 },
        { name: "tool_use", template: MISTRAL_V3_TOOLS },
      ],
    });
    expect(extracted.problems).toEqual([]);
    expect(extracted.templates.map((t) => t.name)).toEqual(["default", "tool_use"]);
    for (const t of extracted.templates) clean(t.template);
  });
});

// ---------------------------------------------------------------------------------------------------------

function walk(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    })
    .sort();
}

/** The templates a corpus file holds: JSON and YAML by their chat_template keys, anything else is a bare template. */
function templatesOf(path: string): { templates: readonly NamedChatTemplate[]; problems: readonly string[] } {
  const raw = readFileSync(path, "utf8");
  if (path.endsWith(".json")) return extractChatTemplates(JSON.parse(raw));
  if (path.endsWith(".yaml")) return extractChatTemplates(parseYaml(raw));
  return { templates: [{ name: "file", template: raw }], problems: [] };
}

describe("chat template analyzer on the ModelAudit jinja2 corpus", () => {
  const files = walk(JINJA);
  const rel = (p: string): string => relative(JINJA, p);

  it("finds the corpus", () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  const malicious = files.filter((f) => /malicious|obfuscated/.test(rel(f)) || rel(f) === "tokenizer_config.json");
  const benign = files.filter((f) => /benign|model_config\.yaml/.test(rel(f)));

  for (const file of malicious) {
    it(`flags ${rel(file)}`, () => {
      const { templates } = templatesOf(file);
      expect(templates.length).toBeGreaterThan(0);
      const results = templates.map((t) => analyzeChatTemplate(t.template));
      expect(results.some((r) => r.findings.length > 0)).toBe(true);
    });
  }

  for (const file of benign) {
    it(`passes ${rel(file)} clean`, () => {
      const { templates, problems } = templatesOf(file);
      expect(problems).toEqual([]);
      expect(templates.length).toBeGreaterThan(0);
      for (const t of templates) clean(t.template);
    });
  }

  it("reports the sandbox-escape steps of CVE-2024-34359 by name", () => {
    const [t] = templatesOf(join(JINJA, "malicious/cve_2024_34359_original.json")).templates;
    const details = analyzeChatTemplate(t?.template ?? "").findings.map((f) => f.detail);
    expect(details).toEqual(
      expect.arrayContaining(['attribute "__class__"', 'attribute "__subclasses__"', 'attribute "__builtins__"', 'subscript reaches "__import__"']),
    );
  });

  it("decodes hex escapes before judging a subscript", () => {
    const [t] = templatesOf(join(JINJA, "malicious/hex_bypass.json")).templates;
    const a = analyzeChatTemplate(t?.template ?? "");
    expect(a.findings).toEqual(
      expect.arrayContaining([
        { kind: "forbidden-attribute", detail: 'subscript reaches "__globals__"' },
        { kind: "ssti-identifier", detail: 'global "request" is used only by template injection' },
      ]),
    );
  });

  it("refuses as unparsed what the parser cannot read, and still names what it saw", () => {
    // `()` (an empty tuple) is Python Jinja syntax @huggingface/jinja does not accept.
    const [t] = templatesOf(join(JINJA, "obfuscated/char_construction.json")).templates;
    const a = analyzeChatTemplate(t?.template ?? "");
    expect(a.parsed).toBe(false);
    expect(a.error).toMatch(/does not parse/);
    expect(kinds(a)).toEqual(["forbidden-attribute"]);
  });

  it("handles the edge cases: empty, malformed, oversized, missing, several templates", () => {
    const edge = (name: string): { templates: readonly NamedChatTemplate[]; problems: readonly string[] } => templatesOf(join(JINJA, "edge_cases", name));
    const empty = edge("empty_template.json").templates;
    expect(empty).toEqual([{ name: "default", template: "" }]);
    clean("");
    const malformed = analyzeChatTemplate(edge("malformed_template.json").templates[0]?.template ?? "");
    expect(malformed).toMatchObject({ parsed: false, error: expect.stringMatching(/does not parse/) });
    clean(edge("oversized_template.json").templates[0]?.template ?? "x");
    expect(edge("no_template.json")).toEqual({ templates: [], problems: [] });
    // A second, non-standard key is scanned too: this one hides a payload.
    const several = edge("multiple_templates.json").templates;
    expect(several.map((t) => t.name)).toEqual(["default", "custom_chat_template"]);
    clean(several[0]?.template ?? "x");
    expect(kinds(analyzeChatTemplate(several[1]?.template ?? ""))).toEqual(["forbidden-attribute", "ssti-identifier"]);
  });

  it("passes a template that reads a field named like a keyword (message.class)", () => {
    clean(readFileSync(join(JINJA, "standalone/suspicious_benign.template"), "utf8"));
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("chat template analyzer against obfuscated attribute access", () => {
  const cases: [string, string, string[]][] = [
    ["concatenated dunder", "{{ x['__cla' ~ 'ss__'] }}", ["computed-forbidden-name", "dynamic-attribute-access", "forbidden-attribute"]],
    ["computed but harmless-looking key", "{{ message['tool' ~ '_calls'] }}", ["dynamic-attribute-access"]],
    [
      "%c formatting",
      "{{ x[('%c%c'|format(95,95)) ~ 'class' ~ ('%c%c'|format(95,95))] }}",
      ["computed-forbidden-name", "dynamic-attribute-access", "forbidden-attribute"],
    ],
    ["|join of characters", "{{ x|attr(['_','_','class','_','_']|join) }}", ["computed-forbidden-name", "dynamic-attribute-access", "forbidden-attribute"]],
    ["|reverse", "{{ x|attr('__ssalc__'|reverse) }}", ["computed-forbidden-name", "dynamic-attribute-access", "forbidden-attribute", "forbidden-name-literal"]],
    ["reversed slice", "{{ x|attr('__ssalc__'[::-1]) }}", ["dynamic-attribute-access", "forbidden-attribute", "forbidden-name-literal"]],
    ["unicode escapes", "{{ x['\\u005f\\u005fclass\\u005f\\u005f'] }}", ["forbidden-attribute"]],
    ["variable holding a built name", "{% set a = '__cla' ~ 'ss__' %}{{ x[a] }}", ["computed-forbidden-name", "forbidden-attribute"]],
    ["namespace attribute", "{% set ns = namespace(k='__cla' ~ 'ss__') %}{{ x[ns.k] }}", ["computed-forbidden-name", "forbidden-attribute"]],
    ["dict literal lookup", "{% set m = {'a': '__class__'} %}{{ x[m.get('a')] }}{{ x[m['a']] }}", ["forbidden-attribute", "forbidden-name-literal"]],
    ["macro argument", "{% macro g(o, k) %}{{ o[k] }}{% endmacro %}{{ g(x, '__cla' ~ 'ss__') }}", ["computed-forbidden-name", "forbidden-attribute"]],
    ["macro output as a key", "{% macro k() %}__class__{% endmacro %}{{ x[k()] }}", ["dynamic-attribute-access"]],
    ["block set as a key", "{% set k %}__class__{% endset %}{{ x[k] }}", ["dynamic-attribute-access"]],
    [
      "name built in a loop",
      "{% set k = namespace(v='') %}{% for c in ['_','_','c','l','a','s','s','_','_'] %}{% set k.v = k.v ~ c %}{% endfor %}{{ x[k.v] }}",
      ["dynamic-attribute-access"],
    ],
    ["tuple unpacking", "{% set a, b = '__cla', 'ss__' %}{{ x[a ~ b] }}", ["computed-forbidden-name", "dynamic-attribute-access", "forbidden-attribute"]],
    ["chr()", "{{ x[chr(95)~chr(95)~'class'~chr(95)~chr(95)] }}", ["computed-forbidden-name", "dynamic-attribute-access", "forbidden-attribute"]],
    ["str.format field access", "{{ '{0.__class__}'.format(x) }}", ["format-attribute-access"]],
    ["format string from the conversation", "{{ message.content.format(x) }}", ["format-attribute-access"]],
    ["map(attribute=)", "{{ messages|map(attribute='__class__')|list }}", ["forbidden-attribute", "forbidden-name-literal"]],
    ["map('attr', …)", "{{ messages|map('attr', '__class__')|list }}", ["forbidden-attribute", "forbidden-name-literal"]],
    ["selectattr path", "{{ messages|selectattr('role.__class__')|list }}", ["forbidden-attribute", "forbidden-name-literal"]],
    ["attr with a variable", "{{ x|attr(name) }}", ["dynamic-attribute-access"]],
    ["mro()", "{{ x.mro() }}", ["forbidden-attribute"]],
    ["private attribute", "{{ message._private }}", ["forbidden-attribute"]],
    ["generator frame", "{{ (g).gi_frame.f_globals }}", ["forbidden-attribute"]],
    ["lipsum globals", "{{ lipsum.__globals__ }}", ["forbidden-attribute", "ssti-identifier"]],
    ["url_for", "{{ url_for }}", ["ssti-identifier"]],
    ["name chosen by a ternary", "{% set a = '_module' if c else 'x' %}{{ x[a] }}", ["forbidden-attribute"]],
    [
      "name copied from a variable with two values",
      "{% if c %}{% set b = '_a' %}{% else %}{% set b = '_b' %}{% endif %}{% set a = b %}{{ x[a] }}",
      ["forbidden-attribute"],
    ],
    ["|default supplying the name", "{{ x[y|default('__class__')] }}", ["dynamic-attribute-access", "forbidden-name-literal"]],
  ];
  for (const [name, template, expected] of cases) {
    it(`flags ${name}`, () => {
      const a = analyzeChatTemplate(template);
      expect(a.parsed).toBe(true);
      expect(kinds(a)).toEqual(expected);
    });
  }

  it("passes data-driven subscripts and literal format strings", () => {
    clean("{% for key in tool.parameters.properties %}{{ tool.parameters.properties[key] }}{% endfor %}");
    clean("{% for k in ['role', 'content'] %}{{ message[k] }}{% endfor %}");
    clean("{{ '{} says {}'.format(a, b) }}{{ 'x'|replace('_', ' ') }}{{ messages[-1]['content'][:100] }}");
  });
});

describe("chat template analyzer limits", () => {
  it("refuses a template over the size limit without parsing it", () => {
    const a = analyzeChatTemplate("a".repeat(CHAT_TEMPLATE_MAX_CHARS + 1));
    expect(a).toMatchObject({ parsed: false, error: expect.stringMatching(/over the \d+-character limit/) });
  });

  it("refuses nesting too deep to walk, whether the parser or the walker gives up", () => {
    expect(analyzeChatTemplate(`{{ ${Array(5000).fill("'a'").join(" ~ ")} }}`)).toMatchObject({ parsed: false, error: expect.stringMatching(/deeper than/) });
    expect(analyzeChatTemplate(`{{ ${"(".repeat(5000)}1${")".repeat(5000)} }}`).parsed).toBe(false);
  });

  it("refuses a template that names more distinct things than the analyzer keeps", () => {
    const names = Array.from({ length: 60_000 }, (_, i) => `'${i.toString(36)}'`).join(",");
    expect(names.length).toBeLessThan(CHAT_TEMPLATE_MAX_CHARS);
    expect(analyzeChatTemplate(`{{ [${names}] }}`)).toMatchObject({ parsed: false, error: expect.stringContaining("more distinct things") });
  });

  it("reports what a template names, for the scan layer to judge (formats/ holds no name lists)", () => {
    const facts = analyzeTemplateFacts("{% for m in messages %}{{ m.content | attr('role') }}{{ cycler }}{{ '__cla' ~ 'ss__' }}{% endfor %}");
    expect(facts.parsed).toBe(true);
    expect(facts.observations).toEqual(
      expect.arrayContaining([
        { kind: "global", name: "messages" },
        { kind: "attribute", name: "content" },
        { kind: "attribute-path", path: "role", how: "|attr()" },
        { kind: "global", name: "cycler" },
        { kind: "built-string", value: "__class__", expr: " (~ expression)" },
      ]),
    );
  });

  it("refuses syntax the parser does not support rather than guessing", () => {
    expect(analyzeChatTemplate("{% raw %}{{ x }}{% endraw %}")).toMatchObject({ parsed: false });
    expect(analyzeChatTemplate("{% include 'other.j2' %}")).toMatchObject({ parsed: false });
  });

  it("parses a long whitespace run quickly (the library's lexer is quadratic in it)", () => {
    const started = Date.now();
    clean(`${" ".repeat(400_000)}{{ messages[0]['content'] }}${"\n".repeat(100_000)}`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("never throws and finishes fast on random text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const started = Date.now();
        const a = analyzeChatTemplate(s);
        expect(typeof a.parsed).toBe("boolean");
        expect(Date.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws and finishes fast on random template-shaped input", () => {
    const piece = fc.constantFrom(
      "{{ ",
      " }}",
      "{% ",
      " %}",
      "{%- ",
      " -%}",
      "for ",
      "endfor",
      "if ",
      "endif",
      "set ",
      "macro ",
      "endmacro",
      " in ",
      "x",
      "messages",
      "message",
      ".",
      "[",
      "]",
      "(",
      ")",
      "'__class__'",
      "'a'",
      " ~ ",
      " + ",
      "|",
      "attr",
      "join",
      "format",
      "namespace",
      "=",
      ",",
      "0",
      "-1",
      ":",
      "{",
      "}",
      "cycler",
      "__globals__",
      " is ",
      "not ",
      "else",
      "'%c'",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }), (parts) => {
        const started = Date.now();
        const a = analyzeChatTemplate(parts.join(""));
        expect(typeof a.parsed).toBe("boolean");
        expect(Date.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 1000 },
    );
  });

  it("extracts templates from any JSON without throwing", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        const r = extractChatTemplates(json);
        expect(Array.isArray(r.templates)).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(extractChatTemplates({ chat_template: [{ name: "a" }, 3] }).problems).toHaveLength(2);
    expect(extractChatTemplates({ chat_template: 42 }).problems[0]).toMatch(/must be a string or a list/);
    expect(extractChatTemplates("x").problems).toEqual(["expected a JSON object"]);
  });
});
