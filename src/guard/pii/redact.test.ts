import { describe, expect, it } from 'vitest';
import { detectPii, redactPii, restorePii } from './index.js';
import { maskValue } from './redact.js';

const TEXT = 'Email jane.doe@example.com, card 4111-1111-1111-1111, SSN 460-89-9847; again jane.doe@example.com.';

describe('redactPii', () => {
  const spans = detectPii(TEXT);

  it('finds the three kinds in the fixture', () => {
    expect(spans.map((s) => s.label)).toEqual(['email', 'credit_card', 'ssn', 'email']);
  });

  it('redact replaces each span with its label', () => {
    expect(redactPii(TEXT, spans, 'redact').text).toBe('Email [EMAIL], card [CREDIT_CARD], SSN [SSN]; again [EMAIL].');
  });

  it('mask keeps the shape and the last digits of cards', () => {
    expect(redactPii(TEXT, spans, 'mask').text).toBe(
      'Email j*******@e******.com, card ****-****-****-1111, SSN ***-**-9847; again j*******@e******.com.',
    );
    expect(maskValue('Jane Smith', 'name')).toBe('J*** S****');
    expect(maskValue('+82 10-9876-5432', 'phone')).toBe('+** **-****-**32');
  });

  it('hash gives the same tag for the same value and salt, a different one for another salt', () => {
    const a = redactPii(TEXT, spans, 'hash', { salt: 's1' }).text;
    const b = redactPii(TEXT, spans, 'hash', { salt: 's2' }).text;
    const tags = [...a.matchAll(/\[EMAIL:([0-9a-f]{8})\]/g)].map((m) => m[1]);
    expect(tags).toHaveLength(2);
    expect(tags[0]).toBe(tags[1]);
    expect(a).not.toBe(b);
    expect(a).not.toContain('jane.doe');
    expect(a).toMatch(/\[SSN:[0-9a-f]{8}\]/);
  });

  it('hash refuses to run without a salt', () => {
    expect(() => redactPii(TEXT, spans, 'hash')).toThrow(/salt/);
  });

  it('tokenize uses one placeholder per value and restores the originals', () => {
    const { text, vault } = redactPii(TEXT, spans, 'tokenize');
    expect(text).toBe('Email [[EMAIL_1]], card [[CREDIT_CARD_1]], SSN [[SSN_1]]; again [[EMAIL_1]].');
    expect(vault.get('[[EMAIL_1]]')).toBe('jane.doe@example.com');
    expect(restorePii(text, vault)).toBe(TEXT);
  });

  it('restores placeholders a model rewrote with one bracket or another case, and leaves unknown ones', () => {
    const { vault } = redactPii(TEXT, spans, 'tokenize');
    const answer = 'I wrote to [EMAIL_1] and [[email_1]] about [[SSN_1]] and [[PHONE_9]].';
    expect(restorePii(answer, vault)).toBe('I wrote to jane.doe@example.com and jane.doe@example.com about 460-89-9847 and [[PHONE_9]].');
  });

  it('a shared vault keeps numbering across turns of one conversation', () => {
    const first = redactPii(TEXT, spans, 'tokenize');
    const turn2 = 'Also bob@example.org and jane.doe@example.com.';
    const second = redactPii(turn2, detectPii(turn2), 'tokenize', { vault: first.vault });
    expect(second.text).toBe('Also [[EMAIL_2]] and [[EMAIL_1]].');
    expect(second.vault).toBe(first.vault);
    expect(restorePii(second.text, second.vault)).toBe(turn2);
  });

  it('rejects overlapping or out-of-range spans', () => {
    const bad = [
      { start: 0, end: 10, label: 'name' as const, text: 'Email jane', score: 1 },
      { start: 5, end: 12, label: 'name' as const, text: ' jane.d', score: 1 },
    ];
    expect(() => redactPii(TEXT, bad, 'redact')).toThrow(/overlaps/);
    expect(() => redactPii('short', [{ start: 0, end: 99, label: 'name', text: '', score: 1 }], 'redact')).toThrow(/out of range/);
  });

  it('leaves text without spans untouched', () => {
    expect(redactPii('nothing here', [], 'mask')).toEqual({ text: 'nothing here', vault: new Map() });
  });
});
