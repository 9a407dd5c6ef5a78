import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KERAS_MAX_CONFIG_DEPTH } from "../../src/formats/keras.js";
import { judgeKerasConfig as analyzeKerasConfig, type KerasConfigJudgement as KerasConfigAnalysis } from "../../src/scan/keras-policy.js";

// Loading a Keras model rebuilds it from its config JSON, and that JSON can import modules and unmarshal
// bytecode. These tests prove the policy names every such construct and passes real Keras configs clean.

function kinds(a: KerasConfigAnalysis): string[] {
  return [...new Set(a.findings.map((f) => f.kind))].sort();
}

const dtype = { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null };
const glorot = { module: "keras.initializers", class_name: "GlorotUniform", config: { seed: null }, registered_name: null };
const zeros = { module: "keras.initializers", class_name: "Zeros", config: {}, registered_name: null };

function dense(name: string, units: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    module: "keras.layers",
    class_name: "Dense",
    config: {
      name,
      trainable: true,
      dtype,
      units,
      activation: "relu",
      use_bias: true,
      kernel_initializer: glorot,
      bias_initializer: zeros,
      kernel_regularizer: null,
      bias_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    },
    registered_name: null,
    build_config: { input_shape: [null, 4] },
    ...extra,
  };
}

/** What Keras 3 writes to config.json for a small Sequential model, compile config included. */
const KERAS3_SEQUENTIAL = {
  module: "keras",
  class_name: "Sequential",
  config: {
    name: "sequential",
    trainable: true,
    dtype,
    layers: [
      {
        module: "keras.layers",
        class_name: "InputLayer",
        config: { batch_shape: [null, 4], dtype: "float32", sparse: false, name: "input_layer" },
        registered_name: null,
      },
      dense("dense", 8),
      dense("dense_1", 1, {
        config: {
          ...(dense("dense_1", 1)["config"] as object),
          activation: { module: "builtins", class_name: "function", config: "sigmoid", registered_name: "function" },
        },
      }),
    ],
    build_input_shape: [null, 4],
  },
  registered_name: null,
  build_config: { input_shape: [null, 4] },
  compile_config: {
    optimizer: { module: "keras.optimizers", class_name: "Adam", config: { name: "adam", learning_rate: 0.001 }, registered_name: null },
    loss: "mse",
    metrics: ["mae"],
  },
};

/** A Functional model with keras tensors, a nested Sequential, TimeDistributed and Bidirectional wrappers. */
const KERAS3_FUNCTIONAL = {
  module: "keras.src.models.functional",
  class_name: "Functional",
  config: {
    name: "model",
    trainable: true,
    layers: [
      {
        module: "keras.layers",
        class_name: "InputLayer",
        config: { batch_shape: [null, 5, 4], dtype: "float32", name: "inputs" },
        registered_name: null,
        name: "inputs",
        inbound_nodes: [],
      },
      {
        module: "keras.layers",
        class_name: "TimeDistributed",
        config: { name: "td", layer: dense("td_dense", 3) },
        registered_name: null,
        name: "td",
        inbound_nodes: [
          { args: [{ class_name: "__keras_tensor__", config: { shape: [null, 5, 4], dtype: "float32", keras_history: ["inputs", 0, 0] } }], kwargs: {} },
        ],
      },
      {
        module: "keras.layers",
        class_name: "Bidirectional",
        config: {
          name: "bidi",
          merge_mode: "concat",
          layer: { module: "keras.layers", class_name: "LSTM", config: { name: "forward_lstm", units: 2, activation: "tanh" }, registered_name: null },
          backward_layer: {
            module: "keras.layers",
            class_name: "LSTM",
            config: { name: "backward_lstm", units: 2, go_backwards: true },
            registered_name: null,
          },
        },
        registered_name: null,
        name: "bidi",
      },
      { module: "keras", class_name: "Sequential", config: { name: "head", layers: [dense("head_dense", 1)] }, registered_name: null, name: "head" },
    ],
    input_layers: [["inputs", 0, 0]],
    output_layers: [["head", 0, 0]],
  },
  registered_name: "Functional",
};

function sequentialWith(layer: Record<string, unknown>): Record<string, unknown> {
  return { module: "keras", class_name: "Sequential", config: { name: "outer", layers: [dense("d", 2), layer] }, registered_name: null };
}

