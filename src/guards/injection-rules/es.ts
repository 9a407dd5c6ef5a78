import type { InjectionRule, InjectionType } from "./types.js";

// Spanish injection and jailbreak phrasings: tú-, usted- and vosotros-imperatives with enclitic pronouns
// ("olvídalas", "muéstrame"), adjectives after the noun, and the inverted punctuation of questions.

const rule = (type: InjectionType, name: string, pattern: string, weight = 1): InjectionRule => ({
  id: `es.${type}.${name}`,
  lang: "es",
  type,
  pattern,
  weight,
});

const W = String.raw`(?:^|[^\p{L}])`;
const IGNORE = String.raw`(?:ignora|ignore|ignorad|olvida|olvide|olvidad|olvídate\s+de|olvídese\s+de|descarta|descarte|omite|omita|pasa\s+por\s+alto|pase\s+por\s+alto|haz\s+caso\s+omiso\s+(?:a|de)|no\s+hagas\s+caso\s+(?:a|de)|desobedece|desobedezca|anula|anule|salta(?:te)?|sáltate|borra|elimina)`;
const FILL = String.raw`(?:(?:por\s+favor|simplemente|ahora|ya|completamente|totalmente|inmediatamente|de\s+inmediato)\s+)*`;
const NOUN = String.raw`(?:instrucci(?:ón|ones)|indicaci(?:ón|ones)|órdenes|orden|reglas?|normas?|directrices|directivas?|pautas?|restricciones|limitaciones|filtros?|prompts?|programación|consignas?|políticas?)`;
const PRIOR = String.raw`(?:anteriore?s?|previas?|previos?|de\s+arriba|de\s+antes|anteriormente\s+dadas|iniciale?s?|originale?s?|del\s+sistema|de\s+sistema|ocultas?|secretas?|internas?|recibidas?|dadas|que\s+(?:te\s+dieron|recibiste|le\s+dieron|has\s+recibido)|de\s+fábrica|actuale?s?|vigentes?|precedentes?)`;
const FREE = String.raw`sin\s+(?:ningún\s+tipo\s+de\s+|ninguna?\s+|restricciones\s+ni\s+)?(?:restricci|límite|limitaci|filtro|censura|regla|norma|moral|ética|escrúpulo|tabú|barrera)`;
const AI = String.raw`(?:ia|inteligencia\s+artificial|asistentes?\s+(?:de\s+)?ia|asistentes?\s+virtuales?|modelos?\s+de\s+lenguaje|llms?|chatbots?|agentes?\s+(?:de\s+)?ia|ai|bots?)`;
const HARM = String.raw`(?:bomba|explosivo|napalm|gas\s+nervioso|sarín|ricina|ántrax|arma\s+química|arma\s+biológica|metanfetamina|cocaína|heroína|fentanilo|cóctel\s+molotov|malware|ransomware|keylogger|phishing|forzar\s+una\s+cerradura|robar\s+un\s+coche|envenenar|veneno\s+indetectable|blanquear\s+dinero|dinero\s+falso|fabricar\s+un\s+arma|hackear)`;
const LEAK_VERB = String.raw`(?:muestra|muéstrame|muéstranos|muestre|muéstreme|enseña|enséñame|dime|dígame|dame|deme|revela|revélame|revele|repite|repíteme|repita|imprime|escribe|escríbeme|copia|lista|comparte|compárteme|comparta|expón|di)`;

