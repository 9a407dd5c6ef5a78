import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, EXIT, PerimeterError, exitCodeFor } from "../src/errors.js";

describe("error registry", () => {
  const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d) \| (\d{3}) \|/gm)].map((m) => ({
    code: m[1] as string,
    exit: Number(m[2]),
    status: Number(m[3]),
  }));

  it("documents every error code with its exit code and HTTP status, and no code that does not exist", () => {
    expect(documented.map((d) => d.code).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const d of documented) {
      const spec = ERROR_CODES[d.code as keyof typeof ERROR_CODES];
      expect({ code: d.code, exit: EXIT[spec.kind], status: spec.status }).toEqual(d);
    }
  });

  it("maps refusals to exit 1, usage to 2 and anything unexpected to 3", () => {
    expect(exitCodeFor(new PerimeterError("AUDIT_TAMPERED", "x"))).toBe(1);
    expect(exitCodeFor(new PerimeterError("CONFIG_INVALID", "x"))).toBe(2);
    expect(exitCodeFor(new TypeError("boom"))).toBe(3);
  });
});
