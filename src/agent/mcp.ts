/**
 * MCP client: connect to a Model Context Protocol server (a stdio command or a Streamable HTTP
 * URL) and hand its tools to the agent as ordinary AgentTools, so each call is traced, checked
 * against the server's JSON Schema before it is sent, and fails as a tool error the model reads.
 */
import { createMCPClient, type MCPClient } from '@ai-sdk/mcp';
import { StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import type { JSONSchema7 } from '@ai-sdk/provider';
import { IncontextError } from '../core/index.js';
import type { AgentTool } from './types.js';

export type McpServerSpec =
  | { command: string; args?: string[]; env?: Record<string, string>; cwd?: string; prefix?: string; name?: string }
  | { url: string; headers?: Record<string, string>; prefix?: string; name?: string };

export interface McpConnection {
  /** The server's name and version as it reported them. */
  readonly server: { name: string; version: string };
  readonly tools: AgentTool[];
  close(): Promise<void>;
}

/**
 * `incontext agent --mcp <x>`: an http(s) URL is a Streamable HTTP server, anything else a command
 * line (split on spaces; quote-free, like most MCP launch lines: `npx -y some-mcp-server /data`).
 */
export function parseMcpSpec(text: string): McpServerSpec {
  const t = text.trim();
  if (/^https?:\/\//i.test(t)) return { url: t };
  const [command, ...args] = t.split(/\s+/).filter(Boolean);
  if (!command) throw new IncontextError('BAD_REQUEST', 'Empty MCP server', { input: { key: 'mcp' }, hint: 'Pass a command (node server.js) or a URL (http://127.0.0.1:3001/mcp).' });
  return { command, args };
}

function describe(spec: McpServerSpec): string {
  return 'url' in spec ? spec.url : [spec.command, ...(spec.args ?? [])].join(' ');
}

/** Text of an MCP tool result: its text parts, or its structured content, or the parts as JSON. */
function resultOutput(r: { content?: unknown; structuredContent?: unknown; toolResult?: unknown }): unknown {
  if (r.structuredContent !== undefined) return r.structuredContent;
  if ('toolResult' in r) return r.toolResult;
  const parts = Array.isArray(r.content) ? (r.content as Array<{ type: string; text?: string }>) : [];
  if (parts.length > 0 && parts.every((p) => p.type === 'text')) return parts.map((p) => p.text ?? '').join('\n');
  return parts;
}

/** Some providers refuse a `$schema` key in tool parameters; the dialect is draft-07 either way. */
function withoutDialect(schema: JSONSchema7): JSONSchema7 {
  const { $schema: _dialect, ...rest } = schema;
  return { type: 'object', ...rest };
}

export async function connectMcp(spec: McpServerSpec, options: { signal?: AbortSignal } = {}): Promise<McpConnection> {
  let client: MCPClient;
  try {
    const transport =
      'url' in spec
        ? { type: 'http' as const, url: spec.url, ...(spec.headers ? { headers: spec.headers } : {}) }
        : new StdioMCPTransport({
            command: spec.command,
            ...(spec.args ? { args: spec.args } : {}),
            // A child gets PATH and the caller's extra variables, not the server's secrets.
            env: { PATH: process.env.PATH ?? '', ...(spec.env ?? {}) },
            ...(spec.cwd ? { cwd: spec.cwd } : {}),
            stderr: 'ignore',
          });
    client = await createMCPClient({ transport, clientName: 'incontext', ...(options.signal ? { initializationOptions: { signal: options.signal } } : {}) });
  } catch (e) {
    throw new IncontextError('BAD_REQUEST', `Cannot connect to the MCP server ${describe(spec)}: ${(e as Error).message}`, {
      input: { key: 'mcp' },
      hint: 'url' in spec ? 'Check the URL answers MCP over Streamable HTTP (POST).' : 'Check the command starts an MCP server on stdio.',
      cause: e,
    });
  }
  try {
    const listed = await client.listTools();
    const prefix = spec.prefix ?? '';
    const tools = listed.tools.map(
      (t): AgentTool => ({
        name: `${prefix}${t.name}`,
        description: t.description ?? t.title ?? t.name,
        input: withoutDialect(t.inputSchema as JSONSchema7),
        async execute(input, ctx) {
          ctx.span.setAttributes({ mcpServer: describe(spec), mcpTool: t.name });
          const r = await client.callTool({ name: t.name, arguments: (input ?? {}) as Record<string, unknown>, ...(ctx.signal ? { options: { signal: ctx.signal } } : {}) });
          const output = resultOutput(r);
          if (r.isError === true) throw new IncontextError('BAD_REQUEST', `MCP tool ${t.name} failed: ${typeof output === 'string' ? output : JSON.stringify(output)}`, { input: { key: t.name } });
          return output;
        },
      }),
    );
    const info = client.serverInfo as { name?: string; version?: string } | undefined;
    return { server: { name: info?.name ?? describe(spec), version: info?.version ?? '' }, tools, close: () => client.close() };
  } catch (e) {
    await client.close();
    throw new IncontextError('BAD_REQUEST', `MCP server ${describe(spec)} did not list its tools: ${(e as Error).message}`, { input: { key: 'mcp' }, cause: e });
  }
}
