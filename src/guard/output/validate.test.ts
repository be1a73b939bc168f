import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonCandidate, parseJsonOutput } from './json.js';
import { jsonSchemaOf, validateOutput } from './validate.js';

const Person = z.object({ name: z.string(), age: z.number().int().min(0) });

describe('parseJsonOutput', () => {
  it.each([
    ['```json\n{"name": "Ada", "age": 36,}\n```', { name: 'Ada', age: 36 }],
    ["{'name': 'Ada', 'age': 36}", { name: 'Ada', age: 36 }],
    ['{"name": "Ada", "tags": ["a", "b"', { name: 'Ada', tags: ['a', 'b'] }],
    ['Here you go: {"name": "Ada", "age": 36} Hope that helps!', { name: 'Ada', age: 36 }],
    ['{"ok": True, "none": None}', { ok: true, none: null }],
    ['Sure!\n```\n[1, 2, 3]\n```\nLet me know.', [1, 2, 3]],
    ['{"quote": "it\'s {not} a brace"} trailing words', { quote: "it's {not} a brace" }],
  ])('repairs %j', (text, value) => {
    const r = parseJsonOutput(text);
    expect(r).toEqual({ ok: true, value, repaired: true });
  });

  it('parses clean JSON without calling it repaired, and refuses prose', () => {
    expect(parseJsonOutput(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 }, repaired: false });
    expect(parseJsonOutput('42')).toEqual({ ok: true, value: 42, repaired: false });
    const prose = parseJsonOutput('nope, no json here');
    expect(prose.ok).toBe(false);
    expect(jsonCandidate('nope, no json here')).toBeUndefined();
    expect(parseJsonOutput('{"a": 1,}', { repair: false }).ok).toBe(false);
  });
});

describe('validateOutput', () => {
  it('validates zod schemas on repaired JSON and names the failing path', async () => {
    expect(await validateOutput('```json\n{"name":"Ada","age":36,}\n```', Person)).toEqual({ ok: true, value: { name: 'Ada', age: 36 }, repaired: true });
    const bad = await validateOutput('{"name":"Ada","age":-1}', Person);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues[0]?.path).toBe('/age');
      expect(bad.error).toMatch(/^\/age: .*>=\s*0/);
    }
    const notJson = await validateOutput('Ada is 36.', { kind: 'schema', schema: Person });
    expect(!notJson.ok && notJson.error).toMatch(/must be JSON/);
  });

  it('validates JSON Schema, draft-07 and 2020-12', async () => {
    const draft7 = { type: 'object', properties: { sentiment: { enum: ['pos', 'neg'] } }, required: ['sentiment'], additionalProperties: false };
    expect((await validateOutput('{"sentiment":"pos"}', { kind: 'json-schema', schema: draft7 })).ok).toBe(true);
    const r = await validateOutput('{"sentiment":"meh","extra":1}', { kind: 'json-schema', schema: draft7 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('must NOT have additional properties (extra)');
      expect(r.error).toContain('/sentiment: must be equal to one of the allowed values: ["pos","neg"]');
    }
    const from2020 = z.toJSONSchema(z.object({ items: z.array(z.object({ sku: z.string() })).min(1) }));
    expect(from2020.$schema).toContain('2020-12');
    expect((await validateOutput('{"items":[{"sku":"A1"}]}', { kind: 'json-schema', schema: from2020 })).ok).toBe(true);
    const empty = await validateOutput('{"items":[]}', { kind: 'json-schema', schema: from2020 });
    expect(!empty.ok && empty.issues[0]?.path).toBe('/items');
  });

  it('rejects an invalid JSON Schema with CONFIG_INVALID', async () => {
    await expect(validateOutput('{}', { kind: 'json-schema', schema: { type: 'nonsense' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('matches regexes in full or anywhere', async () => {
    expect(await validateOutput(' TCK-1234 ', /TCK-\d{4}/)).toEqual({ ok: true, value: 'TCK-1234', repaired: false });
    expect((await validateOutput('Ticket TCK-1234 opened', /TCK-\d{4}/)).ok).toBe(false);
    expect(await validateOutput('Ticket TCK-1234 opened', { kind: 'regex', pattern: 'TCK-\\d{4}', match: 'search' })).toMatchObject({ ok: true, value: 'TCK-1234' });
  });

  it('accepts a choice with quotes, case or a full stop around it, and nothing else', async () => {
    expect(await validateOutput('"Positive."', ['positive', 'negative'])).toEqual({ ok: true, value: 'positive', repaired: true });
    const r = await validateOutput('I think positive', ['positive', 'negative']);
    expect(!r.ok && r.error).toBe('The answer must be exactly one of: "positive", "negative"');
    expect((await validateOutput('Positive', { kind: 'choices', choices: ['positive'], caseSensitive: true })).ok).toBe(false);
  });

  it('bounds length in characters or tokens', async () => {
    expect((await validateOutput('short', { kind: 'length', min: 10 })).ok).toBe(false);
    expect((await validateOutput('héllo', { kind: 'length', max: 5 })).ok).toBe(true);
    const long = 'word '.repeat(50);
    const r = await validateOutput(long, { kind: 'length', max: 20, unit: 'tokens' });
    expect(!r.ok && r.error).toMatch(/too long: 5\d tokens, at most 20/);
  });

  it('runs custom checks, sync or async, and all-of lists', async () => {
    const even = async (t: string) => (Number(t) % 2 === 0 ? { ok: true, value: Number(t) } : { ok: false, error: 'must be even' });
    expect(await validateOutput('4', even)).toEqual({ ok: true, value: 4, repaired: false });
    expect(await validateOutput('3', { kind: 'custom', check: even, name: 'even' })).toMatchObject({ ok: false, error: 'even: must be even' });
    expect(await validateOutput('x', () => 'no x please')).toMatchObject({ ok: false, error: 'no x please' });
    const both = { kind: 'all' as const, specs: [/\d+/, { kind: 'length' as const, max: 2 }] };
    expect((await validateOutput('12', both)).ok).toBe(true);
    expect(await validateOutput('123', both)).toMatchObject({ ok: false, error: expect.stringMatching(/too long/) });
  });

  it('derives the JSON Schema to request structured output with', () => {
    const s = jsonSchemaOf(Person);
    expect(s).toMatchObject({ type: 'object', properties: { name: { type: 'string' } }, required: ['name', 'age'] });
    expect(jsonSchemaOf(/x/)).toBeUndefined();
    expect(jsonSchemaOf(z.string().transform((x) => x.length))).toBeUndefined();
  });
});
