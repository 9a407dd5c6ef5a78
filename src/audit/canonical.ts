// RFC 8785 (JCS) canonical JSON for the details of an audit event. JCS is defined in terms of ECMAScript's
// own number and string serialisation, so JSON.stringify of each primitive is already canonical; only key
// order and the rejection of values JSON cannot carry are ours to do.

const MAX_DEPTH = 32;

export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new TypeError(`nested deeper than ${MAX_DEPTH} levels`);
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${value} cannot be represented in JSON`);
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v, depth + 1)).join(",")}]`;
      const obj = (typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON: () => unknown }).toJSON() : value) as Record<
        string,
        unknown
      >;
      if (obj === null || typeof obj !== "object") return canonicalJson(obj, depth + 1);
      const flat = flatCanonical(obj);
      if (flat !== undefined) return flat;
      // JCS orders keys by UTF-16 code units, which is how the default sort compares strings. This runs on
      // every audited call, so it builds the text in one pass.
      const keys = Object.keys(obj).sort();
      let out = "{";
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined || typeof v === "function") continue;
        out += `${out.length === 1 ? "" : ","}${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} cannot be represented in JSON`);
  }
}

/**
 * The common case in one native call: an object whose members are all strings, finite numbers, booleans,
 * null or undefined, with its keys already in code-unit order (hot paths build their details that way).
 * JSON.stringify then writes exactly the JCS text: its number and string forms are JCS's and undefined
 * members are left out. Undefined for anything else, which the general path writes.
 */
function flatCanonical(obj: Record<string, unknown>): string | undefined {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v = obj[k];
    if (!(v === null || v === undefined || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))) return undefined;
    if (i > 0 && (keys[i - 1] as string) > k) return undefined;
  }
  return JSON.stringify(obj);
}