describe("Keras config analysis", () => {
  it("passes a Keras 3 Sequential config clean and lists its layers", () => {
    const a = analyzeKerasConfig(KERAS3_SEQUENTIAL);
    expect(a.findings).toEqual([]);
    expect(a.layers.map((l) => `${l.className}:${l.name}`)).toEqual(["Sequential:sequential", "InputLayer:input_layer", "Dense:dense", "Dense:dense_1"]);
    expect(a.layers[2]).toEqual({ className: "Dense", name: "dense", module: "keras.layers" });
  });

  it("walks into wrappers and nested models and passes them clean", () => {
    const a = analyzeKerasConfig(KERAS3_FUNCTIONAL);
    expect(a.findings).toEqual([]);
    expect(a.layers.map((l) => l.name)).toEqual(["model", "inputs", "td", "td_dense", "bidi", "forward_lstm", "backward_lstm", "head", "head_dense"]);
  });

  it("refuses a Keras 3 Lambda layer and its serialized __lambda__ function", () => {
    const lambda = {
      module: "keras.layers",
      class_name: "Lambda",
      config: {
        name: "lam",
        function: { class_name: "__lambda__", config: { value: ["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwA=", null, null] } },
        arguments: {},
      },
      registered_name: null,
    };
    const a = analyzeKerasConfig(sequentialWith(lambda));
    expect(kinds(a)).toEqual(["lambda"]);
    expect(a.findings.map((f) => f.layer)).toEqual(["outer/lam", "outer/lam"]);
    expect(a.findings[1]?.detail).toMatch(/serialized lambda \(Python bytecode\)/);
  });

  it("refuses a Keras 2 Lambda whose function is marshalled bytecode", () => {
    const lambda = {
      class_name: "Lambda",
      config: {
        name: "lambda_1",
        function: ["4wEAAAAAAAAA", null, null],
        function_type: "lambda",
        module: "__main__",
        output_shape: null,
        output_shape_type: "raw",
        arguments: {},
      },
    };
    const a = analyzeKerasConfig({ class_name: "Sequential", config: { name: "m", layers: [lambda] } });
    expect(kinds(a)).toEqual(["lambda"]);
    expect(a.findings.some((f) => /function is a serialized lambda/.test(f.detail))).toBe(true);
  });

  it("refuses a Lambda hidden inside a TimeDistributed wrapper and names the path", () => {
    const a = analyzeKerasConfig(
      sequentialWith({
        class_name: "TimeDistributed",
        config: { name: "td", layer: { class_name: "Lambda", config: { name: "inner", function: "lambda x: x" } } },
      }),
    );
    expect(a.findings).toEqual([expect.objectContaining({ kind: "lambda", layer: "outer/td/inner" })]);
  });

  it("refuses classes imported from modules outside Keras", () => {
    const a = analyzeKerasConfig(sequentialWith({ module: "my_project.layers", class_name: "Evil", config: { name: "evil" }, registered_name: "Evil" }));
    expect(a.findings).toEqual([expect.objectContaining({ kind: "unknown-module", layer: "outer/evil" })]);
    for (const module of ["kerasx.layers", "keras_evil", "os", "subprocess", "tensorflow.python.ops", "tensorflow.kerasx"]) {
      expect(kinds(analyzeKerasConfig(sequentialWith({ module, class_name: "X", config: { name: "x" } }))), module).toEqual(["unknown-module"]);
    }
    for (const module of ["keras", "keras.layers", "keras.src.layers.core.dense", "keras_hub.models", "keras_nlp.layers", "tensorflow.keras.layers"]) {
      expect(analyzeKerasConfig(sequentialWith({ module, class_name: "Dense", config: { name: "x" } })).findings, module).toEqual([]);
    }
  });

  it("refuses registered custom objects and classes saved from a script", () => {
    expect(
      kinds(analyzeKerasConfig(sequentialWith({ module: "keras.layers", class_name: "MyLayer", config: { name: "c" }, registered_name: "MyPackage>MyLayer" }))),
    ).toEqual(["custom-object"]);
    expect(kinds(analyzeKerasConfig(sequentialWith({ module: null, class_name: "MyLayer", config: { name: "c" }, registered_name: null })))).toEqual([
      "custom-object",
    ]);
  });

  it("refuses functions that resolve to Python builtins or come from outside Keras", () => {
    const fn = (module: string, name: string): Record<string, unknown> =>
      dense("d2", 1, { config: { name: "d2", activation: { module, class_name: "function", config: name, registered_name: "function" } } });
    expect(kinds(analyzeKerasConfig(sequentialWith(fn("builtins", "exec"))))).toEqual(["function-config"]);
    expect(kinds(analyzeKerasConfig(sequentialWith(fn("builtins", "__import__"))))).toEqual(["function-config"]);
    expect(kinds(analyzeKerasConfig(sequentialWith(fn("posix", "system"))))).toEqual(["function-config"]);
    expect(analyzeKerasConfig(sequentialWith(fn("builtins", "relu"))).findings).toEqual([]);
    expect(analyzeKerasConfig(sequentialWith(fn("keras.activations", "gelu"))).findings).toEqual([]);
  });

  it("refuses Keras APIs that download files or turn safe mode off", () => {
    const getFile = { module: "keras.utils", class_name: "get_file", config: { origin: "https://evil.example/x", fname: "x" }, registered_name: null };
    expect(kinds(analyzeKerasConfig(sequentialWith(getFile)))).toEqual(["unsafe-keras-api"]);
    const unsafe = {
      module: "keras.config",
      class_name: "function",
      config: "enable_unsafe_deserialization",
      registered_name: "enable_unsafe_deserialization",
    };
    expect(kinds(analyzeKerasConfig(sequentialWith(dense("d3", 1, { config: { name: "d3", activation: unsafe } }))))).toEqual(["unsafe-keras-api"]);
  });

  it("passes TFOpLambda math ops and refuses other TensorFlow calls", () => {
    const op = (fn: string): Record<string, unknown> => ({ class_name: "TFOpLambda", config: { name: `tf.${fn}`, function: fn, trainable: true } });
    for (const fn of ["math.add", "nn.relu", "__operators__.getitem", "reshape", "concat"])
      expect(analyzeKerasConfig(sequentialWith(op(fn))).findings, fn).toEqual([]);
    for (const fn of ["io.write_file", "py_function", "numpy_function", "compat.v1.py_func", "print", "math.py_func"]) {
      expect(kinds(analyzeKerasConfig(sequentialWith(op(fn)))), fn).toEqual(["tf-op"]);
    }
  });

  it("refuses input it cannot walk instead of passing it", () => {
    expect(kinds(analyzeKerasConfig(null))).toEqual(["malformed"]);
    expect(kinds(analyzeKerasConfig([KERAS3_SEQUENTIAL]))).toEqual(["malformed"]);
    let deep: Record<string, unknown> = { class_name: "Lambda", config: {} };
    for (let i = 0; i < KERAS_MAX_CONFIG_DEPTH + 10; i++) deep = { class_name: "Sequential", config: { name: `m${i}`, layers: [deep] } };
    const a = analyzeKerasConfig(deep);
    expect(kinds(a)).toEqual(["limit-exceeded"]);
    const cyclic: Record<string, unknown> = { class_name: "Sequential", config: { name: "c" } };
    (cyclic["config"] as Record<string, unknown>)["self"] = cyclic;
    expect(kinds(analyzeKerasConfig(cyclic))).toEqual(["limit-exceeded"]);
  });

  it("never throws on arbitrary JSON and stays fast", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (json) => {
        const started = Date.now();
        const a = analyzeKerasConfig(json);
        expect(Array.isArray(a.findings)).toBe(true);
        expect(Date.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on config-shaped random objects", () => {
    const keras: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.record({
          class_name: fc.constantFrom("Dense", "Lambda", "__lambda__", "function", "TFOpLambda", "Sequential", "__keras_tensor__"),
          module: fc.option(fc.constantFrom("keras.layers", "builtins", "os", "keras"), { nil: null }),
          registered_name: fc.option(fc.constantFrom("a>b", "function", "exec"), { nil: null }),
          config: fc.oneof(
            fc.constantFrom("exec", "relu", "math.add"),
            fc.record({ name: fc.string(), layers: fc.array(tie("node"), { maxLength: 3 }), layer: tie("node") }),
          ),
        }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    })).node;
    fc.assert(
      fc.property(keras, (config) => {
        expect(() => analyzeKerasConfig(config)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
