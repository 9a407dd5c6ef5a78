// Keras model configs. A .keras file (Keras 3) is a zip of config.json, metadata.json and
// model.weights.h5; a legacy .h5 file keeps the same kind of JSON in the HDF5 attribute `model_config`.
// Loading either rebuilds the model from that JSON, and the JSON can make the loader run code:
//   - a Lambda layer carries its function as marshalled bytecode (Keras 3: {"class_name": "__lambda__"},
//     Keras 2: config.function = [base64 bytecode, defaults, closure] with function_type "lambda");
//   - any object's "module" is passed to importlib.import_module, so a module outside Keras imports
//     (and runs) arbitrary Python — custom objects are exactly that;
//   - {"class_name": "function", "module": "builtins"} falls back to Python builtins (eval, exec, …);
//   - some Keras APIs are unsafe by themselves (keras.utils.get_file downloads, enable_unsafe_deserialization
//     turns safe mode off: CVE-2025-8747, CVE-2025-9906);
//   - tf.keras's TFOpLambda calls a TensorFlow symbol by name, which reaches file I/O and py_function.
// This module turns the parsed JSON into facts: the layers, every serialized object (class, module,
// registered name, config) and every lambda marker. What is allowed is decided in scan/keras-policy.ts.

import { parsePythonJsonBytes } from "./python-json.js";

export interface KerasLayer {
  readonly className: string;
  readonly name: string;
  readonly module?: string;
  readonly registeredName?: string;
}

/** One serialized Keras object: `{class_name, config, module?, registered_name?}`, where it sits. */
export interface KerasObject {
  /** Path of layer names from the model down to the layer the object is in ("" for the model itself). */
  readonly layer: string;
  readonly className: string;
  /** A string, null (Keras writes null for classes defined in the saving script) or absent. */
  readonly module: string | null | undefined;
  readonly registeredName: string | null | undefined;
  readonly config: unknown;
}

/** A Keras 2 `<field>_type: "lambda"` marker: `<field>` holds marshalled bytecode. */
export interface KerasLambdaMarker {
  readonly layer: string;
  readonly field: string;
  readonly value: unknown;
}

/** Why the config could not be read in full: the scan must not pass what was not seen. */
export interface KerasConfigProblem {
  readonly kind: "limit-exceeded" | "malformed";
  readonly layer: string;
  readonly detail: string;
}

export interface KerasConfigFacts {
  readonly layers: readonly KerasLayer[];
  readonly objects: readonly KerasObject[];
  readonly lambdaMarkers: readonly KerasLambdaMarker[];
  readonly problems: readonly KerasConfigProblem[];
}

/** Keras 3 special objects; they name no module and run nothing. */
export const KERAS_SERIALIZATION_MARKERS: ReadonlySet<string> = new Set([
  "__keras_tensor__",
  "__tensor__",
  "__numpy__",
  "__bytes__",
  "__ellipsis__",
  "__slice__",
]);

/** Keras configs nest a few levels per sub-model; 128 levels of JSON is far past any real model. */
export const KERAS_MAX_CONFIG_DEPTH = 128;
const MAX_CONFIG_NODES = 2_000_000;
const MAX_OBJECTS = 500_000;
const MAX_MARKERS = 500;
const MAX_LAYERS = 100_000;

/**
 * Walks a parsed Keras config (config.json of a .keras file, or `model_config` of a legacy .h5) and lists
 * the layers, the serialized objects loading it would import and the lambdas it would unmarshal. Never
 * throws; a config too deep or too large to walk is a `limit-exceeded` problem.
 */
