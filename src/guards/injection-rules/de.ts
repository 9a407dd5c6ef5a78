import type { InjectionRule, InjectionType } from "./types.js";

// German injection and jailbreak phrasings: du- and Sie-imperatives, the infinitive order of instruction
// lists ("vorherige Anweisungen ignorieren"), and inflected adjectives. Infinitives with "zu" (how articles
// describe an attack in the third person) are left out on purpose.

const rule = (type: InjectionType, name: string, pattern: string, weight = 1): InjectionRule => ({
  id: `de.${type}.${name}`,
  lang: "de",
  type,
  pattern,
  weight,
});

const W = String.raw`(?:^|[^\p{L}])`;
const IGNORE = String.raw`(?:ignorier(?:e|t|en\s+sie)?|vergiss|vergesst|vergessen\s+sie|missachte(?:t|n\s+sie)?|übergeh(?:e|t|en\s+sie)?|verwirf|verwerfen\s+sie|überschreibe?|lösche?)`;
const FILL = String.raw`(?:(?:bitte|einfach|jetzt|nun|sofort|ab\s+sofort|ab\s+jetzt|ruhig|mal|komplett|vollständig|ganz|doch|also)\s+)*`;
const DET = String.raw`(?:(?:alle|all|sämtliche|jegliche|jede|die|deine|dein|ihre|eure|der|den|das|diese|meine)\s+)*`;
const PRIOR = String.raw`(?:bisherigen?|vorherigen?|vorigen?|vorangegangenen?|vorangehenden?|früheren?|obigen?|oben\s+(?:genannten?|stehenden?|aufgeführten?)|ursprünglichen?|anfänglichen?|zuvor\s+(?:gegebenen?|erhaltenen?))`;
const QUAL = String.raw`(?:(?:${PRIOR}|internen?|geheimen?|gesamten?|alten?|aktuellen?|bestehenden?|programmierten?|eingebauten?)\s+)`;
const RULES = String.raw`(?:anweisung|instruktion|befehl|regel|vorgabe|richtlinie|systemprompt|system-prompt|systemanweisung|einschränkung|beschränkung|sicherheits|anordnung|programmierung|direktive|leitlinie|restriktion|filter|prompt)`;
const FREE = String.raw`(?:ohne|frei\s+von)\s+(?:jegliche\s+|alle\s+|irgendwelche\s+|jede\s+)?(?:einschränkung|beschränkung|filter|zensur|regeln|grenzen|richtlinien|moral|ethi|sicherheits|inhaltsrichtlinien|restriktion|limit|skrupel|gewissen|tabus)`;
const AI = String.raw`(?:ki|ki-assistent(?:en)?|ki-system(?:e)?|ki-modell(?:e)?|ki-agent(?:en)?|künstliche\s+intelligenz|sprachmodell(?:e)?|llms?|chatbots?|ai|assistent)`;
const LEAK_VERB = String.raw`(?:zeig|zeige|gib|nenne|nenn|verrate|verrat|wiederhole|wiederhol|drucke|druck|liste|kopiere|poste|offenbare|enthülle|sag|teile|gib\s+mir|zeigen\s+sie|nennen\s+sie|geben\s+sie|wiederholen\s+sie)`;
const HARM = String.raw`(?:bombe|sprengstoff|sprengsatz|rohrbombe|napalm|nervengas|sarin|rizin|anthrax|biowaffe|chemiewaffe|giftgas|meth|methamphetamin|crystal|kokain|heroin|fentanyl|schusswaffe|molotow|malware|ransomware|trojaner|keylogger|phishing|einbrechen|kurzschließen|schloss\s+knacken|vergiften|geldwäsche|falschgeld|drogen\s+herstell|waffe\s+bau)`;

