/**
 * Question-type cues: what kind of answer a question wants (a person, a date, a
 * place, a number) and where such answers sit in a sentence. A sentence that
 * shares the question's words but holds nothing of the wanted kind rarely
 * answers it, and the candidate's position lets the answer be trimmed to it.
 */
import type { WordToken } from './text.js';

export type AnswerType = 'person' | 'date' | 'place' | 'number' | 'other';

const TYPE_PATTERNS: Array<[AnswerType, RegExp]> = [
  ['number', /\bhow (?:many|much|long|old|large|big|far|tall|high|often)\b|\bwhat (?:number|percentage|percent|amount|proportion|population)\b/i],
  [
    'date',
    /\bwhen\b|\b(?:what|which|in what|in which) (?:year|century|decade|date|time|period|day|month|era|age)\b|\bhow long ago\b/i,
  ],
  ['place', /\bwhere\b|\b(?:what|which) (?:country|city|town|place|region|location|island|state|area|continent|kingdom|nation|territory|province|river|county)\b/i],
  [
    'person',
    /\bwho(?:m|se)?\b|\b(?:what|which) (?:person|people|king|queen|ruler|leader|man|woman|pope|emperor|duke|general|author|family|group|tribe|dynasty|individual|son|daughter|brother|wife|husband|bishop|saint)\b/i,
  ],
];

export function answerType(question: string): AnswerType {
  for (const [type, re] of TYPE_PATTERNS) if (re.test(question)) return type;
  return 'other';
}

const MONTHS =
  /^(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)$/;
const NUMBER_WORDS = new Set(
  (
    'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen ' +
    'eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands ' +
    'million millions billion billions dozen dozens half quarter first second third fourth fifth sixth seventh eighth ninth tenth'
  ).split(' '),
);

/** Is this word, in this sentence, a plausible answer of the wanted type? */
export function isCandidate(type: AnswerType, tokens: WordToken[], i: number): boolean {
  const t = tokens[i];
  if (!t) return false;
  switch (type) {
    case 'date':
      return (
        /^(?:1\d{3}|20\d{2}|\d{3,4}s)$/.test(t.lower) ||
        /^\d{1,2}(?:st|nd|rd|th)$/.test(t.lower) && /^centur/.test(tokens[i + 1]?.lower ?? '') ||
        // "the 10th and 11th centuries"
        /^\d{1,2}(?:st|nd|rd|th)$/.test(t.lower) && /^(?:and|or|to)$/.test(tokens[i + 1]?.lower ?? '') && /^centur/.test(tokens[i + 3]?.lower ?? '') ||
        /^centur/.test(t.lower) && /^\d/.test(tokens[i - 1]?.lower ?? '') ||
        MONTHS.test(t.lower) && t.text[0] !== t.lower[0] ||
        /^(?:bc|bce|ad|ce)$/.test(t.lower) && /^\d/.test(tokens[i - 1]?.lower ?? '')
      );
    case 'number':
      return /\d/.test(t.lower) || NUMBER_WORDS.has(t.lower);
    case 'person':
    case 'place':
      // A capitalised word that is not merely the first word of the sentence.
      return i > 0 && /^\p{Lu}/u.test(t.text) && !MONTHS.test(t.lower);
    case 'other':
      return false;
  }
}
