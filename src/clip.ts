// Text from outside (names, targets, reasons, parser errors) goes into messages and audit events cut short.

/** `value`, or its first `max - 1` characters and an ellipsis. */
export function clip(value: string, max = 200): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
