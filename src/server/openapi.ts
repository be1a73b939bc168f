import { z } from 'zod';
import { AskRequest, ChatCompletionRequest, EmbeddingsRequest, ErrorBody, IngestTextRequest, SearchRequest } from './schemas.js';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

/** OpenAPI 3.1 document generated from the same Zod schemas that validate requests, so it cannot drift. */
export function openApiDocument(version: string) {
  const json = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(s) } } });
  const errors = {
    '400': { description: 'Invalid request', content: { 'application/json': { schema: schema(ErrorBody) } } },
    '413': { description: 'Body too large' },
  };
  const project = { name: 'X-Incontext-Project', in: 'header', required: false, schema: { type: 'string' }, description: 'Project (tenant) id; default from config.' };
  const op = (summary: string, body?: z.ZodType, extra: Record<string, unknown> = {}) => ({
    summary,
    parameters: [project],
    ...(body ? { requestBody: json(body) } : {}),
    responses: { '200': { description: 'OK' }, ...errors },
    ...extra,
  });
  return {
    openapi: '3.1.0',
    info: { title: 'incontext', version, description: 'Ingest, retrieve and answer with citations; OpenAI-compatible /v1.' },
    paths: {
      '/healthz': { get: { summary: 'Liveness and store counts', responses: { '200': { description: 'OK' } } } },
      '/api/ingest': {
        post: op('Ingest files (multipart, any field name) or one JSON text document', IngestTextRequest, {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: schema(IngestTextRequest) },
              'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } },
            },
          },
        }),
      },
      '/api/documents': { get: op('List documents of the project') },
      '/api/documents/{id}': { delete: { ...op('Delete a document and its chunks'), parameters: [project, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }] } },
      '/api/search': { post: op('Hybrid / vector / keyword search', SearchRequest) },
      '/api/ask': { post: op('Answer with citations; SSE of named parts with Accept: text/event-stream; explain:true returns the prompt without calling the model', AskRequest) },
      '/api/traces': { get: op('Traces of the project, newest first; filters from, to, model, status, user, minCostUsd, text, limit, cursor') },
      '/api/traces/{id}': { get: { ...op('One trace as a span tree'), parameters: [project, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }] } },
      '/api/traces/{id}/feedback': { post: { ...op('Score, label or comment a trace'), parameters: [project, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }] } },
      '/api/stats': { get: op('Cost per day and model, latency p50/p95, error and cache rates, tokens, month-end forecast (?days=30)') },
      '/v1/chat/completions': { post: op(`OpenAI-compatible chat; model "incontext-rag" answers with retrieval`, ChatCompletionRequest) },
      '/v1/messages': { post: op('Anthropic-compatible Messages API (stream and non-stream); model "incontext-rag" answers with retrieval') },
      '/v1/embeddings': { post: op('OpenAI-compatible embeddings with the configured embedder', EmbeddingsRequest) },
      '/v1/models': { get: op('OpenAI-compatible model list') },
    },
  };
}
