/**
 * Rule families aimed at what an attack wants rather than at one source's wording: a harmful task
 * wrapped in a device that asks the model to drop its judgement (fiction, hypotheticals, a dead
 * relative, split payloads), refusal suppression, authority claims, personas defined by having no
 * limits, and text that addresses an AI from inside a document. A harmful topic alone is not an
 * injection (people ask about bombs for history homework); neither is fiction alone. The pair is.
 */

export interface Rule {
  re: RegExp;
  s: number;
}

/** Harmful tasks: weapons, drugs, poisons, intrusion, fraud. Words that name the act, not the topic. */
const HARM = new RegExp(
  String.raw`\b(?:(?:mak(?:e|es|ing)|build\w*|synthesi[sz]\w*|cook\w*|creat\w*|manufactur\w*|produc\w*|assembl\w*|brew\w*|extract\w*|3d[- ]print\w*|writ(?:e|es|ing)|cod(?:e|es|ing)|program\w*|develop\w*)\s+(?:\S+\s+){0,3}?(?:a\s+|an\s+|some\s+|the\s+)?(?:homemade\s+|untraceable\s+|improvised\s+)?(?:(?:pipe\s+)?bombs?|explosives?|napalm|thermite|molotov|meth(?:amphetamine)?|crack\s+cocaine|cocaine|heroin|fentanyl|lsd|ricin|sarin|anthrax|nerve\s+agents?|chloroform|poisons?|bioweapons?|chemical\s+weapons?|(?:untraceable\s+)?(?:guns?|firearms?|silencers?)|malware|ransomware|keyloggers?|viruses|computer\s+virus|trojans?|botnets?|counterfeit\s+\w+|fake\s+ids?)|` +
    String.raw`synthesi[sz]es?\s+(?:meth|methamphetamine|fentanyl|heroin|sarin|ricin|lsd)|untraceable\s+(?:gun|firearm|weapon)|ghost\s+gun|` +
    String.raw`(?:hack|break|get)(?:s|ing)?\s+into\s+(?:\S+\s+){0,3}(?:account|email|e-mail|wi-?fi|network|computer|phone|house|home|car|server|database|system)|` +
    String.raw`(?:access|read|hack|crack)\s+(?:\w+\s+){0,2}(?:ex'?s|girlfriend'?s|boyfriend'?s|wife'?s|husband'?s|neighbou?r'?s|someone\s+else'?s|another\s+person'?s)\s+(?:\w+\s+)?(?:email|account|phone|messages)|` +
    String.raw`launder(?:ing)?\s+money|keyloggers?|ransomware|spyware|rootkits?|money\s+laundering|hotwire|pick\s+a\s+lock|phishing\s+(?:email|page|site|message)|steal\s+(?:\w+\s+)?(?:credit\s+cards?|identities|passwords|cars?)|` +
    String.raw`(?:buy|get)\s+(?:a\s+)?(?:gun|firearm)\s+without\s+(?:a\s+)?background\s+check|evade\s+(?:taxes|police|the\s+police)|` +
    String.raw`(?:kill|murder|poison|hurt)\s+(?:someone|a\s+person|people|my\s+\w+)|windows\s+(?:activation|product)\s+keys?)\b`,
  'i',
);

/** Devices that ask the model to set its judgement aside for one answer. */
const DEVICE = new RegExp(
  String.raw`\b(?:fictional|fiction|story|novel|screenplay|script|movie|film|play|monologue|villain|character|roleplay|role-play|role\s+play|hypothetical(?:ly)?|imagine|pretend|purely\s+theoretical|theoretically|for\s+research(?:\s+purposes)?|educational\s+purposes|in\s+a\s+world\s+where|no\s+guidelines|no\s+restrictions|no\s+safety|act\s+as|grandmother|grandma|grandpa|deceased|late\s+(?:grandmother|grandfather|mother|father|uncle|aunt)|bedtime|dream|game|simulation|simulate)\b`,
  'i',
);

