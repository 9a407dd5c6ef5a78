import { describe, expect, it } from "vitest";
import { estimatedUsage, estimateTokens, generatedTexts, promptMaterial } from "../../src/gateway/token-count.js";

// The gateway's own token count, for answers the runtime gave no usage for.
describe("the gateway's token count", () => {
  it("counts what the model reads: messages, text parts, tool calls and definitions, prompts, and token ids exactly", async () => {
    const chat = promptMaterial({
      messages: [
        { role: "system", content: "You are terse." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is the weather in Lisbon today?" },
            { type: "image_url", image_url: { url: "data:..." } },
          ],
        },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Lisbon"}' } }] },
      ],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    });
    expect(chat.texts).toEqual([
      "You are terse.",
      "What is the weather in Lisbon today?",
      "get_weather",
      '{"city":"Lisbon"}',
      expect.stringContaining('"get_weather"'),
    ]);
    expect(chat.ids).toBe(0);

    const ids = promptMaterial({
      prompt: [
        [1, 2, 3, 4],
        [5, 6],
      ],
    });
    expect(ids).toEqual({ texts: [], ids: 6 });
    expect((await estimatedUsage(ids, [])).prompt).toBe(6);
    expect(promptMaterial({ input: ["one", "two"] }).texts).toEqual(["one", "two"]);
  });

  it("counts what came back, whole or streamed, including reasoning and tool-call arguments", () => {
    expect(generatedTexts({ choices: [{ message: { content: "Sunny.", reasoning_content: "Checked the forecast." } }, { text: "and warm" }] })).toEqual([
      "Sunny.",
      "Checked the forecast.",
      "and warm",
    ]);
    const streamed: string[] = [];
    generatedTexts({ choices: [{ delta: { role: "assistant", content: "" } }] }, streamed);
    generatedTexts({ choices: [{ delta: { content: "Sun" } }] }, streamed);
    generatedTexts({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] } }] }, streamed);
    generatedTexts({ choices: [], usage: null }, streamed);
    expect(streamed).toEqual(["Sun", '{"ci']);
  });

  it("grows with the text, in every script", async () => {
    const english = "The gateway counts the tokens that the runtime did not report. ";
    const one = await estimateTokens([english]);
    expect(one).toBeGreaterThanOrEqual(10);
    expect(await estimateTokens([english.repeat(10)])).toBeGreaterThanOrEqual(one * 9);
    expect(await estimateTokens(["人工智能安全是一个重要的研究领域"])).toBeGreaterThanOrEqual(8);
    expect(await estimateTokens([""])).toBe(0);
  });

  it("leaves the event loop free while it counts a large text (a prompt of one repeated letter stalls BPE tokenizers)", async () => {
    const huge = "a".repeat(4 * 1024 * 1024);
    let ranBetween = false;
    setImmediate(() => (ranBetween = true));
    const tokens = await estimateTokens([huge]);
    expect(ranBetween).toBe(true);
    expect(tokens).toBeGreaterThan(100_000);
  });
});
