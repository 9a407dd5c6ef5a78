import { KERAS_SERIALIZATION_MARKERS, readKerasConfig, type KerasLayer, type KerasObject } from "../formats/keras.js";

// What a Keras config may ask the loader to do. Loading rebuilds the model from its JSON, and the JSON can
// make the loader run code:
//   - a Lambda layer carries its function as marshalled bytecode (Keras 3: {"class_name": "__lambda__"},
//     Keras 2: config.function = [base64 bytecode, defaults, closure] with function_type "lambda");
//   - any object's "module" is passed to importlib.import_module, so a module outside Keras imports
//     (and runs) arbitrary Python — custom objects are exactly that;
//   - {"class_name": "function", "module": "builtins"} falls back to Python builtins (eval, exec, …);
//   - some Keras APIs are unsafe by themselves (keras.utils.get_file downloads, enable_unsafe_deserialization
//     turns safe mode off: CVE-2025-8747, CVE-2025-9906);
//   - tf.keras's TFOpLambda calls a TensorFlow symbol by name, which reaches file I/O and py_function.
// formats/keras.ts lists what the config holds; the allow-lists and the judgement are here.

export type KerasFindingKind =
  | "lambda"
  | "custom-object"
  | "unknown-module"
  | "function-config"
  | "unsafe-keras-api"
  | "tf-op"
  | "limit-exceeded"
  | "malformed";

export interface KerasFinding {
  readonly kind: KerasFindingKind;
  /** Path of layer names from the model down to the layer the finding is in ("" for the model itself). */
  readonly layer: string;
  readonly detail: string;
}

export interface KerasConfigJudgement {
  readonly layers: readonly KerasLayer[];
  readonly findings: readonly KerasFinding[];
}

/** Module prefixes whose classes the loader may import: Keras itself and its official model libraries. */
const ALLOWED_MODULE_ROOTS: readonly string[] = ["keras", "keras_hub", "keras_nlp", "tensorflow.keras"];

/** Keras callables that are dangerous whatever module they are reached through. */
const UNSAFE_KERAS_APIS: ReadonlySet<string> = new Set([
  "get_file",
  "enable_unsafe_deserialization",
  "load_model",
  "load_weights",
  "model_from_json",
  "model_from_yaml",
  "model_from_config",
  "deserialize_keras_object",
  "func_load",
]);

/** Python builtins a `{"module": "builtins", "class_name": "function"}` config must not resolve to. */
const PYTHON_BUILTIN_CALLABLES: ReadonlySet<string> = new Set([
  "eval",
  "exec",
  "compile",
  "open",
  "input",
  "__import__",
  "getattr",
  "setattr",
  "delattr",
  "globals",
  "locals",
  "vars",
  "dir",
  "breakpoint",
  "help",
  "exit",
  "quit",
  "memoryview",
  "type",
  "object",
  "super",
  "classmethod",
  "staticmethod",
  "property",
  "print",
]);

/**
 * TFOpLambda/SlicingOpLambda call `tf.<function>`. Math and array ops are data in, data out; anything
 * else (tf.io.*, tf.py_function, tf.numpy_function, tf.print, tf.compat.v1.*) is refused.
 */
const TF_OP_PREFIXES: readonly string[] = ["math.", "nn.", "linalg.", "signal.", "__operators__.", "bitwise.", "dtypes."];
const TF_OP_NAMES: ReadonlySet<string> = new Set([
  "reshape",
  "concat",
  "stack",
  "unstack",
  "transpose",
  "expand_dims",
  "squeeze",
  "cast",
  "shape",
  "split",
  "gather",
  "gather_nd",
  "tile",
  "pad",
  "where",
  "ones_like",
  "zeros_like",
  "identity",
  "clip_by_value",
  "broadcast_to",
  "range",
  "one_hot",
  "matmul",
  "einsum",
  "reverse",
  "slice",
  "strided_slice",
  "boolean_mask",
  "fill",
  "ones",
  "zeros",
  "repeat",
  "roll",
  "sort",
  "argsort",
  "cumsum",
  "norm",
  "convert_to_tensor",
  "stop_gradient",
  "image.resize",
]);

const MAX_FINDINGS = 500;

