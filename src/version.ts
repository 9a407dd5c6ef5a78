/** Perimeter's version, as the CLI, reports and BOMs state it. */
export const VERSION = "0.1.0";
