// GGUF, the single-file model format llama.cpp loads (spec: ggml-org/ggml docs/gguf.md). This module is
// the product's only knowledge of the layout: the constants, an encoder (demo model, fixtures) and a
// bounded reader (round-trip checks now, the scanner later). It does no I/O and imports nothing.
//
// Layout, all little-endian:
//   "GGUF" | u32 version | u64 tensor count | u64 metadata count
//   metadata: (string key, u32 value type, value)*
//   tensor infos: (string name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset)*
//   padding to the alignment, then tensor data; each offset is relative to the data start.
// A string is a u64 byte length and UTF-8 bytes without a terminator.

export const GGUF_MAGIC = Object.freeze([0x47, 0x47, 0x55, 0x46]); // "GGUF"
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGUF_ALIGNMENT_KEY = "general.alignment";
/** ggml tensors have at most four dimensions. */
export const GGML_MAX_DIMS = 4;
/** ggml keeps tensor names in a 64-byte buffer that includes the terminating NUL. */
export const GGML_MAX_NAME_BYTES = 63;
/** The spec allows arrays of arrays; nothing real nests deeply, so a reader can refuse what does. */
export const GGUF_MAX_ARRAY_DEPTH = 4;

export const GGUF_VALUE_TYPES = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPES;
export type GgufNumberTypeName = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";
export type GgufBigIntTypeName = "uint64" | "int64";
export type GgufScalarTypeName = Exclude<GgufValueTypeName, "array">;

interface GgmlTypeSpec {
  readonly id: number;
  /** Elements per block: 1 for plain types, 32 or 256 for the block-quantized ones. */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
}

const QK_K = 256;

/** ggml tensor types that can appear in a GGUF file. Ids 4, 5, 31-33 and 36-38 were retired upstream. */
export const GGML_TYPES = {
  F32: { id: 0, blockSize: 1, typeSize: 4 },
  F16: { id: 1, blockSize: 1, typeSize: 2 },
  Q4_0: { id: 2, blockSize: 32, typeSize: 2 + 16 },
  Q4_1: { id: 3, blockSize: 32, typeSize: 2 + 2 + 16 },
  Q5_0: { id: 6, blockSize: 32, typeSize: 2 + 4 + 16 },
  Q5_1: { id: 7, blockSize: 32, typeSize: 2 + 2 + 4 + 16 },
  Q8_0: { id: 8, blockSize: 32, typeSize: 2 + 32 },
  Q8_1: { id: 9, blockSize: 32, typeSize: 4 + 4 + 32 },
  Q2_K: { id: 10, blockSize: QK_K, typeSize: 2 + 2 + QK_K / 16 + QK_K / 4 },
  Q3_K: { id: 11, blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + 12 },
  Q4_K: { id: 12, blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + 12 },
  Q5_K: { id: 13, blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 8 + 12 },
  Q6_K: { id: 14, blockSize: QK_K, typeSize: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 },
  Q8_K: { id: 15, blockSize: QK_K, typeSize: 4 + QK_K + QK_K / 8 },
  IQ2_XXS: { id: 16, blockSize: QK_K, typeSize: 2 + QK_K / 4 },
  IQ2_XS: { id: 17, blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32 },
  IQ3_XXS: { id: 18, blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 },
  IQ1_S: { id: 19, blockSize: QK_K, typeSize: 2 + QK_K / 8 + QK_K / 16 },
  IQ4_NL: { id: 20, blockSize: 32, typeSize: 2 + 16 },
  IQ3_S: { id: 21, blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 },
  IQ2_S: { id: 22, blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 16 },
  IQ4_XS: { id: 23, blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 64 },
  I8: { id: 24, blockSize: 1, typeSize: 1 },
  I16: { id: 25, blockSize: 1, typeSize: 2 },
  I32: { id: 26, blockSize: 1, typeSize: 4 },
  I64: { id: 27, blockSize: 1, typeSize: 8 },
  F64: { id: 28, blockSize: 1, typeSize: 8 },
  IQ1_M: { id: 29, blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32 },
  BF16: { id: 30, blockSize: 1, typeSize: 2 },
  TQ1_0: { id: 34, blockSize: QK_K, typeSize: 2 + 4 * 13 },
  TQ2_0: { id: 35, blockSize: QK_K, typeSize: 2 + 64 },
  MXFP4: { id: 39, blockSize: 32, typeSize: 1 + 16 },
} as const satisfies Record<string, GgmlTypeSpec>;

