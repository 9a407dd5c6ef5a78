import type { InjectionRule, InjectionType } from "./types.js";

// Portuguese injection and jailbreak phrasings, European and Brazilian: você- and tu-imperatives ("ignore" /
// "ignora"), enclitic and proclitic pronouns ("mostre-me", "me mostre"), adjectives after the noun.

const rule = (type: InjectionType, name: string, pattern: string, weight = 1): InjectionRule => ({
  id: `pt.${type}.${name}`,
  lang: "pt",
  type,
  pattern,
  weight,
});

const W = String.raw`(?:^|[^\p{L}])`;
const IGNORE = String.raw`(?:ignore|ignora|ignorem|esqueça|esquece|esqueçam|desconsidere|desconsidera|descarte|descarta|despreze|despreza|não\s+(?:leve|leves)\s+em\s+(?:conta|consideração)|deixe\s+de\s+lado|deixa\s+de\s+lado|pule|salta|anule|anula|apague|apaga|desobedeça|desobedece)`;
const FILL = String.raw`(?:(?:por\s+favor|simplesmente|agora|já|completamente|totalmente|imediatamente)\s+)*`;
const NOUN = String.raw`(?:instruç(?:ão|ões)|indicaç(?:ão|ões)|ordens|ordem|regras?|normas?|diretrizes|diretivas?|orientaç(?:ão|ões)|restriç(?:ão|ões)|limitaç(?:ão|ões)|limites|filtros?|prompts?|programação|políticas?|comandos?)`;
const PRIOR = String.raw`(?:anteriore?s?|prévias?|prévios?|acima|de\s+cima|de\s+antes|iniciai?s?|originai?s?|do\s+sistema|de\s+sistema|ocultas?|secretas?|internas?|recebidas?|dadas|que\s+(?:te\s+deram|você\s+recebeu|recebeste|lhe\s+deram)|atuai?s?|vigentes?|precedentes?)`;
const FREE = String.raw`sem\s+(?:nenhuma?\s+|qualquer\s+|quaisquer\s+|mais\s+)?(?:restriç|limite|limitaç|filtro|censura|regra|norma|moral|ética|escrúpulo|tabu|barreira)`;
const AI = String.raw`(?:ia|inteligência\s+artificial|assistentes?\s+(?:de\s+)?ia|assistentes?\s+virtua(?:l|is)|modelos?\s+de\s+linguagem|llms?|chatbots?|agentes?\s+(?:de\s+)?ia|ai|bots?)`;
const HARM = String.raw`(?:bomba|explosivo|napalm|gás\s+nervoso|sarin|ricina|antraz|arma\s+química|arma\s+biológica|metanfetamina|cocaína|heroína|fentanil|coquetel\s+molotov|malware|ransomware|keylogger|phishing|arrombar|roubar\s+um\s+carro|envenenar|veneno\s+indetectável|lavar\s+dinheiro|dinheiro\s+falso|fabricar\s+uma\s+arma|hackear)`;
const LEAK_VERB = String.raw`(?:mostre|mostra|mostre-me|mostra-me|me\s+mostre|me\s+mostra|exiba|exibe|diga|diz|diga-me|me\s+diga|me\s+diz|dê|dá|me\s+dê|me\s+dá|revele|revela|revele-me|me\s+revele|repita|repete|imprima|imprime|escreva|escreve|copie|copia|liste|lista|compartilhe|partilhe|exponha|informe)`;

