import { z } from 'zod';

const filterValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
const filterCondition = z.union([
  filterValue,
  z.strictObject({ eq: filterValue }),
  z.strictObject({ ne: filterValue }),
  z.strictObject({ in: z.array(z.union([z.string(), z.number(), z.boolean()])) }),
  z.strictObject({
    gt: z.union([z.number(), z.string()]).optional(),
    gte: z.union([z.number(), z.string()]).optional(),
    lt: z.union([z.number(), z.string()]).optional(),
    lte: z.union([z.number(), z.string()]).optional(),
  }),
]);

export const SearchRequest = z.strictObject({
  query: z.string().min(1).max(10_000),
  k: z.number().int().min(1).max(100).optional(),
  mode: z.enum(['hybrid', 'vector', 'keyword']).optional(),
  filter: z.record(z.string(), filterCondition).optional(),
});

export const AskRequest = z.strictObject({
  question: z.string().min(1).max(10_000),
  k: z.number().int().min(1).max(100).optional(),
  mode: z.enum(['hybrid', 'vector', 'keyword']).optional(),
  filter: z.record(z.string(), filterCondition).optional(),
  model: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().max(32_000).optional(),
  /** Return what would be sent (messages, hits, tokens, cost) without calling the model. */
  explain: z.boolean().optional(),
  stream: z.boolean().optional(),
});

export const AgentRequest = z.strictObject({
  input: z.string().min(1).max(20_000),
  model: z.string().min(1).optional(),
  /** Continue a conversation kept in the key's project. */
  session: z.string().min(1).max(128).optional(),
  maxSteps: z.number().int().min(1).max(20).optional(),
  stream: z.boolean().optional(),
});

export const IngestTextRequest = z.strictObject({
  text: z.string().min(1),
  /** Name of the document, e.g. `notes/meeting.md`; its extension picks the format. */
  source: z.string().min(1).max(512),
  title: z.string().max(512).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

const chatContent = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  z.null(),
]);

export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']), content: chatContent.optional() }))
    .min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).optional().nullable(),
  temperature: z.number().min(0).max(2).optional().nullable(),
  top_p: z.number().optional().nullable(),
  max_tokens: z.number().int().positive().optional().nullable(),
  max_completion_tokens: z.number().int().positive().optional().nullable(),
  stop: z.union([z.string(), z.array(z.string())]).optional().nullable(),
  seed: z.number().int().optional().nullable(),
  presence_penalty: z.number().optional().nullable(),
  frequency_penalty: z.number().optional().nullable(),
});

export const EmbeddingsRequest = z.looseObject({
  model: z.string().optional(),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
});

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }) });
