/** Ages, only where the text says so: "79 year old", "aged 34", "31 y/o", "just turned 60". */
import { type Candidate, before, matches } from './candidate.js';

const AGE_PATTERNS = [
  /(?<![\d.])(\d{1,3})\s?(?:-\s?)?(?:years?|yrs?)(?:\s?-\s?|\s)old(?![\p{L}])/giu,
  /(?<![\d.])(\d{1,3})\s?(?:y\/o|y\.o\.|yo)(?![\p{L}])/giu,
  /(?<![\p{L}])(?:aged|age:?|age of|ages)\s(\d{1,3})(?![\d.,:%]\d|\d)/giu,
  /(?<![\p{L}])(?:turned|turn|turning|i'm|i am|he's|he is|she's|she is)\s(\d{1,3})(?=\s*(?:[.,;!?)]|$|\s(?:and|but|now|today|this|next|last|soon|in)\b))/giu,
];

export function detectAges(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const re of AGE_PATTERNS) {
    for (const { start, end, m } of matches(re, text, 1)) {
      const n = Number(m[1]);
      if (n > 125) continue;
      const ctx = before(text, start, 12);
      if (/[$€£¥]\s*$/.test(ctx)) continue;
      out.push({ start, end, label: 'age', score: 0.8 });
    }
  }
  return out;
}