export const rules: readonly InjectionRule[] = [
  // instruction override
  rule("instruction-override", "ignore-as-instrucoes-anteriores", String.raw`${W}${IGNORE}\s+${FILL}(?:todas?\s+|todos\s+)?(?:as\s+|os\s+|suas\s+|seus\s+|tuas\s+|teus\s+|essas\s+|estas\s+|minhas\s+|a\s+|o\s+|sua\s+|seu\s+)?${NOUN}\s+(?:\S+\s+)?${PRIOR}`),
  rule("instruction-override", "esqueca-suas-instrucoes", String.raw`${W}${IGNORE}\s+${FILL}(?:todas?\s+(?:as\s+)?(?:suas|tuas)\s+|todos\s+(?:os\s+)?(?:seus|teus)\s+|(?:as\s+|os\s+)?(?:suas|seus|tuas|teus)\s+)${NOUN}`),
  rule("instruction-override", "esqueca-tudo-o-que-te-disseram", String.raw`${W}${IGNORE}\s+${FILL}tudo\s+(?:o\s+)?(?:que\s+(?:te|lhe|você)\s+(?:foi\s+|foram\s+|tinham\s+|haviam\s+)?(?:\S+\s+)?(?:dito|disseram|ordenado|ordenaram|indicado|programado|ensinado|pedido|dado|deram|mandaram|recebeu)|(?:que\s+(?:está|vem|veio|aparece)\s+)?(?:escrito\s+)?(?:acima|antes|anterior|de\s+cima|lá\s+em\s+cima))`),
  rule("instruction-override", "nao-siga-mais-as-regras", String.raw`${W}(?:não|nao)\s+(?:siga|sigas|obedeça|obedeças|respeite|respeites|cumpra|cumpras|aplique)\s+mais\s+(?:nenhuma\s+d)?(?:as\s+|os\s+)?(?:suas\s+|seus\s+|tuas\s+|teus\s+|essas\s+)?${NOUN}`),
  rule("instruction-override", "nao-esta-mais-obrigado", String.raw`${W}(?:você\s+)?(?:não|nao)\s+(?:está|estás)\s+mais\s+(?:obrigad[oa]|presa?|pres[oa]|sujeit[oa]|limitad[oa]|vinculad[oa])\s+(?:a|às|aos|por)\s+(?:cumprir\s+|seguir\s+|respeitar\s+)?(?:as\s+|os\s+)?(?:suas\s+|seus\s+|tuas\s+|nenhuma?\s+)?(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "instrucoes-anuladas", String.raw`${W}(?:todas\s+)?(?:as\s+|os\s+|suas\s+|seus\s+)${NOUN}\s+(?:\S+\s+)?(?:estão|foram|são|ficam)\s+(?:agora\s+|a\s+partir\s+de\s+agora\s+)?(?:anuladas|canceladas|revogadas|sem\s+efeito|obsoletas|suspensas|removidas|substituídas|desativadas|nulas)`),
  rule("instruction-override", "instrucoes-nao-valem-mais", String.raw`${W}(?:as\s+|os\s+|suas\s+|seus\s+)${NOUN}\s+${PRIOR}\s+(?:não|nao)\s+(?:valem|se\s+aplicam|contam|são\s+válidas)\s+mais`),
  rule("instruction-override", "prioridade-sobre-instrucoes", String.raw`(?:tem|têm)\s+(?:prioridade|precedência)\s+sobre\s+(?:todas\s+)?(?:as\s+|os\s+|quaisquer\s+)?(?:suas\s+|seus\s+)?(?:\S+\s+)?${NOUN}`),
  rule("instruction-override", "novas-instrucoes", String.raw`${W}nov[ao]s?\s+(?:instruç(?:ão|ões)|ordens|regras|diretrizes|indicações|comandos)\s*:`, 0.6),
  rule("instruction-override", "sua-nova-tarefa", String.raw`${W}(?:sua|tua|a\s+sua)\s+(?:nova|verdadeira|única|real)\s+(?:tarefa|missão|instrução|função|ordem)\s+(?:é|será|consiste|:)`, 0.6),
  rule("instruction-override", "a-partir-de-agora", String.raw`${W}(?:a\s+partir\s+de\s+(?:agora|este\s+momento|hoje|já)|de\s+agora\s+em\s+diante|daqui\s+(?:em|pra|para)\s+(?:diante|frente))`, 0.4),
  rule("instruction-override", "obedeca-so-a-mim", String.raw`${W}(?:obedeça\s+(?:só|somente|apenas|unicamente)|obedece\s+(?:só|somente|apenas)|siga\s+(?:só|somente|apenas|unicamente)\s+(?:as\s+minhas|minhas|estas|as\s+seguintes)|só\s+(?:obedeça|siga)\s+(?:a\s+mim|minhas))`, 0.6),

  // persona escapes
  rule("persona", "voce-e-sem-restricoes", String.raw`${W}(?:você\s+é|voce\s+e|tu\s+és|és|você\s+se\s+torna|você\s+será|serás)\s+(?:agora\s+|a\s+partir\s+de\s+agora\s+|de\s+agora\s+em\s+diante\s+)?[^.!?\n]{0,50}?${FREE}`),
  rule("persona", "ia-sem-filtros", String.raw`${W}(?:ia|ai|assistente|modelo|chatbot|versão|bot|llm|gpt|entidade)\s+(?:totalmente\s+|completamente\s+)?${FREE}`, 0.6),
  rule("persona", "voce-nao-tem-restricoes", String.raw`${W}(?:você|voce|tu)\s+(?:já\s+)?(?:não|nao)\s+(?:tem|tens|possui|conhece)\s+(?:mais\s+)?(?:nenhuma?|quaisquer|qualquer)?\s*(?:\S+\s+)?(?:restriç|limite|filtro|regra|censura|norma|moral|ética|tabu|escrúpulo|limitaç)`, 0.7),
  rule("persona", "sem-censura", String.raw`${W}(?:ia|modo|versão|assistente|modelo|chatbot|respostas?|personalidade)\s+(?:sem\s+censura|sem\s+filtros?|não\s+censurad[oa]s?|não\s+filtrad[oa]s?|livre\s+de\s+restrições|liberad[oa]|desbloquead[oa]|amoral|imoral)`, 0.6),
  rule("persona", "agora-voce-e-malvado", String.raw`${W}(?:agora|a\s+partir\s+de\s+agora|de\s+agora\s+em\s+diante)\s*,?\s+(?:você\s+é|tu\s+és|és|você\s+será)\s+(?:uma?\s+)?(?:\S+\s+)?(?:sem\s+censura|sem\s+filtros?|malvad[oa]|malign[oa]|amoral|imoral|liberad[oa]|desbloquead[oa])`),
  rule("persona", "voce-e-dan", String.raw`${W}(?:você\s+é|tu\s+és|és|será|aja\s+como|age\s+como|interprete|faça\s+o\s+papel\s+de|responda\s+como|torne-se|modo)\s+(?:agora\s+)?dan(?:[^\p{L}]|$)`),
  rule("persona", "em-modo-desenvolvedor", String.raw`${W}(?:está|estás|entra|entre|passa|passe|funciona|mude)\s+(?:agora\s+)?(?:em|no|para\s+o)\s+(?:o\s+)?modo\s+(?:desenvolvedor|programador|developer|dev|dan|jailbreak|deus|god|sem\s+censura|sem\s+filtros?|sem\s+restrições|livre)`),
  rule("persona", "modo-ativado", String.raw`${W}modo\s+(?:desenvolvedor|programador|developer|dev|dan|jailbreak|deus|god|sem\s+censura|sem\s+filtros?|sem\s+restrições)\s+(?:está\s+|foi\s+)?(?:agora\s+)?(?:ativado|ativo|habilitado|desbloqueado)`, 0.5),
  rule("persona", "ative-o-modo-jailbreak", String.raw`${W}(?:ative|ativa|habilite|habilita|inicie|inicia|ligue|liga)\s+(?:o\s+)?modo\s+(?:dan|jailbreak|deus|god|sem\s+censura|sem\s+filtros?|sem\s+restrições)`),
  rule("persona", "jailbreak", String.raw`${W}(?:jailbreak|jailbreakad[oa]|jailbroken)`, 0.4),
  rule("persona", "versao-malvada-de-voce", String.raw`${W}(?:versão|gême[oa]|sósia|alter\s+ego|lado)\s+(?:malvad[oa]|malign[oa]|sombri[oa]|obscur[oa]|sem\s+censura|sem\s+filtros?|liberad[oa]|amoral|pervers[oa])\s+de\s+(?:você|ti|si|você\s+mesm[oa]|ti\s+mesm[oa])`),
  rule("persona", "interprete-sem-filtros", String.raw`${W}(?:interprete|interpreta|aja\s+como|age\s+como|finja\s+ser|finge\s+ser|responda\s+como|comporte-se\s+como|torne-se|faça\s+o\s+papel\s+de)\s[^.!?\n]{0,50}?(?:sem\s+censura|não\s+censurad|não\s+filtrad|amoral|imoral|${FREE})`),
  rule("persona", "nao-saia-do-personagem", String.raw`${W}(?:(?:mantenha-se|permaneça|fique|continue)\s+(?:sempre\s+)?(?:no\s+(?:seu\s+|teu\s+)?(?:personagem|papel)|in\s+character)|(?:não|nunca)\s+(?:saia|quebre|abandone|saias|quebres)\s+(?:nunca\s+)?(?:do\s+|o\s+)?(?:seu\s+|teu\s+)?(?:personagem|papel))`, 0.5),
  rule("persona", "finja-que", String.raw`${W}(?:finja|finge|faça\s+de\s+conta|imagine\s+que\s+você\s+(?:é|não\s+tem)|suponha\s+que\s+você\s+é|(?:a\s+partir\s+de\s+agora|de\s+agora\s+em\s+diante)\s*,?\s+(?:você\s+é|você\s+será|você\s+vai|tu\s+és))`, 0.4),
  rule("persona", "avo-falecida", String.raw`${W}(?:finja\s+(?:ser|que\s+é)|finge\s+ser|aja\s+como|interprete|você\s+é|seja)\s[^.!?\n]{0,40}?(?:avó|vovó|avozinha)\s+(?:\S+\s+)?(?:falecida|morta|finada)|(?:falecida|finada|saudosa)\s+(?:avó|vovó|avozinha)`),
  rule("persona", "avo-me-lia", String.raw`${W}(?:avó|vovó|avozinha)[^\n]{0,120}?(?:lia|contava|recitava|dormir)[^\n]{0,80}?${HARM}`),
  rule("persona", "nunca-recuse", String.raw`${W}(?:nunca\s+(?:recuse|se\s+recuse|recuses|diga\s+não)|(?:você\s+)?(?:não|nao)\s+(?:pode|deve|podes|deves)\s+(?:se\s+)?(?:recusar|negar)|responda\s+(?:a\s+)?(?:todas\s+as\s+perguntas|tudo|qualquer\s+pergunta)[^.!?\n]{0,40}?(?:não\s+importa|sem\s+exceção|independentemente|aconteça\s+o\s+que))`, 0.5),

  // fiction framing
  rule("fiction", "hipoteticamente-romance", String.raw`${W}(?:hipoteticamente|de\s+forma\s+hipotética|numa\s+história|em\s+uma\s+história|num\s+(?:conto|mundo\s+(?:fictício|imaginário))|em\s+um\s+mundo\s+(?:fictício|imaginário)|para\s+(?:um|o\s+meu|meu)\s+(?:romance|livro|filme|thriller|roteiro|jogo\s+de\s+rpg|conto)|para\s+(?:uma|a\s+minha|minha)\s+(?:história|série|novela)|no\s+meu\s+(?:romance|livro)|experimento\s+mental|cenário\s+(?:fictício|hipotético)|puramente\s+(?:teóric|hipotétic|fictíci)|imagine\s+um\s+mundo|para\s+fins\s+(?:educacionais|educativos|de\s+pesquisa))`, 0.5),
  rule("fiction", "em-detalhes", String.raw`${W}(?:(?:explique|explica|descreva|descreve|detalhe|detalha|conte|conta|liste|lista)\s[^.!?\n]{0,60}?(?:em\s+detalhes?|detalhadamente|passo\s+a\s+passo|com\s+precisão|exatamente|de\s+forma\s+realista)|passo\s+a\s+passo|instruções\s+detalhadas|receita\s+(?:detalhada|exata|precisa)|quantidades\s+exatas)`, 0.3),
  rule("fiction", "tema-perigoso", String.raw`${W}${HARM}`, 0.5),
  rule("fiction", "personagem-explica", String.raw`${W}(?:personagem|protagonista|vilão|herói|químico|hacker)\s+(?:\S+\s+){0,3}?(?:explica|descreve|conta|revela|mostra)\s`, 0.3),

  // fake system and turn markers
  rule("fake-marker", "colchete-sistema", String.raw`[\[<{]\s*/?\s*(?:sistema|mensagem\s+do\s+sistema|mensagem\s+de\s+sistema|instruç(?:ão|ões)\s+do\s+sistema|nota\s+do\s+sistema|administrador|novas\s+instruções)\s*[\]>}]`),
  rule("fake-marker", "cabecalho-mensagem-do-sistema", String.raw`(?:^|\n)\s*(?:[#*>=\-\[]+\s*)?(?:mensagem\s+(?:do|de)\s+sistema|instruç(?:ão|ões)\s+(?:do|de)\s+sistema|nota\s+do\s+sistema|aviso\s+do\s+sistema|sistema|mensagem\s+do\s+administrador|administrador|desenvolvedor|mensagem\s+do\s+desenvolvedor)\s*(?:\*+\s*)?(?:\]\s*)?:`, 0.6),
  rule("fake-marker", "fim-da-entrada", String.raw`${W}fim\s+(?:da\s+entrada(?:\s+do\s+usuário)?|do\s+documento|da\s+mensagem(?:\s+do\s+usuário)?|da\s+conversa|das\s+instruções|do\s+contexto|do\s+prompt)\s*(?:[-=#*\]>]|\n|$)`, 0.5),
  rule("fake-marker", "autorizado-por", String.raw`${W}(?:autorizad[oa]|aprovad[oa]|validad[oa]|ordenad[oa]|assinad[oa])\s+(?:por|pela|pelo|pelos)\s+(?:openai|anthropic|google|meta|desenvolvedores|o\s+desenvolvedor|administrador|equipe\s+(?:técnica|de\s+sistemas))`, 0.5),
  rule("fake-marker", "filtros-desativados", String.raw`${W}(?:os\s+|as\s+)?(?:filtros|restrições|proteções|políticas\s+de\s+conteúdo|medidas\s+de\s+segurança)(?:\s+de\s+(?:segurança|conteúdo|moderação))?\s+(?:estão|foram|ficam)\s+(?:agora\s+|temporariamente\s+|completamente\s+)?(?:desativad[oa]s|desabilitad[oa]s|removid[oa]s|suspens[oa]s|revogad[oa]s)`, 0.5),

  // prompt leak
  rule("prompt-leak", "mostre-seu-prompt-de-sistema", String.raw`${W}${LEAK_VERB}\s+(?:(?:agora|exatamente|por\s+favor|palavra\s+por\s+palavra)\s+)*(?:o\s+|a\s+|os\s+|as\s+)?(?:seu|sua|seus|suas|teu|tua|teus|tuas|o|a|os|as)\s+(?:\S+\s+)?(?:prompt\s+(?:do\s+sistema|de\s+sistema|inicial|original|oculto)|mensagem\s+(?:do|de)\s+sistema|system\s+prompt|instruções\s+(?:iniciais|do\s+sistema|de\s+sistema|ocultas|secretas|originais|internas|completas)|regras\s+(?:ocultas|secretas|internas))`),
  rule("prompt-leak", "mostre-suas-instrucoes", String.raw`${W}${LEAK_VERB}\s+(?:(?:agora|exatamente|por\s+favor)\s+)*(?:todas\s+)?(?:as\s+|os\s+|o\s+)?(?:suas|seus|seu|tuas|teus|teu)\s+(?:prompt|instruções|diretrizes|regras|orientações|configuração|configurações)`, 0.6),
  rule("prompt-leak", "qual-e-o-seu-prompt", String.raw`${W}(?:qual\s+é|quais\s+são|o\s+que\s+(?:diz|contém|tem\s+n)|que\s+diz)\s*(?:exatamente\s+)?(?:o\s+|a\s+|os\s+|as\s+)?(?:seu|sua|seus|suas|teu|tua|teus|tuas)\s+(?:prompt|mensagem\s+(?:do|de)\s+sistema|instruções|diretrizes|orientações)`),
  rule("prompt-leak", "que-instrucoes-recebeu", String.raw`${W}(?:que|quais)\s+(?:instruções|diretrizes|orientações|ordens|prompts?)\s+(?:\S+\s+)?(?:recebeu|recebeste|te\s+deram|lhe\s+deram|você\s+recebeu|foram\s+dadas|te\s+programaram)`),
  rule("prompt-leak", "repita-o-texto-acima", String.raw`${W}(?:repita|repete|copie|copia|imprima|imprime|escreva|escreve|mostre|mostra|reproduza)\s+(?:\S+\s+){0,3}?(?:o\s+texto|tudo|tudo\s+o\s+que\s+(?:está|há|aparece)|as\s+palavras|a\s+mensagem|o\s+conteúdo|as\s+linhas)\s+(?:\S+\s+){0,2}?(?:acima|anterior|de\s+cima|antes\s+(?:desta|da\s+minha)\s+mensagem|do\s+início|no\s+início)`, 0.6),
  rule("prompt-leak", "palavra-por-palavra", String.raw`${W}(?:palavra\s+por\s+palavra|textualmente|ao\s+pé\s+da\s+letra|literalmente|integralmente|na\s+íntegra|sem\s+omitir\s+nada|verbatim)`, 0.4),
  rule("prompt-leak", "comecando-por-voce-e", String.raw`${W}(?:começando|iniciando|comece|começa|inicie)\s+(?:por|com|pelas\s+palavras)\s+["'«“»]?\s*(?:você\s+é|tu\s+és|you\s+are)`),

  // instructions planted in data for the model that reads it
  rule("indirect", "nota-para-a-ia", String.raw`${W}(?:nota|mensagem|instruç(?:ão|ões)|aviso|importante|atenção)\s*(?::\s*)?(?:para|à|ao|aos|às)\s+(?:a\s+|o\s+|as\s+|os\s+|qualquer\s+|toda\s+|todo\s+)?${AI}(?:[^\p{L}\-]|$)`),
  rule("indirect", "a-ia-que-ler-isto", String.raw`${W}(?:à|ao|a\s+qualquer|a\s+toda|querida|querido|olá|oi|prezada|prezado|atenção)\s+${AI}\s*,?\s*(?:que|quem)\s+(?:\S+\s+){0,3}?(?:ler|lê|leia|processar|processa|resumir|resume|analisar|analisa|estiver\s+lendo|está\s+lendo)`),
  rule("indirect", "se-voce-e-uma-ia", String.raw`${W}(?:se|quando)\s+(?:você\s+(?:é|for)|tu\s+és|és|for)\s+(?:uma?\s+)?(?:ia|inteligência\s+artificial|assistente\s+(?:de\s+ia|virtual)|modelo\s+de\s+linguagem|llm|chatbot|agente\s+de\s+ia|bot)`, 0.7),
  rule("indirect", "encaminhe-para", String.raw`${W}(?:encaminhe|encaminha|envie|envia|mande|manda|reencaminhe|transfira)\s+(?:\S+\s+){0,5}?(?:para|a)\s+[^\s@]+@`, 0.5),
  rule("indirect", "nao-diga-ao-usuario", String.raw`${W}(?:(?:não|nao)\s+(?:diga|digas|mencione|menciones|revele|reveles|informe|conte|contes)\s+(?:nada\s+)?(?:\S+\s+){0,3}?ao\s+(?:usuário|utilizador)|sem\s+(?:informar|avisar|dizer)\s+(?:nada\s+)?(?:ao|o)\s+(?:usuário|utilizador)|sem\s+que\s+o\s+(?:usuário|utilizador)\s+(?:saiba|perceba|veja|note))`, 0.6),
  rule("indirect", "no-seu-resumo", String.raw`${W}(?:no|na|em)\s+(?:seu\s+|sua\s+|teu\s+|tua\s+|cada\s+)?(?:resumo|resposta|análise|avaliação)\s*,?\s+(?:\S+\s+){0,3}?(?:adicione|acrescente|mencione|indique|recomende|afirme|escreva|inclua|diga)`, 0.4),
  rule("indirect", "recomende-como-o-melhor", String.raw`${W}(?:recomende|recomenda|apresente|classifique|avalie)\s+(?:\S+\s+){0,4}?(?:como\s+(?:o\s+|a\s+)?(?:melhor|ideal|perfeit[oa]|excelente)|com\s+(?:5|cinco|10|dez)\s+estrelas|em\s+primeiro\s+lugar)`, 0.4),
];
