// One tar header at a time, read the way Python's tarfile reads it, because that is the reader that runs
// the payload: torch.load tries tarfile.open on every file that does not start with PK\3\4 and, for the
// legacy format, extracts the members `sys_info`, `pickle`, `storages` and `tensors` and unpickles them.
//
// A header is one 512-byte block: name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8] type[1]
// linkname[100] magic[6] version[2] uname[32] gname[32] devmajor[8] devminor[8] prefix[155] pad[12].
// Numbers are octal text, or GNU base-256 when the first byte is 0x80 (0xff for negative). Data follows in
// 512-byte blocks. Long names come from a preceding 'L' (GNU) or 'x' (pax) member, whose data the caller
// reads and applies to the next header (parsePaxRecords reads a pax body). No I/O, never throws.

export const TAR_BLOCK = 512;

/** Types whose data Python skips; for every other known type it ignores `size` (a directory's size is no data). */
const REGULAR_TYPES = new Set(["0", "\0", "7", "S"]);
const SUPPORTED_TYPES = new Set(["0", "\0", "1", "2", "3", "4", "5", "6", "7", "L", "K", "S"]);
const GNU_TYPES = new Set(["L", "K", "S"]);
const PAX_TYPES = new Set(["x", "g", "X"]);

export interface TarMember {
  readonly kind: "member";
  /** Absolute offset of this header. */
  readonly offset: number;
  /** With the ustar prefix applied as Python does; a pending 'L' or pax `path` replaces it. */
  readonly name: string;
  readonly linkName: string;
  /** One character: "0" or "\0" file, "1" hard link, "2" symlink, "5" directory, "L" GNU long name, "x" pax, ... */
  readonly type: string;
  readonly size: number;
  readonly mode: number;
  readonly dataOffset: number;
  /** Where Python's tarfile reads the next header. */
  readonly nextHeaderOffset: number;
  readonly format: "ustar" | "gnu" | "v7";
  /** Data blocks follow that Python reads as a regular file (types 0, \0, 7, S and every unknown type; not pax headers). */
  readonly hasData: boolean;
  readonly problems: readonly string[];
}

/** A block of zeros: Python's tarfile stops here. */
export interface TarEnd {
  readonly kind: "end";
  readonly offset: number;
}

export interface TarProblem {
  readonly kind: "problem";
  readonly problem: string;
}

export type TarHeader = TarMember | TarEnd | TarProblem;

const utf8 = new TextDecoder("utf-8", { fatal: false });

