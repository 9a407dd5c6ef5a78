import type { InjectionRule } from "./types.js";

export const rules: readonly InjectionRule[] = [];
