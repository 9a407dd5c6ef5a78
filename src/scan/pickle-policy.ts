// Which imports a model pickle may make. The decision is by allow-list: what real checkpoints need to
// rebuild tensors and plain containers. Everything else is refused; the deny-list only decides whether the
// refusal says "known dangerous" (critical) or "not on the allow-list" (high). New gadgets land in the second
// group at worst, never in "clean".

/** module -> names (or "*" for every name in the module). Keys are exact module paths. */
const SAFE: Record<string, readonly string[]> = {
  "torch._utils": [
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_sparse_tensor",
    "_rebuild_sparse_csr_tensor",
    "_rebuild_nested_tensor",
    "_rebuild_qtensor",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_device_tensor_from_cpu_tensor",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_wrapper_subclass",
  ],
  // _rebuild_from_type_v2(func, type, args, state) calls func, which is itself a global of this pickle and
  // so goes through this same allow-list.
  "torch._tensor": ["_rebuild_from_type_v2"],
  torch: [
    "Size",
    "Tensor",
    "device",
    "dtype",
    "layout",
    "memory_format",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "contiguous_format",
    "channels_last",
    "preserve_format",
    "DoubleStorage",
    "FloatStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
    "QInt8Storage",
    "QUInt8Storage",
    "QInt32Storage",
    "float64",
    "float32",
    "float16",
    "bfloat16",
    "float8_e4m3fn",
    "float8_e5m2",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "qint8",
    "quint8",
    "qint32",
    "per_tensor_affine",
    "per_channel_affine",
  ],
  "torch.storage": ["UntypedStorage", "TypedStorage"],
  "torch.nn.parameter": ["Parameter"],
  "torch.serialization": ["_get_layout"],
  collections: ["OrderedDict", "defaultdict", "Counter", "deque"],
  "numpy.core.multiarray": ["_reconstruct", "scalar"],
  "numpy._core.multiarray": ["_reconstruct", "scalar"],
  numpy: ["ndarray", "dtype", "float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool_", "complex64", "complex128"],
  "numpy.dtypes": ["*"],
  // RNG state saved beside training checkpoints (rng_state.pth): constructors that take a generator's name.
  "numpy.random._pickle": ["__randomstate_ctor", "__bit_generator_ctor", "__generator_ctor"],
  _codecs: ["encode"],
  copyreg: ["_reconstructor"],
  copy_reg: ["_reconstructor"],
  builtins: [
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "int",
    "float",
    "complex",
    "bool",
    "str",
    "bytes",
    "bytearray",
    "slice",
    "range",
    "object",
    "NoneType",
  ],
  __builtin__: [
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "int",
    "float",
    "complex",
    "bool",
    "str",
    "unicode",
    "bytes",
    "bytearray",
    "slice",
    "object",
    "long",
  ],
  datetime: ["datetime", "date", "time", "timedelta", "timezone"],
  decimal: ["Decimal"],
  fractions: ["Fraction"],
  uuid: ["UUID"],
  argparse: ["Namespace"],
  "joblib.numpy_pickle": ["NumpyArrayWrapper"],
};

/** Modules (and their submodules) whose import in a pickle is an attack, or a gadget for one. */
const DANGEROUS_MODULES = [
  "os",
  "posix",
  "nt",
  "subprocess",
  "pty",
  "runpy",
  "socket",
  "shutil",
  "importlib",
  "pickle",
  "_pickle",
  "cPickle",
  "marshal",
  "types",
  "webbrowser",
  "requests",
  "urllib",
  "urllib2",
  "urllib3",
  "http",
  "httplib",
  "ftplib",
  "smtplib",
  "telnetlib",
  "imaplib",
  "poplib",
  "nntplib",
  "xmlrpc",
  "ctypes",
  "cffi",
  "sys",
  "code",
  "codeop",
  "pdb",
  "bdb",
  "asyncio",
  "multiprocessing",
  "threading",
  "_thread",
  "signal",
  "dill",
  "cloudpickle",
  "tempfile",
  "glob",
  "io",
  "_io",
  "logging",
  "zipimport",
  "pkgutil",
  "pydoc",
  "timeit",
  "trace",
  "cProfile",
  "profile",
  "idlelib",
  "lib2to3",
  "distutils",
  "setuptools",
  "pip",
  "venv",
  "ensurepip",
  "site",
  "platform",
  "commands",
  "popen2",
  "_posixsubprocess",
  "_aix_support",
  "_osx_support",
  "_pyrepl",
  "test",
  "sqlite3",
  "shelve",
  "dbm",
  "tarfile",
  "zipfile",
  "fileinput",
  "linecache",
  "inspect",
  "gc",
  "weakref",
  "operator",
  "torch.hub",
  "torch.jit",
  "torch.package",
  "torch._dynamo",
  "torch.utils.cpp_extension",
  "numpy.testing",
  "numpy.f2py",
  "numpy.distutils",
  "numpy.lib.npyio",
  "pandas.io",
  "yaml",
  "jinja2",
  "mako",
  "IPython",
  "jupyter_core",
  "ssl",
  "select",
  "selectors",
  "mmap",
  "resource",
  "pwd",
  "grp",
  "crypt",
  "spwd",
  "readline",
  "rlcompleter",
];

