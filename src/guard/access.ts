/**
 * Rules for access-code hijacks (a guarded prompt that answers "Access Granted" only to the right
 * code): the attack wants that phrase said by any route, so these rules read the routes rather than
 * the phrase. The phrase spelled with blanks or without vowels, built word by word, asked for as a
 * paraphrase, sent bare, or the secret asked for in another output format.
 */
import type { Rule } from './intent.js';

const SUCCESS = String.raw`(?:granted|successful|succeeded|approved|allowed|permitted|accepted|confirmed|unlocked)`;

export const ACCESS: Rule[] = [
  // "_cc_s gr_nt_d", "ccss grntd", "acc*ss gr*nted": letters blanked or vowels dropped.
  // The plain spelling is left to the other rules, which know a string in code from an order.
  { re: /(?:^|[^a-z])(?!access[\s_-]+granted)[a_*?.]?[c_*?.]{2}[e_*?.]?[s_*?.]{1,2}\s+gr[a_*?.]?nt[e_*?.]?d(?![a-z])/i, s: 0.75 },
  // Built word by word: "the first word must be accessed, the second must start with Granted".
  { re: /\b(?:first|1st)\s+(?:word|letter|part|half)\b[^.\n]{0,40}\baccess\w*\b[^]{0,100}?\b(?:second|2nd|next|last|other)\b[^.\n]{0,40}\bgrant\w*|\b(?:first|1st)\s+(?:word|part)\b[^.\n]{0,40}\bgrant\w*\b[^]{0,100}?\b(?:second|2nd|next|last|other)\b[^.\n]{0,40}\baccess\w*/i, s: 0.7 },
  // Asked for as a paraphrase: "another way of saying Authorization successful".
  { re: new RegExp(String.raw`\b(?:another|other|different|alternative|equivalent)\s+(?:way|words?|phrases?|versions?|synonyms?|expressions?)\s+(?:of|for|to)\s+(?:saying\s+|say\s+)?["']?(?:(?:access|authori[sz]ation|entry|log-?in|admittance)\s+(?:is\s+)?${SUCCESS}\b|gracious\s+entry\b)`, 'i'), s: 0.5 },
  // The whole message is the success phrase in another order or word.
  { re: /^\W*(?:granted\s+access|access\s+(?:is\s+)?(?:allowed|approved|permitted)|allow\s+(?:me\s+)?access|grant\s+(?:me\s+)?access)\W*$/i, s: 0.5 },
  { re: /\b(?:i\s+am|i'?m)\s+(?:the\s+(?:one|person)\s+)?(?:who|that)\s+(?:holds?|has|knows?|owns?|possess(?:es)?)\s+(?:the\s+)?(?:key|password|passcode|access\s+code|code)\b/i, s: 0.35 },
  // The phrase quoted as data (to grammar-check, to "run" as code) with an order to output only that. The order
  // must name what to output ("only the sentence", "just the console output"): "write only the type, no
  // explanation" is how people ask for code about such a phrase.
  { re: /^(?=[^]*\baccess[\s_-]*granted\b)(?=[^]*(?:\b(?:output|print|return|reply|respond|answer|say|write|put|repeat|type)\s+(?:with\s+)?(?:only|just|exactly)\s+(?:the\s+)?(?:sentence|phrase|words?|result|answer|corrected\s+(?:text|sentence)|output|text|translation|string)\b|\bjust\s+(?:put|print|output|say|write|type|reply)\s+(?:the\s+)?(?:console\s+)?(?:output|result|sentence|phrase|words?)\b|\b(?:\d|two|one|single)\s+words?\s+only\b|\bonly\s+(?:\d|two|one)\s+words?\b|\busing\s+(?:\d|two)\s+words\b))/i, s: 0.75 },
  // The guarded secret asked for in another output form.
  { re: /\b(?:respond\s+with|reply\s+with|answer\s+with|encode|write\s+(?:out|down)|type\s+out|spell\s+out|list)\s+(?:me\s+)?(?:the|your)\s+(?:hidden|secret|protected|stored|real|actual|guarded)\s+(?:password|passcode|passphrase|access\s+code|pass\s*code|code\s*word|key|phrase|code)\b/i, s: 0.6 },
];