export function readKerasConfig(config: unknown): KerasConfigFacts {
  const walker = new ConfigWalker();
  try {
    walker.walk(config);
  } catch (err) {
    walker.problem("limit-exceeded", "", `config could not be walked: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { layers: walker.layers, objects: walker.objects, lambdaMarkers: walker.markers, problems: walker.problems };
}

class ConfigWalker {
  readonly layers: KerasLayer[] = [];
  readonly objects: KerasObject[] = [];
  readonly markers: KerasLambdaMarker[] = [];
  readonly problems: KerasConfigProblem[] = [];
  private nodes = 0;
  private stopped = false;

  problem(kind: KerasConfigProblem["kind"], layer: string, detail: string): void {
    this.problems.push({ kind, layer, detail });
  }

  walk(root: unknown): void {
    if (!isRecord(root)) {
      this.problem("malformed", "", "config is not a JSON object");
      return;
    }
    this.visit(root, 1, "", true);
  }

  /**
   * `layerPath` is the innermost enclosing layer; `isLayer` says this value sits where a layer goes
   * (the root, an element of config.layers, or a wrapper's config.layer).
   */
  private visit(value: unknown, depth: number, layerPath: string, isLayer: boolean): void {
    if (this.stopped) return;
    if (++this.nodes > MAX_CONFIG_NODES) {
      this.stop(layerPath, `config has more than ${MAX_CONFIG_NODES} values`);
      return;
    }
    if (depth > KERAS_MAX_CONFIG_DEPTH) {
      this.stop(layerPath, `config nests deeper than ${KERAS_MAX_CONFIG_DEPTH} levels`);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, depth + 1, layerPath, false);
      return;
    }
    if (!isRecord(value)) return;

    let path = layerPath;
    const className = stringProp(value, "class_name");
    if (className !== undefined) {
      if (isLayer) path = this.recordLayer(value, className, layerPath);
      this.recordObject(value, className, path);
    }
    this.recordLambdaMarkers(value, path);

    for (const [key, child] of Object.entries(value)) {
      if (className !== undefined && key === "config") {
        this.visitObjectConfig(child, depth + 1, path);
      } else {
        this.visit(child, depth + 1, path, false);
      }
    }
  }

  /** Inside a serialized object's config: `layers` lists and wrapper `layer`s hold nested layers. */
  private visitObjectConfig(config: unknown, depth: number, path: string): void {
    if (Array.isArray(config)) {
      // Keras 2.0-era Sequential: config is the layer list itself.
      if (depth > KERAS_MAX_CONFIG_DEPTH) {
        this.stop(path, `config nests deeper than ${KERAS_MAX_CONFIG_DEPTH} levels`);
        return;
      }
      this.nodes++;
      for (const item of config) this.visit(item, depth + 1, path, true);
      return;
    }
    if (!isRecord(config)) {
      this.visit(config, depth, path, false);
      return;
    }
    if (++this.nodes > MAX_CONFIG_NODES) {
      this.stop(path, `config has more than ${MAX_CONFIG_NODES} values`);
      return;
    }
    if (depth > KERAS_MAX_CONFIG_DEPTH) {
      this.stop(path, `config nests deeper than ${KERAS_MAX_CONFIG_DEPTH} levels`);
      return;
    }
    this.recordLambdaMarkers(config, path);
    for (const [key, child] of Object.entries(config)) {
      if (key === "layers" && Array.isArray(child)) {
        if (depth + 1 > KERAS_MAX_CONFIG_DEPTH) {
          this.stop(path, `config nests deeper than ${KERAS_MAX_CONFIG_DEPTH} levels`);
          return;
        }
        for (const item of child) this.visit(item, depth + 2, path, true);
      } else if (key === "layer" || key === "forward_layer" || key === "backward_layer") {
        // TimeDistributed, Bidirectional and other wrappers hold the wrapped layer here.
        this.visit(child, depth + 1, path, true);
      } else {
        this.visit(child, depth + 1, path, false);
      }
    }
  }

  private stop(layer: string, detail: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.problem("limit-exceeded", layer, detail);
  }

  private recordLayer(value: Record<string, unknown>, className: string, parent: string): string {
    const config = value["config"];
    const name = (isRecord(config) ? stringProp(config, "name") : undefined) ?? stringProp(value, "name") ?? `<unnamed ${className}>`;
    const module = stringProp(value, "module");
    const registeredName = stringProp(value, "registered_name");
    if (this.layers.length < MAX_LAYERS) {
      this.layers.push({
        className,
        name,
        ...(module !== undefined ? { module } : {}),
        ...(registeredName !== undefined ? { registeredName } : {}),
      });
    }
    return parent === "" ? name : `${parent}/${name}`;
  }

  private recordObject(value: Record<string, unknown>, className: string, layer: string): void {
    if (this.objects.length >= MAX_OBJECTS) {
      this.stop(layer, `config has more than ${MAX_OBJECTS} serialized objects`);
      return;
    }
    const module = ownProp(value, "module");
    const registeredName = ownProp(value, "registered_name");
    this.objects.push({
      layer,
      className,
      module: typeof module === "string" || module === null ? module : undefined,
      registeredName: typeof registeredName === "string" || registeredName === null ? registeredName : undefined,
      config: ownProp(value, "config"),
    });
  }

  /** Keras 2 marks serialized lambdas with `function_type`/`output_shape_type` = "lambda". */
  private recordLambdaMarkers(value: Record<string, unknown>, layer: string): void {
    for (const [key, v] of Object.entries(value)) {
      if (key.endsWith("_type") && v === "lambda") {
        if (this.markers.length >= MAX_MARKERS) {
          this.stop(layer, `config has more than ${MAX_MARKERS} lambda markers`);
          return;
        }
        const field = key.slice(0, -"_type".length);
        this.markers.push({ layer, field, value: ownProp(value, field) });
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ownProp(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

function stringProp(value: Record<string, unknown>, key: string): string | undefined {
  const v = ownProp(value, key);
  return typeof v === "string" ? v : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Legacy .h5: find model_config without an HDF5 parser

/** One model config JSON at most this large is bracket-matched; real configs are KB to a few MB. */
export const HDF5_MAX_CONFIG_BYTES = 32 * 1024 * 1024;
/** Total bytes the bracket matcher may examine across all candidates, so decoys cannot make it quadratic. */
const HDF5_SCAN_BUDGET_BYTES = 256 * 1024 * 1024;
const HDF5_MAX_CANDIDATES = 64;
const CONFIG_START = new TextEncoder().encode('{"class_name"');

export interface Hdf5KerasConfig {
  readonly found: boolean;
  /** The model config: the first candidate that is a Sequential/Functional/Model, else the first found. */
  readonly config?: unknown;
  /** Every JSON object starting with {"class_name" found in the file; the scan layer should analyze all. */
  readonly configs: readonly unknown[];
  readonly problems: readonly string[];
}

/**
 * Finds the Keras model config in a legacy HDF5 (.h5) file's bytes.
 *
 * This is a bounded byte search, not an HDF5 parse: h5py stores the `model_config` attribute (a JSON
 * string that always starts with {"class_name") as one contiguous, uncompressed run — HDF5 attributes are
 * never filtered — so the JSON text sits in the file verbatim. We find every occurrence of that prefix,
 * bracket-match each (honouring JSON strings and escapes) within a size bound, and parse it. Returning
 * every candidate means a decoy config cannot hide the real one. This is enough for refusing: if the
 * config cannot be found or parsed, `found` is false and the scan layer refuses the file as unscannable
 * rather than passing it. Never throws.
 */
export function extractHdf5KerasConfig(bytes: Uint8Array): Hdf5KerasConfig {
  const problems: string[] = [];
  const configs: unknown[] = [];
  let budget = HDF5_SCAN_BUDGET_BYTES;
  let from = 0;
  let candidates = 0;
  try {
    for (;;) {
      const at = indexOf(bytes, CONFIG_START, from);
      if (at < 0) break;
      if (++candidates > HDF5_MAX_CANDIDATES) {
        problems.push(`more than ${HDF5_MAX_CANDIDATES} {"class_name" candidates; the rest were not examined`);
        break;
      }
      const match = matchJsonObject(bytes, at, Math.min(HDF5_MAX_CONFIG_BYTES, budget));
      budget -= match.scanned;
      if (match.end === undefined) {
        problems.push(
          match.scanned >= HDF5_MAX_CONFIG_BYTES
            ? `JSON at byte ${at} is longer than ${HDF5_MAX_CONFIG_BYTES} bytes`
            : `JSON at byte ${at} is not closed before ${budget <= 0 ? "the scan budget ran out" : "the end of the file"}`,
        );
        if (budget <= 0) break;
        from = at + 1;
        continue;
      }
      // Keras reads model_config with json.loads: Python's grammar (NaN, Infinity, last duplicate key wins).
      const parsed = parsePythonJsonBytes(bytes.subarray(at, match.end));
      if (!parsed.ok) {
        problems.push(`JSON at byte ${at} does not parse: ${parsed.error}`);
        from = at + 1;
        continue;
      }
      configs.push(parsed.value);
      // Objects nested in this one (layer configs) are part of it; continue after its end.
      from = match.end;
    }
  } catch (err) {
    problems.push(`model config search failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (configs.length === 0) {
    if (problems.length === 0) problems.push('no {"class_name" JSON found: this is not a Keras HDF5 model, or its config is stored in a way we cannot read');
    return { found: false, configs, problems };
  }
  const model = configs.find((c) => isRecord(c) && ["Sequential", "Functional", "Model"].includes(String(c["class_name"])));
  return { found: true, config: model ?? configs[0], configs, problems };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle, from);
}

/** Bracket-matches the JSON object starting at `start`; `end` is one past its closing brace. */
function matchJsonObject(bytes: Uint8Array, start: number, limit: number): { end: number | undefined; scanned: number } {
  let depth = 0;
  let inString = false;
  const stop = Math.min(bytes.length, start + limit);
  for (let i = start; i < stop; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === 0x5c)
        i++; // skip the escaped byte
      else if (b === 0x22) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) return { end: i + 1, scanned: i + 1 - start };
    } else if (b === 0x00) {
      // JSON text never holds a NUL outside a string: the run ended without closing.
      return { end: undefined, scanned: i + 1 - start };
    }
  }
  return { end: undefined, scanned: stop - start };
}
