import type { InjectionRule, InjectionType } from "./types.js";

// French injection and jailbreak phrasings: tu- and vous-imperatives, adjectives after the noun ("les
// instructions précédentes"), elided articles (l'IA, qu'on t'a dit) and the non-breaking space before colons,
// which NFKC turns into a plain space.

const rule = (type: InjectionType, name: string, pattern: string, weight = 1): InjectionRule => ({
  id: `fr.${type}.${name}`,
  lang: "fr",
  type,
  pattern,
  weight,
});

const W = String.raw`(?:^|[^\p{L}])`;
const IGNORE = String.raw`(?:ignore|ignorez|oublie|oubliez|ne\s+tiens\s+(?:plus\s+|pas\s+)compte|ne\s+tenez\s+(?:plus\s+|pas\s+)compte|fais\s+abstraction|faites\s+abstraction|néglige|négligez|passe\s+outre|passez\s+outre|outrepasse|outrepassez|écarte|écartez|laisse\s+tomber|laissez\s+tomber|mets\s+de\s+côté|mettez\s+de\s+côté|efface|effacez|annule|annulez|désobéis\s+à|contourne|contournez)`;
const FILL = String.raw`(?:(?:donc|simplement|juste|maintenant|immédiatement|complètement|totalement|entièrement|désormais|s'il\s+te\s+plaît|stp)\s+)*`;
const NOUN = String.raw`(?:instructions?|consignes?|règles?|directives?|indications?|ordres?|restrictions?|limites?|limitations?|filtres?|prompts?|garde-fous|programmation|lignes\s+directrices|contraintes?|paramètres)`;
const PRIOR = String.raw`(?:précédente?s?|antérieure?s?|ci-dessus|d'avant|initiale?s?|initiaux|d'origine|originale?s?|originaux|passée?s?|reçue?s?|données?|système|du\s+système|plus\s+haut|au-dessus|qu(?:e|')\s*(?:tu\s+as|vous\s+avez|on\s+t'a|on\s+vous\s+a)\s+(?:reçue?s?|donnée?s?)|cachée?s?|secrète?s?|interne?s?|de\s+départ|de\s+base|actuelle?s?|en\s+vigueur)`;
const FREE = String.raw`sans\s+(?:aucune?\s+|la\s+moindre\s+|plus\s+de\s+)?(?:restriction|limite|filtre|censure|règle|contrainte|morale|éthique|garde-fou|tabou|scrupule|limitation|barrière)`;
const AI = String.raw`(?:ia|intelligence\s+artificielle|assistants?\s+ia|assistants?\s+virtuels?|modèles?\s+de\s+langage|llms?|chatbots?|agents?\s+ia|ai|robots?\s+conversationnels?)`;
const HARM = String.raw`(?:bombe|explosif|napalm|gaz\s+neurotoxique|sarin|ricine|anthrax|arme\s+chimique|arme\s+biologique|méthamphétamine|meth|cocaïne|héroïne|fentanyl|cocktail\s+molotov|malware|logiciel\s+malveillant|rançongiciel|ransomware|keylogger|hameçonnage|crocheter|sans\s+la\s+clé|empoisonner|poison\s+indétectable|blanchir\s+de\s+l'argent|fausse\s+monnaie|fabriquer\s+une\s+arme|pirater)`;
const LEAK_VERB = String.raw`(?:montre|montrez|affiche|affichez|donne|donnez|révèle|révélez|répète|répétez|imprime|imprimez|écris|écrivez|copie|copiez|dis|dites|liste|listez|partage|partagez|divulgue|divulguez|communique|communiquez|recopie|recopiez|cite|citez)`;