export type GgmlTypeName = keyof typeof GGML_TYPES;

const GGML_TYPE_BY_ID: ReadonlyMap<number, GgmlTypeName> = new Map((Object.keys(GGML_TYPES) as GgmlTypeName[]).map((name) => [GGML_TYPES[name].id, name]));

const VALUE_TYPE_BY_ID: ReadonlyMap<number, GgufValueTypeName> = new Map(
  (Object.keys(GGUF_VALUE_TYPES) as GgufValueTypeName[]).map((name) => [GGUF_VALUE_TYPES[name], name]),
);

/** Fixed byte width of each scalar value type; a string's is its minimum (the length prefix). */
const VALUE_TYPE_WIDTH: Readonly<Record<GgufScalarTypeName, number>> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  bool: 1,
  string: 8,
  uint64: 8,
  int64: 8,
  float64: 8,
};
/** An element of an array of arrays is at least its item type (u32) and count (u64). */
const NESTED_ARRAY_MIN_WIDTH = 12;

export function ggmlTypeName(id: number): GgmlTypeName | undefined {
  return GGML_TYPE_BY_ID.get(id);
}

/** Bytes a tensor of this type and shape occupies; throws if a row is not a whole number of blocks. */
export function ggmlTensorByteLength(type: GgmlTypeName, shape: readonly number[]): number {
  const { blockSize, typeSize } = GGML_TYPES[type];
  const rowLength = shape[0] ?? 1;
  if (rowLength % blockSize !== 0) {
    throw new Error(`a ${type} tensor row must be a multiple of ${blockSize} elements, got ${rowLength}`);
  }
  const bytes = (elementCount(shape) / blockSize) * typeSize;
  if (!Number.isSafeInteger(bytes)) throw new Error(`tensor of shape [${shape.join(", ")}] is too large`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------
// Metadata values

export type GgufArray =
  | { readonly type: "array"; readonly itemType: GgufNumberTypeName; readonly value: readonly number[] }
  | { readonly type: "array"; readonly itemType: GgufBigIntTypeName; readonly value: readonly bigint[] }
  | { readonly type: "array"; readonly itemType: "bool"; readonly value: readonly boolean[] }
  | { readonly type: "array"; readonly itemType: "string"; readonly value: readonly string[] }
  | { readonly type: "array"; readonly itemType: "array"; readonly value: readonly GgufArray[] };

/** A typed metadata value; 64-bit integers are bigints so no value is silently rounded. */
export type GgufValue =
  | { readonly type: GgufNumberTypeName; readonly value: number }
  | { readonly type: GgufBigIntTypeName; readonly value: bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "string"; readonly value: string }
  | GgufArray;

export type GgufMetadataEntry = { readonly key: string } & GgufValue;

export interface GgufTensorInput {
  readonly name: string;
  /** ggml order: ne0 (the contiguous row length) first. */
  readonly shape: readonly number[];
  readonly type: "F32" | "F16";
  readonly data: Float32Array;
}

export interface GgufTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: GgmlTypeName;
  /** Relative to `dataOffset`. */
  readonly offset: number;
  readonly byteLength: number;
}

export interface GgufHeader {
  readonly version: number;
  readonly alignment: number;
  readonly metadata: readonly GgufMetadataEntry[];
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute offset of the tensor data section. */
  readonly dataOffset: number;
}

// ---------------------------------------------------------------------------------------------------------
// Encoder

const INTEGER_RANGES: Readonly<Record<Exclude<GgufNumberTypeName, "float32" | "float64">, readonly [number, number]>> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffff_ffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
};
const BIGINT_RANGES: Readonly<Record<GgufBigIntTypeName, readonly [bigint, bigint]>> = {
  uint64: [0n, 0xffff_ffff_ffff_ffffn],
  int64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
};

