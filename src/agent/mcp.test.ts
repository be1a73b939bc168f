/**
 * The MCP client against real MCP servers built on the reference SDK: a stdio child process
 * (__fixtures__/mcp-server.mjs) and a Streamable HTTP server in this process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { wrapLanguageModel } from 'ai';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryTraceStore, createTracer, traceMiddleware } from '../trace/index.js';
import { startFakeUpstream, type FakeUpstream } from '../testing/index.js';
import { connectMcp, parseMcpSpec, runAgent, type McpConnection } from './index.js';

const FIXTURE = join(import.meta.dirname, '__fixtures__', 'mcp-server.mjs');

let upstream: FakeUpstream;
let stdio: McpConnection;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  stdio = await connectMcp({ command: process.execPath, args: [FIXTURE] });
});
afterAll(async () => {
  await stdio?.close();
  await upstream?.close();
});

describe('MCP client over stdio', () => {
  it('lists the server and its tools with their JSON Schemas', () => {
    expect(stdio.server.name).toBe('fixture-orders');
    expect(stdio.tools.map((t) => t.name)).toEqual(['add', 'lookup_order', 'explode']);
    const lookup = stdio.tools.find((t) => t.name === 'lookup_order');
    expect(lookup?.description).toBe('Status of an order by id');
    expect(lookup?.input).toMatchObject({ type: 'object', required: ['id'], properties: { id: { type: 'string' } } });
    expect(lookup?.input).not.toHaveProperty('$schema');
  });

  it('an agent calls an MCP tool end to end: the result reaches the model, the call is a tool span', async () => {
    const store = createMemoryTraceStore();
    const tracer = createTracer({ store, projectId: 'p' });
    const model = wrapLanguageModel({ model: createOpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'k' }).chat('gpt-4o-mini'), middleware: [traceMiddleware(tracer)] });
    upstream.script({ toolCalls: [{ name: 'lookup_order', arguments: { id: 'A-17' } }, { name: 'lookup_order', arguments: { id: 'Z-9' } }] }, { text: 'A-17 shipped with DHL.' });
    const r = await runAgent({ model, tracer, input: 'Where are orders A-17 and Z-9?', tools: stdio.tools });
    expect(r.text).toBe('A-17 shipped with DHL.');
    const results = r.steps[0]?.toolResults ?? [];
    expect(results.find((x) => (x.output as { id?: string } | undefined)?.id === 'A-17')?.output).toEqual({ id: 'A-17', status: 'shipped', carrier: 'DHL', eta: '2026-11-30' });
    // The server's isError result is a tool error the model reads.
    expect(results.find((x) => x.error !== undefined)?.error).toMatch(/no order Z-9/);
    expect(JSON.stringify(upstream.requests[1]?.body)).toContain('DHL');
    expect(JSON.stringify(upstream.requests[1]?.body)).toContain('no order Z-9');
    await tracer.flush();
    const tree = await store.getTrace('p', r.traceId);
    const tools = tree[0]?.children.filter((s) => s.kind === 'tool') ?? [];
    expect(tools.map((s) => s.status).sort()).toEqual(['error', 'ok']);
    expect(tools[0]?.attributes.mcpTool).toBe('lookup_order');
  });

  it('checks input against the server schema before sending; a throwing server tool is an error', async () => {
    const add = stdio.tools.find((t) => t.name === 'add');
    const span = createTracer({ store: createMemoryTraceStore(), projectId: 'p' }).startSpan('t', 'tool');
    expect(await add?.execute({ a: 2, b: 40 }, { toolCallId: '1', project: 'p', span, signal: new AbortController().signal })).toBe('42');
    const explode = stdio.tools.find((t) => t.name === 'explode');
    await expect(Promise.resolve(explode?.execute({}, { toolCallId: '2', project: 'p', span, signal: new AbortController().signal }))).rejects.toThrow(/the fixture tool blew up/);
  });

  it('a command that is not an MCP server fails with a clear error', async () => {
    await expect(connectMcp({ command: process.execPath, args: ['-e', 'process.exit(3)'] })).rejects.toMatchObject({ code: 'BAD_REQUEST', input: { key: 'mcp' } });
  });
});

describe('MCP client over Streamable HTTP', () => {
  let http: Server;
  let url: string;
  beforeAll(async () => {
    http = createServer((req, res) => {
      // Stateless: a server and transport per request, as the SDK's stateless example does.
      const mcp = new McpServer({ name: 'http-fixture', version: '2.0.0' });
      mcp.registerTool('shout', { description: 'Upper-case a word', inputSchema: { word: z.string() } }, async ({ word }) => ({ content: [{ type: 'text', text: word.toUpperCase() }] }));
      const transport = new StreamableHTTPServerTransport({});
      res.on('close', () => void transport.close());
      void mcp.connect(transport).then(() => transport.handleRequest(req, res));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  });
  afterAll(() => new Promise<void>((r) => http.close(() => r())));

  it('connects by URL, prefixes tool names, and calls a tool', async () => {
    const c = await connectMcp({ ...(parseMcpSpec(url) as { url: string }), prefix: 'web_' });
    try {
      expect(c.server).toEqual({ name: 'http-fixture', version: '2.0.0' });
      expect(c.tools.map((t) => t.name)).toEqual(['web_shout']);
      const span = createTracer({ store: createMemoryTraceStore(), projectId: 'p' }).startSpan('t', 'tool');
      expect(await c.tools[0]?.execute({ word: 'hey' }, { toolCallId: '1', project: 'p', span, signal: new AbortController().signal })).toBe('HEY');
    } finally {
      await c.close();
    }
  });

  it('parses the --mcp forms', () => {
    expect(parseMcpSpec('https://example.test/mcp')).toEqual({ url: 'https://example.test/mcp' });
    expect(parseMcpSpec(' node  server.js --root /data ')).toEqual({ command: 'node', args: ['server.js', '--root', '/data'] });
    expect(() => parseMcpSpec('  ')).toThrow(/Empty MCP server/);
  });
});
