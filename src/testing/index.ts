/**
 * incontext/testing: a fake upstream server that speaks the real OpenAI
 * (chat completions, Responses, embeddings, models) and Anthropic (messages)
 * wire protocols, for tests of incontext and of users' own code.
 */
export { startFakeUpstream } from './server.js';
export { countFakeTokens, fakeEmbedding } from './script.js';
export type * from './types.js';