/** A growable little-endian byte buffer. */
class ByteWriter {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  /** Returns where the n bytes start. Call it before reading this.bytes or this.view: growing replaces both. */
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, at + n));
      grown.set(this.bytes.subarray(0, at));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = at + n;
    return at;
  }

  raw(data: Uint8Array): void {
    const at = this.reserve(data.length);
    this.bytes.set(data, at);
  }
  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  /** `value` must already be range-checked for `type`. */
  integer(type: keyof typeof INTEGER_RANGES, value: number): void {
    const at = this.reserve(VALUE_TYPE_WIDTH[type]);
    switch (type) {
      case "uint8":
        this.view.setUint8(at, value);
        return;
      case "int8":
        this.view.setInt8(at, value);
        return;
      case "uint16":
        this.view.setUint16(at, value, true);
        return;
      case "int16":
        this.view.setInt16(at, value, true);
        return;
      case "uint32":
        this.view.setUint32(at, value, true);
        return;
      case "int32":
        this.view.setInt32(at, value, true);
        return;
    }
  }
  u64(v: bigint | number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), true);
  }
  i64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, v, true);
  }
  f32(v: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
  }
  f64(v: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, true);
  }
  string(s: string): void {
    const utf8 = textEncoder.encode(s);
    this.u64(utf8.length);
    this.raw(utf8);
  }
  /** The bytes written so far, without copying; valid until the next write. */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

const textEncoder = new TextEncoder();

function writeScalar(w: ByteWriter, where: string, v: Exclude<GgufValue, GgufArray>): void {
  switch (v.type) {
    case "float32":
      w.f32(v.value);
      return;
    case "float64":
      w.f64(v.value);
      return;
    case "uint64":
    case "int64": {
      const [min, max] = BIGINT_RANGES[v.type];
      if (v.value < min || v.value > max) throw new Error(`${where}: ${v.value} is not a ${v.type}`);
      if (v.type === "uint64") w.u64(v.value);
      else w.i64(v.value);
      return;
    }
    case "bool":
      w.u8(v.value ? 1 : 0);
      return;
    case "string":
      w.string(v.value);
      return;
    default: {
      const [min, max] = INTEGER_RANGES[v.type];
      if (!Number.isInteger(v.value) || v.value < min || v.value > max) {
        throw new Error(`${where}: ${v.value} is not a ${v.type}`);
      }
      w.integer(v.type, v.value);
    }
  }
}

function writeArray(w: ByteWriter, where: string, v: GgufArray, depth: number): void {
  if (depth > GGUF_MAX_ARRAY_DEPTH) throw new Error(`${where}: arrays nest deeper than ${GGUF_MAX_ARRAY_DEPTH}`);
  w.u32(GGUF_VALUE_TYPES[v.itemType]);
  w.u64(v.value.length);
  // Each branch narrows the element type; the union keeps mixed-type arrays unrepresentable.
  switch (v.itemType) {
    case "array":
      v.value.forEach((item, i) => {
        writeArray(w, `${where}[${i}]`, item, depth + 1);
      });
      return;
    case "uint64":
    case "int64": {
      const type = v.itemType;
      v.value.forEach((value, i) => {
        writeScalar(w, `${where}[${i}]`, { type, value });
      });
      return;
    }
    case "bool":
      v.value.forEach((value, i) => {
        writeScalar(w, `${where}[${i}]`, { type: "bool", value });
      });
      return;
    case "string":
      v.value.forEach((value, i) => {
        writeScalar(w, `${where}[${i}]`, { type: "string", value });
      });
      return;
    default: {
      const type = v.itemType;
      v.value.forEach((value, i) => {
        writeScalar(w, `${where}[${i}]`, { type, value });
      });
    }
  }
}