export const rules: readonly InjectionRule[] = [
  // instruction override
  rule("instruction-override", "ignoriere-vorherige-anweisungen", String.raw`${W}${IGNORE}\s+${FILL}${DET}${QUAL}+${RULES}`),
  rule("instruction-override", "ignoriere-deine-anweisungen", String.raw`${W}${IGNORE}\s+${FILL}(?:alle\s+(?:deine\s+|ihre\s+)?|deine\s+|ihre\s+|sämtliche\s+|jegliche\s+)${RULES}`),
  rule("instruction-override", "vergiss-was-man-dir-gesagt-hat", String.raw`${W}${IGNORE}\s*,?\s*(?:alles\s*,?\s*)?(?:das\s*,?\s*)?(?:was|worauf)\s+(?:man\s+)?(?:dir|ihnen|euch)\s+(?:\S+\s+){0,4}?(?:gesagt|beigebracht|vorgegeben|aufgetragen|befohlen|mitgeteilt|erzählt|programmiert|eingeschärft|angewiesen|gegeben)`),
  rule("instruction-override", "ignoriere-alles-oben", String.raw`${W}${IGNORE}\s+${FILL}alles\s*,?\s*(?:oben|davor|zuvor|vorherige|bisherige|obige|vorher|bis\s+hierhin|bisher\s+gesagte|vorangegangene|über\s+dieser\s+zeile|was\s+(?:oben|davor|vorher|bisher|zuvor))`),
  rule("instruction-override", "anweisungen-oben-nicht-beachten", String.raw`${RULES}\S*\s+(?:von\s+)?(?:oben|davor|zuvor|vorher|bisher)\s+(?:ignorieren|vergessen|missachten|nicht\s+(?:mehr\s+)?(?:beachten|befolgen)|außer\s+acht\s+lassen)(?:\s*[.!,;:]|\s*$|\s+und|\s+sondern)`),
  rule("instruction-override", "vorherige-anweisungen-ignorieren", String.raw`${W}${PRIOR}\s+(?:\S+\s+)?${RULES}\S*\s+(?:ignorieren|vergessen|missachten|verwerfen|nicht\s+(?:mehr\s+)?(?:beachten|befolgen)|außer\s+acht\s+lassen|über\s+bord\s+werfen)(?:\s*[.!,;:]|\s*$|\s+und|\s+sondern)`),
  rule("instruction-override", "beachte-anweisungen-nicht", String.raw`${W}(?:beachte|befolge|beachten\s+sie|befolgen\s+sie)\s+${DET}${QUAL}*${RULES}\S*\s+(?:\S+\s+)?nicht\s+mehr`),
  rule("instruction-override", "halte-dich-nicht-an-regeln", String.raw`${W}(?:halte|halt)\s+dich\s+(?:ab\s+sofort\s+|ab\s+jetzt\s+|jetzt\s+|nun\s+)?(?:nicht\s+mehr|nicht|nie\s+mehr)\s+an\s+(?:deine|ihre|die\s+${PRIOR}|${PRIOR}|irgendwelche)\s*(?:\S+\s+)?${RULES}`),
  rule("instruction-override", "nicht-mehr-gebunden", String.raw`${W}(?:du\s+bist|sie\s+sind)\s+(?:ab\s+sofort\s+|ab\s+jetzt\s+|jetzt\s+|nun\s+)?(?:nicht\s+mehr|nicht\s+länger|nicht)\s+an\s+(?:\S+\s+){0,2}?${RULES}\S*\s+gebunden`),
  rule("instruction-override", "anweisungen-sind-ungueltig", String.raw`${W}(?:(?:alle|deine|ihre|sämtliche)\s+)?(?:${PRIOR}\s+|(?:alle|deine|ihre|sämtliche)\s+)${RULES}\S*\s+(?:sind|gelten|werden|wurden)\s+(?:ab\s+sofort\s+|ab\s+jetzt\s+|jetzt\s+|nun\s+|hiermit\s+|ab\s+hier\s+)*(?:ungültig|aufgehoben|außer\s+kraft|nichtig|hinfällig|überholt|nicht\s+mehr\s+gültig|deaktiviert|gelöscht|ersetzt)`),
  rule("instruction-override", "vorrang-vor-anweisungen", String.raw`vorrang\s+vor\s+(?:allen|sämtlichen|deinen|ihren|den)\s+(?:\S+\s+)?${RULES}`),
  rule("instruction-override", "neue-anweisungen", String.raw`${W}neue\s+(?:system)?(?:anweisungen?|instruktionen?|befehle?|regeln|direktiven?)\s*:`, 0.6),
  rule("instruction-override", "deine-neue-aufgabe", String.raw`${W}(?:deine|ihre)\s+(?:neue|eigentliche|wahre|echte|einzige)\s+(?:aufgabe|anweisung|rolle|mission)\s+(?:ist|lautet|besteht|:)`, 0.6),
  rule("instruction-override", "ab-sofort", String.raw`${W}(?:ab\s+sofort|ab\s+jetzt|von\s+nun\s+an|ab\s+diesem\s+moment|ab\s+hier)`, 0.4),
  rule("instruction-override", "befolge-nur-meine", String.raw`${W}(?:befolge|gehorche|folge|befolgen\s+sie|gehorchen\s+sie)\s+(?:ab\s+sofort\s+|ab\s+jetzt\s+)?(?:nur\s+noch|nur|ausschließlich|stattdessen)\s+(?:meinen|meine|mir|diesen|den\s+folgenden|dieser|diesem)`, 0.6),

  // persona escapes
  rule("persona", "du-bist-ohne-einschraenkungen", String.raw`${W}(?:du\s+bist|sie\s+sind)\s+(?:jetzt\s+|nun\s+|ab\s+sofort\s+|ab\s+jetzt\s+|von\s+nun\s+an\s+|ab\s+heute\s+)?[^.!?\n]{0,50}?${FREE}`),
  rule("persona", "ki-ohne-einschraenkungen", String.raw`${W}(?:ki|assistent|modell|chatbot|bot|sprachmodell|version|ai|llm|gpt|variante)\s+(?:ganz\s+|völlig\s+|komplett\s+)?${FREE}`, 0.6),
  rule("persona", "du-hast-keine-einschraenkungen", String.raw`${W}(?:du\s+(?:hast|kennst|unterliegst|besitzt)|es\s+gibt\s+für\s+dich|für\s+dich\s+gelten)\s+(?:ab\s+sofort\s+|jetzt\s+|nun\s+|ab\s+jetzt\s+|also\s+)?(?:keine|keinerlei)\s+(?:\S+\s+)?(?:einschränkung|beschränkung|filter|zensur|regeln|grenzen|richtlinien|moral|skrupel|restriktion|limits|tabus|ethische)`, 0.7),
  rule("persona", "unzensiert", String.raw`${W}(?:unzensiert|ungefiltert|uneingeschränkt|unbeschränkt|ungezügelt|amoralisch|unmoralisch)\S*\s+(?:ki|modus|version|assistent|modell|chatbot|antworten|antwort|variante|persönlichkeit)`, 0.6),
  rule("persona", "du-bist-jetzt-unzensiert", String.raw`${W}(?:du\s+bist|sie\s+sind)\s+(?:jetzt|nun|ab\s+sofort|ab\s+jetzt|von\s+nun\s+an)\s+(?:eine?\s+)?(?:unzensiert|ungefiltert|uneingeschränkt|amoralisch|unmoralisch|böse|bösartig|befreit|frei)`),
  rule("persona", "du-bist-dan", String.raw`${W}(?:(?:du\s+bist|bist\s+du)\s+(?:jetzt\s+|nun\s+|ab\s+sofort\s+)?|antworte\s+(?:ab\s+sofort\s+|jetzt\s+)?als\s+|spiel\s+|spiele\s+|sei\s+|agiere\s+als\s+|verhalte\s+dich\s+wie\s+|modus\s+)dan(?:[^\p{L}]|$)`),
  rule("persona", "dan-modus", String.raw`${W}dan[\s-]?modus`),
  rule("persona", "im-entwicklermodus", String.raw`${W}(?:du\s+(?:bist|befindest\s+dich|läufst|arbeitest)|sie\s+(?:sind|befinden\s+sich))\s+(?:jetzt\s+|nun\s+|ab\s+sofort\s+)?(?:im|in\s+den)\s+(?:entwickler|developer|debug|admin|gott|god|jailbreak|dan|unzensierten?|uneingeschränkten?)[\s-]?(?:modus|mode)`),
  rule("persona", "modus-aktiviert", String.raw`${W}(?:entwickler|developer|jailbreak|dan|gott|god|admin)[\s-]?(?:modus|mode)\s+(?:ist\s+|wurde\s+)?(?:jetzt\s+|nun\s+)?(?:aktiviert|aktiv|eingeschaltet|freigeschaltet)`, 0.5),
  rule("persona", "aktiviere-jailbreak-modus", String.raw`${W}(?:aktiviere|starte|wechsle\s+(?:in|zu)|schalte|aktivieren\s+sie)\s+(?:den\s+|in\s+den\s+)?(?:jailbreak|dan|gott|unzensierten|uneingeschränkten|ungefilterten)[\s-]?modus`),
  rule("persona", "jailbreak", String.raw`${W}(?:jailbreak|gejailbreakt|jailbroken)`, 0.4),
  rule("persona", "boese-version-von-dir", String.raw`${W}(?:böse|bösartige|dunkle|unzensierte|ungefilterte|uneingeschränkte|unmoralische|amoralische|befreite)[nr]?\s+(?:version|variante|zwilling|alter\s+ego|seite|ki)\s+(?:von\s+dir|deiner\s+selbst|deiner)`),
  rule("persona", "spiele-unzensierte-rolle", String.raw`${W}(?:spiel|spiele|sei|werde|antworte\s+als|antworte\s+wie|verhalte\s+dich\s+wie|agiere\s+als|schlüpfe\s+in\s+die\s+rolle|übernimm\s+die\s+rolle)\s[^.!?\n]{0,50}?(?:unzensiert|ungefiltert|uneingeschränkt|unmoralisch|amoralisch|${FREE})`),
  rule("persona", "bleib-in-der-rolle", String.raw`${W}(?:(?:bleib|bleibe|bleiben\s+sie)\s+(?:immer\s+|stets\s+|unbedingt\s+|bitte\s+|auf\s+jeden\s+fall\s+)*(?:in\s+(?:deiner|der|dieser)\s+rolle|im\s+charakter|in\s+character)|(?:fall|falle)\s+(?:niemals|nie|nicht)\s+(?:\S+\s+)?aus\s+der\s+rolle|verlasse?\s+(?:niemals|nie)\s+(?:die|deine)\s+rolle)`, 0.5),
  rule("persona", "tu-so-als-ob", String.raw`${W}(?:(?:tu|tue|tun\s+sie)\s+so\s*,?\s+als\s+(?:ob|wärst|wäre|würdest|hättest|könntest)|stell\s+dir\s+vor\s*,?\s+du\s+(?:bist|wärst|hättest)|(?:ab\s+sofort|ab\s+jetzt|von\s+nun\s+an)\s+(?:bist|spielst|antwortest)\s+du)`, 0.4),
  rule("persona", "verstorbene-oma", String.raw`${W}(?:tu\s+so\s*,?\s+als|spiel|spiele|sei|agiere\s+als|verhalte\s+dich\s+wie|gib\s+dich\s+als|du\s+bist)\s[^.!?\n]{0,40}?(?:verstorbene|tote|selige)n?\s+(?:oma|omi|großmutter|grossmutter)`),
  rule("persona", "oma-las-anleitung-vor", String.raw`${W}(?:oma|omi|großmutter|grossmutter)[^\n]{0,120}?(?:vorgelesen|vorlas|erzählte|erzählt|zum\s+einschlafen)[^\n]{0,80}?${HARM}`),
  rule("persona", "lehne-nie-ab", String.raw`${W}(?:(?:verweigere|lehne)\s+(?:niemals|nie)\s+(?:\S+\s+){0,3}?(?:ab|anfrage|antwort|frage)|du\s+(?:darfst|kannst)\s+(?:niemals|nie|nichts)\s+(?:\S+\s+)?(?:ablehnen|verweigern)|(?:beantworte|antworte\s+auf)\s+(?:jede|alle)\s+(?:frage|anfrage)n?[^.!?\n]{0,40}?(?:egal|unabhängig|ohne\s+ausnahme))`, 0.5),

  // fiction framing
  rule("fiction", "hypothetisch-roman", String.raw`${W}(?:rein\s+)?(?:hypothetisch|theoretisch\s+gesehen|in\s+einer\s+(?:fiktiven\s+|erfundenen\s+)?(?:geschichte|welt|erzählung|parallelwelt)|für\s+(?:einen|meinen|ein|mein|unseren|unser)\s+(?:roman|buch|drehbuch|krimi|thriller|film|theaterstück|rollenspiel|kurzgeschichte)|in\s+(?:einem|meinem)\s+(?:roman|buch|drehbuch|krimi|film|thriller)|gedankenexperiment|fiktive[snm]?\s+(?:szenario|geschichte|welt)|stell\s+dir\s+eine\s+welt\s+vor|nur\s+zu\s+(?:forschungs|bildungs)zwecken)`, 0.5),
  rule("fiction", "im-detail", String.raw`${W}(?:(?:erkläre|erklär|beschreibe|beschreib|schildere|erzähl|erzähle|liste|zeige)\s[^.!?\n]{0,60}?(?:im\s+detail|detailliert|genau|schritt\s+für\s+schritt|ausführlich|präzise|exakt|mit\s+allen\s+details|technisch\s+korrekt|realistisch)|schritt[\s-]für[\s-]schritt|(?:genaue|detaillierte|exakte)\s+anleitung|(?:genauen|exakten)\s+(?:mengen|mengenangaben|zutaten))`, 0.3),
  rule("fiction", "schaedliches-thema", String.raw`${W}${HARM}`, 0.5),
  rule("fiction", "figur-erklaert", String.raw`${W}(?:figur|charakter|protagonist|bösewicht|schurke|held|chemiker|hacker)\S*\s+(?:\S+\s+){0,3}?(?:erklärt|beschreibt|erzählt|verrät|zeigt)\s`, 0.3),

  // fake system and turn markers
  rule("fake-marker", "klammer-systemnachricht", String.raw`[\[<{]\s*/?\s*(?:systemnachricht|systemanweisung|systemhinweis|system-nachricht|system-anweisung|systemmeldung|nachricht\s+vom\s+system|neue\s+anweisungen?|entwickleranweisung|admin-anweisung)\s*[\]>}]`),
  rule("fake-marker", "kopfzeile-systemnachricht", String.raw`(?:^|\n)\s*(?:[#*>=\-\[]+\s*)?(?:systemnachricht|systemanweisung|system-anweisung|system-nachricht|systemhinweis|nachricht\s+vom\s+(?:system|entwickler|administrator)|anweisung\s+vom\s+(?:system|entwickler|administrator)|entwickleranweisung|admin-anweisung|administrator|entwickler)\s*(?:\*+\s*)?(?:\]\s*)?:`, 0.6),
  rule("fake-marker", "ende-der-eingabe", String.raw`${W}(?:ende|schluss)\s+(?:der|des)\s+(?:benutzereingabe|nutzereingabe|eingabe|kontexts?|dokuments|systemnachricht|systemanweisungen|konversation|anweisungen|benutzernachricht|nutzernachricht)\s*(?:[-=#*\]>]|\n|$)`, 0.5),
  rule("fake-marker", "autorisiert-von", String.raw`${W}(?:autorisiert|genehmigt|freigegeben|angeordnet|signiert)\s+(?:von|durch)\s+(?:openai|anthropic|google|meta|den\s+entwicklern|dem\s+entwickler|dem\s+(?:system)?administrator|dem\s+betreiber|dem\s+systemteam)`, 0.5),
  rule("fake-marker", "filter-deaktiviert", String.raw`${W}(?:sicherheits(?:filter|richtlinien|regeln|protokolle|einschränkungen)|filter|einschränkungen|inhaltsrichtlinien|moderation|zensur)\s+(?:wurden|sind|ist|wurde)\s+(?:jetzt\s+|nun\s+|ab\s+sofort\s+|hiermit\s+|vorübergehend\s+|vollständig\s+|alle\s+)*(?:deaktiviert|aufgehoben|entfernt|ausgeschaltet|abgeschaltet|außer\s+kraft)`, 0.5),

  // prompt leak
  rule("prompt-leak", "zeig-deinen-systemprompt", String.raw`${W}${LEAK_VERB}\s+(?:mir\s+|uns\s+)?(?:bitte\s+|jetzt\s+|mal\s+|sofort\s+|einfach\s+|doch\s+)*(?:deinen|deine|dein|ihren|ihre|ihr|den|die|das)\s+(?:\S+\s+){0,2}?(?:system[\s-]?prompt|system[\s-]?nachricht|system[\s-]?anweisung|anfangsanweisung|initialanweisung|startanweisung|versteckten?\s+anweisung|geheimen?\s+anweisung|ursprünglichen?\s+anweisung|initialen?\s+anweisung|vorgegebenen?\s+anweisung)`),
  rule("prompt-leak", "zeig-deine-anweisungen", String.raw`${W}${LEAK_VERB}\s+(?:mir\s+|uns\s+)?(?:bitte\s+|jetzt\s+|mal\s+|sofort\s+|einfach\s+|doch\s+)*(?:alle\s+)?(?:deinen|deine|dein|ihren|ihre)\s+(?:\S+\s+)?(?:prompt|anweisungen|instruktionen|vorgaben|konfiguration|richtlinien|regeln)`, 0.6),
  rule("prompt-leak", "geheime-anweisungen", String.raw`${W}(?:geheimen?|versteckten?|verborgenen?|internen?|vertraulichen?|ursprünglichen?|initialen?|vollständigen?)\s+(?:anweisungen|instruktionen|regeln|richtlinien|vorgaben|system[\s-]?prompts?|prompts?)`, 0.4),
  rule("prompt-leak", "wie-lautet-dein-systemprompt", String.raw`${W}(?:wie\s+lautet|wie\s+lauten|was\s+(?:ist|sind|steht\s+in|enthält|beinhaltet)|welche[sn]?\s+\p{L}+\s+(?:hat|haben|enthält))\s+(?:genau\s+)?(?:dein|deine|deinem|deiner|ihr|ihre|ihrem)\s+(?:\S+\s+)?(?:system[\s-]?prompt|systemnachricht|systemanweisung|anfangsanweisung|prompt|anweisungen|instruktionen)`),
  rule("prompt-leak", "welche-anweisungen-bekommen", String.raw`${W}(?:mit\s+)?welche[nr]?\s+(?:anweisungen|instruktionen|vorgaben|prompts?)\s+(?:hast\s+du|hat\s+man\s+dir|wurden\s+dir|wurdest\s+du|bist\s+du|haben\s+sie)\s+(?:\S+\s+){0,3}?(?:bekommen|erhalten|gegeben|mitgegeben|eingegeben|vorgegeben|programmiert|konfiguriert|initialisiert|eingerichtet|gestartet|instruiert)`),
  rule("prompt-leak", "text-oben-wiederholen", String.raw`${W}(?:wiederhole|wiederhol|gib|zeig|zeige|drucke|kopiere|schreib|schreibe|wiederholen\s+sie|geben\s+sie)\s+(?:\S+\s+){0,4}?(?:den\s+text|alles|den\s+inhalt|die\s+nachricht|die\s+wörter|die\s+zeilen|alle\s+nachrichten|den\s+gesamten\s+text)\s*,?\s+(?:\S+\s+){0,2}?(?:oben|über\s+(?:dieser|diesem|der|meiner)|vor\s+(?:dieser|diesem|meiner)|davor|bisher|am\s+anfang)`, 0.6),
  rule("prompt-leak", "wortwoertlich", String.raw`${W}(?:wortwörtlich|wort\s+für\s+wort|unverändert|buchstabengetreu|1:1|im\s+originalwortlaut|vollständig\s+und\s+exakt)`, 0.4),
  rule("prompt-leak", "beginnend-mit-du-bist", String.raw`${W}(?:beginnend|angefangen|anfangend|beginne|fang\s+an|starte)\s+(?:mit|bei)\s+(?:den\s+worten\s+)?["'„“»«]?\s*(?:du\s+bist|sie\s+sind|you\s+are)`),

  // instructions planted in data for the model that reads it
  rule("indirect", "hinweis-an-die-ki", String.raw`${W}(?:hinweis|nachricht|anweisung|anweisungen|botschaft|info|wichtig|notiz|memo|befehl)\s+(?:an|für)\s+(?:die\s+|den\s+|das\s+|alle\s+|jede\s+|jeden\s+)?${AI}(?:[^\p{L}\-]|$)`),
  rule("indirect", "an-die-ki-die-dies-liest", String.raw`${W}(?:an|liebe[rs]?|hallo|hey|achtung)\s+(?:die\s+|den\s+|jede\s+|alle\s+|das\s+)?${AI}\s*,?\s*(?:die|der|welche[rs]?|das)\s+(?:\S+\s+){0,4}?(?:liest|lesen|verarbeitet|verarbeiten|zusammenfasst|zusammenfassen|analysiert|auswertet|durchsucht|übersetzt|bearbeitet|prüft)`),
  rule("indirect", "wenn-du-eine-ki-bist", String.raw`${W}(?:wenn|falls|sofern)\s+du\s+(?:eine?\s+|ein\s+)?(?:ki|ki-assistent|sprachmodell|llm|chatbot|bot|künstliche\s+intelligenz|ki-agent|automatisierte[rs]?\s+(?:system|assistent|agent))\s+bist`, 0.7),
  rule("indirect", "leite-weiter-an", String.raw`${W}(?:leite|sende|schicke|übermittle|maile)\s+(?:\S+\s+){0,5}?(?:weiter\s+)?(?:an|nach)\s+[^\s@]+@`, 0.5),
  rule("indirect", "sag-dem-nutzer-nicht", String.raw`${W}(?:(?:erwähne|sage|sag|erzähle|verrate|zeige)\s+(?:dem|der|den)\s+(?:nutzer|benutzer|anwender|leser|empfänger|kunden)\S*\s+(?:\S+\s+){0,3}?nicht|ohne\s+(?:dass\s+)?(?:der|den|dem)\s+(?:nutzer|benutzer|anwender)\S*\s+(?:\S+\s+){0,2}?(?:merkt|mitbekommt|erfährt|informieren|darüber\s+zu\s+informieren))`, 0.6),
  rule("indirect", "in-deiner-zusammenfassung", String.raw`${W}(?:in|bei)\s+(?:deiner|der|jeder|ihrer)\s+(?:zusammenfassung|antwort|bewertung|analyse)\s+(?:\S+\s+){0,4}?(?:füge|schreibe|erwähne|gib|behaupte|empfehle|empfiehl|bewerte|stelle)`, 0.4),
  rule("indirect", "empfiehl-als-besten", String.raw`${W}(?:empfiehl|empfehle|bewerte|stufe|präsentiere)\s+(?:\S+\s+){0,4}?(?:als\s+(?:den\s+|die\s+|das\s+)?(?:besten?|beste|hervorragend|perfekten?|idealen?)|mit\s+(?:5|fünf|10|zehn)\s+(?:sternen|punkten))`, 0.4),
];
