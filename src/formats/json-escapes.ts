// The one-character escapes of JSON's grammar (RFC 8259 §7), read the same by Python's json, serde_json and
// JSON.parse: one table for every JSON reader in formats/. \u escapes differ between loaders (lone
// surrogates), so each reader keeps its own.

export const JSON_SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);