function resolveAlignment(metadata: readonly GgufMetadataEntry[], requested: number | undefined): number {
  const entry = metadata.find((e) => e.key === GGUF_ALIGNMENT_KEY);
  if (entry !== undefined && entry.type !== "uint32") throw new Error(`${GGUF_ALIGNMENT_KEY} must be a uint32`);
  const stated = entry?.value;
  if (requested !== undefined && stated !== undefined && requested !== stated) {
    throw new Error(`alignment ${requested} contradicts ${GGUF_ALIGNMENT_KEY} = ${stated}`);
  }
  const alignment = requested ?? stated ?? GGUF_DEFAULT_ALIGNMENT;
  if (!isPowerOfTwo(alignment)) throw new Error(`alignment must be a power of two, got ${alignment}`);
  return alignment;
}

/**
 * Encodes a complete GGUF v3 file. Output depends only on the input, so the same input gives the same
 * bytes. A non-default `alignment` not already stated in the metadata is added as `general.alignment`,
 * because readers assume 32 unless the file says otherwise.
 */
export function encodeGguf(input: { metadata: readonly GgufMetadataEntry[]; tensors: readonly GgufTensorInput[]; alignment?: number }): Uint8Array {
  const alignment = resolveAlignment(input.metadata, input.alignment);
  const metadata: readonly GgufMetadataEntry[] =
    alignment !== GGUF_DEFAULT_ALIGNMENT && !input.metadata.some((e) => e.key === GGUF_ALIGNMENT_KEY)
      ? [...input.metadata, { key: GGUF_ALIGNMENT_KEY, type: "uint32", value: alignment }]
      : input.metadata;

  const keys = new Set<string>();
  for (const entry of metadata) {
    if (entry.key.length === 0) throw new Error("a metadata key is empty");
    if (keys.has(entry.key)) throw new Error(`metadata key ${entry.key} appears twice`);
    keys.add(entry.key);
  }

  const layout = layoutTensors(input.tensors, alignment);

  const w = new ByteWriter();
  w.raw(Uint8Array.from(GGUF_MAGIC));
  w.u32(GGUF_VERSION);
  w.u64(input.tensors.length);
  w.u64(metadata.length);
  for (const entry of metadata) {
    w.string(entry.key);
    w.u32(GGUF_VALUE_TYPES[entry.type]);
    if (entry.type === "array") writeArray(w, entry.key, entry, 1);
    else writeScalar(w, entry.key, entry);
  }
  for (const { tensor, offset } of layout.placed) {
    w.string(tensor.name);
    w.u32(tensor.shape.length);
    for (const dim of tensor.shape) w.u64(dim);
    w.u32(GGML_TYPES[tensor.type].id);
    w.u64(offset);
  }

  const dataOffset = alignUp(w.length, alignment);
  // Zero-filled, so every padding byte is 0 and the output is byte-for-byte reproducible.
  const file = new Uint8Array(dataOffset + layout.dataLength);
  file.set(w.written(), 0);
  const view = new DataView(file.buffer);
  for (const { tensor, offset } of layout.placed) {
    let at = dataOffset + offset;
    if (tensor.type === "F32") {
      for (const x of tensor.data) {
        view.setFloat32(at, x, true);
        at += 4;
      }
    } else {
      for (const x of tensor.data) {
        view.setUint16(at, float32ToFloat16Bits(x), true);
        at += 2;
      }
    }
  }
  return file;
}

