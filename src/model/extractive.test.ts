import { describe, expect, it } from 'vitest';
import type { ContextBlock } from '../core/index.js';
import { answerType } from './cues.js';
import { cite, extractAnswer } from './extractive.js';
import { splitSentences, stem, words } from './text.js';

describe('splitSentences', () => {
  it('does not split at abbreviations, initials or decimals, keeps offsets, and drops questions', () => {
    const text = 'Dr. Smith met J. R. Tolkien in St. Andrews in 1950. The meeting lasted 2.5 hours! Was it useful? Nobody knows.';
    const sentences = splitSentences(text);
    expect(sentences.map((s) => s.text)).toEqual([
      'Dr. Smith met J. R. Tolkien in St. Andrews in 1950.',
      'The meeting lasted 2.5 hours!',
      'Nobody knows.',
    ]);
    for (const s of sentences) expect(text.slice(s.start, s.end)).toBe(s.text);
  });

  it('splits markdown headings and list items that have no full stop; headings are not answers', () => {
    const text = '# Install\nRun the installer first\n- needs Node 22\n- needs 2 GB of disk\n\nThen start it.';
    expect(splitSentences(text).map((s) => s.text)).toEqual([
      'Run the installer first',
      '- needs Node 22',
      '- needs 2 GB of disk',
      'Then start it.',
    ]);
  });

  it('answers with the value of record lines and skips code blocks and bare fields', () => {
    const text = 'question: Which port?\nanswer: Port 8686 by default.\ntopic: server\n\n```sh\nnpm start. Then more.\n```\nDone here now.';
    const sentences = splitSentences(text);
    expect(sentences.map((s) => s.text)).toEqual(['Port 8686 by default.', 'Done here now.']);
    for (const s of sentences) expect(text.slice(s.start, s.end)).toBe(s.text);
  });

  it('ends a sentence after a decade such as "1050s."', () => {
    expect(splitSentences('He served in the 1050s. By then others had come.')).toHaveLength(2);
  });
});

describe('stem', () => {
  it('gives inflected forms one stem', () => {
    expect(stem('centuries')).toBe(stem('century'));
    expect(stem('ruled')).toBe(stem('rule'));
    expect(stem('ruling')).toBe(stem('rules'));
    expect(stem('fled')).toBe(stem('flee'));
    expect(stem('married')).toBe(stem('marry'));
    expect(stem('European')).toBe(stem('Europe'));
    expect(stem('1066')).toBe('1066');
  });

  it('folds accents and possessives in word tokens', () => {
    expect(words("Hervé's").map((w) => w.stem)).toEqual(words('Herve').map((w) => w.stem));
  });
});

describe('answerType', () => {
  it('reads the kind of answer from the question', () => {
    expect(answerType('Who was the Norse leader?')).toBe('person');
    expect(answerType('When did Rollo arrive?')).toBe('date');
    expect(answerType('What century did it start?')).toBe('date');
    expect(answerType('In what country is Normandy located?')).toBe('place');
    expect(answerType('How many men were in the army?')).toBe('number');
    expect(answerType('What was the original meaning of the word?')).toBe('other');
  });
});

const blocks: ContextBlock[] = [
  {
    index: 1,
    source: 'history.md',
    text:
      'The Normans were descended from Norse raiders who, under their leader Rollo, agreed to swear fealty to King Charles III. ' +
      'Their distinct identity emerged in the first half of the 10th century. ' +
      'In 1081 Robert Guiscard led an army of 30,000 men in 300 ships against the Byzantine Empire.',
  },
  {
    index: 2,
    source: 'trade.md',
    text: 'Normandy exported fighting horsemen for more than a generation. Merchants traded wool and wine with Flanders.',
  },
];

describe('extractAnswer', () => {
  it('trims a typed answer to the phrase around the candidate and keeps the citation', () => {
    const when = extractAnswer(blocks, 'In what century did the Normans gain their distinct identity?');
    expect(when.text).toBe('In the first half of the 10th century [1].');
    const howMany = extractAnswer(blocks, 'How many men did Robert Guiscard lead?');
    expect(howMany.text).toContain('30,000 men');
    expect(howMany.text).toMatch(/\[1\]\.$/);
    const who = extractAnswer(blocks, 'Who was the leader of the Norse raiders?');
    expect(who.text).toContain('Rollo');
  });

  it('keeps the whole sentence when trimming is disabled', () => {
    const result = extractAnswer(blocks, 'Who was the leader of the Norse raiders?', { trim: false });
    expect(result.text).toBe(cite(splitSentences(blocks[0]!.text)[0]!.text, 1));
  });

  it('cites the block the answer came from', () => {
    const result = extractAnswer(blocks, 'What did Normandy export for more than a generation?');
    expect(result.text).toContain('fighting horsemen');
    expect(result.text).toContain('[2]');
    expect(result.text).not.toContain('[1]');
  });

  it('abstains when the question names something the context never connects to the fact', () => {
    // Everything matches except the year, which the context does not state.
    const result = extractAnswer(blocks, 'Who led an army of 30,000 men against the Byzantine Empire in 1095?');
    expect(result.text).toBeUndefined();
    expect(result.support).toBeLessThan(0.4);
  });

  it('abstains when too little of the question is supported', () => {
    const result = extractAnswer(blocks, 'What is the boiling point of liquid nitrogen?');
    expect(result.text).toBeUndefined();
  });

  it('answers the same question when it is supported', () => {
    const result = extractAnswer(blocks, 'Who led an army of 30,000 men against the Byzantine Empire in 1081?');
    expect(result.text).toContain('Robert Guiscard');
  });

  it('lets the threshold be tuned', () => {
    const q = 'What did merchants trade with Flanders?';
    expect(extractAnswer(blocks, q).text).toContain('wool and wine');
    expect(extractAnswer(blocks, q, { minSupport: 1.01 }).text).toBeUndefined();
  });
});

describe('cite', () => {
  it('puts the marker before the final punctuation', () => {
    expect(cite('It fell in 1066.', 2)).toBe('It fell in 1066 [2].');
    expect(cite('Was it 1066?', 3)).toBe('Was it 1066 [3]?');
    expect(cite('no punctuation', 1)).toBe('no punctuation [1].');
  });
});
