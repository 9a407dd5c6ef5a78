// What a client may read of an error: no file path of this server, no URL of ours. Messages that carry a
// runtime's, a library's or a handler's words pass through here on their way out (logs and the audit log
// keep them whole).

// Absolute paths of two or more segments (but an API route's, /v1/… or /api/…, unless it climbs with ..),
// paths relative to home or here (~/, ./, ../), paths mixing / and \, file: URLs, Windows paths, URLs.
const PATHS =
  /(?<![\w.~-])(?:file:\/\/[^\s"'`)]*|[A-Za-z]:\\[^\s"'`)]+|[a-z][a-z0-9+.-]*:\/\/[^\s"'`)]+|(?:~|\.\.?)[/\\][^\s"'`)]+|\/[^\s/"'`:;,()<>]*\\[^\s"'`)]*|\/(?!(?:v1|api)\/(?![^\s]*\.\.))(?:[^\s/"'`:;,()<>]+\/)+[^\s/"'`:;,()<>]*)/g;

/** The message with file paths and URLs replaced, for a client's eyes. */
export function redactForClient(message: string): string {
  return message.replace(PATHS, (m) => (m.includes("://") && !m.startsWith("file:") ? "<url>" : "<path>"));
}
