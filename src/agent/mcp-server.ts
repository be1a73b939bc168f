/**
 * MCP server: any AgentTools (incontext's search, fetch_document and ask) offered to other agents
 * (Claude Desktop, IDEs, another incontext) over stdio or Streamable HTTP. Input is checked against
 * the tool's schema before it runs; each call is a traced `request` span in the tools' project; a
 * failure is an MCP tool error (`isError`), never a dropped connection.
 */
import { asSchema } from 'ai';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Tracer } from '../trace/index.js';
import { checkTools, inputSchema, toolErrorText, toolJsonSchema } from './tools.js';
import type { AgentTool } from './types.js';

export interface McpToolServerOptions {
  name: string;
  version: string;
  tools: readonly AgentTool[];
  /** Calls are traced here; its project is the project the tools read. */
  tracer: Tracer;
  /** Told to clients at initialisation (what the server is for). */
  instructions?: string;
}

export interface McpToolServer {
  /** Serve on this process's stdin/stdout until the client disconnects. */
  listenStdio(): Promise<void>;
  /** Answer one Streamable HTTP request (stateless: JSON responses, no session), e.g. from a Hono or fetch handler. */
  handle(request: Request): Promise<Response>;
  close(): Promise<void>;
}

function build(o: McpToolServerOptions): Server {
  const byName = new Map(o.tools.map((t) => [t.name, t]));
  const server = new Server({ name: o.name, version: o.version }, { capabilities: { tools: {} }, ...(o.instructions ? { instructions: o.instructions } : {}) });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: await Promise.all(
      o.tools.map(async (t) => ({ name: t.name, description: t.description, inputSchema: (await toolJsonSchema(t)) as { type: 'object'; [k: string]: unknown } })),
    ),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const t = byName.get(req.params.name);
    if (!t) return { isError: true, content: [{ type: 'text', text: `Unknown tool "${req.params.name}"; the tools are ${[...byName.keys()].join(', ')}` }] };
    const span = o.tracer.startSpan(`mcp ${t.name}`, 'request', { parent: null, attributes: { tool: t.name, mcp: true } });
    span.setInput(req.params.arguments ?? {});
    try {
      const parsed = await asSchema(inputSchema(t)).validate?.(req.params.arguments ?? {});
      if (parsed && !parsed.success) throw new Error(`Invalid input for ${t.name}: ${parsed.error.message}`);
      const input = parsed ? parsed.value : req.params.arguments;
      const output: unknown = await span.run(() => t.execute(input, { toolCallId: String(extra.requestId), project: o.tracer.projectId, span, signal: extra.signal }));
      span.setOutput(output ?? null).end('ok');
      return { content: [{ type: 'text', text: typeof output === 'string' ? output : JSON.stringify(output ?? null) }] };
    } catch (e) {
      span.end('error', e);
      return { isError: true, content: [{ type: 'text', text: toolErrorText(e) }] };
    }
  });
  return server;
}

export function createMcpToolServer(options: McpToolServerOptions): McpToolServer {
  checkTools(options.tools);
  const servers = new Set<Server>();
  return {
    async listenStdio() {
      const server = build(options);
      servers.add(server);
      const closed = new Promise<void>((resolve) => {
        server.onclose = () => resolve();
      });
      await server.connect(new StdioServerTransport());
      await closed;
    },
    async handle(request) {
      // Stateless: a server and transport per request, so replicas need no shared session state.
      const server = build(options);
      const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
      await server.connect(transport);
      try {
        return await transport.handleRequest(request);
      } finally {
        await server.close();
      }
    },
    async close() {
      await Promise.all([...servers].map((s) => s.close()));
      servers.clear();
    },
  };
}
