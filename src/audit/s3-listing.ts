import { XMLParser, XMLValidator, type EntityDecoderOptions } from "fast-xml-parser";

// The first key of an S3 ListObjectsV2 answer, read from a store this host does not control: the answer is
// untrusted input. fast-xml-parser (the parser the AWS SDK reads S3's XML with) does the XML; around it,
// what S3 never sends is refused: more than LISTING_MAX_BYTES (the caller's read stops there), a DTD or an
// entity other than XML's five predefined ones, XML that is not well-formed, another root than
// ListBucketResult, nesting deeper than S3's, and a Key that is not one plain text. Only the first
// <Contents><Key> is taken.

/** A ListObjectsV2 answer for one key is under 1 KB; S3 keys are at most 1,024 bytes. */
export const LISTING_MAX_BYTES = 16 * 1024;

const PREDEFINED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** XML 1.0's own entities and character references, nothing else (an unknown entity is not well-formed XML). */
function decodeXmlText(text: string): string {
  return text.replace(/&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|([A-Za-z]+));|&/g, (_m, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) {
      const value = PREDEFINED[name];
      if (value !== undefined) return value;
      throw new Error(`the entity &${name}; is not one of XML's own`);
    }
    if (hex === undefined && dec === undefined) throw new Error("a bare & in text");
    const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0x10ffff && code !== 0xfffe && code !== 0xffff);
    if (!allowed) throw new Error(`the character reference ${hex !== undefined ? `&#x${hex};` : `&#${dec};`} names no XML character`);
    return String.fromCodePoint(code);
  });
}

const entityDecoder: EntityDecoderOptions = {
  // No DTD gets this far, so there are no external or declared entities to take.
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: decodeXmlText,
};

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  entityDecoder,
  // ListBucketResult > Contents > Key is three deep; S3 nests no deeper than Owner > DisplayName.
  maxNestedTags: 8,
  isArray: (name) => name === "Contents" || name === "Key",
});

export type Listing = { readonly ok: true; readonly firstKey: string | undefined } | { readonly ok: false; readonly why: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Short, printable, for a message: what the parser said about input someone else wrote. */
const quote = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, 200);

/** The first key a ListObjectsV2 answer lists (undefined: it lists none), or why the answer is not one. */
export function firstListedKey(xml: string): Listing {
  if (Buffer.byteLength(xml) > LISTING_MAX_BYTES) return { ok: false, why: `it is larger than ${LISTING_MAX_BYTES / 1024} KB` };
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) return { ok: false, why: "it declares a DTD or entities, which S3 never sends" };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, why: `it is not well-formed XML (${quote(valid.err.msg)})` };
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    return { ok: false, why: `it is not XML S3 sends (${quote((err as Error).message)})` };
  }
  if (!isRecord(doc) || Object.keys(doc).length !== 1 || !isRecord(doc["ListBucketResult"])) {
    return { ok: false, why: "its root is not a ListBucketResult" };
  }
  const result = doc["ListBucketResult"];
  const contents = result["Contents"];
  if (contents === undefined) {
    const count = result["KeyCount"];
    if (count !== undefined && count !== "0") return { ok: false, why: `it counts ${quote(String(count))} keys and lists none` };
    return { ok: true, firstKey: undefined };
  }
  const first = Array.isArray(contents) ? contents[0] : undefined;
  const key = isRecord(first) ? first["Key"] : undefined;
  if (!Array.isArray(key) || key.length !== 1 || typeof key[0] !== "string" || key[0] === "") {
    return { ok: false, why: "its first Contents has no Key of plain text" };
  }
  return { ok: true, firstKey: key[0] };
}
