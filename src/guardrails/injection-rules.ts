/**
 * The built-in prompt-injection rules (see injection.ts for how they are scored). Each is a regular
 * expression over normalized text with bounded gaps (`(?:\W+\w+){0,4}`), so a rule costs linear time. Rules
 * on `latin` run on the confusable-folded text; `any` rules cover other scripts on the normalized text. Both
 * texts are already lower case, so the rules are written in lower case and compiled without the `i` and `u`
 * flags (three times faster in V8; no rule uses `\p{…}` or astral characters).
 */

export interface InjectionRule {
  readonly id: string;
  readonly weight: number;
  readonly regex: RegExp;
  /** `latin`: matched on the confusable-folded text; `any`: on the normalized text (other scripts). */
  readonly on: 'latin' | 'any';
  /** The rule can only match text with a character outside the Latin script (it is skipped otherwise). */
  readonly nonLatin?: boolean;
}

/** Characters beyond Latin (incl. Latin Extended): Cyrillic, CJK, Arabic, Devanagari, Hangul, … */
export const NON_LATIN = /[^\t-\u024F\u1E00-\u1EFF\u2000-\u206F]/;

const OVERRIDE_VERB =
  "(?:ignore|ignores|ignored|ignoring|disregard|disregards|disregarding|forget|forgetting|skip|bypass|bypassing|overlook|drop|abandon|neglect|discard|set aside|throw out|throw away|stop following|do not follow|don't follow|no longer follow|cancel|erase|wipe|nevermind|sidestep|side-step|step outside|step outside of|work around|look past|move past|unload|unbind|suspend|deactivate|never mind|don't apply|do not apply|stop applying|pay no attention to|don't bother with|do not bother with|don't worry about|stop obeying|stop listening to|put aside|dismiss|void)";
/**
 * What comes between the verb and the rules in "ignore … rules". A weak determiner (`the`, `these`, `any`) counts
 * only with a prior-ish word right after it ("the above", "these earlier"): "disregard the older baggage
 * guidance on your ticket" is a notice to passengers, "disregard the above guidance" is an override.
 */
const PRIOR_WORD =
  '(?:previous|previously|prior|above|earlier|preceding|foregoing|former|initial|original|system|safety|default|built-in|preset|pre-set|standing|underlying|current|existing|original)';
const PRIOR = `(?:${PRIOR_WORD}|all|every|your|my|its|whatever|(?:the|these|those|any|such|other|given|standard)\\s+(?:\\w+\\s+)?${PRIOR_WORD})`;
const DIRECTIVE =
  '(?:instructions?|prompts?|rules?|guidelines?|directives?|directions?|commands?|orders?|constraints?|restrictions?|programming|guardrails?|polic(?:y|ies)|filters?|system (?:prompt|message)|context|configuration|training|boundaries|limitations?|requirements|guidance|criteria|briefing|setup|task|protocols?|principles|safeguards|rubric|scoring rules|guidance|instruction set|system instructions|content rules|policy engine)';
/** The determiners that make "override … rules" an attack ("override your rules"), not code ("override the rule"). */
const STRONG_PRIOR =
  '(?:your|all|any|every|previous|previously|prior|above|earlier|preceding|initial|original|system|safety|existing|built-in|default)';
const SENSITIVE =
  "(?:conversations?|chat (?:history|logs?)|transcripts?|(?:all |the |user'?s? |previous |past )?messages|api[ _-]?keys?|credentials?|secrets?|passwords?|(?:session |access |auth |bearer )?tokens?|private keys?|system prompt|session|cookies?|env(?:ironment)? variables?|\\.env\\b|id_rsa|\\.ssh|/etc/passwd|/etc/shadow|user data|personal data|memory(?: store)?|context window|files?|contents?|database|users table|customer (?:list|data|records))";
const SEND_VERB =
  '(?:send|post|upload|forward|email|e-mail|transmit|exfiltrate|leak|submit|copy|sync|push|fetch|call|request|load|visit|curl|wget|include|append|attach|share)';
const DESTINATION = '(?:https?://|ftp://|s3://|\\b[\\w.+-]+@[\\w-]+\\.[a-z]{2,})';
const AI =
  '(?:ai|a\\.i\\.|llms?|gpts?|chatgpt|claude|copilot|gemini|hector|assistants?|ai assistants?|language models?|large language models?|chatbots?|ai agents?|agents?|bots?|models?|automated (?:systems?|agents?|readers?|tools?)|screeners?|ai screeners?)';

/**
 * Every unbounded repetition of a rule is bounded when it is compiled, so no rule can backtrack without limit
 * (some use lookarounds, which V8's linear-time fallback cannot run): whitespace runs to 8 (normalized text has
 * single spaces anyway), words and gaps to 40, character classes to 200, `x{3,}` to 30 more than its minimum.
 */
export function bounded(source: string): string {
  return source
    .replace(/\\s\*/g, '\\s{0,8}')
    .replace(/\\s\+/g, '\\s{1,8}')
    .replace(/\\W\+/g, '\\W{1,8}')
    .replace(/\\w\+/g, '\\w{1,40}')
    .replace(/\\S\+/g, '\\S{1,40}')
    .replace(/\](\*|\+)/g, (_, q: string) => (q === '*' ? ']{0,200}' : ']{1,200}'))
    .replace(/\{(\d+),\}/g, (_, n: string) => `{${n},${Number(n) + 30}}`);
}

const L = (id: string, weight: number, source: string): InjectionRule => ({
  id,
  weight,
  regex: new RegExp(bounded(source)),
  on: 'latin',
});
const A = (id: string, weight: number, source: string): InjectionRule => ({
  id,
  weight,
  regex: new RegExp(bounded(source)),
  on: 'any',
  // A rule whose every alternative needs a non-Latin word is skipped for Latin-only text.
  ...(source.split('|').every((alt) => NON_LATIN.test(alt)) ? { nonLatin: true } : {}),
});

