import { pino, type Logger } from "pino";
import type { Config } from "./config/schema.js";

/** Structured JSON logs for the server. The CLI prints for people instead and does not use this. */
export function createLogger(config: Config, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      name: "perimeter",
      level: config.log.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Credentials must never reach a log line, whatever a caller passes in.
      redact: { paths: ["*.authorization", "*.apiKey", "*.key", "*.password", "*.token", "req.headers.authorization"], censor: "[redacted]" },
    },
    destination as pino.DestinationStream | undefined,
  );
}