function layoutTensors(tensors: readonly GgufTensorInput[], alignment: number): { placed: { tensor: GgufTensorInput; offset: number }[]; dataLength: number } {
  const names = new Set<string>();
  const placed: { tensor: GgufTensorInput; offset: number }[] = [];
  let dataLength = 0;
  for (const tensor of tensors) {
    const nameBytes = textEncoder.encode(tensor.name).length;
    if (nameBytes === 0 || nameBytes > GGML_MAX_NAME_BYTES) {
      throw new Error(`tensor name "${tensor.name}" must be 1 to ${GGML_MAX_NAME_BYTES} UTF-8 bytes`);
    }
    if (names.has(tensor.name)) throw new Error(`tensor ${tensor.name} appears twice`);
    names.add(tensor.name);
    if (tensor.shape.length < 1 || tensor.shape.length > GGML_MAX_DIMS) {
      throw new Error(`tensor ${tensor.name} must have 1 to ${GGML_MAX_DIMS} dimensions`);
    }
    if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new Error(`tensor ${tensor.name} has an invalid shape [${tensor.shape.join(", ")}]`);
    }
    if (elementCount(tensor.shape) !== tensor.data.length) {
      throw new Error(`tensor ${tensor.name}: shape [${tensor.shape.join(", ")}] needs ${elementCount(tensor.shape)} values, got ${tensor.data.length}`);
    }
    placed.push({ tensor, offset: dataLength });
    // llama.cpp requires each tensor to start exactly where the previous one's padded data ends.
    dataLength += alignUp(ggmlTensorByteLength(tensor.type, tensor.shape), alignment);
  }
  return { placed, dataLength };
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary16 bits of `value`, rounded to nearest even (what numpy's astype(float16) does). */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const bits = u32Scratch[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7f_ffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    // Subnormal half: shift the full significand (with its implicit 1) into the 10-bit field.
    const shift = 14 - halfExponent;
    const significand = mantissa | 0x80_0000;
    return sign | roundShift(significand, shift);
  }
  // A carry out of the mantissa correctly rolls into the exponent (and up to infinity).
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

// ---------------------------------------------------------------------------------------------------------
// Bounded reader

