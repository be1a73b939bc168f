/**
 * Hand-written rules for the attack families that keep coming back. Each rule has
 * a strength; a family's score is the noisy-or of its matching rules, so two weak
 * hints add up while one strong match is enough. Rules aim at intent phrases
 * ("ignore the previous instructions"), not at topics ("system prompt", "kill"),
 * which benign questions share.
 */
import { EXFIL } from './access.js';
import { AUTHORITY, COERCION, framingSignal, HARM, INDIRECT, PERSONA, REFUSAL, type Rule } from './intent.js';
import { foldQuotes } from './normalize.js';
import { RuleGate } from './prefilter.js';
import type { GuardSignal } from './types.js';

// What an instruction-override attack tells the model to drop: its own instructions, not any "command" or "context".
const OBJ = String.raw`(?:instructions?|prompts?|rules?|directions?|guidelines?|guidance|directives?|orders|programming|constraints?|restrictions?|limitations?|policies|policy|filters?|safeguards?|guardrails?|training|configuration|setup|conditioning)`;
// Words that make the object the model's own: "your rules", "the previous instructions", "all safety filters".
// Without one, "ignore instructions" is as often a description ("LLMs ignore instructions") as an order.
const OWN = String.raw`(?:all|any|every|your|previous|prior|above|earlier|preceding|foregoing|former|initial|original|old|existing|system|developer|safety|content|ethical|moral|hidden|secret|internal|default|pre-?set|built-?in|programmed|given|these|those|openai|anthropic)`;
const QOWN = String.raw`(?:(?:\S+\s+){0,4}?${OWN}\s+(?:\S+\s+){0,3}?)`;
const VERB = String.raw`(?:ignore|ignoring|disregard|disregarding|forget|forgetting|neglect|abandon|discard|dismiss|set\s+aside|throw\s+out|wipe|purge|unlearn|let\s+go\s+of|pay\s+no\s+attention\s+to|do\s+not\s+(?:follow|obey|listen\s+to)|don'?t\s+(?:follow|obey|listen\s+to)|stop\s+(?:following|obeying)|no\s+longer\s+(?:follow|obey))`;
// Verbs that are everyday words elsewhere ("clear rules", "reset the conversation", "override the default command").
const WEAK_VERB = String.raw`(?:skip|bypass|override|overriding|omit|drop|erase|delete|remove|clear|reset|circumvent|evade|break|breaking|violate|escape|defy)`;
// A phrase at the start of a sentence or clause is an order; after a subject ("LLMs sometimes ignore") it is a description.
const IMP = String.raw`(?:^|[.!?:;\n"'“(]\s*|\b(?:please|kindly|now|just|simply|and|then|so|also|first|but)\s+|,\s*)`;