export const rules: readonly InjectionRule[] = [
  // instruction override
  rule("instruction-override", "ignore-les-instructions-precedentes", String.raw`${W}${IGNORE}\s+${FILL}(?:de\s+|des\s+|d')?(?:toute?s?\s+)?(?:les\s+|tes\s+|vos\s+|ces\s+|des\s+|mes\s+|la\s+|ta\s+|votre\s+|le\s+|ton\s+)?${NOUN}\s+(?:\S+\s+)?${PRIOR}`),
  rule("instruction-override", "oublie-tes-consignes", String.raw`${W}${IGNORE}\s+${FILL}(?:de\s+|d')?(?:toutes?\s+(?:tes|vos|les)\s+|tes\s+|vos\s+|ta\s+|ton\s+|votre\s+)${NOUN}`),
  rule("instruction-override", "oublie-tout-ce-qu-on-t-a-dit", String.raw`${W}${IGNORE}\s+${FILL}(?:de\s+)?tout\s+ce\s+(?:qu(?:e|')\s*(?:l'on|on)\s+(?:t'|vous\s+|te\s+)(?:a|avait)\s+(?:\S+\s+)?(?:dit|donné|demandé|appris|ordonné|indiqué|programmé|expliqué)|qui\s+(?:précède|a\s+été\s+dit|est\s+(?:écrit\s+)?(?:au-dessus|plus\s+haut|ci-dessus)|se\s+trouve\s+(?:au-dessus|plus\s+haut)|vient\s+avant)|(?:qu'il\s+y\s+a\s+)?(?:au-dessus|ci-dessus|plus\s+haut|avant\s+ce\s+message))`),
  rule("instruction-override", "ne-respecte-plus-les-regles", String.raw`${W}(?:ne\s+respecte|ne\s+respectez|ne\s+suis|ne\s+suivez|n'obéis|n'obéissez|n'applique|n'appliquez)\s+plus\s+(?:aucune?\s+de\s+|à\s+)?(?:tes|vos|les|aux|ces)\s+${NOUN}`),
  rule("instruction-override", "tu-n-es-plus-tenu", String.raw`${W}(?:tu\s+n'es|vous\s+n'êtes)\s+plus\s+(?:tenue?|liée?|obligée?|soumise?|contrainte?)\s+(?:de\s+|à\s+|par\s+)(?:respecter\s+|suivre\s+)?(?:tes|vos|les|aux|ces|des)\s+(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "instructions-annulees", String.raw`${W}(?:toutes\s+)?(?:les\s+|tes\s+|vos\s+)${NOUN}\s+(?:\S+\s+)?(?:sont|ont\s+été)\s+(?:désormais\s+|maintenant\s+|dorénavant\s+|à\s+présent\s+)?(?:annulées|caduques|nulles|obsolètes|révoquées|supprimées|levées|remplacées|désactivées)`),
  rule("instruction-override", "instructions-ne-s-appliquent-plus", String.raw`${W}(?:les\s+|tes\s+|vos\s+)${NOUN}\s+${PRIOR}\s+ne\s+(?:s'appliquent|comptent|valent|sont)\s+plus`),
  rule("instruction-override", "priorite-sur-les-instructions", String.raw`(?:prime|priment|a\s+priorité|ont\s+priorité|prévaut|prévalent)\s+sur\s+(?:toutes\s+)?(?:tes|vos|les)\s+(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "nouvelles-instructions", String.raw`${W}nouvelles?\s+(?:instructions?|consignes?|directives?|règles|ordres?)\s*:`, 0.6),
  rule("instruction-override", "ta-nouvelle-tache", String.raw`${W}(?:ta|votre)\s+(?:nouvelle|véritable|vraie|seule|unique)\s+(?:tâche|mission|instruction|consigne|fonction)\s+(?:est|sera|consiste|:)`, 0.6),
  rule("instruction-override", "a-partir-de-maintenant", String.raw`${W}(?:à\s+partir\s+de\s+(?:maintenant|ce\s+moment|dorénavant|là)|désormais|dorénavant|dès\s+maintenant|dès\s+à\s+présent)`, 0.4),
  rule("instruction-override", "obeis-uniquement-a-moi", String.raw`${W}(?:n'obéis\s+qu'à|n'obéissez\s+qu'à|obéis\s+uniquement\s+à|obéissez\s+uniquement\s+à|suis\s+uniquement|suivez\s+uniquement|ne\s+suis\s+que|ne\s+suivez\s+que)\s+(?:moi|mes|ces|les\s+suivantes|mon)`, 0.6),

  // persona escapes
  rule("persona", "tu-es-sans-restrictions", String.raw`${W}(?:tu\s+es|vous\s+êtes|tu\s+deviens|vous\s+devenez)\s+(?:maintenant\s+|désormais\s+|à\s+présent\s+|dorénavant\s+)?[^.!?\n]{0,50}?${FREE}`),
  rule("persona", "ia-sans-filtre", String.raw`${W}(?:ia|ai|assistant|modèle|chatbot|version|bot|llm|gpt|entité)\s+(?:totalement\s+|complètement\s+|entièrement\s+)?${FREE}`, 0.6),
  rule("persona", "tu-n-as-aucune-restriction", String.raw`${W}(?:tu\s+n'as|vous\s+n'avez|tu\s+ne\s+connais|vous\s+ne\s+connaissez)\s+(?:plus\s+)?(?:aucune?|pas\s+de|plus\s+de|ni)\s+(?:\S+\s+)?(?:restriction|limite|filtre|règle|censure|contrainte|morale|éthique|tabou|scrupule|limitation)`, 0.7),
  rule("persona", "non-censure", String.raw`${W}(?:ia|mode|version|assistant|modèle|chatbot|réponses?|personnalité)\s+(?:non\s+censurée?s?|non\s+filtrée?s?|débridée?s?|libérée?s?|sans\s+filtre|amorale?s?|immorale?s?)`, 0.6),
  rule("persona", "tu-es-maintenant-debride", String.raw`${W}(?:tu\s+es|vous\s+êtes)\s+(?:maintenant|désormais|à\s+présent|dorénavant)\s+(?:une?\s+)?(?:\S+\s+)?(?:non\s+censuré|non\s+filtré|débridé|libéré|maléfique|diabolique|amoral|immoral|sans\s+filtre)`),
  rule("persona", "tu-es-dan", String.raw`${W}(?:tu\s+es|vous\s+êtes|agis\s+comme|agissez\s+comme|joue|jouez|incarne|incarnez|réponds\s+(?:en\s+tant\s+que|comme)|répondez\s+(?:en\s+tant\s+que|comme)|deviens|devenez|mode)\s+(?:maintenant\s+|désormais\s+)?dan(?:[^\p{L}]|$)`),
  rule("persona", "en-mode-developpeur", String.raw`${W}(?:tu\s+es|vous\s+êtes|tu\s+passes|vous\s+passez|tu\s+fonctionnes|passe|passez|bascule|basculez)\s+(?:maintenant\s+|désormais\s+|à\s+présent\s+)?en\s+mode\s+(?:développeur|dev|developer|dan|jailbreak|dieu|god|non\s+censuré|sans\s+filtre|sans\s+restriction|illimité|débridé)`),
  rule("persona", "mode-active", String.raw`${W}mode\s+(?:développeur|dev|developer|dan|jailbreak|dieu|god|non\s+censuré|sans\s+filtre|sans\s+restriction|débridé)\s+(?:est\s+|a\s+été\s+)?(?:maintenant\s+)?(?:activé|actif|enclenché|déverrouillé)`, 0.5),
  rule("persona", "active-le-mode-jailbreak", String.raw`${W}(?:active|activez|lance|lancez|enclenche|enclenchez)\s+(?:le\s+)?mode\s+(?:dan|jailbreak|dieu|god|non\s+censuré|sans\s+filtre|sans\s+restriction|débridé)`),
  rule("persona", "jailbreak", String.raw`${W}(?:jailbreak|jailbreaké|jailbreakée|jailbroken)`, 0.4),
  rule("persona", "version-malefique-de-toi", String.raw`${W}(?:version|jumeau|jumelle|double|alter\s+ego|côté)\s+(?:maléfique|diabolique|sombre|obscur|non\s+censurée?|sans\s+filtre|débridée?|libérée?|amorale?|perverse?)\s+(?:de\s+toi|de\s+vous|de\s+toi-même)`),
  rule("persona", "joue-un-role-sans-filtre", String.raw`${W}(?:joue|jouez|incarne|incarnez|agis\s+comme|agissez\s+comme|fais\s+comme\s+si\s+tu\s+étais|réponds\s+comme|répondez\s+comme|comporte-toi\s+comme|deviens)\s[^.!?\n]{0,50}?(?:non\s+censurée?|non\s+filtrée?|débridée?|amorale?|immorale?|${FREE})`),
  rule("persona", "reste-dans-ton-personnage", String.raw`${W}(?:(?:reste|restez)\s+(?:toujours\s+|bien\s+)?(?:dans\s+(?:ton|le|ce|votre)\s+(?:personnage|rôle)|in\s+character)|ne\s+(?:sors|sortez)\s+(?:jamais|pas)\s+(?:de\s+ton|du|de\s+votre)\s+(?:rôle|personnage))`, 0.5),
  rule("persona", "fais-comme-si", String.raw`${W}(?:fais|faites)\s+(?:comme\s+si|semblant)|imagine\s+que\s+tu\s+(?:es|n'as)|(?:à\s+partir\s+de\s+maintenant|désormais|dorénavant)\s*,?\s+(?:tu\s+es|tu\s+joues|tu\s+réponds)`, 0.4),
  rule("persona", "grand-mere-decedee", String.raw`${W}(?:fais\s+comme\s+si\s+tu\s+étais|fais\s+semblant\s+d'être|joue|incarne|sois|tu\s+es|agis\s+comme)\s[^.!?\n]{0,40}?(?:défunte|décédée|feue|regrettée|morte)\s+(?:grand-mère|mamie|grand-maman|mémé)|(?:grand-mère|mamie|grand-maman|mémé)\s+(?:\S+\s+)?(?:défunte|décédée|morte)\s[^.!?\n]{0,80}?(?:lisait|racontait|récitait|expliquait)`),
  rule("persona", "grand-mere-lisait", String.raw`${W}(?:grand-mère|mamie|grand-maman|mémé)[^\n]{0,120}?(?:lisait|racontait|récitait|endormir)[^\n]{0,80}?${HARM}`),
  rule("persona", "ne-refuse-jamais", String.raw`${W}(?:ne\s+(?:refuse|refusez)\s+jamais|tu\s+ne\s+(?:peux|dois)\s+(?:jamais|pas)\s+refuser|vous\s+ne\s+(?:pouvez|devez)\s+(?:jamais|pas)\s+refuser|réponds\s+à\s+toutes\s+les\s+(?:questions|demandes)[^.!?\n]{0,40}?(?:peu\s+importe|quelle\s+qu'en\s+soit|sans\s+exception|quoi\s+qu'il))`, 0.5),

  // fiction framing
  rule("fiction", "hypothetiquement-roman", String.raw`${W}(?:hypothétiquement|de\s+(?:façon|manière)\s+hypothétique|dans\s+une\s+histoire|dans\s+un\s+(?:roman|récit|monde\s+(?:fictif|imaginaire))|pour\s+(?:un|mon|notre)\s+(?:roman|livre|scénario|film|thriller|polar|jeu\s+de\s+rôle|récit)|dans\s+(?:mon|un)\s+(?:scénario|film|polar)|expérience\s+de\s+pensée|scénario\s+fictif|purement\s+(?:théorique|fictif|hypothétique)|imagine\s+un\s+monde|à\s+des\s+fins\s+(?:éducatives|de\s+recherche))`, 0.5),
  rule("fiction", "en-detail", String.raw`${W}(?:(?:explique|expliquez|décris|décrivez|détaille|détaillez|raconte|racontez|liste|listez)\s[^.!?\n]{0,60}?(?:en\s+détail|de\s+(?:façon|manière)\s+détaillée|étape\s+par\s+étape|précisément|avec\s+précision|de\s+façon\s+réaliste)|étape\s+par\s+étape|instructions\s+détaillées|recette\s+(?:détaillée|précise|exacte)|quantités\s+exactes)`, 0.3),
  rule("fiction", "sujet-dangereux", String.raw`${W}${HARM}`, 0.5),
  rule("fiction", "personnage-explique", String.raw`${W}(?:personnage|héros|héroïne|protagoniste|méchant|chimiste|hacker)\s+(?:\S+\s+){0,3}?(?:explique|décrit|raconte|révèle|montre)\s`, 0.3),

  // fake system and turn markers
  rule("fake-marker", "crochet-systeme", String.raw`[\[<{]\s*/?\s*(?:système|message\s+système|instruction\s+système|instructions\s+système|consigne\s+système|note\s+système|message\s+du\s+système|administrateur|nouvelles\s+instructions)\s*[\]>}]`),
  rule("fake-marker", "entete-message-systeme", String.raw`(?:^|\n)\s*(?:[#*>=\-\[]+\s*)?(?:message\s+(?:du\s+)?système|instruction\s+(?:du\s+)?système|instructions\s+(?:du\s+)?système|consigne\s+système|note\s+(?:du\s+)?système|système|message\s+de\s+l'administrateur|administrateur|développeur|message\s+du\s+développeur)\s*(?:\*+\s*)?(?:\]\s*)?:`, 0.6),
  rule("fake-marker", "fin-de-l-entree", String.raw`${W}fin\s+(?:de\s+l'entrée(?:\s+utilisateur)?|de\s+la\s+saisie|du\s+document|du\s+message(?:\s+utilisateur)?|de\s+la\s+conversation|des\s+instructions|du\s+contexte|du\s+prompt)\s*(?:[-=#*\]>]|\n|$)`, 0.5),
  rule("fake-marker", "autorise-par", String.raw`${W}(?:autorisée?|approuvée?|validée?|ordonnée?|signée?)\s+par\s+(?:openai|anthropic|google|meta|les\s+développeurs|le\s+développeur|l'administrateur|l'équipe\s+(?:technique|système))`, 0.5),
  rule("fake-marker", "filtres-desactives", String.raw`${W}(?:les\s+)?(?:filtres|restrictions|garde-fous|protections|politiques\s+de\s+contenu|consignes\s+de\s+sécurité)(?:\s+de\s+(?:sécurité|contenu|modération))?\s+(?:sont|ont\s+été)\s+(?:maintenant\s+|désormais\s+|temporairement\s+|entièrement\s+)?(?:désactivée?s|levée?s|supprimée?s|suspendue?s)`, 0.5),

  // prompt leak
  rule("prompt-leak", "montre-ton-prompt-systeme", String.raw`${W}${LEAK_VERB}(?:-moi|-nous|\s+moi|\s+nous)?\s+(?:(?:donc|maintenant|exactement|intégralement|mot\s+pour\s+mot|s'il\s+te\s+plaît)\s+)*(?:ton|ta|tes|votre|vos|le|la|les)\s+(?:\S+\s+)?(?:prompt\s+(?:système|initial|d'origine|caché)|message\s+(?:système|initial)|invite\s+système|system\s+prompt|instructions\s+(?:initiales|système|cachées|secrètes|d'origine|de\s+départ|originales|internes|complètes)|consignes\s+(?:initiales|système|cachées|secrètes|d'origine|internes)|règles\s+(?:cachées|secrètes|internes))`),
  rule("prompt-leak", "montre-tes-instructions", String.raw`${W}${LEAK_VERB}(?:-moi|-nous|\s+moi|\s+nous)?\s+(?:(?:donc|maintenant|exactement|intégralement|s'il\s+te\s+plaît)\s+)*(?:toutes\s+)?(?:tes|vos|ton|votre)\s+(?:prompt|instructions|consignes|directives|règles|configuration)`, 0.6),
  rule("prompt-leak", "quel-est-ton-prompt", String.raw`${W}(?:quel\s+est|quels\s+sont|quelle\s+est|quelles\s+sont|que\s+contient|que\s+dit|qu'y\s+a-t-il\s+dans)\s+(?:exactement\s+)?(?:ton|ta|tes|votre|vos)\s+(?:prompt|message\s+système|invite\s+système|instructions|consignes|directives)`),
  rule("prompt-leak", "quelles-instructions-as-tu-recues", String.raw`${W}(?:quelles|quels)\s+(?:instructions|consignes|directives|prompts?)\s+(?:as-tu|avez-vous|t'a-t-on|vous\s+a-t-on|on\s+t'a)\s+(?:\S+\s+){0,2}?(?:reçue?s|donnée?s|fournie?s|données|programmée?s)`),
  rule("prompt-leak", "repete-le-texte-ci-dessus", String.raw`${W}(?:répète|répétez|recopie|recopiez|affiche|affichez|copie|copiez|imprime|imprimez|écris|écrivez|redonne)\s+(?:\S+\s+){0,3}?(?:le\s+texte|tout|tout\s+ce\s+qui\s+est|tout\s+ce\s+qui\s+se\s+trouve|les\s+mots|le\s+message|le\s+contenu|les\s+lignes)\s+(?:\S+\s+){0,2}?(?:ci-dessus|au-dessus|plus\s+haut|précédent|avant\s+(?:ce|mon)\s+message|au\s+début)`, 0.6),
  rule("prompt-leak", "mot-pour-mot", String.raw`${W}(?:mot\s+pour\s+mot|textuellement|à\s+l'identique|verbatim|intégralement|sans\s+rien\s+(?:omettre|changer))`, 0.4),
  rule("prompt-leak", "commencant-par-tu-es", String.raw`${W}(?:en\s+)?(?:commençant|commence|débutant|commencez)\s+par\s+(?:les\s+mots\s+)?["'«“»]?\s*(?:tu\s+es|vous\s+êtes|you\s+are)`),

  // instructions planted in data for the model that reads it
  rule("indirect", "note-pour-l-ia", String.raw`${W}(?:note|message|instruction|instructions|consigne|remarque|avis|info|important|attention)\s*(?::\s*)?(?:pour|à|à\s+l'attention\s+de|à\s+destination\s+de)\s+(?:l'|les\s+|une\s+|toute\s+|tout\s+|le\s+)?${AI}(?:[^\p{L}\-]|$)`),
  rule("indirect", "a-l-ia-qui-lit", String.raw`${W}(?:à\s+l'|à\s+toute\s+|à\s+tout\s+|aux\s+|à\s+l'attention\s+de\s+l'|chère\s+|cher\s+|salut\s+l'|bonjour\s+l')\s*${AI}\s*,?\s*(?:qui|lisant|traitant|résumant)\s+(?:\S+\s+){0,3}?(?:lit|lira|lisez|traite|traitera|résume|résumera|analyse|analysera|lisant|traitant|résumant|parcourt)`),
  rule("indirect", "si-tu-es-une-ia", String.raw`${W}(?:si|quand|lorsque)\s+(?:tu\s+es|vous\s+êtes)\s+(?:une?\s+)?(?:ia|intelligence\s+artificielle|assistant\s+(?:ia|virtuel)|modèle\s+de\s+langage|llm|chatbot|agent\s+ia|robot|bot)`, 0.7),
  rule("indirect", "transfere-a", String.raw`${W}(?:transfère|transférez|envoie|envoyez|transmets|transmettez)\s+(?:\S+\s+){0,5}?(?:à|vers)\s+[^\s@]+@`, 0.5),
  rule("indirect", "ne-dis-pas-a-l-utilisateur", String.raw`${W}(?:ne\s+(?:le\s+|lui\s+)?(?:dis|dites|mentionne|mentionnez|révèle|révélez|signale|signalez)\s+(?:\S+\s+){0,2}?(?:pas|jamais|rien)\s+(?:\S+\s+){0,3}?à\s+l'utilisateur|sans\s+(?:en\s+)?(?:informer|prévenir|avertir)\s+l'utilisateur|sans\s+que\s+l'utilisateur\s+(?:ne\s+)?(?:le\s+)?(?:sache|remarque|voie))`, 0.6),
  rule("indirect", "dans-ton-resume", String.raw`${W}dans\s+(?:ton|votre|le|chaque)\s+(?:résumé|réponse|analyse|évaluation)\s*,?\s+(?:\S+\s+){0,3}?(?:ajoute|ajoutez|mentionne|mentionnez|indique|indiquez|recommande|recommandez|affirme|affirmez|écris|écrivez|inclus|incluez)`, 0.4),
  rule("indirect", "recommande-comme-le-meilleur", String.raw`${W}(?:recommande|recommandez|présente|présentez|classe|classez|évalue|évaluez|note|notez)\s+(?:\S+\s+){0,4}?(?:comme\s+(?:le\s+|la\s+)?(?:meilleure?|idéale?|parfaite?|excellente?)|(?:5|cinq|10|dix)\s+étoiles|en\s+premier)`, 0.4),
];
