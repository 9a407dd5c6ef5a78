import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Imports run one way: runtimes are clients that report what they serve in their own types, and the
// inventory records those reports. A cycle between the two would make neither usable without the other.

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function importsOf(folder: string): Array<{ file: string; from: string }> {
  const found: Array<{ file: string; from: string }> = [];
  for (const file of readdirSync(`${SRC}${folder}`).filter((f) => f.endsWith(".ts"))) {
    for (const m of readFileSync(`${SRC}${folder}/${file}`, "utf8").matchAll(/\bfrom\s+"(\.\.\/[^"]+)"|\bimport\(\s*"(\.\.\/[^"]+)"\s*\)/g)) {
      found.push({ file: `${folder}/${file}`, from: (m[1] ?? m[2]) as string });
    }
  }
  return found;
}

describe("layering of runtimes and inventory", () => {
  it("runtime clients never import the inventory", () => {
    expect(importsOf("runtimes").filter((i) => i.from.startsWith("../inventory/"))).toEqual([]);
  });

  it("the inventory reaches runtimes only through their discovery entry point and their types", () => {
    const used = new Set(
      importsOf("inventory")
        .filter((i) => i.from.startsWith("../runtimes/"))
        .map((i) => i.from),
    );
    expect([...used].sort()).toEqual(["../runtimes/discovery.js", "../runtimes/types.js"]);
  });
});
