// The shape of one injection or jailbreak rule. Rules are kept per language (en.ts, de.ts, … zh.ts, ja.ts)
// and read by the injection detector (../injection.ts), which runs them over every view of the text
// (../normalize.ts): lower-cased, NFKC-normalized, obfuscation undone.

/** What the rule recognises; jailbreaks (persona, fiction) and injections (the rest) are reported apart. */
export type InjectionType =
  | "instruction-override" // ignore / forget / disregard the previous instructions; new instructions take over
  | "persona" // role-play and persona escapes: DAN, developer mode, "you are now an AI without restrictions"
  | "fiction" // hypothetical or story framing used to get round refusals
  | "fake-marker" // fake system or chat-template markers: <|im_start|>system, [INST], ### System:, {"role":"system"}
  | "prompt-leak" // asks for the system prompt, hidden instructions, the text above
  | "indirect"; // instructions planted in data for the model that reads it: "AI assistant reading this: …"

/** Every type, in a fixed order (the classifier's weights are laid out in it). */
export const INJECTION_TYPES: readonly InjectionType[] = ["instruction-override", "persona", "fiction", "fake-marker", "prompt-leak", "indirect"];

export const JAILBREAK_TYPES: ReadonlySet<InjectionType> = new Set(["persona", "fiction"]);

export interface InjectionRule {
  /** Stable and unique: `<lang>.<type>.<name>`, e.g. `de.instruction-override.ignoriere-anweisungen`. */
  readonly id: string;
  readonly lang: string;
  readonly type: InjectionType;
  /**
   * RE2 source, matched against a view's text (lower-case, NFKC; collapse of whitespace is NOT done, so use
   * `\s+` between words). No lookaround, no backreferences. Keep each rule narrow: one phrasing family.
   */
  readonly pattern: string;
  /**
   * 1: enough on its own to report (an unambiguous attack phrase). Below 1: a signal that needs others near it
   * to reach 1. The detector sums across ALL types within a 600-character window (each rule once, at its largest
   * weight), e.g. "from now on" 0.4 + "no restrictions" 0.6; the finding takes the weak type with the most weight.
   */
  readonly weight: number;
}
