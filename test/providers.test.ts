import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

let ic: Incontext;
let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const t = openTemp(
    {},
    {
      env: {
        OPENAI_API_KEY: 'sk-test-openai-0001',
        OPENAI_BASE_URL: upstream.openaiBaseURL,
        ANTHROPIC_API_KEY: 'sk-ant-test-0001',
        ANTHROPIC_BASE_URL: upstream.anthropicBaseURL,
      },
    },
  );
  ic = t.ic;
  writeTree(join(t.cwd, 'c'), CORPUS);
  await ic.ingest([join(t.cwd, 'c')]);
});

afterAll(async () => {
  await ic?.close();
  await upstream?.close();
});

/** What the fake model was sent, as one string: the system prompt and the numbered context must be there. */
function lastPrompt(): string {
  return JSON.stringify(upstream.requests.at(-1)?.body);
}

describe.each([
  ['openai:gpt-4o-mini', '/v1/chat/completions'],
  ['anthropic:claude-3-5-haiku-latest', '/v1/messages'],
])('ask through the real AI SDK provider %s', (model, path) => {
  it('sends the numbered context and maps the cited number back to the chunk', async () => {
    upstream.script({ text: 'William the Conqueror invaded England in 1066 [1].' });
    const a = await ic.ask('When did William invade England?', { model });
    expect(upstream.requests.at(-1)?.path).toBe(path);
    expect(lastPrompt()).toContain('[1] source: ');
    expect(lastPrompt()).toContain('Cite every claim');
    expect(a.answer).toBe('William the Conqueror invaded England in 1066 [1].');
    expect(a.model).toBe(model);
    expect(a.citations).toHaveLength(1);
    expect(a.citations[0]).toMatchObject({ index: 1, chunkId: a.hits[0]?.chunk.id, source: a.hits[0]?.document.source });
    expect(a.usage.inputTokens).toBeGreaterThan(0);
  });

  it('streams text deltas and reports usage', async () => {
    upstream.script({ text: 'Chlorophyll absorbs light energy in the chloroplasts [1].' });
    let text = '';
    const types = new Set<string>();
    for await (const p of ic.askStream('What absorbs light in leaves?', { model })) {
      types.add(p.type);
      if (p.type === 'text-delta') text += p.text;
    }
    expect(text).toBe('Chlorophyll absorbs light energy in the chloroplasts [1].');
    expect([...types]).toEqual(expect.arrayContaining(['hit', 'text-delta', 'citation', 'usage', 'done']));
  });

  it('marks an upstream "I don\'t know" as an abstention with no citations', async () => {
    upstream.script({ text: "I don't know: the documents don't contain the answer." });
    const a = await ic.ask('What is the boiling point of tungsten?', { model });
    expect(a.abstained).toBe(true);
    expect(a.citations).toEqual([]);
  });
});

describe('provider failures', () => {
  it('retries a 429 with Retry-After and then succeeds', async () => {
    upstream.script({ error: { status: 429, retryAfter: 0 } }, { text: 'Rollo led the Norse settlers [1].' });
    const a = await ic.ask('Who led the Norse settlers?', { model: 'openai:gpt-4o-mini' });
    expect(a.answer).toMatch(/Rollo/);
  });

  it('a hanging provider ends in a PROVIDER_TIMEOUT error, not a hang', async () => {
    upstream.script({ hang: true });
    const err = await ic.ask('Anything?', { model: 'openai:gpt-4o-mini', signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROVIDER_TIMEOUT', hint: expect.any(String) });
  });

  it('a reset mid-stream yields an error part after the text so far', async () => {
    upstream.script({ text: 'one two three four five six', resetAfterChunks: 2 });
    const parts: string[] = [];
    for await (const p of ic.askStream('Tell me about Rust.', { model: 'openai:gpt-4o-mini' })) parts.push(p.type);
    expect(parts.at(-1)).toBe('error');
    expect(parts).not.toContain('done');
  });
});
