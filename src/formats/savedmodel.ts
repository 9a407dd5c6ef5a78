// TensorFlow SavedModel (saved_model.pb): a protobuf SavedModel { repeated MetaGraphDef meta_graphs = 2 },
// MetaGraphDef { GraphDef graph_def = 2 }, GraphDef { repeated NodeDef node = 1; FunctionDefLibrary library = 2 },
// FunctionDefLibrary { repeated FunctionDef function = 1 }, FunctionDef { repeated NodeDef node_def = 3 },
// NodeDef { string name = 1; string op = 2 }. Only the op names matter for safety: ops such as PyFunc run
// Python when the graph executes. This lists them; scan/ judges them. A bounded protobuf wire-format walk;
// never throws.

import { fields, text } from "./protobuf.js";

export interface SavedModelOp {
  readonly node: string;
  readonly op: string;
  /** "graph" or "function <name>" */
  readonly scope: string;
}

export interface SavedModelAnalysis {
  /** The bytes are a well-formed SavedModel protobuf with at least one meta graph. */
  readonly ok: boolean;
  readonly metaGraphs: number;
  readonly ops: readonly SavedModelOp[];
  /** Names of the functions in the graphs' libraries: a node may call one by using its name as its op. */
  readonly functions: readonly string[];
  readonly problems: readonly string[];
}

const MAX_NODES = 1_000_000;

export function analyzeSavedModel(bytes: Uint8Array): SavedModelAnalysis {
  const problems: string[] = [];
  const ops: SavedModelOp[] = [];
  const functions: string[] = [];
  const top = fields(bytes);
  if (typeof top === "string") return { ok: false, metaGraphs: 0, ops, functions, problems: [top] };
  const metas = top.filter((f) => f.number === 2 && f.wire === 2);
  if (metas.length === 0 || top.some((f) => f.number === 1 && f.wire !== 0)) {
    return { ok: false, metaGraphs: 0, ops, functions, problems: ["not a SavedModel: no meta graph"] };
  }
  const nodeDef = (msg: Uint8Array, scope: string): void => {
    const fs = fields(msg);
    if (typeof fs === "string") return void problems.push(`${scope}: a node: ${fs}`);
    const name = text(fs.find((f) => f.number === 1)?.bytes) ?? "?";
    const op = text(fs.find((f) => f.number === 2)?.bytes);
    if (op === undefined) return void problems.push(`${scope}: node ${name} has no readable op`);
    if (ops.length >= MAX_NODES) return void problems.push(`more than ${MAX_NODES} nodes`);
    ops.push({ node: name, op, scope });
  };
  for (const meta of metas) {
    const mfs = fields(meta.bytes as Uint8Array);
    if (typeof mfs === "string") {
      problems.push(`a meta graph: ${mfs}`);
      continue;
    }
    for (const graph of mfs.filter((f) => f.number === 2 && f.wire === 2)) {
      const gfs = fields(graph.bytes as Uint8Array);
      if (typeof gfs === "string") {
        problems.push(`a graph: ${gfs}`);
        continue;
      }
      for (const f of gfs) {
        if (f.number === 1 && f.bytes !== undefined) nodeDef(f.bytes, "graph");
        if (f.number === 2 && f.bytes !== undefined) {
          const lib = fields(f.bytes);
          if (typeof lib === "string") {
            problems.push(`the function library: ${lib}`);
            continue;
          }
          for (const fn of lib.filter((x) => x.number === 1 && x.bytes !== undefined)) {
            const ffs = fields(fn.bytes as Uint8Array);
            if (typeof ffs === "string") {
              problems.push(`a function: ${ffs}`);
              continue;
            }
            const sig = ffs.find((x) => x.number === 1)?.bytes;
            const sigFields = sig === undefined ? [] : fields(sig);
            const fname = typeof sigFields === "string" ? "?" : (text(sigFields.find((x) => x.number === 1)?.bytes) ?? "?");
            if (functions.length < MAX_NODES) functions.push(fname);
            for (const nd of ffs.filter((x) => x.number === 3 && x.bytes !== undefined)) nodeDef(nd.bytes as Uint8Array, `function ${fname}`);
          }
        }
      }
    }
  }
  return { ok: problems.length === 0, metaGraphs: metas.length, ops, functions, problems };
}
