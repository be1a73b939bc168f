/**
 * Job titles (presidio's TITLE beside honorifics): a phrase ending in an occupation noun, where the
 * text frames it as a role: on a line of its own in a résumé or signature, in apposition
 * ("Marie Langrová, the Packager, said"), or after "as" ("worked there as rolling machine operator").
 */
import { type Candidate, matches } from './candidate.js';

const OCCUPATION =
  'administrator|specialist|writer|packager|operator|consultant|cleaner|clerk|engineer|manager|developer|designer|analyst|teacher|nurse|accountant|technician|scientist|director|officer|assistant|architect|lawyer|attorney|physician|surgeon|pharmacist|electrician|plumber|mechanic|chef|cook|waiter|waitress|cashier|salesperson|representative|coordinator|supervisor|executive|secretary|receptionist|librarian|editor|journalist|photographer|programmer|therapist|counsel(?:l)?or|inspector|auditor|economist|statistician|professor|lecturer|tutor|researcher|worker|labou?rer|carpenter|welder|painter|farmer|pilot|broker|banker|dentist|veterinarian|paramedic|firefighter|planner|buyer|trader|translator|interpreter|producer|musician|artist|dancer|singer|advisor|adviser|associate|intern|strategist|recruiter|controller|treasurer|paralegal|hygienist|optometrist|surveyor|drafter|machinist|installer|repairer|assembler|fabricator|tender|attendant|handler|courier|dispatcher|estimator|appraiser|underwriter|actuary|psychologist|sociologist|biologist|chemist|physicist|geologist|officer';
// Up to five words before the occupation noun ("Network and computer systems administrator").
const PHRASE = `(?:[\\p{L}][\\p{L}-]*[ \\t]){0,5}?(?:${OCCUPATION})s?`;
const CI = 'giu';

const OWN_LINE = new RegExp(`^[ \\t]*(${PHRASE})[ \\t]*$`, 'gimu');
const APPOSITION = new RegExp(`,[ \\t]+the[ \\t]+(${PHRASE}),`, CI);
const AS_ROLE = new RegExp(`\\b(?:work(?:s|ed|ing)?|employed|hired|serve[sd]?|serving|job|position|career|promoted)\\b[^.\\n]{0,40}?\\bas[ \\t]+(?:an?[ \\t]+|the[ \\t]+)?(${PHRASE})(?![\\p{L}])`, CI);
const LABELLED = new RegExp(`\\b(?:job title|title|position|occupation|role)[ \\t]*:[ \\t]*(${PHRASE})(?![\\p{L}])`, CI);

export function detectJobTitles(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const re of [OWN_LINE, APPOSITION, AS_ROLE, LABELLED]) {
    for (const { start, end } of matches(re, text, 1)) {
      const phrase = text.slice(start, end);
      // A title line starts with a capital, as headings do; lower-case lines are running text.
      if (re === OWN_LINE && !/^\p{Lu}/u.test(phrase)) continue;
      const words = phrase.split(/\s+/);
      // Determiners and pronouns inside mean a sentence, not a title ("I am the manager").
      if (words.some((w) => /^(?:the|a|an|my|our|your|his|her|their|is|was|i|we|you)$/i.test(w))) continue;
      out.push({ start, end, label: 'title', score: 0.6 });
    }
  }
  return out;
}
