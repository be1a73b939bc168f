import { z } from 'zod';
import { CreateKeyRequest, SetSecretRequest } from './admin.js';
import { AgentRequest, AskRequest, ChatCompletionRequest, EmbeddingsRequest, ErrorBody, IngestTextRequest, SearchRequest } from './schemas.js';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

/** OpenAPI 3.1 document generated from the same Zod schemas that validate requests, so it cannot drift. */
export function openApiDocument(version: string) {
  const json = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(s) } } });
  const error = (description: string) => ({ description, content: { 'application/json': { schema: schema(ErrorBody) } } });
  const errors = {
    '400': error('Invalid request (bad field, JSON nested deeper than 64 levels, unsafe upload name)'),
    '401': error('No API key, or the key is malformed, unknown, revoked or expired'),
    '403': error("The key lacks the route's scope, or the request names another project than the key's"),
    '413': error("Body over server.maxBodyBytes or the key's maxBodyBytes"),
  };
  const project = {
    name: 'X-Incontext-Project',
    in: 'header',
    required: false,
    schema: { type: 'string' },
    description: "Project (tenant) id. With an API key the project is the key's, and naming another is 403; on an open server it picks the project (default from config).",
  };
  const security = [{ bearer: [] }, { apiKey: [] }];
  const op = (summary: string, body?: z.ZodType, extra: Record<string, unknown> = {}) => ({
    summary,
    parameters: [project],
    security,
    ...(body ? { requestBody: json(body) } : {}),
    responses: { '200': { description: 'OK' }, ...errors },
    ...extra,
  });
  const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
  const withId = (name: string, o: ReturnType<typeof op>) => ({ ...o, parameters: [project, idParam(name)] });
  return {
    openapi: '3.1.0',
    info: {
      title: 'incontext',
      version,
      description:
        'Ingest, retrieve and answer with citations; OpenAI-compatible /v1. ' +
        'Auth (server.auth): `auto` (default) asks for an API key on /api and /v1 once any key exists or when the server listens beyond loopback; `required` always; `off` never. ' +
        'Send the key as `Authorization: Bearer ic_...` or `x-api-key: ic_...`. Scopes: query (search, ask, chat, messages, embeddings, models, traces, stats, feedback), ' +
        'ingest (ingest, delete documents; both may list documents), admin (everything, plus /api/admin: keys, secrets, audit of its own project). ' +
        'Projects are created by the operator with the CLI (`incontext projects create`), never over HTTP.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An incontext API key (ic_...)' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key, as Anthropic clients send it' },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness; store counts of the default project only while the server is open', security: [], responses: { '200': { description: 'OK' } } } },
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
      '/api/documents/{id}': { delete: withId('id', op('Delete a document and its chunks (scope ingest); 404 for a document of another project')) },
      '/api/search': { post: op('Hybrid / vector / keyword search', SearchRequest) },
      '/api/ask': { post: op('Answer with citations; SSE of named parts with Accept: text/event-stream; explain:true returns the prompt without calling the model', AskRequest) },
      '/api/agent': { post: op('Run the agent (search and fetch_document over the project; each step budgeted and traced); session continues a conversation; SSE of named parts with stream:true', AgentRequest) },
      '/api/mcp': { post: op("MCP over Streamable HTTP (stateless, JSON responses): the key's project's search, fetch_document and ask tools for remote agents") },
      '/api/agent/sessions': { get: op("The project's agent conversations, newest first (?limit)") },
      '/api/agent/sessions/{id}': {
        get: withId('id', op('The messages the next run of this session would see; 404 for a session of another project')),
        delete: withId('id', op('Forget a conversation; 404 for a session of another project')),
      },
      '/api/traces': { get: op('Traces of the project, newest first; filters from, to, model, status, user, minCostUsd, text, limit, cursor') },
      '/api/traces/{id}': { get: withId('id', op('One trace as a span tree; 404 for a trace of another project')) },
      '/api/traces/{id}/feedback': { post: withId('id', op('Score, label or comment a trace')) },
      '/api/stats': { get: op('Cost per day and model, latency p50/p95, error and cache rates, tokens, month-end forecast (?days=30)') },
      '/v1/chat/completions': { post: op(`OpenAI-compatible chat; model "incontext-rag" answers with retrieval`, ChatCompletionRequest) },
      '/v1/messages': { post: op('Anthropic-compatible Messages API (stream and non-stream); model "incontext-rag" answers with retrieval') },
      '/v1/embeddings': { post: op('OpenAI-compatible embeddings with the configured embedder', EmbeddingsRequest) },
      '/v1/models': { get: op('OpenAI-compatible model list') },
      '/api/admin/keys': {
        post: op("Create a key in the admin key's project; the response is the only time the key (secret) is shown", CreateKeyRequest, { responses: { '201': { description: 'Created' }, ...errors } }),
        get: op('Keys of the project (never the keys themselves); ?includeRevoked=true'),
      },
      '/api/admin/keys/{id}': { delete: withId('id', op('Revoke a key; 404 for a key of another project')) },
      '/api/admin/projects': {
        get: op("The admin key's own project"),
        post: op('Always 403: projects are created by the operator with `incontext projects create`'),
      },
      '/api/admin/projects/{id}': { delete: withId('id', op("Delete the key's own project with its keys and secrets; 409 while it has documents unless ?force=true")) },
      '/api/admin/secrets': { get: op('Names and times of the vault secrets (never values)') },
      '/api/admin/secrets/{name}': {
        get: withId('name', op('Name and times of one secret')),
        put: withId('name', op('Store a secret (encrypted under INCONTEXT_MASTER_KEY); the value is never returned', SetSecretRequest)),
        delete: withId('name', op('Delete a secret')),
      },
      '/api/admin/audit': { get: op('Admin actions on the project, newest first; ?since (epoch ms), ?action, ?limit') },
    },
  };
}
