// spdx-expression-parse ships no types; this is the part of its documented API Perimeter calls.
declare module "spdx-expression-parse" {
  namespace parse {
    interface LicenseInfo {
      license: string;
      plus?: true;
      exception?: string;
    }
    interface ConjunctionInfo {
      left: LicenseInfo | ConjunctionInfo;
      conjunction: "and" | "or";
      right: LicenseInfo | ConjunctionInfo;
    }
    type Info = LicenseInfo | ConjunctionInfo;
  }
  /** Parses an SPDX licence expression; throws on anything that is not one. */
  function parse(source: string): parse.Info;
  export = parse;
}
