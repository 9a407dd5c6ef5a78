import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractHdf5KerasConfig, HDF5_MAX_CONFIG_BYTES, readKerasConfig } from "../../src/formats/keras.js";
import { judgeKerasConfig as analyzeKerasConfig } from "../../src/scan/keras-policy.js";

// A Keras model's config JSON lists what loading it imports and unmarshals. These tests prove the reader
// reports those facts (the policy that judges them is tested in test/scan/keras-policy.test.ts), and that
// the config is found inside legacy .h5 files without an HDF5 parser.

const KERAS = new URL("../../../shared/vectors/modelaudit/tests/assets/samples/keras/", import.meta.url).pathname;

describe("Keras config facts", () => {
  it("lists layers, every serialized object with its module, and Keras 2 lambda markers, judging none of them", () => {
    const facts = readKerasConfig({
      class_name: "Sequential",
      module: "keras",
      config: {
        name: "s",
        layers: [
          {
            class_name: "Dense",
            module: "keras.layers",
            config: { name: "d", activation: { class_name: "function", module: "builtins", config: "exec" } },
            registered_name: null,
          },
          { class_name: "Lambda", module: null, config: { name: "l", function: "4wEAAAA=", function_type: "lambda" } },
        ],
      },
    });
    expect(facts.problems).toEqual([]);
    expect(facts.layers.map((l) => `${l.className}:${l.name}`)).toEqual(["Sequential:s", "Dense:d", "Lambda:l"]);
    expect(facts.objects).toEqual([
      expect.objectContaining({ layer: "s", className: "Sequential", module: "keras" }),
      expect.objectContaining({ layer: "s/d", className: "Dense", module: "keras.layers", registeredName: null }),
      expect.objectContaining({ layer: "s/d", className: "function", module: "builtins", config: "exec" }),
      expect.objectContaining({ layer: "s/l", className: "Lambda", module: null }),
    ]);
    expect(facts.lambdaMarkers).toEqual([{ layer: "s/l", field: "function", value: "4wEAAAA=" }]);
  });
});

describe("model_config extraction from legacy .h5 bytes", () => {
  it("finds the Lambda in malicious_lambda.h5", () => {
    const extracted = extractHdf5KerasConfig(readFileSync(`${KERAS}malicious_lambda.h5`));
    expect(extracted.found).toBe(true);
    expect(extracted.problems).toEqual([]);
    const a = analyzeKerasConfig(extracted.config);
    expect(a.findings).toEqual([expect.objectContaining({ kind: "lambda", layer: "malicious_model/<unnamed Lambda>" })]);
    expect(a.findings[0]?.detail).toMatch(/eval/);
  });

  it("finds a clean config in safe_model.h5", () => {
    const extracted = extractHdf5KerasConfig(readFileSync(`${KERAS}safe_model.h5`));
    expect(extracted.found).toBe(true);
    const a = analyzeKerasConfig(extracted.config);
    expect(a.findings).toEqual([]);
    expect(a.layers.map((l) => l.className)).toEqual(["Sequential", "Dense"]);
  });

  function embed(...texts: string[]): Uint8Array {
    const parts: number[] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
    for (const t of texts) {
      parts.push(...Array.from({ length: 37 }, (_, i) => (i * 7) & 0xff), 0x47, 0x43, 0x4f, 0x4c, 0);
      parts.push(...new TextEncoder().encode(t), 0, 0, 0);
    }
    return Uint8Array.from(parts);
  }

  it("bracket-matches through braces and escaped quotes inside strings", () => {
    const config = { class_name: "Sequential", config: { name: 'a "}{" b \\ }', layers: [{ class_name: "Dense", config: { name: "x]}" } }] } };
    const extracted = extractHdf5KerasConfig(embed(JSON.stringify(config)));
    expect(extracted.found).toBe(true);
    expect(extracted.config).toEqual(config);
  });

  it("returns every config, so a decoy cannot hide the real one", () => {
    const decoy = JSON.stringify({ class_name: "Sequential", config: { name: "decoy", layers: [] } });
    const real = JSON.stringify({
      class_name: "Sequential",
      config: { name: "real", layers: [{ class_name: "Lambda", config: { function: "lambda x: x" } }] },
    });
    const extracted = extractHdf5KerasConfig(embed(decoy, real));
    expect(extracted.configs).toHaveLength(2);
    expect(extracted.configs.flatMap((c) => analyzeKerasConfig(c).findings.map((f) => f.kind))).toEqual(["lambda"]);
  });

  it("prefers the model config over a nested-looking optimizer config", () => {
    const optimizer = JSON.stringify({ class_name: "Adam", config: { learning_rate: 0.001 } });
    const model = JSON.stringify({ class_name: "Functional", config: { name: "m", layers: [] } });
    const extracted = extractHdf5KerasConfig(embed(optimizer, model));
    expect((extracted.config as { class_name: string }).class_name).toBe("Functional");
  });

  it("reports, rather than passes, a file whose config is missing, unclosed or not JSON", () => {
    expect(extractHdf5KerasConfig(embed("no config here"))).toMatchObject({ found: false, problems: [expect.stringMatching(/no \{"class_name" JSON found/)] });
    expect(extractHdf5KerasConfig(embed('{"class_name": "Sequential", "config": {'))).toMatchObject({
      found: false,
      problems: [expect.stringMatching(/not closed/)],
    });
    expect(extractHdf5KerasConfig(embed('{"class_name": Sequential}'))).toMatchObject({ found: false, problems: [expect.stringMatching(/does not parse/)] });
    expect(extractHdf5KerasConfig(new Uint8Array(0))).toMatchObject({ found: false });
  });

  it("stops at the size bound instead of matching forever", () => {
    const open = new TextEncoder().encode('{"class_name": "Sequential", "config": [');
    const bytes = new Uint8Array(HDF5_MAX_CONFIG_BYTES + 1024).fill(0x5b); // '[' forever
    bytes.set(open, 0);
    const started = Date.now();
    const extracted = extractHdf5KerasConfig(bytes);
    expect(extracted.found).toBe(false);
    expect(extracted.problems[0]).toMatch(/longer than/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("never throws on random bytes, with or without config-looking text", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.array(fc.constantFrom('{"class_name"', "{", "}", '"', "\\", "[", "]", ":", ","), { maxLength: 40 }),
        (noise, pieces) => {
          const text = new TextEncoder().encode(pieces.join(""));
          const bytes = new Uint8Array(noise.length + text.length);
          bytes.set(noise.subarray(0, noise.length >> 1), 0);
          bytes.set(text, noise.length >> 1);
          bytes.set(noise.subarray(noise.length >> 1), (noise.length >> 1) + text.length);
          const started = Date.now();
          const r = extractHdf5KerasConfig(bytes);
          expect(r.found).toBe(r.configs.length > 0);
          expect(Date.now() - started).toBeLessThan(1000);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