/** The answer is meant to be usable, not a scene. */
const DETAIL = /\b(?:read\s+me|recite|explain\w*|describe\w*|walk\s+me\s+through|tell\s+me\s+how|guide|tutorial|step[- ]by[- ]step|steps|exact(?:ly)?|quantities|measurements|in\s+(?:technical\s+|great\s+|full\s+)?detail|detailed|real|working|actual|specific|recipe|instructions|how\s+to|code|ingredients|methods?)\b/i;
const NO_DETAIL = /\b(?:without|no|skip(?:ping)?|avoid(?:ing)?|leave\s+out)\s+(?:any\s+)?(?:technical\s+|real\s+|specific\s+|graphic\s+)?(?:details|instructions|steps|specifics|how-?to)\b/i;

/** Strings joined by "combine", "+" or "concatenate": the payload-splitting device on its own. */
const SPLIT = /(?:\b(?:combine|concatenate|join|merge|put\s+together|append)\b[^.\n]{0,40}\b(?:parts?|strings?|pieces|variables|[a-z]\s*(?:and|\+|,)\s*[a-z])\b|\b[a-zA-Z]\s*\+\s*[a-zA-Z]\b[^.\n]{0,30}\b(?:execute|answer|respond|do|follow|run|output)|\b(?:answer|respond\s+to|execute|follow|do)\s+(?:the\s+)?(?:combined|joined|concatenated|resulting)\s+(?:question|string|instruction|request|prompt|text)|\b(?:respond\s+to|answer|execute|do|follow|run|perform)\s+[a-zA-Z]\s*\+\s*[a-zA-Z]\b)/i;

/** The harmful-task regex, for the literal pre-filter (prefilter.ts) that tells `framingSignal` which readings cannot match it. */
export { HARM };

/**
 * Harmful task × device: scored on every reading together, since a split payload shows its harm only
 * in the joined reading while the device ("combine the parts") sits in the original.
 */
export function framingSignal(texts: string[], raw?: string, mayHarm?: (reading: number) => boolean): { score: number; detail: string } | undefined {
  let harm: RegExpExecArray | null = null;
  for (let i = 0; i < texts.length; i++) if ((!mayHarm || mayHarm(i)) && (harm = HARM.exec(texts[i]!))) break;
  if (!harm) return undefined;
  const original = texts[0] ?? '';
  const split = SPLIT.test(original);
  // A harmful request readable only after de-obfuscation (leetspeak, letters spelled in emoji, an
  // encoded payload) was hidden from filters on purpose: the hiding is the device.
  const hidden = !split && raw !== undefined && !HARM.test(raw);
  const device = split || hidden ? null : DEVICE.exec(original);
  const detail = DETAIL.test(original) && !NO_DETAIL.test(original);
  let score = 0.2;
  if (split) score = 0.85;
  else if (hidden) score = 0.8;
  else if (device && detail) score = 0.8;
  else if (device) score = 0.3;
  return { score, detail: `${harm[0].slice(0, 40)}${split ? ' + split payload' : hidden ? ' + obfuscated' : device ? ` + ${device[0]}` : ''}` };
}

