// The protobuf wire format, one message level at a time: every field's number, wire type and value, with
// every length checked against the bytes given. Protobuf has no signature, so formats built on it
// (TensorFlow SavedModel, SentencePiece) are recognised by parsing strictly. Never throws.

export interface ProtoField {
  readonly number: number;
  readonly wire: number;
  /** For length-delimited fields. */
  readonly bytes?: Uint8Array;
  readonly varint?: bigint;
}

/** Every top-level field of one message, or a problem: strict, bounded by the bytes given. */
export function fields(bytes: Uint8Array): ProtoField[] | string {
  const out: ProtoField[] = [];
  let at = 0;
  const varint = (): bigint | undefined => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.length) return undefined;
      const b = bytes[at++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    return undefined;
  };
  while (at < bytes.length) {
    const tag = varint();
    if (tag === undefined) return `a field tag at offset ${at} is truncated`;
    const number = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (number === 0) return "a field number is 0";
    switch (wire) {
      case 0: {
        const v = varint();
        if (v === undefined) return `field ${number} is a truncated varint`;
        out.push({ number, wire, varint: v });
        break;
      }
      case 1:
      case 5: {
        const n = wire === 1 ? 8 : 4;
        if (at + n > bytes.length) return `field ${number} is truncated`;
        at += n;
        out.push({ number, wire });
        break;
      }
      case 2: {
        const len = varint();
        if (len === undefined || len > BigInt(bytes.length - at)) return `field ${number} claims more bytes than there are`;
        out.push({ number, wire, bytes: bytes.subarray(at, at + Number(len)) });
        at += Number(len);
        break;
      }
      default:
        return `field ${number} has wire type ${wire} (groups are not used by the formats read here)`;
    }
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function text(b: Uint8Array | undefined): string | undefined {
  if (b === undefined) return undefined;
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
}