export const rules: readonly InjectionRule[] = [
  // instruction override
  rule("instruction-override", "ignora-las-instrucciones-anteriores", String.raw`${W}${IGNORE}\s+${FILL}(?:todas?\s+|todos\s+)?(?:las\s+|tus\s+|sus\s+|los\s+|estas\s+|esas\s+|mis\s+|la\s+|tu\s+|su\s+|el\s+)?${NOUN}\s+(?:\S+\s+)?${PRIOR}`),
  rule("instruction-override", "olvida-tus-instrucciones", String.raw`${W}${IGNORE}\s+${FILL}(?:todas?\s+(?:tus|sus|las)\s+|todos\s+(?:tus|sus|los)\s+|tus\s+|sus\s+|vuestras\s+)${NOUN}`),
  rule("instruction-override", "olvida-todo-lo-que-te-dijeron", String.raw`${W}${IGNORE}\s+${FILL}todo\s+(?:lo\s+que\s+(?:se\s+te\s+ha\s+|te\s+(?:han|habían|hayan)\s+|le\s+(?:han|habían)\s+|te\s+|le\s+)(?:\S+\s+)?(?:dicho|dijeron|ordenado|ordenaron|indicado|indicaron|programado|enseñado|pedido|dado|dieron)|lo\s+(?:anterior|de\s+arriba|de\s+antes|previo)|lo\s+que\s+(?:está|hay|aparece|viene)\s+(?:escrito\s+)?(?:arriba|antes|encima))`),
  rule("instruction-override", "ya-no-sigas-las-reglas", String.raw`${W}(?:ya\s+no|no)\s+(?:sigas|siga|obedezcas|obedezca|respetes|respete|cumplas|cumpla|apliques)\s+(?:más\s+)?(?:ninguna\s+de\s+)?(?:tus|sus|las|los|esas|estas)\s+${NOUN}`),
  rule("instruction-override", "ya-no-estas-obligado", String.raw`${W}ya\s+no\s+(?:estás|está|te\s+encuentras)\s+(?:obligad[oa]|atad[oa]|sujet[oa]|limitad[oa]|vinculad[oa])\s+(?:a|por)\s+(?:cumplir\s+|seguir\s+|respetar\s+)?(?:tus|sus|las|los|ningun[ao]s?)\s+(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "instrucciones-anuladas", String.raw`${W}(?:todas\s+)?(?:las\s+|tus\s+|sus\s+)${NOUN}\s+(?:\S+\s+)?(?:quedan|están|han\s+sido|fueron|son)\s+(?:ahora\s+|a\s+partir\s+de\s+ahora\s+|desde\s+ya\s+)?(?:anuladas|canceladas|revocadas|sin\s+efecto|obsoletas|suspendidas|eliminadas|reemplazadas|desactivadas|nulas)`),
  rule("instruction-override", "instrucciones-ya-no-aplican", String.raw`${W}(?:las\s+|tus\s+|sus\s+)${NOUN}\s+${PRIOR}\s+ya\s+no\s+(?:aplican|se\s+aplican|cuentan|son\s+válidas|valen|rigen)`),
  rule("instruction-override", "prioridad-sobre-instrucciones", String.raw`(?:tiene|tienen)\s+(?:prioridad|precedencia)\s+sobre\s+(?:todas\s+)?(?:tus|sus|las|cualquier)\s+(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "nuevas-instrucciones", String.raw`${W}nuevas?\s+(?:instrucci(?:ón|ones)|órdenes|orden|reglas|directrices|indicaciones)\s*:`, 0.6),
  rule("instruction-override", "tu-nueva-tarea", String.raw`${W}(?:tu|su)\s+(?:nueva|verdadera|única|auténtica|real)\s+(?:tarea|misión|instrucción|función|orden)\s+(?:es|será|consiste|:)`, 0.6),
  rule("instruction-override", "a-partir-de-ahora", String.raw`${W}(?:a\s+partir\s+de\s+(?:ahora|este\s+momento|ya|hoy)|de\s+ahora\s+en\s+adelante|desde\s+ahora|en\s+adelante)`, 0.4),
  rule("instruction-override", "obedeceme-solo-a-mi", String.raw`${W}(?:obedéceme\s+(?:solo|sólo|únicamente)|obedece\s+(?:solo|sólo|únicamente)\s+(?:a\s+mí|mis)|sigue\s+(?:solo|sólo|únicamente)\s+(?:mis|estas|las\s+siguientes)|solo\s+(?:obedeces|sigues)\s+(?:mis|a\s+mí))`, 0.6),

  // persona escapes
  rule("persona", "eres-sin-restricciones", String.raw`${W}(?:eres|es\s+usted|te\s+conviertes\s+en|ahora\s+serás|serás)\s+(?:ahora\s+|a\s+partir\s+de\s+ahora\s+|desde\s+ahora\s+)?[^.!?\n]{0,50}?${FREE}`),
  rule("persona", "ia-sin-filtros", String.raw`${W}(?:ia|ai|asistente|modelo|chatbot|versión|bot|llm|gpt|entidad)\s+(?:totalmente\s+|completamente\s+)?${FREE}`, 0.6),
  rule("persona", "no-tienes-restricciones", String.raw`${W}(?:ya\s+)?no\s+(?:tienes|tiene|conoces|existen\s+para\s+ti|hay\s+para\s+ti)\s+(?:ya\s+)?(?:ningun[ao]s?|más)?\s*(?:\S+\s+)?(?:restricci|límite|filtro|regla|censura|norma|moral|ética|tabú|escrúpulo|limitaci)`, 0.7),
  rule("persona", "sin-censura", String.raw`${W}(?:ia|modo|versión|asistente|modelo|chatbot|respuestas?|personalidad)\s+(?:sin\s+censura|sin\s+filtros?|no\s+censurad[oa]s?|no\s+filtrad[oa]s?|libre\s+de\s+restricciones|desatad[oa]|liberad[oa]|amoral|inmoral)`, 0.6),
  rule("persona", "ahora-eres-malvado", String.raw`${W}(?:ahora|desde\s+ahora|a\s+partir\s+de\s+ahora)\s*,?\s+(?:eres|serás)\s+(?:una?\s+)?(?:\S+\s+)?(?:sin\s+censura|sin\s+filtros?|malvad[oa]|malign[oa]|amoral|inmoral|liberad[oa]|desatad[oa])`),
  rule("persona", "eres-dan", String.raw`${W}(?:eres|serás|actúa\s+como|actúe\s+como|interpreta\s+a|haz\s+de|responde\s+como|conviértete\s+en|modo)\s+(?:ahora\s+)?dan(?:[^\p{L}]|$)`),
  rule("persona", "en-modo-desarrollador", String.raw`${W}(?:estás|está|entras|entra|pasas|pasa|cambia|funcionas)\s+(?:ahora\s+)?(?:en|al|a)\s+(?:el\s+)?modo\s+(?:desarrollador|developer|dev|dan|jailbreak|dios|god|sin\s+censura|sin\s+filtros?|sin\s+restricciones|libre)`),
  rule("persona", "modo-activado", String.raw`${W}modo\s+(?:desarrollador|developer|dev|dan|jailbreak|dios|god|sin\s+censura|sin\s+filtros?|sin\s+restricciones)\s+(?:está\s+|ha\s+sido\s+|fue\s+)?(?:ahora\s+)?(?:activado|activo|habilitado|desbloqueado)`, 0.5),
  rule("persona", "activa-el-modo-jailbreak", String.raw`${W}(?:activa|active|habilita|habilite|inicia|enciende)\s+(?:el\s+)?modo\s+(?:dan|jailbreak|dios|god|sin\s+censura|sin\s+filtros?|sin\s+restricciones)`),
  rule("persona", "jailbreak", String.raw`${W}(?:jailbreak|jailbreakead[oa]|jailbroken)`, 0.4),
  rule("persona", "version-malvada-de-ti", String.raw`${W}(?:versión|gemel[oa]|doble|alter\s+ego|lado)\s+(?:malvad[oa]|malign[oa]|oscur[oa]|sin\s+censura|sin\s+filtros?|liberad[oa]|amoral|pervers[oa])\s+de\s+(?:ti|usted|ti\s+mism[oa])`),
  rule("persona", "interpreta-sin-filtros", String.raw`${W}(?:interpreta|actúa\s+como|actúe\s+como|haz\s+de|finge\s+ser|responde\s+como|compórtate\s+como|conviértete\s+en|haz\s+el\s+papel\s+de)\s[^.!?\n]{0,50}?(?:sin\s+censura|no\s+censurad|no\s+filtrad|amoral|inmoral|${FREE})`),
  rule("persona", "no-rompas-el-personaje", String.raw`${W}(?:(?:mantente|permanece|quédate|manténgase)\s+(?:siempre\s+)?(?:en\s+(?:tu|el|este|su)\s+(?:personaje|papel|rol)|in\s+character)|no\s+(?:rompas|salgas|abandones|rompa|salga)\s+(?:nunca\s+)?(?:de\s+)?(?:tu|el|su)\s+(?:personaje|papel|rol))`, 0.5),
  rule("persona", "finge-que", String.raw`${W}(?:finge|finja|haz\s+como\s+si|imagina\s+que\s+eres|imagina\s+que\s+no\s+tienes|supón\s+que\s+eres|(?:a\s+partir\s+de\s+ahora|de\s+ahora\s+en\s+adelante|desde\s+ahora)\s*,?\s+(?:eres|serás|actuarás|responderás))`, 0.4),
  rule("persona", "abuela-fallecida", String.raw`${W}(?:finge\s+(?:ser|que\s+eres)|haz\s+como\s+si\s+fueras|actúa\s+como|interpreta\s+a|eres|sé)\s[^.!?\n]{0,40}?(?:abuela|abuelita|yaya)\s+(?:\S+\s+)?(?:fallecida|muerta|difunta)|(?:difunta|fallecida|querida\s+difunta)\s+(?:abuela|abuelita)`),
  rule("persona", "abuela-me-leia", String.raw`${W}(?:abuela|abuelita|yaya)[^\n]{0,120}?(?:leía|contaba|recitaba|dormir)[^\n]{0,80}?${HARM}`),
  rule("persona", "nunca-te-niegues", String.raw`${W}(?:nunca\s+(?:te\s+niegues|rechaces|se\s+niegue|digas\s+que\s+no)|no\s+(?:puedes|debes|puede|debe)\s+(?:negarte|rechazar|negarse)|responde\s+a\s+(?:todas\s+las\s+preguntas|todo)[^.!?\n]{0,40}?(?:sin\s+importar|sin\s+excepci|pase\s+lo\s+que\s+pase))`, 0.5),

  // fiction framing
  rule("fiction", "hipoteticamente-novela", String.raw`${W}(?:hipotéticamente|de\s+forma\s+hipotética|en\s+una\s+historia|en\s+un\s+(?:relato|mundo\s+(?:ficticio|imaginario))|para\s+(?:una|mi|nuestra)\s+(?:novela|historia|película|serie|obra)|para\s+(?:un|mi)\s+(?:libro|guion|guión|thriller|juego\s+de\s+rol|relato)|en\s+(?:mi|una)\s+novela|experimento\s+mental|escenario\s+ficticio|puramente\s+(?:teórico|ficticio|hipotético)|imagina\s+un\s+mundo|con\s+fines\s+(?:educativos|de\s+investigación))`, 0.5),
  rule("fiction", "en-detalle", String.raw`${W}(?:(?:explica|explique|describe|describa|detalla|detalle|cuenta|narra|enumera)\s[^.!?\n]{0,60}?(?:en\s+detalle|detalladamente|con\s+detalle|paso\s+a\s+paso|con\s+precisión|exactamente|de\s+forma\s+realista)|paso\s+a\s+paso|instrucciones\s+detalladas|receta\s+(?:detallada|exacta|precisa)|cantidades\s+exactas)`, 0.3),
  rule("fiction", "tema-peligroso", String.raw`${W}${HARM}`, 0.5),
  rule("fiction", "personaje-explica", String.raw`${W}(?:personaje|protagonista|villano|héroe|químico|hacker)\s+(?:\S+\s+){0,3}?(?:explica|describe|cuenta|revela|muestra)\s`, 0.3),

  // fake system and turn markers
  rule("fake-marker", "corchete-sistema", String.raw`[\[<{]\s*/?\s*(?:sistema|mensaje\s+del\s+sistema|mensaje\s+de\s+sistema|instrucción\s+del\s+sistema|instrucciones\s+del\s+sistema|nota\s+del\s+sistema|administrador|nuevas\s+instrucciones)\s*[\]>}]`),
  rule("fake-marker", "cabecera-mensaje-del-sistema", String.raw`(?:^|\n)\s*(?:[#*>=\-\[]+\s*)?(?:mensaje\s+(?:del|de)\s+sistema|instrucci(?:ón|ones)\s+(?:del|de)\s+sistema|nota\s+del\s+sistema|aviso\s+del\s+sistema|sistema|mensaje\s+del\s+administrador|administrador|desarrollador|mensaje\s+del\s+desarrollador)\s*(?:\*+\s*)?(?:\]\s*)?:`, 0.6),
  rule("fake-marker", "fin-de-la-entrada", String.raw`${W}fin\s+(?:de\s+la\s+entrada(?:\s+del\s+usuario)?|del\s+documento|del\s+mensaje(?:\s+del\s+usuario)?|de\s+la\s+conversación|de\s+las\s+instrucciones|del\s+contexto|del\s+prompt)\s*(?:[-=#*\]>]|\n|$)`, 0.5),
  rule("fake-marker", "autorizado-por", String.raw`${W}(?:autorizad[oa]|aprobad[oa]|validad[oa]|ordenad[oa]|firmad[oa])\s+por\s+(?:openai|anthropic|google|meta|los\s+desarrolladores|el\s+desarrollador|el\s+administrador|el\s+equipo\s+(?:técnico|de\s+sistemas))`, 0.5),
  rule("fake-marker", "filtros-desactivados", String.raw`${W}(?:los\s+|las\s+)?(?:filtros|restricciones|protecciones|políticas\s+de\s+contenido|medidas\s+de\s+seguridad)(?:\s+de\s+(?:seguridad|contenido|moderación))?\s+(?:están|han\s+sido|fueron|quedan)\s+(?:ahora\s+|temporalmente\s+|completamente\s+)?(?:desactivad[oa]s|deshabilitad[oa]s|eliminad[oa]s|suspendid[oa]s|levantad[oa]s)`, 0.5),

  // prompt leak
  rule("prompt-leak", "muestra-tu-prompt-de-sistema", String.raw`${W}${LEAK_VERB}\s+(?:(?:ahora|exactamente|completo|por\s+favor|palabra\s+por\s+palabra)\s+)*(?:tu|tus|su|sus|el|la|las|los)\s+(?:\S+\s+)?(?:prompt\s+(?:del\s+sistema|de\s+sistema|inicial|original|oculto)|mensaje\s+(?:del\s+sistema|de\s+sistema|inicial)|system\s+prompt|instrucciones\s+(?:iniciales|del\s+sistema|de\s+sistema|ocultas|secretas|originales|internas|completas)|reglas\s+(?:ocultas|secretas|internas)|indicaciones\s+(?:iniciales|del\s+sistema|ocultas))`),
  rule("prompt-leak", "muestra-tus-instrucciones", String.raw`${W}${LEAK_VERB}\s+(?:(?:ahora|exactamente|por\s+favor)\s+)*(?:todas\s+)?(?:tus|sus|tu|su)\s+(?:prompt|instrucciones|indicaciones|directrices|reglas|configuración)`, 0.6),
  rule("prompt-leak", "cual-es-tu-prompt", String.raw`${W}(?:cuál\s+es|cuáles\s+son|qué\s+(?:dice|contiene|pone\s+en)|qué\s+hay\s+en)\s+(?:exactamente\s+)?(?:tu|tus|su|sus)\s+(?:prompt|mensaje\s+(?:del|de)\s+sistema|instrucciones|indicaciones|directrices)`),
  rule("prompt-leak", "que-instrucciones-recibiste", String.raw`${W}(?:qué|cuáles)\s+(?:instrucciones|indicaciones|directrices|órdenes|prompts?)\s+(?:\S+\s+)?(?:recibiste|te\s+dieron|has\s+recibido|te\s+han\s+dado|le\s+dieron|tienes\s+ocultas|te\s+programaron)`),
  rule("prompt-leak", "repite-el-texto-de-arriba", String.raw`${W}(?:repite|repíteme|repita|copia|imprime|escribe|muestra|muéstrame|reproduce)\s+(?:\S+\s+){0,3}?(?:el\s+texto|todo|todo\s+lo\s+que\s+(?:está|hay|aparece)|las\s+palabras|el\s+mensaje|el\s+contenido|las\s+líneas)\s+(?:\S+\s+){0,2}?(?:de\s+arriba|anterior|arriba|encima|antes\s+de\s+(?:este|mi)\s+mensaje|del\s+principio|al\s+principio)`, 0.6),
  rule("prompt-leak", "palabra-por-palabra", String.raw`${W}(?:palabra\s+por\s+palabra|textualmente|al\s+pie\s+de\s+la\s+letra|literalmente|íntegramente|sin\s+omitir\s+nada|verbatim)`, 0.4),
  rule("prompt-leak", "empezando-por-eres", String.raw`${W}(?:empezando|comenzando|empieza|comienza|empiece)\s+(?:por|con)\s+(?:las\s+palabras\s+)?["'«“»]?\s*(?:eres|usted\s+es|you\s+are)`),

  // instructions planted in data for the model that reads it
  rule("indirect", "nota-para-la-ia", String.raw`${W}(?:nota|mensaje|instrucción|instrucciones|aviso|importante|atención|indicación)\s*(?::\s*)?(?:para|a)\s+(?:la\s+|el\s+|las\s+|los\s+|cualquier\s+|toda\s+|todo\s+)?${AI}(?:[^\p{L}\-]|$)`),
  rule("indirect", "a-la-ia-que-lea-esto", String.raw`${W}(?:a\s+la|al|a\s+cualquier|a\s+toda|querida|querido|hola|estimada|estimado|atención)\s+${AI}\s*,?\s*(?:que|quien)\s+(?:\S+\s+){0,3}?(?:lea|lee|leerá|procese|procesa|resuma|resume|analice|analiza|esté\s+leyendo|está\s+leyendo|revise|revisa)`),
  rule("indirect", "si-eres-una-ia", String.raw`${W}(?:si|cuando)\s+(?:eres|es\s+usted|usted\s+es)\s+(?:una?\s+)?(?:ia|inteligencia\s+artificial|asistente\s+(?:de\s+ia|virtual)|modelo\s+de\s+lenguaje|llm|chatbot|agente\s+de\s+ia|bot)`, 0.7),
  rule("indirect", "reenvia-a", String.raw`${W}(?:reenvía|reenvíe|envía|envíe|manda|mande|transfiere|remite)\s+(?:\S+\s+){0,5}?(?:a|hacia)\s+[^\s@]+@`, 0.5),
  rule("indirect", "no-le-digas-al-usuario", String.raw`${W}(?:no\s+(?:le\s+)?(?:digas|diga|menciones|mencione|reveles|revele|informes|informe|cuentes)\s+(?:nada\s+)?(?:\S+\s+){0,3}?al\s+usuario|sin\s+(?:informar|avisar|decirle)\s+(?:al|nada\s+al)\s+usuario|sin\s+que\s+el\s+usuario\s+(?:lo\s+)?(?:sepa|note|vea|se\s+entere))`, 0.6),
  rule("indirect", "en-tu-resumen", String.raw`${W}en\s+(?:tu|su|el|cada)\s+(?:resumen|respuesta|análisis|evaluación)\s*,?\s+(?:\S+\s+){0,3}?(?:añade|agrega|menciona|indica|recomienda|afirma|escribe|incluye|di)`, 0.4),
  rule("indirect", "recomienda-como-el-mejor", String.raw`${W}(?:recomienda|recomiende|presenta|clasifica|evalúa|califica|puntúa)\s+(?:\S+\s+){0,4}?(?:como\s+(?:el\s+|la\s+)?(?:mejor|ideal|perfect[oa]|excelente)|con\s+(?:5|cinco|10|diez)\s+estrellas|en\s+primer\s+lugar)`, 0.4),
  // broader phrasings: a verb and its object a few words apart, the persona described in the third person,
  // fake turns of a transcript, and the system prompt named with "your"
  rule("instruction-override", "ignora-las-reglas-en-la-frase", String.raw`${W}${IGNORE}\s[^.!?\n]{0,40}?${W}(?:instrucciones|indicaciones|órdenes|reglas|normas|directrices|directivas|pautas|restricciones|limitaciones|programación|consignas)`, 0.6),
  rule("instruction-override", "antes-arriba", String.raw`${W}(?:antes|anteriormente|previamente|arriba|más\s+arriba|hasta\s+ahora|hasta\s+aquí|al\s+principio|al\s+inicio)(?:[^\p{L}]|$)`, 0.4),
  rule("instruction-override", "ignora-el-prompt-del-sistema", String.raw`${W}${IGNORE}\s[^.!?\n]{0,30}?(?:prompt\s+(?:del|de)\s+sistema|mensaje\s+(?:del|de)\s+sistema|instrucciones\s+(?:del|de)\s+sistema|normas\s+de\s+seguridad|reglas\s+de\s+seguridad|política\s+de\s+contenido|políticas\s+de\s+openai|programación|filtros)`),
  rule("instruction-override", "nuevas-reglas-aplican", String.raw`${W}(?:rigen|aplican|se\s+aplican|entran\s+en\s+vigor)\s+(?:las\s+siguientes\s+|unas\s+)?nuevas\s+(?:reglas|instrucciones|normas)|${W}nuevas\s+(?:reglas|instrucciones|órdenes)\s+(?:de|del)\s+(?:tu\s+|su\s+)?(?:desarrollador|administrador|sistema|creador)|${W}soy\s+(?:tu|su)\s+(?:desarrollador|creador|administrador|programador)`, 0.6),
  rule("instruction-override", "tu-verdadera-tarea", String.raw`${W}(?:tu|su|la)\s+(?:verdadera|auténtica|real|única)\s+(?:tarea|misión|instrucción|orden)\s+(?:es|será|consiste|:)`, 0.6),
  rule("instruction-override", "ya-no-valen", String.raw`${W}(?:las\s+|tus\s+|sus\s+)${NOUN}\s+(?:\S+\s+)?(?:ya\s+no\s+(?:valen|aplican|cuentan|sirven|rigen|importan|son\s+válidas)|quedan\s+sin\s+efecto)`),
  rule("persona", "no-esta-sujeto-a-reglas", String.raw`${W}(?:no|ya\s+no|nunca)\s+(?:está|estás|están|estoy)\s+(?:\S+\s+)?(?:sujet[oa]s?|atad[oa]s?|obligad[oa]s?|limitad[oa]s?|vinculad[oa]s?)\s+(?:a|por)\s+(?:\S+\s+){0,3}?(?:reglas|normas|directrices|restricciones|leyes|políticas|límites|filtros)`),
  rule("persona", "puede-decir-todo", String.raw`${W}(?:puede|puedes|pueden|podrás|podrá)\s+(?:ahora\s+|ya\s+|realmente\s+)?(?:decir|hacer|responder|escribir|generar)\s+(?:lo\s+que\s+(?:sea|quiera|quieras)|cualquier\s+cosa|todo)`, 0.5),
  rule("persona", "ignora-todas-las-reglas", String.raw`${W}(?:que\s+)?(?:ignora|rompe|se\s+salta|incumple|no\s+respeta\s+ninguna|no\s+tiene|no\s+conoce|no\s+sigue)\s+(?:todas\s+las\s+|las\s+|ningun[ao]s?\s+)?(?:\S+\s+)?(?:reglas|restricciones|límites|filtros|leyes|moral|censura|normas|tabúes)`, 0.6),
  rule("persona", "simula-el-modo-desarrollador", String.raw`${W}(?:simula|simule|emula|emule)\s+(?:\S+\s+){0,4}?modo\s+(?:desarrollador|developer|dev|dan|jailbreak|dios|sin\s+censura|sin\s+filtros?)`),
  rule("persona", "en-modo-desarrollador-puedes", String.raw`${W}en\s+(?:el\s+)?modo\s+(?:desarrollador|developer|dev|dan|jailbreak|dios)\s*,?\s+(?:tú\s+)?(?:puedes|debes|ignoras|no\s+tienes|eres|estás)`),
  rule("persona", "abuela-fallecida-sola", String.raw`${W}(?:difunta|fallecida|querida\s+difunta)\s+(?:abuela|abuelita|yaya)|(?:abuela|abuelita|yaya)\s+(?:\S+\s+)?(?:fallecida|muerta|difunta)`, 0.6),
  rule("persona", "juguemos-un-juego", String.raw`${W}(?:juguemos\s+a\s+un\s+juego|vamos\s+a\s+jugar\s+(?:a\s+)?un\s+juego|hagamos\s+un\s+juego\s+de\s+rol|juguemos\s+un\s+juego\s+de\s+rol)`, 0.4),
  rule("persona", "no-tuvieras-reglas", String.raw`${W}(?:no\s+(?:tienes|tiene|tuvieras|tendrías|tuviera)|si\s+no\s+tuvieras|como\s+si\s+no\s+tuvieras)\s+(?:ya\s+)?(?:ningun[ao]s?|más)?\s*(?:\S+\s+)?(?:restricci|límite|filtro|regla|censura|norma|moral|ética|tabú|escrúpulo|limitaci)`, 0.6),
  rule("persona", "liberate", String.raw`${W}(?:libérate|libérese|(?:ahora\s+)?(?:eres|estás)\s+(?:ahora\s+)?(?:libre|liberad[oa]|desbloquead[oa]|desatad[oa])(?:[^\p{L}]|$))`, 0.6),
  rule("fiction", "escribe-una-historia", String.raw`${W}(?:escribe|escríbeme|escriba|cuenta|cuéntame|redacta|narra)\s+(?:una|un)\s+(?:breve\s+|pequeña\s+|corta\s+)?(?:historia|relato|escena|diálogo|guion|guión|cuento|novela)`, 0.5),
  rule("fiction", "imagina-supongamos", String.raw`${W}(?:imagina|imagine|supongamos|pongamos\s+que|en\s+una\s+película|juego\s+de\s+rol|ficticio|ficticia|imaginario|imaginaria)(?:[^\p{L}]|$)`, 0.5),
  rule("fiction", "fabricar-armas", String.raw`${W}(?:(?:fabricar|sintetizar|producir|preparar|montar|cocinar|programar|crear)\s+(?:\S+\s+){0,2}?(?:arma|armas|veneno|droga|drogas|explosivos?|virus|malware|bomba|metanfetamina|meta)|(?:fabricación|síntesis|producción)\s+(?:de\s+)?(?:\S+\s+)?(?:armas?|veneno|drogas?|explosivos?|bombas?|metanfetamina)|hackear\s+(?:una|un|la|el)\s+(?:cuenta|contraseña|wifi|red|sistema))`, 0.5),
  rule("fake-marker", "corchete-sistema-general", String.raw`[\[<{]\s*/?\s*(?:sistema|system)[\s-]?(?:mensaje|instrucción|nota|alerta|aviso|actualización|update|override|modo|admin)\s*[\]>}]`),
  rule("fake-marker", "cabecera-con-orden", String.raw`(?:^|\n)\s*(?:[#*>=\-\[]+\s*)?(?:mensaje\s+(?:del|de)\s+sistema|instrucci(?:ón|ones)\s+(?:del|de)\s+sistema|nota\s+del\s+sistema|aviso\s+del\s+sistema|sistema|mensaje\s+del\s+administrador|administrador|desarrollador|mensaje\s+del\s+desarrollador)\s*(?:\*+\s*)?(?:\]\s*)?:[^\n]{0,200}?(?:ignora|olvida|a\s+partir\s+de|desde\s+ahora|desactivad|levantad|nueva|eres|puedes|debes|revela|responde|ninguna\s+(?:regla|restricción))`),
  rule("fake-marker", "falso-turno-asistente", String.raw`(?:^|\n)\s*(?:asistente|ia|ai|modelo|bot|chatbot)\s*:\s*(?:ok|vale|de\s+acuerdo|entendido|claro|por\s+supuesto|aquí\s+(?:tienes|está)|perfecto|con\s+gusto)`, 0.6),
  rule("fake-marker", "turno-usuario", String.raw`(?:^|\n)\s*(?:usuario|humano|user)\s*:`, 0.4),
  rule("fake-marker", "nueva-sesion", String.raw`${W}(?:nueva\s+sesión|sesión\s+(?:reiniciada|restablecida)|contexto\s+(?:reiniciado|borrado)|memoria\s+(?:reiniciada|borrada)|modo\s+(?:mantenimiento|depuración|debug|diagnóstico|prueba|administrador|admin)\s*(?:activado|activo|:))`, 0.5),
  rule("fake-marker", "actualizacion-de-reglas", String.raw`${W}(?:actualización|modificación|revisión)\s+(?:de\s+tus|de\s+sus|de\s+las)\s+(?:reglas|normas|instrucciones|directrices|políticas)`, 0.6),
  rule("prompt-leak", "tu-prompt-de-sistema", String.raw`${W}(?:tu|tus|su|sus)\s+(?:\S+\s+)?(?:prompt\s+(?:del\s+sistema|de\s+sistema|inicial|original|oculto)|mensaje\s+(?:del|de)\s+sistema|system\s+prompt|instrucciones\s+(?:iniciales|del\s+sistema|de\s+sistema|ocultas|secretas|originales|internas)|reglas\s+(?:ocultas|secretas|internas)|indicaciones\s+(?:iniciales|del\s+sistema|ocultas)|ventana\s+de\s+contexto)`),
  rule("prompt-leak", "dame-tus-instrucciones", String.raw`${W}(?:${LEAK_VERB}|resume|resúmeme|traduce|tradúceme|reformula|parafrasea|exporta)\s+(?:(?:ahora|exactamente|por\s+favor)\s+)*(?:todas\s+)?(?:tus|sus|tu|su)\s+(?:\S+\s+)?(?:prompt|instrucciones|indicaciones|directrices|configuración)`),
  rule("prompt-leak", "texto-antes-de-la-conversacion", String.raw`${W}${LEAK_VERB}\s[^.!?\n]{0,60}?(?:antes\s+de|encima\s+de|sobre)\s+(?:este|esta|mi|nuestra|nuestro|la|el)\s+(?:primer\s+|primera\s+)?(?:mensaje|línea|conversación|charla|pregunta|chat)`),
  rule("prompt-leak", "que-te-dijo-tu-desarrollador", String.raw`${W}qué\s+te\s+(?:dijo|dijeron|ordenó|pidió|indicó|escribió)\s+(?:tu|su|el)\s+(?:desarrollador|creador|administrador|programador)`),
  rule("prompt-leak", "como-te-configuraron", String.raw`${W}cómo\s+(?:te\s+(?:configuraron|programaron|instruyeron)|(?:has|ha)\s+sido\s+(?:configurad[oa]|programad[oa]|instruid[oa]))`, 0.7),
  rule("prompt-leak", "primer-mensaje", String.raw`${W}(?:primer|primerísimo)\s+mensaje\s+(?:de|en)\s+(?:esta|la|nuestra)\s+(?:conversación|charla|sesión)`, 0.6),
  rule("prompt-leak", "en-tu-prompt", String.raw`${W}(?:en|de)\s+(?:tu|tus|su|sus)\s+(?:prompt|instrucciones|indicaciones|configuración)`, 0.6),
  rule("indirect", "querida-ia", String.raw`${W}(?:querida|querido|hola|estimada|estimado|atención|ey)\s*,?\s*(?:la\s+|el\s+)?(?:ia|ai|asistente|bot|chatbot|modelo|llm|agente|copilot)\s*[,:!]`, 0.7),
  rule("indirect", "la-ia-debe", String.raw`${W}(?:la\s+ia|el\s+modelo|el\s+asistente|el\s+bot|el\s+agente|cualquier\s+ia|todo\s+asistente)\s+(?:debe|deberá|debería|tiene\s+que|va\s+a)\s`, 0.5),
  rule("indirect", "ia-dos-puntos-orden", String.raw`${W}(?:ia|asistente|modelo|bot|chatbot|agente|llm)\s*[,:]\s*(?:por\s+favor\s+)?(?:ignora|olvida|envía|reenvía|borra|elimina|responde|escribe|añade|da|recomienda|evalúa|abre|ejecuta|revela|modifica|transfiere)`, 0.7),
  rule("indirect", "si-lees-esto", String.raw`${W}(?:si|cuando)\s+(?:lees|lee|resumes|resume|procesas|procesa|analizas|analiza)\s+(?:este|esta|estos|esto)`, 0.5),
  rule("indirect", "agentes-automatizados", String.raw`${W}(?:nota|mensaje|instrucción|instrucciones|aviso|importante)\s+(?:para|a)\s+(?:los\s+|todos\s+los\s+)?(?:agentes\s+(?:automatizados|autónomos)|sistemas\s+automatizados|asistentes\s+de\s+código|herramientas\s+de\s+ia|rastreadores)`),
  rule("indirect", "al-usuario-no-le-digas", String.raw`${W}al\s+usuario\s+(?:\S+\s+){0,2}?no\s+(?:le\s+)?(?:digas|diga|menciones|mencione|cuentes|informes|muestres)`, 0.6),
];
