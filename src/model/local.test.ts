import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { formatRagUserMessage, NO_ANSWER, type ContextBlock } from '../core/index.js';
import { createLocalModel, LOCAL_MODEL_GUIDANCE } from './local.js';
import { countTokens } from './tokens.js';

const blocks: ContextBlock[] = [
  {
    index: 1,
    source: 'docs/bread.md',
    title: 'Sourdough',
    text:
      'Sourdough bread rises because of wild yeast and lactic acid bacteria living in the starter. ' +
      'The starter is fed with flour and water every day. A loaf needs about four hours of proofing at room temperature.',
  },
  {
    index: 2,
    source: 'docs/london.md',
    title: 'Castles of London',
    text:
      'Many castles were built in England after the Norman conquest. ' +
      'The White Tower of the Tower of London was begun by William the Conqueror in 1078, replacing an earlier timber fort. ' +
      'It was used as a royal residence and later as a prison.',
  },
  {
    index: 3,
    source: 'docs/volcano.md',
    text: 'Mount Etna is an active volcano on the east coast of Sicily. It is one of the tallest active volcanoes in Europe.',
  },
];

const ragPrompt = (question: string) => formatRagUserMessage(blocks, question);

describe('local extractive model through the AI SDK', () => {
  const model = createLocalModel();

  it('answers a factual question with the right sentence and its citation', async () => {
    const result = await generateText({ model, prompt: ragPrompt('When was the White Tower begun by William the Conqueror?') });
    expect(result.text).toContain('1078');
    expect(result.text).toMatch(/\[2\]\.?$/);
    expect(result.text).not.toContain('[1]');
    expect(result.finishReason).toBe('stop');
  });

  it('picks the block a who-question is about, not the first block', async () => {
    const result = await generateText({ model, prompt: ragPrompt('Who began the White Tower of the Tower of London?') });
    expect(result.text).toContain('William the Conqueror');
    expect(result.text).toContain('[2]');
  });

  it('answers where-questions from the block that names the place', async () => {
    const result = await generateText({ model, prompt: ragPrompt('Where is the active volcano Mount Etna?') });
    expect(result.text).toContain('Sicily');
    expect(result.text).toContain('[3]');
  });

  it('abstains with exactly NO_ANSWER when the context does not cover the question', async () => {
    const result = await generateText({ model, prompt: ragPrompt('What is the population of the Mariana Islands in 2020?') });
    expect(result.text).toBe(NO_ANSWER);
  });

  it('abstains when there are no context blocks at all', async () => {
    const result = await generateText({ model, prompt: formatRagUserMessage([], 'Who built the White Tower?') });
    expect(result.text).toBe(NO_ANSWER);
  });

  it('streams word-sized deltas that add up to the generated text', async () => {
    const prompt = ragPrompt('How long does a sourdough loaf need proofing?');
    const generated = await generateText({ model, prompt });
    const streamed = streamText({ model, prompt });
    const deltas: string[] = [];
    for await (const delta of streamed.textStream) deltas.push(delta);
    expect(deltas.join('')).toBe(generated.text);
    expect(generated.text).toContain('four hours');
    expect(deltas.length).toBeGreaterThan(3);
    for (const d of deltas) expect(d.trim().split(/\s+/)).toHaveLength(1);
    const usage = await streamed.usage;
    expect(usage.outputTokens).toBe(countTokens(generated.text));
    expect(usage.inputTokens).toBe(generated.usage.inputTokens);
    expect(await streamed.finishReason).toBe('stop');
  });

  it('reports usage counted with cl100k_base', async () => {
    const prompt = ragPrompt('When was the White Tower begun?');
    const result = await generateText({ model, prompt });
    expect(result.usage.inputTokens).toBe(countTokens(prompt));
    expect(result.usage.outputTokens).toBe(countTokens(result.text));
    expect(result.usage.totalTokens).toBe(countTokens(prompt) + countTokens(result.text));
  });

  it('reads the last user message of a conversation', async () => {
    const result = await generateText({
      model,
      system: 'Answer only from the context.',
      messages: [
        { role: 'user', content: ragPrompt('What is the population of the Mariana Islands in 2020?') },
        { role: 'assistant', content: NO_ANSWER },
        { role: 'user', content: ragPrompt('Who began the White Tower of the Tower of London?') },
      ],
    });
    expect(result.text).toContain('William the Conqueror');
  });

  it('tells a plain chat prompt what it can do and how to configure a real model', async () => {
    const result = await generateText({ model, prompt: 'Write me a poem about autumn.' });
    expect(result.text).toBe(LOCAL_MODEL_GUIDANCE);
    expect(result.text).toContain('openai:gpt-4o-mini');
    expect(result.text).toContain('OPENAI_API_KEY');
    expect(result.text).toContain('ollama:');
    const streamed = streamText({ model, prompt: 'Hello' });
    expect(await streamed.text).toBe(LOCAL_MODEL_GUIDANCE);
  });

  it('honours maxOutputTokens and stop sequences like a remote model', async () => {
    const prompt = 'Tell me a story.';
    const cut = await generateText({ model, prompt, maxOutputTokens: 5 });
    expect(cut.finishReason).toBe('length');
    expect(cut.usage.outputTokens).toBe(5);
    expect(LOCAL_MODEL_GUIDANCE.startsWith(cut.text)).toBe(true);
    const stopped = await generateText({ model, prompt, stopSequences: [':'] });
    expect(stopped.text).toBe(LOCAL_MODEL_GUIDANCE.slice(0, LOCAL_MODEL_GUIDANCE.indexOf(':')));
    expect(stopped.finishReason).toBe('stop');
    const streamed = streamText({ model, prompt, maxOutputTokens: 5 });
    expect(await streamed.text).toBe(cut.text);
    expect(await streamed.finishReason).toBe('length');
  });

  it('identifies itself as a v4 model', () => {
    expect(model.specificationVersion).toBe('v4');
    expect(model.modelId).toBe('extractive');
  });
});
