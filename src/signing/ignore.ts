// What a model directory's manifest leaves out by default, and so what the scan leaves out: one rule for
// both, so everything signed is scanned. Root level only, as model_signing does: a `.git` deeper in the
// model is signed, so it is scanned like any other file.

export const DEFAULT_SIGNATURE_FILE = "model.sig";
/** Always ignored at the model root, as model_signing does. */
export const DEFAULT_IGNORE_PATHS: readonly string[] = [".git", ".gitattributes", ".github", ".gitignore"];

/** `name` (a POSIX path relative to the model root) is one of `ignore` or inside one. */
export function isIgnoredPath(name: string, ignore: readonly string[]): boolean {
  return ignore.some((p) => name === p || name.startsWith(`${p}/`));
}

const IGNORED_BY_DEFAULT: readonly string[] = [...DEFAULT_IGNORE_PATHS, DEFAULT_SIGNATURE_FILE];

/** Left out of a model directory's manifest unless the signer names other paths: the default ignore paths and the signature file. */
export function ignoredByDefault(name: string): boolean {
  return isIgnoredPath(name, IGNORED_BY_DEFAULT);
}