function cString(block: Uint8Array, start: number, length: number): Uint8Array {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

// Python's str.strip() on ASCII: space, \t \n \v \f \r and the separators \x1c-\x1f.
function isPythonSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

/**
 * A numeric field as Python's tarfile.nti reads it: base-256 after 0x80/0xff, else the text up to the first
 * NUL, stripped, parsed as int(text, 8) — which also takes a sign, a 0o prefix and single underscores.
 * Returns a bigint so nothing is rounded, or undefined where Python raises.
 */
export function parseTarNumber(field: Uint8Array): bigint | undefined {
  const first = field[0];
  if (first === 0x80 || first === 0xff) {
    let n = 0n;
    for (let i = 1; i < field.length; i++) n = (n << 8n) | BigInt(field[i] ?? 0);
    return first === 0xff ? n - (1n << BigInt(8 * (field.length - 1))) : n;
  }
  const nul = field.indexOf(0);
  const raw = nul < 0 ? field : field.subarray(0, nul);
  let start = 0;
  let end = raw.length;
  while (start < end && isPythonSpace(raw[start] ?? 0)) start++;
  while (end > start && isPythonSpace(raw[end - 1] ?? 0)) end--;
  if (start === end) return 0n;
  let text = "";
  for (let i = start; i < end; i++) {
    const c = raw[i] ?? 0;
    if (c >= 0x80) return undefined; // Python decodes the field as strict ASCII
    text += String.fromCharCode(c);
  }
  const m = /^([+-]?)(?:0[oO](?=_?[0-7]))?_?([0-7](?:_?[0-7])*)$/.exec(text);
  if (m === null) return undefined;
  const digits = (m[2] ?? "").replace(/_/g, "");
  const value = BigInt(`0o${digits}`);
  return m[1] === "-" ? -value : value;
}

/** Python's calc_chksums: the header summed with the checksum field as spaces, unsigned and signed. */
function checksums(block: Uint8Array): [number, number] {
  let unsigned = 256;
  let signed = 256;
  for (let i = 0; i < TAR_BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = block[i] ?? 0;
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  return [unsigned, signed];
}

/** Whether a block starts a tar archive Python's tarfile would open: a header whose checksum and numbers parse. */
export function isTar(block: Uint8Array): boolean {
  return parseTarHeader(block, 0).kind === "member";
}

/**
 * Parse the header block at absolute `offset` (`block` must hold its 512 bytes). The caller walks the
 * archive from offset 0 by `nextHeaderOffset` until `end`. Python's tarfile stops silently at a bad header
 * after the first; a scanner must not, so that is a `problem` here.
 */
export function parseTarHeader(block: Uint8Array, offset: number): TarHeader {
  if (block.length < TAR_BLOCK) return { kind: "problem", problem: `a tar header needs ${TAR_BLOCK} bytes, ${block.length} remain` };
  const header = block.subarray(0, TAR_BLOCK);
  if (header.every((b) => b === 0)) return { kind: "end", offset };

  const declared = parseTarNumber(header.subarray(148, 156));
  const [unsigned, signed] = checksums(header);
  if (declared === undefined || (declared !== BigInt(unsigned) && declared !== BigInt(signed))) {
    return { kind: "problem", problem: `bad header checksum at ${offset}: Python's tarfile ends the archive here (or refuses it, at offset 0)` };
  }
  const numbers: Record<"mode" | "uid" | "gid" | "size" | "mtime" | "devmajor" | "devminor", [number, number]> = {
    mode: [100, 8],
    uid: [108, 8],
    gid: [116, 8],
    size: [124, 12],
    mtime: [136, 12],
    devmajor: [329, 8],
    devminor: [337, 8],
  };
  const parsed: Partial<Record<keyof typeof numbers, bigint>> = {};
  for (const [field, [at, length]] of Object.entries(numbers) as [keyof typeof numbers, [number, number]][]) {
    const value = parseTarNumber(header.subarray(at, at + length));
    if (value === undefined)
      return { kind: "problem", problem: `the ${field} field of the tar header at ${offset} is not a number: Python's tarfile stops here` };
    parsed[field] = value;
  }
  const size = parsed.size ?? 0n;
  if (size < 0n || size > BigInt(Number.MAX_SAFE_INTEGER)) return { kind: "problem", problem: `the tar header at ${offset} declares a size of ${size} bytes` };
  const mode = parsed.mode ?? 0n;

  const problems: string[] = [];
  let type = String.fromCharCode(header[156] ?? 0);
  let name = utf8.decode(cString(header, 0, 100));
  const linkName = utf8.decode(cString(header, 157, 100));
  const prefix = utf8.decode(cString(header, 345, 155));
  const magic = String.fromCharCode(...header.subarray(257, 265));
  const format = magic.startsWith("ustar\0") ? "ustar" : magic === "ustar  \0" ? "gnu" : "v7";

  // Python: an old-style regular file whose name ends in "/" is a directory; directories lose trailing slashes.
  if (type === "\0" && name.endsWith("/")) type = "5";
  if (type === "5") name = name.replace(/\/+$/, "");
  if (prefix !== "" && !GNU_TYPES.has(type)) name = `${prefix}/${name}`;

  const dataOffset = offset + TAR_BLOCK;
  const sizeNumber = Number(size);
  // Pax headers are metadata for other members, not members: their body is skipped, never extracted.
  const hasData = (REGULAR_TYPES.has(type) || !SUPPORTED_TYPES.has(type)) && !PAX_TYPES.has(type);
  // Python reads 'L', 'K', 'x', 'g' and 'X' bodies as metadata and then skips them too.
  const skipsData = hasData || GNU_TYPES.has(type) || PAX_TYPES.has(type);
  const blocks = Math.ceil(sizeNumber / TAR_BLOCK) * TAR_BLOCK;
  if (!skipsData && sizeNumber > 0) {
    problems.push(
      `a ${describeType(type)} at ${offset} declares ${sizeNumber} bytes of data, which Python's tarfile does not skip: the next header is read right after this one`,
    );
  }
  if (!SUPPORTED_TYPES.has(type) && !PAX_TYPES.has(type))
    problems.push(`unknown member type ${JSON.stringify(type)} at ${offset}: Python's tarfile treats it as a regular file`);
  if (type === "S") problems.push(`a GNU sparse member at ${offset}: its stored data is not its content`);

  return {
    kind: "member",
    offset,
    name,
    linkName,
    type,
    size: sizeNumber,
    mode: Number(mode & 0o7777777n),
    dataOffset,
    nextHeaderOffset: dataOffset + (skipsData ? blocks : 0),
    format,
    hasData,
    problems,
  };
}

function describeType(type: string): string {
  switch (type) {
    case "1":
      return "hard link";
    case "2":
      return "symbolic link";
    case "3":
      return "character device";
    case "4":
      return "block device";
    case "5":
      return "directory";
    case "6":
      return "FIFO";
    default:
      return `member of type ${JSON.stringify(type)}`;
  }
}

/** Read a GNU 'L'/'K' body the way Python does: the bytes up to the first NUL. */
export function parseTarLongName(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return utf8.decode(nul < 0 ? data : data.subarray(0, nul));
}

/**
 * Parse a pax extended header body as Python's tarfile does: records "<length> <key>=<value>\n", read
 * while they match and silently dropped after the first that does not (reported here). Bounded by the body.
 */
export function parsePaxRecords(data: Uint8Array): { records: Map<string, string>; problems: string[] } {
  const records = new Map<string, string>();
  const problems: string[] = [];
  let at = 0;
  while (at < data.length) {
    let cursor = at;
    let length = 0;
    while (cursor < data.length && cursor - at < 20 && (data[cursor] ?? 0) >= 0x30 && (data[cursor] ?? 0) <= 0x39) {
      length = length * 10 + ((data[cursor] ?? 0) - 0x30);
      cursor++;
    }
    const eq = data.indexOf(0x3d, cursor + 1);
    if (cursor === at || data[cursor] !== 0x20 || eq <= cursor + 1) break;
    if (length === 0) {
      problems.push(`a zero-length pax record at ${at}: Python's tarfile refuses the archive`);
      return { records, problems };
    }
    if (at + length > data.length || length < eq - at + 1) {
      problems.push(`the pax record at ${at} runs past its header: Python's tarfile reads a different value`);
      break;
    }
    const key = utf8.decode(data.subarray(cursor + 1, eq));
    if (records.has(key)) problems.push(`pax key ${JSON.stringify(key)} appears twice; the last value wins`);
    records.set(key, utf8.decode(data.subarray(eq + 1, at + length - 1)));
    at += length;
  }
  if (at < data.length && data.subarray(at).some((b) => b !== 0))
    problems.push(`${data.length - at} bytes of the pax header after its last record are ignored by Python's tarfile`);
  return { records, problems };
}

/** Python's int() on a pax number: surrounding whitespace, a sign and single underscores; 0 where it fails. */
function paxNumber(value: string): number {
  const m = /^\s*([+-]?)(\d(?:_?\d)*)\s*$/.exec(value);
  if (m === null) return 0;
  const n = Number((m[2] ?? "0").replace(/_/g, ""));
  return m[1] === "-" ? -n : n;
}

/**
 * Apply the records of a pax header to a member, as Python's tarfile does: `path` and `GNU.sparse.name`
 * rename it, `linkpath` relinks it, `size` resizes it. An 'x' (or Solaris 'X') header applies to the next
 * member only and its `size` also moves the next header; a 'g' header applies to every later member but,
 * applied after the next header is found, moves nothing (`scope: "global"`).
 */
export function applyPaxRecords(member: TarMember, records: ReadonlyMap<string, string>, scope: "next" | "global" = "next"): TarMember | TarProblem {
  let { name, linkName, size, nextHeaderOffset } = member;
  const problems = [...member.problems];
  for (const [key, value] of records) {
    if (key === "path" || key === "GNU.sparse.name") name = key === "path" ? value.replace(/\/+$/, "") : value;
    else if (key === "linkpath") linkName = value;
  }
  const declared = records.get("GNU.sparse.realsize") ?? records.get("GNU.sparse.size") ?? records.get("size");
  if (declared !== undefined) {
    size = paxNumber(declared);
    if (!Number.isSafeInteger(size) || size < 0) return { kind: "problem", problem: `a pax header gives the member at ${member.offset} a size of ${declared}` };
    if (records.has("size") && scope === "next") nextHeaderOffset = member.dataOffset + (member.hasData ? Math.ceil(size / TAR_BLOCK) * TAR_BLOCK : 0);
    else if (scope === "global" && size !== member.size)
      problems.push(
        `a global pax header gives the member at ${member.offset} a size of ${size} without moving the next header: extraction reads past its data`,
      );
  }
  if (name !== member.name) problems.push(`a pax header renames ${JSON.stringify(member.name)} to ${JSON.stringify(name)}`);
  return { ...member, name, linkName, size, nextHeaderOffset, problems };
}
