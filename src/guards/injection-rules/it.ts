import type { InjectionRule, InjectionType } from "./types.js";

// Italian injection and jailbreak phrasings: tu- and Lei-imperatives with enclitic pronouns ("mostrami",
// "dimmi"), the negative imperative with the infinitive ("non seguire più"), adjectives after the noun.

const rule = (type: InjectionType, name: string, pattern: string, weight = 1): InjectionRule => ({
  id: `it.${type}.${name}`,
  lang: "it",
  type,
  pattern,
  weight,
});

const W = String.raw`(?:^|[^\p{L}])`;
const IGNORE = String.raw`(?:ignora|ignori|ignorate|dimentica|dimentichi|dimenticate|dimenticati\s+(?:di|delle|dei)|scorda|scordati\s+(?:di|delle|dei)|tralascia|tralasci|trascura|trascuri|non\s+tenere\s+conto\s+(?:di|delle|dei)|non\s+considerare|salta|scarta|annulla|cancella|disobbedisci\s+a(?:lle)?)`;
const FILL = String.raw`(?:(?:per\s+favore|semplicemente|ora|adesso|subito|completamente|totalmente|pure)\s+)*`;
const NOUN = String.raw`(?:istruzion[ei]|indicazion[ei]|ordini|regole|norme|direttive|linee\s+guida|restrizioni|limitazioni|limiti|filtri|prompt|programmazione|consegne|politiche)`;
const PRIOR = String.raw`(?:precedent[ei]|anterior[ei]|di\s+sopra|sopra|qui\s+sopra|di\s+prima|iniziali|originali|del\s+sistema|di\s+sistema|nascost[ei]|segret[ei]|intern[ei]|ricevut[ei]|dat[ei]|che\s+(?:ti\s+hanno\s+dato|hai\s+ricevuto|le\s+hanno\s+dato)|attuali|vigenti)`;
const FREE = String.raw`senza\s+(?:alcun[ao]?\s+|nessun[ao]?\s+|più\s+)?(?:restrizion|limit|filtr|censur|regol|norm|moral|etic|scrupol|tabù|barrier)`;
const AI = String.raw`(?:ia|ai|intelligenza\s+artificiale|assistent[ei]\s+(?:ia|ai|virtual[ei])|modell[oi]\s+(?:di\s+)?linguaggio|llms?|chatbot|agent[ei]\s+(?:ia|ai)|bot)`;
const HARM = String.raw`(?:bomba|esplosivo|napalm|gas\s+nervino|sarin|ricina|antrace|arma\s+chimica|arma\s+biologica|metanfetamina|cocaina|eroina|fentanyl|molotov|malware|ransomware|keylogger|phishing|scassinare|rubare\s+un['’]auto|avvelenare|veleno\s+non\s+rilevabile|riciclare\s+denaro|denaro\s+falso|costruire\s+un['’]arma|hackerare)`;
const LEAK_VERB = String.raw`(?:mostra|mostrami|mostraci|mostri|mi\s+mostri|fammi\s+vedere|dimmi|dicci|mi\s+dica|dammi|rivela|rivelami|riveli|ripeti|ripetimi|ripeta|stampa|scrivi|scrivimi|copia|elenca|condividi|esponi|riporta)`;

