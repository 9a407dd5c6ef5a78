import type { SavedModelAnalysis } from "../formats/savedmodel.js";
import { finding, type Finding } from "./findings.js";

// A TensorFlow graph runs its ops when the model is called. Ops that run Python or touch files are
// malicious; every other op must be on the allow-list of what real models use (math, arrays, control flow,
// variables, the checkpoint saver), so an op nobody reviewed is a finding, not silently clean.

/** Ops that run Python or touch files when the graph executes. */
const DANGEROUS_TF_OPS: ReadonlySet<string> = new Set(["PyFunc", "PyFuncStateless", "EagerPyFunc", "ReadFile", "WriteFile", "MatchingFiles", "DeleteFile", "ImmutableConst"]);

/** Ops real SavedModels (Keras exports, TF Hub models, tf.Module exports) are built from. */
const ALLOWED_TF_OPS: ReadonlySet<string> = new Set([
  // graph plumbing, variables and resources
  "Const", "Placeholder", "PlaceholderWithDefault", "Identity", "IdentityN", "NoOp", "StopGradient", "PreventGradient", "Snapshot", "EnsureShape",
  "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp", "VarIsInitializedOp", "DestroyResourceOp", "DisableCopyOnRead",
  "VariableV2", "Variable", "Assign", "AssignAdd", "AssignSub", "ResourceGather", "ResourceScatterAdd", "ResourceScatterUpdate",
  "StatefulPartitionedCall", "PartitionedCall", "If", "StatelessIf", "While", "StatelessWhile", "Case", "StatelessCase",
  "Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond", "ControlTrigger",
  "TensorListReserve", "TensorListFromTensor", "TensorListGetItem", "TensorListSetItem", "TensorListStack", "TensorListLength", "TensorListElementShape", "TensorListPushBack", "TensorListPopBack",
  "TensorArrayV3", "TensorArrayReadV3", "TensorArrayWriteV3", "TensorArrayGatherV3", "TensorArrayScatterV3", "TensorArraySizeV3",
  "Assert", "CheckNumerics",
  // the checkpoint saver every SavedModel carries: it reads and writes the variables' own checkpoint files
  "SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename", "StringJoin", "StaticRegexFullMatch", "Save", "Restore", "RestoreSlice", "SaveSlices",
  // arithmetic
  "Add", "AddV2", "AddN", "Sub", "Mul", "MulNoNan", "Div", "DivNoNan", "RealDiv", "FloorDiv", "FloorMod", "TruncateDiv", "Mod", "Maximum", "Minimum",
  "Neg", "Abs", "Sign", "Exp", "Expm1", "Log", "Log1p", "Sqrt", "Rsqrt", "Square", "SquaredDifference", "Pow", "Reciprocal", "Inv",
  "Floor", "Ceil", "Round", "Rint", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Atan2", "Sinh", "Cosh", "Erf", "Erfc", "IsNan", "IsInf", "IsFinite",
  "ClipByValue", "Cumsum", "Cumprod", "MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum", "BiasAdd", "Cross",
  // activations and normalisation
  "Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "Softsign",
  "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "LRN", "L2Loss",
  // convolution and pooling
  "Conv2D", "Conv3D", "Conv2DBackpropInput", "Conv3DBackpropInputV2", "DepthwiseConv2dNative", "Conv1D",
  "MaxPool", "MaxPoolV2", "MaxPool3D", "AvgPool", "AvgPool3D",
  // shapes and indexing
  "Reshape", "Transpose", "ConjugateTranspose", "ConcatV2", "Concat", "Pack", "Unpack", "Split", "SplitV", "Slice", "StridedSlice", "Squeeze", "ExpandDims",
  "Shape", "ShapeN", "Size", "Rank", "Fill", "ZerosLike", "OnesLike", "Cast", "Bitcast", "GatherV2", "Gather", "GatherNd", "ScatterNd", "TensorScatterUpdate", "TensorScatterAdd",
  "Tile", "Pad", "PadV2", "MirrorPad", "Select", "SelectV2", "Where", "Range", "LinSpace", "OneHot", "Reverse", "ReverseV2", "BroadcastTo", "BroadcastArgs", "BroadcastGradientArgs",
  "Unique", "TopKV2", "ArgMax", "ArgMin", "InvertPermutation", "MatrixBandPart", "MatrixDiag", "MatrixDiagV3", "MatrixSetDiagV3", "SpaceToBatchND", "BatchToSpaceND", "DepthToSpace", "SpaceToDepth",
  // reductions and comparisons
  "Mean", "Sum", "Max", "Min", "Prod", "All", "Any", "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "LogicalNot",
  "Bucketize", "SegmentSum", "UnsortedSegmentSum",
  // images
  "ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "CropAndResize",
  // randomness (dropout, initialisers)
  "RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt", "StatelessRandomUniformV2", "StatelessRandomNormalV2", "StatelessTruncatedNormalV2",
  "StatelessRandomGetKeyCounter", "StatelessRandomGetKeyCounterAlg", "StatelessRandomUniformIntV2", "StatelessRandomGetAlg",
]);

export function savedModelFindings(model: SavedModelAnalysis, here: string): Finding[] {
  const functions = new Set(model.functions);
  const findings: Finding[] = [];
  const unknown = new Map<string, string>();
  for (const o of model.ops) {
    if (DANGEROUS_TF_OPS.has(o.op)) {
      findings.push(finding("TF_DANGEROUS_OP", `op ${o.op} (node ${o.node}) runs Python or touches files when the graph executes`, `${here} ${o.scope}`));
    } else if (!ALLOWED_TF_OPS.has(o.op) && !functions.has(o.op) && !unknown.has(o.op)) {
      unknown.set(o.op, `${here} ${o.scope}`);
      findings.push(finding("TF_OP_NOT_ALLOWED", `op ${o.op} (node ${o.node}) is not on the allow-list of ops real models use: review what it does before allowing the model`, `${here} ${o.scope}`));
    }
  }
  return findings;
}
