import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { countTokens, decode, encode } from './index.js';
import { tokenCuts } from './tokenizer.js';
import { cjk, guide, prose } from './__fixtures__/fixtures.js';

// js-tiktoken's own encoder is the reference: our fast path must give identical ids.
const reference = getEncoding('cl100k_base');

describe('cl100k_base tokenizer', () => {
  it('gives the same ids as js-tiktoken on prose, Markdown and CJK/Korean text', () => {
    for (const text of [prose, guide, cjk, 'tabs\t\tand   spaces\n\n\n  indented 12345 3.14159 😀👍']) {
      expect(encode(text)).toEqual(reference.encode(text, [], []));
      expect(countTokens(text)).toBe(reference.encode(text, [], []).length);
    }
  });

  it('matches js-tiktoken on long single pieces where its own BPE is slow', () => {
    const letters = Array.from({ length: 700 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
    const han = Array.from({ length: 500 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 37) % 2000))).join('');
    expect(encode(letters)).toEqual(reference.encode(letters));
    expect(encode(han)).toEqual(reference.encode(han));
    expect(countTokens('x'.repeat(20_000))).toBe(2500);
  });

  it('round-trips through decode', () => {
    expect(decode(encode(cjk))).toBe(cjk);
    expect(decode(encode(guide))).toBe(guide);
  });

  it('treats special-token strings in documents as plain text instead of throwing', () => {
    const text = 'a document that mentions <|endoftext|> literally';
    expect(countTokens(text)).toBe(reference.encode(text, [], []).length);
    expect(encode(text)).not.toContain(100257);
  });

  it('counts the empty string as zero tokens', () => {
    expect(countTokens('')).toBe(0);
    expect(encode('')).toEqual([]);
  });

  it('only offers cuts on character boundaries, with running token counts', () => {
    const text = '灯塔于一八七〇年十二月一日首次点亮。등대는 1870년';
    const cuts = tokenCuts(text);
    expect(cuts.at(-1)).toEqual({ offset: text.length, tokens: countTokens(text) });
    for (const cut of cuts) {
      const head = text.slice(0, cut.offset);
      expect(head).not.toMatch(/[\uD800-\uDBFF]$/);
      expect(decode(encode(text).slice(0, cut.tokens))).toBe(head);
    }
  });
});
