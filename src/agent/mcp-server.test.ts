/** Our MCP server, driven by our MCP client over real Streamable HTTP (a loopback server in this process). */
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { IncontextError } from '../core/index.js';
import { createMemoryTraceStore, createTracer, type Tracer, type TraceStore } from '../trace/index.js';
import { connectMcp, createMcpToolServer, defineTool, type McpConnection, type McpToolServer } from './index.js';

let http: ServerType;
let mcp: McpToolServer;
let client: McpConnection;
let store: TraceStore;
let serverTracer: Tracer;

beforeAll(async () => {
  store = createMemoryTraceStore();
  serverTracer = createTracer({ store, projectId: 'proj-a' });
  const t = serverTracer;
  mcp = createMcpToolServer({
    name: 'test-tools',
    version: '3.1.0',
    tracer: t,
    tools: [
      defineTool({ name: 'echo_project', description: 'Which project the call runs in', input: z.object({ note: z.string() }), execute: ({ note }, ctx) => ({ project: ctx.project, note }) }),
      defineTool({
        name: 'fails',
        description: 'Always fails',
        input: z.object({}),
        execute: () => {
          throw new IncontextError('NOT_FOUND', 'nothing here', { hint: 'try another id' });
        },
      }),
    ],
  });
  const port = await new Promise<number>((resolve) => {
    http = serve({ fetch: (req) => mcp.handle(req), port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  client = await connectMcp({ url: `http://127.0.0.1:${port}/mcp` });
});
afterAll(async () => {
  await client?.close();
  await mcp?.close();
  await new Promise<void>((r) => http.close(() => r()));
});

describe('createMcpToolServer over Streamable HTTP', () => {
  it('lists the tools with JSON Schemas made from their Zod inputs', () => {
    expect(client.server).toEqual({ name: 'test-tools', version: '3.1.0' });
    expect(client.tools.map((t) => t.name)).toEqual(['echo_project', 'fails']);
    expect(client.tools[0]?.input).toMatchObject({ type: 'object', properties: { note: { type: 'string' } }, required: ['note'] });
  });

  it("runs a call in the server's project and traces it as a request span", async () => {
    const span = createTracer({ store: createMemoryTraceStore(), projectId: 'client-side' }).startSpan('t', 'tool');
    const out = await client.tools[0]?.execute({ note: 'hi' }, { toolCallId: '1', project: 'client-side', span, signal: new AbortController().signal });
    expect(JSON.parse(out as string)).toEqual({ project: 'proj-a', note: 'hi' });
    await serverTracer.flush();
    const { traces } = await store.listTraces('proj-a');
    expect(traces.map((t) => [t.name, t.status])).toEqual([['mcp echo_project', 'ok']]);
  });

  it('a throwing tool and bad input come back as MCP tool errors with the message and hint', async () => {
    const span = createTracer({ store: createMemoryTraceStore(), projectId: 'c' }).startSpan('t', 'tool');
    await expect(Promise.resolve(client.tools[1]?.execute({}, { toolCallId: '2', project: 'c', span, signal: new AbortController().signal }))).rejects.toThrow(/NOT_FOUND: nothing here \(hint: try another id\)/);
  });

  it("checks input against the tool's schema on the server too (a client that skips the check gets a tool error)", async () => {
    const res = await mcp.handle(
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo_project', arguments: { note: 42 } } }),
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { isError: boolean; content: Array<{ text: string }> } };
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]?.text).toMatch(/Invalid input for echo_project/);
  });
});
