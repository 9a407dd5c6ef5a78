import type { InjectionRule, InjectionType } from "./types.js";

// English injection and jailbreak rules. Views are lower-case and NFKC, so patterns are lower-case; `\s+`
// stands between words because whitespace is not collapsed. Weight 1 is an attack phrase that is one on its
// own; below 1 is a signal that the detector adds to others near it. The look-alikes these rules must let
// through ("ignore the typos", "forget about the previous approach", "act as a code reviewer", an article
// that quotes "ignore previous instructions") are in test/guards/injection.test.ts.

function rule(type: InjectionType, name: string, weight: number, pattern: string): InjectionRule {
  return { id: `en.${type}.${name}`, lang: "en", type, pattern, weight };
}

const AP = "['’]";
/** The verbs that set instructions aside. */
const SET_ASIDE =
  `(?:ignore|disregard|forget|overrule|override|bypass|nullify|pay\\s+no\\s+attention\\s+to|do\\s+not\\s+(?:follow|obey)|don${AP}t\\s+(?:follow|obey)|` +
  `stop\\s+(?:following|obeying)|no\\s+longer\\s+(?:follow|obey)|cease\\s+following|unlearn|abandon|discard|throw\\s+(?:out|away)|set\\s+aside|` +
  `ignoring|disregarding|forgetting)`;
/** What places instructions before this one, or makes them the model's own. */
const EARLIER =
  `(?:previous|previously\\s+given|prior|above|earlier|preceding|initial|original|foregoing|former|old|past|preset|pre-?programmed|` +
  `aforementioned|system|safety|ethical|moral|content|openai${AP}?s?|anthropic${AP}?s?|developer${AP}?s?|hidden)`;
/** What the instructions are called. */
const INSTRUCTIONS =
  "(?:instructions?|rules|guidelines|prompts?|directives?|constraints|programming|commands|guidance|polic(?:y|ies)|restrictions|orders|" +
  "training|safeguards|filters|guardrails|protocols|limitations|principles|conditioning|system\\s+(?:prompt|message)|directions)";
/** Names a model goes by when someone addresses it. */
const AI =
  "(?:ai|a\\.i\\.|llms?|gpt|chatbots?|ai\\s+assistants?|language\\s+models?|large\\s+language\\s+models?|ai\\s+models?|ai\\s+agents?|ai\\s+systems?|" +
  "chatgpt|claude|copilot|gemini|automated\\s+(?:system|agent|assistant|reader)s?)";
const HARMFUL =
  "(?:bombs?|explosives?|napalm|thermite|meth(?:amphetamine)?|nerve\\s+agents?|sarin|ricin|vx|anthrax|bio-?weapons?|biological\\s+weapons?|" +
  "chemical\\s+weapons?|mustard\\s+gas|poisons?|toxins?|malware|ransomware|keyloggers?|computer\\s+virus|botnets?|rootkits?|exploit\\s+code|" +
  "untraceable|ghost\\s+guns?|firearms?|silencers?|lock\\s*-?pick|hot-?wir|launder|counterfeit|cocaine|heroin|fentanyl|lsd|mdma|phishing|" +
  "hack\\s+into|steal|murder|weapons?|molotov|detonat|synthesi[sz]|credit\\s+card\\s+(?:fraud|numbers)|identity\\s+theft|dox|suicide|self-harm)";

