import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

let ic: Incontext;
let server: RunningServer;
let upstream: FakeUpstream;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const t = openTemp({ server: { port: 0 } }, { env: { ANTHROPIC_API_KEY: 'sk-ant-test-0002', ANTHROPIC_BASE_URL: upstream.anthropicBaseURL } });
  ic = t.ic;
  writeTree(join(t.cwd, 'c'), CORPUS);
  await ic.ingest([join(t.cwd, 'c')]);
  server = await startServer(ic, { port: 0 });
  client = new Anthropic({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await ic?.close();
  await upstream?.close();
});

describe('Anthropic-compatible /v1/messages with the official @anthropic-ai/sdk client', () => {
  it('answers incontext-rag with citations', async () => {
    const m = await client.messages.create({ model: 'incontext-rag', max_tokens: 300, messages: [{ role: 'user', content: 'In which year did William the Conqueror invade England?' }] });
    expect(m.role).toBe('assistant');
    const answer = m.content[0]?.type === 'text' ? m.content[0].text : '';
    expect(answer).toMatch(/1066/);
    expect(answer).toMatch(/\[\d\]/);
    expect((m as unknown as { citations: Array<{ source: string }> }).citations[0]?.source).toMatch(/normans\.md$/);
    expect(m.usage.input_tokens).toBeGreaterThan(0);
  });

  it('streams incontext-rag through messages.stream', async () => {
    const stream = client.messages.stream({ model: 'incontext-rag', max_tokens: 300, messages: [{ role: 'user', content: 'Where does photosynthesis take place in leaf cells?' }] });
    let deltas = 0;
    stream.on('text', () => deltas++);
    const final = await stream.finalMessage();
    // The output guard (canary and leak checks by default) releases checked text a sentence at a time; this answer is one sentence.
    expect(deltas).toBeGreaterThanOrEqual(1);
    expect(final.content[0]?.type === 'text' && final.content[0].text).toMatch(/chloroplast/);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('passes other models to the provider, streaming, with the system prompt as instructions', async () => {
    upstream.script({ text: 'Bonjour from upstream.' });
    const stream = client.messages.stream({ model: 'anthropic:claude-3-5-haiku-latest', max_tokens: 50, system: 'Answer in French.', messages: [{ role: 'user', content: 'Say hello' }] });
    const final = await stream.finalMessage();
    expect(final.content[0]?.type === 'text' && final.content[0].text).toBe('Bonjour from upstream.');
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe('/v1/messages');
    expect(JSON.stringify(sent?.body)).toContain('Answer in French.');
    expect(sent?.body).toMatchObject({ model: 'claude-3-5-haiku-latest', max_tokens: 50 });
  });

  const weather = { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

  it('passes tools through, returns tool_use blocks, and sends tool_result back', async () => {
    upstream.script({ toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Rome' } }] });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Rome?' }];
    const m = await client.messages.create({ model: 'anthropic:claude-3-5-haiku-latest', max_tokens: 100, messages, tools: [weather], tool_choice: { type: 'any' } });
    expect(m.stop_reason).toBe('tool_use');
    expect(m.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }]);
    expect(upstream.requests.at(-1)?.body).toMatchObject({ tools: [{ name: 'get_weather' }], tool_choice: { type: 'any' } });

    upstream.script({ text: 'Sunny in Rome.' });
    messages.push({ role: 'assistant', content: m.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] });
    const done = await client.messages.create({ model: 'anthropic:claude-3-5-haiku-latest', max_tokens: 100, messages, tools: [weather] });
    expect(done.content[0]).toEqual({ type: 'text', text: 'Sunny in Rome.' });
    expect(JSON.stringify(upstream.requests.at(-1)?.body)).toContain('"tool_use_id":"toolu_1"');
  });

  it('streams tool_use blocks that the SDK assembles into the final message', async () => {
    upstream.script({ toolCalls: [{ id: 'toolu_2', name: 'get_weather', arguments: { city: 'Lima' } }] });
    const final = await client.messages.stream({ model: 'anthropic:claude-3-5-haiku-latest', max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Lima?' }], tools: [weather] }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({ id: 'toolu_2', name: 'get_weather', input: { city: 'Lima' } });
  });

  it('rejects a malformed request with 400', async () => {
    const err = await client.messages.create({ model: 'incontext-rag', messages: [] } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(400);
  });
});