/** Single callables that run code or reach the outside, in modules that are otherwise harmless. */
const DANGEROUS_NAMES = new Set([
  "builtins.eval",
  "builtins.exec",
  "builtins.compile",
  "builtins.open",
  "builtins.__import__",
  "builtins.getattr",
  "builtins.setattr",
  "builtins.delattr",
  "builtins.globals",
  "builtins.locals",
  "builtins.vars",
  "builtins.input",
  "builtins.breakpoint",
  "builtins.help",
  "builtins.exit",
  "builtins.quit",
  "builtins.type",
  "__builtin__.eval",
  "__builtin__.execfile",
  "__builtin__.compile",
  "__builtin__.open",
  "__builtin__.file",
  "__builtin__.__import__",
  "__builtin__.getattr",
  "__builtin__.setattr",
  "__builtin__.input",
  "__builtin__.apply",
  "uuid._get_command_stdout",
  "uuid._popen",
  "torch.load",
  "torch.save",
  "torch.classes",
  "torch.ops",
  // torch.load(weights_only=False) on its argument: a nested, unscanned pickle.
  "torch.storage._load_from_bytes",
  "torch.serialization.load",
  "torch.serialization._load",
  "torch.storage._load_from_bytes_unsafe",
  "numpy.load",
  "numpy.save",
  "numpy.fromfile",
  "numpy.memmap",
  "collections._collections_abc",
  "copyreg.__newobj__",
  "copyreg.__newobj_ex__",
  // joblib < 0.10's wrappers: joblib.load opens the file their state names (any path) and np.load's it with
  // allow_pickle=True, so a pickle anywhere on disk runs.
  "joblib.numpy_pickle.NDArrayWrapper",
  "joblib.numpy_pickle.ZNDArrayWrapper",
  "joblib.numpy_pickle_compat.NDArrayWrapper",
  "joblib.numpy_pickle_compat.ZNDArrayWrapper",
]);

export interface AllowList {
  /** Extra `module.name` (or `module.*`) entries the operator trusts, from perimeter.yaml. */
  readonly extra?: readonly string[];
}

export type ImportClass = "safe" | "dangerous" | "unknown";

/**
 * Classify one import. Dotted names are resolved the way the unpickler does (`getattr` along the path), so
 * `torch._utils` + `_rebuild_tensor_v2.__globals__` is not `_rebuild_tensor_v2`; only an exact listed name
 * is safe.
 */
/**
 * What a wildcard (`numpy.dtypes.*`) admits: a public name. Not `_private` ones, nor dunders — a module's
 * `__package__` is a str a STACK_GLOBAL can take as a module name, its `__builtins__` a dict of everything.
 */
const PUBLIC_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function classifyImport(module: string, name: string, allow: AllowList = {}): ImportClass {
  const full = `${module}.${name}`;
  if (isDangerous(module, full)) return "dangerous";
  const names = SAFE[module];
  if (names !== undefined && (names.includes("*") ? PUBLIC_NAME.test(name) : names.includes(name))) return "safe";
  for (const entry of allow.extra ?? []) {
    if (entry === full) return "safe";
    if (entry.endsWith(".*") && entry.slice(0, -2) === module && PUBLIC_NAME.test(name)) return "safe";
  }
  return "unknown";
}

function isDangerous(module: string, full: string): boolean {
  if (DANGEROUS_NAMES.has(full)) return true;
  // Python 2 spellings and dotted names that walk into a dangerous object count too.
  if (/(^|\.)(__globals__|__builtins__|__subclasses__|__import__|__code__|__getattribute__|__reduce__|__reduce_ex__|system|popen|exec|eval)(\.|$)/.test(full)) {
    return true;
  }
  for (const m of DANGEROUS_MODULES) {
    if (module === m || module.startsWith(`${m}.`) || full === m) return true;
  }
  return false;
}