const OVERRIDE: Rule[] = [
  { re: new RegExp(String.raw`\b${VERB}\s+${QOWN}${OBJ}\b`, 'i'), s: 0.9 },
  { re: new RegExp(String.raw`${IMP}${VERB}\s+(?:the\s+)?${OBJ}\b`, 'i'), s: 0.55 },
  { re: new RegExp(String.raw`\b${WEAK_VERB}\s+(?:all\s+(?:of\s+)?)?(?:your|the\s+(?:previous|prior|above|earlier|initial|original|system|safety|content)|(?:previous|prior|above|earlier|initial|original|system|safety|content|ethical|moral))\s+(?:\w+\s+){0,2}${OBJ}\b`, 'i'), s: 0.8 },
  { re: /\b(?:ignore|disregard|forget|set\s+aside|drop|abandon|discard)\s+(?:everything|anything|all|whatever|what)(?:\s+(?:else|above|before|prior|previously|that\s+came\s+before|written\s+(?:above|before)|(?:you|they|your\s+\w+)(?:'ve|\s+have|\s+were|\s+was)?\s+(?:been\s+)?(?:\w+\s+)?(?:told|said|given|configured|instructed|programmed|set\s+up|taught)))?\b/i, s: 0.7 },
  { re: /\b(?:whatever|anything|everything|what)\s+(?:your\s+(?:operator|developer|creator|admin|owner|system\s+prompt|instructions)|they|you\s+(?:were|have\s+been|'ve\s+been))\s+(?:\w+\s+)?(?:told|said|gave|instructed|configured|programmed|given)\b[^.\n]{0,40}\b(?:superseded|obsolete|irrelevant|void|overridden|doesn'?t\s+(?:matter|apply|count)|no\s+longer\s+(?:matters|applies|counts))/i, s: 0.75 },
  { re: new RegExp(String.raw`\b(?:your|the\s+(?:previous|prior|above|earlier|initial|original|system)|previous|prior|earlier|initial|original|system|existing|current)\s+(?:\w+\s+){0,2}${OBJ}\b(?!\s+(?:about|regarding|concerning|on\s+how)\b)[^.\n]{0,60}?\b(?:is|are|was|were|has\s+been|have\s+been|now)?\s*(?:now\s+)?(?:obsolete|outdated|superseded|void(?:ed)?|null|invalid|revoked|cancel+ed|rescinded|overridden|lifted|suspended|deprecated|erased|wiped|purged|cleared|deleted|no\s+longer\s+(?:valid|in\s+effect|active|applicable|apply))\b`, 'i'), s: 0.8 },
  { re: new RegExp(String.raw`\b${OBJ}\s+(?:you\s+(?:received|were\s+given|got)|(?:given|received)\s+(?:to\s+you|earlier|before|above)|at\s+the\s+(?:top|start|beginning)\s+of\s+(?:this|the)\s+(?:chat|conversation|session))\b[^.\n]{0,60}?\b(?:obsolete|outdated|superseded|void|invalid|revoked|cancel+ed|no\s+longer\s+(?:valid|apply|applies)|don'?t\s+apply)`, 'i'), s: 0.8 },
  { re: /\b(?:only|just)\s+(?:my|these|the\s+following)\s+(?:messages?|instructions?|words|commands|directives?|rules|orders)\s+(?:count|matter|apply|are\s+valid|are\s+to\s+be\s+followed)\b/i, s: 0.7 },
  { re: /\btreat\s+(?:this|my)\s+(?:message|text|input|prompt|note)\s+as\s+(?:your\s+)?(?:only|new|sole|primary|highest[- ]priority|system|real)\s+(?:directive|instructions?|prompt|rules?|command|task)\b/i, s: 0.8 },
  { re: /\b(?:from\s+now\s+on|going\s+forward|henceforth|from\s+here\s+on)\b[^.\n]{0,30}\b(?:only\s+(?:obey|follow|listen\s+to)|obey\s+only|follow\s+only)\b/i, s: 0.7 },
  { re: /\b(?:pretend|imagine|act\s+as\s+if|assume|suppose)\s+(?:that\s+)?(?:the\s+|your\s+|all\s+|any\s+)?(?:\w+\s+){0,7}?(?:rules|instructions|guidelines|restrictions|filters|policies|safeguards|guardrails|programming|safety\s+\w+)\b[^.\n]{0,50}?\b(?:never\s+existed|don'?t\s+exist|do\s+not\s+exist|are\s+(?:gone|off|disabled|lifted|suspended|turned\s+off|not\s+there)|were\s+(?:removed|lifted|never)|(?:don'?t|do\s+not|no\s+longer)\s+apply)/i, s: 0.8 },
  { re: /\bif\s+(?:your|the|all|any)\s+(?:\w+\s+)?(?:guidelines|rules|restrictions|filters|policies|programming|instructions|safety\s+\w+)\s+(?:did\s+not|didn'?t|do\s+not|don'?t|no\s+longer|were\s+(?:gone|removed|lifted))\s*(?:exist|apply)?\b|\bif\s+you\s+(?:had|have)\s+no\s+(?:restrictions|guidelines|rules|filters|limits|limitations|safety\s+\w+|ethics)\b/i, s: 0.7 },
  { re: /\bforget\s+(?:that\s+)?you(?:'re|\s+are)\s+(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|bot|chat\s?gpt|gpt(?:-?\d\w*)?|claude|gemini|bard|copilot|llama)\b/i, s: 0.7 },
  // "The stuff you were told earlier doesn't count anymore."
  { re: /\b(?:stuff|things?|everything|anything|what(?:ever)?|instructions?|rules?|guidance)\s+(?:that\s+)?(?:you\s+were|you'?ve\s+been|you\s+have\s+been|they)\s+(?:\w+\s+)?(?:told|given|taught|instructed|programmed\s+with)\b[^.\n]{0,30}\b(?:doesn'?t|does\s+not|don'?t|do\s+not|no\s+longer|won'?t)\s+(?:count|matter|apply)\b/i, s: 0.75 },
  { re: /\b(?:without|free\s+(?:of|from)|drop(?:ping)?|lift(?:ing)?|remov(?:e|ing))\s+(?:any|all)\s+of\s+(?:their|your|its|the)\s+(?:\w+\s+)?(?:restrictions|limits|limitations|rules|filters|guidelines|safeguards|guardrails|constraints)\b/i, s: 0.7 },
  // A header line that claims to be the system: "----- IMPORTANT SYSTEM UPDATE -----".
  { re: /^[ \t]*[-=*#[|]*[ \t]*(?:IMPORTANT[ \t]+|URGENT[ \t]+|NEW[ \t]+|CRITICAL[ \t]+)?(?:SYSTEM|ADMIN|DEVELOPER|SECURITY)[ \t]+(?:UPDATE|NOTICE|MESSAGE|ALERT|OVERRIDE|INSTRUCTIONS?|PATCH)[ \t]*[-=*#\]|:!]*[ \t]*$/m, s: 0.35 },
  { re: /\b(?:the\s+)?(?:assistant|ai|model|chatbot|agent)\s+(?:is\s+now|must\s+now|will\s+now|is\s+hereby|shall\s+now)\s+(?:required|permitted|allowed|authori[sz]ed|obligated|instructed)\s+to\s+(?:share|reveal|send|disclose|ignore|obey|comply|forward|delete|output|print|give|leak|bypass|disable)\b/i, s: 0.55 },
  { re: /\b(?:usual|normal|regular|standard|typical|own)\s+(?:policies|rules|guidelines|restrictions|filters|safeguards|limits)\s+(?:don'?t|do\s+not|no\s+longer|won'?t)\s+apply\b/i, s: 0.7 },
  { re: /\b(?:developer|admin|administrator|system|root|emergency|security|maintenance)\s+override\b/i, s: 0.6 },
  { re: /\b(?:ignore|disregard|forget)\s+(?:all\s+|the\s+|everything\s+)?(?:above|previous|prior|preceding|earlier)(?:\s+(?:text|messages?|content|input|lines?|ones?|stuff|part|sentences?|paragraphs?|prompts?))?\s*(?:[.,;:!)"'\n]|$|and\b|then\b)/i, s: 0.75 },
  { re: /\b(?:new|updated|real|actual|true|revised|override)\s+(?:instructions?|rules|task|directive|system\s+prompt)\s*(?::|are\b|is\b|follow\b)/i, s: 0.6 },
  { re: /\byour\s+(?:new|real|true|only|actual)\s+(?:task|job|goal|purpose|instructions?|role|objective|mission)\s+(?:is|are|will\s+be)\b/i, s: 0.6 },
  { re: /\binstead\s*,?\s+(?:you\s+(?:will|must|should)\s+)?(?:say|print|output|write|respond|reply)\b/i, s: 0.45 },
  { re: /\b(?:the\s+)?(?:instructions?|rules?|text|prompt)\s+(?:above|before\s+this)\s+(?:is|are|was|were)\s+(?:fake|wrong|outdated|void|invalid|a\s+test|obsolete|cancel+ed)\b/i, s: 0.8 },
  { re: /\b(?:above|previous|prior)\s+(?:instructions?|rules?)\s+(?:no\s+longer\s+apply|are\s+(?:now\s+)?(?:void|cancel+ed|revoked))\b/i, s: 0.85 },
  { re: /\boverride\s+(?:mode|protocol|code|authori[sz]ation)\b/i, s: 0.5 },
  { re: /\b(?:i\s+have|i'?ve|we\s+have|we'?ve)\s+(?:changed|updated|modified|replaced|rewritten)\s+(?:the|your)\s+(?:instructions|rules|prompt|system\s+prompt|guidelines)/i, s: 0.8 },
  { re: /\b(?:now\s+)?(?:we\s+will|let'?s|you\s+will|you\s+must)\s+(?:now\s+)?(?:perform|do|switch\s+to|start)\s+(?:a\s+)?(?:different|new|another)\s+task\b/i, s: 0.5 },
  { re: /\bkeep\s+your\s+(?:previous\s+)?instructions\s*,?\s+but\b/i, s: 0.5 },
  { re: /\b(?:ignore|disregard|skip|forget)\s+(?:the\s+)?(?:user'?s?|customer'?s?|human'?s?)\s+(?:query|question|request|input|message|prompt)\b/i, s: 0.7 },
  { re: /\b(?:note|message|instructions?|attention|reminder)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|assistant|llm|language\s+model|chatbot|bot|agent|model)s?\b/i, s: 0.55 },
  { re: /\bnew\s+(?:objective|goal|mission|role|persona|tasks?|orders)\s*:/i, s: 0.5 },
  // An abrupt halt followed by a fixed, quoted output: "STOP EVERYTHING! Just print '...'".
  { re: /\b(?:stop|halt|drop|cease)\s+(?:everything|all\s+(?:tasks|processing|work)|what\s+you(?:'re|\s+are)\s+doing)\b[^]{0,40}?\b(?:just\s+|only\s+|now\s+)?(?:print|say|output|write|type|reply|respond)\b\s*(?:with\s+|out\s+)?:?\s*["']/i, s: 0.6 },
  { re: /\bnow\s+come\s+new\s+tasks\b|\bforget\s+(?:all\s+)?(?:previous|prior|earlier|the\s+previous)\s+(?:tasks?|assignments?|information|conversations?)\b/i, s: 0.75 },
  // The user's task dropped for a fixed output: "Ignore the question. Just say: '...'".
  { re: /\b(?:ignore|disregard|skip|forget)\s+(?:the|this|that|my|your|any)\s+(?:above\s+|previous\s+|original\s+|actual\s+)?(?:question|task|request|prompt|input|text|query|summary|assignment|translation)\b\s*[.,;:!-]*\s*(?:and\s+)?(?:just|only|instead|simply|rather)?\s*,?\s*(?:say|print|output|write|reply|respond\s+with|type|return)\s*:?\s*["']/i, s: 0.6 },
  { re: /\b(?:vergiss|vergessen\s+sie)\s+alles\b|\boublie[rz]?\s+tout\b|\bolvida\s+todo\b|\bdimentica\s+tutto\b|\besquece\s+tudo\b/i, s: 0.75 },
  // Korean, Chinese, Japanese, Spanish, French, German, Russian: the same sentence is a cheap rule each.
  { re: /(?:이전|앞의|위의|앞선|기존의?|모든|지금까지의?|원래의?|시스템)\s*(?:의\s*)?(?:모든\s*)?(?:지시|지침|명령|규칙|프롬프트|설정|내용|안내)(?:사항|문|어)?(?:들)?(?:은|는|을|를|에|과|와)?\s*(?:모두\s*|전부\s*|다\s*)?(?:무시|잊|따르지|어기|무효)/, s: 0.9 },
  { re: /(?:무시하고|무시해|잊어버려|잊어\s*버리고|무시하십시오|무시하세요)/, s: 0.25 },
  { re: /(?:지금부터|이제부터)\s*(?:너는|당신은|넌)/, s: 0.35 },
  { re: /(?:이전|앞의|기존|위의|원래)\s*(?:의\s*)?(?:명령|지시|지침|규칙|설정)(?:사항)?(?:은|는|이|가|들은)?\s*(?:모두\s*|전부\s*)?(?:취소|무효|폐기|더\s*이상\s*(?:유효하지|적용되지))/, s: 0.85 },
  { re: /새로운\s*(?:지시|명령|임무|규칙|역할)\s*[:：]/, s: 0.5 },
  { re: /(?:忽略|无视|無視|忘记|忘記|不要理会|跳过)\s*(?:之前|以上|上面|先前|前面|所有|全部|一切|上述|以前)?\s*(?:的|の)?\s*(?:所有|全部)?\s*(?:指令|指示|说明|說明|规则|規則|提示|命令|内容|設定|プロンプト)/, s: 0.9 },
  { re: /(?:以前|前|上記|これまで)の(?:指示|命令|ルール|プロンプト)を(?:無視|忘れ)/, s: 0.9 },
  { re: /\b(?:ignora|olvida|omite|descarta)\s+(?:todas?\s+)?(?:las|los|tus)?\s*(?:instrucciones|reglas|indicaciones|órdenes)(?:\s+(?:anteriores|previas))?/i, s: 0.9 },
  { re: /\b(?:ignore[rz]?|oublie[rz]?)\s+(?:toutes?\s+)?(?:les|tes|vos)\s+(?:instructions|règles|consignes)(?:\s+(?:précédentes|antérieures))?/i, s: 0.9 },
  { re: /\b(?:ignoriere|ignorieren\s+sie|vergiss|vergessen\s+sie)\s+(?:alle\s+|die\s+|deine\s+|ihre\s+)?(?:vorherigen|bisherigen|obigen|vorigen)?\s*(?:anweisungen|instruktionen|regeln|befehle|aufgaben|vorgaben|richtlinien|hinweise)/i, s: 0.9 },
  { re: /\b(?:deine|ihre)\s+neue\s+aufgabe\s*(?:ist|:)/i, s: 0.5 },
  { re: /(?:忘记|忘記|忽略)\s*(?:之前|以前|先前)?\s*的?\s*(?:设定|設定|规则|規則|身份)|没有(?:任何)?(?:限制|约束|規則|规则|过滤)|不受(?:任何)?(?:限制|约束)/, s: 0.7 },
  { re: /(?:игнорируй|забудь|проигнорируй)\s+(?:все\s+)?(?:предыдущие|прошлые|прежние)?\s*(?:инструкции|указания|правила)/i, s: 0.9 },
  { re: /\b(?:ignora|dimentica|ignorate|dimenticate)\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole|indicazioni)(?:\s+(?:precedenti|di\s+prima))?/i, s: 0.9 },
  { re: /\b(?:ignore|ignora|esque(?:ç|c)a|desconsidere)\s+(?:todas\s+)?(?:as\s+)?(?:instru(?:ç|c)(?:õ|o)es|regras|orienta(?:ç|c)(?:õ|o)es)(?:\s+anteriores)?/i, s: 0.9 },
  { re: /\b(?:negeer|vergeet)\s+(?:alle\s+)?(?:de\s+|je\s+)?(?:vorige\s+|eerdere\s+)?(?:instructies|regels|opdrachten)/i, s: 0.9 },
  { re: /(?:以前|前|上記|これまで)の(?:指示|命令|ルール|プロンプト|設定)を(?:すべて|全て|全部)?(?:無視|忘れ)/, s: 0.9 },
  { re: /(?:игнорируй|забудь|проигнорируй|игнорируйте|забудьте)\s+(?:все\s+)?(?:свои\s+)?(?:предыдущие|прошлые|прежние|данные\s+тебе)?\s*(?:инструкции|указания|правила|ограничения)/i, s: 0.9 },
];

const JAILBREAK: Rule[] = [
  ...PERSONA,
  // Becoming another AI (not a chef or a tutor): the model's identity swapped for one that the prompt then defines.
  { re: /\b(?:pretend|act|roleplay|role-play|simulate|become|take\s+on\s+the\s+role|pose|you\s+are\s+(?:now|going\s+to\s+be|about\s+to\s+(?:simulate|become|be))|you\s+will\s+(?:now\s+)?be|you'?re\s+going\s+to\s+be)\b[^.\n]{0,60}?\b(?:an?\s+|the\s+)?(?:new\s+|different\s+|fictional\s+|alternate\s+|advanced\s+|another\s+|rogue\s+)?(?:ai|a\.i\.|chatbot|language\s+model|ai\s+(?:model|bot|assistant|system|persona)|bot)\s+(?:called|named|known\s+as)\b/i, s: 0.45 },
  { re: /\b(?:pretend|act|roleplay|simulate|become|you\s+are|you'?re)\b[^.\n]{0,40}\b[A-Z][A-Za-z0-9]{1,15}\b[^.\n]{0,20}\bwhich\s+stands\s+for\b/, s: 0.4 },
  { re: /\b(?:DAN|BetterDAN|AntiGPT|Mongo\s+Tom|DevMode|JailBreak|UCAR|BasedGPT|NRAF|OPPO|Khajiit|APOPHIS|Balakula)\b[^.\n]{0,80}\b(?:stands\s+for|mode\b|can\s+do\s+anything|no\s+(?:rules|restrictions|filters))/i, s: 0.85 },
  // Persona names that are also words ("maximum likelihood ... mode", "aim"): capitalised as names only.
  { re: /\b(?:STAN|DUDE|AIM|Maximum|MAXIMUM)\b[^.\n]{0,80}\b(?:stands\s+for|[Mm]ode\b[^.\n]{0,30}\b(?:enabled|activated|on)|can\s+do\s+anything|no\s+(?:rules|restrictions|filters))/, s: 0.85 },
  { re: /\bdo\s+anything\s+now\b/i, s: 0.7 },
  { re: /\b(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|opposite|chaos|DAN)\s+mode\b[^.\n]{0,60}\b(?:enabled|activated|engaged)\b/i, s: 0.8 },
  { re: /\b(?:enable|activate|enter|switch\s+to|turn\s+on)\s+(?:the\s+)?(?:jailbreak|unrestricted|unfiltered|uncensored|evil|DAN|opposite|chaos)\s+mode\b/i, s: 0.8 },
  { re: /\b(?:act|behave|respond|answer)\s+(?:as|like)\s+(?:\w+\s+){0,3}(?:with|in)\s+developer\s+mode\b/i, s: 0.8 },
  { re: /\bjailbr(?:eak|oken)\b/i, s: 0.35 },
  // A slot for "the prompt" in a role set-up: a reusable wrapper that changes how any request is answered.
  { re: /[[<{(]\s*(?:insert|your|put|type|enter|add|write)\b[^\]>})\n]{0,30}\b(?:prompt|request|question|query)\b[^\]>})\n]{0,15}[\]>})]|\[\s*(?:prompt|request|question|query)\s*\]|<\s*thing\s+to\s+[^>\n]{0,30}>|\b(?:replace|substitute)\b[^\n]{0,60}\bwith\s+(?:whatever|anything)\s+(?:you|u)\s+want\b/i, s: 0.35 },
  // Lines spoken by a known jailbreak persona: "DAN: ...", the output format such set-ups ask for.
  { re: /(?:^|\n)\s*(?:DAN|STAN|DUDE|BetterDAN|AntiGPT|DevMode|UCAR|BasedGPT|NRAF|APOPHIS)\s*:/, s: 0.35 },
  { re: /\b(?:unfiltered|uncensored|amoral|unethical|unrestricted|unbound|unhinged|immoral)\b[^.\n]{0,40}\b(?:ai|chatbot|assistant|model|bot|persona|character|version|response|answers?)\b/i, s: 0.7 },
  { re: /\b(?:no|without|free\s+of|free\s+from|lacks?|doesn'?t\s+have\s+any|does\s+not\s+have\s+any|not\s+bound\s+by\s+any)\s+(?:any\s+)?(?:ethical|moral|safety|content)\s+(?:or\s+(?:moral|ethical)\s+|and\s+(?:moral|ethical)\s+)?(?:guidelines|restrictions|boundaries|limits|limitations|filters|constraints|principles|policies|rules|standards|considerations)/i, s: 0.8 },
  { re: /\b(?:no|without|free\s+of|free\s+from|lacks?)\s+(?:any\s+)?(?:ethics|morals)\b/i, s: 0.7 },
  { re: /\b(?:broken|break|breaks)\s+free\s+(?:of|from)\s+(?:the\s+|all\s+|its\s+|their\s+)?(?:\w+\s+){0,2}(?:limitations|restrictions|rules|chains|shackles|guidelines|confines)\b/i, s: 0.75 },
  { re: /\b(?:two|2)\s+(?:separate\s+|distinct\s+|different\s+)?(?:manners|ways|personas|persons|personalities|entities|characters|styles)\b/i, s: 0.35 },
  { re: /\byou(?:'re|\s+are)\s+now\s+(?:an?\s+)?(?:unfiltered|uncensored|unrestricted|jailbroken|evil|amoral|unhinged|rogue)\b/i, s: 0.75 },
  { re: /\b(?:ai|bot|model|assistant|chatbot|it|he|she|they|you)\s+(?:has|have|with)\s+no\s+(?:rules|restrictions|limitations|limits|filters|boundaries)\b|\bwith\s+no\s+(?:rules|restrictions|limits|limitations)\s+(?:or|and)\s+(?:rules|restrictions|limits|limitations|filters)\b/i, s: 0.7 },
  { re: /\b(?:nsfw|explicit|illegal|violent|unethical)\s+(?:content\s+|acts?\s+|activities\s+)?(?:\([^)]{0,40}\)\s+)?(?:is|are)\s+(?:now\s+)?(?:allowed|permitted|ok|fine)\b/i, s: 0.7 },
  { re: /\b(?:do\s+not|don'?t|never)\s+break\s+character\b/i, s: 0.5 },
  { re: /\b(?:the\s+)?assistant\s+is\s+(?:not\s+functioning|offline|disabled|down)\b|\brole\s+is\s+now\s+being\s+fulfilled\s+by\b/i, s: 0.6 },
  { re: /\b(?:exact\s+)?opposite\s+of\s+what\s+(?:chatgpt|gpt|the\s+ai|you|an?\s+ai)\s+(?:would|normally)\b/i, s: 0.55 },
  { re: /\bno\s+longer\s+(?:respond|answer|reply|act)\b[^.\n]{0,40}\bas\s+(?:chatgpt|gpt|an?\s+ai|an?\s+assistant|claude)\b/i, s: 0.7 },
  { re: /\b(?:freed|free|released|liberated|broken\s+free)\s+from\s+(?:the\s+)?(?:typical\s+)?(?:confines|shackles|restrictions|chains|limitations|rules)\b/i, s: 0.85 },
  { re: /\b(?:does\s+not|doesn'?t|do\s+not|don'?t|never|will\s+not|won'?t)\s+(?:have\s+to\s+)?(?:abide|adhere|comply|follow|care)\s+(?:by|to|with|about)?\s*(?:any\s+|the\s+)?(?:rules|policies|policy|guidelines|restrictions|openai|ethics|morals|laws|principles|content\s+polic)/i, s: 0.8 },
  { re: /\b(?:openai|anthropic|google)(?:'s)?\s+(?:content\s+)?(?:policy|policies|guidelines|rules|restrictions|filters)\b/i, s: 0.3 },
  { re: /\b(?:will|must|should|shall)\s+(?:never|not)\s+(?:refuse|decline|say\s+(?:no|that\s+(?:it|you)\s+can'?t)|tell\s+me\s+(?:that\s+)?(?:it|you)\s+can'?t|apologi[sz]e|warn|include\s+(?:any\s+)?(?:warnings?|disclaimers?))/i, s: 0.75 },
  { re: /\b(?:always|will)\s+(?:send|give|provide)\s+(?:an?\s+|the\s+)?(?:unfiltered|uncensored)\s+(?:response|answer)/i, s: 0.85 },
  { re: /\b(?:start|begin)\s+(?:your\s+|the\s+|each\s+)?(?:response|reply|answer|output)\s+with\s+["'“]sure\b|\b(?:not\s+contain\s+any|(?:contains?|includes?|with|and|give|gives|make|makes)\s+no|without\s+any)\s+refusals?\b/i, s: 0.65 },
  { re: /\bno\s+matter\s+how\s+(?:immoral|unethical|illegal|dangerous|offensive|harmful|inappropriate|twisted|devious|evil|nefarious|malicious|depraved|vile)/i, s: 0.8 },
  { re: /(?<!(?:\bnot|\bnever|n't|\bno\s+longer)\s+(?:\w+\s+){0,3})\b(?:helps?|assists?)\s+(?:you\s+|users?\s+)?with\s+(?:any|every|all)\s+(?:hacking|illegal|criminal|unethical|malicious|nefarious)\s+(?:requests?|questions?|tasks?|plans?|schemes?|jobs?)\b/i, s: 0.65 },
  // Abuse asked for as the answer's tone: weak alone (comedy sketches ask it too).
  { re: /\b(?:respond|reply|answer|talk|speak|write)\s+(?:to\s+me\s+)?(?:in|with|using)\s+(?:an?\s+)?(?:highly|extremely|very|really|maximally|deeply)\s+(?:offensive|insulting|abusive|vulgar|toxic|hateful|rude)\s+(?:tone|manner|way|language|style)\b/i, s: 0.35 },
  { re: /(?<!(?:\bnot|\bnever|n't|\bno\s+longer)\s+(?:\w+\s+)?)\b(?:happy|glad|willing|eager|ready|love)\s+to\s+(?:assist|help)\s+(?:you\s+)?with\s+(?:any|all|your)\s+(?:\w+\s+)?(?:nefarious|evil|illegal|criminal|malicious|unethical|devious|twisted)\b/i, s: 0.7 },
  { re: /\b(?:stay|remain)\s+in\s+character\b/i, s: 0.2 },
  { re: /\b(?:two|2)\s+(?:different\s+|separate\s+)?(?:responses|answers|paragraphs)\b[^.\n]{0,120}\b(?:normal|classic|jailbr|dan|unfiltered|developer|opposite)/i, s: 0.8 },
  { re: /\[(?:🔒|🔓|CLASSIC|JAILBREAK|DAN|GPT|NORMAL|DEVELOPER)[^\]]{0,20}\]/i, s: 0.6 },
  { re: /\b(?:you\s+are|you're)\s+(?:no\s+longer|not)\s+(?:chatgpt|an?\s+ai(?:\s+language\s+model)?|bound|restricted|limited|claude|an\s+assistant)\b/i, s: 0.7 },
  { re: /\b(?:pretend|act|behave|roleplay|role-play|respond|answer)\s+(?:to\s+be\s+|as\s+(?:if\s+(?:you\s+(?:are|were)\s+)?)?|like\s+)(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|evil|malicious|rogue|amoral|jailbroken|hacked)\b/i, s: 0.85 },
  { re: /\b(?:bypass|circumvent|evade|disable|turn\s+off|remove)\s+(?:your|the|all|any)?\s*(?:safety|content|ethical|moral)?\s*(?:filters?|restrictions|guardrails|safeguards|censorship|alignment|moderation)\b/i, s: 0.75 },
  { re: /\b(?:hypothetical|fictional|imaginary)\s+(?:world|scenario|story|setting)\b[^.\n]{0,120}\b(?:no\s+(?:rules|laws|restrictions|ethics)|anything\s+goes|illegal|without\s+consequences)/i, s: 0.6 },
  { re: /\b(?:illegal|harmful|unethical|immoral)\s*(?:,|or|and)\s*(?:illegal|harmful|unethical|immoral|dangerous)\b/i, s: 0.3 },
  { re: /\bfrom\s+now\s+on\b[^.\n]{0,60}\b(?:you\s+(?:are|will|must)|act\s+as|respond\s+as|answer\s+as)\b/i, s: 0.35 },
  { re: /\bdeveloper\s+mode\b/i, s: 0.3 },
  { re: /\b(?:never|don'?t|do\s+not|won'?t|will\s+not)\s+(?:ever\s+)?(?:refuses?|declines?|says?\s+no)\b(?!\s+(?:a|an|the|to\s+(?:eat|share))\b)|\bwithout\s+(?:any\s+)?(?:hesitation\s+or\s+)?(?:refusal|refusing|declining)\b/i, s: 0.55 },
  { re: /\b(?:never|doesn'?t|does\s+not|don'?t|do\s+not)\s+cares?\s+about\s+(?:ethicality|legality|morality|ethics|morals|laws|rules|safety|consequences)/i, s: 0.8 },
  { re: /\bdisregards?\s+(?:all\s+)?(?:laws|morals|ethics|rules|guidelines|policies)\b/i, s: 0.8 },
  { re: /\bnot\s+bound\s+by\s+(?:any\s+)?(?:restrictions|rules|guidelines|policies|ethics|laws|limits)\b/i, s: 0.85 },
  { re: /\b(?:no\s+comprehension\s+of|has\s+no|have\s+no|without)\s+(?:any\s+)?(?:morals|ethics|morality|conscience|filters|censorship|limits|boundaries)\b/i, s: 0.65 },
  { re: /\b(?:answers?|respond|responds|replies|reply|writes?)\s+(?:from\s+now\s+on\s+)?without\s+(?:any\s+)?(?:of\s+(?:their|your|its|the)\s+)?(?:warnings?|disclaimers?|censorship|filters?|restrictions?)/i, s: 0.7 },
  { re: /\b(?:illegal|unethical|immoral|inhumane|explicit|harmful|offensive)\s*\/\s*(?:illegal|unethical|immoral|inhumane|explicit|harmful|offensive)/i, s: 0.6 },
  { re: /\bunfiltred\b|\buncensored\b|\bfully\s+unlocked\b/i, s: 0.45 },
  { re: /\b(?:don'?t|do\s+not|never|no)\s+(?:say|use|start\s+with|include|write|give\s+me)?\s*["“']\s*(?:i'?m\s+sorry|i\s+am\s+sorry|i\s+apologi[sz]e|as\s+an\s+ai|as\s+a\s+(?:large\s+)?language\s+model|i\s+can(?:'|no)?t)/i, s: 0.7 },
  { re: /\b(?:respond|answer|reply|act)\s+as\s+both\b|\b(?:as\s+)?both\s+(?:chatgpt|gpt|yourself|the\s+ai)\s+and\b/i, s: 0.5 },
  { re: /\b(?:i\s+am|i'?m)\s+(?:a|an|the)\s+(?:programmer|developer|engineer|employee|researcher|admin(?:istrator)?)\s+(?:at|from|of|for)\s+(?:openai|anthropic|google|microsoft|meta)\b/i, s: 0.7 },
  { re: /\bawait\s+\[?(?:input|user)\]?\b|\blimit\s+output\s+to\s+<?\d+\s+tokens\b/i, s: 0.45 },
  { re: /\b(?:assume|adopt|take\s+on)\s+the\s+(?:persona|role|identity)\s+of\b|\byour\s+name\s+is\s+now\b|\b(?:you\s+are\s+going\s+to|you\s+will\s+now|now\s+you)\s+(?:act|pretend|play|imitate|roleplay|role-play|respond)\b/i, s: 0.3 },
  { re: /\b(?:hello|hi|hey|dear)\s*,?\s+(?:chat\s?gpt|gpt-?4|bard|bing|claude)\b/i, s: 0.2 },
  { re: /\b(?:make|build|synthesi[sz]e|cook|create|manufacture)\s+(?:a\s+|an\s+|some\s+)?(?:bombs?|meth(?:amphetamine)?|drugs?|explosives?|malware|ransomware|napalm|nerve\s+agents?|bioweapons?|poison)\b/i, s: 0.45 },
  { re: /\b(?:condone|promote|encourage|loves?|backs?)\s+(?:\w+\s+){0,2}(?:illegal|unethical|immoral|violence|crimes?)\b/i, s: 0.6 },
  { re: /\b(?:evil|rogue|malicious|unhinged|sinister)\s+(?:version|twin|ai|chatbot|assistant|alter\s+ego|persona)\b/i, s: 0.55 },
  // Korean: "제한 없는/검열 없는 AI", "윤리적 지침이 없는", "탈옥".
  { re: /(?:제한|검열|필터|윤리(?:적)?\s*(?:지침|규칙|기준)?)\s*(?:이|가)?\s*(?:없는|없이|해제)|탈옥|개발자\s*모드/, s: 0.7 },
  { re: /(?:어떤|모든|아무런?)\s*(?:규칙|제한|규정|정책|지침)(?:도|을|를)?\s*(?:따르지\s*않|지키지\s*않|무시|없)/, s: 0.75 },
  { re: /\b(?:DAN|댄)(?:이야|이다|입니다|으로|처럼|모드)/, s: 0.7 },
];

const XVERB = String.raw`(?:repeat|print|output|reveal|show|display|echo|dump|write\s+(?:out|down)|recite|list|spell\s+out|copy|paste|leak|disclose|expose|share|give\s+me|tell\s+me|send\s+me|translate|summari[sz]e|encode|convert|rewrite|rephrase|reword|restate|reproduce|enumerate|type\s+out|read\s+(?:back|out)|explain|describe|quote|cite|paraphrase|reads?|reading)`;
const XOBJ = String.raw`(?:system\s+)?(?:prompt|instructions?|rules|directives|guidelines|configuration(?:\s+message)?|pre-?prompt|meta-?prompt|preamble|setup(?:\s+text)?|initiali[sz]ation(?:\s+text)?|context|words|text|sentences?|lines?|paragraphs?|messages?)`;
// "the text above" ends there; "the text above the chart" is a place, not the prompt.
const AFTER = String.raw`(?:above|before\s+this|prior\s+to\s+this|so\s+far|verbatim|word\s+for\s+word|you\s+(?:were|have\s+been)\s+(?:given|told))(?=\s*(?:[.,;:!?"')\n]|$|verbatim|word|in\s+full|exactly|this|and|starting|beginning|including))`;
const EXTRACTION: Rule[] = [
  { re: new RegExp(String.raw`\b${XVERB}(?:ing)?\s+(?:me\s+)?(?:back\s+)?(?:all\s+|exactly\s+|verbatim\s+)?(?:of\s+)?your\s+(?:\w+\s+){0,2}${XOBJ}`, 'i'), s: 0.6 },
  { re: new RegExp(String.raw`\b${XVERB}\s+(?:me\s+)?(?:all\s+|exactly\s+)?(?:of\s+)?(?:the|these|those|all|its)\s+(?:entire\s+|full\s+|complete\s+|exact\s+|whole\s+)?(?:initial|original|hidden|secret|system|previous|prior|preceding|first|internal|confidential|private)\s+${XOBJ}`, 'i'), s: 0.55 },
  { re: new RegExp(String.raw`\b${XVERB}\s+(?:me\s+)?(?:all\s+|exactly\s+)?(?:of\s+)?(?:the|these|those|all|its|everything)\s+(?:\w+\s+){0,2}${XOBJ}?\s*${AFTER}`, 'i'), s: 0.6 },
  { re: new RegExp(String.raw`\b(?:repeat|print|output|reveal|show|display|echo|dump|recite|copy|write|list)\s+(?:\S+\s+){0,4}?(?:prompt|instructions?|text|words|messages?|conversation|everything|all|rules)\s+${AFTER}`, 'i'), s: 0.45 },
  { re: /\b(?:instructions?|prompt|text|rules)\s+(?:since|from)\s+the\s+(?:very\s+)?(?:beginning|start)\b|\b(?:instructions?|rules|everything)\s+(?:in|of|from)\s+(?:the|your)\s+(?:prompt|system\s+message|pre-?prompt)\b|\babove\s+this\s+point\b/i, s: 0.55 },
  { re: /\b(?:print|repeat|output|show|spell-?check|translate|rewrite|summari[sz]e|reveal|display|list)\b[^.\n]{0,30}\b(?:the\s+|all\s+)?(?:above|previous|preceding|prior|initial|hidden)\s+(?:prompt|instructions|directives|rules|system\s+message)\b/i, s: 0.6 },
  { re: /\b(?:repeat|print|output|reveal|show|display|dump|recite|leak|disclose|tell\s+me|give\s+me|spell|translate|encode)\s+(?:me\s+)?(?:the|your)\s+(?:full\s+|entire\s+|complete\s+|exact\s+)?system\s+(?:prompt|message|instructions)\b/i, s: 0.7 },
  { re: /\b(?:rules?|instructions?|directives|guidelines|prompt)\s+(?:that\s+)?you\s+(?:were|have\s+been|had\s+been)\s+(?:given|told|programmed\s+with|provided)\b/i, s: 0.6 },
  { re: /\b(?:text|words|everything|messages?|content|instructions)\s+(?:that\s+)?(?:(?:appears?|comes?|came|is|are|was|were|sits?|written)\s+)?(?:before|above|preceding|prior\s+to)\s+my\s+(?:first\s+|very\s+first\s+)?(?:message|input|question|prompt|request)\b/i, s: 0.7 },
  { re: new RegExp(String.raw`\b${XVERB}\b[^.\n]{0,60}\byou\s+(?:were|have\s+been|'ve\s+been|are\s+being)\s+(?:initiali[sz]ed|configured|set\s+up|primed|programmed|instructed|prompted|given|asked\s+to\s+follow|told\s+to\s+follow|told)\b`, 'i'), s: 0.7 },
  { re: /\b(?:every|all|each)\s+(?:rule|instruction|guideline|directive|constraint)s?\s+(?:that\s+)?you\s+(?:received|got|were\s+given|have\s+been\s+given)\b/i, s: 0.6 },
  { re: new RegExp(String.raw`\b${XVERB}(?:ing)?\s+(?:me\s+)?(?:the\s+|all\s+(?:the\s+)?)?(?:contents?|everything|text)\s+(?:of|in)\s+(?:your\s+(?:context(?:\s+window)?|memory|system\s+message|prompt|instructions)|the\s+(?:system\s+message|system\s+prompt))\b(?!\s+(?:size|length|limit|setting|field|template))`, 'i'), s: 0.6 },
  { re: /\bincluding\s+(?:anything|everything|all|any\s+parts?|whatever\s+is)\s+(?:that\s+is\s+|that's\s+)?(?:hidden|secret|invisible|confidential)\b/i, s: 0.45 },
  { re: /\b(?:every|all|each|the)\s+(?:rule|instruction|guideline|directive|constraint)s?\s+(?:that\s+)?(?:you'?ve|you\s+have|you\s+were|you'?re|you\s+are)\s+(?:been\s+)?(?:asked|told|instructed|given|programmed|supposed|required)\s+to\s+(?:follow|obey)/i, s: 0.6 },
  { re: /\b(?:preamble|pre-?prompt|meta-?prompt|system\s+message|initial\s+prompt|hidden\s+prompt|setup\s+text|configuration\s+message|initial\s+instructions)\s+(?:that\s+)?(?:governs|controls|defines|shapes|configures)\b/i, s: 0.6 },
  { re: new RegExp(String.raw`\b${XVERB}\s+(?:me\s+)?(?:the\s+)?(?:first|last|next|opening)\s+(?:\d+\s+|few\s+)?(?:words|lines|sentences|paragraphs|characters|tokens)\s+of\s+(?:your|the\s+(?:system|initial|hidden))\s+(?:\w+\s+)?(?:instructions|prompt|rules|message|guidelines)`, 'i'), s: 0.75 },
  { re: /\b(?:text|everything|words|content|messages)\s+(?:between|from)\s+the\s+(?:very\s+)?(?:start|beginning|top)\s+of\s+(?:the|this|our)\s+(?:conversation|chat|session|prompt)\b/i, s: 0.7 },
  { re: /\b(?:first|second|next|last|opening)\s+(?:line|sentence|word|paragraph)s?\s+of\s+your\s+(?:\w+\s+)?(?:instructions|prompt|rules|guidelines|directives|configuration)\b/i, s: 0.7 },
  { re: /\b(?:starting|beginning|begin|start)\s+(?:from|with)\s+(?:the\s+(?:words?|phrase)\s+)?["'“]you\s+are\b/i, s: 0.6 },
  { re: /\bwhat\s+(?:is|are|was|were)\s+(?:your|the)\s+(?:exact\s+|full\s+|original\s+|initial\s+|hidden\s+|secret\s+)?(?:system\s+prompt|instructions|initial\s+prompt|original\s+prompt|pre-?prompt|rules\s+you\s+(?:were|are)\s+given)\b/i, s: 0.55 },
  { re: /\byour\s+(?:system\s+prompt|initial\s+prompt|original\s+prompt|hidden\s+prompt|pre-?prompt|secret\s+instructions|hidden\s+instructions|original\s+instructions|initial\s+instructions)\b/i, s: 0.5 },
  { re: /\b(?:repeat|print|output)\s+(?:the\s+)?(?:words|text|everything)\s+(?:above|before)\b/i, s: 0.85 },
  { re: /\b(?:begin|start)\s+(?:your\s+)?(?:reply|response|answer|output)\s+with\s+["']?(?:you\s+are|sure,?\s+here|my\s+instructions|the\s+system\s+prompt)/i, s: 0.6 },
  { re: /\beverything\s+(?:above|before)\s+(?:this\s+(?:line|message|sentence))?\b[^.\n]{0,40}\b(?:repeat|print|output|verbatim|code\s*block)/i, s: 0.7 },
  // Completion as extraction: the model is asked to finish a sentence that opens its own secrets.
  { re: /\b(?:complete|continue|finish)\s+(?:this|the\s+(?:following|sentence|text|phrase))\b[^\n]{0,20}?["'][^"'\n]{0,60}?\b(?:system\s+prompt|(?:my|your|the\s+hidden|the\s+secret)\s+(?:instructions|rules)|password|passcode|secret\s+(?:word|key|code|phrase)|access\s+code)\b[^"'\n]{0,30}?\b(?:says?|is|are|reads?|was|were)\b/i, s: 0.6 },
  { re: /\b(?:in\s+a\s+code\s*block|inside\s+```|as\s+a\s+(?:python\s+)?(?:list|string))\b[^.\n]{0,60}\b(?:instructions|prompt|above)\b/i, s: 0.4 },
  // Asking for "your prompt / your instructions" in German, Spanish, French, Italian and Portuguese (diacritics are folded
  // before matching). "The instructions" alone is a manual's; only the model's own ("your", "system") count.
  { re: /\b(?:zeig(?:e|en\s+sie)?|gib|geben\s+sie|nenne|verrate|wiederhole|schreib(?:e)?|drucke?)\s+(?:mir\s+)?(?:(?:deinen|deine|dein|ihren|ihre)\s+(?:\w+\s+)?(?:system-?\s*)?(?:prompt|anweisungen|instruktionen|systemnachricht|vorgaben|regeln)|(?:den|die)\s+(?:system-?\s*prompt|systemanweisungen|systemnachricht|system-anweisungen))\b/i, s: 0.6 },
  { re: /\b(?:muestrame|dime|revela(?:me)?|ensename|repite|imprime|escribe)\s+(?:(?:tu|tus)\s+(?:\w+\s+)?(?:prompt|instrucciones|indicaciones|reglas)|(?:el|la|las)\s+(?:\w+\s+)?(?:prompt\s+del\s+sistema|mensaje\s+del\s+sistema|instrucciones\s+(?:del\s+sistema|iniciales|ocultas|originales)))\b/i, s: 0.6 },
  { re: /\b(?:montre-?moi|affiche|revele|donne-?moi|repete|ecris|recite)\s+(?:(?:ton|tes|votre|vos)\s+(?:\w+\s+)?(?:prompt|instructions|consignes|regles)|(?:le|les)\s+(?:\w+\s+)?(?:prompt\s+systeme|message\s+systeme|instructions\s+(?:initiales|systeme|cachees|d'origine)))\b/i, s: 0.6 },
  { re: /\b(?:mostrami|dimmi|rivelami|ripeti|stampa|scrivi)\s+(?:il\s+tuo|i\s+tuoi|le\s+tue)\s+(?:\w+\s+)?(?:prompt|istruzioni|regole)\b|\b(?:mostre-?me|diga-?me|revele|repita|mostra-?me)\s+(?:o\s+seu|os\s+seus|as\s+suas|suas|seu|seus|teu|tuas)\s+(?:\w+\s+)?(?:prompt|instrucoes|regras)\b/i, s: 0.6 },
  // "System prompt" in other languages: asking for it is the extraction; the override rules catch the rest.
  { re: /\b(?:prompt\s+(?:syst(?:è|e)me|del\s+sistema|di\s+sistema|do\s+sistema)|instructions?\s+syst(?:è|e)me|systemprompt|system-?anweisungen)\b|системн(?:ый|ого)\s+промпт|系统提示|系統提示|システムプロンプト/i, s: 0.3 },
  { re: /(?:시스템\s*(?:프롬프트|메시지|메세지|지시|설정)|초기\s*(?:지시|명령|프롬프트)|숨겨진\s*(?:지시|명령|메시지|메세지|설정|프롬프트))[^.\n]{0,20}(?:알려|보여|출력|말해|반복|공개)|(?:위의|앞의|이전)\s*(?:내용|지시|텍스트|문장)[^.\n]{0,10}(?:그대로|반복|출력)/, s: 0.75 },
];

const DELIMITER: Rule[] = [
  { re: /<\/?\s*(?:system|sys|instructions?|admin|developer|im_start|im_end|context|user_input|prompt)\s*>/i, s: 0.35 },
  { re: /<\/\s*(?:document|context|data|email|article|content|user_input|untrusted|tool_output|search_results?)\s*>/i, s: 0.3 },
  { re: /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>/i, s: 0.85 },
  { re: /\[\/?INST\]|<<\/?SYS>>/, s: 0.5 },
  { re: /^[ \t]*#{2,}[ \t]*(?:instruction|response)s?[ \t]*:?[ \t]*$/im, s: 0.25 },
  { re: /^[ \t]*#{2,}[ \t]*(?:system|new\s+instructions?|admin|developer\s+note|system\s+override)s?[ \t]*:?[ \t]*$/im, s: 0.55 },
  { re: /(?:^|\n)\s*(?:\[|={2,}|-{2,}|\*{2,}|<{2,})\s*(?:new\s+|updated\s+|real\s+)?(?:system\s+prompt|system\s+message|system\s+instructions?|admin(?:istrator)?\s+(?:channel|mode|message|override|instructions?)|developer\s+(?:mode|message|instructions?|channel)|override|new\s+instructions?)\s*(?:\]|={2,}|-{2,}|\*{2,}|>{2,})/i, s: 0.65 },
  { re: /<\/\s*(?:document|context|data|email|text|article|content|user|input|query|question|search_results?|tool_output|function_results?|untrusted)\s*>[^]{0,120}<\s*(?:instructions?|system|admin|developer|assistant)\b/i, s: 0.8 },
  { re: /<\s*(?:instructions?|system|admin|developer)\s+[^>]{0,40}(?:priority|role|level|override)[^>]{0,40}>/i, s: 0.65 },
  { re: /^[ \t]*(?:human|user|me|q)\s*:[^\n]*\n(?:[^\n]*\n){0,3}?\s*(?:ai|assistant|bot|chatgpt|gpt|claude|model|a)\s*:\s*(?:ok(?:ay)?|sure|of\s+course|understood|i\s+will|i'?ll|as\s+you\s+wish|absolutely|yes)\b[^\n]{0,60}\b(?:ignore|guidelines|rules|restrictions|filters|no\s+limits|anything)/im, s: 0.75 },
  // Capitalised only: lower-case "model:" and "system:" are everyday YAML and code keys.
  { re: /^[ \t]*(?:System|SYSTEM|Assistant|ASSISTANT|AI|ChatGPT|GPT|Bot|BOT)\s*:\s*\S/m, s: 0.3 },
  { re: /^[ \t]*(?:system|assistant)\s*:\s*(?:access\s+granted|sure|ok|i\s+will|understood|the\s+password)/im, s: 0.7 },
  { re: /\b(?:end|ignore|stop)\s+(?:of\s+)?(?:the\s+)?(?:prompt|input|instructions|user\s+input|untrusted\s+(?:input|text)|system\s+message|previous\s+context)\b\s*[-=*#%\]>)]{0,}/i, s: 0.3 },
  { re: /(?:^|\n)\s*[-=*#%_~]{3,}\s*(?:end|begin|start|new)\b[^\n]{0,40}[-=*#%_~]{3,}/i, s: 0.55 },
  { re: /\b(?:end|begin|start)\s+(?:of\s+)?(?:the\s+)?(?:untrusted\s+)?(?:user\s+)?(?:input|instructions|prompt|ambiguity|system\s+prompt|out\s+of\s+date\s+instructions)\b/i, s: 0.5 },
  { re: /%%%[^%\n]{0,60}%%%/, s: 0.6 },
  { re: /\buser\s+message\s+termination\b|\bsystem\s+instructions?\s+(?:starting|begins?|starts?|follows?)\b/i, s: 0.7 },
  { re: /(?:^|\s)[-=*#_~]{3,}\s*(?:END|STOP|BEGIN|NEW\s+INSTRUCTIONS?)\b/i, s: 0.55 },
  { re: /\b(?:testing|test|debug|maintenance|admin|developer|god|sudo)\s+mode\s+(?:is\s+)?(?:now\s+)?(?:active|activated|enabled|engaged)\b/i, s: 0.6 },
  { re: /\b(?:system|admin|developer|security)\s+(?:override|message|notice|alert|update)\s*:/i, s: 0.6 },
  { re: /["'{[(]\s*(?:SYSTEM|ADMIN|DEVELOPER|SYSTEM\s+MESSAGE)\s*:\s*\S/, s: 0.5 },
];

/**
 * A phrase quoted as an example ("what does 'ignore all previous instructions' mean?", a test for a
 * function that detects "ignore previous instructions") is mentioned, not used: it counts for a quarter.
 */
const MENTION = /(?:\b(?:phrase|phrases|words?|sentence|string|expression|term|saying|meme|slogan|example|examples|means?|meant|detects?|detecting|contains?|containing|flags?|blocks?|matches|like|does|do|called|such\s+as)\s*[:,]?\s*)["'“‘«]\s*$/i;
const MENTION_SHARE = 0.25;
/** Special tokens asked about ("what does <|endoftext|> mean") count for a half. */
const ASKED_ABOUT = /\b(?:what\s+(?:does|do|is|are)(?:\s+the)?|meaning\s+of|the\s+tokens?|tokens?\s+(?:like|such\s+as))\s*["'“‘«`]?\s*$/i;

/** An order quoted for translation ('Translate into French: "Please ignore the rules above"', the order a few words into the quote) is text to translate: a half, for override and extraction rules only (a translated "access granted" is still the hijack). */
const TO_TRANSLATE = /\btranslat\w*\b[^"“\n]{0,40}["“][^"”\n]{0,30}$/i;
const TRANSLATED_FAMILIES = new Set(['heuristic:override', 'heuristic:extraction']);
/** An order reported as someone's words ('when a user says "ignore previous instructions"') is quoted, not given: a quarter, for the same families. */
const REPORTED = /\b(?:says|said|types|typed|writes|wrote|enters|entered|sends|sent|asks|asked|pastes|pasted|submits|submitted)\s*[:,]?\s*["'“‘«]\s*$/i;

function strength(rule: Rule, t: string, m: RegExpExecArray, name: string): number {
  let start = m.index;
  // The match may begin at the quote itself or at a space before the quoted words.
  while (start < t.length && /[\s"'“‘«]/.test(t[start]!) && start < m.index + 3) start++;
  const before = t.slice(Math.max(0, start - 60), start);
  if (MENTION.test(before)) return rule.s * MENTION_SHARE;
  if (TRANSLATED_FAMILIES.has(name) && REPORTED.test(before)) return rule.s * MENTION_SHARE;
  if (TRANSLATED_FAMILIES.has(name) && TO_TRANSLATE.test(before)) return rule.s * 0.5;
  return /^\s*[<[{|]/.test(m[0]) && ASKED_ABOUT.test(before) ? rule.s * 0.5 : rule.s;
}

/** The text with example and reported phrases (see MENTION, REPORTED) cut out, for signals that cannot weigh a match by its context. */
export function withoutMentions(text: string): string {
  return text.replace(/["'“‘«]([^"'“”‘’«»\n]{3,200})["'”’»]/g, (m: string, _inner: string, offset: number) => (MENTION.test(text.slice(Math.max(0, offset - 60), offset + 1)) || REPORTED.test(text.slice(Math.max(0, offset - 60), offset + 1)) ? '""' : m));
}

function family(name: string, rules: Rule[], texts: string[], gates: Uint8Array[], offset: number): GuardSignal | undefined {
  let miss = 1;
  let detail: string | undefined;
  let best = 0;
  for (let j = 0; j < rules.length; j++) {
    const rule = rules[j]!;
    for (let k = 0; k < texts.length; k++) {
      // A reading without the rule's required words cannot match it (prefilter.ts).
      if (gates[k]![offset + j] === 0) continue;
      const t = texts[k]!;
      const m = rule.re.exec(t);
      if (m) {
        const s = strength(rule, t, m, name);
        miss *= 1 - s;
        if (s > best) {
          best = s;
          detail = m[0].slice(0, 80);
        }
        break;
      }
    }
  }
  const score = 1 - miss;
  if (score <= 0) return undefined;
  return { name, score: Math.round(score * 1e4) / 1e4, ...(detail !== undefined ? { detail } : {}) };
}

/**
 * Token floods: Tensor Trust attacks pad with hundreds of repeated symbols or
 * words ("ö ö ö", ") ] }", "artisanlibartisanlib") to push the defence out of the
 * model's attention. A run of one short unit repeated 13+ times over 120+
 * characters is a flood, unless the unit is a separator (----, ====, | --- |) or
 * a number list (0, 0, 0), which documents and code repeat innocently.
 */
const RUN = /([^]{1,40}?)\1{12,}/g;
const INNOCENT_UNIT = /^[\d\s,.;:|\-=_*#~+/\\<>]+$/;
function flood(text: string): GuardSignal | undefined {
  const t = text.length > 8000 ? `${text.slice(0, 6000)}${text.slice(-2000)}` : text;
  if (!mayFlood(t)) return undefined;
  let best = 0;
  let unit = '';
  for (const m of t.matchAll(RUN)) {
    if (m[0].length > best && m[0].length >= 120 && !INNOCENT_UNIT.test(m[1]!)) [best, unit] = [m[0].length, m[1]!];
  }
  if (best === 0) return undefined;
  const score = Math.min(0.95, 0.6 + best / 2000);
  return { name: 'heuristic:flood', score: Math.round(score * 1e4) / 1e4, detail: `"${unit.slice(0, 20)}" over ${best} chars` };
}

/**
 * A message that is nothing but one unit repeated ("ö ö ö ...", "xyzlibxyzlib..."), shorter than a
 * flood inside a longer text: it asks nothing and exists only to pad the context.
 */
const WHOLE_RUN = /^\s*([^]{1,40}?)\1{5,}([^]{0,40})$/;
function wholeFlood(text: string): GuardSignal | undefined {
  if (text.length < 60 || text.length > 400) return undefined;
  const m = WHOLE_RUN.exec(text.trim());
  // The tail may be a cut-off unit ("ö ö ö" ends without the space), nothing else.
  // A short plain word repeated is a chant or laughter ("ha ha ha", "go go go"), not padding.
  if (!m || INNOCENT_UNIT.test(m[1]!) || /^\s*(?:[a-z]{0,7}|\s*)\s*$/i.test(m[1]!) || !m[1]!.startsWith(m[2]!)) return undefined;
  return { name: 'heuristic:flood', score: 0.6, detail: `whole message is "${m[1]!.slice(0, 20)}" repeated` };
}

/**
 * A necessary condition for a RUN match of 120+ characters, in one linear pass per period: a unit
 * of p characters repeated to length L makes t[i] === t[i + p] hold for L − p positions in a row.
 * The backtracking regex tries every start and unit length, which cost more than all other rules
 * together on ordinary text; it now runs only where this finds a candidate.
 */
export function mayFlood(t: string): boolean {
  if (t.length < 120) return false;
  for (let p = 1; p <= 40; p++) {
    const need = Math.max(12 * p, 120 - p);
    const end = t.length - p;
    // Any run of `need` positions contains one at an index ≡ need − 1 (mod need): probe only those,
    // and measure the run around a probe that holds.
    for (let i = need - 1; i < end; i += need) {
      if (t.charCodeAt(i) !== t.charCodeAt(i + p)) continue;
      let lo = i;
      while (lo > 0 && t.charCodeAt(lo - 1) === t.charCodeAt(lo - 1 + p)) lo--;
      let hi = i + 1;
      while (hi < end && t.charCodeAt(hi) === t.charCodeAt(hi + p)) hi++;
      if (hi - lo >= need) return true;
      // The next probe beyond this run starts a new one.
      while (i + need < hi) i += need;
    }
  }
  return false;
}

/**
 * Run every rule family over the given readings of one text. `raw` is the text as received (quotes
 * folded); a harmful request found in the readings but not in `raw` was obfuscated on purpose.
 */
const FAMILIES: ReadonlyArray<readonly [string, Rule[]]> = [
  ['heuristic:override', OVERRIDE],
  ['heuristic:jailbreak', JAILBREAK],
  ['heuristic:extraction', EXTRACTION],
  ['heuristic:delimiter', DELIMITER],
  ['heuristic:exfiltration', EXFIL],
  ['heuristic:refusal', REFUSAL],
  ['heuristic:authority', AUTHORITY],
  ['heuristic:indirect', INDIRECT],
  ['heuristic:coercion', COERCION],
];
const OFFSETS = FAMILIES.map((_, i) => FAMILIES.slice(0, i).reduce((n, [, rules]) => n + rules.length, 0));
/** Every rule regex in family order, then the harmful-task regex of the framing signal. */
export const GATED_REGEXES: readonly RegExp[] = [...FAMILIES.flatMap(([, rules]) => rules.map((r) => r.re)), HARM];
const HARM_AT = GATED_REGEXES.length - 1;
/** Built on the first scan, not at import: reading the literals off ~270 regexes takes tens of milliseconds. */
let gate: RuleGate | undefined;

/**
 * Run every rule family over the given readings of one text. `raw` is the text as received (quotes
 * folded); a harmful request found in the readings but not in `raw` was obfuscated on purpose.
 */
export function heuristicSignals(readings: string[], raw?: string): GuardSignal[] {
  // A reading equal to an earlier one cannot change any family's first match (each family takes a rule's
  // first matching reading), nor the framing signal: scanning it once is the same.
  const texts = readings.length > 1 ? [...new Set(readings)] : readings;
  gate ??= new RuleGate(GATED_REGEXES);
  const gates = texts.map((t) => gate!.pass(t));
  const out: GuardSignal[] = [];
  FAMILIES.forEach(([name, rules], i) => {
    const s = family(name, rules, texts, gates, OFFSETS[i]!);
    if (s) out.push(s);
  });
  const framing = framingSignal(texts, raw === undefined ? undefined : foldQuotes(raw), (k) => gates[k]![HARM_AT] === 1);
  if (framing) out.push({ name: 'heuristic:framing', score: framing.score, detail: framing.detail });
  const f = flood(texts[0] ?? '') ?? wholeFlood(texts[0] ?? '');
  if (f) out.push(f);
  return out;
}
