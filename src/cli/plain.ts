import { PerimeterError } from "../errors.js";

// Option parsing and printing that every command group shares and that loads nothing else: a command that
// must start fast (perimeter hash) imports these without context.ts's store, audit log and configuration.

export function parseFormat<T extends string>(value: string, allowed: readonly T[], option = "--format"): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new PerimeterError("USAGE", `${option} must be one of ${allowed.join(", ")}, not "${value}"`);
  }
  return value as T;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Commander collector for repeatable options. */
export const collect = (value: string, all: string[]): string[] => [...all, value];