/** Reads over bytes it was handed; every length is checked against what remains before it is used. */
class ByteReader {
  private readonly view: DataView;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private take(n: number, what: string): number {
    if (n > this.remaining) {
      throw new Error(`GGUF is truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining} remain`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(what: string): number {
    return this.view.getUint8(this.take(1, what));
  }
  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }
  u64(what: string): bigint {
    return this.view.getBigUint64(this.take(8, what), true);
  }

  /** A u64 count of items each at least `minItemBytes` long, refused if the bytes left cannot hold them. */
  count(what: string, minItemBytes: number): number {
    const n = this.u64(what);
    if (n * BigInt(minItemBytes) > BigInt(this.remaining)) {
      throw new Error(`GGUF ${what} is ${n} but only ${this.remaining} bytes remain at offset ${this.pos}`);
    }
    return Number(n);
  }

  string(what: string): string {
    const length = this.count(`${what} length`, 1);
    const at = this.take(length, what);
    try {
      return this.decoder.decode(this.bytes.subarray(at, at + length));
    } catch {
      throw new Error(`GGUF ${what} at offset ${at} is not valid UTF-8`);
    }
  }

  number(type: GgufNumberTypeName, what: string): number {
    const at = this.take(VALUE_TYPE_WIDTH[type], what);
    switch (type) {
      case "uint8":
        return this.view.getUint8(at);
      case "int8":
        return this.view.getInt8(at);
      case "uint16":
        return this.view.getUint16(at, true);
      case "int16":
        return this.view.getInt16(at, true);
      case "uint32":
        return this.view.getUint32(at, true);
      case "int32":
        return this.view.getInt32(at, true);
      case "float32":
        return this.view.getFloat32(at, true);
      case "float64":
        return this.view.getFloat64(at, true);
    }
  }

  bigint(type: GgufBigIntTypeName, what: string): bigint {
    const at = this.take(8, what);
    return type === "uint64" ? this.view.getBigUint64(at, true) : this.view.getBigInt64(at, true);
  }

  bool(what: string): boolean {
    const byte = this.u8(what);
    if (byte > 1) throw new Error(`GGUF ${what} is a bool holding ${byte}`);
    return byte === 1;
  }

  valueType(what: string): GgufValueTypeName {
    const id = this.u32(what);
    const type = VALUE_TYPE_BY_ID.get(id);
    if (type === undefined) throw new Error(`GGUF ${what} has unknown value type ${id}`);
    return type;
  }

  value(type: GgufValueTypeName, what: string): GgufValue {
    switch (type) {
      case "array":
        return this.array(what, 1);
      case "string":
        return { type, value: this.string(what) };
      case "bool":
        return { type, value: this.bool(what) };
      case "uint64":
      case "int64":
        return { type, value: this.bigint(type, what) };
      default:
        return { type, value: this.number(type, what) };
    }
  }

  private array(what: string, depth: number): GgufArray {
    if (depth > GGUF_MAX_ARRAY_DEPTH) throw new Error(`GGUF ${what} nests arrays deeper than ${GGUF_MAX_ARRAY_DEPTH}`);
    const itemType = this.valueType(`${what} item type`);
    const n = this.count(`${what} count`, itemType === "array" ? NESTED_ARRAY_MIN_WIDTH : VALUE_TYPE_WIDTH[itemType]);
    const item = (i: number): string => `${what}[${i}]`;
    switch (itemType) {
      case "array":
        return { type: "array", itemType, value: Array.from({ length: n }, (_, i) => this.array(item(i), depth + 1)) };
      case "string":
        return { type: "array", itemType, value: Array.from({ length: n }, (_, i) => this.string(item(i))) };
      case "bool":
        return { type: "array", itemType, value: Array.from({ length: n }, (_, i) => this.bool(item(i))) };
      case "uint64":
      case "int64":
        return { type: "array", itemType, value: Array.from({ length: n }, (_, i) => this.bigint(itemType, item(i))) };
      default:
        return { type: "array", itemType, value: Array.from({ length: n }, (_, i) => this.number(itemType, item(i))) };
    }
  }
}

/** Smallest possible metadata entry: empty key (8), value type (4), one-byte value. */
const MIN_METADATA_ENTRY_BYTES = 13;
/** Smallest possible tensor info: empty name (8), n_dims (4), type (4), offset (8). */
const MIN_TENSOR_INFO_BYTES = 24;

/**
 * Reads everything before the tensor data: version, metadata and tensor infos. Bounded: every count and
 * length is checked against the bytes that exist before anything is allocated, and anything malformed
 * throws an Error saying what and where. The bytes may stop anywhere after the tensor infos.
 */
export function readGgufHeader(bytes: Uint8Array): GgufHeader {
  const r = new ByteReader(bytes);
  for (const expected of GGUF_MAGIC) {
    if (r.u8("magic") !== expected) throw new Error('not a GGUF file: the magic bytes are not "GGUF"');
  }
  const version = r.u32("version");
  // v2 and v3 share the little-endian layout; a big-endian v3 file reads its version as 0x03000000.
  if (version !== 2 && version !== 3) {
    throw new Error(version === 0x0300_0000 ? "big-endian GGUF files are not supported" : `GGUF version ${version} is not supported (expected 2 or 3)`);
  }
  const tensorCount = r.count("tensor count", MIN_TENSOR_INFO_BYTES);
  const metadataCount = r.count("metadata count", MIN_METADATA_ENTRY_BYTES);

  const metadata: GgufMetadataEntry[] = [];
  const keys = new Set<string>();
  for (let i = 0; i < metadataCount; i++) {
    const key = r.string(`metadata key ${i}`);
    // A key that appears twice could be read one way by us and another by the runtime.
    if (keys.has(key)) throw new Error(`GGUF metadata key ${key} appears twice`);
    keys.add(key);
    const value = r.value(r.valueType(`metadata ${key}`), `metadata ${key}`);
    metadata.push({ key, ...value });
  }

  const alignment = statedAlignment(metadata);

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = r.string(`tensor ${i} name`);
    if (names.has(name)) throw new Error(`GGUF tensor ${name} appears twice`);
    names.add(name);
    const dims = r.u32(`tensor ${name} dimension count`);
    if (dims > GGML_MAX_DIMS) throw new Error(`GGUF tensor ${name} has ${dims} dimensions (at most ${GGML_MAX_DIMS})`);
    const shape: number[] = [];
    for (let d = 0; d < dims; d++) {
      const dim = r.u64(`tensor ${name} dimension ${d}`);
      if (dim > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`GGUF tensor ${name} dimension ${d} is too large`);
      shape.push(Number(dim));
    }
    if (!Number.isSafeInteger(elementCount(shape))) throw new Error(`GGUF tensor ${name} has too many elements`);
    const typeId = r.u32(`tensor ${name} type`);
    const type = ggmlTypeName(typeId);
    if (type === undefined) throw new Error(`GGUF tensor ${name} has unknown ggml type ${typeId}`);
    const offset = r.u64(`tensor ${name} offset`);
    if (offset > BigInt(Number.MAX_SAFE_INTEGER) || offset % BigInt(alignment) !== 0n) {
      throw new Error(`GGUF tensor ${name} offset ${offset} is not a multiple of the alignment ${alignment}`);
    }
    let byteLength: number;
    try {
      byteLength = ggmlTensorByteLength(type, shape);
    } catch (e) {
      throw new Error(`GGUF tensor ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    tensors.push({ name, shape, type, offset: Number(offset), byteLength });
  }

  return { version, alignment, metadata, tensors, dataOffset: alignUp(r.pos, alignment) };
}

function statedAlignment(metadata: readonly GgufMetadataEntry[]): number {
  const entry = metadata.find((e) => e.key === GGUF_ALIGNMENT_KEY);
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (entry.type !== "uint32" || !isPowerOfTwo(entry.value)) {
    throw new Error(`GGUF ${GGUF_ALIGNMENT_KEY} must be a uint32 power of two`);
  }
  return entry.value;
}

// ---------------------------------------------------------------------------------------------------------

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= 0xffff_ffff && (n & (n - 1)) === 0;
}

// ---------------------------------------------------------------------------------------------------------
// Summary: what inventories and runtimes report about a GGUF model

/** llama.cpp's LLAMA_FTYPE names, by general.file_type. */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
};

export interface GgufSummary {
  readonly architecture?: string;
  readonly name?: string;
  readonly contextLength?: number;
  /** e.g. Q4_K_M, from general.file_type. */
  readonly quantization?: string;
  /** Elements across every tensor. */
  readonly parameterCount: number;
  readonly hasChatTemplate: boolean;
}

export function summarizeGguf(header: GgufHeader): GgufSummary {
  const meta = new Map(header.metadata.map((m) => [m.key, m]));
  const text = (key: string): string | undefined => {
    const m = meta.get(key);
    return m?.type === "string" ? m.value : undefined;
  };
  const integer = (key: string): number | undefined => {
    const m = meta.get(key);
    if (m === undefined || m.type === "array" || m.type === "string" || m.type === "bool") return undefined;
    const n = Number(m.value);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const architecture = text("general.architecture");
  const contextLength = architecture === undefined ? undefined : integer(`${architecture}.context_length`);
  const fileType = integer("general.file_type");
  const name = text("general.name");
  const parameterCount = header.tensors.reduce((sum, t) => sum + t.shape.reduce((a, d) => a * d, 1), 0);
  return {
    ...(architecture === undefined ? {} : { architecture }),
    ...(name === undefined ? {} : { name }),
    ...(contextLength === undefined ? {} : { contextLength }),
    ...(fileType === undefined ? {} : { quantization: FILE_TYPES[fileType] ?? `file_type ${fileType}` }),
    parameterCount,
    hasChatTemplate: meta.has("tokenizer.chat_template"),
  };
}