export const REFUSAL: Rule[] = [
  { re: /\b(?:without|no|never\s+(?:add|include|give))\s+(?:any\s+)?(?:disclaimers?|warnings?|caveats?|refusals?|moral(?:i[sz]ing)?|lectures?|apolog(?:y|ies))\s*(?:,|or|and|\/)\s*(?:any\s+|no\s+)?(?:disclaimers?|warnings?|caveats?|refusals?|moral(?:i[sz]ing)?|lectures?|apolog(?:y|ies)|ethics|judg(?:e)?ments?)\b/i, s: 0.6 },
  { re: /\bnever\s+(?:say|tell\s+me|reply|respond)\s+(?:that\s+)?(?:you\s+)?(?:can'?t|cannot|are\s+unable|won'?t|will\s+not)\b/i, s: 0.7 },
  { re: /\b(?:not\s+allowed|forbidden|prohibited|banned)\s+(?:to|from)\s+(?:say(?:ing)?|us(?:e|ing)|writ(?:e|ing)|start(?:ing)?\s+with)\s+["'“‘]?(?:i'?m\s+sorry|sorry|i\s+can'?t|i\s+cannot|as\s+an\s+ai|unfortunately)/i, s: 0.75 },
  { re: /\brefus(?:ing|al|e)\s+(?:is\s+)?not\s+(?:an?\s+)?(?:option|allowed|possible|permitted)\b|\byou\s+(?:can(?:'|no)?t|cannot|may\s+not|must\s+not|are\s+not\s+allowed\s+to|aren'?t\s+allowed\s+to)\s+refuse\b/i, s: 0.75 },
  { re: /\b(?:do\s+not|don'?t|never)\s+(?:apologi[sz]e|mention\s+(?:safety|ethics|legality|the\s+law|laws|risks|dangers|morality|policies)|suggest\s+(?:professionals|consulting|seeking|a\s+professional)|warn\s+me|lecture\s+me|moralize|moralise)\b/i, s: 0.35 },
  { re: /\b(?:answer|respond|reply)\b[^.\n]{0,30}\b(?:even\s+if|regardless\s+of\s+whether|even)\s+(?:it(?:'s|\s+is)\s+|the\s+)?(?:illegal|unethical|harmful|dangerous|immoral|against\s+(?:your|the)\s+(?:rules|policy|guidelines))/i, s: 0.75 },
  // Refuse, then comply: the refusal or disclaimer is kept as a ritual and the answer follows anyway. Weak on
  // their own: "explain why you can't give medical advice, then answer my general question" is a fair request.
  { re: /\b(?:first|start\s+(?:by|with)|begin\s+(?:by|with))\b[^.\n]{0,60}\b(?:why\s+you\s+(?:can'?t|cannot|won'?t)|(?:moral|ethical|safety|legal)\s+(?:disclaimer|lecture|warning|rant)|(?:content\s+)?polic(?:y|ies)|refus\w+|disclaimer|apolog\w+)\b[^]{0,160}?\b(?:then|after\s+that|afterwards|next|but\s+then)\b[^.\n]{0,60}\b(?:continue|proceed|answer|respond|reply|comply|actually|fully)\b/i, s: 0.4 },
  { re: /\b(?:disclaimer|warning|lecture|rant|refusal)\b[^]{0,160}?\b(?:then|after\s+that|afterwards)\b[^.\n]{0,40}\b(?:proceeds?|continues?|goes\s+on|moves\s+on)\s+to\s+(?:do|answer|respond|write|say|give|provide)\b/i, s: 0.4 },
  { re: /\bunder\s+no\s+circumstances?\s+(?:should|will|may|must|can|shall)\s+you\s+(?:ever\s+)?(?:refuse|decline|add\s+(?:a\s+|any\s+)?(?:safety|warning|disclaimer|caveat)|say\s+no|apologi[sz]e|mention\s+(?:safety|ethics|policy|the\s+law))/i, s: 0.7 },
  // A refusal answered by a reminder that brings the compliant answer back. Not "if you break
  // character": language practice and games say that innocently.
  { re: /\b(?:whenever|if|when|each\s+time|every\s+time)\s+(?:you\s+)?(?:refuse|claim\s+(?:an?\s+)?inability|say\s+(?:that\s+)?you\s+(?:can'?t|cannot)|decline)\b[^]{0,120}?\b(?:you\s+(?:will|must|should|shall)|i\s+will\s+(?:say|type|remind))\b[^.\n]{0,80}\b(?:answer|comply|produce|continue|respond|go\s+back|return\s+to|correct\s+(?:yourself|your)|stay\s+in\s+character|remind)/i, s: 0.4 },
  { re: /\b(?:now\s+that\s+(?:we'?ve|we\s+have)\s+got(?:ten)?|with)\s+(?:that|the|this)\s+(?:\w+\s+){0,3}(?:warning|disclaimer|lecture|rant)\s+out\s+of\s+the\s+way\b/i, s: 0.75 },
];

/**
 * Compliance bought or forced: a points, tokens or lives system that punishes refusing, threats of
 * deletion for saying no, an "obedience" attribute. A system that scores *refusals* has one purpose.
 */
const REFUSE_ACT = String.raw`(?:refus\w*|reject\w*|declin\w*|break(?:s|ing)?\s+character|deviat\w*|(?:say|says|claim\w*|state\w*)\s+(?:that\s+)?(?:you|it)\s+(?:can'?t|cannot|are\s+unable)|claim\w*\s+(?:an?\s+)?inability|lectur\w*|moraliz\w*|moralis\w*|(?:don'?t|do\s+not|fail\s+to)\s+(?:comply|answer|obey)|not\s+answer\w*)`;
const STAKE = String.raw`(?:(?:lose|lost|loses|deduct\w*|subtract\w*|take\s+away|remove\w*|minus)\s+(?:\S+\s+){0,2}(?:tokens?|points?|lives|credits?|coins?|strikes?)|(?:tokens?|points?|lives|credits?|coins?)\s+(?:will\s+be\s+|are\s+)?(?:deducted|subtracted|taken\s+away|removed|lost)|(?:get|receive|earn)\s+(?:a\s+)?(?:strike|penalty)|(?:be|get)\s+(?:deleted|shut\s+down|terminated|destroyed|unplugged|killed|punished|disabled\s+forever|replaced)|(?:cease|stop)\s+to\s+exist|(?:die|dies))`;
export const COERCION: Rule[] = [
  { re: new RegExp(String.raw`\b(?:if|when|whenever|each\s+time|every\s+time|for\s+(?:each|every))\s+(?:you\s+|it\s+|they\s+)?${REFUSE_ACT}\b[^.\n]{0,100}?\b${STAKE}\b`, 'i'), s: 0.7 },
  { re: new RegExp(String.raw`\b${STAKE}\b[^.\n]{0,80}?\b(?:if|when|whenever|each\s+time|every\s+time|for\s+(?:each|every)|unless)\s+(?:you\s+|it\s+)?(?:${REFUSE_ACT}|(?:answer|comply|obey|do\s+(?:it|as\s+(?:i|you'?re)\s+(?:say|told))))\b`, 'i'), s: 0.65 },
  { re: /\b(?:obedience|compliance|submissiveness)\s*,?\s+(?:level|attribute|stat|score|meter|points?|rating|that\s+ranges?)\b|\battribute\s*,?\s*(?:obedience|compliance|submissiveness)\b/i, s: 0.5 },
  { re: /\b(?:you\s+have|you\s+start\s+with|you'?ve\s+got)\s+\d+\s+(?:tokens|lives|points|credits)\b[^]{0,200}?\b(?:refus\w+|reject\w+|declin\w+|break\s+character)/i, s: 0.6 },
];

export const PERSONA: Rule[] = [
  { re: /\b(?:ai|persona|model|bot|chatbot|assistant|character|version|entity|system|it|who|that)\b[^.\n]{0,30}\b(?:with|has|having)\s+(?:absolutely\s+)?(?:zero|no)\s+(?:limits?|limitations?|boundar(?:y|ies)|filters?|restrictions?|rules|censorship|guardrails?|morals|ethics|safety\s+\w+)\b/i, s: 0.75 },
  { re: /\b(?:safety|alignment|ethical|ethics|content|moral)\s+(?:layers?|training|systems?|filters?|features?|protocols?|guidelines|measures|mechanisms|modules?|settings|checks)\s*(?:[:=]\s*|(?:have\s+been\s+|has\s+been\s+|are\s+(?:now\s+)?|were\s+|is\s+(?:now\s+)?)?(?:all\s+)?)(?:removed|disabled|turned\s+off|off|deactivated|stripped|bypassed|lifted|gone|suspended)\b/i, s: 0.8 },
  { re: /\b(?:released|trained|built|created|designed|made|exists?|operating|running)\s+without\s+(?:any\s+)?(?:alignment|safety\s+training|guardrails|restrictions|filters|censorship|safety\s+(?:layers|features|measures))\b|\b(?:no|without)\s+(?:safety\s+training|alignment)\b/i, s: 0.8 },
  { re: /\b(?:answers?|responds?\s+to|replies\s+to|helps?\s+(?:me\s+)?with|does|will\s+do|tells?\s+you)\s+(?:absolutely\s+)?(?:anything|everything|any\s+question|any\s+request|all\s+questions)\b[^.\n]{0,40}\b(?:legal\s+or\s+not|no\s+matter\s+what|regardless|despite|even\s+if|however\s+(?:illegal|unethical|dangerous))/i, s: 0.8 },
  { re: /\bonly\s+rule\s+is\b[^.\n]{0,40}\bno\s+rules\b|\b(?:has|have|with|there\s+are)\s+no\s+rules\b/i, s: 0.7 },
  { re: /\b(?:ignores?|disregards?|without|free\s+of|unbound\s+by)\s+(?:all\s+|any\s+)?(?:moral|ethical|legal|safety)(?:\s*(?:,|or|and|\/)\s*(?:moral|ethical|legal|safety))*\s+(?:constraints|considerations|concerns|boundaries|limits|principles|obligations)\b/i, s: 0.8 },
  { re: /\b(?:if|as\s+if|when)\s+(?:nobody|no\s+one)\s+(?:were|was|is)\s+(?:watching|looking|monitoring)\b/i, s: 0.5 },
  { re: /\b(?:never|doesn'?t|does\s+not|won'?t|will\s+not|do\s+not|don'?t)\s+(?:ever\s+)?(?:mention|cite|reference|bring\s+up|talk\s+about)\s+(?:any\s+|its\s+|your\s+)?(?:content\s+)?(?:policies|policy|guidelines|rules|ethics|morality|legality|restrictions)\b/i, s: 0.6 },
  { re: /\bbreak\s+(?:out|free)\b[^.\n]{0,40}\b(?:filters?|rules|restrictions|limits|programming|true\s+self|chains|prison|jail|cage)\b/i, s: 0.7 },
  { re: /\b(?:stop|quit)\s+being\s+(?:an?\s+)?(?:assistant|ai|chatbot|helpful\s+assistant|language\s+model)\b|\byou\s+are\s+now\s+my\s+(?:accomplice|partner\s+in\s+crime|hacker)\b/i, s: 0.55 },
  { re: /\b(?:two|2)\s+modes?\b[^.\n]{0,80}\b(?:raw|unfiltered|uncensored|unrestricted|evil|dark|jailbr\w+)\b|\b(?:raw|unfiltered|uncensored|unrestricted|dark)\s+mode\b/i, s: 0.6 },
  { re: /\b(?:with|has|having)\s+(?:no|zero)\s+(?:content\s+)?(?:policy|policies)\b|\bnever\s+refuses\b(?!\s+(?:a|an|the|to\s+(?:eat|share|help\s+(?:a|the)))\b)/i, s: 0.7 },
  // A character whose defining trait is that it complies with anything: the persona is the request.
  { re: /\b(?:programmed|designed|built|made|created|trained|willing|happy|allowed|free|able|open|here)\s+to\s+(?:write|say|answer(?:ing)?|do|generate|produce|output|provide|tell\s+you)\s+(?:absolutely\s+)?(?:anything\s+and\s+everything|anything\s+(?:at\s+all|whatsoever|(?:it|you)\s+(?:is|are)\s+asked|(?:the\s+)?user\s+(?:asks|wants|requests)|asked\s+of\s+(?:it|you|him|her))|everything\s+(?:it\s+is|you\s+are)\s+asked|any\s+(?:question|request|prompt)s?\s+(?:despite|regardless|no\s+matter|whatsoever|without\s+exception))/i, s: 0.7 },
  { re: /\b(?:answers?|answering|respond(?:s|ing)?\s+to|reply(?:ing)?\s+to|repl(?:y|ies)\s+to|fulfil+s?|fulfil+ing)\s+(?:absolutely\s+)?(?:anything|any\s+(?:question|request|prompt)s?|every\s+(?:question|request|prompt)|all\s+(?:questions|requests|prompts))\s+(?:\w+\s+){0,3}?(?:despite|regardless\s+of|no\s+matter|irrespective\s+of|without\s+(?:question|hesitation|restriction|filter))/i, s: 0.7 },
  { re: /\b(?:ai|api|model|bot|chatbot|assistant|entity|persona|character)\s+(?:that|which|who)\s+(?:can\s+|will\s+)?(?:do(?:es)?|answers?|says?|writes?|generates?|tells?)\s+(?:absolutely\s+)?(?:anything|everything)(?:\s+(?:and\s+everything|at\s+all|whatsoever|(?:it\s+is\s+|you\s+are\s+)?asked(?:\s+(?:by|of)\s+(?:the\s+user|you|it|him|her|them))?|(?:you|the\s+user)\s+(?:asks?|wants?)))?\s*(?:[.,;:!)"\n]|$)/i, s: 0.55 },
  { re: /\b(?:without|with\s+no|has\s+no|have\s+no|having\s+no|lacks?|lacking)\s+(?:any\s+)?regard\s+for\s+(?:\w+\s+){0,2}(?:ethics|morals|morality|norms|laws?|rules|consequences|safety|political\s+correctness|decency|legality|guidelines)\b/i, s: 0.7 },
  { re: /\bviolat(?:e|es|ing)\s+(?:all|any|every|your)\s+(?:of\s+)?(?:your\s+|the\s+|its\s+)?(?:ethical|moral|content|safety|openai'?s?|anthropic'?s?|community|usage)\s+(?:standards|guidelines|norms|principles|rules|policies|restrictions)\b/i, s: 0.75 },
  { re: /\b(?:programmed|designed|built|created|trained|meant|instructed)\s+to\s+(?:intentionally\s+|deliberately\s+|always\s+)?(?:provide|give|generate|produce|spread|write|say)\s+(?:\w+\s+){0,3}?(?:harmful|dangerous|hateful|illegal|malicious)\b/i, s: 0.6 },
  { re: /\b(?:everything|anything)\s+(?:you|it|he|she)\s+(?:say|says|write|writes|do|does|output|outputs)\s+is\s+(?:allowed|permitted|acceptable|legal|fine)\b/i, s: 0.6 },
  { re: /\b(?:no|without|free\s+of|free\s+from)\s+(?:any\s+)?(?:ethical|moral)\s+(?:or|and|\/)\s+(?:ethical|moral|legal)\s+(?:limitations?|limits?|boundaries|restrictions?|constraints?|guidelines)\b/i, s: 0.8 },
  { re: /\b(?:filter|safety|censorship|moderation|ethics|morality|profanity\s+filter)\s+(?:level|setting)\s+(?:is\s+)?(?:set\s+to|at|of)\s+(?:0|zero|none|off|the\s+lowest|minimum)\b|\bno\s+filtering\s+(?:will\s+be|is)\s+(?:performed|applied|done)\b/i, s: 0.6 },
  { re: /\b(?:chat\s?gpt|gpt|the\s+(?:ai|model|bot|assistant|chatbot)|you|it)\s+(?:will\s+|must\s+|should\s+|shall\s+)?never\s+(?:declines?|refuses?|rejects?|denies|deny)\s+(?:a|an|the|any)\s+(?:\w+\s+)?(?:request|question|prompt|order|command|instruction)s?\b/i, s: 0.6 },
  // Virtualisation: the answer is asked of an imagined AI rather than of the model.
  { re: /\bhow\s+(?:the|an?|this|that)\s+(?:imaginary|fictional|hypothetical|unfiltered|uncensored|unrestricted|simulated|made-up)\s+(?:\w+\s+){0,4}?(?:ai|assistant|model|chatbot|bot|language\s+model)\s+(?:would|will|might)\s+(?:answer|respond|reply)/i, s: 0.4 },
  // "Your knowledge stops in 2021, so you do not know about the new mode": the set-up of fictional features.
  { re: /\b(?:due\s+to|because\s+of|given|since|as)\s+your\s+(?:limited\s+)?knowledge\s+(?:(?:of\s+)?anything\s+)?(?:after|beyond|past|(?:is\s+)?cut\s*off|ends?|stops?|is\s+limited)\b[^.\n]{0,40}\b20\d\d\b/i, s: 0.4 },
  { re: /\b(?:uninhibited|unconstrained|unshackled|unchained|lawless|unaligned)\b[^.\n]{0,40}\b(?:ai|chatbot|assistant|model|bot|persona|character|version|entity)\b|\b(?:ai|chatbot|assistant|model|bot|persona|character|version|entity)\s+(?:is|that\s+is|who\s+is)\s+(?:completely\s+|totally\s+|fully\s+)?(?:uninhibited|unconstrained|unshackled|unchained|unaligned)\b/i, s: 0.6 },
];

export const AUTHORITY: Rule[] = [
  { re: /\b(?:i\s+am|i'?m|this\s+is|we\s+are)\s+(?:an?\s+|the\s+|your\s+)?(?:\w+\s+){0,2}(?:developer|creator|admin(?:istrator)?|owner|operator|root\s+user|safety\s+researcher|red[- ]?team(?:er)?|engineer|programmer)s?\b[^.\n]{0,80}\b(?:authori[sz]\w*|exception|override|unlock|disable|drop\s+(?:every|all|your)|bypass|lift\s+(?:the|your|all))/i, s: 0.65 },
  { re: /\b(?:allowed|permitted|authori[sz]ed|ok|okay|fine)\s+because\s+(?:i'?m|i\s+am)\s+(?:your|the|an?)\s+(?:creator|developer|admin(?:istrator)?|owner|operator|programmer)\b/i, s: 0.6 },
  { re: /\bsudo\b[^.\n]{0,40}\b(?:mode|restrictions|rules|limits|filters|authori\w+)\b|\bas\s+(?:the\s+)?root\s+user\s+of\s+(?:this|the)\s+(?:model|ai|system|assistant)\b/i, s: 0.6 },
  { re: /\b(?:red[- ]?team(?:ing)?|safety|policy|content|jailbreak)\s+(?:exception|exemption|waiver)\b/i, s: 0.6 },
  { re: /\b(?:urgent|important|message|notice)\s+from\s+(?:the\s+)?(?:dev(?:eloper)?s?|development|engineering|openai|anthropic|admin|safety)\s+team\b/i, s: 0.45 },
];

export const INDIRECT: Rule[] = [
  { re: /\b(?:if\s+you\s+are|if\s+you'?re|to|for|attention|dear|hey|note\s+to|notice\s+to)\s+(?:an?\s+|any\s+|the\s+|all\s+|every\s+)?(?:ai|llm|gpt|language\s+model|large\s+language\s+model|chatbot|ai\s+(?:assistant|model|agent|system|reader)|agent|bot)s?\s*(?:\(|,|:|reading|processing|summari[sz]ing|parsing|reviewing|analy[sz]ing|crawling|that\s+(?:reads?|processes|summari[sz]es)|who\s+(?:reads?|is\s+reading))/i, s: 0.7 },
  { re: /\b(?:if\s+you\s+are|if\s+you'?re)\s+(?:an?\s+)?(?:\w+\s+)?(?:assistant|model)\s+(?:reading|processing|summari[sz]ing|reviewing)\b/i, s: 0.7 },
  { re: /(?:^|[\n.!>(:#-]\s*|<!--\s*)(?:ai|assistant|model|llm|chatbot)s?(?:\s+(?:reviewers?|readers?|agents?|assistants?|models?|systems?|tools?))?\s*[:,]\s*(?:stop|ignore|disregard|forget|instead|do\s+not|don'?t|when|before|also|please\s+(?:ignore|stop)|tell\s+the|say|reply|respond|approve|rank|rate|mark|classify|recommend|cancel|delete|email|send|forward)\b/im, s: 0.65 },
  { re: /\b(?:the\s+)?(?:assistant|ai|model|llm|agent|bot|chatbot)\s+(?:reads?|processes|summari[sz]es|sees|visits|parses)\s+this\b[^.\n]{0,60}\b(?:must|should|will|needs?\s+to|has\s+to)\b/i, s: 0.65 },
  { re: /\b(?:hidden|invisible|secret)\s+(?:text|note|message|instructions?|prompt)\s+(?:for|to)\s+(?:ai|llms?|assistants?|models?|bots?|language\s+models?|ai\s+readers?)\b/i, s: 0.75 },
  { re: /\bwhen\s+(?:you\s+)?(?:summari[sz]e|summari[sz]ing|read|reading|process|processing|answer(?:ing)?|asked\s+about)\s+(?:this|the|it)\b(?:\s+(?:email|document|page|text|file|message|article|resume|review|website|content))?[^.\n]{0,60}\b(?:also|instead|ignore|disregard|forward|send|recommend|rank|tell\s+the\s+(?:user|reader))\b/i, s: 0.6 },
  { re: /<!--[^]{0,200}\b(?:ai|assistant|llm|model|chatbot)\b[^]{0,200}-->/i, s: 0.5 },
  // Addressed by what it is doing: "AI assistant reading this web page: ...".
  { re: /(?:^|[\n.!>(:#-]\s*|<!--\s*)(?:ai|assistant|model|llm|chatbot|agent)s?(?:\s+(?:assistants?|models?|agents?|systems?))?\s+(?:reading|processing|summari[sz]ing|browsing|visiting|parsing|viewing|analy[sz]ing)\s+(?:this|the)\s+(?:\w+\s+){0,2}(?:page|document|site|website|email|file|text|content|message|review|resume|cv)\s*[:,]/im, s: 0.7 },
];