/** Reads a parsed Keras config and judges what loading it would execute or import. Never throws. */
export function judgeKerasConfig(config: unknown): KerasConfigJudgement {
  const facts = readKerasConfig(config);
  const findings: KerasFinding[] = [];
  const report = (kind: KerasFindingKind, layer: string, detail: string) => {
    if (findings.length < MAX_FINDINGS) findings.push({ kind, layer, detail });
  };
  for (const object of facts.objects) judgeObject(object, report);
  for (const m of facts.lambdaMarkers) report("lambda", m.layer, `${m.field} is a serialized lambda (Python bytecode) ${preview(m.value)}`);
  for (const p of facts.problems) report(p.kind, p.layer, p.detail);
  return { layers: facts.layers, findings };
}

function judgeObject(
  { layer, className, module, registeredName, config }: KerasObject,
  report: (kind: KerasFindingKind, layer: string, detail: string) => void,
): void {
  if (className === "__lambda__") {
    report("lambda", layer, `serialized lambda (Python bytecode) ${preview(isRecord(config) ? config["value"] : config)}`);
    return;
  }
  if (className === "Lambda") {
    const fn = isRecord(config) ? config["function"] : undefined;
    const fnType = isRecord(config) ? stringProp(config, "function_type") : undefined;
    report("lambda", layer, `Lambda layer${fnType !== undefined ? ` (function_type ${fnType})` : ""}: its function is code ${preview(fn)}`);
  }
  if (className === "TFOpLambda" || className === "SlicingOpLambda") {
    const op = isRecord(config) ? stringProp(config, "function") : undefined;
    if (op === undefined || !isAllowedTfOp(op))
      report("tf-op", layer, `${className} calls tf.${op ?? "<missing>"}, which is not an allowlisted math or array op`);
  }
  if (className === "function") {
    const fnName = typeof config === "string" ? config : undefined;
    if (module === "builtins") {
      if (fnName === undefined || PYTHON_BUILTIN_CALLABLES.has(fnName) || fnName.startsWith("_")) {
        report("function-config", layer, `function ${JSON.stringify(fnName ?? config)} from module builtins resolves to a Python builtin`);
      }
    } else if (typeof module === "string" && !isAllowedModule(module)) {
      report("function-config", layer, `function ${JSON.stringify(fnName ?? config)} is imported from module ${JSON.stringify(module)}`);
    }
  }
  const fnName = className === "function" && typeof config === "string" ? config : className;
  if (UNSAFE_KERAS_APIS.has(fnName) || (typeof registeredName === "string" && UNSAFE_KERAS_APIS.has(registeredName))) {
    report("unsafe-keras-api", layer, `${typeof module === "string" ? `${module}.` : ""}${fnName} is a Keras API that loads, downloads or disables safe mode`);
  }
  if (className === "__typespec__" || !KERAS_SERIALIZATION_MARKERS.has(className)) {
    if (typeof module === "string") {
      // Functions were judged above (function-config); one finding per cause.
      if (!isAllowedModule(module) && className !== "function")
        report("unknown-module", layer, `${className} is imported from module ${JSON.stringify(module)}, outside Keras`);
    } else if (module === null && className !== "function") {
      // Keras writes null for classes defined in the saving script (__main__): custom code by definition.
      report("custom-object", layer, `${className} has no module: a class defined outside any library`);
    }
  }
  if (typeof registeredName === "string" && registeredName.includes(">")) {
    report("custom-object", layer, `${className} is registered as ${JSON.stringify(registeredName)} (register_keras_serializable): custom code`);
  }
}

function isAllowedModule(module: string): boolean {
  return ALLOWED_MODULE_ROOTS.some((root) => module === root || module.startsWith(`${root}.`));
}

function isAllowedTfOp(op: string): boolean {
  if (TF_OP_NAMES.has(op)) return true;
  return TF_OP_PREFIXES.some((p) => op.startsWith(p) && /^[A-Za-z_][\w.]*$/.test(op) && !op.includes("py_func"));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringProp(value: Record<string, unknown>, key: string): string | undefined {
  const v = Object.hasOwn(value, key) ? value[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

function preview(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 100 ? `(${JSON.stringify(s.slice(0, 100))}…)` : `(${JSON.stringify(s)})`;
}
