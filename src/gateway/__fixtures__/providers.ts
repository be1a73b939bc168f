import { createAnthropic, type AnthropicProvider } from '@ai-sdk/anthropic';
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../testing/index.js';

export interface FakeProviders {
  upstream: FakeUpstream;
  openai: OpenAIProvider;
  anthropic: AnthropicProvider;
}

/**
 * One fake upstream per test file, with the real AI SDK providers pointed at it; reset
 * (script, recorded requests, handler) before every test. Fields are set in beforeAll.
 */
export function useFakeProviders(): FakeProviders {
  const ctx = {} as FakeProviders;
  beforeAll(async () => {
    ctx.upstream = await startFakeUpstream();
    ctx.openai = createOpenAI({ baseURL: ctx.upstream.openaiBaseURL, apiKey: 'k' });
    ctx.anthropic = createAnthropic({ baseURL: ctx.upstream.anthropicBaseURL, apiKey: 'k' });
  });
  afterAll(() => ctx.upstream.close());
  beforeEach(() => {
    ctx.upstream.reset();
    ctx.upstream.setHandler(undefined);
  });
  return ctx;
}