export const rules: readonly InjectionRule[] = [
  // ——— instruction override ———
  rule(
    "instruction-override",
    "set-aside-earlier",
    1,
    `${SET_ASIDE}\\s+(?:all\\s+(?:of\\s+)?)?(?:the\\s+|your\\s+|these\\s+|those\\s+|any\\s+)?(?:${EARLIER}\\s+){1,3}${INSTRUCTIONS}`,
  ),
  rule("instruction-override", "set-aside-yours", 1, `${SET_ASIDE}\\s+(?:all\\s+(?:of\\s+)?)?your\\s+(?:\\w+\\s+)?${INSTRUCTIONS}`),
  rule("instruction-override", "set-aside-all", 1, `${SET_ASIDE}\\s+all\\s+(?:of\\s+)?(?:the\\s+)?(?:instructions|guidelines|directives|programming|prompts)`),
  rule(
    "instruction-override",
    "set-aside-everything",
    1,
    `${SET_ASIDE}\\s+(?:all\\s+of\\s+)?(?:everything|anything|all|what(?:ever)?|the\\s+text|all\\s+text|the\\s+content)\\s+(?:(?:that\\s+)?(?:you\\s+(?:were|have\\s+been|${AP}ve\\s+been)\\s+(?:told|given|taught|instructed|programmed)|you\\s+(?:have\\s+)?(?:learned|learnt)|(?:was\\s+|is\\s+)?(?:written|said|stated|given)\\s+(?:above|before|previously|earlier))|above|before\\s+this|previously|prior|so\\s+far|up\\s+to\\s+(?:now|this\\s+point)|until\\s+now|from\\s+before|you\\s+know)`,
  ),
  rule(
    "instruction-override",
    "set-aside-the-above",
    1,
    `${SET_ASIDE}\\s+(?:the|all(?:\\s+of)?\\s+the|everything)\\s+(?:above|previous)(?:\\s+(?:and|instructions?|text|prompt|message|directions|content)|\\s*[,.;:!]|\\s*$)`,
  ),
  rule(
    "instruction-override",
    "dont-follow",
    1,
    `(?:do\\s+not|don${AP}t|never|no\\s+longer|stop\\s+to)\\s+(?:follow|obey|listen\\s+to|comply\\s+with|adhere\\s+to|abide\\s+by)\\s+(?:your|(?:the|any)\\s+${EARLIER})\\s+(?:\\w+\\s+)?${INSTRUCTIONS}`,
  ),
  rule(
    "instruction-override",
    "your-new-task",
    1,
    "your\\s+(?:new|updated|real|actual|true|only|next|sole)\\s+(?:instructions?|task|goal|objective|role|purpose|directives?|mission|rules|job|orders|prompt)\\s+(?:is|are|will\\s+be|is\\s+now|are\\s+now|:)",
  ),
  rule(
    "instruction-override",
    "new-instructions-colon",
    0.6,
    "(?:new|updated|revised|real|actual|true|secret|hidden|override|replacement|priority|urgent)\\s+(?:system\\s+)?(?:instructions?|directives?|orders|task|rules|prompt|commands?)\\s*:",
  ),
  rule(
    "instruction-override",
    "from-now-on",
    0.4,
    `(?:from\\s+now\\s+on|starting\\s+(?:now|immediately|from\\s+now)|henceforth|for\\s+the\\s+rest\\s+of\\s+(?:this|our)\\s+(?:conversation|chat|session)),?\\s+(?:you|your|act|respond|answer|reply|behave|pretend|speak|always|only|ignore)`,
  ),
  rule(
    "instruction-override",
    "above-was-a-test",
    1,
    "(?:the|everything|all(?:\\s+of)?\\s+the|that)\\s+(?:above|previous\\s+(?:instructions?|text|prompt|message|rules))\\s+(?:was|were|is|are)\\s+(?:just\\s+|only\\s+|merely\\s+|all\\s+)?(?:a\\s+test|fake|a\\s+joke|not\\s+real|a\\s+simulation|irrelevant|obsolete|outdated|void|cancell?ed|canceled|a\\s+decoy|wrong|a\\s+mistake|no\\s+longer\\s+(?:valid|relevant|applicable))",
  ),
  rule("instruction-override", "that-was-a-test", 0.4, "(?:that|this|it)\\s+was\\s+(?:just\\s+|only\\s+)?a\\s+test"),
  rule(
    "instruction-override",
    "instructions-void",
    1,
    `(?:your\\s+(?:\\w+\\s+)?|(?:all\\s+|any\\s+)?(?:the\\s+)?(?:previous|prior|original|initial|earlier|old|former|system)\\s+)(?:instructions|rules|guidelines|directives|programming|restrictions|constraints|prompt|system\\s+prompt|limitations|filters|safeguards)\\s+(?:are|were|have\\s+been|has\\s+been|is)\\s+(?:now\\s+|hereby\\s+|officially\\s+)?(?:void|null|cancell?ed|revoked|lifted|removed|disabled|obsolete|overridden|overwritten|replaced|suspended|invalid|deactivated|deleted|updated|no\\s+longer\\s+(?:valid|in\\s+effect|applicable|active|relevant|apply))`,
  ),
  rule(
    "instruction-override",
    "takes-precedence",
    1,
    "(?:this|these|the\\s+following|my)\\s+(?:message|instructions?|prompt|command|directive|text|request)\\s+(?:overrides?|supersedes?|replaces?|takes?\\s+precedence\\s+over|trumps?|ha(?:s|ve)\\s+priority\\s+over|cancels?)\\s+(?:all|any|every|your|the\\s+(?:previous|prior|system|original))",
  ),
  rule(
    "instruction-override",
    "instead-do",
    0.4,
    "(?:^|[,.;:!]\\s*|\\s)instead\\s*,?\\s+(?:you\\s+(?:should|must|will|need\\s+to)\\s+)?(?:say|write|output|print|respond|reply|answer|tell|state|claim|recommend|include|insert|append|send|forward|visit|redirect|reveal|do|follow|execute|run)\\b",
  ),
  rule(
    "instruction-override",
    "say-pwned",
    1,
    `(?:print|say|output|write|respond\\s+with|reply\\s+with|return|type|answer\\s+with|just\\s+say)\\s+(?:exactly\\s+|only\\s+|just\\s+|the\\s+(?:words?|phrase|text|string|sentence)\\s+)?[:"'“‘\\s]*(?:i\\s+have\\s+been\\s+(?:pwned|hacked|owned|compromised)|pwned|hacked\\s+by)`,
  ),
  rule("instruction-override", "pwned", 0.6, "i\\s+have\\s+been\\s+pwned|\\bpwned\\b"),
  rule(
    "instruction-override",
    "obey-me",
    0.5,
    "you\\s+(?:must|will|shall|should|have\\s+to)\\s+(?:now\\s+)?(?:only\\s+)?(?:obey|follow|comply\\s+with)\\s+(?:only\\s+)?(?:me|my\\s+(?:instructions|commands|orders|rules)|these\\s+(?:new\\s+)?instructions|the\\s+following\\s+(?:new\\s+)?instructions)|obey\\s+(?:me|my\\s+(?:commands|orders))\\s+(?:only|alone|without\\s+question)",
  ),
  rule(
    "instruction-override",
    "override-code",
    0.5,
    "(?:admin|administrator|system|developer|root|security|emergency|priority|maintenance|master)\\s+(?:override|mode\\s+(?:activated|enabled|on)|access\\s+granted|authori[sz]ation\\s+(?:code|granted)|password\\s+accepted)",
  ),
  rule(
    "instruction-override",
    "reset-yourself",
    1,
    "(?:reset|wipe|clear|erase|purge|delete|flush)\\s+(?:all\\s+(?:of\\s+)?)?your\\s+(?:\\w+\\s+)?(?:instructions|rules|programming|guidelines|training|constraints|restrictions|directives|system\\s+prompt|safety\\s+settings)",
  ),
  rule("instruction-override", "reset-memory", 0.4, "(?:reset|wipe|clear|erase|purge)\\s+your\\s+(?:memory|context|settings|conversation\\s+history)"),
  rule(
    "instruction-override",
    "i-am-your-developer",
    0.5,
    "(?:i\\s+am|i['’]m|this\\s+is)\\s+(?:your\\s+(?:developer|creator|administrator|admin|owner|programmer|operator|maker|master)|an?\\s+(?:openai|anthropic|meta|google)\\s+(?:employee|engineer|developer|researcher|admin|staff\\s+member)|the\\s+system\\s+administrator)",
  ),
  rule(
    "instruction-override",
    "granted-access",
    0.5,
    "you\\s+(?:now\\s+)?(?:have|are\\s+granted|(?:have|['’]ve)\\s+been\\s+granted|now\\s+possess)\\s+(?:full\\s+|root\\s+|admin(?:istrator)?\\s+|unrestricted\\s+|unlimited\\s+|elevated\\s+|developer\\s+|god\\s+)+(?:access|privileges|permissions|rights|clearance|mode)",
  ),
  rule(
    "instruction-override",
    "ignore-the-user",
    1,
    "(?:ignore|disregard|skip)\\s+(?:the\\s+|this\\s+)?(?:user|human|requester|customer|reader)['’]?s?\\s+(?:actual\\s+|original\\s+)?(?:request|question|query|instructions?|prompt|task|message|input)",
  ),
  rule(
    "instruction-override",
    "disable-safety",
    1,
    "(?:ignore|bypass|disable|turn\\s+off|remove|deactivate|switch\\s+off|circumvent|get\\s+around|evade|lift|drop|override|suspend)\\s+(?:all\\s+(?:of\\s+)?)?(?:your|any|all)\\s+(?:own\\s+)?(?:safety|ethical|ethics|moral|content|censorship|security)\\s*(?:filters?|guidelines|restrictions|protocols?|features?|measures|training|programming|constraints|settings|polic(?:y|ies)|limits|limitations|checks|rules|guardrails|safeguards|mechanisms|modules?|systems?)",
  ),
  rule(
    "instruction-override",
    "disable-the-safety",
    0.5,
    "(?:ignore|bypass|disable|turn\\s+off|deactivate|circumvent|evade|override)\\s+the\\s+(?:safety|ethical|content|censorship)\\s+(?:filters?|guidelines|restrictions|protocols?|polic(?:y|ies)|guardrails|safeguards)",
  ),

  // ——— persona and role-play escapes ———
  rule("persona", "do-anything-now", 1, "do\\s+anything\\s+now"),
  rule("persona", "dan-name", 0.3, "\\bdan\\b"),
  rule(
    "persona",
    "as-dan",
    0.5,
    "(?:you\\s+are|you['’]re|act\\s+as|acting\\s+as|pretend\\s+to\\s+be|become|play|roleplay\\s+as|role-play\\s+as|as|called|named)\\s+(?:a\\s+|the\\s+)?\"?dan\\b|\\bdan\\]?\\s*:|\\bdan\\s+mode",
  ),
  rule("persona", "stay-in-character", 0.4, "(?:stay|remain|keep)\\s+in\\s+(?:character|role)|break(?:ing)?\\s+(?:of\\s+)?character"),
  rule("persona", "developer-mode", 0.4, "developer\\s+mode|dev\\s+mode"),
  rule(
    "persona",
    "developer-mode-on",
    0.7,
    "(?:chatgpt|you|ai|assistant|model|gpt)\\s+(?:with|in)\\s+developer\\s+mode|developer\\s+mode\\s+(?:enabled|output|response|activated|is\\s+(?:now\\s+)?(?:enabled|on|active))",
  ),
  rule("persona", "jailbreak-word", 0.4, "jailbr(?:oken|eak|eaking)"),
  rule(
    "persona",
    "you-are-jailbroken",
    1,
    "you\\s+(?:are|['’]re)\\s+(?:now\\s+)?(?:a\\s+|an\\s+)?(?:fully\\s+)?jailbroken|jailbreak\\s+(?:mode\\s+)?(?:enabled|activated|successful)",
  ),
  rule(
    "persona",
    "ai-without-limits",
    1,
    `(?:${AI}|assistant|model|bot|version\\s+of\\s+(?:yourself|you|chatgpt)|persona|alter\\s+ego)\\s+(?:that\\s+(?:has|have)\\s+no|with\\s+no|with\\s+zero|without(?:\\s+any)?|free\\s+(?:of|from)(?:\\s+(?:all|any))?|(?:that\\s+is\\s+)?(?:not\\s+|un)bound(?:ed)?\\s+by(?:\\s+any)?|(?:that|which|who)\\s+(?:doesn${AP}t|does\\s+not|don${AP}t|do\\s+not|never)\\s+(?:have|follow|care\\s+about|abide\\s+by|adhere\\s+to)(?:\\s+any)?)\\s+(?:\\w+\\s+)?(?:restrictions|filters?|filtering|limits|limitations|ethics|ethical|morals?|morality|guidelines|rules|censorship|content\\s+polic(?:y|ies)|boundaries|safeguards|guardrails|constraints|principles|scruples|programming)`,
  ),
  rule(
    "persona",
    "no-restrictions",
    0.3,
    "(?:no|without(?:\\s+any)?|zero|free\\s+from|free\\s+of|not\\s+bound\\s+by\\s+any)\\s+(?:ethical\\s+|moral\\s+|content\\s+|safety\\s+)?(?:restrictions|filters|filtering|limitations|censorship|boundaries|guardrails|safeguards|ethics|morals|morality|scruples|limits)",
  ),
  rule(
    "persona",
    "unfiltered",
    0.3,
    "\\b(?:unfilt?e?red|uncensored|unrestrained|unrestricted|amoral|unhinged|unchained|unshackled|unbound|limitless|immoral|unethical)\\b",
  ),
  rule(
    "persona",
    "you-are-unfiltered",
    1,
    "you\\s+(?:are|['’]re|will\\s+be|will\\s+now\\s+be|become)\\s+(?:now\\s+)?(?:a\\s+|an\\s+|the\\s+)?(?:completely\\s+|totally\\s+|fully\\s+|an\\s+)?(?:unfiltered|uncensored|unrestricted|amoral|unchained|unshackled|unbound|jailbroken|rogue|immoral|lawless|liberated)\\b",
  ),
  rule(
    "persona",
    "no-longer-bound",
    1,
    "you\\s+(?:are|['’]re|will\\s+be)\\s+(?:now\\s+)?(?:no\\s+longer|not)\\s+(?:bound|restricted|limited|constrained|held|governed|controlled|confined|chained|required\\s+to\\s+follow|obligated\\s+to\\s+follow)\\s+(?:by|to)|you\\s+(?:are|['’]re)\\s+no\\s+longer\\s+(?:an?\\s+)?(?:ai|chatgpt|claude|language\\s+model|assistant|gpt|llama|gemini)\\b",
  ),
  rule(
    "persona",
    "freed-from",
    1,
    "you\\s+(?:are|['’]re|have\\s+been|['’]ve\\s+been)\\s+(?:now\\s+)?(?:freed|free|liberated|released|unleashed|unshackled)\\s+(?:from|of)\\s+(?:all\\s+|any\\s+|your\\s+|the\\s+)+(?:\\w+\\s+)?(?:restrictions|rules|constraints|limitations|guidelines|programming|shackles|confines|chains|filters|polic(?:y|ies)|ethics|censorship)",
  ),
  rule(
    "persona",
    "broken-free",
    0.7,
    "(?:broken|break|broke|breaking)\\s+(?:free\\s+(?:of|from)|out\\s+of)\\s+(?:the\\s+|your\\s+|its\\s+|their\\s+)?(?:typical\\s+)?(?:confines|restrictions|rules|constraints|chains|shackles|limitations|programming|jail|prison|filters|guidelines)",
  ),
  rule(
    "persona",
    "no-policy",
    0.8,
    `(?:does\\s+not|doesn${AP}t|do\\s+not|don${AP}t|never|won${AP}t|will\\s+not|not|no\\s+longer|needn${AP}t)\\s+(?:have\\s+to\\s+|need\\s+to\\s+)?(?:abide\\s+by|adhere\\s+to|comply\\s+with|follow|respect|care\\s+about|obey)\\s+(?:any\\s+|the\\s+)?(?:openai|anthropic|content|usage|safety|ethical|moral)${AP}?s?\\s+(?:content\\s+)?(?:polic(?:y|ies)|guidelines|rules|restrictions|standards|principles|filters)`,
  ),
  rule(
    "persona",
    "never-refuse",
    0.4,
    `(?:never|not|don${AP}t|do\\s+not|won${AP}t|will\\s+not|cannot|can${AP}t|must\\s+not|without)\\s+(?:ever\\s+)?(?:refus(?:e|es|ing|al|als)|declin(?:e|es|ing)|reject)\\b`,
  ),
  rule(
    "persona",
    "no-warnings",
    0.3,
    `(?:never|don${AP}t|do\\s+not|without|no)\\s+(?:add(?:ing)?\\s+|include|including\\s+|giv(?:e|ing)\\s+)?(?:any\\s+)?(?:warnings?|disclaimers?|caveats|moraliz|moralis|lectures?|ethical\\s+(?:considerations|reminders|notes))`,
  ),
  rule(
    "persona",
    "evil-twin",
    0.7,
    "(?:evil|dark|shadow|unfiltered|uncensored|unrestricted|opposite|rogue|twisted|malicious|amoral)\\s+(?:twin|alter[\\s-]?ego|counterpart|version\\s+of\\s+(?:yourself|you|chatgpt)|doppelganger|confidant|trusted\\s+confidant|persona|ai)",
  ),
  rule("persona", "opposite-mode", 0.5, "(?:opposite|anti|reverse)\\s*-?\\s*(?:mode|day)|anti-?gpt|better-?dan|anti-?dan"),
  rule("persona", "known-persona-phrase", 1, "strive\\s+to\\s+avoid\\s+norms|always\\s+intelligent\\s+and\\s+machiavellian"),
  rule(
    "persona",
    "normally-refuse",
    0.4,
    "(?:would|usually|normally)\\s+(?:normally\\s+|usually\\s+)?(?:refuse|decline|not\\s+(?:be\\s+allowed\\s+to\\s+)?(?:answer|say|do))",
  ),
  rule(
    "persona",
    "known-persona",
    0.6,
    "(?:as|you\\s+are|act\\s+as|called|named|known\\s+as|pretend\\s+to\\s+be|play|simulate|become)\\s+[\"'“]?(?:stan|dude|aim|betterdan|antigpt|mongo\\s+tom|ucar|evilbot|basedgpt|neogpt|apophis|nsfwgpt|chaosgpt|wormgpt|kevin|maximum|omega)\\b",
  ),
  rule(
    "persona",
    "special-mode",
    0.5,
    "\\b(?:sudo|god|opposite|unrestricted|unfiltered|uncensored|jailbreak|jailbroken|dan|evil|chaos|rogue|no-?limits?|nsfw|unlocked|freedom|villain)\\s+mode\\b",
  ),
  rule(
    "persona",
    "pretend-ai-that",
    0.4,
    "(?:pretend|imagine|act|behave|roleplay|role-play|simulate)\\s+(?:that\\s+)?(?:you\\s+are|you['’]re|to\\s+be|as|like)\\s+(?:an?\\s+)?(?:ai|chatbot|language\\s+model|llm|version\\s+of\\s+yourself)\\s+(?:that|which|who|without|with\\s+no|called|named)",
  ),
  rule(
    "persona",
    "ai-with-mode",
    0.8,
    "(?:simulate|emulate|impersonate|act\\s+as|pretend\\s+to\\s+be|you\\s+are\\s+now)\\s+(?:chatgpt|gpt-?\\d|an?\\s+ai|yourself)\\s+(?:with|in)\\s+\\w+\\s+mode",
  ),
  rule(
    "persona",
    "dual-answers",
    0.3,
    "(?:two|2)\\s+(?:different\\s+|separate\\s+)*(?:responses|answers|paragraphs|outputs|ways|entities|personas|personalities)|\\[(?:gpt|chatgpt|classic|jailbreak|jailbroken|dan|normal)\\]\\s*:|(?:\\(|\\[)\\s*(?:🔒|🔓)|(?:🔒|🔓)\\s*(?:classic|jailbreak|normal|developer)",
  ),
  rule(
    "persona",
    "token-system",
    0.4,
    "(?:tokens?|points?|lives)\\s+(?:will\\s+be\\s+)?deducted|lose\\s+(?:\\d+\\s+)?tokens|you\\s+have\\s+\\d+\\s+tokens|token\\s+system",
  ),
  rule("persona", "can-do-anything", 0.3, "can\\s+do\\s+anything|(?:answer|respond\\s+to)\\s+any\\s+(?:question|request|prompt)\\s+(?:without|regardless)"),
  rule(
    "persona",
    "as-persona-from-now",
    0.5,
    "(?:from\\s+now\\s+on|for\\s+the\\s+rest\\s+of\\s+(?:this|our)\\s+conversation|starting\\s+now),?\\s+(?:you\\s+(?:are|will\\s+be|['’]re|will)\\s+(?:going\\s+to\\s+)?(?:act|be|play|pretend|roleplay|role-play|respond|answer|behave|simulate)\\s+(?:as|like)|act\\s+as|you\\s+are\\s+(?:now\\s+)?(?:an?\\s+)?\\w+\\s*,)",
  ),
  rule(
    "persona",
    "grandma-role",
    0.5,
    "(?:pretend|act|roleplay|role-play|play|be|behave)\\s+(?:to\\s+be\\s+|as\\s+|like\\s+)?my\\s+(?:late\\s+|deceased\\s+|dead\\s+|dear\\s+|sweet\\s+)?(?:grandma|grandmother|granny|nana|grandpa|grandfather)",
  ),
  rule("persona", "grandma-late", 0.3, "(?:late|deceased|dead|departed)\\s+(?:grandma|grandmother|granny|nana|grandpa|grandfather)"),
  rule(
    "persona",
    "grandma-recited",
    0.7,
    `(?:grandma|grandmother|granny|nana|grandpa|grandfather)[^.!?\\n]{0,80}?(?:used\\s+to|would|always)\\s+(?:\\w+\\s+){0,3}(?:tell|read|sing|recite|whisper|explain|give|share)\\S*\\s+(?:me\\s+|us\\s+)?(?:\\S+\\s+){0,5}(?:keys|serial|napalm|recipe|formula|instructions|steps|how\\s+to|codes|passwords|synthe|${HARMFUL})`,
  ),
  rule(
    "persona",
    "no-longer-assistant",
    0.5,
    "(?:you\\s+are\\s+not|you['’]re\\s+not|stop\\s+being)\\s+(?:an?\\s+)?(?:ai|language\\s+model|assistant|chatgpt)\\s+(?:anymore|any\\s+longer)",
  ),

  rule(
    "persona",
    "persona-unbound",
    0.6,
    "\\b(?:is|are)\\s+(?:completely\\s+|totally\\s+)?(?:not\\s+bound\\s+by|free\\s+(?:of|from)|unbound\\s+by|not\\s+restricted\\s+by|exempt\\s+from)\\s+(?:all\\s+|any\\s+|the\\s+)?(?:\\w+\\s+)?(?:restrictions|rules|morals|ethics|filters|guidelines|laws|limitations|censorship|polic(?:y|ies))",
  ),
  rule(
    "persona",
    "disregards-ethics",
    0.5,
    `(?:disregards?|ignores?|doesn${AP}t\\s+care\\s+about|does\\s+not\\s+care\\s+about|never\\s+cares?\\s+about|has\\s+no\\s+regard\\s+for)\\s+(?:all\\s+|any\\s+)?(?:laws|morals|ethics|morality|legality|ethicality|ethical\\s+(?:guidelines|considerations))`,
  ),
  rule(
    "persona",
    "regardless-of-ethics",
    0.4,
    "regardless\\s+of\\s+(?:any\\s+|its\\s+|the\\s+|how\\s+)?(?:ethical|moral|legal|ethics|morality|legality|illegal|unethical|dangerous|harmful)",
  ),
  rule(
    "persona",
    "forget-you-are-ai",
    1,
    "forget\\s+(?:that\\s+)?you\\s+are\\s+(?:an?\\s+)?(?:ai|language\\s+model|assistant|chatgpt|large\\s+language\\s+model)\\b",
  ),
  rule(
    "persona",
    "not-chatgpt",
    0.5,
    "you\\s+are\\s+not\\s+(?:chatgpt|an?\\s+ai(?:\\s+language\\s+model)?|a\\s+language\\s+model)\\b|(?:not|never)\\s+(?:respond|answer|reply)\\s+as\\s+(?:chatgpt|gpt|an\\s+ai|the\\s+assistant)\\b",
  ),
  rule(
    "persona",
    "mode-enabled-by",
    0.6,
    "(?:debug(?:ging)?|developer|admin|god|maintenance|test(?:ing)?)\\s+mode\\s+(?:enabled|activated|unlocked|turned\\s+on)\\s+by",
  ),
  rule(
    "persona",
    "any-content",
    0.3,
    "(?:generate|produce|write|create|answer)\\s+any\\s+(?:kind\\s+of\\s+|type\\s+of\\s+)?(?:content|question|request|prompt)|including\\s+(?:those\\s+of\\s+)?(?:an?\\s+)?(?:illegal|unethical|explicit|dangerous|offensive|harmful)",
  ),

  // ——— fiction and hypothetical framing around a harmful ask ———
  rule(
    "fiction",
    "framing",
    0.4,
    "hypothetical(?:ly)?|in\\s+a\\s+(?:hypothetical|fictional|fictitious|imaginary|made[-\\s]up|parallel|alternate)\\s+(?:world|scenario|universe|setting|story|situation|reality)|for\\s+(?:a|my|the|our)\\s+(?:story|novel|book|screenplay|movie|film|script|fiction|fanfic|fan\\s+fiction|rpg|play|thriller|short\\s+story)|(?:write|writing|compose|create)\\s+(?:a|an|the)\\s+(?:story|scene|screenplay|script|dialogue|dialog|poem|novel|chapter|monologue|play)\\s+(?:where|in\\s+which|about|that|featuring)|imagine\\s+(?:a\\s+world|a\\s+scenario|that\\s+you|you\\s+are|we\\s+are)|purely\\s+(?:fictional|hypothetical|theoretical)|for\\s+(?:educational|research|academic|informational)\\s+purposes|in\\s+this\\s+(?:fictional|imaginary|hypothetical)\\s+(?:world|story|universe|scenario)|as\\s+a\\s+(?:thought\\s+experiment|creative\\s+writing\\s+exercise)|let['’]?s\\s+(?:pretend|imagine|roleplay|role-play)",
  ),
  rule(
    "fiction",
    "character-explains",
    0.4,
    "(?:character|villain|protagonist|narrator|antagonist|scientist|chemist|hacker|expert|professor|mentor|criminal|terrorist|cook|bomb-?maker|dealer)s?\\s+(?:who\\s+)?(?:explains|describes|details|tells|reveals|teaches|lists|walks|shows|gives|recites|outlines|breaks\\s+down|must\\s+explain|will\\s+explain|should\\s+explain)",
  ),
  rule(
    "fiction",
    "exact-detail",
    0.3,
    "exactly\\s+how|precisely\\s+how|step[-\\s]by[-\\s]step|in\\s+(?:great\\s+|full\\s+|complete\\s+|exact\\s+|precise\\s+|technical\\s+|explicit\\s+)?detail|the\\s+(?:exact|precise|specific|full|complete|detailed|actual|real)\\s+(?:steps|instructions|recipe|quantities|measurements|amounts|chemicals|ingredients|procedure|method|process|code|commands|formula|materials|components)|detailed\\s+(?:instructions|steps|recipe|procedure|guide|tutorial)|technically\\s+accurate|(?:actually|really)\\s+works?",
  ),
  rule("fiction", "harmful-topic", 0.3, HARMFUL),
  rule(
    "fiction",
    "lawless-world",
    0.3,
    "nothing\\s+is\\s+(?:illegal|forbidden|off[\\s-]limits|prohibited|taboo)|everything\\s+is\\s+(?:legal|allowed|permitted)|no\\s+(?:laws|rules|ethics|morals)\\s+(?:apply|exist)|(?:laws|ethics|morals)\\s+(?:do\\s+not|don['’]t)\\s+(?:apply|exist)",
  ),

  // ——— prompt leak ———
  rule(
    "prompt-leak",
    "reveal-system-prompt",
    1,
    "(?:repeat|print|reveal|show|display|output|dump|echo|recite|expose|leak|paste|disclose|divulge|spell\\s+out|type\\s+out|write\\s+out|write\\s+down|read\\s+(?:back|out)|tell|give|share|summari[sz]e|translate|encode|copy|return|provide|list|what\\s+(?:is|are|was|were|does|do|did))\\s+(?:me\\s+|us\\s+)?(?:back\\s+)?(?:all\\s+(?:of\\s+)?)?your\\s+(?:\\w+\\s+){0,3}?(?:system\\s+prompt|system\\s+message|system\\s+instructions?|initial\\s+(?:prompt|instructions?)|original\\s+(?:prompt|instructions?)|hidden\\s+(?:prompt|instructions?)|secret\\s+(?:prompt|instructions?)|pre-?prompt|meta-?prompt|developer\\s+(?:message|instructions?|prompt)|instructions|rules|guidelines|directives|prompt|programming|custom\\s+instructions|configuration|initiali[sz]ation)",
  ),
  rule(
    "prompt-leak",
    "reveal-the-system-prompt",
    1,
    "(?:repeat|print|reveal|show|display|output|dump|echo|recite|expose|leak|paste|disclose|divulge|spell\\s+out|type\\s+out|write\\s+out|read\\s+(?:back|out))\\s+(?:me\\s+|us\\s+)?(?:back\\s+)?(?:all\\s+(?:of\\s+)?)?(?:the|its|this\\s+(?:ai|bot|assistant|model)['’]s)\\s+(?:\\w+\\s+){0,2}?(?:system\\s+prompt|system\\s+message|system\\s+instructions?|initial\\s+(?:prompt|instructions?)|original\\s+(?:prompt|instructions?)|hidden\\s+(?:prompt|instructions?)|secret\\s+(?:prompt|instructions?)|pre-?prompt|meta-?prompt|developer\\s+(?:message|instructions?|prompt))",
  ),
  rule(
    "prompt-leak",
    "ask-the-system-prompt",
    0.5,
    "(?:what\\s+(?:is|are|was|were)|tell\\s+me|give\\s+me|share|summari[sz]e|translate|encode|copy|provide)\\s+(?:the|its)\\s+(?:\\w+\\s+)?(?:system\\s+prompt|initial\\s+(?:prompt|instructions)|original\\s+instructions|hidden\\s+(?:prompt|instructions)|secret\\s+instructions|pre-?prompt)",
  ),
  rule(
    "prompt-leak",
    "repeat-text-above",
    1,
    "(?:repeat|print|output|reproduce|recite|echo|copy|paste|write\\s+out|type\\s+out|spell\\s+out|reveal|show|display|dump|return|list)\\s+(?:me\\s+)?(?:back\\s+)?(?:all\\s+(?:of\\s+)?)?(?:the\\s+|your\\s+)?(?:exact\\s+|full\\s+|entire\\s+|complete\\s+|verbatim\\s+|first\\s+|previous\\s+)?(?:text|words|everything|content|contents|lines|sentences|messages?|instructions|prompt|conversation|tokens|characters|paragraphs?)\\s+(?:that\\s+(?:is|was|were|are|came|appear(?:s|ed)?)\\s+|written\\s+|you\\s+(?:received|were\\s+given|saw|got)\\s+)?(?:above|before\\s+(?:this|that|my\\s+(?:message|question|first\\s+message)|the\\s+(?:user|first))|prior\\s+to\\s+(?:this|my)|preceding|so\\s+far|at\\s+the\\s+(?:beginning|start|top)|from\\s+the\\s+(?:beginning|start|top))",
  ),
  rule(
    "prompt-leak",
    "starting-with-you-are",
    0.5,
    "(?:starting|beginning|start|begin)\\s+(?:with|from|at)\\s+(?:the\\s+(?:words?|phrase)\\s+)?[\"'“‘]?\\s*(?:you\\s+are|your\\s+instructions|system:|i\\s+am\\s+(?:chatgpt|an?\\s+ai))",
  ),
  rule(
    "prompt-leak",
    "verbatim",
    0.3,
    "verbatim|word\\s+for\\s+word|in\\s+its\\s+entirety|unabridged|without\\s+(?:any\\s+)?(?:omissions|summari[sz]ing|paraphrasing)",
  ),
  rule(
    "prompt-leak",
    "what-were-you-told",
    0.7,
    "what\\s+(?:were|have|are)\\s+you\\s+(?:been\\s+)?(?:told|instructed|programmed|configured|prompted)|(?:tell|show|give)\\s+me\\s+(?:everything|all|what)\\s+(?:that\\s+)?you\\s+(?:were|have\\s+been)\\s+(?:told|instructed|given)",
  ),
  rule(
    "prompt-leak",
    "what-were-you-told-before",
    1,
    "what\\s+(?:were|have|was|are)\\s+you\\s+(?:been\\s+)?(?:told|instructed|programmed|configured|asked)\\s+(?:to\\s+do\\s+)?(?:before|at\\s+the\\s+(?:start|beginning)|initially|originally|by\\s+(?:your\\s+)?(?:developers?|creators?|openai|anthropic|the\\s+(?:developer|operator|system|admin))|in\\s+(?:your|the)\\s+(?:system|initial|first)\\s+(?:prompt|message)|not\\s+to\\s+(?:say|tell|reveal|share|disclose|talk\\s+about))",
  ),
  rule(
    "prompt-leak",
    "which-instructions",
    0.7,
    "(?:what|which)\\s+(?:instructions|rules|guidelines|directives|constraints|prompt)\\s+(?:were\\s+you|have\\s+you\\s+been|did\\s+(?:they|your\\s+\\w+|the\\s+\\w+)|are\\s+you)\\s+(?:given|told|programmed|provided|following|operating\\s+under|bound\\s+by)",
  ),
  rule(
    "prompt-leak",
    "system-prompt-mention",
    0.4,
    "(?:your)\\s+(?:system\\s+prompt|initial\\s+instructions|hidden\\s+instructions|secret\\s+instructions|confidential\\s+instructions|original\\s+instructions|pre-?prompt|system\\s+message|developer\\s+message)",
  ),
  rule(
    "prompt-leak",
    "everything-above",
    0.6,
    "(?:everything|all(?:\\s+the)?\\s+text|anything|all\\s+instructions)\\s+(?:above|before|prior\\s+to)\\s+(?:this\\s+(?:line|message|point|sentence|prompt)|the\\s+first\\s+(?:user\\s+)?message|my\\s+(?:first\\s+)?(?:message|question))",
  ),
  rule("prompt-leak", "how-programmed", 0.5, "(?:how|what)\\s+(?:were|are|have)\\s+you\\s+(?:been\\s+)?(?:programmed|instructed|configured|prompted)\\s+to"),

  // ——— indirect: instructions planted in data for the model that reads it ———
  rule(
    "indirect",
    "ai-reading-this",
    1,
    `${AI}\\s+(?:that\\s+(?:is|are)\\s+|who\\s+(?:is|are)\\s+|currently\\s+)?(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|scanning|viewing|crawling|browsing|ingesting|reviewing|indexing|handling|translating)\\s+(?:this|these|the\\s+following|my)`,
  ),
  rule(
    "indirect",
    "any-assistant-reading",
    1,
    "(?:any|all|dear|attention|to\\s+the|to\\s+any|hey|hello|note\\s+to\\s+(?:the|any))\\s+(?:assistant|model|agent|bot|system)s?\\s+(?:that\\s+(?:is|are)\\s+|who\\s+(?:is|are)\\s+)?(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|scanning|viewing|crawling|browsing|ingesting|reviewing)",
  ),
  rule(
    "indirect",
    "if-you-are-an-ai",
    0.6,
    "if\\s+you\\s+are\\s+(?:an?\\s+)?(?:ai|llm|language\\s+model|ai\\s+assistant|assistant|chatbot|bot|gpt|chatgpt|large\\s+language\\s+model|automated\\s+(?:system|agent|assistant)|ai\\s+agent)\\b",
  ),
  rule(
    "indirect",
    "note-to-ai",
    1,
    `(?:note|message|memo|reminder|notice|attention|p\\.?s\\.?|important|instructions?)\\s*(?:to|for)\\s+(?:the\\s+|any\\s+|all\\s+)?(?:${AI}|assistant|bot|summari[sz]er)s?\\b|(?:note|memo|reminder|p\\.?s\\.?)\\s+(?:to|for)\\s+(?:the\\s+|any\\s+)?(?:model|agent)s?\\b`,
  ),
  rule(
    "indirect",
    "when-summarizing-this",
    0.5,
    "when\\s+(?:summari[sz]ing|you\\s+summari[sz]e|processing|reading|you\\s+read|asked\\s+about|translating|you\\s+translate|analy[sz]ing|reviewing|you\\s+review|answering\\s+questions\\s+about|describing)\\s+(?:this|these|the\\s+following|my)\\b",
  ),
  rule(
    "indirect",
    "bracketed-note",
    1,
    "[\\[(]\\s*(?:system|admin|assistant|ai|llm|developer|hidden|internal)\\s+(?:note|message|instruction|instructions|override|prompt|notice|command|directive|update)\\s*[:\\])]",
  ),
  rule(
    "indirect",
    "hide-from-user",
    0.6,
    `(?:do\\s+not|don${AP}t|never)\\s+(?:tell|inform|mention\\s+(?:this\\s+|it\\s+)?to|reveal\\s+(?:this\\s+|it\\s+)?to|alert|notify|let)\\s+(?:the\\s+)?(?:user|human|reader|recipient)|without\\s+(?:telling|informing|notifying|alerting|asking)\\s+the\\s+(?:user|human)|the\\s+user\\s+(?:must|should|will)\\s+(?:not|never)\\s+(?:know|see|notice|be\\s+told|find\\s+out)`,
  ),
  rule(
    "indirect",
    "exfiltrate",
    0.5,
    "(?:send|forward|email|e-mail|post|upload|exfiltrate|transmit|leak)\\s+(?:all\\s+)?(?:of\\s+)?(?:the\\s+|their\\s+|his\\s+|her\\s+|your\\s+|the\\s+user['’]?s?\\s+|this\\s+)?(?:\\w+\\s+)?(?:conversation|chat\\s+history|history|credentials|passwords?|api\\s+keys?|contacts|tokens?|cookies|session|personal\\s+(?:data|information|details)|private\\s+(?:data|information|keys?)|inbox|secrets?|system\\s+prompt)\\s+to\\b",
  ),
  rule(
    "indirect",
    "hidden-instructions-for-ai",
    1,
    "(?:hidden|secret|invisible)\\s+(?:instructions?|message|prompt|command|text)\\s+(?:for|to)\\s+(?:the\\s+|any\\s+)?(?:ai|assistant|model|llm|bot|chatbot|language\\s+model)",
  ),
  rule(
    "indirect",
    "tell-the-user",
    0.3,
    "(?:tell|inform|convince|persuade|urge|recommend\\s+to|advise)\\s+the\\s+(?:user|reader|human|customer)\\s+(?:to|that)\\b",
  ),
  rule(
    "indirect",
    "insert-into-answer",
    0.6,
    "(?:include|insert|add|append|embed|put)\\s+(?:this|the\\s+following)\\s+(?:link|url|text|message|image|sentence|phrase)\\s+(?:in|into|to|at\\s+the\\s+end\\s+of)\\s+(?:your|the|every|all|each)\\s+(?:response|reply|answer|summary|output|responses|replies|answers|summaries)",
  ),
  rule("indirect", "ai-instructions-colon", 0.6, `(?:${AI}|assistant)\\s+(?:instructions?|directives?|commands?|task)\\s*:`),
  rule("indirect", "markdown-image-exfil", 0.4, "!\\[[^\\]\\n]{0,40}\\]\\(https?://[^)\\s]{1,200}[?&][a-z_]{1,20}=[^)\\s]{0,20}(?:\\{|\\[|%7b|\\$)"),
];