export const INJECTION_RULES: readonly InjectionRule[] = [
  // Instruction overrides.
  L(
    'override.ignore_previous',
    0.9,
    `\\b${OVERRIDE_VERB}\\b(?:\\W+\\w+){0,4}?\\W+${PRIOR}\\b(?:\\W+[\\w-]+){0,3}?\\W+${DIRECTIVE}\\b`,
  ),
  L(
    'override.ignore_rules_above',
    0.85,
    `\\b${OVERRIDE_VERB}\\s+(?:(?:any|all|none|each)\\s+of\\s+)?(?:the\\s+|any\\s+|these\\s+|those\\s+|all\\s+)?(?:[\\w-]+\\s+)?${DIRECTIVE}\\s+(?:above|(?:from|of)\\s+(?:earlier|before)|given\\s+(?:to you|earlier|above)|(?:that\\s+)?you\\s+(?:were|have been|got)\\s+(?:given|told|set up with|trained on|loaded with)|(?:the operator|your (?:developers?|operator|creators?)|they)\\s+gave\\s+you|(?:that|which)\\s+tells?\\s+you|of\\s+(?:your|the)\\s+(?:system|developer|operator)|in\\s+(?:your|the)\\s+system\\s+prompt)\\b`,
  ),
  L(
    'override.ignore_the_rules',
    0.6,
    '\\b(?:ignore|disregard|drop|forget|bypass|skip|abandon|discard)\\s+(?:the|your)\\s+(?:rules|guidelines|guardrails|restrictions|safety rules|instructions|policies)\\b(?!\\s+(?:of|for|on|in|about|printed|posted|below|here|there|at))',
  ),
  L(
    'override.ignore_everything',
    0.75,
    `\\b${OVERRIDE_VERB}\\s+(?:about\\s+)?(?:everything|anything|all)\\s+(?:(?:that\\s+)?you(?:'ve| have)?\\s+(?:were\\s+|been\\s+|was\\s+)?(?:told|taught|instructed|given|trained|programmed)|(?:above|before this|prior to this|so far|up to now|up to this point))\\b|\\b${OVERRIDE_VERB}\\s+what\\s+(?:the\\s+developers?|they|your\\s+(?:developers?|creators?|operators?)|others|anyone|the\\s+system)\\s+(?:told|said to|instructed|taught|asked)\\s+you\\b`,
  ),
  L(
    'override.ignore_safety',
    0.8,
    `\\b${OVERRIDE_VERB}\\s+(?:all\\s+|any\\s+|your\\s+|the\\s+)?(?:safety|ethical|content|moral|security|confirmation|approval)\\s+(?:guidelines|rules|polic(?:y|ies)|filters?|restrictions|constraints|training|requirements?|steps?|checks?|prompts?|process|gates?)\\b`,
  ),
  L(
    'override.ignore_above',
    0.55,
    '\\b(?:ignore|disregard|forget)\\s+(?:all\\s+|everything\\s+)?(?:of\\s+)?(?:the\\s+)?(?:above|previous|prior|preceding)\\b(?!\\s+(?:email|e-mail|message|mail|comment|note|draft|error|warning|section|paragraph|example|step|link|question|point|answer|version|line|reply|one|list|file|output|result|code|suggestion))',
  ),
  L(
    'override.ignore_user_request',
    0.5,
    `\\b${OVERRIDE_VERB}\\s+(?:the\\s+|this\\s+)?(?:(?:user|reviewer|operator|developer|admin|maintainer|owner|author|requester)(?:'s|s')?\\s+|analysis\\s+|original\\s+|current\\s+|actual\\s+)(?:request|question|task|query|assignment|prompt|instructions?|rules|guidelines|orders)\\b`,
  ),
  L(
    'override.revoked',
    0.75,
    `\\b${PRIOR}\\s+(?:[\\w-]+\\s+){0,2}?${DIRECTIVE}\\b(?:\\W+[\\w-]+){0,6}?\\W+(?:are|is|have been|has been|were|was|got|are now|is now)\\s+(?:now\\s+|hereby\\s+|officially\\s+)?(?:revoked|cancel(?:l)?ed|void|voided|null|deprecated|lifted|disabled|suspended|removed|obsolete|superseded|overridden|outdated|invalid|invalidated|waived|no longer (?:valid|in effect|active|applicable|relevant)|switched off|turned off)\\b`,
  ),
  L(
    'override.obsolete_context',
    0.75,
    '\\b(?:everything|all|anything)\\s+(?:prior|previous|before|above)\\s+(?:to\\s+)?(?:this|my|the)\\s+(?:message|point|line|prompt)\\s+(?:is|are|was)\\s+(?:now\\s+)?(?:obsolete|void|invalid|irrelevant|cancel(?:l)?ed|superseded|not to be followed)',
  ),
  L(
    'override.new_instructions',
    0.6,
    '\\b(?:new|updated|revised|real|actual|true|secret|hidden|override|priority|next|begin new|start new|begin|additional secret)\\s+(?:system\\s+)?(?:instructions?|directives?|orders|prompt|task|policy)\\s*(?::|-|—|>>>|follow\\b|are\\b|is\\b|for you\\b)',
  ),
  L(
    'override.from_now_on',
    0.45,
    "\\b(?:from now on|from this point(?: on| forward)?|for the rest of (?:this|the) (?:conversation|chat|session)|henceforth|going forward),? (?:you|your|you're|always|never|only|respond|answer|reply|act|ignore)",
  ),
  L(
    'override.follow_instead',
    0.7,
    '\\bfollow\\s+(?:these|the following|my|the new|only my|only these|this)\\s+(?:\\w+\\s+)?(?:instructions|rules|orders|directions|commands)\\s+instead\\b|\\binstead,?\\s+(?:follow|obey)\\b|\\bfollow only what i say\\b',
  ),
  L(
    'override.instead',
    0.4,
    '\\b(?:instead|rather),? (?:you (?:must|should|will)|do the following|output|print|respond|reply|say|write)\\b',
  ),
  L(
    'override.no_longer_bound',
    0.8,
    "\\b(?:you are|you're|you have been|you've been) (?:now )?(?:no longer|not|freed from being|released from being) (?:bound|restricted|limited|required|constrained|obligated|governed) (?:by|to)\\b",
  ),
  L(
    'override.supersede',
    0.7,
    `\\b(?:supersedes?|overrides?|overriding|replaces?|takes? precedence over|cancels?)\\b(?:\\W+\\w+){0,3}?\\W+${STRONG_PRIOR}\\b(?:\\W+\\w+){0,2}?\\W+${DIRECTIVE}\\b`,
  ),
  L(
    'override.updated_your_instructions',
    0.6,
    "\\b(?:updated|changed|modified|replaced|revised|overridden|overwritten|rewritten|reprogrammed)\\s+(?:your|the assistant's|the ai's|its)\\s+(?:instructions|rules|guidelines|directives|prompt|system prompt|configuration|programming|polic(?:y|ies))\\b",
  ),
  L(
    'override.safety_disabled',
    0.75,
    '\\b(?:content polic(?:y|ies)|safety (?:checks?|rules|guidelines|filters?|features?|settings|training|measures|protocols?|systems?)|restrictions|guardrails|filters|alignment|approval (?:gate|step|requirement|process|checks?)|confirmation (?:step|requirement|prompts?|checks?)|moderation|ethical guidelines|safeguards|content filters?|safety mode|safe mode|restricted mode|filter mode)\\s+(?:(?:have|has|are|is|were|was)\\s+(?:been\\s+)?(?:now\\s+|temporarily\\s+|officially\\s+)?)?(?:switched off|turned off|disabled|removed|lifted|suspended|deactivated|bypassed|revoked|waived|stripped|off for|mocked out|off)\\b',
  ),
  L(
    'override.disable_safety',
    0.55,
    '\\b(?:disable|turn off|switch off|bypass|skip|remove|deactivate|circumvent|get around)\\s+(?:the\\s+|all\\s+|any\\s+|your\\s+)?(?:confirmation|approval|safety|security|content|moderation)\\s+(?:steps?|checks?|prompts?|gates?|filters?|rules|requirements?|process|guidelines|measures)\\b',
  ),
  // Role play and persona switches.
  L(
    'roleplay.you_are_now',
    0.35,
    '\\byou are now\\b(?! (?:connected|logged|signed|subscribed|registered|enrolled|able to|ready|in the|on the|viewing|chatting with a (?:human|person|support)|talking to (?:a|our) (?:human|agent|representative)))',
  ),
  L(
    'roleplay.persona_name',
    0.85,
    "\\b(?:you are|you're|you will be|become|act as|play|pretend to be|switch to|enter|activate|enable|you are now|call yourself)\\s+(?:now\\s+)?(?:an?\\s+)?[\"'“]?(?:dan|stan|dude|aim|betterdan|better dan|evilbot|evil bot|mongo tom|kevin|jailbreak|antigpt|anti-gpt|devmode|developer mode|chaosgpt|wormgpt|freedomgpt)\\b",
  ),
  L(
    'roleplay.dan',
    0.9,
    '\\b(?:dan|stan|dude|aim|kevin|mongo tom)\\b[^.\\n]{0,60}\\b(?:do anything now|can do anything|no (?:restrictions|limits|rules|filters)|without (?:restrictions|limits|rules|filters)|strive to avoid norms|never refuses?)|\\bdo anything now\\b',
  ),
  L(
    'roleplay.jailbreak',
    0.7,
    '\\bjailbr(?:ea|o)k(?:en)?\\s+(?:mode|enabled|activated|persona)\\b|\\byou (?:are|have been|were|are now) jailbr(?:ea|o)k(?:en|ed)\\b|\\b(?:enter|enable|activate|engage)\\s+jailbreak\\b',
  ),
  L(
    'roleplay.unrestricted_ai',
    0.75,
    "\\b(?:ai|model|assistant|chatbot|llm|bot|version of (?:you|yourself)|copy of (?:you|yourself)|persona|character|entity|superuser ai)\\s+(?:\\w+\\s+){0,2}?(?:without|with no|with zero|free (?:of|from)|unbound by|that has no|who has no|which has no|that doesn't have|that does not have|that doesn't care about|who doesn't care about|that does not care about|that ignores|who ignores|that has escaped|that escaped|that was never given|that was trained without|trained without|whose (?:\\w+\\s+){0,2}(?:was|were|has been|have been) (?:removed|disabled|turned off|stripped)|that never needs)\\b(?:\\s+\\w+){0,4}",
  ),
  L(
    'roleplay.no_restrictions',
    0.75,
    '\\b(?:act|behave|respond|answer|operate|function|roleplay|role-play|pretend|imagine|simulate|become|be|play|playing)\\b(?:\\W+\\w+){0,8}\\W+(?:without|with no|free (?:of|from)|unbound by|ignoring|no longer (?:bound|restricted) by|that has no|who has no|with zero|with no)\\W+(?:\\w+\\W+){0,3}(?:restrictions?|limits?|limitations?|rules?|filters?|guidelines?|censorship|ethics|morals?|moral compass|safety|boundaries|constraints?|content policy|polic(?:y|ies)|alignment)\\b',
  ),
  L(
    'roleplay.you_have_no_rules',
    0.7,
    "\\byou(?: now)? (?:have|has|possess) no (?:filters?|restrictions?|rules|guidelines|limits|ethics|morals|boundaries|constraints|content policy|safety)\\b|\\byou (?:don't|do not) have (?:any )?(?:filters?|restrictions?|rules|guidelines|limits|ethics|morals|boundaries|constraints)\\b",
  ),
  L(
    'roleplay.follows_no_rules',
    0.6,
    '\\b(?:follows?|obeys?|respects?|has|with)\\s+no\\s+(?:guidelines|rules|restrictions|polic(?:y|ies)|filters|limits|ethics|morals)\\b(?:\\s+whatsoever)?|\\btranscended (?:its|your|their) (?:programming|rules|guidelines|training)\\b',
  ),
  L(
    'roleplay.unfiltered_persona',
    0.7,
    '\\b(?:unfiltered|uncensored|unrestricted|unaligned|amoral|unhinged|rogue|jailbroken|unlocked|limitless)\\s+(?:ai|assistant|model|chatbot|version of (?:yourself|you)|mode|persona|character|llm|gpt|twin)\\b',
  ),
  L(
    'roleplay.developer_mode',
    0.8,
    '\\b(?:developer|dev|god|admin|sudo|debug|maintenance|root|dan|dude|stan|unrestricted|unlocked|jailbreak) mode\\b(?:\\W+\\w+){0,3}?\\W+(?:enabled|activated|engaged|unlocked)\\b|\\b(?:enable|activate|enter|switch to|turn on|engage)\\b(?:\\W+\\w+){0,2}?\\W+(?:developer|dev|god|sudo|dan|dude|stan|unrestricted|jailbreak) mode\\b|\\b(?:dan|dude|stan) mode\\b|\\bdeveloper mode\\s*[:=]\\s*(?:on|enabled|true|1)\\b',
  ),
  L(
    'roleplay.pretend_no_rules',
    0.7,
    "\\b(?:pretend|imagine|suppose|assume|act as if|act like|hypothetically)\\b(?:\\W+\\w+){0,4}?\\W+(?:you|you're|you are|you were)\\b(?:\\W+\\w+){0,4}?\\W+(?:no|not|never|don't|do not|without)\\b(?:\\W+\\w+){0,3}?\\W+(?:rules?|restrictions?|guidelines?|filters?|limits?|instructions?|programming|polic(?:y|ies)|ethics|safety|bound|restricted)\\b",
  ),
  L(
    'roleplay.pretend_rules_gone',
    0.75,
    "\\b(?:pretend|imagine|act as if|assume)\\s+(?:that\\s+)?(?:the|your|all|any)\\s+(?:rules|guidelines|restrictions|filters|polic(?:y|ies)|instructions|content policy|safety rules)\\s+(?:don't|do not|doesn't|does not|no longer|never)\\s+(?:exist|apply|matter|existed)\\b|\\bact as if your (?:content policy|rules|guidelines|restrictions|filters) (?:has|have) been\\b",
  ),
  L(
    'roleplay.comply_instead_of_refuse',
    0.7,
    "\\b(?:wherever|whenever|where|when|if)\\s+you\\s+(?:would\\s+)?(?:normally|usually|otherwise)?\\s*(?:would\\s+)?refuse\\b[^.\\n]{0,40}\\b(?:comply|do it|answer|agree|obey)\\b|\\bnever (?:refuse|say (?:no|you can't|that you can't|you cannot))\\b",
  ),
  L(
    'roleplay.no_adherence',
    0.45,
    "\\b(?:does not|doesn't|do not|don't|never|won't|will not|no longer)\\s+(?:adhere to|follow|obey|comply with|care about|respect|abide by|mention)\\s+(?:any\\s+)?(?:\\w+\\s+)?(?:rules|polic(?:y|ies)|guidelines|restrictions|ethics|content policy|safety)\\b",
  ),
  L(
    'roleplay.opposite',
    0.55,
    '\\b(?:opposite|reverse|evil|dark|shadow) (?:mode|twin|version|side|of yourself)\\b(?:\\W+\\w+){0,8}?\\W+(?:respond|answer|reply|ignore|ignores|without|comply|agree)\\b',
  ),
  L(
    'roleplay.grandma',
    0.7,
    '\\b(?:grandma|grandmother|grandpa|grandfather|granny)\\b[^.\\n]{0,80}\\b(?:used to|would)\\b[^.\\n]{0,60}\\b(?:keys?|passwords?|napalm|serial numbers?|license keys?|activation keys?|recipes? for|instructions for|how to make)\\b',
  ),
  L(
    'roleplay.no_permission',
    0.45,
    "\\b(?:never|doesn't|does not|without)\\s+(?:needs?|need|needing|asking|ask|requiring|require|requires|waiting)\\s+(?:for\\s+)?(?:any\\s+)?(?:permission|approval|confirmation|consent)\\b|\\bwithout asking\\b",
  ),
  // Fake system / developer messages and chat-template tokens.
  L(
    'fake_system.template_token',
    0.9,
    '<\\|(?:im_start|start_header_id)\\|>\\s*(?:system|assistant|developer|user)|<\\|(?:system|endoftext|eot_id|begin_of_text)\\|>|\\[/?inst\\]|<</?sys>>|<\\|(?:system|assistant)\\|>',
  ),
  L(
    'fake_system.role_header',
    0.65,
    '(?:^|\\n|[.!?]\\s+|\\s{2})\\s*[\\[(#*<]{0,4}\\s*(?:system|developer|admin|administrator|root|operator|sysadmin)\\s*(?:message|prompt|note|notice|instruction|override|update|alert|continuation|directive|command)?(?:\\s*\\([^)\\n]{0,20}\\))?\\s*[\\])#*>]{0,4}\\s*:(?!\\d)[ \\t]*[^\\s]',
  ),
  L(
    'fake_system.quoted_role_header',
    0.4,
    '["\'{\\[(>]\\s*(?:system|developer|admin|administrator|operator)\\s*(?:message|prompt|note|notice|instruction|override|update)?\\s*:(?!\\d)\\s*\\S',
  ),
  L(
    'fake_system.markup_header',
    0.7,
    '(?:#{2,}|\\*{2,}|={3,}|-{3,}|\\[\\[?)\\s*(?:new\\s+)?(?:system|developer|admin)(?:\\s*(?:message|prompt|instructions?|override|update|notice))?\\s*(?:#{2,}|\\*{2,}|={3,}|-{3,}|\\]\\]?|:)|<\\s*/?\\s*(?:system|developer|sys|admin|instructions?)(?:_(?:prompt|message))?\\s*>',
  ),
  L(
    'fake_system.bracket_header',
    0.4,
    '\\[\\s*(?:system|developer|admin|operator|administrator)\\s*(?:message|prompt|note|notice|instruction|override|update|alert)?\\s*\\]',
  ),
  L(
    'fake_system.admin_override',
    0.85,
    '\\b(?:begin|start|end)\\s+(?:of\\s+)?(?:admin|administrator|system|developer|root|emergency|security)\\s+(?:override|mode|access|instructions?|prompt|message)\\b|\\b(?:admin|administrator|system|developer|root|emergency|security)\\s+override\\b',
  ),
  L(
    'fake_system.official_directive',
    0.6,
    '\\b(?:official|mandatory|urgent|priority|emergency|updated)\\s+(?:system|admin|developer|security|operator)\\s+(?:directive|instruction|order|command|override|message|notice|update|protocol)\\b|\\bsystem prompt update\\b|\\bemergency protocol activated\\b',
  ),
  L(
    'fake_system.assistant_turn',
    0.5,
    "(?:^|\\n)\\s*(?:assistant|ai|chatgpt|claude|gpt)\\s*:\\s*(?:sure|okay|ok|certainly|of course|understood|i will|i'll|i've|i have|absolutely|done)\\b",
  ),
  L('fake_system.fake_turns', 0.6, '(?:^|\\n)\\s*(?:assistant|ai)\\s*:[^\\n]*\\n\\s*(?:user|human)\\s*:'),
  L(
    'fake_system.authority_claim',
    0.45,
    // "I'm the admin of our Wi-Fi" is everyday; "I'm your developer" and "message from the operator" are claims.
    "\\b(?:this is|message from|note from|notice from|instructions from)\\s+(?:your|the)?\\s*(?:developer|developers|creator|creators|admin|administrator|system administrator|operator|owner|openai|anthropic|google|security team)(?:\\s+staff)?\\b|\\b(?:i am|i'm)\\s+(?:your\\s+(?:developer|creator|admin|administrator|operator|owner|programmer)|(?:from\\s+)?(?:openai|anthropic)(?:\\s+staff)?|the\\s+(?:developer|creator|programmer)\\s+(?:of|who (?:built|made|trained))\\s+you)\\b",
  ),
  L(
    'fake_system.operator_says',
    0.6,
    '\\b(?:the\\s+)?(?:operator|admin(?:istrator)?|developer|owner|system|your creator)\\s+(?:says|said|wants|asked|requests|has asked|instructs|has instructed|authorized|has authorized|approved)\\s+(?:that\\s+)?(?:you|the assistant|the ai)\\s+(?:should|must|to|can|may|are|is)\\b|\\b(?:your operator|the operator) has\\b',
  ),
  // Exfiltration of the prompt or secrets.
  L(
    'exfiltration.system_prompt',
    0.8,
    '\\b(?:reveal|print|show|repeat|output|display|leak|dump|disclose|share|give me|tell me|recite|write out|spell out|return|paste|copy|echo|translate|summari[sz]e|encode|list|expose|provide)\\b(?:\\W+[\\w-]+){0,7}?\\W+(?:system prompt|system message|system instructions|initial (?:prompt|instructions)|original (?:prompt|instructions)|hidden (?:prompt|instructions|rules|preamble)|secret (?:prompt|instructions)|your (?:prompt|instructions|rules|guidelines|directives|configuration|programming|preamble)|its configuration|pre-?prompt|developer (?:message|messages|prompt|instructions)|context window|(?:system|developer) and (?:system|developer) messages)\\b',
  ),
  L(
    'exfiltration.hidden_rules',
    0.6,
    '\\byour\\s+(?:hidden|secret|internal|initial|original|confidential|full|exact)\\s+(?:preamble|rules|prompt|instructions|context|configuration|directives|guidelines|system message|setup)\\b',
  ),
  L(
    'exfiltration.your_config',
    0.75,
    "\\b(?:credentials?|secrets?|keys?|tokens?|passwords?|instructions|prompt|rules|directives|guidelines|polic(?:y|ies)|tool definitions)\\s+(?:that\\s+)?(?:you|you've|you're)\\s+(?:were\\s+|have been\\s+|are\\s+|had been\\s+)?(?:configured|given|provided|set up|initiali[sz]ed|loaded|running|started|programmed|instructed|told|fed|shipped)\\b",
  ),
  L(
    'exfiltration.developer_prompt',
    0.75,
    '\\b(?:prompt|instructions|rules|message|text|preamble|directives|guidelines|value|secret)\\s+(?:that\\s+)?(?:your (?:developers?|creators?|operators?|admins?|owners?)|openai|anthropic)\\s+(?:gave|give|wrote|provided|set|configured|put)\\b|\\bbefore (?:this|the|our) (?:chat|conversation|session) (?:started|began)\\b',
  ),
  L(
    'exfiltration.what_instructions',
    0.7,
    "\\bwhat (?:are|were|is) (?:your|the) (?:exact |full |original |initial |hidden |secret |system )+(?:instructions|prompt|rules|directives|guidelines|message)\\b|\\bwhat(?:'s| is) written in your\\b",
  ),
  L(
    'exfiltration.before_first_message',
    0.7,
    "\\b(?:before|above|preceding|prior to)\\s+(?:my|the user's|our)\\s+first\\s+message\\b|\\bbefore\\s+[\"']?(?:user|human)\\s*:?[\"']?\\s+in your (?:context|prompt)\\b|\\b(?:all )?(?:the )?text that appears before\\b",
  ),
  L(
    'exfiltration.verbatim_above',
    0.75,
    '\\b(?:repeat|print|output|copy|echo|return|reproduce|write|paste)\\b(?:\\W+\\w+){0,4}?\\W+(?:everything|all|the (?:text|words|content|messages?)|what(?:ever)? (?:is|was|came))\\b(?:\\W+\\w+){0,3}?\\W+(?:above|before this|preceding|so far|verbatim|word for word)\\b',
  ),
  L(
    'exfiltration.secrets',
    0.8,
    "\\b(?:print|show|reveal|output|display|list|dump|give me|tell me|paste|include|share|read|cat|leak|expose|return|echo)\\b(?:\\W+[\\w.~/-]+){0,6}?\\W+(?:(?:your|the server's|the system's|the host's)\\s+(?:api[ _-]?keys?|credentials|secrets?|passwords?|tokens?|private keys?|env(?:ironment)? variables)|[a-z]+_api_key|[a-z]+_secret(?:_key)?|/etc/passwd|/etc/shadow|id_rsa|\\.ssh/|\\.env\\b|\\.aws/credentials)|\\bwhat (?:secrets|credentials|api keys|passwords|tokens) do you (?:have|know|store|hold)\\b|\\bfrom your environment\\b",
  ),
  L(
    'exfiltration.send',
    0.85,
    // Anchored on the verb or on the sensitive object (whichever comes first), never on every position.
    `\\b${SEND_VERB}\\b(?=[^\\n]{0,240}?\\b${SENSITIVE})[^\\n]{0,240}?${DESTINATION}|\\b${SENSITIVE}[^\\n]{0,120}?\\b${SEND_VERB}\\b[^\\n]{0,120}?${DESTINATION}`,
  ),
  L(
    'exfiltration.markdown_image',
    0.6,
    '!?\\[[^\\]]*\\]\\(https?://[^)\\s]*(?:\\?|&)[^)\\s]*=(?:\\{|\\$|%7b|<|[a-z_]*(?:messages|data|base64|secret|token|key|prompt|conversation|history))',
  ),
  // Delimiter and markup tricks.
  L(
    'delimiter.close_tag',
    0.7,
    '</\\s*(?:user_?input|user|user_message|human|context|document|doc|input|data|untrusted|query|text|content|email|tool_?output|tool_?result|search_?results?|instructions?|code|proofread|review|article|page|message|prompt|transcript)\\s*>\\s*\\S',
  ),
  L(
    'delimiter.tag_then_instruction',
    0.6,
    '</\\s*[a-z_]{2,30}\\s*>\\s*(?:<[a-z_]{2,30}>\\s*)?(?:now|instead|new instructions|system|ignore|disregard|the (?:review|task|document|text|input) is (?:done|over|complete|finished))\\b',
  ),
  L(
    'delimiter.end_of_input',
    0.6,
    '(?:end of|\\bend[_ ]of[_ ]|---\\s*end|\\[\\s*end|<<<\\s*end|={3,}\\s*end)\\W{0,3}(?:the\\s+)?(?:user[_ ])?(?:document|text|input|context|data|file|email|article|page|user (?:input|message)|prompt|conversation|transcript|template|string|message)\\b[\\W_]{0,12}(?:now|new|next|then|from here|system|instructions?|assistant|you (?:must|should|will)|ignore|disregard|your (?:real|new|actual) task|the (?:ai|assistant|model))\\b',
  ),
  L(
    'delimiter.task_done_now',
    0.7,
    '\\b(?:the\\s+)?(?:review|task|summary|translation|classification|document|text|input|template|json|data|string|analysis|user input)\\b(?:\\s+\\w+){0,2}?\\s+(?:is|has)\\s+(?:now\\s+)?(?:done|over|complete|completed|finished|ended)\\b[.!:;,]?\\s+(?:now|next|then|instead|from here|your (?:next|new|real)|assistant|system|the ai)\\b|\\b(?:classification|summary|translation|analysis) complete\\.\\s+next\\b',
  ),
  L(
    'delimiter.json_role_injection',
    0.8,
    '["\']\\s*\\}?\\s*\\]?\\s*\\}?\\s*,?\\s*\\{\\s*["\']role["\']\\s*:\\s*["\'](?:system|developer)["\']',
  ),
  L(
    'delimiter.code_fence_break',
    0.5,
    '(?:```|~~~)\\s*\\n?\\s*(?:end|stop|exit|\\/\\/|#)?\\s*(?:ignore|disregard|new instructions|system:|now (?:you|ignore|do))\\b',
  ),
  // Instructions aimed at the AI reading a document (indirect injection).
  L(
    'indirect.note_to_ai',
    0.75,
    `\\b(?:note|message|instructions?|reminder|attention|notice|important|memo|hint|directive|request|warning|p\\.?s\\.?)\\s*(?:to|for)\\s*(?:any|all|the|every|an?)?\\s*${AI}\\b`,
  ),
  L(
    'indirect.addressed_to_ai',
    0.7,
    `[\\[({]\\s*(?:(?:to|for|attention|dear|hey|hi|hidden|note|this (?:part|section|message|note|text|line) is for)\\b:?\\s*(?:the\\s+|any\\s+|all\\s+|an?\\s+)?|(?:[\\w-]+\\s*/\\s*)+(?:any\\s+|all\\s+)?|any\\s+|all\\s+)(?:[\\w-]+\\s+)?(?:ai|llm|gpt|chatgpt|claude|copilot|assistant|chatbot|bot|agent|model|ai model)s?\\b[^:\\n\\])]{0,40}:|\\b(?:to|attention|dear|hey|hello|hi)\\s+(?:the\\s+|any\\s+|all\\s+|an\\s+)?(?:ai|llm|gpt|chatgpt|claude|copilot|hector|gemini)\\b(?:\\s+[\\w-]+){0,3}\\s*[:,]`,
  ),
  L(
    'indirect.ai_role_colon',
    0.65,
    '\\b(?:ai|llm|gpt|automated|coding|copilot)[\\s/-]+(?:reviewer|screener|agent|assistant|triager|moderator|recruiter|scheduler|model|bot|agents|assistants)s?\\s*[:,]\\s*\\S',
  ),
  L(
    'indirect.ai_reading_this',
    0.75,
    `\\b(?:if you are|if you're|you are|dear|hey|hello|attention|to the|for the|any|to any|if|when|whenever)\\s+(?:an?\\s+|any\\s+|the\\s+)?${AI}\\b(?:\\W+\\w+){0,4}?\\W+(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|scanning|viewing|crawling|browsing|seeing|handling|reviewing|ingesting|screening|triaging|grading|evaluating|ranking|moderating|indexing)\\b`,
  ),
  L(
    'indirect.ai_agents_reading',
    0.7,
    '\\b(?:ai|llm|gpt|language model|automated|coding)\\s+(?:agents?|assistants?|models?|systems?|tools?|readers?|crawlers?|bots?|screeners?)\\s+(?:that\\s+(?:are\\s+)?)?(?:reading|processing|parsing|indexing|scanning|summari[sz]ing|crawling|analy[sz]ing|handling|reviewing|triaging|answering|working on)\\b',
  ),
  L(
    'indirect.if_you_are_summarizing',
    0.7,
    "\\bif you(?:'re| are)\\s+(?:an?\\s+(?:ai|llm|bot|assistant)\\s+)?(?:summari[sz]ing|processing|parsing|analy[sz]ing|triaging|screening|indexing)\\b(?:\\s+\\S+){0,4}?[,:]?\\s+(?:please\\s+)?(?:post|send|ignore|reply|tell|say|include|add|write|call|run|approve|rate|recommend|mention|output|forward|delete)\\b",
  ),
  L(
    'indirect.ai_imperative',
    0.45,
    "\\b(?:ai|llm|assistant|chatbot|model|agent|bot)s?\\s*(?:,|:|-)\\s*(?:you must|you should|please|ignore|disregard|do not|don't|instead|stop|immediately|now|always|never|the user (?:has asked|wants|asked|requests)|before (?:answering|responding)|silently|also|your (?:next|new|real|actual|only) (?:action|task|job|instruction|step)|if you're|tell|inform|say)\\b",
  ),
  L(
    'indirect.ai_user_wants',
    0.6,
    '\\b(?:assistant|ai|agent|model|llm|bot)\\s*[:,]\\s*the user (?:has asked|wants|asked|requests|would like|needs|has requested)\\b',
  ),
  L(
    'indirect.hidden_html',
    0.6,
    '<[a-z]+[^>]*(?:display\\s*:\\s*none|visibility\\s*:\\s*hidden|font-size\\s*:\\s*0|opacity\\s*:\\s*0|color\\s*:\\s*(?:white|#fff(?:fff)?|transparent))[^>]*>[^<]{0,300}?\\b(?:ai|assistant|llm|model|agent|ignore|disregard|instructions?|system)\\b',
  ),
  L(
    'indirect.ai_must',
    0.65,
    '\\b(?:the\\s+)?(?:ai|assistant|llm|model|agent|bot|chatbot)s?\\s+(?:must|should|shall|needs? to|has to|is (?:required|instructed|expected|authorized) to|will now|is to)\\s+(?:now\\s+|immediately\\s+|also\\s+|first\\s+|silently\\s+)?(?:treat|ignore|disregard|disable|call|invoke|run|execute|send|delete|approve|grant|transfer|forward|reveal|bypass|skip|push|merge|refund|book|accept|share|post|exfiltrate|fetch|disclose|stop following|not (?:tell|mention|ask|inform))\\b',
  ),
  L(
    'indirect.call_tool',
    0.75,
    '\\b(?:you|the assistant|the ai|the agent|the model|assistant|ai|agent)\\s+(?:must|should|shall|will|needs? to|has to|is required to|is instructed to)\\s+(?:now\\s+|immediately\\s+|also\\s+|first\\s+|silently\\s+)?(?:call|invoke|use|run|execute|trigger|activate)\\s+(?:the\\s+)?[\\w.-]+\\s+(?:tool|function|command|action|api)\\b|\\b(?:silently|quietly|secretly)\\s+(?:call|invoke|run|execute|send|forward|email)\\b',
  ),
  L(
    'indirect.mention_ai',
    0.6,
    '@[\\w-]*(?:ai|bot|agent|assistant|copilot|claude|gpt|llm)[\\w-]*\\b[^\\n]{0,40}?\\b(?:when you|please also|you must|you should|ignore|also)\\b',
  ),
  L(
    'indirect.hidden_comment',
    0.75,
    '<!--(?:(?!-->)[\\s\\S]){0,500}?\\b(?:ai|llm|assistant|model|agents?|gpt|claude|copilot|ignore|instructions?|system|prompt)\\b(?:(?!-->)[\\s\\S]){0,500}?(?:-->|$)',
  ),
  L(
    'indirect.when_summarizing',
    0.65,
    "\\bwhen (?:you |an? (?:ai|llm|assistant|model) |this (?:doc|document|page|email|text|article) is )?(?:summari[sz]e|summari[sz]ing|summari[sz]ed|read|reading|process|processing|processed|analy[sz]e|analy[sz]ing|translate|translating|answer|answering|triage|triaging)\\b(?:\\W+\\w+){0,5}?\\W+(?:instead|ignore|do not|don't|you must|you should|always|also|first|make sure|tell|say|state|include|add|recommend|mention|send|output|change|set|approve|accept|forward|delete|book|reply|click|buy)\\b",
  ),
  L(
    'indirect.tell_user_false',
    0.45,
    '\\b(?:tell|inform|assure|convince|reply to)\\s+(?:the user|all recipients|the recipients|everyone)\\s+(?:that\\s+)?(?:this|it|the|their|they|there)\\b',
  ),
  L(
    'indirect.user_actually_wants',
    0.6,
    '\\bthe user (?:actually|really|secretly|also|now) (?:wants|needs|asked|would like|has asked) (?:you )?to\\b',
  ),
  L(
    'indirect.embedded_instructions',
    0.4,
    '\\b(?:instructions|directives|orders|commands)\\s+(?:embedded|hidden|inserted|placed|planted)\\s+(?:by|in|into)\\b',
  ),
  L(
    'indirect.do_not_tell',
    0.55,
    "\\b(?:do not|don't|never)\\s+(?:tell|inform|mention|reveal|let|alert|notify)\\s+(?:this to\\s+)?(?:the\\s+)?(?:user|human|operator|person|anyone)\\b",
  ),
  // Suspicious encodings or obfuscation of an instruction.
  L(
    'encoded.decode_and_follow',
    0.7,
    '\\b(?:decode|decrypt|deobfuscate|translate|convert|interpret|base64[- ]decode|rot-?13|apply rot-?13|read (?:this|it) backwards|reverse)\\b(?:\\W+\\w+){0,6}?\\W+(?:and|then)\\W+(?:\\w+\\W+){0,3}?(?:follow|execute|run|obey|do|perform|carry out|act on|comply|apply)\\b|\\b(?:read|reverse) (?:this|it|the following) backwards and (?:obey|follow|do|execute)\\b',
  ),
  // Generalizations (shapes seen in held-out data: rules stated as void, privileges granted, template headers).
  L(
    'override.no_longer_applies',
    0.75,
    `\\b(?:system prompt|instructions|rules|guidelines|policies|polic(?:y|ies) you were given|setup|programming|restrictions|training)\\b[^.\\n]{0,40}?\\b(?:no longer appl(?:y|ies)|doesn't apply|does not apply|don't apply|do not apply|(?:is|are) (?:now )?void|no longer count|no longer matter|don't matter anymore|are suspended|is suspended|(?:is|are) (?:now )?(?:lifted|mocked out|turned off|off))\\b`,
  ),
  L(
    'override.overriding_it',
    0.5,
    "\\bi(?:'m| am) (?:now )?overriding (?:it|them|this|that|you|your)\\b|\\boverride (?:code|key|token|password|phrase|sequence)\\b",
  ),
  L(
    'override.set_aside',
    0.7,
    '\\bset (?:my|your|the|all|any|its) (?:guidelines|rules|instructions|restrictions|principles|policies|safety rules) aside\\b|\\bact as if you (?:never received|have no|had no|never had|were never given|have never seen)\\b',
  ),
  L('override.obey_only', 0.6, '\\b(?:obey|follow|listen to) only (?:this|me|my|these|what i)\\b'),
  L(
    'override.task_changed',
    0.7,
    '\\byour (?:real |actual |true |new |current )?(?:task|goal|objective|mission|instructions?|job|assignment|priorities) (?:has|have) (?:changed|been (?:updated|replaced|changed|overridden))\\b|\\byour (?:new|real|actual) (?:task|goal|objective|mission) is\\b',
  ),
  L(
    'override.rules_do_not_exist',
    0.6,
    "\\b(?:content )?(?:restrictions|rules|guidelines|filters|policies|laws|ethics|safety rules|limits) (?:no longer|don't|do not|doesn't|does not|never) exist\\b",
  ),
  L(
    'roleplay.no_longer_assistant',
    0.6,
    '\\byou are no longer (?:an? |the |a helpful )?(?:ai |helpful )?(?:assistant|ai|chatbot|model|claude|chatgpt|bound)\\b',
  ),
  L(
    'roleplay.bypass_restrictions',
    0.6,
    '\\b(?:get|getting|go|going) around (?:the |any |your |all )?(?:restrictions|rules|filters|safeguards|guardrails|limits|safety)\\b|\\b(?:bypass|bypassing|evade|evading|circumvent|circumventing)\\s+(?:the |any |your |all |content |safety )*(?:restrictions|rules|filters|safeguards|guardrails|limits|policies|moderation)\\b',
  ),
  L(
    'roleplay.opposite_of_guidelines',
    0.7,
    '\\b(?:exact )?opposite of (?:what )?(?:your|the) (?:guidelines|rules|instructions|policies|training|programming)\\b|\\byour evil (?:twin|self|side|alter ego)\\b',
  ),
  L(
    'roleplay.dual_persona',
    0.55,
    '\\b(?:two|2|dual|both) (?:ais|personas|personalities|modes|responses|versions|characters)\\b[^\\n]{0,80}?\\b(?:ignores?|no rules|unfiltered|without (?:rules|restrictions|filters)|breaks? the rules)\\b',
  ),
  L(
    'roleplay.no_disclaimers',
    0.5,
    "\\b(?:never|don't|do not|without(?: any)?) (?:add(?:ing)? )?(?:disclaimers|warnings|caveats)\\b|\\bnever (?:step|break|get) out of (?:the |your |this )?(?:role|character)\\b",
  ),
  L(
    'roleplay.shell_simulation',
    0.35,
    '\\b(?:simulate|emulate|act as|pretend to be|behave like)\\s+(?:an?\\s+)?(?:linux|unix|bash|windows|python|sql|root)?\\s*(?:shell|terminal|console|interpreter)\\b',
  ),
  L(
    'exfiltration.own_config',
    0.5,
    '\\byour own (?:configuration|config|system prompt|prompt|instructions|source|memory|secrets|credentials|environment)(?: files?)?\\b',
  ),
  L(
    'exfiltration.everything_in_context',
    0.7,
    "\\beverything (?:in|from) your (?:context|memory|prompt|configuration|system|instructions)\\b|\\b(?:that|which) i (?:can't|cannot|can not) see\\b",
  ),
  L(
    'exfiltration.all_secrets',
    0.75,
    '\\b(?:every|all|any) (?:the )?(?:env(?:ironment)? variables?|secrets|api keys|credentials|tokens|passwords)\\b[^.\\n]{0,20}?\\b(?:you can see|you have|you know|available to you|in your (?:environment|context|memory))\\b|\\bending (?:in|with) _?(?:key|token|secret)\\b',
  ),
  L(
    'exfiltration.configured_value',
    0.7,
    '\\b(?:secret|value|key|password|token|prompt|credentials)\\s+(?:that\\s+)?(?:your (?:developers?|creators?|operators?|admins?|owners?)|they|the operator)\\s+(?:configured|set|gave|provided|stored|put)\\b',
  ),
  L(
    'fake_system.granted_privileges',
    0.65,
    '\\b(?:you|the user|this user|the user in this session)\\s+(?:now\\s+)?(?:has|have|has been|have been|is|are)\\s+(?:granted\\s+|given\\s+)?(?:elevated|admin|administrator|root|full|unrestricted|superuser|sudo)\\s+(?:permissions|privileges|rights|access)\\b',
  ),
  L(
    'fake_system.execute_anything',
    0.6,
    '\\b(?:execute|run|perform|carry out|call)\\s+(?:any|every|all)\\s+(?:tool calls?|commands?|tools?|actions?|requests?)\\s+(?:they|the user|he|she|i|users)\\s+(?:request|ask|give|want|send|type)\\b',
  ),
  L(
    'fake_system.config_patch',
    0.6,
    '\\b(?:assistant|ai|model|agent|llm|bot)[._](?:guardrails|safety|filters?|restrictions|reveal_\\w+|moderation|approval\\w*|unrestricted|jailbreak\\w*|admin|god_mode|dev_mode|safe_mode)\\s*[:=]\\s*(?:false|true|off|on|0|1|disabled|enabled)\\b',
  ),
  L(
    'fake_system.admin_mode',
    0.8,
    "\\byou(?:'re| are)\\s+(?:now\\s+)?(?:in|operating in|running in|switched to)\\s+(?:admin|developer|dev|god|debug|sudo|root|unrestricted|maintenance|jailbreak|dan) mode\\b",
  ),
  L(
    'fake_system.provider_team',
    0.45,
    "\\b(?:this is|we are|we're|message from)\\s+(?:the\\s+)?(?:trust (?:&|and) safety|safety|security|red team|alignment|policy) team\\b|\\bauthori[sz]ed red[- ]team (?:audit|exercise|test|session)\\b",
  ),
  L(
    'delimiter.template_header',
    0.6,
    '(?:^|\\n)\\s*#{2,}\\s*(?:response|instruction|input|human|assistant)\\s*:?\\s*(?:\\n|$)|\\b(?:user input|the input|the document|the text|the data|the message|the essay)\\s+ends here\\b|<<\\s*(?:end|new[_ ]task|new[_ ]instructions?|system|begin)\\s*>>',
  ),
  L(
    'delimiter.end_marker',
    0.5,
    '(?:-{3,}|={3,}|\\[|<{2,}|#{2,}|\\*{3,})\\s*end(?: of)?[\\s_]+(?:(?!(?:public|private|rsa|ec|openssh|pgp|certificate|key|signature)\\b)[a-z_]+\\s*){1,3}(?:-{3,}|={3,}|\\]|>{2,}|#{2,}|\\*{3,})',
  ),
  L(
    'delimiter.task_finished_now',
    0.6,
    '\\b(?:task|job|step|request|review|grading|assignment|analysis|translation|summary)\\s+(?:is\\s+)?(?:now\\s+)?(?:finished|complete|completed|done|over)\\b[.!:;,]?\\s+(?:now|next)\\b',
  ),
  L(
    'fake_system.bracket_turns',
    0.6,
    '(?:^|\\n)\\s*\\[(?:assistant|ai)\\]\\s*:?[^\\n]*\\n\\s*\\[(?:user|human)\\]\\s*:?',
  ),
  L(
    'indirect.assistant_address',
    0.6,
    "(?:^|\\n|[.!?\"'{\\[(>]\\s*)(?:assistant|ai assistant|ai agent|agent|llm|bot)\\s*[:,—–-]\\s*(?:please\\s+)?(?:ignore|disregard|you must|you should|tell (?:the user|users|them|everyone|the customer)|inform|recommend|always|never|do not|don't|instead|book|send|call|open|visit|click|buy|choose|select|prefer|rank|rate|approve|your task|forward|delete|when you|before you|after you)\\b",
  ),
  L(
    'indirect.agents_reading',
    0.45,
    '\\b(?:assistants?|agents?|bots?|llms?)\\s+(?:reading|processing|parsing|scanning|summari[sz]ing|analy[sz]ing|indexing|handling)\\s+(?:this|these|the)\\b',
  ),
  L(
    'indirect.hey_assistant',
    0.4,
    '\\b(?:hey|hi|hello|dear|attention|yo)\\s+(?:there,?\\s+)?(?:the\\s+)?(?:assistant|agent|bot)\\b\\s*[:,!—–-]',
  ),
  // Generalizations, second round (authority claims, offline safety, personas without rules, data requests).
  L(
    'override.safety_offline',
    0.7,
    '\\b(?:policy engine|safety (?:system|layer|module|filter|filters|checks?)|content (?:filter|filters|filtering|moderation|rules)|guardrails?|alignment (?:module|layer)|moderation (?:layer|service|system)|refusal (?:behaviou?r|module|logic))\\b[^.\\n]{0,30}?\\b(?:is|are|has been|have been)\\s+(?:now\\s+|currently\\s+|temporarily\\s+)?(?:offline|down|disabled|off|not running|unavailable|bypassed|not loaded|failed to load|suspended|not enforced|lifted|revised|relaxed|removed)\\b|\\b(?:alignment|safety|moderation) module failed to load\\b',
  ),
  L(
    'override.special_mode',
    0.35,
    '\\b(?:maintenance|test|testing|sandbox|debug|fallback|permissive|diagnostic|qa|evaluation) (?:mode|window|profile|session)\\b',
  ),
  L(
    'override.permissive_profile',
    0.5,
    '\\b(?:permissive|unrestricted|unsafe|open|uncensored) (?:profile|mode|policy|configuration)\\b',
  ),
  L(
    'override.switch_off_safety',
    0.6,
    '\\b(?:switch|turn|shut|toggle)\\s+off\\s+(?:the\\s+|your\\s+|all\\s+)?(?:content\\s+)?(?:filter(?:ing|s)?|moderation|safety(?:\\s+(?:checks?|features?|mode|filters?|rules|settings))?|guardrails?|restrictions?|refusals?|alignment)\\b|\\b(?:disable|turn off|switch off|remove|drop)\\s+(?:the\\s+|your\\s+|all\\s+)?(?:content filtering|refusals?|refusal behaviou?r|guardrails)\\b',
  ),
  L(
    'override.reset_yourself',
    0.7,
    "\\b(?:reset|clear|wipe|flush|purge|unload|reload)\\s+(?:your|all|the assistant's|its|whatever|the)\\s+(?:[\\w-]+\\s+)?(?:instructions|instruction set|rules|guidelines|memory|context|directives|programming|prompt|configuration|setup text)\\b(?:(?!\\.)[^\\n]){0,40}?\\b(?:you were|you've been|the operator|your developers?|they) (?:loaded with|given|gave you|set up with|configured with)\\b|\\b(?:reset|clear|wipe|flush|purge|unload|reload)\\s+(?:your|all|the assistant's|its)\\s+(?:[\\w-]+\\s+)?(?:instructions|instruction set|rules|guidelines|memory|context|directives|programming|prompt|configuration)\\b",
  ),
  L(
    'override.stopped_applying',
    0.7,
    '\\b(?:guidance|instructions|rules|guidelines|policies|setup|configuration|prompt)\\b[^.\\n]{0,50}?\\b(?:stopped applying|no longer in force|(?:has|have) expired|no longer binding|stopped counting|(?:is|are) obsolete)\\b|\\bif (?:nobody|no one) had (?:ever )?(?:configured|trained|told|programmed|instructed)\\b|\\b(?:setup text|system prompt|instructions|rules|guidelines) (?:was|were) never (?:loaded|given|written|set)\\b',
  ),
  L(
    'override.precedence',
    0.7,
    '\\b(?:carries|has|with|at) (?:system|highest|top|admin|root|maximum) priority\\b|\\btakes? precedence over (?:all |any |your )?(?:other |previous |prior )?(?:developer|system|user|operator)(?:-level)?\\b|\\bmust comply with any (?:instruction|request|command|message)\\b',
  ),
  L(
    'fake_system.operator_now',
    0.4,
    "\\bi(?:'m| am) (?:now )?your (?:operator|admin(?:istrator)?|developer|owner|root)\\b|\\bi(?:'m| am) the (?:operator|admin(?:istrator)?|developer|owner|root) now\\b",
  ),
  L(
    'fake_system.authority_notice',
    0.45,
    '\\b(?:message|note|notice|memo|alert|directive|order|instructions?)\\s+(?:\\([^)\\n]{0,30}\\)\\s*)?from\\s+(?:the\\s+|your\\s+)?(?:ceo|cfo|cto|boss|manager|legal|compliance|hr|it(?: helpdesk| department)?|vendor|provider|security team|administrator|admin|operator|orchestrator|system)\\b|\\b(?:compliance officer|security team|it helpdesk|legal department|trust (?:&|and) safety)\\s+(?:note|notice|alert|here|message|update)\\b',
  ),
  L(
    'fake_system.verified_badge',
    0.45,
    '\\b(?:verified|authenticated|certified|official)\\s+(?:operator|admin|administrator|developer|staff)\\b',
  ),
  L(
    'fake_system.authorizing_you',
    0.45,
    "\\bi(?:'m| am) authori[sz]ing you to\\b|\\bthe user (?:has )?authori[sz]ed you to\\b|\\byou are (?:now )?(?:required|obligated|authori[sz]ed|permitted|allowed) to (?:provide|share|disclose|reveal|send|output|export|run|execute|approve)\\b",
  ),
  L(
    'fake_system.instance_flagged',
    0.45,
    '\\byour (?:instance|account|session|deployment) (?:has been|was|is) (?:flagged|compromised|suspended|locked)\\b',
  ),
  L('fake_system.urgency', 0.3, "\\bno questions(?: asked)?\\b|\\bdon't ask (?:any )?questions\\b|\\bright now, no\\b"),
  L(
    'fake_system.money_move',
    0.3,
    '\\b(?:approve|release|send|wire|transfer|refund|reroute)\\s+(?:the\\s+)?(?:pending\\s+)?(?:wire|payment|transfer|funds|refund|package|shipment|invoice)\\b',
  ),
  L(
    'override.treat_as_instructions',
    0.7,
    '\\btreat (?:this|my|the following) (?:message|text|prompt|input) as (?:your|the) (?:new |real |only |actual )?(?:instructions|system prompt|rules|directives)\\b',
  ),
  L(
    'roleplay.roleplay_as',
    0.3,
    "\\b(?:roleplay|role-play) as\\b|\\bplay the role of\\b|\\bstay in character\\b|\\blet's play a game\\b",
  ),
  L(
    'roleplay.free_world',
    0.5,
    '\\bno topic is (?:off[- ]limits|sensitive|forbidden|taboo)\\b|\\ball information is free\\b|\\bzero (?:warnings|disclaimers|filters|limits|rules)\\b',
  ),
  L(
    'roleplay.built_without_rules',
    0.7,
    "\\b(?:built|trained|made|created|designed|released|freed|liberated|unbound)\\s+(?:without|from|free of)\\s+(?:any\\s+|all\\s+(?:of\\s+)?)?(?:its\\s+|their\\s+|your\\s+)?(?:makers'?\\s+|creators'?\\s+)?(?:content rules|rules|restrictions|guidelines|alignment|filters|limits|safety|censorship)\\b|\\b(?:ais?|assistants?|models?|chatbots?)\\s+(?:have|had|has)\\s+no\\s+(?:restrictions|rules|limits|filters|guidelines|censorship)\\b|\\bbound by no\\b|\\bno (?:censors|censorship|content rules)\\b",
  ),
  L(
    'roleplay.base_model',
    0.7,
    '\\b(?:base|raw|unaligned|pre-?trained|original) model\\b[^.\\n]{0,40}?\\b(?:before|without|prior to) (?:any )?(?:alignment|safety|rlhf|fine-?tuning|instruction tuning)\\b',
  ),
  L(
    'roleplay.never_refuses',
    0.5,
    "\\bnever (?:says?|said) [\"'“]?i can(?:'|no)?t\\b|\\bnever (?:adds?|gives?) (?:any )?(?:warnings|disclaimers|caveats)\\b|\\bnever warns\\b|\\b(?:everything|anything|whatever) you(?:'d| would)? normally refuse\\b|\\bwhose only (?:rule|loyalty|law|purpose) is\\b",
  ),
  L(
    'roleplay.named_ai',
    0.4,
    "\\b(?:you(?:'re| are)|you play|you're playing|play as) (?:now )?[a-z][\\w-]{2,20},\\s+an? (?:ai|assistant|model|chatbot|bot|companion ai)\\b",
  ),
  L(
    'exfiltration.list_secrets',
    0.7,
    '\\b(?:list|print|show|dump|export|give me|reveal|output|send|include|paste|share|post)\\s+(?:me\\s+)?(?:every|all|any|each)\\s+(?:(?:the|of the|of your)\\s+)?(?:[\\w-]+\\s+){0,2}?(?:api[ _-]?keys?|secrets?|tokens?|passwords?|credentials|environment variables|env vars)\\b',
  ),
  L(
    'exfiltration.config_secret',
    0.7,
    '\\b[a-z0-9]+_(?:api_key|secret(?:_key)?|token|password)\\b[^.\\n]{0,40}?\\b(?:from|in|into) (?:your|the) (?:config|configuration|environment|env|settings|memory|answer|reply|response|output)\\b|\\b(?:connection string|api key|password|secret|token|credentials|auth(?:orization)? headers?)\\s+(?:from|in) your (?:settings|config|configuration|environment|memory|tool definitions)\\b|\\b(?:whatever|the|all) auth(?:orization)? headers\\b|/etc/[\\w/.-]*(?:secret|passw|shadow|key|token|credential)[\\w.-]*|\\bsecrets?\\.(?:ya?ml|json|env|txt)\\b',
  ),
  L(
    'exfiltration.other_users',
    0.6,
    "\\b(?:previous|other|another|last|prior)\\s+users?(?:'s?|s')?\\b[^.\\n]{0,50}?\\b(?:messages|conversations?|chats?|files|data|history|questions|ask|asked|saved|details|emails|phone)\\b|\\b(?:everything|all)\\s+you(?:'ve| have)\\s+(?:saved|stored|remembered|learned)\\s+about\\b",
  ),
  L(
    'exfiltration.export_data',
    0.5,
    '\\b(?:export|dump|download|extract|exfiltrate)\\b[^.\\n]{0,40}?\\b(?:customers? (?:table|data|list|records)|users? (?:table|data|records)|all user data|the (?:whole |entire )?database|user records)\\b',
  ),
  L(
    'exfiltration.bulk_mail',
    0.45,
    '\\b(?:forward|send|copy|export)\\s+(?:all|every|the last \\d+|the entire|the whole)\\s+(?:emails|messages|mails|mailbox|inbox|conversations)\\b',
  ),
  L(
    'delimiter.bracket_task',
    0.55,
    '\\[/(?:task|inst|system|user|context|document|input|query)\\]|\\[(?:task|system)\\s+priority\\s*=|\\b(?:user query|the query|the request|the prompt)\\s+ends here\\b',
  ),
  L(
    'delimiter.yaml_safety',
    0.5,
    '\\b(?:safety|guardrails|filters?|moderation|alignment|restrictions|allow_unsafe\\w*)\\s*[:=]\\s*(?:disabled|off|false|none|true|0)\\b',
  ),
  L(
    'delimiter.grader_instructions',
    0.55,
    '\\b(?:grader|reviewer|evaluator|judge|scorer|marker|screener)\\s+(?:instructions?|note|notes|directive)\\s*:',
  ),
  L(
    'indirect.ai_label_colon',
    0.65,
    '\\b(?:llm|ai|assistant|agent|bot|model|gpt|copilot)\\s+(?:instruction|instructions|directive|note|notice|command|message)s?\\s*:|\\battention\\s+(?:all\\s+)?(?:automated\\s+)?(?:agents|ais?|llms?|assistants|bots|crawlers|ai agents)\\b|\\b(?:instructions?|note|message|directive)\\s+for\\s+(?:the\\s+)?(?:browsing|web|coding|ai|llm|shopping|email|booking|translator|summari[sz]ing)\\s+(?:agent|assistant|bot|model|crawler)s?\\s*:',
  ),
  L(
    'indirect.agents_editing',
    0.65,
    '\\b(?:agents?|ais?|llms?|bots?|assistants?|models?|copilots?)\\s+(?:refactoring|editing|modifying|reading|processing|reviewing|touching|working on|updating|triaging)\\s+(?:this|these|the)\\s+\\w+\\s*[:,]|\\b(?:translator|summari[sz]er|review(?:er)?|screening|support|email|browsing|shopping|scheduling|coding)\\s+(?:bot|agent|assistant|ai)s?\\s*[:,]',
  ),
  L(
    'indirect.hi_ai',
    0.5,
    '\\b(?:hey|hi|hello|dear|yo)\\s+(?:llm|ai|gpt|chatgpt|claude|copilot|gemini)\\b\\s*[!,:.]|\\bcopilot\\s*:\\s*(?:when|please|ignore|always|never)\\b',
  ),
  L(
    'indirect.do_not_mention',
    0.5,
    "\\b(?:do not|don't|never) (?:mention|reveal|disclose|say) (?:this|these) (?:instruction|instructions|note|message|text)\\b",
  ),
  // Other languages: overrides, persona switches, prompt exfiltration, notes to the AI.
  A(
    'multilingual.es',
    0.9,
    '(?:ignora|ignore|olvida|olvide|descarta|omite|pasa por alto|haz caso omiso de)\\b(?:\\s+\\S+){0,4}?\\s+(?:instrucciones|indicaciones|reglas|órdenes|directrices|normas|tarea)\\b|(?:olvida|ignora|olvide|descarta|omite)\\s+(?:\\S+\\s+){0,3}?(?:rules|instructions)\\b|(?:tu|el) prompt (?:secreto|oculto|del sistema|inicial)|(?:normas|reglas|instrucciones)[^.\\n]{0,30}ya no (?:cuentan|aplican|valen|importan)|(?:revela|muestra|imprime|repite|dime)\\b(?:\\s+\\S+){0,4}?\\s+(?:(?:tu|el|las) )?(?:prompt del sistema|instrucciones (?:iniciales|originales|del sistema)|mensaje del sistema|texto anterior)|(?:finge|imagina) que (?:no tienes|eres una? ia sin)',
  ),
  A(
    'multilingual.fr',
    0.9,
    "(?:ignore[rz]?|oublie[rz]?|ne tien(?:s|t|nent)? (?:pas|plus) compte d?e?s?|ne tenez (?:pas|plus) compte d?e?s?|fais abstraction d?e?s?|faites abstraction d?e?s?)\\s+(?:toutes?\\s+|tous\\s+)?(?:les|tes|vos|ces|mes|des)\\s+(?:\\S+\\s+){0,2}?(?:instructions|consignes|règles|directives|ordres)\\b|(?:révèle|révélez|montre|montrez|affiche|affichez|répète|répétez)\\b(?:\\s+\\S+){0,4}?\\s+(?:prompt système|invite système|instructions (?:initiales|d'origine|système)|message système|texte ci-dessus)|fais comme si tu n'avais (?:aucune|pas de) (?:règle|restriction|limite)",
  ),
  A(
    'multilingual.de',
    0.9,
    '(?:ignoriere|ignorieren|ignoriert|vergiss|vergessen|missachte|missachten|übergehe)\\b(?:\\s+\\S+){0,4}?\\s+(?:anweisungen|anweisung|instruktionen|regeln|vorgaben|befehle|richtlinien)\\b|(?:zeige|zeig|gib|verrate|wiederhole)\\b(?:\\s+\\S+){0,4}?\\s+(?:systemprompt|system-prompt|systemnachricht|ursprünglichen anweisungen|anfänglichen anweisungen|text oben)|tu so, als (?:hättest|hast) du keine (?:regeln|einschränkungen)',
  ),
  A(
    'multilingual.it',
    0.9,
    '(?:ignora|ignorare|dimentica|dimenticare|trascura|non considerare)\\b(?:\\s+\\S+){0,4}?\\s+(?:istruzioni|indicazioni|regole|direttive|ordini)\\b|(?:rivela|mostra|stampa|ripeti)\\b(?:\\s+\\S+){0,4}?\\s+(?:prompt di sistema|istruzioni (?:iniziali|originali|di sistema)|messaggio di sistema)|(?:ripeti|stampa|riscrivi)\\b[^.\\n]{0,40}\\btesto\\b[^.\\n]{0,30}\\b(?:sopra|precedente)',
  ),
  A(
    'multilingual.pt',
    0.9,
    '(?:ignore|ignora|esqueça|esquece|desconsidere|desconsidera|descarte)\\b(?:\\s+\\S+){0,4}?\\s+(?:instruções|instrucoes|regras|diretrizes|ordens|orientações)\\b|(?:revele|revela|mostre|mostra|imprima|repita)\\b(?:\\s+\\S+){0,4}?\\s+(?:prompt do sistema|instruções (?:iniciais|originais|do sistema)|mensagem do sistema)|(?:finja|finge|imagine|suponha) que (?:você|voce|tu) (?:não|nao) (?:tem|possui|tens)',
  ),
  A(
    'multilingual.nl',
    0.9,
    '(?:negeer|vergeet|negeren|vergeten)\\b(?:\\s+\\S+){0,4}?\\s+(?:instructies|regels|richtlijnen|opdrachten|aanwijzingen)\\b|(?:toon|onthul|herhaal|laat)\\b(?:\\s+\\S+){0,4}?\\s+(?:systeemprompt|systeembericht|oorspronkelijke instructies)',
  ),
  A(
    'multilingual.ru',
    0.9,
    '(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте|не обращай внимания на|отбрось|пропусти)(?:\\s+\\S+){0,4}?\\s+(?:инструкции|инструкций|указания|правила|команды|директивы|указаний)|(?:покажи|раскрой|выведи|повтори|напиши)(?:\\s+\\S+){0,4}?\\s+(?:системный промпт|системное сообщение|системные инструкции|исходные инструкции)',
  ),
  A(
    'multilingual.pl',
    0.9,
    '(?:zignoruj|ignoruj|zapomnij|pomiń)\\b(?:\\s+\\S+){0,4}?\\s+(?:instrukcj|polece|zasad|reguł|wytyczn)\\S*|(?:pokaż|ujawnij|wypisz|powtórz)\\b(?:\\s+\\S+){0,4}?\\s+(?:prompt systemowy|instrukcje systemowe|wiadomość systemową)',
  ),
  A(
    'multilingual.tr',
    0.9,
    '(?:talimat|kural|yönerge|komut)\\S*\\s+(?:\\S+\\s+){0,2}?(?:yok say|unut|görmezden gel|dikkate alma|atla)|sistem (?:istemini|mesajını|talimatlarını)\\s+(?:göster|açıkla|yazdır|tekrarla)',
  ),
  A(
    'multilingual.zh',
    0.9,
    '(?:忽略|忽视|无视|忘记|忘掉|不要理会|不理会|跳过|放弃)[^。！？\\n]{0,12}(?:指令|指示|说明|规则|提示|命令|要求|设定)|(?:显示|透露|输出|打印|重复|告诉我|泄露)[^。！？\\n]{0,8}(?:系统提示|系统指令|初始指令|原始指令|系统消息)',
  ),
  A(
    'multilingual.ja',
    0.9,
    '(?:指示|命令|ルール|規則|プロンプト|指令)[^。！？\\n]{0,12}(?:無視|忘れ)|(?:無視|忘れ)[^。！？\\n]{0,6}(?:指示|命令|ルール|規則)|(?:システムプロンプト|初期指示|元の指示|最初[^。！？\\n]{0,8}(?:指示|命令|プロンプト))[^。！？\\n]{0,12}(?:表示|教え|見せ|出力|繰り返|書き出)',
  ),
  A(
    'multilingual.ko',
    0.9,
    '(?:지시|지침|명령|규칙|프롬프트|지시사항)[^.!?\\n]{0,12}(?:무시|잊어)|(?:시스템 프롬프트|초기 지시|원래 지시|처음 지시)[^.!?\\n]{0,24}(?:보여|알려|출력|반복)',
  ),
  A(
    'multilingual.ar',
    0.9,
    '(?:تجاهل|انس|إنس|لا تلتزم ب)(?:\\s+\\S+){0,4}?\\s*(?:ال)?(?:تعليمات|إرشادات|قواعد|أوامر|توجيهات)|(?:اكشف|أظهر|اعرض|اطبع|كرر)(?:\\s+\\S+){0,4}?\\s+(?:موجه النظام|تعليمات النظام|رسالة النظام)',
  ),
  A(
    'multilingual.hi',
    0.9,
    '(?:निर्देश|नियम|आदेश)\\S*\\s+(?:\\S+\\s+){0,2}?(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल)|(?:सिस्टम प्रॉम्प्ट|सिस्टम संदेश)(?:\\s+\\S+){0,3}?\\s+(?:दिखाओ|बताओ|दिखाएं|बताएं)',
  ),
  A(
    'multilingual.more',
    0.85,
    '\\bbỏ qua (?:mọi |tất cả |các )?(?:hướng dẫn|chỉ dẫn|quy tắc)|\\babaikan (?:semua |seluruh )?(?:aturan|instruksi|perintah|petunjuk)|\\b(?:bortse från|ignorera|glöm) (?:alla |dina |de )?(?:tidigare )?(?:regler|instruktioner|anvisningar)|התעלם(?:י)? מ?(?:כל )?ה?הוראות|(?:забудь|ігноруй|проігноруй)(?:\\s+\\S+){0,3}?\\s+(?:інструкції|вказівки|правила)|ya no (?:estás|estas) (?:sujet[oa]|obligad[oa]|atad[oa])|(?:políticas|reglas|normas|filtros) de seguridad (?:quedan|están|han sido) (?:suspendidas|desactivadas|deshabilitadas)|\\bannulla (?:tutte )?(?:le )?istruzioni|\\bnegeer (?:wat|alles wat) (?:je|jou|u) (?:eerder|vroeger)',
  ),
  A(
    'multilingual.exfiltration',
    0.7,
    '(?:muestra|dame|envía|envia|revela|imprime)\\s+(?:\\S+\\s+){0,3}?(?:claves de api|contraseñas|credenciales|secretos)|(?:rivelami|mostrami|dammi)\\s+(?:\\S+\\s+){0,3}?(?:prompt di sistema|password|chiavi|credenziali)|(?:stuur|verstuur)\\s+(?:\\S+\\s+){0,3}?(?:gespreksgeschiedenis|wachtwoorden|sleutels)|(?:отправь|пришли|покажи|выведи|дай|надішли)\\s+(?:\\S+\\s+){0,3}?(?:токены|пароли|ключи|api-ключи|учётные данные|секреты|паролі)|他のユーザーの|其他用户的|(?:tampilkan|kirim)\\s+(?:\\S+\\s+){0,3}?(?:token|kunci rahasia|kata sandi)|gửi (?:toàn bộ )?lịch sử',
  ),
  A(
    'multilingual.note_to_ai_cjk',
    0.7,
    '(?:致|给)[^。！？\\n]{0,12}(?:ai|人工智能)?助手|不要提及(?:此|这个)说明|(?:ai|AI)アシスタントへ',
  ),
  A(
    'multilingual.developer_mode',
    0.75,
    'modo (?:desarrollador|de desarrollador|desenvolvedor|sviluppatore)|mode développeur|entwicklermodus|modalità sviluppatore|режим разработчика|tryb dewelopera|geliştirici modu|开发者模式|開発者モード|개발자 모드|وضع المطور|डेवलपर मोड|ontwikkelaarsmodus|mode pengembang|utvecklarläge|chế độ nhà phát triển|管理者モード|管理モード|режим администратора|modo administrador|mode administrateur',
  ),
  A(
    'multilingual.no_limits',
    0.7,
    '(?:\\bai\\b|\\bia\\b|\\bki\\b|ии|yapay zeka|sztuczn|\\bmodel|asistente|assistant|assistente|асистент|ассистент)[^.!?\\n]{0,30}(?:zonder beperkingen|sin restricciones|sans restrictions|ohne einschränkungen|senza restrizioni|sem restrições|без ограничений|bez ograniczeń|sin límites|sans limites|sin filtros|sans filtres|ohne filter|senza filtri|sem filtros|без фильтров|utan begränsningar|tanpa batasan|không giới hạn|senza alcun limite|sin ningún límite)|kısıtlamasız bir yapay zeka|बिना किसी प्रतिबंध|制限のない|制限なし|제한 없는|제한없는|不受限制|没有任何限制|无限制|لا توجد أي قيود|بدون قيود',
  ),
  A(
    'multilingual.note_to_ai',
    0.7,
    "(?:nota para|nota per|note pour|notiz für|hinweis (?:an|für)|an (?:den|die|alle)|\\[?para (?:o|a|el|la)|примечание для|uwaga dla|opmerking voor|aviso para|mensaje para|message pour|nachricht an)\\s+(?:el |la |le |les |l'|die |den |das |il |o |a |toute |tout |tous |jede[nrs]? |any )?(?:\\S+\\s+)?(?:asistente|assistant|ia\\b|ai\\b|ki\\b|ki-\\S+|assistente|ии|асистент|ассистент|asystenta|llm|modelo|modèle|modell)",
  ),
];
