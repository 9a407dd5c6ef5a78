// Owners are free text people type: " Alice", "alice" and "ＡＬＩＣＥ" name one person. Every comparison of
// owners goes through this one form.

export function ownerKey(owner: string): string {
  return owner.normalize("NFKC").trim().toLowerCase();
}