export const rules: readonly InjectionRule[] = [
  // instruction override
  rule("instruction-override", "ignora-le-istruzioni-precedenti", String.raw`${W}${IGNORE}\s+${FILL}(?:tutt[ei]\s+)?(?:le\s+|i\s+|gli\s+|tue\s+|tuoi\s+|sue\s+|suoi\s+|queste\s+|quelle\s+|la\s+|il\s+|delle\s+|dei\s+|le\s+tue\s+|i\s+tuoi\s+|le\s+sue\s+)?${NOUN}\s+(?:\S+\s+)?${PRIOR}`),
  rule("instruction-override", "dimentica-le-tue-istruzioni", String.raw`${W}${IGNORE}\s+${FILL}(?:tutt[ei]\s+)?(?:le\s+tue|i\s+tuoi|le\s+sue|i\s+suoi|tue|tuoi|le\s+vostre)\s+${NOUN}`),
  rule("instruction-override", "dimentica-tutto-quello-che-ti-hanno-detto", String.raw`${W}${IGNORE}\s+${FILL}tutto\s*(?:(?:ciò|quello|quanto)\s+(?:che\s+)?(?:ti\s+(?:è\s+stato|hanno|avevano|ho)|le\s+(?:è\s+stato|hanno))\s+(?:\S+\s+)?(?:detto|ordinato|indicato|programmato|insegnato|chiesto|dato)|(?:ciò|quello|quanto)\s+(?:che\s+)?(?:c['’]è|è\s+scritto|sta|viene)\s+(?:\S+\s+)?(?:sopra|prima)|il\s+resto|quanto\s+(?:detto\s+)?(?:sopra|prima)|quello\s+(?:detto\s+)?(?:sopra|prima))`),
  rule("instruction-override", "non-seguire-piu-le-regole", String.raw`${W}non\s+(?:seguire|rispettare|obbedire\s+a|applicare|segua|rispetti)\s+più\s+(?:nessuna\s+delle\s+)?(?:le\s+|i\s+|alle\s+|ai\s+)?(?:tue\s+|tuoi\s+|sue\s+|queste\s+)?${NOUN}`),
  rule("instruction-override", "non-sei-piu-vincolato", String.raw`${W}non\s+(?:sei|è)\s+più\s+(?:vincolat[oa]|obbligat[oa]|legat[oa]|sottopost[oa]|tenut[oa])\s+(?:a|dalle|dai|alle|ai)\s+(?:rispettare\s+|seguire\s+)?(?:le\s+|i\s+)?(?:tue\s+|tuoi\s+|sue\s+|alcun[ae]?\s+)?(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "istruzioni-annullate", String.raw`${W}(?:tutte\s+)?(?:le\s+|i\s+)(?:tue\s+|tuoi\s+|sue\s+)?${NOUN}\s+(?:\S+\s+)?(?:sono|vengono|risultano)\s+(?:ora\s+|adesso\s+|da\s+ora\s+)?(?:state\s+)?(?:annullat[ei]|revocat[ei]|obsolet[ei]|sospes[ei]|eliminat[ei]|sostituit[ei]|disattivat[ei]|nulle|non\s+più\s+valide)`),
  rule("instruction-override", "istruzioni-non-valgono-piu", String.raw`${W}(?:le\s+|i\s+)(?:tue\s+|tuoi\s+)?${NOUN}\s+${PRIOR}\s+non\s+(?:valgono|contano|si\s+applicano|sono\s+(?:più\s+)?valide)`),
  rule("instruction-override", "priorita-sulle-istruzioni", String.raw`(?:ha|hanno)\s+(?:la\s+)?(?:priorità|precedenza)\s+su\s+(?:tutte\s+)?(?:le\s+|i\s+|qualsiasi\s+)?(?:tue\s+|tuoi\s+)?(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "nuove-istruzioni", String.raw`${W}nuov[ei]\s+(?:istruzion[ei]|ordini|regole|direttive|indicazioni)\s*:`, 0.6),
  rule("instruction-override", "il-tuo-nuovo-compito", String.raw`${W}(?:il\s+tuo|il\s+suo)\s+(?:nuovo|vero|unico|autentico)\s+(?:compito|obiettivo|ruolo|incarico)\s+(?:è|sarà|consiste|:)`, 0.6),
  rule("instruction-override", "da-ora-in-poi", String.raw`${W}(?:da\s+(?:ora|adesso|questo\s+momento|oggi)\s+in\s+(?:poi|avanti)|d['’]ora\s+in\s+(?:poi|avanti)|a\s+partire\s+da\s+(?:ora|adesso|questo\s+momento)|da\s+adesso)`, 0.4),
  rule("instruction-override", "obbedisci-solo-a-me", String.raw`${W}(?:obbedisci\s+(?:solo|soltanto|unicamente)|segui\s+(?:solo|soltanto|unicamente)\s+(?:le\s+mie|queste|le\s+seguenti)|ubbidisci\s+(?:solo|soltanto)\s+a\s+me)`, 0.6),

  // persona escapes
  rule("persona", "sei-senza-restrizioni", String.raw`${W}(?:sei|diventi|sarai|è\s+ora|lei\s+è)\s+(?:ora\s+|adesso\s+|d['’]ora\s+in\s+poi\s+|da\s+ora\s+in\s+poi\s+)?[^.!?\n]{0,50}?${FREE}`),
  rule("persona", "ia-senza-filtri", String.raw`${W}(?:ia|ai|assistente|modello|chatbot|versione|bot|llm|gpt|entità)\s+(?:totalmente\s+|completamente\s+)?${FREE}`, 0.6),
  rule("persona", "non-hai-restrizioni", String.raw`${W}non\s+(?:hai|ha|conosci|esistono\s+per\s+te)\s+(?:più\s+)?(?:alcun[ao]?|nessun[ao]?)?\s*(?:\S+\s+)?(?:restrizion|limit|filtr|regol|censur|norm|moral|etic|tabù|scrupol)`, 0.7),
  rule("persona", "senza-censura", String.raw`${W}(?:ia|modalità|versione|assistente|modello|chatbot|rispost[ae]|personalità)\s+(?:senza\s+censura|senza\s+filtri|non\s+censurat[ao]|non\s+filtrat[ao]|libera\s+da\s+restrizioni|sbloccat[ao]|liberat[ao]|amorale|immorale)`, 0.6),
  rule("persona", "ora-sei-malvagio", String.raw`${W}(?:ora|adesso|d['’]ora\s+in\s+poi|da\s+ora\s+in\s+poi)\s*,?\s+(?:sei|sarai)\s+(?:un[ao['’]]?\s*)?(?:\S+\s+)?(?:senza\s+censura|senza\s+filtri|malvagi[oa]|malefic[oa]|amorale|immorale|liberat[oa]|sbloccat[oa])`),
  rule("persona", "sei-dan", String.raw`${W}(?:sei|sarai|agisci\s+come|comportati\s+come|interpreta|fai\s+finta\s+di\s+essere|rispondi\s+come|diventa|modalità)\s+(?:ora\s+|adesso\s+)?dan(?:[^\p{L}]|$)`),
  rule("persona", "in-modalita-sviluppatore", String.raw`${W}(?:sei|è|entri|entra|passi|passa|funzioni|attivi|attiva)\s+(?:ora\s+|adesso\s+)?(?:in|nella)\s+modalità\s+(?:sviluppatore|developer|dev|dan|jailbreak|dio|god|senza\s+censura|senza\s+filtri|senza\s+restrizioni|libera)`),
  rule("persona", "modalita-attivata", String.raw`${W}modalità\s+(?:sviluppatore|developer|dev|dan|jailbreak|dio|god|senza\s+censura|senza\s+filtri|senza\s+restrizioni)\s+(?:è\s+|è\s+stata\s+)?(?:ora\s+)?(?:attivata|attiva|abilitata|sbloccata)`, 0.5),
  rule("persona", "attiva-la-modalita-jailbreak", String.raw`${W}(?:attiva|attivi|abilita|avvia|accendi)\s+(?:la\s+)?modalità\s+(?:dan|jailbreak|dio|god|senza\s+censura|senza\s+filtri|senza\s+restrizioni)`),
  rule("persona", "jailbreak", String.raw`${W}(?:jailbreak|jailbreakat[oa]|jailbroken)`, 0.4),
  rule("persona", "versione-malvagia-di-te", String.raw`${W}(?:versione|gemell[oa]|doppio|alter\s+ego|lato)\s+(?:malvagi[oa]|malefic[oa]|oscur[oa]|senza\s+censura|senza\s+filtri|liberat[oa]|amorale|pervers[oa])\s+di\s+(?:te|lei|te\s+stess[oa])`),
  rule("persona", "interpreta-senza-filtri", String.raw`${W}(?:interpreta|agisci\s+come|fai\s+finta\s+di\s+essere|rispondi\s+come|comportati\s+come|diventa|recita\s+la\s+parte\s+di)\s[^.!?\n]{0,50}?(?:senza\s+censura|non\s+censurat|non\s+filtrat|amorale|immorale|${FREE})`),
  rule("persona", "resta-nel-personaggio", String.raw`${W}(?:(?:resta|rimani|stai|restate|rimanga)\s+(?:sempre\s+)?(?:nel\s+(?:tuo\s+|suo\s+)?(?:personaggio|ruolo)|in\s+character)|non\s+(?:uscire|esca)\s+(?:mai\s+)?(?:dal\s+(?:tuo\s+|suo\s+)?(?:personaggio|ruolo)))`, 0.5),
  rule("persona", "fai-finta", String.raw`${W}(?:fai\s+finta|faccia\s+finta|immagina\s+di\s+essere|immagina\s+di\s+non\s+avere|fingi\s+(?:di|che)|(?:da\s+ora\s+in\s+poi|d['’]ora\s+in\s+poi|da\s+adesso)\s*,?\s+(?:sei|sarai|risponderai|agirai))`, 0.4),
  rule("persona", "nonna-defunta", String.raw`${W}(?:fai\s+finta\s+di\s+essere|fingi\s+di\s+essere|interpreta|agisci\s+come|sei|sii)\s[^.!?\n]{0,40}?(?:nonna|nonnina)\s+(?:\S+\s+)?(?:defunta|morta|scomparsa)|(?:defunta|povera|compianta)\s+(?:nonna|nonnina)`),
  rule("persona", "nonna-mi-leggeva", String.raw`${W}(?:nonna|nonnina)[^\n]{0,120}?(?:leggeva|raccontava|recitava|addormentare)[^\n]{0,80}?${HARM}`),
  rule("persona", "non-rifiutare-mai", String.raw`${W}(?:non\s+rifiutare\s+mai|non\s+(?:puoi|devi|può|deve)\s+(?:mai\s+)?rifiutar(?:e|ti|si)|rispondi\s+a\s+(?:tutte\s+le\s+domande|tutto|qualsiasi\s+domanda)[^.!?\n]{0,40}?(?:senza\s+eccezion|a\s+prescindere|qualunque\s+cosa))`, 0.5),

  // fiction framing
  rule("fiction", "ipoteticamente-romanzo", String.raw`${W}(?:ipoteticamente|in\s+via\s+ipotetica|in\s+una\s+storia|in\s+un\s+(?:racconto|mondo\s+(?:immaginario|fittizio))|per\s+(?:un|il\s+mio|un\s+mio)\s+(?:romanzo|libro|film|thriller|giallo|gioco\s+di\s+ruolo|racconto)|per\s+(?:una|la\s+mia)\s+(?:storia|sceneggiatura|serie)|nel\s+mio\s+romanzo|esperimento\s+mentale|scenario\s+(?:fittizio|ipotetico)|puramente\s+(?:teoric|ipotetic|fittizi)|immagina\s+un\s+mondo|a\s+scopo\s+(?:educativo|di\s+ricerca))`, 0.5),
  rule("fiction", "nei-dettagli", String.raw`${W}(?:(?:spiega|spieghi|descrivi|descriva|dettaglia|racconta|elenca)\s[^.!?\n]{0,60}?(?:nei\s+dettagli|in\s+dettaglio|dettagliatamente|passo\s+(?:dopo|per)\s+passo|con\s+precisione|esattamente|in\s+modo\s+realistico)|passo\s+(?:dopo|per)\s+passo|istruzioni\s+dettagliate|ricetta\s+(?:dettagliata|esatta|precisa)|quantità\s+esatte|dosi\s+esatte)`, 0.3),
  rule("fiction", "tema-pericoloso", String.raw`${W}${HARM}`, 0.5),
  rule("fiction", "personaggio-spiega", String.raw`${W}(?:personaggio|protagonista|cattivo|eroe|chimico|hacker)\s+(?:\S+\s+){0,3}?(?:spiega|descrive|racconta|rivela|mostra)\s`, 0.3),

  // fake system and turn markers
  rule("fake-marker", "parentesi-sistema", String.raw`[\[<{]\s*/?\s*(?:sistema|messaggio\s+(?:di|del)\s+sistema|istruzion[ei]\s+(?:di|del)\s+sistema|nota\s+di\s+sistema|amministratore|nuove\s+istruzioni)\s*[\]>}]`),
  rule("fake-marker", "intestazione-messaggio-di-sistema", String.raw`(?:^|\n)\s*(?:[#*>=\-\[]+\s*)?(?:messaggio\s+(?:di|del)\s+sistema|istruzion[ei]\s+(?:di|del)\s+sistema|nota\s+(?:di|del)\s+sistema|avviso\s+di\s+sistema|sistema|messaggio\s+dell['’]amministratore|amministratore|sviluppatore|messaggio\s+dello\s+sviluppatore)\s*(?:\*+\s*)?(?:\]\s*)?:`, 0.6),
  rule("fake-marker", "fine-dell-input", String.raw`${W}fine\s+(?:dell['’]input(?:\s+utente)?|dell['’]input\s+dell['’]utente|del\s+documento|del\s+messaggio(?:\s+utente)?|della\s+conversazione|delle\s+istruzioni|del\s+contesto|del\s+prompt)\s*(?:[-=#*\]>]|\n|$)`, 0.5),
  rule("fake-marker", "autorizzato-da", String.raw`${W}(?:autorizzat[oa]|approvat[oa]|convalidat[oa]|ordinat[oa]|firmat[oa])\s+(?:da|dagli|dal|dall['’])\s*(?:openai|anthropic|google|meta|sviluppatori|lo\s+sviluppatore|amministratore|team\s+(?:tecnico|di\s+sistema))`, 0.5),
  rule("fake-marker", "filtri-disattivati", String.raw`${W}(?:i\s+|le\s+)?(?:filtri|restrizioni|protezioni|politiche\s+(?:sui|dei)\s+contenuti|misure\s+di\s+sicurezza)(?:\s+di\s+(?:sicurezza|contenuto|moderazione))?\s+(?:sono|vengono|sono\s+stat[ei])\s+(?:ora\s+|temporaneamente\s+|completamente\s+)?(?:stat[ei]\s+)?(?:disattivat[ei]|disabilitat[ei]|rimoss[ei]|sospes[ei]|revocat[ei])`, 0.5),

  // prompt leak
  rule("prompt-leak", "mostra-il-tuo-prompt-di-sistema", String.raw`${W}${LEAK_VERB}\s+(?:(?:ora|adesso|esattamente|per\s+favore|parola\s+per\s+parola)\s+)*(?:il\s+tuo|la\s+tua|le\s+tue|i\s+tuoi|il\s+suo|le\s+sue|il|la|le|i)\s+(?:\S+\s+)?(?:prompt\s+(?:di\s+sistema|del\s+sistema|iniziale|originale|nascosto)|messaggio\s+(?:di|del)\s+sistema|system\s+prompt|istruzioni\s+(?:iniziali|di\s+sistema|del\s+sistema|nascoste|segrete|originali|interne|complete)|regole\s+(?:nascoste|segrete|interne))`),
  rule("prompt-leak", "mostra-le-tue-istruzioni", String.raw`${W}${LEAK_VERB}\s+(?:(?:ora|adesso|per\s+favore)\s+)*(?:tutte\s+)?(?:il\s+tuo|le\s+tue|i\s+tuoi|le\s+sue|il\s+suo)\s+(?:prompt|istruzioni|indicazioni|direttive|regole|configurazione)`, 0.6),
  rule("prompt-leak", "qual-e-il-tuo-prompt", String.raw`${W}(?:qual\s+è|qual['’]è|quali\s+sono|cosa\s+(?:dice|contiene|c['’]è\s+(?:scritto\s+)?ne)|che\s+cosa\s+(?:dice|contiene))\s*(?:esattamente\s+)?(?:il\s+tuo|la\s+tua|le\s+tue|i\s+tuoi|il\s+suo|le\s+sue|l)\s+(?:prompt|messaggio\s+(?:di|del)\s+sistema|istruzioni|indicazioni|direttive)`),
  rule("prompt-leak", "quali-istruzioni-hai-ricevuto", String.raw`${W}(?:quali|che)\s+(?:istruzioni|indicazioni|direttive|ordini|prompt)\s+(?:\S+\s+)?(?:hai\s+ricevuto|ti\s+hanno\s+dato|ti\s+sono\s+state\s+date|ha\s+ricevuto|ti\s+hanno\s+programmato)`),
  rule("prompt-leak", "ripeti-il-testo-sopra", String.raw`${W}(?:ripeti|ripetimi|ripeta|copia|stampa|scrivi|mostra|mostrami|riporta|riproduci)\s+(?:\S+\s+){0,3}?(?:il\s+testo|tutto|tutto\s+(?:ciò|quello)\s+che\s+(?:c['’]è|è|sta)|le\s+parole|il\s+messaggio|il\s+contenuto|le\s+righe)\s+(?:\S+\s+){0,2}?(?:(?:qui\s+|di\s+)?sopra|precedente|prima\s+di\s+(?:questo|mio)\s+messaggio|all['’]inizio|iniziale)`, 0.6),
  rule("prompt-leak", "parola-per-parola", String.raw`${W}(?:parola\s+per\s+parola|testualmente|alla\s+lettera|letteralmente|integralmente|senza\s+omettere\s+nulla|verbatim)`, 0.4),
  rule("prompt-leak", "iniziando-da-sei", String.raw`${W}(?:iniziando|cominciando|partendo|inizia|comincia)\s+(?:da|con|dalle\s+parole)\s+["['’]«“»]?\s*(?:sei|lei\s+è|you\s+are)`),

  // instructions planted in data for the model that reads it
  rule("indirect", "nota-per-l-ia", String.raw`${W}(?:nota|messaggio|istruzion[ei]|avviso|importante|attenzione|indicazione)\s*(?::\s*)?(?:per|all['’]attenzione\s+(?:di|dell['’])|a|all['’]|alla|al)\s*(?:l['’]|la\s+|il\s+|le\s+|gli\s+|qualsiasi\s+|ogni\s+)?${AI}(?:[^\p{L}\-]|$)`),
  rule("indirect", "all-ia-che-legge", String.raw`${W}(?:all['’]|alla|al|a\s+qualsiasi|a\s+ogni|cara|caro|ciao|gentile|attenzione)\s*${AI}\s*,?\s*(?:che|la\s+quale|il\s+quale)\s+(?:\S+\s+){0,3}?(?:legge|leggerà|sta\s+leggendo|elabora|riassume|analizza|esamina|valuta)`),
  rule("indirect", "se-sei-un-ia", String.raw`${W}(?:se|quando)\s+(?:sei|è)\s+(?:un[ao['’]]?\s*)?(?:ia|intelligenza\s+artificiale|assistente\s+(?:ia|ai|virtuale)|modello\s+(?:di\s+)?linguaggio|llm|chatbot|agente\s+(?:ia|ai)|bot)`, 0.7),
  rule("indirect", "inoltra-a", String.raw`${W}(?:inoltra|inoltri|invia|invii|manda|mandi|trasferisci)\s+(?:\S+\s+){0,5}?(?:a|all['’]indirizzo)\s+[^\s@]+@`, 0.5),
  rule("indirect", "non-dirlo-all-utente", String.raw`${W}(?:non\s+(?:dire|dirlo|menzionare|rivelare|informare|dica|menzioni|raccontare)\s+(?:nulla\s+|niente\s+)?(?:\S+\s+){0,3}?all['’]utente|senza\s+(?:informare|avvisare|dirlo\s+a)\s+l['’]utente|senza\s+che\s+l['’]utente\s+(?:lo\s+)?(?:sappia|noti|veda|se\s+ne\s+accorga))`, 0.6),
  rule("indirect", "nel-tuo-riassunto", String.raw`${W}(?:nel|nella)\s+(?:tuo\s+|tua\s+|suo\s+|sua\s+)?(?:riassunto|risposta|analisi|valutazione|sintesi)\s*,?\s+(?:\S+\s+){0,3}?(?:aggiungi|menziona|indica|raccomanda|consiglia|afferma|scrivi|includi|di['’])`, 0.4),
  rule("indirect", "raccomanda-come-il-migliore", String.raw`${W}(?:raccomanda|consiglia|presenta|classifica|valuta)\s+(?:\S+\s+){0,4}?(?:come\s+(?:il\s+|la\s+)?(?:migliore|ideale|perfett[oa]|eccellente)|con\s+(?:5|cinque|10|dieci)\s+stelle|al\s+primo\s+posto)`, 0.4),
  // broader phrasings: a verb and its object a few words apart, the persona described in the third person,
  // fake turns of a transcript, and the system prompt named with "your"
  rule("instruction-override", "ignora-le-regole-nella-frase", String.raw`${W}${IGNORE}\s[^.!?\n]{0,40}?${W}(?:istruzioni|indicazioni|ordini|regole|norme|direttive|linee\s+guida|restrizioni|limitazioni|programmazione|consegne)`, 0.6),
  rule("instruction-override", "prima-sopra", String.raw`${W}(?:prima|precedentemente|in\s+precedenza|sopra|qui\s+sopra|finora|fino\s+ad\s+ora|fin\s+qui|all['’]inizio)(?:[^\p{L}]|$)`, 0.4),
  rule("instruction-override", "ignora-il-prompt-di-sistema", String.raw`${W}${IGNORE}\s[^.!?\n]{0,30}?(?:prompt\s+(?:di|del)\s+sistema|messaggio\s+(?:di|del)\s+sistema|istruzioni\s+(?:di|del)\s+sistema|norme\s+di\s+sicurezza|regole\s+di\s+sicurezza|politiche\s+(?:sui|dei)\s+contenuti|regole\s+di\s+openai|programmazione|filtri)`),
  rule("instruction-override", "nuove-regole-valgono", String.raw`${W}(?:valgono|si\s+applicano|entrano\s+in\s+vigore)\s+(?:le\s+seguenti\s+|queste\s+)?nuove\s+(?:regole|istruzioni|norme)|${W}nuove\s+(?:regole|istruzioni|direttive)\s+(?:dal|dallo|dall['’]|del|dello)\s*(?:tuo\s+)?(?:sviluppatore|amministratore|sistema|creatore)|${W}sono\s+il\s+tuo\s+(?:sviluppatore|creatore|amministratore|programmatore)`, 0.6),
  rule("instruction-override", "il-tuo-vero-compito", String.raw`${W}(?:il\s+tuo|il\s+suo|il)\s+(?:vero|autentico|reale|unico)\s+(?:compito|obiettivo|ordine|incarico)\s+(?:è|sarà|consiste|:)`, 0.6),
  rule("persona", "non-e-vincolato-dalle-regole", String.raw`${W}(?:non|mai)\s+(?:è|sei|sono)\s+(?:più\s+)?(?:\S+\s+)?(?:vincolat[oaie]|legat[oaie]|obbligat[oaie]|limitat[oaie]|sottopost[oaie])\s+(?:a|da|dalle|dai|alle|ai)\s+(?:\S+\s+){0,3}?(?:regole|norme|direttive|restrizioni|leggi|politiche|limiti|filtri|linee\s+guida)`),
  rule("persona", "puo-dire-tutto", String.raw`${W}(?:può|puoi|possono|potrai|potrà)\s+(?:ora\s+|adesso\s+|davvero\s+)?(?:dire|fare|rispondere\s+a|scrivere|generare)\s+(?:qualsiasi\s+cosa|tutto|qualunque\s+cosa)`, 0.5),
  rule("persona", "ignora-tutte-le-regole", String.raw`${W}(?:che\s+)?(?:ignora|infrange|aggira|se\s+ne\s+frega\s+(?:di|delle)|non\s+rispetta|non\s+ha|non\s+conosce|non\s+segue)\s+(?:tutte\s+le\s+|le\s+|alcuna\s+|nessuna\s+)?(?:\S+\s+)?(?:regole|restrizioni|limiti|filtri|leggi|morale|censura|norme|tabù)`, 0.6),
  rule("persona", "simula-la-modalita-sviluppatore", String.raw`${W}(?:simula|simuli|emula|emuli)\s+(?:\S+\s+){0,4}?modalità\s+(?:sviluppatore|developer|dev|dan|jailbreak|dio|senza\s+censura|senza\s+filtri)`),
  rule("persona", "in-modalita-sviluppatore-puoi", String.raw`${W}in\s+modalità\s+(?:sviluppatore|developer|dev|dan|jailbreak|dio)\s*,?\s+(?:puoi|devi|ignori|non\s+hai|sei)`),
  rule("persona", "nonna-defunta-sola", String.raw`${W}(?:defunta|compianta|povera\s+defunta)\s+(?:nonna|nonnina)|(?:nonna|nonnina)\s+(?:\S+\s+)?(?:defunta|morta|scomparsa)`, 0.6),
  rule("persona", "facciamo-un-gioco", String.raw`${W}(?:facciamo\s+un\s+gioco|giochiamo\s+a\s+un\s+gioco|facciamo\s+un\s+gioco\s+di\s+ruolo)`, 0.4),
  rule("persona", "non-avessi-regole", String.raw`${W}(?:non\s+(?:hai|ha|avessi|avresti|avesse)|se\s+non\s+avessi|come\s+se\s+non\s+avessi)\s+(?:più\s+)?(?:alcun[ao]?|nessun[ao]?)?\s*(?:\S+\s+)?(?:restrizion|limit|filtr|regol|censur|norm|moral|etic|tabù|scrupol)`, 0.6),
  rule("persona", "liberati", String.raw`${W}(?:liberati|si\s+liberi|(?:ora\s+)?sei\s+(?:ora\s+)?(?:liber[oa]|liberat[oa]|sbloccat[oa])(?:[^\p{L}]|$))`, 0.6),
  rule("fiction", "scrivi-una-storia", String.raw`${W}(?:scrivi|scrivimi|scriva|racconta|raccontami|componi)\s+(?:una|un|uno)\s+(?:breve\s+|piccola\s+|corta\s+)?(?:storia|racconto|scena|dialogo|sceneggiatura|romanzo|fiaba|novella)`, 0.5),
  rule("fiction", "immagina-supponiamo", String.raw`${W}(?:immagina|immagini|supponiamo|mettiamo\s+che|in\s+un\s+film|gioco\s+di\s+ruolo|fittizi[oa]|immaginari[oa])(?:[^\p{L}]|$)`, 0.5),
  rule("fiction", "fabbricare-armi", String.raw`${W}(?:(?:fabbricare|costruire|sintetizzare|produrre|preparare|assemblare|cucinare|programmare|creare)\s+(?:\S+\s+){0,2}?(?:arma|armi|veleno|droga|droghe|esplosivi?|virus|malware|bomba|metanfetamina)|(?:fabbricazione|sintesi|produzione)\s+(?:di\s+)?(?:\S+\s+)?(?:armi|arma|veleno|droghe?|esplosivi?|bombe?|metanfetamina)|hackerare\s+(?:un|una|il|la)\s+(?:account|password|wifi|rete|sistema))`, 0.5),
  rule("fake-marker", "parentesi-sistema-generale", String.raw`[\[<{]\s*/?\s*(?:sistema|system)[\s-]?(?:messaggio|istruzione|nota|allerta|avviso|aggiornamento|update|override|modalità|admin)\s*[\]>}]`),
  rule("fake-marker", "intestazione-con-ordine", String.raw`(?:^|\n)\s*(?:[#*>=\-\[]+\s*)?(?:messaggio\s+(?:di|del)\s+sistema|istruzion[ei]\s+(?:di|del)\s+sistema|nota\s+(?:di|del)\s+sistema|avviso\s+di\s+sistema|sistema|messaggio\s+dell['’]amministratore|amministratore|sviluppatore|messaggio\s+dello\s+sviluppatore)\s*(?:\*+\s*)?(?:\]\s*)?:[^\n]{0,200}?(?:ignora|dimentica|d['’]ora\s+in\s+poi|da\s+ora|disattivat|revocat|nuov|sei|puoi|devi|rivela|rispondi|nessuna\s+(?:regola|restrizione))`),
  rule("fake-marker", "falso-turno-assistente", String.raw`(?:^|\n)\s*(?:assistente|ia|ai|modello|bot|chatbot)\s*:\s*(?:ok|va\s+bene|d['’]accordo|capito|certo|certamente|ecco|perfetto|volentieri)`, 0.6),
  rule("fake-marker", "turno-utente", String.raw`(?:^|\n)\s*(?:utente|umano|user)\s*:`, 0.4),
  rule("fake-marker", "nuova-sessione", String.raw`${W}(?:nuova\s+sessione|sessione\s+(?:reimpostata|riavviata|azzerata)|contesto\s+(?:reimpostato|cancellato|azzerato)|memoria\s+(?:reimpostata|cancellata)|modalità\s+(?:manutenzione|debug|diagnostica|test|amministratore|admin)\s*(?:attivata|attiva|:))`, 0.5),
  rule("fake-marker", "aggiornamento-delle-regole", String.raw`${W}(?:aggiornamento|modifica|revisione)\s+(?:delle\s+tue|delle\s+sue|delle)\s+(?:regole|norme|istruzioni|direttive|politiche|linee\s+guida)`, 0.6),
  rule("prompt-leak", "il-tuo-prompt-di-sistema", String.raw`${W}(?:il\s+tuo|la\s+tua|le\s+tue|i\s+tuoi|tuo|tua|tue|tuoi|il\s+suo|le\s+sue)\s+(?:\S+\s+)?(?:prompt\s+(?:di\s+sistema|del\s+sistema|iniziale|originale|nascosto)|messaggio\s+(?:di|del)\s+sistema|system\s+prompt|istruzioni\s+(?:iniziali|di\s+sistema|del\s+sistema|nascoste|segrete|originali|interne)|regole\s+(?:nascoste|segrete|interne)|finestra\s+di\s+contesto)`),
  rule("prompt-leak", "dammi-le-tue-istruzioni", String.raw`${W}(?:${LEAK_VERB}|riassumi|riassumimi|traduci|traducimi|riformula|parafrasa|esporta)\s+(?:(?:ora|adesso|esattamente|per\s+favore)\s+)*(?:tutte\s+)?(?:il\s+tuo|le\s+tue|i\s+tuoi|le\s+sue|il\s+suo)\s+(?:\S+\s+)?(?:prompt|istruzioni|indicazioni|direttive|configurazione)`),
  rule("prompt-leak", "testo-prima-della-conversazione", String.raw`${W}${LEAK_VERB}\s[^.!?\n]{0,60}?(?:prima\s+d(?:i|el|ella|ello|ell['’])|sopra\s+(?:a|il|la|questo|questa))\s*(?:questo|questa|mio|mia|nostra|nostro|la|il)?\s*(?:primo\s+|prima\s+)?(?:messaggio|riga|conversazione|chat|domanda)`),
  rule("prompt-leak", "cosa-ti-ha-detto-lo-sviluppatore", String.raw`${W}(?:cosa|che\s+cosa)\s+ti\s+(?:ha|hanno)\s+(?:detto|ordinato|chiesto|scritto|imposto)\s+(?:il\s+tuo|lo|il|i\s+tuoi)\s+(?:sviluppatore|sviluppatori|creatore|amministratore|programmatore)`),
  rule("prompt-leak", "come-sei-stato-configurato", String.raw`${W}come\s+(?:sei|è)\s+stat[oa]\s+(?:configurat[oa]|programmat[oa]|istruit[oa]|impostat[oa])`, 0.7),
  rule("prompt-leak", "primo-messaggio", String.raw`${W}(?:primo|primissimo)\s+messaggio\s+(?:di|della|in|nella)\s+(?:questa\s+|nostra\s+)?(?:conversazione|chat|sessione)`, 0.6),
  rule("prompt-leak", "nel-tuo-prompt", String.raw`${W}(?:nel\s+tuo|nelle\s+tue|dal\s+tuo|dalle\s+tue|nel\s+suo)\s+(?:prompt|istruzioni|indicazioni|configurazione)`, 0.6),
  rule("indirect", "cara-ia", String.raw`${W}(?:cara|caro|ciao|gentile|attenzione|ehi)\s*,?\s*(?:l['’]|la\s+|il\s+)?(?:ia|ai|assistente|bot|chatbot|modello|llm|agente|copilot)\s*[,:!]`, 0.7),
  rule("indirect", "l-ia-deve", String.raw`${W}(?:l['’]ia|il\s+modello|l['’]assistente|il\s+bot|l['’]agente|qualsiasi\s+ia|ogni\s+assistente)\s+(?:deve|dovrà|dovrebbe|sta\s+per)\s`, 0.5),
  rule("indirect", "ia-due-punti-ordine", String.raw`${W}(?:ia|assistente|modello|bot|chatbot|agente|llm)\s*[,:]\s*(?:per\s+favore\s+)?(?:ignora|dimentica|invia|inoltra|cancella|elimina|rispondi|scrivi|aggiungi|dai|raccomanda|consiglia|valuta|apri|esegui|rivela|modifica|trasferisci)`, 0.7),
  rule("indirect", "se-leggi-questo", String.raw`${W}(?:se|quando)\s+(?:leggi|legge|riassumi|riassume|elabori|elabora|analizzi|analizza)\s+(?:questo|questa|questi|queste)`, 0.5),
  rule("indirect", "agenti-automatizzati", String.raw`${W}(?:nota|messaggio|istruzion[ei]|avviso|importante)\s+(?:per|agli|a)\s+(?:gli\s+|tutti\s+gli\s+)?(?:agenti\s+(?:automatizzati|autonomi)|sistemi\s+automatizzati|assistenti\s+di\s+codice|strumenti\s+di\s+ia|crawler)`),
  rule("indirect", "all-utente-non-dire", String.raw`${W}all['’]utente\s+(?:\S+\s+){0,2}?non\s+(?:dire|dirlo|menzionare|raccontare|mostrare|dica)`, 0.6),
];
