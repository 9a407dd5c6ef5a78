// Detectors run RE2 over one UTF-8 copy of the text and get byte offsets back; findings speak UTF-16.

/** Byte offsets to UTF-16 offsets in one walk over the bytes; only text beyond ASCII needs it. */
export function toUtf16Offsets<T extends { readonly start: number; readonly end: number }>(items: readonly T[], bytes: Buffer): T[] {
  const offsets = [...new Set(items.flatMap((c) => [c.start, c.end]))].sort((a, b) => a - b);
  const utf16 = new Map<number, number>();
  let units = 0;
  let next = 0;
  for (let i = 0; i <= bytes.length && next < offsets.length; i++) {
    if (offsets[next] === i) {
      utf16.set(i, units);
      next++;
    }
    const b = bytes[i] ?? 0;
    // a lead byte starts a character: four-byte ones are two UTF-16 units
    if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
  }
  return items.map((c) => ({ ...c, start: utf16.get(c.start) ?? c.start, end: utf16.get(c.end) ?? c.end }));
}
