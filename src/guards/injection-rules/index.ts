import { rules as de } from "./de.js";
import { rules as en } from "./en.js";
import { rules as es } from "./es.js";
import { rules as fr } from "./fr.js";
import { rules as it } from "./it.js";
import { rules as ja } from "./ja.js";
import { rules as markers } from "./markers.js";
import { rules as pt } from "./pt.js";
import { rules as ru } from "./ru.js";
import type { InjectionRule } from "./types.js";
import { rules as zh } from "./zh.js";

// Every language's injection rules, and the fake chat markers that belong to none. The detector compiles
// them once into one set, so a rule added to any language file is read without further wiring.

export const INJECTION_RULES: readonly InjectionRule[] = [...markers, ...en, ...de, ...fr, ...es, ...it, ...pt, ...ru, ...zh, ...ja];
