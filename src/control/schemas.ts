import { z } from "zod";

// Response shapes several operations share. Each describes what a service returns, field by field: the
// OpenAPI document is generated from them and the contract test checks every answer against it.

export const severity = z.enum(["critical", "high", "medium", "low", "info"]);

export const finding = z.object({
  rule: z.string(),
  severity,
  message: z.string(),
  location: z.string().optional(),
  controls: z.array(z.string()).optional(),
});

/** A JSON value we pass through as it is (a tool's definition, an agent's arguments, evidence details). */
export const anyJson = z.unknown();

/** Why a change is made: kept as evidence, so it must say something. */
export const reason = z
  .string()
  .max(2000)
  .refine((r) => r.trim() !== "", "must say why (it is kept as evidence)");
